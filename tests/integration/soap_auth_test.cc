// Authentication of SOAP callers end to end: HTTP Basic, WS-Security
// UsernameToken (PasswordDigest, nonce replay, Created window) and API keys on
// POST /soap; a refusal is a 401 SOAP Fault and reaches no backend.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <ctime>
#include <string>

#include "platform/secret.h"
#include "platform/username_token.h"
#include "tests/support/adapter_with_simulators.h"
#include "tests/support/soap_answer.h"
#include "tests/support/soap_xml.h"

namespace voip {
namespace {

using testing::CreateRequest;
using testing::kSoap11EnvelopeNs;
using testing::ReadSoapAnswer;
using testing::SoapEnvelope;

constexpr const char* kBasicChallenge = R"(Basic realm="voip-migration-adapter", charset="UTF-8")";

std::string UtcText(std::chrono::system_clock::time_point when) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(when);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

// A wsse:Security header with a UsernameToken for `user`, digest made from `password`.
std::string SecurityHeader(const std::string& user, const std::string& password, const std::string& nonce,
                           const std::string& created) {
  return R"(<wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd" )"
         R"(xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">)"
         "<wsse:UsernameToken><wsse:Username>" +
         user +
         R"(</wsse:Username><wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest">)" +
         PasswordDigest(nonce, created, password) + "</wsse:Password><wsse:Nonce>" + nonce +
         "</wsse:Nonce><wsu:Created>" + created + "</wsu:Created></wsse:UsernameToken></wsse:Security>";
}

// The adapter wired to the simulators (tests/support/adapter_with_simulators.h),
// with an API key and a SOAP user; the log at debug level, to prove secrets never reach it.
class SoapAuthFixture : public testing::AdapterWithSimulators {
 protected:
  SoapAuthFixture() : AdapterWithSimulators(LogLevel::kDebug) {}

  void SetUp() override {
    config_.threads = 4;
    config_.work_order.timeout_ms = 2000;
    config_.midas.timeout_ms = 2000;
    config_.caller_auth.mode = AuthMode::kApiKey;
    config_.caller_auth.api_key_digests = {Sha256("soap-api-key")};
    config_.caller_auth.soap_users = {SoapUser{"legacy-caller", "legacy-pass"}};
    ASSERT_TRUE(Start());
  }

  // A SOAP 1.1 create request with `header` in its SOAP Header.
  httplib::Result Post(const std::string& header, const httplib::Headers& headers = {}) {
    return PostSoap11(SoapEnvelope(CreateRequest("447874384949"), kSoap11EnvelopeNs, header), headers);
  }

  // 401, the Basic challenge, a Client SOAP Fault with `reason`, and no backend called.
  void ExpectRefused(const httplib::Result& result, const std::string& reason) {
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 401);
    EXPECT_EQ(result->get_header_value("WWW-Authenticate"), kBasicChallenge);
    const auto answer = ReadSoapAnswer(result->body);
    EXPECT_EQ(answer.envelope_ns, kSoap11EnvelopeNs);
    EXPECT_EQ(answer.fault_code, "Client");
    EXPECT_EQ(answer.fault_reason, reason);
    EXPECT_TRUE(simulators_->WorkOrderRequests().empty());
    EXPECT_TRUE(simulators_->MidasUpdates().empty());
  }

  void ExpectCreated(const httplib::Result& result) {
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 200) << result->body;
    ASSERT_EQ(simulators_->WorkOrderRequests().size(), 1u);
    const auto answer = ReadSoapAnswer(result->body);
    EXPECT_EQ(answer.response["CreateVOIPMigrationWorkOrder"]["success"]["orderNumber"],
              simulators_->WorkOrderRequests()[0].order_number);
  }
};

// No credentials at all: 401 SOAP Fault with the Basic challenge, nothing reaches a backend.
TEST_F(SoapAuthFixture, NoCredentialsIs401Fault) {
  ExpectRefused(Post(""),
                "Authentication required: HTTP Basic, a WS-Security UsernameToken (PasswordDigest) or an API key");
}

// HTTP Basic as a configured SOAP user: the work order is created.
TEST_F(SoapAuthFixture, HttpBasicIsAccepted) {
  ExpectCreated(
      Post("", {{"Authorization", "Basic bGVnYWN5LWNhbGxlcjpsZWdhY3ktcGFzcw=="}}));  // legacy-caller:legacy-pass
}

