// End to end over real sockets: JSON POST -> adapter -> gSOAP clients ->
// simulated work-order system and MIDAS (gSOAP services) -> JSON answer.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "tests/support/adapter_with_simulators.h"
#include "tests/support/ports.h"

namespace voip {
namespace {

using nlohmann::json;

constexpr int kSlowMs = 1500;

// The adapter wired to the simulators (tests/support/adapter_with_simulators.h);
// their slow triggers outlast the 400 ms backend time-out.
class AdapterFixture : public testing::AdapterWithSimulators {
 protected:
  void SetUp() override {
    sim_options_.slow_ms = kSlowMs;
    ASSERT_TRUE(Start());
  }
};

// The documented example: 200, an order number, and MIDAS told about that order.
TEST_F(AdapterFixture, SuccessReturnsOrderNumberAndUpdatesMidas) {
  auto result = PostJson(JsonBody("447874384949"));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  const json body = json::parse(result->body);
  const std::string order = body["CreateVOIPMigrationWorkOrder"]["success"]["orderNumber"];
  EXPECT_EQ(body, json::parse(R"({"CreateVOIPMigrationWorkOrder":{"success":{"orderNumber":")" + order +
                              R"(","fault":[]}}})"));
  const auto orders = simulators_->WorkOrderRequests();
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].telephone_number, "447874384949");
  EXPECT_EQ(orders[0].account_number, "123456789");
  EXPECT_EQ(orders[0].site_reference, 42);
  EXPECT_EQ(orders[0].migration_type, "TDM_TO_VOC");
  EXPECT_EQ(orders[0].order_number, order);
  const auto updates = simulators_->MidasUpdates();
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].account_number, "123456789");
  EXPECT_EQ(updates[0].site_reference, 42);
  EXPECT_EQ(updates[0].telephone_number, "447874384949");
  EXPECT_EQ(updates[0].migration_status, "WORK_ORDER_CREATED");
  EXPECT_EQ(updates[0].order_number, order);
}

// A caller's correlation id is echoed and reaches both backends (body and header).
TEST_F(AdapterFixture, CorrelationIdIsEchoedAndPropagated) {
  auto result = PostJson(JsonBody("447874384949"), {{"X-Correlation-ID", "itest-42"}});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->get_header_value("X-Correlation-ID"), "itest-42");
  EXPECT_EQ(simulators_->WorkOrderRequests().at(0).correlation_id, "itest-42");
  EXPECT_EQ(simulators_->WorkOrderRequests().at(0).correlation_header, "itest-42");
  EXPECT_EQ(simulators_->MidasUpdates().at(0).correlation_id, "itest-42");
  EXPECT_EQ(simulators_->MidasUpdates().at(0).correlation_header, "itest-42");
}

// Without one, a UUID is generated, echoed and passed on.
TEST_F(AdapterFixture, CorrelationIdIsGeneratedWhenAbsent) {
  auto result = PostJson(JsonBody("447874384949"));
  ASSERT_TRUE(result);
  const std::string id = result->get_header_value("X-Correlation-ID");
  EXPECT_EQ(id.size(), 36u);
  EXPECT_EQ(simulators_->WorkOrderRequests().at(0).correlation_id, id);
}

// Work-order business fault: 422, BUSINESS with origin, MIDAS told it failed.
TEST_F(AdapterFixture, WorkOrderBusinessFaultIs422) {
  auto result = PostJson(JsonBody("447700900001"));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 422);
  const json faults = Faults(result);
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(faults[0]["type"], "BUSINESS");
  EXPECT_EQ(faults[0]["code"], "10685");
  EXPECT_EQ(faults[0]["origin"]["system"], "WorkOrderSystem");
  EXPECT_FALSE(faults[0]["origin"]["code"].get<std::string>().empty());
  EXPECT_EQ(simulators_->MidasUpdates().at(0).migration_status, "WORK_ORDER_FAILED");
  EXPECT_FALSE(simulators_->MidasUpdates().at(0).order_number.has_value());
  EXPECT_TRUE(simulators_->MidasUpdates().at(0).reason.has_value());
}

// Work-order system fault: 502, SYSTEM with origin, MIDAS told it failed.
TEST_F(AdapterFixture, WorkOrderSystemFaultIs502) {
  auto result = PostJson(JsonBody("447700900002"));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 502);
  const json faults = Faults(result);
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(faults[0]["type"], "SYSTEM");
  EXPECT_EQ(faults[0]["code"], "10686");
  EXPECT_EQ(faults[0]["severity"], "CRITICAL");
  EXPECT_EQ(faults[0]["origin"]["system"], "WorkOrderSystem");
  EXPECT_EQ(simulators_->MidasUpdates().at(0).migration_status, "WORK_ORDER_FAILED");
}

