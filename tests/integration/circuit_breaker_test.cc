// Circuit breakers over real sockets: a work-order system or MIDAS that keeps
// answering with an HTML error page (a canned loopback backend) opens its
// breaker; then the adapter answers fast without calling it, on both faces.
#include "adapter/resilience/circuit_breaker.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "adapter/migration_flow.h"
#include "tests/support/adapter_with_simulators.h"
#include "tests/support/canned_backend.h"
#include "tests/support/soap_answer.h"
#include "tests/support/soap_xml.h"

namespace voip {
namespace {

using nlohmann::json;

constexpr int kFailures = 2;
constexpr int kOpenMs = 30000;
constexpr const char* kCustomer = "447874384949";

testing::CannedResponse HtmlErrorPage() {
  testing::CannedResponse page;
  page.status = 500;
  page.content_type = "text/html";
  page.body = "<html><body>Internal Server Error</body></html>";
  return page;
}

// The adapter (tests/support/adapter_with_simulators.h) with breakers that open after 2
// failures, for 30 s; one backend is a canned server answering error pages, the other a
// simulator.
class CircuitBreakerFixture : public testing::AdapterWithSimulators {
 protected:
  void SetUp() override {}  // each test starts with Serve()

  void Serve(bool failing_work_order) {
    failing_.SetDefault(HtmlErrorPage());
    config_.threads = 4;
    for (BackendEndpoint* endpoint : {&config_.work_order, &config_.midas}) {
      endpoint->timeout_ms = 2000;
      endpoint->breaker_failures = kFailures;
      endpoint->breaker_open_ms = kOpenMs;
      endpoint->breaker_probes = 1;
    }
    ASSERT_TRUE(StartSimulators());
    (failing_work_order ? config_.work_order : config_.midas).url = failing_.Url();
    ASSERT_TRUE(Wire());
  }

  void TearDown() override {
    AdapterWithSimulators::TearDown();
    failing_.Stop();
  }

  httplib::Result Create() { return PostJson(JsonBody(kCustomer)); }

  httplib::Result CreateOverSoap() {
    return PostSoap11(testing::SoapEnvelope(testing::CreateRequest(kCustomer), testing::kSoap11EnvelopeNs));
  }

  std::string Metrics() { return client_->Get("/metrics")->body; }

  testing::CannedBackend failing_;
};

// JSON face: after 2 error pages the work-order breaker is open: 503, Retry-After, SYSTEM 10686,
// and neither backend is called nor anything journalled.
TEST_F(CircuitBreakerFixture, OpenWorkOrderBreakerAnswers503WithRetryAfter) {
  Serve(/*failing_work_order=*/true);
  for (int i = 0; i < kFailures; ++i) {
    auto failed = Create();
    ASSERT_TRUE(failed);
    EXPECT_EQ(failed->status, 502);
    EXPECT_FALSE(failed->has_header("Retry-After"));
  }
  const std::size_t journalled = fake_outbox_.calls().size();
  auto result = Create();
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 503);
  const long retry_after = std::stol(result->get_header_value("Retry-After"));
  EXPECT_GE(retry_after, 1);
  EXPECT_LE(retry_after, kOpenMs / 1000);
  const json faults = Faults(result);
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(faults[0]["type"], "SYSTEM");
  EXPECT_EQ(faults[0]["code"], "10686");
  EXPECT_EQ(faults[0]["detail"], CircuitOpenFault(Backend::kWorkOrder).detail);
  EXPECT_EQ(failing_.Requests().size(), static_cast<std::size_t>(kFailures));
  EXPECT_EQ(simulators_->MidasUpdates().size(), static_cast<std::size_t>(kFailures));
  EXPECT_EQ(fake_outbox_.calls().size(), journalled);
  const std::string metrics = Metrics();
  EXPECT_NE(metrics.find("voip_circuit_breaker_state{backend=\"workorder\"} 2\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("voip_circuit_breaker_state{backend=\"midas\"} 0\n"), std::string::npos);
  EXPECT_NE(metrics.find("voip_circuit_breaker_transitions_total{backend=\"workorder\",to=\"open\"} 1\n"),
            std::string::npos);
}

// SOAP face: the same fault entry in a 200 failure response, with Retry-After too.
TEST_F(CircuitBreakerFixture, SoapFaceGivesTheSameFaultAndRetryAfter) {
  Serve(/*failing_work_order=*/true);
  for (int i = 0; i < kFailures; ++i) ASSERT_EQ(CreateOverSoap()->status, 200);
  auto result = CreateOverSoap();
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_TRUE(result->has_header("Retry-After"));
  const json faults =
      testing::ReadSoapAnswer(result->body).response["CreateVOIPMigrationWorkOrder"]["failure"]["fault"];
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(faults[0]["code"], "10686");
  EXPECT_EQ(faults[0]["detail"], CircuitOpenFault(Backend::kWorkOrder).detail);
  EXPECT_EQ(failing_.Requests().size(), static_cast<std::size_t>(kFailures));
}

// MIDAS breaker open: success with the order number and a pending fault; MIDAS is not called,
// the update waits in the outbox; no Retry-After (nothing to retry for the consumer).
TEST_F(CircuitBreakerFixture, OpenMidasBreakerStillCreatesTheWorkOrder) {
  Serve(/*failing_work_order=*/false);
  for (int i = 0; i < kFailures; ++i) ASSERT_EQ(Create()->status, 200);
  auto result = Create();
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_FALSE(result->has_header("Retry-After"));
  const json success = json::parse(result->body)["CreateVOIPMigrationWorkOrder"]["success"];
  EXPECT_EQ(success["orderNumber"], simulators_->WorkOrderRequests().back().order_number);
  ASSERT_EQ(success["fault"].size(), 1u);
  EXPECT_EQ(success["fault"][0]["detail"], MidasNotCalledFault(true, MidasFollowUp::kPending).detail);
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), static_cast<std::size_t>(kFailures + 1));
  EXPECT_EQ(failing_.Requests().size(), static_cast<std::size_t>(kFailures));
  const auto entries = fake_outbox_.entries();
  ASSERT_EQ(entries.size(), static_cast<std::size_t>(kFailures + 1));
  EXPECT_EQ(entries.back().delivery, DeliveryState::kPending);
  EXPECT_NE(Log().find("\"midasCircuit\":\"open\""), std::string::npos);
}

}  // namespace
}  // namespace voip
