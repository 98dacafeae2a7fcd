// The HTTP edge against hostile and broken clients (issue 11): raw bytes on
// loopback, over plain TCP and TLS alike, asserting the answer, whether the
// connection is closed or still usable afterwards, and that no smuggled,
// truncated or refused request reached the work-order system (a strict fake
// that records every call). Every wait is bounded.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "adapter/metrics.h"
#include "adapter/migration_flow.h"
#include "http/server.h"
#include "platform/config.h"
#include "platform/log.h"
#include "platform/secret.h"
#include "tests/support/fake_backends.h"
#include "tests/support/fake_outbox.h"
#include "tests/support/raw_http.h"
#include "tests/support/throwaway_ca.h"

namespace voip {
namespace {

using testing::RawAnswer;
using testing::RawHttpConnection;
using Clock = std::chrono::steady_clock;

constexpr const char* kKey = "the-right-key";
constexpr const char* kBody =
    R"({"telephoneNumber":"447874384949","accountIdentification":{"accountNumber":"123456789","siteReference":42}})";

// A complete, valid, authenticated create: what a smuggler hides in a body.
std::string ValidCreate() {
  return std::string("POST /CreateVOIPMigrationWorkOrder HTTP/1.1\r\nHost: a\r\nX-API-Key: ") + kKey +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(std::string(kBody).size()) +
         "\r\n\r\n" + kBody;
}

// `prefix` followed by filler up to `size` bytes.
std::string PaddedTo(std::string prefix, std::size_t size) {
  prefix.resize(size, ' ');
  return prefix;
}

std::string CreateHead(const std::string& fields) {
  return "POST /CreateVOIPMigrationWorkOrder HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n" + fields +
         "\r\n";
}

std::string Authenticated(const std::string& fields) { return std::string("X-API-Key: ") + kKey + "\r\n" + fields; }

class HostileHttpTest : public ::testing::TestWithParam<bool> {
 protected:
  static void SetUpTestSuite() {
    ca_ = new testing::ThrowawayCa(::testing::TempDir(), "hostile-ca");
    cert_ = ca_->Issue("adapter.internal", "IP:127.0.0.1");
  }
  static void TearDownTestSuite() { delete ca_; }

  void SetUp() override {
    config_.listen_port = 0;
    config_.threads = 4;
    config_.read_timeout_s = 1;
    config_.request_read_timeout_s = 2;
    config_.caller_auth.mode = AuthMode::kApiKey;
    config_.caller_auth.api_key_digests = {Sha256(kKey)};
    if (GetParam()) {
      ASSERT_TRUE(ca_->ok() && !cert_.cert_file.empty()) << "openssl failed";
      config_.tls_cert_file = cert_.cert_file;
      config_.tls_key_file = cert_.key_file;
    }
  }

  void Start() {
    server_ = std::make_unique<AdapterServer>(config_, flow_, logger_);
    ASSERT_EQ(server_->Start(), std::nullopt);
  }

  std::unique_ptr<RawHttpConnection> Connect() {
    auto connection = std::make_unique<RawHttpConnection>(server_->port(), GetParam());
    EXPECT_TRUE(connection->ok());
    return connection;
  }

  // Sends `bytes` on a new connection and reads one answer; expects
  // `status`, then the connection closed with nothing more sent.
  void ExpectOneAnswerThenClosed(const std::string& bytes, int status) {
    auto connection = Connect();
    connection->Send(bytes);
    const std::optional<RawAnswer> answer = connection->ReadAnswer();
    ASSERT_TRUE(answer) << "no answer";
    EXPECT_EQ(answer->status, status) << answer->body;
    EXPECT_EQ(answer->header("connection"), "close");
    EXPECT_EQ(answer->headers.count("keep-alive"), 0u);
    EXPECT_TRUE(connection->ClosedByServer()) << "the connection was kept, or a second answer came";
  }

