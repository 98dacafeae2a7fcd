#include "platform/username_token.h"

#include <gtest/gtest.h>

namespace voip {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

constexpr const char* kDigestType =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest";
constexpr const char* kNonce = "LKqI6G/AikKCQrN0zqZFlg==";
constexpr const char* kCreated = "2026-11-26T18:00:00Z";
// Base64(SHA-1(nonce + created + "legacy-pass")), computed independently with Python's hashlib.
constexpr const char* kDigest = "QOAUARlHIi6tthnCDgLRVDyhDTQ=";

system_clock::time_point CreatedTime() { return *ParseUtcDateTime(kCreated); }

UsernameToken Token(const std::string& user = "legacy-caller", const std::string& digest = kDigest,
                    const std::string& nonce = kNonce) {
  return UsernameToken{user, digest, kDigestType, nonce, kCreated};
}

UsernameTokenVerifier Verifier() { return UsernameTokenVerifier({{"legacy-caller", "legacy-pass"}}, seconds(300)); }

// A valid token of legacy-caller with nonce number `n` (1 to 3) and the given Created time.
UsernameToken NumberedToken(int n, const std::string& created = kCreated) {
  // Base64 of "nonce-nonce-01", "-02", "-03".
  const char* const kNonces[] = {"bm9uY2Utbm9uY2UtMDE=", "bm9uY2Utbm9uY2UtMDI=", "bm9uY2Utbm9uY2UtMDM="};
  const std::string nonce = kNonces[n - 1];
  return UsernameToken{"legacy-caller", PasswordDigest(nonce, created, "legacy-pass"), kDigestType, nonce, created};
}

// The digest follows the UsernameToken Profile: Base64(SHA-1(nonce + Created + password)).
TEST(UsernameTokenTest, DigestMatchesTheProfile) {
  EXPECT_EQ(PasswordDigest(kNonce, kCreated, "legacy-pass"), kDigest);
  EXPECT_EQ(PasswordDigest("not base64!", kCreated, "legacy-pass"), "");
}

// A fresh token with the right digest is accepted; the same nonce again is a replay.
TEST(UsernameTokenTest, AcceptsOnceThenRefusesReplay) {
  UsernameTokenVerifier verifier = Verifier();
  EXPECT_EQ(verifier.Verify(Token(), CreatedTime() + seconds(5)), TokenVerdict::kAccepted);
  EXPECT_EQ(verifier.Verify(Token(), CreatedTime() + seconds(6)), TokenVerdict::kReplayed);
}

// A full nonce cache refuses a new valid token instead of forgetting a nonce still inside its window.
TEST(UsernameTokenTest, FullNonceCacheRefusesNewTokensAndForgetsNone) {
  UsernameTokenVerifier verifier({{"legacy-caller", "legacy-pass"}}, seconds(300), 2);
  EXPECT_EQ(verifier.Verify(NumberedToken(1), CreatedTime()), TokenVerdict::kAccepted);
  EXPECT_EQ(verifier.Verify(NumberedToken(2), CreatedTime()), TokenVerdict::kAccepted);
  EXPECT_EQ(verifier.Verify(NumberedToken(3), CreatedTime() + seconds(1)), TokenVerdict::kNonceCacheFull);
  EXPECT_EQ(verifier.Verify(NumberedToken(1), CreatedTime() + seconds(2)), TokenVerdict::kReplayed);
  EXPECT_EQ(verifier.Verify(NumberedToken(2), CreatedTime() + seconds(299)), TokenVerdict::kReplayed);
}

// Once the remembered nonces leave their window, a full cache takes new tokens again.
TEST(UsernameTokenTest, FullNonceCacheTakesTokensAgainOnceNoncesExpire) {
  UsernameTokenVerifier verifier({{"legacy-caller", "legacy-pass"}}, seconds(300), 1);
  EXPECT_EQ(verifier.Verify(NumberedToken(1), CreatedTime()), TokenVerdict::kAccepted);
  const std::string later = UtcDateTime(CreatedTime() + seconds(301));
  EXPECT_EQ(verifier.Verify(NumberedToken(2, later), CreatedTime() + seconds(300)), TokenVerdict::kNonceCacheFull);
  EXPECT_EQ(verifier.Verify(NumberedToken(2, later), CreatedTime() + seconds(301)), TokenVerdict::kAccepted);
}

// Created outside the window on either side is refused (checked before the nonce is remembered).
TEST(UsernameTokenTest, RefusesStaleAndFutureTokens) {
  UsernameTokenVerifier verifier = Verifier();
  EXPECT_EQ(verifier.Verify(Token(), CreatedTime() + seconds(301)), TokenVerdict::kStale);
  EXPECT_EQ(verifier.Verify(Token(), CreatedTime() - seconds(301)), TokenVerdict::kStale);
  EXPECT_EQ(verifier.Verify(Token(), CreatedTime() + seconds(299)), TokenVerdict::kAccepted);
}

// A wrong digest, or the right digest under another user name, is refused.
TEST(UsernameTokenTest, RefusesBadDigestAndUnknownUser) {
  UsernameTokenVerifier verifier = Verifier();
  const std::string wrong = PasswordDigest(kNonce, kCreated, "guess");
  EXPECT_EQ(verifier.Verify(Token("legacy-caller", wrong), CreatedTime()), TokenVerdict::kUnknownUserOrBadDigest);
  EXPECT_EQ(verifier.Verify(Token("someone-else"), CreatedTime()), TokenVerdict::kUnknownUserOrBadDigest);
}

// PasswordText, a missing nonce or an unparseable Created time is malformed.
TEST(UsernameTokenTest, RefusesMalformedTokens) {
  UsernameTokenVerifier verifier = Verifier();
  UsernameToken text = Token();
  text.password_type =
      "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText";
  EXPECT_EQ(verifier.Verify(text, CreatedTime()), TokenVerdict::kMalformed);
  EXPECT_EQ(verifier.Verify(Token("legacy-caller", kDigest, ""), CreatedTime()), TokenVerdict::kMalformed);
  UsernameToken local_time = Token();
  local_time.created = "2026-11-26T18:00:00+01:00";
  EXPECT_EQ(verifier.Verify(local_time, CreatedTime()), TokenVerdict::kMalformed);
}

// The token is read from wsse:Security in the SOAP Header, whatever the prefixes.
TEST(UsernameTokenTest, ExtractsFromTheSoapHeader) {
  const std::string envelope =
      std::string(
          R"(<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>)"
          R"(<o:Security xmlns:o="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"><o:UsernameToken>)"
          R"(<o:Username>legacy-caller</o:Username><o:Password Type=")") +
      kDigestType + R"(">)" + kDigest + R"(</o:Password><o:Nonce>)" + kNonce +
      R"(</o:Nonce><u:Created xmlns:u="urn:wsu">)" + kCreated +
      R"(</u:Created></o:UsernameToken></o:Security></s:Header><s:Body/></s:Envelope>)";
  const auto token = ExtractUsernameToken(envelope);
  ASSERT_TRUE(token);
  EXPECT_EQ(token->username, "legacy-caller");
  EXPECT_EQ(token->password, kDigest);
  EXPECT_EQ(token->password_type, kDigestType);
  EXPECT_EQ(token->nonce, kNonce);
  EXPECT_EQ(token->created, kCreated);
  EXPECT_FALSE(ExtractUsernameToken("<!DOCTYPE x [<!ENTITY a 'b'>]>" + envelope));
  EXPECT_FALSE(ExtractUsernameToken(R"(<s:Envelope xmlns:s="urn:s"><s:Body/></s:Envelope>)"));
}

