// Caller authentication end to end: a real server wired to running simulators;
// a call without the right API key gets 401 and reaches no backend.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <string>

#include "http/soap_face.h"
#include "platform/secret.h"
#include "tests/support/adapter_with_simulators.h"
#include "tests/support/soap_answer.h"
#include "tests/support/soap_xml.h"

namespace voip {
namespace {

using nlohmann::json;

constexpr const char* kKey = "k3y-Only-The-Caller-Knows";
constexpr const char* kBody =
    R"({"telephoneNumber":"447874384949","accountIdentification":{"accountNumber":"123456789","siteReference":42}})";

// Sends `request` on a new loopback connection to `port` and returns all the
// server sent until it closed the connection (each read waits 5 s at most).
std::string RawExchange(int port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  const timeval limit{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string answer;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
    char buffer[4096];
    for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) answer.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return answer;
}

// A POST of `body` to `path` whose X-API-Key is `key_value` byte for byte (a NUL included).
std::string RawPostWithKey(const std::string& path, const std::string& content_type, const std::string& key_value,
                           const std::string& body) {
  return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + content_type +
         "\r\nSOAPAction: \"\"\r\nX-API-Key: " + key_value + "\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n" + body;
}

// The adapter wired to the simulators (tests/support/adapter_with_simulators.h),
// with two accepted API keys; the log at debug level, to prove keys never reach it.
class CallerAuthFixture : public testing::AdapterWithSimulators {
 protected:
  CallerAuthFixture() : AdapterWithSimulators(LogLevel::kDebug) {}

  void SetUp() override {
    config_.threads = 4;
    config_.work_order.timeout_ms = 2000;
    config_.midas.timeout_ms = 2000;
    config_.caller_auth.mode = AuthMode::kApiKey;
    config_.caller_auth.api_key_digests = {Sha256("another-key"), Sha256(kKey)};
    ASSERT_TRUE(Start());
  }

  httplib::Result Post(httplib::Headers headers) {
    return client_->Post("/CreateVOIPMigrationWorkOrder", headers, kBody, "application/json");
  }

  void ExpectNoBackendCalled() {
    EXPECT_TRUE(simulators_->WorkOrderRequests().empty());
    EXPECT_TRUE(simulators_->MidasUpdates().empty());
  }

  static json OnlyFault(const httplib::Result& result) {
    const json faults = json::parse(result->body).at("CreateVOIPMigrationWorkOrder").at("failure").at("fault");
    EXPECT_EQ(faults.size(), 1u);
    return faults.at(0);
  }
};

// No credentials: 401, a challenge, one BUSINESS fault in the failure envelope, no backend called.
TEST_F(CallerAuthFixture, MissingKeyIs401AndCallsNoBackend) {
  auto result = Post({});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 401);
  EXPECT_EQ(result->get_header_value("WWW-Authenticate"), R"(Bearer realm="voip-migration-adapter")");
  EXPECT_EQ(json::parse(result->body), json::parse(R"({"CreateVOIPMigrationWorkOrder":{"failure":{"fault":[
    {"type":"BUSINESS","code":"10685","description":"Business Exception","severity":"ERROR",
     "sourceSystem":"Middleware",
     "detail":"Authentication required: send an API key as 'Authorization: Bearer KEY' or 'X-API-Key: KEY'"}]}}})"));
  ExpectNoBackendCalled();
}

// A wrong key: 401 with error="invalid_token", no backend called.
TEST_F(CallerAuthFixture, WrongKeyIs401AndCallsNoBackend) {
  auto result = Post({{"Authorization", "Bearer not-the-key"}});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 401);
  EXPECT_EQ(result->get_header_value("WWW-Authenticate"),
            R"(Bearer realm="voip-migration-adapter", error="invalid_token")");
  EXPECT_EQ(OnlyFault(result)["detail"], "The API key is not valid");
  ExpectNoBackendCalled();
}

// A configured key as a Bearer token: the call goes through to both backends.
TEST_F(CallerAuthFixture, BearerKeyIsAccepted) {
  auto result = Post({{"Authorization", std::string("Bearer ") + kKey}});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200) << result->body;
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 1u);
  EXPECT_EQ(simulators_->MidasUpdates().size(), 1u);
}

// A configured key as X-API-Key: accepted too.
TEST_F(CallerAuthFixture, XApiKeyIsAccepted) {
  auto result = Post({{"X-API-Key", kKey}});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200) << result->body;
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 1u);
}

// /health and /metrics answer without credentials (for probes and scrapers).
TEST_F(CallerAuthFixture, HealthAndMetricsStayOpen) {
  auto health = client_->Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(health->body, R"({"status":"UP"})");
  auto metrics = client_->Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  ExpectNoBackendCalled();
}

// Neither a wrong nor a right key ever appears in the log, even at debug level.
TEST_F(CallerAuthFixture, KeysAreNeverLogged) {
  ASSERT_TRUE(Post({{"Authorization", "Bearer wrong-key-canary-77"}}));
  ASSERT_TRUE(Post({{"X-API-Key", kKey}}));
  const std::string log = log_.str();
  EXPECT_NE(log.find("\"status\":401"), std::string::npos) << log;
  EXPECT_EQ(log.find("wrong-key-canary-77"), std::string::npos) << log;
  EXPECT_EQ(log.find(kKey), std::string::npos) << log;
}

