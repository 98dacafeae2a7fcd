// The SOAP face's IdempotencyKey header end to end over sockets: the same gate
// and SQLite store as the JSON face's Idempotency-Key, the simulated backends;
// counts what the work-order system received.
#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "sim/triggers.h"
#include "tests/support/adapter_with_simulators.h"
#include "tests/support/soap_answer.h"
#include "tests/support/soap_xml.h"

namespace voip {
namespace {

using testing::CreateRequest;
using testing::kSoap11EnvelopeNs;
using testing::kSoap12EnvelopeNs;
using testing::ReadSoapAnswer;
using testing::SoapEnvelope;

std::string KeyHeader(const std::string& key) { return "<v:IdempotencyKey>" + key + "</v:IdempotencyKey>"; }

std::string Keyed(const std::string& request, const std::string& key, const char* ns = kSoap11EnvelopeNs) {
  return SoapEnvelope(request, ns, KeyHeader(key));
}

class SoapIdempotencyTest : public testing::AdapterWithSimulators {
 protected:
  void SetUp() override {
    UseIdempotencyStore();
    sim_options_.slow_ms = 600;
    config_.work_order.timeout_ms = 2000;
    config_.midas.timeout_ms = 2000;
    ASSERT_TRUE(Start());
  }

  // On a client of its own, so that callers can run in parallel.
  static httplib::Result Post(int port, const std::string& envelope) {
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(10, 0);
    return client.Post("/soap", {{"SOAPAction", "\"\""}}, envelope, "text/xml; charset=utf-8");
  }
  httplib::Result Post(const std::string& envelope) { return Post(server_->port(), envelope); }

  static std::string FirstDetail(const httplib::Result& result) {
    const auto answer = ReadSoapAnswer(result->body).response["CreateVOIPMigrationWorkOrder"];
    return answer.contains("failure") ? answer["failure"]["fault"][0]["detail"]
                                      : answer["success"]["fault"][0]["detail"];
  }
};

// Same key, same request: the first answer again byte for byte, marked replayed, and no backend called again.
TEST_F(SoapIdempotencyTest, SameKeySameRequestReplays) {
  auto first = Post(Keyed(CreateRequest("447874384949"), "soap-key-1"));
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  EXPECT_FALSE(ReadSoapAnswer(first->body).response["CreateVOIPMigrationWorkOrder"]["success"].is_null());
  EXPECT_FALSE(first->has_header("Idempotent-Replayed"));
  auto second = Post(Keyed(CreateRequest("447874384949"), "soap-key-1"));
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(second->body, first->body);
  EXPECT_EQ(second->get_header_value("Content-Type"), "text/xml; charset=utf-8");
  EXPECT_EQ(second->get_header_value("Idempotent-Replayed"), "true");
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 1u);
  EXPECT_EQ(simulators_->MidasUpdates().size(), 1u);
}

// The request is identified by its fields, not its bytes: other prefixes and spacing still replay.
TEST_F(SoapIdempotencyTest, SameFieldsInOtherSpellingReplay) {
  auto first = Post(Keyed(CreateRequest("447874384949"), "soap-key-2"));
  ASSERT_EQ(first->status, 200);
  const std::string respelled =
      std::string("<s:Envelope xmlns:s=\"") + kSoap11EnvelopeNs + "\">\n <s:Header><k:IdempotencyKey xmlns:k=\"" +
      testing::kSpmNs +
      "\">soap-key-2</k:IdempotencyKey></s:Header>\n <s:Body><c:CreateVOIPMigrationWorkOrder xmlns:c=\"" +
      testing::kSpmNs +
      "\"><c:telephoneNumber>447874384949</c:telephoneNumber><c:accountIdentification>"
      "<c:accountNumber>123456789</c:accountNumber><c:siteReference>42</c:siteReference></c:accountIdentification>"
      "</c:CreateVOIPMigrationWorkOrder></s:Body></s:Envelope>";
  auto second = Post(respelled);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->body, first->body);
  EXPECT_EQ(second->get_header_value("Idempotent-Replayed"), "true");
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 1u);
}

// Same key, another request: a failure with the JSON face's 10685 words, and no backend call.
TEST_F(SoapIdempotencyTest, SameKeyOtherRequestIsRefused) {
  ASSERT_EQ(Post(Keyed(CreateRequest("447874384949"), "soap-key-3"))->status, 200);
  auto other = Post(Keyed(CreateRequest("447874384949", "987654321"), "soap-key-3"));
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 200);  // an operation failure, not a SOAP Fault (WS-I BP)
  const auto fault = ReadSoapAnswer(other->body).response["CreateVOIPMigrationWorkOrder"]["failure"]["fault"][0];
  EXPECT_EQ(fault["code"], "10685");
  EXPECT_EQ(FirstDetail(other),
            "This Idempotency-Key was already used with a different request; use a new key for a new request");
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 1u);
}

