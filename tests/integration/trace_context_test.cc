// W3C Trace Context end to end over real sockets: what the simulated work-order
// system and MIDAS receive as traceparent/tracestate for a given, absent or
// malformed traceparent on both faces, what the request line logs, and what a
// redelivery by the relay carries.
#include "platform/trace_context.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "tests/support/adapter_with_simulators.h"
#include "tests/support/results.h"
#include "tests/support/soap_answer.h"
#include "tests/support/soap_xml.h"

namespace voip {
namespace {

const std::string kTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
const std::string kCallerSpan = "00f067aa0ba902b7";
const std::string kTraceparent = "00-" + kTraceId + "-" + kCallerSpan + "-01";

// The traceparent a backend received, parsed (failing the test when it is not valid).
TraceParent Received(const std::string& traceparent) {
  const std::optional<TraceParent> parsed = ParseTraceparent(traceparent);
  EXPECT_TRUE(parsed.has_value()) << "'" << traceparent << "'";
  return parsed.value_or(TraceParent{});
}

// The last line of `event` the adapter logged (null when none).
nlohmann::json LastLine(const std::string& log, const std::string& event) {
  std::istringstream lines(log);
  nlohmann::json found;
  for (std::string line; std::getline(lines, line);) {
    nlohmann::json parsed = nlohmann::json::parse(line, nullptr, false);
    if (parsed.is_object() && parsed["event"] == event) found = parsed;
  }
  return found;
}

nlohmann::json RequestLine(const std::string& log) { return LastLine(log, "request"); }

using TraceContextTest = testing::AdapterWithSimulators;

// A caller's traceparent reaches both backends with the same trace id and flags, each call with a new span id
// of its own (neither the caller's nor the other's), the tracestate as sent; the request line logs the trace.
TEST_F(TraceContextTest, GivenTraceparentIsForwardedWithNewSpanIds) {
  auto result = PostJson(JsonBody("447874384949"), {{"traceparent", kTraceparent}, {"tracestate", "vendor=abc"}});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200) << result->body;
  ASSERT_EQ(simulators_->WorkOrderRequests().size(), 1u);
  ASSERT_EQ(simulators_->MidasUpdates().size(), 1u);
  const TraceParent work_order = Received(simulators_->WorkOrderRequests()[0].traceparent);
  const TraceParent midas = Received(simulators_->MidasUpdates()[0].traceparent);
  EXPECT_EQ(work_order.trace_id, kTraceId);
  EXPECT_EQ(midas.trace_id, kTraceId);
  EXPECT_EQ(work_order.flags, "01");
  EXPECT_NE(work_order.parent_id, kCallerSpan);
  EXPECT_NE(midas.parent_id, kCallerSpan);
  EXPECT_NE(work_order.parent_id, midas.parent_id);
  EXPECT_EQ(simulators_->WorkOrderRequests()[0].tracestate, "vendor=abc");
  EXPECT_EQ(simulators_->MidasUpdates()[0].tracestate, "vendor=abc");
  const nlohmann::json line = RequestLine(Log());
  EXPECT_EQ(line["traceId"], kTraceId) << Log();
  EXPECT_NE(line["spanId"], kCallerSpan);
  EXPECT_NE(line["spanId"], work_order.parent_id);
}

// The SOAP face continues the caller's trace the same way.
TEST_F(TraceContextTest, SoapFaceForwardsTheTrace) {
  auto result = PostSoap11(testing::SoapEnvelope(testing::CreateRequest("447874384949"), testing::kSoap11EnvelopeNs),
                           {{"traceparent", kTraceparent}});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200) << result->body;
  ASSERT_EQ(simulators_->WorkOrderRequests().size(), 1u);
  ASSERT_EQ(simulators_->MidasUpdates().size(), 1u);
  EXPECT_EQ(Received(simulators_->WorkOrderRequests()[0].traceparent).trace_id, kTraceId);
  EXPECT_EQ(Received(simulators_->MidasUpdates()[0].traceparent).trace_id, kTraceId);
  EXPECT_EQ(RequestLine(Log())["traceId"], kTraceId) << Log();
}

// Without a traceparent the adapter starts a trace: both backends get a valid traceparent of that one new trace,
// and the request line logs it.
TEST_F(TraceContextTest, AbsentTraceparentStartsANewTrace) {
  auto result = PostJson(JsonBody("447874384949"));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200) << result->body;
  ASSERT_EQ(simulators_->MidasUpdates().size(), 1u);
  const TraceParent work_order = Received(simulators_->WorkOrderRequests().at(0).traceparent);
  const TraceParent midas = Received(simulators_->MidasUpdates()[0].traceparent);
  EXPECT_EQ(midas.trace_id, work_order.trace_id);
  EXPECT_EQ(work_order.flags, "00");
  EXPECT_EQ(RequestLine(Log())["traceId"], work_order.trace_id) << Log();
  EXPECT_EQ(simulators_->WorkOrderRequests()[0].tracestate, "");
}

