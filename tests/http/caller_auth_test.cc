#include "http/caller_auth.h"

#include <gtest/gtest.h>

#include "platform/secret.h"
#include "platform/username_token.h"

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

// A configured key followed by a NUL and more is another key: the whole value is compared, its length included.
TEST(CallerAuthenticatorTest, KeyFollowedByNulIsWrong) {
  CallerAuthenticator auth = WithKeys({"alpha-key"});
  EXPECT_EQ(auth.CheckApiKey("", std::string_view("alpha-key\0junk", 14)), AuthVerdict::kWrongCredentials);
  EXPECT_EQ(auth.CheckApiKey(std::string_view("Bearer alpha-key\0junk", 21), ""), AuthVerdict::kWrongCredentials);
  EXPECT_EQ(auth.CheckSoap("", std::string_view("alpha-key\0", 10), "", std::chrono::system_clock::now()).verdict,
            AuthVerdict::kWrongCredentials);
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

CallerAuthenticator WithSoapUser() {
  CallerAuthConfig config;
  config.mode = AuthMode::kApiKey;
  config.api_key_digests.push_back(Sha256("alpha-key"));
  config.soap_users.push_back(SoapUser{"legacy", "pa:ss"});
  return CallerAuthenticator(config);
}

std::string Envelope(const std::string& nonce, const std::string& created, const std::string& digest) {
  return R"(<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header><w:Security )"
         R"(xmlns:w="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">)"
         R"(<w:UsernameToken><w:Username>legacy</w:Username><w:Password Type="http://docs.oasis-open.org/wss/2004/)"
         R"(01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest">)" +
         digest + "</w:Password><w:Nonce>" + nonce + "</w:Nonce><u:Created xmlns:u=\"urn:wsu\">" + created +
         "</u:Created></w:UsernameToken></w:Security></s:Header><s:Body/></s:Envelope>";
}

// SOAP callers: HTTP Basic for a configured SOAP user is accepted; a wrong password is refused with a Basic
// challenge.
TEST(CallerAuthenticatorSoapTest, HttpBasic) {
  CallerAuthenticator auth = WithSoapUser();
  const auto now = std::chrono::system_clock::now();
  EXPECT_EQ(auth.CheckSoap("Basic bGVnYWN5OnBhOnNz", "", "", now).verdict, AuthVerdict::kAllowed);  // legacy:pa:ss
  const SoapAuthResult wrong = auth.CheckSoap("Basic bGVnYWN5Om5vcGU=", "", "", now);               // legacy:nope
  EXPECT_EQ(wrong.verdict, AuthVerdict::kWrongCredentials);
  EXPECT_EQ(wrong.detail, "The user name or password is not valid");
  EXPECT_EQ(wrong.challenge, R"(Basic realm="voip-migration-adapter", charset="UTF-8")");
}

// SOAP callers: a UsernameToken with the right digest is accepted once; its replay is refused.
TEST(CallerAuthenticatorSoapTest, UsernameTokenOnceOnly) {
  CallerAuthenticator auth = WithSoapUser();
  const std::string created = "2026-11-26T18:00:00Z";
  const std::string nonce = "MTIzNDU2Nzg5MGFiY2RlZg==";
  const std::string envelope = Envelope(nonce, created, PasswordDigest(nonce, created, "pa:ss"));
  const auto now = *ParseUtcDateTime(created);
  EXPECT_EQ(auth.CheckSoap("", "", envelope, now).verdict, AuthVerdict::kAllowed);
  const SoapAuthResult replay = auth.CheckSoap("", "", envelope, now);
  EXPECT_EQ(replay.verdict, AuthVerdict::kWrongCredentials);
  EXPECT_EQ(replay.detail, "The UsernameToken's Nonce was already used");
}

// SOAP callers may also use an API key; nothing at all is "missing".
TEST(CallerAuthenticatorSoapTest, ApiKeyOrNothing) {
  CallerAuthenticator auth = WithSoapUser();
  const auto now = std::chrono::system_clock::now();
  EXPECT_EQ(auth.CheckSoap("Bearer alpha-key", "", "<s:Envelope/>", now).verdict, AuthVerdict::kAllowed);
  EXPECT_EQ(auth.CheckSoap("", "", "<s:Envelope/>", now).verdict, AuthVerdict::kMissingCredentials);
}

}  // namespace
}  // namespace voip
