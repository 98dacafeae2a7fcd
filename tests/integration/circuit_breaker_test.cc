// Circuit breakers over real sockets: a work-order system or MIDAS that keeps
// answering with an HTML error page (a canned loopback backend) opens its
// breaker; then the adapter answers fast without calling it, on both faces.
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <sstream>

#include "adapter/circuit_breaker.h"
#include "adapter/config.h"
#include "adapter/log.h"
#include "adapter/migration_flow.h"
#include "adapter/soap/midas_client.h"
#include "adapter/soap/work_order_client.h"
#include "http/server.h"
#include "http/soap_face.h"
#include "sim/simulators.h"
#include "tests/support/canned_backend.h"
#include "tests/support/fake_outbox.h"
#include "tests/support/soap_answer.h"
#include "tests/support/soap_xml.h"

namespace voip {
namespace {

using nlohmann::json;

constexpr int kFailures = 2;
constexpr int kOpenMs = 30000;

std::string Body(const std::string& telephone = "447874384949") {
  return json{{"telephoneNumber", telephone},
              {"accountIdentification", {{"accountNumber", "123456789"}, {"siteReference", 42}}}}
      .dump();
}

testing::CannedResponse HtmlErrorPage() {
  testing::CannedResponse page;
  page.status = 500;
  page.content_type = "text/html";
  page.body = "<html><body>Internal Server Error</body></html>";
  return page;
}

// The adapter with breakers (open after 2 failures, for 30 s); one backend is
// a canned server answering error pages, the other a simulator.
class CircuitBreakerFixture : public ::testing::Test {
 protected:
  void Wire(bool failing_work_order) {
    std::string error;
    simulators_ = sim::Simulators::Start(sim::SimOptions{}, &error);
    ASSERT_TRUE(simulators_) << error;
    failing_.SetDefault(HtmlErrorPage());
    config_.listen_port = 0;
    config_.threads = 4;
    config_.caller_auth.mode = AuthMode::kNone;
    const std::string failing_url = failing_.Url();
    config_.work_order = BackendEndpoint{failing_work_order ? failing_url : simulators_->WorkOrderUrl(), 300, 2000, 4};
    config_.midas = BackendEndpoint{failing_work_order ? simulators_->MidasUrl() : failing_url, 300, 2000, 4};
    work_order_ = std::make_unique<GsoapWorkOrderSystem>(config_.work_order);
    midas_ = std::make_unique<GsoapMidas>(config_.midas);
    flow_ = std::make_unique<MigrationFlow>(*work_order_, *midas_, outbox_,
                                            BackendBreakers{&work_order_breaker_, &midas_breaker_});
    server_ = std::make_unique<AdapterServer>(config_, *flow_, logger_);
    ASSERT_TRUE(server_->Start(&error)) << error;
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_read_timeout(10, 0);
  }

  void TearDown() override {
    client_.reset();
    server_.reset();
    if (simulators_) simulators_->Stop();
    failing_.Stop();
  }

  httplib::Result PostJson() { return client_->Post("/CreateVOIPMigrationWorkOrder", Body(), "application/json"); }

  httplib::Result PostSoap() {
    const httplib::Headers headers = {{"SOAPAction", std::string("\"") + kCreateSoapAction + "\""}};
    return client_->Post("/soap", headers,
                         testing::SoapEnvelope(testing::CreateRequest("447874384949"), testing::kSoap11EnvelopeNs),
                         "text/xml; charset=utf-8");
  }

  std::string Metrics() { return client_->Get("/metrics")->body; }

  static CircuitBreakerOptions Options() {
    return CircuitBreakerOptions{kFailures, std::chrono::milliseconds(kOpenMs), 1};
  }

  testing::CannedBackend failing_;
  std::unique_ptr<sim::Simulators> simulators_;
  Config config_;
  testing::FakeOutbox outbox_;
  std::ostringstream log_;
  Logger logger_{log_, LogLevel::kInfo};
  CircuitBreaker work_order_breaker_{Options()};
  CircuitBreaker midas_breaker_{Options()};
  std::unique_ptr<GsoapWorkOrderSystem> work_order_;
  std::unique_ptr<GsoapMidas> midas_;
  std::unique_ptr<MigrationFlow> flow_;
  std::unique_ptr<AdapterServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

// JSON face: after 2 error pages the work-order breaker is open: 503, Retry-After, SYSTEM 10686,
// and neither backend is called nor anything journalled.
TEST_F(CircuitBreakerFixture, OpenWorkOrderBreakerAnswers503WithRetryAfter) {
  Wire(/*failing_work_order=*/true);
  for (int i = 0; i < kFailures; ++i) {
    auto failed = PostJson();
    ASSERT_TRUE(failed);
    EXPECT_EQ(failed->status, 502);
    EXPECT_FALSE(failed->has_header("Retry-After"));
  }
  const std::size_t journalled = outbox_.calls().size();
  auto result = PostJson();
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 503);
  const long retry_after = std::stol(result->get_header_value("Retry-After"));
  EXPECT_GE(retry_after, 1);
  EXPECT_LE(retry_after, kOpenMs / 1000);
  const json faults = json::parse(result->body)["CreateVOIPMigrationWorkOrder"]["failure"]["fault"];
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(faults[0]["type"], "SYSTEM");
  EXPECT_EQ(faults[0]["code"], "10686");
  EXPECT_EQ(faults[0]["detail"], CircuitOpenFault(Backend::kWorkOrder).detail);
  EXPECT_EQ(failing_.Requests().size(), static_cast<std::size_t>(kFailures));
  EXPECT_EQ(simulators_->MidasUpdates().size(), static_cast<std::size_t>(kFailures));
  EXPECT_EQ(outbox_.calls().size(), journalled);
  const std::string metrics = Metrics();
  EXPECT_NE(metrics.find("voip_circuit_breaker_state{backend=\"workorder\"} 2\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("voip_circuit_breaker_state{backend=\"midas\"} 0\n"), std::string::npos);
  EXPECT_NE(metrics.find("voip_circuit_breaker_transitions_total{backend=\"workorder\",to=\"open\"} 1\n"),
            std::string::npos);
}

// SOAP face: the same fault entry in a 200 failure response, with Retry-After too.
TEST_F(CircuitBreakerFixture, SoapFaceGivesTheSameFaultAndRetryAfter) {
  Wire(/*failing_work_order=*/true);
  for (int i = 0; i < kFailures; ++i) ASSERT_EQ(PostSoap()->status, 200);
  auto result = PostSoap();
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
  Wire(/*failing_work_order=*/false);
  for (int i = 0; i < kFailures; ++i) ASSERT_EQ(PostJson()->status, 200);
  auto result = PostJson();
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_FALSE(result->has_header("Retry-After"));
  const json success = json::parse(result->body)["CreateVOIPMigrationWorkOrder"]["success"];
  EXPECT_EQ(success["orderNumber"], simulators_->WorkOrderRequests().back().order_number);
  ASSERT_EQ(success["fault"].size(), 1u);
  EXPECT_EQ(success["fault"][0]["detail"], MidasNotCalledFault(true, MidasFollowUp::kPending).detail);
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), static_cast<std::size_t>(kFailures + 1));
  EXPECT_EQ(failing_.Requests().size(), static_cast<std::size_t>(kFailures));
  const auto entries = outbox_.entries();
  ASSERT_EQ(entries.size(), static_cast<std::size_t>(kFailures + 1));
  EXPECT_EQ(entries.back().delivery, DeliveryState::kPending);
  EXPECT_NE(log_.str().find("\"midasCircuit\":\"open\""), std::string::npos);
}

}  // namespace
}  // namespace voip