// Slow work-order system: 504 at the time-out (not its late 200), one create only, MIDAS told the outcome is unknown.
TEST_F(AdapterFixture, WorkOrderTimeoutIs504AndOutcomeUnknown) {
  auto result = PostJson(JsonBody("447700900003"));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 504);  // the event: had it waited for the slow answer, it would be a 200
  EXPECT_EQ(Faults(result)[0]["type"], "SYSTEM");
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 1u);
  EXPECT_EQ(simulators_->MidasUpdates().at(0).migration_status, "WORK_ORDER_OUTCOME_UNKNOWN");
}

// Malformed answer: 502, outcome unknown to MIDAS.
TEST_F(AdapterFixture, MalformedAnswerIs502) {
  auto result = PostJson(JsonBody("447700900004"));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 502);
  EXPECT_EQ(Faults(result)[0]["detail"],
            "The work-order system answered with a response that is not a valid SOAP message");
  EXPECT_EQ(simulators_->MidasUpdates().at(0).migration_status, "WORK_ORDER_OUTCOME_UNKNOWN");
}

// HTML error page: 502 naming the status.
TEST_F(AdapterFixture, HtmlErrorPageIs502) {
  auto result = PostJson(JsonBody("447700900005"));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 502);
  EXPECT_EQ(Faults(result)[0]["detail"],
            "The work-order system answered with HTTP status 500 instead of a SOAP response");
}

// A fault with an undeclared detail still yields the backend's code via the fault reader.
TEST_F(AdapterFixture, UntypedFaultIs502WithOrigin) {
  auto result = PostJson(JsonBody("447700900006"));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 502);
  const json faults = Faults(result);
  EXPECT_EQ(faults[0]["type"], "SYSTEM");
  EXPECT_EQ(faults[0]["origin"]["system"], "WorkOrderSystem");
  EXPECT_TRUE(faults[0]["origin"].contains("code"));
}

// MIDAS fault after the work order: still 200 with the order number and a fault entry.
TEST_F(AdapterFixture, MidasFaultIsSuccessWithFault) {
  auto result = PostJson(JsonBody("447700900007"));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  const json success = json::parse(result->body)["CreateVOIPMigrationWorkOrder"]["success"];
  EXPECT_EQ(success["orderNumber"], simulators_->WorkOrderRequests().at(0).order_number);
  ASSERT_EQ(success["fault"].size(), 1u);
  EXPECT_EQ(success["fault"][0]["type"], "SYSTEM");
  EXPECT_EQ(success["fault"][0]["origin"]["system"], "MIDAS");
  EXPECT_TRUE(simulators_->MidasUpdates().at(0).faulted);
}

// Slow MIDAS after the work order: 200 with the order number and a time-out fault.
TEST_F(AdapterFixture, MidasTimeoutIsSuccessWithFault) {
  auto result = PostJson(JsonBody("447700900008"));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  const json faults = Faults(result);
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(faults[0]["detail"],
            "The work order was created, but the customer's migration status could not be updated in MIDAS yet: "
            "MIDAS did not answer in time. The update is pending: the adapter keeps it and will deliver it to MIDAS "
            "later");
}

// Validation problems: 400, one fault per problem, and no backend hears anything.
TEST_F(AdapterFixture, InvalidRequestIs400AndCallsNoBackend) {
  auto result = PostJson(R"({"telephoneNumber":" ","accountIdentification":{"siteReference":"abc"}})");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 400);
  const json faults = Faults(result);
  ASSERT_EQ(faults.size(), 3u);
  EXPECT_EQ(faults[0]["detail"], "telephoneNumber must not be null or blank");
  EXPECT_EQ(faults[1]["detail"], "accountIdentification.accountNumber must not be null or blank");
  EXPECT_EQ(faults[2]["detail"], "accountIdentification.siteReference must be an integer");
  for (const json& f : faults) EXPECT_EQ(f["code"], "10685");
  EXPECT_TRUE(simulators_->WorkOrderRequests().empty());
  EXPECT_TRUE(simulators_->MidasUpdates().empty());
}

// Not JSON: 400 with the failure envelope, no backend call.
TEST_F(AdapterFixture, NotJsonIs400) {
  auto result = PostJson("<xml/>");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 400);
  EXPECT_EQ(Faults(result)[0]["detail"], "The request body is not valid JSON (RFC 8259, UTF-8)");
  EXPECT_TRUE(simulators_->WorkOrderRequests().empty());
}

// An empty body: 400.
TEST_F(AdapterFixture, EmptyBodyIs400) {
  auto result = PostJson("");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 400);
  EXPECT_EQ(Faults(result).size(), 1u);
}

// Wrong content type: 415 with the failure envelope, no backend call.
TEST_F(AdapterFixture, WrongContentTypeIs415) {
  auto result = PostJson(JsonBody("447874384949"), {}, "text/plain");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 415);
  EXPECT_EQ(Faults(result)[0]["detail"], "Content-Type must be application/json");
  EXPECT_TRUE(simulators_->WorkOrderRequests().empty());
}