  // Waits (bounded) until the server has finished a request answered `status`.
  bool FinishedOneWith(int status) {
    const std::string sample = "status=\"" + std::to_string(status) + "\"} 1";
    for (const auto until = Clock::now() + std::chrono::seconds(5); Clock::now() < until;) {
      if (server_->metrics().RenderPrometheus().find(sample) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  static testing::ThrowawayCa* ca_;
  static testing::IssuedCertificate cert_;
  testing::FakeWorkOrderSystem work_order_;
  testing::FakeMidas midas_;
  testing::FakeOutbox outbox_;
  MigrationFlow flow_{work_order_, midas_, outbox_};
  std::ostringstream log_;
  Logger logger_{log_, LogLevel::kInfo};
  Config config_;
  std::unique_ptr<AdapterServer> server_;
};

testing::ThrowawayCa* HostileHttpTest::ca_ = nullptr;
testing::IssuedCertificate HostileHttpTest::cert_;

// A 413 for a declared 70,000-byte body closes the connection: the complete create at the
// start of that body is never executed.
TEST_P(HostileHttpTest, NoSmugglingAfter413) {
  Start();
  ExpectOneAnswerThenClosed(CreateHead(Authenticated("Content-Length: 70000\r\n")) + PaddedTo(ValidCreate(), 70000),
                            413);
  EXPECT_TRUE(work_order_.requests().empty());
}

// A 401 (no API key) closes the connection: the create in its unread body is never executed.
TEST_P(HostileHttpTest, NoSmugglingAfter401) {
  Start();
  ExpectOneAnswerThenClosed(CreateHead("Content-Length: 70000\r\n") + PaddedTo(ValidCreate(), 70000), 401);
  EXPECT_TRUE(work_order_.requests().empty());
}

// A chunked body over max-body-bytes gets 413 and a close: the create after the limit never runs.
TEST_P(HostileHttpTest, NoSmugglingAfterOversizedChunkedBody) {
  Start();
  const std::string chunk(70000, 'x');
  ExpectOneAnswerThenClosed(CreateHead(Authenticated("Transfer-Encoding: chunked\r\n")) + "11170\r\n" + chunk +
                                "\r\n0\r\n\r\n" + ValidCreate(),
                            413);
  EXPECT_TRUE(work_order_.requests().empty());
}

// A client sending 200 KB over the limit in one go, without Expect: 100-continue, reads
// the 413 (the rest is drained before the close), not a reset.
TEST_P(HostileHttpTest, OversizedBodyWithoutExpectGets413NotAReset) {
  Start();
  ExpectOneAnswerThenClosed(CreateHead(Authenticated("Content-Length: 200000\r\n")) + std::string(200000, 'x'), 413);
  EXPECT_TRUE(work_order_.requests().empty());
}

// Expect: 100-continue with a Content-Length over the limit gets the 413 at once, not a
// 100 Continue, and a close; the body is never asked for.
TEST_P(HostileHttpTest, ExpectContinueOverTheLimitGets413AtOnce) {
  Start();
  auto connection = Connect();
  connection->Send(CreateHead(Authenticated("Expect: 100-continue\r\nContent-Length: 70000\r\n")));
  const std::optional<RawAnswer> answer = connection->ReadAnswer(std::chrono::seconds(2));
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 413);
  EXPECT_NE(answer->body.find("larger than 65536 bytes"), std::string::npos) << answer->body;
  EXPECT_TRUE(connection->ClosedByServer());
  EXPECT_TRUE(work_order_.requests().empty());
}

// Two Content-Length headers (0, then the real length): 400 and closed; the create behind
// them never runs.
TEST_P(HostileHttpTest, TwoContentLengthsAreRefused) {
  Start();
  const std::string smuggled = ValidCreate();
  ExpectOneAnswerThenClosed("POST /health HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: " +
                                std::to_string(smuggled.size()) + "\r\n\r\n" + smuggled,
                            400);
  EXPECT_TRUE(work_order_.requests().empty());
}

// Each ambiguous Transfer-Encoding (with Content-Length, space before the colon, obs-fold,
// xchunked, gzip+chunked) gets 400 and a close; nothing runs.
TEST_P(HostileHttpTest, AmbiguousTransferEncodingsAreRefused) {
  Start();
  const std::string body = std::string("0\r\n\r\n") + ValidCreate();
  const std::string length = "Content-Length: " + std::to_string(body.size()) + "\r\n";
  for (const std::string& fields :
       {length + "Transfer-Encoding: chunked\r\n", length + "Transfer-Encoding : chunked\r\n",
        length + "X-Padding: a\r\n Transfer-Encoding: chunked\r\n", length + "Transfer-Encoding: xchunked\r\n",
        std::string("Transfer-Encoding: gzip, chunked\r\n")}) {
    SCOPED_TRACE(fields);
    ExpectOneAnswerThenClosed(CreateHead(Authenticated(fields)) + body, 400);
  }
  EXPECT_TRUE(work_order_.requests().empty());
}

// `X-API-Key: KEY<NUL>junk` is refused (400, closed), not read as KEY.
TEST_P(HostileHttpTest, NulInAHeaderValueIsRefused) {
  Start();
  const std::string length = "Content-Length: " + std::to_string(std::string(kBody).size()) + "\r\n";
  ExpectOneAnswerThenClosed(
      CreateHead(std::string("X-API-Key: ") + kKey + std::string("\0junk\r\n", 7) + length) + kBody, 400);
  EXPECT_TRUE(work_order_.requests().empty());
}

// A POST with neither Content-Length nor Transfer-Encoding gets 411 at once and a close.
TEST_P(HostileHttpTest, PostWithoutALengthGets411) {
  Start();
  ExpectOneAnswerThenClosed(CreateHead(Authenticated("")) + kBody, 411);
  EXPECT_TRUE(work_order_.requests().empty());
}

// A body 10 bytes shorter than its Content-Length, then a half-close: 400, nothing runs.
TEST_P(HostileHttpTest, ShortBodyThenHalfCloseIsNotExecuted) {
  if (GetParam()) GTEST_SKIP() << "a TLS half-close is a close_notify, after which nothing is answered";
  Start();
  auto connection = Connect();
  const std::string length = "Content-Length: " + std::to_string(std::string(kBody).size() + 10) + "\r\n";
  connection->Send(CreateHead(Authenticated(length)) + kBody);
  connection->ShutdownWrite();
  const std::optional<RawAnswer> answer = connection->ReadAnswer();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 400);
  EXPECT_NE(answer->body.find("did not arrive whole"), std::string::npos) << answer->body;
  EXPECT_TRUE(connection->ClosedByServer());
  EXPECT_TRUE(work_order_.requests().empty());
  server_.reset();  // stopped: its log is complete
  EXPECT_NE(log_.str().find(R"("status":400,"faultCodes":["10685"])"), std::string::npos) << log_.str();
  EXPECT_NE(log_.str().find(R"("refusal":"The request body did not arrive whole)"), std::string::npos) << log_.str();
}

// A body 10 bytes short, then the client stalls: at request-read-timeout-s a 400 (the socket
// still works), a close, and nothing runs.
TEST_P(HostileHttpTest, ShortBodyThenStallIsNotExecuted) {
  Start();
  auto connection = Connect();
  const std::string length = "Content-Length: " + std::to_string(std::string(kBody).size() + 10) + "\r\n";
  connection->Send(CreateHead(Authenticated(length)) + kBody);
  const std::optional<RawAnswer> answer = connection->ReadAnswer(std::chrono::seconds(6));
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 400);
  EXPECT_TRUE(connection->ClosedByServer());
  EXPECT_TRUE(work_order_.requests().empty());
}

// A body 10 bytes short, then a reset: the request finishes as a 400 nobody reads; nothing runs.
TEST_P(HostileHttpTest, ShortBodyThenResetIsNotExecuted) {
  Start();
  auto connection = Connect();
  const std::string length = "Content-Length: " + std::to_string(std::string(kBody).size() + 10) + "\r\n";
  connection->Send(CreateHead(Authenticated(length)) + kBody);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let the head be read before the reset
  connection->Reset();
  EXPECT_TRUE(FinishedOneWith(400));
  EXPECT_TRUE(work_order_.requests().empty());
}

// Three GETs in one write are answered in order, and the connection stays usable.
TEST_P(HostileHttpTest, PipelinedRequestsAreAnsweredInOrder) {
  Start();
  auto connection = Connect();
  connection->Send(
      "GET /health HTTP/1.1\r\nHost: a\r\n\r\nGET /missing HTTP/1.1\r\nHost: a\r\n\r\nGET /health HTTP/1.1\r\nHost: "
      "a\r\n\r\n");
  for (int expected : {200, 404, 200}) {
    const std::optional<RawAnswer> answer = connection->ReadAnswer(std::chrono::seconds(2));
    ASSERT_TRUE(answer) << "no answer " << expected;
    EXPECT_EQ(answer->status, expected);
  }
  connection->Send("GET /health HTTP/1.1\r\nHost: a\r\n\r\n");
  const std::optional<RawAnswer> again = connection->ReadAnswer(std::chrono::seconds(2));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);
}

// A create pipelined behind a complete create runs too, once each, in order.
TEST_P(HostileHttpTest, PipelinedCreatesRunOnceEach) {
  work_order_.WillAnswer(WorkOrderCreated{"WO-1"});
  work_order_.WillAnswer(WorkOrderCreated{"WO-2"});
  midas_.WillAnswer(MidasAcknowledged{""});
  midas_.WillAnswer(MidasAcknowledged{""});
  Start();
  auto connection = Connect();
  connection->Send(ValidCreate() + ValidCreate());
  for (const char* order : {"WO-1", "WO-2"}) {
    const std::optional<RawAnswer> answer = connection->ReadAnswer();
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->status, 200);
    EXPECT_NE(answer->body.find(order), std::string::npos) << answer->body;
  }
  EXPECT_EQ(work_order_.requests().size(), 2u);
}

// 101 header lines get 431 and a close, before authentication and before the body.
TEST_P(HostileHttpTest, TooManyHeadersGet431) {
  Start();
  std::string fields;
  for (int i = 0; i < 101; ++i) fields += "X-H" + std::to_string(i) + ": v\r\n";
  ExpectOneAnswerThenClosed(CreateHead(fields + "Content-Length: 3\r\n") + "{}\n", 431);
  EXPECT_TRUE(work_order_.requests().empty());
}

// A head of 512 KiB (far over 16 KiB) gets 431 and a close; the client reads it, not a reset.
TEST_P(HostileHttpTest, HugeHeadGets431) {
  Start();
  std::string fields;
  while (fields.size() < 512 * 1024) fields += "X-Filler: " + std::string(4000, 'f') + "\r\n";
  ExpectOneAnswerThenClosed(CreateHead(fields), 431);
  EXPECT_TRUE(work_order_.requests().empty());
}

// A request line of 10 KiB gets 414 and a close.
TEST_P(HostileHttpTest, LongRequestLineGets414) {
  Start();
  ExpectOneAnswerThenClosed("GET /health?" + std::string(10 * 1024, 'q') + " HTTP/1.1\r\nHost: a\r\n\r\n", 414);
}

// A refused head's answer carries the failure envelope and a correlation id; its log line says why.
TEST_P(HostileHttpTest, RefusalsCarryTheFailureEnvelope) {
  Start();
  auto connection = Connect();
  connection->Send("POST /health HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab");
  const std::optional<RawAnswer> answer = connection->ReadAnswer();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 400);
  EXPECT_EQ(answer->header("content-type"), "application/json");
  EXPECT_EQ(answer->header("x-correlation-id").size(), 36u);
  EXPECT_NE(answer->body.find(R"("code":"10685")"), std::string::npos) << answer->body;
  EXPECT_NE(answer->body.find("Content-Length"), std::string::npos) << answer->body;
  connection.reset();
  server_.reset();  // stopped: its log is complete
  EXPECT_NE(log_.str().find(R"("refusal":"Header 'Content-Length' appears more than once")"), std::string::npos)
      << log_.str();
}

// A GET with a body the route does not read: answered, then closed (the body is never
// taken for a request).
TEST_P(HostileHttpTest, UnreadBodyOfAGetClosesTheConnection) {
  Start();
  const std::string smuggled = ValidCreate();
  ExpectOneAnswerThenClosed(
      "GET /health HTTP/1.1\r\nHost: a\r\nContent-Length: " + std::to_string(smuggled.size()) + "\r\n\r\n" + smuggled,
      200);
  EXPECT_TRUE(work_order_.requests().empty());
}

INSTANTIATE_TEST_SUITE_P(PlainAndTls, HostileHttpTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& info) { return info.param ? "Tls" : "Plain"; });

}  // namespace
}  // namespace voip