// HTTP Basic with a wrong password: refused, and the password never appears in the log.
TEST_F(SoapAuthFixture, HttpBasicWrongPasswordIs401) {
  ExpectRefused(
      Post("", {{"Authorization", "Basic bGVnYWN5LWNhbGxlcjp3cm9uZy1jYW5hcnk="}}),  // legacy-caller:wrong-canary
      "The user name or password is not valid");
  EXPECT_EQ(log_.str().find("wrong-canary"), std::string::npos);
  EXPECT_EQ(log_.str().find("bGVnYWN5LWNhbGxlcjp3cm9uZy1jYW5hcnk="), std::string::npos);
}

// A fresh UsernameToken is accepted once; the very same envelope again is a replay: 401, one work order only.
TEST_F(SoapAuthFixture, UsernameTokenAcceptedOnceThenReplayRefused) {
  const std::string header = SecurityHeader("legacy-caller", "legacy-pass",
                                            "bm9uY2UtMDAwMDAwMDAwMQ==", UtcText(std::chrono::system_clock::now()));
  ExpectCreated(Post(header));
  auto replay = Post(header);
  ASSERT_TRUE(replay);
  EXPECT_EQ(replay->status, 401);
  EXPECT_EQ(ReadSoapAnswer(replay->body).fault_reason, "The UsernameToken's Nonce was already used");
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 1u);
}

// A caller's Security header marked mustUnderstand="1" (as WSS4J and WCF send it) is understood: the
// SOAP face declares wsse:Security, so the token is checked and the work order created.
TEST_F(SoapAuthFixture, MustUnderstandSecurityHeaderIsAccepted) {
  std::string header = SecurityHeader("legacy-caller", "legacy-pass",
                                      "bm9uY2UtMDAwMDAwMDAwNA==", UtcText(std::chrono::system_clock::now()));
  header.insert(header.find('>'),
                R"( xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" soapenv:mustUnderstand="1")");
  ExpectCreated(Post(header));
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 1u);
}

// A token whose Created time is 10 minutes old (window 5 minutes) is refused.
TEST_F(SoapAuthFixture, StaleUsernameTokenIs401) {
  const auto old = std::chrono::system_clock::now() - std::chrono::minutes(10);
  ExpectRefused(Post(SecurityHeader("legacy-caller", "legacy-pass", "bm9uY2UtMDAwMDAwMDAwMg==", UtcText(old))),
                "The UsernameToken's Created time is outside the accepted window");
}

// A token whose digest was made with another password is refused.
TEST_F(SoapAuthFixture, UsernameTokenBadDigestIs401) {
  ExpectRefused(Post(SecurityHeader("legacy-caller", "guess",
                                    "bm9uY2UtMDAwMDAwMDAwMw==", UtcText(std::chrono::system_clock::now()))),
                "The user name or password digest is not valid");
}

// An API key works on /soap as on the JSON face.
TEST_F(SoapAuthFixture, ApiKeyIsAccepted) { ExpectCreated(Post("", {{"X-API-Key", "soap-api-key"}})); }

// The same, remembering at most one UsernameToken nonce.
class SoapAuthOneNonceFixture : public SoapAuthFixture {
 protected:
  void SetUp() override {
    config_.caller_auth.token_max_nonces = 1;
    SoapAuthFixture::SetUp();
  }
};

// With the nonce cache full, a second valid token is refused (401, says why, counted), no backend called for
// it, and the first token's nonce is still remembered: its replay is refused as a replay.
TEST_F(SoapAuthOneNonceFixture, FullNonceCacheRefusesNewTokenAndKeepsTheOld) {
  const std::string now = UtcText(std::chrono::system_clock::now());
  const std::string first = SecurityHeader("legacy-caller", "legacy-pass", "bm9uY2UtMDAwMDAwMDAwNQ==", now);
  ExpectCreated(Post(first));
  simulators_->Reset();
  ExpectRefused(Post(SecurityHeader("legacy-caller", "legacy-pass", "bm9uY2UtMDAwMDAwMDAwNg==", now)),
                "The service cannot take more UsernameTokens right now: it remembers as many recent nonces as it "
                "may; retry later");
  EXPECT_NE(client_->Get("/metrics")->body.find("\nvoip_username_token_nonce_cache_full_total 1\n"), std::string::npos);
  ExpectRefused(Post(first), "The UsernameToken's Nonce was already used");
}

}  // namespace
}  // namespace voip