// A token made for an outbound call is one the verifier accepts: digest of its own nonce and Created.
TEST(UsernameTokenTest, NewTokenVerifies) {
  const system_clock::time_point now = CreatedTime() + std::chrono::milliseconds(42);
  const auto token = NewUsernameToken("legacy-caller", "legacy-pass", WssePasswordType::kDigest, now);
  ASSERT_TRUE(token);
  EXPECT_EQ(token->created, "2026-11-26T18:00:00.042Z");
  EXPECT_EQ(token->password_type, kPasswordDigestType);
  EXPECT_EQ(token->password, PasswordDigest(token->nonce, token->created, "legacy-pass"));
  UsernameTokenVerifier verifier = Verifier();
  EXPECT_EQ(verifier.Verify(*token, now), TokenVerdict::kAccepted);
}

// Two tokens made at the same instant still differ in their nonce (16 random bytes).
TEST(UsernameTokenTest, NewTokensHaveFreshNonces) {
  const auto first = NewUsernameToken("u", "p", WssePasswordType::kDigest, CreatedTime());
  const auto second = NewUsernameToken("u", "p", WssePasswordType::kDigest, CreatedTime());
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->nonce.size(), 24u);
  EXPECT_NE(first->nonce, second->nonce);
  EXPECT_NE(first->password, second->password);
}

// PasswordText carries the password itself, with the profile's PasswordText type.
TEST(UsernameTokenTest, TextTokenCarriesThePassword) {
  const auto token = NewUsernameToken("u", "p4ss", WssePasswordType::kText, CreatedTime());
  ASSERT_TRUE(token);
  EXPECT_EQ(token->password, "p4ss");
  EXPECT_EQ(token->password_type, kPasswordTextType);
}

}  // namespace
}  // namespace voip