// A malformed traceparent (upper-case hex) is not passed on: the request is served as usual, in a new trace, and
// the tracestate that came with it is dropped.
TEST_F(TraceContextTest, MalformedTraceparentStartsANewTraceAndIsServed) {
  const std::string upper = "00-4BF92F3577B34DA6A3CE929D0E0E4736-" + kCallerSpan + "-01";
  auto result = PostJson(JsonBody("447874384949"), {{"traceparent", upper}, {"tracestate", "vendor=abc"}});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200) << result->body;
  EXPECT_NE(nlohmann::json::parse(result->body)["CreateVOIPMigrationWorkOrder"]["success"]["orderNumber"], nullptr);
  ASSERT_EQ(simulators_->MidasUpdates().size(), 1u);
  const TraceParent work_order = Received(simulators_->WorkOrderRequests().at(0).traceparent);
  EXPECT_NE(work_order.trace_id, kTraceId);
  EXPECT_EQ(Received(simulators_->MidasUpdates()[0].traceparent).trace_id, work_order.trace_id);
  EXPECT_EQ(simulators_->WorkOrderRequests()[0].tracestate, "");
  EXPECT_EQ(simulators_->MidasUpdates()[0].tracestate, "");
}

// Two traceparent headers are malformed (the specification's rule): the request is served in a new trace, neither
// caller's id reaches a backend.
TEST_F(TraceContextTest, DoubledTraceparentStartsANewTrace) {
  const std::string other = "00-" + std::string(31, '1') + "2-" + kCallerSpan + "-01";
  auto result = PostJson(JsonBody("447874384949"), {{"traceparent", kTraceparent}, {"traceparent", other}});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200) << result->body;
  ASSERT_EQ(simulators_->WorkOrderRequests().size(), 1u);
  ASSERT_EQ(simulators_->MidasUpdates().size(), 1u);
  const TraceParent work_order = Received(simulators_->WorkOrderRequests()[0].traceparent);
  EXPECT_NE(work_order.trace_id, kTraceId);
  EXPECT_NE(work_order.trace_id, std::string(31, '1') + "2");
  EXPECT_EQ(Received(simulators_->MidasUpdates()[0].traceparent).trace_id, work_order.trace_id);
}

// A tracestate over the specification's 512 bytes is not passed on: the caller's trace continues, and neither
// backend receives a tracestate.
TEST_F(TraceContextTest, OversizedTracestateIsNotForwarded) {
  auto result =
      PostJson(JsonBody("447874384949"), {{"traceparent", kTraceparent}, {"tracestate", "v=" + std::string(600, 'a')}});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200) << result->body;
  ASSERT_EQ(simulators_->WorkOrderRequests().size(), 1u);
  ASSERT_EQ(simulators_->MidasUpdates().size(), 1u);
  EXPECT_EQ(Received(simulators_->WorkOrderRequests()[0].traceparent).trace_id, kTraceId);
  EXPECT_EQ(simulators_->WorkOrderRequests()[0].tracestate, "");
  EXPECT_EQ(simulators_->MidasUpdates()[0].tracestate, "");
}

// MIDAS down during the request, then back: the update the relay redelivers carries the request's trace id (kept
// with the outbox entry), a span id of its own, and the relay's line logs that trace.
class TraceRedeliveryTest : public testing::AdapterWithSimulators {
 protected:
  void SetUp() override {
    UseSqliteOutbox();
    UseManualRelay();
    config_.midas.breaker_failures = 0;
    ASSERT_TRUE(StartSimulators());
    PointMidasAtClosedPort();
    ASSERT_TRUE(Wire());
  }
};

TEST_F(TraceRedeliveryTest, RedeliveredUpdateCarriesTheOriginalTraceId) {
  auto result = PostJson(JsonBody("447874384949"), {{"traceparent", kTraceparent}, {"tracestate", "vendor=abc"}});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200) << result->body;
  ASSERT_EQ(OutboxEntries().size(), 1u);
  EXPECT_EQ(OutboxEntries()[0].trace.trace_id, kTraceId);

  ASSERT_TRUE(StartMidasBack());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline && midas_back_->MidasUpdates().empty()) {
    (void)relay().RunOnce();
    if (midas_back_->MidasUpdates().empty()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(midas_back_->MidasUpdates().size(), 1u);
  const TraceParent redelivered = Received(midas_back_->MidasUpdates()[0].traceparent);
  EXPECT_EQ(redelivered.trace_id, kTraceId);
  EXPECT_NE(redelivered.parent_id, kCallerSpan);
  EXPECT_EQ(midas_back_->MidasUpdates()[0].tracestate, "vendor=abc");
  const nlohmann::json relay_line = LastLine(Log(), "midas_update_delivered");
  EXPECT_EQ(relay_line["traceId"], kTraceId) << Log();
  ASSERT_TRUE(relay_line["spanId"].is_string()) << Log();
  EXPECT_EQ(relay_line["spanId"].get<std::string>().size(), 16u);
  EXPECT_NE(relay_line["spanId"], kCallerSpan);
}

}  // namespace
}  // namespace voip