// Same key while the first request still runs: refused as in flight, and no second create.
TEST_F(SoapIdempotencyTest, SameKeyWhileRunningIsRefused) {
  const std::string envelope = Keyed(CreateRequest(std::string(sim::kWorkOrderSlowNumber)), "soap-key-4");
  int first_status = 0;
  const int port = server_->port();
  std::thread slow([&] {
    auto first = Post(port, envelope);
    first_status = first ? first->status : -1;
  });
  for (int i = 0; i < 200 && simulators_->WorkOrderRequests().empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  auto second = Post(envelope);
  slow.join();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(FirstDetail(second),
            "A request with this Idempotency-Key is still being processed; retry later to get its answer");
  EXPECT_EQ(first_status, 200);
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 1u);
}

constexpr const char* kKeyRule =
    "Idempotency-Key must be 1 to 255 characters, each a visible ASCII character (letters, digits and "
    "punctuation: no spaces, control characters or non-ASCII)";

// An empty key, or one over 255 characters, is refused and calls no backend; 255 is accepted.
TEST_F(SoapIdempotencyTest, EmptyOrOverlongKeyIsRefused) {
  auto empty = Post(SoapEnvelope(CreateRequest("447874384949"), kSoap11EnvelopeNs, "<v:IdempotencyKey/>"));
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->status, 200);
  EXPECT_EQ(FirstDetail(empty), kKeyRule);
  auto long_key = Post(Keyed(CreateRequest("447874384949"), std::string(256, 'k')));
  EXPECT_EQ(FirstDetail(long_key), kKeyRule);
  EXPECT_TRUE(simulators_->WorkOrderRequests().empty());
  auto longest = Post(Keyed(CreateRequest("447874384949"), std::string(255, 'k')));
  EXPECT_FALSE(ReadSoapAnswer(longest->body).response["CreateVOIPMigrationWorkOrder"]["success"].is_null());
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 1u);
}

// A key with a non-ASCII character ("clé-1", as a character reference and as UTF-8) is refused as on the
// JSON face (a failure with the same 10685 fault) and calls no backend.
TEST_F(SoapIdempotencyTest, NonAsciiKeyIsRefused) {
  for (const std::string& key : {std::string("cl&#233;-1"), std::string("cl\xC3\xA9-1")}) {
    auto result = Post(Keyed(CreateRequest("447874384949"), key));
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 200);
    ASSERT_TRUE(ReadSoapAnswer(result->body).response["CreateVOIPMigrationWorkOrder"].contains("failure"))
        << result->body;
    EXPECT_EQ(FirstDetail(result), kKeyRule) << key;
  }
  EXPECT_TRUE(simulators_->WorkOrderRequests().empty());
  EXPECT_TRUE(simulators_->MidasUpdates().empty());
}

// A key used on the JSON face is another request on the SOAP face (each face replays only its own answers).
TEST_F(SoapIdempotencyTest, KeyFromTheJsonFaceIsAnotherRequest) {
  ASSERT_EQ(PostJson(JsonBody("447874384949"), {{"Idempotency-Key", "shared-key"}})->status, 200);
  auto soap = Post(Keyed(CreateRequest("447874384949"), "shared-key"));
  ASSERT_TRUE(soap);
  EXPECT_EQ(FirstDetail(soap),
            "This Idempotency-Key was already used with a different request; use a new key for a new request");
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 1u);
}

// A SOAP 1.2 answer is replayed to a SOAP 1.2 caller; the same key in SOAP 1.1 is another request.
TEST_F(SoapIdempotencyTest, Soap12AnswerIsReplayedInSoap12Only) {
  auto first = PostSoap12(Keyed(CreateRequest("447874384949"), "soap-key-12", kSoap12EnvelopeNs));
  ASSERT_TRUE(first);
  auto second = PostSoap12(Keyed(CreateRequest("447874384949"), "soap-key-12", kSoap12EnvelopeNs));
  EXPECT_EQ(second->body, first->body);
  EXPECT_EQ(second->get_header_value("Content-Type"), "application/soap+xml; charset=utf-8");
  auto as11 = Post(Keyed(CreateRequest("447874384949"), "soap-key-12"));
  EXPECT_EQ(ReadSoapAnswer(as11->body).envelope_ns, kSoap11EnvelopeNs);
  EXPECT_EQ(FirstDetail(as11),
            "This Idempotency-Key was already used with a different request; use a new key for a new request");
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 1u);
}

// Without the header, two identical requests create two work orders (behaviour unchanged).
TEST_F(SoapIdempotencyTest, WithoutKeyNothingIsReplayed) {
  EXPECT_EQ(Post(SoapEnvelope(CreateRequest("447874384949"), kSoap11EnvelopeNs))->status, 200);
  EXPECT_EQ(Post(SoapEnvelope(CreateRequest("447874384949"), kSoap11EnvelopeNs))->status, 200);
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 2u);
}

// A refused envelope carrying the header answers with a SOAP Fault that echoes no header.
TEST_F(SoapIdempotencyTest, FaultEchoesNoHeader) {
  for (const std::string& body :
       {std::string("<v:SomethingElse/>"),
        std::string("<v:CreateVOIPMigrationWorkOrder><v:unknown>1</v:unknown></v:CreateVOIPMigrationWorkOrder>")}) {
    auto refused = Post(Keyed(body, "soap-key-9"));
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 500);
    EXPECT_EQ(refused->body.find("IdempotencyKey"), std::string::npos) << refused->body;
  }
  EXPECT_TRUE(simulators_->WorkOrderRequests().empty());
}

}  // namespace
}  // namespace voip