// A body over the limit: 413 with the failure envelope, no backend call.
TEST_F(AdapterFixture, OversizedBodyIs413) {
  auto result = PostJson(std::string(config_.max_body_bytes + 1, ' ') + JsonBody("447874384949"));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 413);
  EXPECT_EQ(Faults(result)[0]["detail"], "The request body is larger than 4096 bytes");
  EXPECT_TRUE(simulators_->WorkOrderRequests().empty());
}

// A chunked body over the limit (no Content-Length) is refused as well.
TEST_F(AdapterFixture, OversizedChunkedBodyIs413) {
  const std::string big(config_.max_body_bytes * 4, ' ');
  auto result = client_->Post(
      "/CreateVOIPMigrationWorkOrder",
      [&big](size_t offset, httplib::DataSink& sink) {
        if (offset < big.size()) {
          sink.write(big.data() + offset, std::min<size_t>(1024, big.size() - offset));
        } else {
          sink.done();
        }
        return true;
      },
      "application/json");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 413);
  EXPECT_TRUE(simulators_->WorkOrderRequests().empty());
}

// Work-order system down (nothing listening): 503, and MIDAS is told it failed.
TEST_F(AdapterFixture, WorkOrderSystemDownIs503) {
  config_.work_order.url = "http://127.0.0.1:" + std::to_string(testing::ClosedLoopbackPort()) + "/workorder";
  ASSERT_TRUE(Wire());
  auto result = PostJson(JsonBody("447874384949"));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 503);
  EXPECT_EQ(Faults(result)[0]["type"], "SYSTEM");
  EXPECT_EQ(simulators_->MidasUpdates().at(0).migration_status, "WORK_ORDER_FAILED");
}

// Health answers without touching a backend.
TEST_F(AdapterFixture, HealthIsUp) {
  auto result = client_->Get("/health");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(json::parse(result->body), json::parse(R"({"status":"UP"})"));
}

// /metrics counts each request by face, outcome and status, and the backend errors behind them.
TEST_F(AdapterFixture, MetricsCountRequestsAndBackendErrors) {
  PostJson(JsonBody("447874384949"));
  PostJson(JsonBody("447700900001"));
  PostJson("{}");
  auto result = client_->Get("/metrics");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  const std::string& text = result->body;
  EXPECT_NE(text.find("voip_requests_total{face=\"json\",outcome=\"success\",status=\"200\"} 1\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("voip_requests_total{face=\"json\",outcome=\"failure\",status=\"422\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("voip_requests_total{face=\"json\",outcome=\"failure\",status=\"400\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("voip_faults_total{face=\"json\",type=\"BUSINESS\",code=\"10685\"} 4\n"), std::string::npos);
  EXPECT_NE(text.find("voip_backend_errors_total{backend=\"workorder\",kind=\"business_fault\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("voip_backend_call_duration_seconds_count{backend=\"midas\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("voip_requests_in_flight 0\n"), std::string::npos);
}

// Readiness answers READY with no failing probe, and names every failing one.
TEST_F(AdapterFixture, ReadyReportsFailingProbes) {
  auto ready = client_->Get("/ready");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
  EXPECT_EQ(json::parse(ready->body), json::parse(R"({"status":"READY"})"));

  server_.reset();
  server_ = std::make_unique<AdapterServer>(config_, *flow_, logger_);
  server_->AddReadinessProbe([] { return std::optional<std::string>("database not writable"); });
  server_->AddReadinessProbe([] { return std::optional<std::string>(); });
  ASSERT_EQ(server_->Start(), std::nullopt);
  httplib::Client client("127.0.0.1", server_->port());
  auto not_ready = client.Get("/ready");
  ASSERT_TRUE(not_ready);
  EXPECT_EQ(not_ready->status, 503);
  EXPECT_EQ(json::parse(not_ready->body), json::parse(R"({"status":"NOT_READY","reasons":["database not writable"]})"));
}

// Unknown paths still answer with the failure envelope.
TEST_F(AdapterFixture, UnknownPathIs404WithEnvelope) {
  auto result = client_->Get("/nope");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 404);
  EXPECT_EQ(Faults(result)[0]["code"], "10685");
}

// The request log line carries telephone and account numbers masked, never in full.
TEST_F(AdapterFixture, LogsHoldNoPersonalData) {
  PostJson(JsonBody("447874384949", "987654321"));
  PostJson(JsonBody("447700900001", "987654321"));
  const std::string logs = log_.str();
  EXPECT_NE(logs.find("\"event\":\"request\""), std::string::npos);
  EXPECT_NE(logs.find("\"telephoneNumber\":\"*********949\""), std::string::npos) << logs;
  EXPECT_NE(logs.find("\"accountNumber\":\"******321\""), std::string::npos);
  EXPECT_NE(logs.find("\"workOrderError\":\"business_fault\""), std::string::npos);
  EXPECT_EQ(logs.find("447874384949"), std::string::npos);
  EXPECT_EQ(logs.find("447700900001"), std::string::npos);
  EXPECT_EQ(logs.find("987654321"), std::string::npos);
}

}  // namespace
}  // namespace voip