// A 401 on a keep-alive connection closes it, so an unread body cannot be taken for the next request.
TEST_F(CallerAuthFixture, RefusalClosesTheConnection) {
  client_->set_keep_alive(true);
  auto refused = Post({});
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401);
  EXPECT_EQ(refused->get_header_value("Connection"), "close");
  auto accepted = Post({{"X-API-Key", kKey}});
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->status, 200);
}

// The SOAP face is behind authentication too: without credentials, a 401 SOAP Client fault
// with the Basic challenge legacy stacks understand, no backend called (more in soap_auth_test.cc).
TEST_F(CallerAuthFixture, SoapWithoutKeyIs401SoapFault) {
  auto result = client_->Post("/soap", {{"SOAPAction", kCreateSoapAction}},
                              testing::SoapEnvelope(testing::CreateRequest("447874384949"), testing::kSoap11EnvelopeNs),
                              "text/xml");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 401);
  EXPECT_EQ(result->get_header_value("WWW-Authenticate"), R"(Basic realm="voip-migration-adapter", charset="UTF-8")");
  const auto answer = testing::ReadSoapAnswer(result->body);
  EXPECT_EQ(answer.fault_code, "Client");
  EXPECT_EQ(answer.fault_reason,
            "Authentication required: HTTP Basic, a WS-Security UsernameToken (PasswordDigest) or an API key");
  ExpectNoBackendCalled();
}

// With a configured key, a SOAP 1.2 call goes through to both backends; the WSDL needs no key.
TEST_F(CallerAuthFixture, SoapWithKeyIsAcceptedAndWsdlIsOpen) {
  auto result = client_->Post("/soap", {{"Authorization", std::string("Bearer ") + kKey}},
                              testing::SoapEnvelope(testing::CreateRequest("447874384949"), testing::kSoap12EnvelopeNs),
                              "application/soap+xml");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200) << result->body;
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 1u);
  EXPECT_EQ(simulators_->MidasUpdates().size(), 1u);
  auto wsdl = client_->Get("/soap?wsdl");
  ASSERT_TRUE(wsdl);
  EXPECT_EQ(wsdl->status, 200);
}

// X-API-Key "KEY\0junk" is not KEY: the whole value is compared, so the JSON face refuses it and calls no
// backend (401 from authentication; 400 where the framing refuses a NUL in a header value first).
TEST_F(CallerAuthFixture, KeyFollowedByNulAndJunkIsRefused) {
  const std::string answer = RawExchange(
      server_->port(),
      RawPostWithKey("/CreateVOIPMigrationWorkOrder", "application/json", kKey + std::string("\0junk", 5), kBody));
  const std::string status_line = answer.substr(0, answer.find("\r\n"));
  EXPECT_TRUE(status_line == "HTTP/1.1 401 Unauthorized" || status_line == "HTTP/1.1 400 Bad Request") << answer;
  if (status_line == "HTTP/1.1 401 Unauthorized") {
    const json fault = json::parse(answer.substr(answer.find("\r\n\r\n") + 4))
                           .at("CreateVOIPMigrationWorkOrder")
                           .at("failure")
                           .at("fault")
                           .at(0);
    EXPECT_EQ(fault["detail"], "The API key is not valid");
  }
  ExpectNoBackendCalled();
}

// cpp-httplib 0.11.4 percent-decodes header values, so "KEY%00junk" (no NUL on the wire, past the framing
// checks) reaches the adapter as "KEY\0junk": compared whole, it is refused (401) and calls no backend.
TEST_F(CallerAuthFixture, KeyFollowedByPercentEncodedNulIsRefused) {
  auto result = Post({{"X-API-Key", std::string(kKey) + "%00junk"}});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 401);
  EXPECT_EQ(OnlyFault(result)["detail"], "The API key is not valid");
  ExpectNoBackendCalled();
}

// The same on the SOAP face: "KEY\0junk" as X-API-Key is refused and calls no backend.
TEST_F(CallerAuthFixture, SoapKeyFollowedByNulAndJunkIsRefused) {
  const std::string answer = RawExchange(
      server_->port(),
      RawPostWithKey("/soap", "text/xml; charset=utf-8", kKey + std::string("\0junk", 5),
                     testing::SoapEnvelope(testing::CreateRequest("447874384949"), testing::kSoap11EnvelopeNs)));
  const std::string status_line = answer.substr(0, answer.find("\r\n"));
  EXPECT_TRUE(status_line == "HTTP/1.1 401 Unauthorized" || status_line == "HTTP/1.1 400 Bad Request") << answer;
  if (status_line == "HTTP/1.1 401 Unauthorized") {
    EXPECT_EQ(testing::ReadSoapAnswer(answer.substr(answer.find("\r\n\r\n") + 4)).fault_reason,
              "The API key is not valid");
  }
  ExpectNoBackendCalled();
}

}  // namespace
}  // namespace voip
