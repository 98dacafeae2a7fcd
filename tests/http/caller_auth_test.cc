#include "http/caller_auth.h"

#include <gtest/gtest.h>

#include "adapter/secret.h"

namespace voip {
namespace {

CallerAuthenticator WithKeys(std::initializer_list<const char*> keys) {
  CallerAuthConfig config;
  config.mode = AuthMode::kApiKey;
  for (const char* key : keys) config.api_key_digests.push_back(Sha256(key));
  return CallerAuthenticator(config);
}

// A configured key is accepted as a Bearer token (scheme case-insensitive) or as X-API-Key.
TEST(CallerAuthenticatorTest, AcceptsConfiguredKeyEitherWay) {
  const CallerAuthenticator auth = WithKeys({"alpha-key", "beta-key"});
  EXPECT_EQ(auth.CheckApiKey("Bearer beta-key", ""), AuthVerdict::kAllowed);
  EXPECT_EQ(auth.CheckApiKey("bearer  alpha-key ", ""), AuthVerdict::kAllowed);
  EXPECT_EQ(auth.CheckApiKey("", "alpha-key"), AuthVerdict::kAllowed);
}

// No credentials at all is "missing"; a wrong key, a prefix of a key or another scheme is "wrong".
TEST(CallerAuthenticatorTest, RefusesMissingAndWrongKeys) {
  const CallerAuthenticator auth = WithKeys({"alpha-key"});
  EXPECT_EQ(auth.CheckApiKey("", ""), AuthVerdict::kMissingCredentials);
  EXPECT_EQ(auth.CheckApiKey("Bearer alpha", ""), AuthVerdict::kWrongCredentials);
  EXPECT_EQ(auth.CheckApiKey("Bearer alpha-key-and-more", ""), AuthVerdict::kWrongCredentials);
  EXPECT_EQ(auth.CheckApiKey("Basic YWxwaGEta2V5", ""), AuthVerdict::kWrongCredentials);
  EXPECT_EQ(auth.CheckApiKey("", "ALPHA-KEY"), AuthVerdict::kWrongCredentials);
}

// A configuration that never decided (kUnset) refuses everything: it fails closed.
TEST(CallerAuthenticatorTest, UnsetModeFailsClosed) {
  const CallerAuthenticator auth{CallerAuthConfig{}};
  EXPECT_TRUE(auth.enabled());
  EXPECT_EQ(auth.CheckApiKey("Bearer anything", "anything"), AuthVerdict::kWrongCredentials);
}

// Only an explicit auth = none lets every call through.
TEST(CallerAuthenticatorTest, NoneAllowsEverything) {
  CallerAuthConfig config;
  config.mode = AuthMode::kNone;
  const CallerAuthenticator auth(config);
  EXPECT_FALSE(auth.enabled());
  EXPECT_EQ(auth.CheckApiKey("", ""), AuthVerdict::kAllowed);
}

// The challenge says invalid_token only when a wrong key was presented (RFC 6750).
TEST(CallerAuthenticatorTest, ChallengeNamesTheError) {
  EXPECT_STREQ(ApiKeyChallenge(AuthVerdict::kMissingCredentials), R"(Bearer realm="voip-migration-adapter")");
  EXPECT_STREQ(ApiKeyChallenge(AuthVerdict::kWrongCredentials),
               R"(Bearer realm="voip-migration-adapter", error="invalid_token")");
}

}  // namespace
}  // namespace voip
