// The request-wide deadline over real sockets, against the simulators' slow
// answers (1.5 s): with request-deadline-ms 600 and backend time-outs of 5 s,
// the clamp is what cuts each call short. Outcomes and counts are asserted,
// not timings; and how a call cut short by the deadline counts for the circuit breaker.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "adapter/migration_flow.h"
#include "adapter/resilience/circuit_breaker.h"
#include "sim/triggers.h"
#include "tests/support/adapter_with_simulators.h"

namespace voip {
namespace {

using nlohmann::json;

constexpr int kSlowMs = 1500;
constexpr int kBackendTimeoutMs = 5000;
constexpr int kRequestDeadlineMs = 600;

// The adapter (tests/support/adapter_with_simulators.h) with a 600 ms request deadline, backend
// time-outs of 5 s and simulators whose slow triggers answer in 1.5 s.
class RequestDeadlineFixture : public testing::AdapterWithSimulators {
 protected:
  void SetUp() override {
    sim_options_.slow_ms = kSlowMs;
    config_.threads = 4;
    config_.request_deadline_ms = kRequestDeadlineMs;
    config_.work_order.timeout_ms = kBackendTimeoutMs;
    config_.midas.timeout_ms = kBackendTimeoutMs;
    ASSERT_TRUE(Start());
  }

  httplib::Result Post(std::string_view telephone) { return PostJson(JsonBody(telephone)); }
};

// A work-order answer that would come within its own 5 s time-out but after the request's
// deadline: 504 with the unknown outcome, one create, and MIDAS (no time left) left to the relay.
TEST_F(RequestDeadlineFixture, WorkOrderCallIsCutAtTheRequestDeadline) {
  auto result = Post(sim::kWorkOrderSlowNumber);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 504);
  const json faults = json::parse(result->body)["CreateVOIPMigrationWorkOrder"]["failure"]["fault"];
  ASSERT_EQ(faults.size(), 2u);
  EXPECT_NE(faults[0]["detail"].get<std::string>().find("did not answer in time"), std::string::npos);
  EXPECT_EQ(faults[1]["detail"], MidasDeadlineFault(false, MidasFollowUp::kPending).detail);
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 1u);
  EXPECT_TRUE(simulators_->MidasUpdates().empty());
  const auto entries = fake_outbox_.entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].work_order, WorkOrderState::kUnknown);
  EXPECT_EQ(entries[0].delivery, DeliveryState::kPending);
}

// A slow MIDAS is cut at what the request has left: success with the order number and a
// pending update; MIDAS received the update once (a time-out is never repeated).
TEST_F(RequestDeadlineFixture, MidasCallIsCutAtTheRequestDeadline) {
  auto result = Post(sim::kMidasSlowNumber);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  const json success = json::parse(result->body)["CreateVOIPMigrationWorkOrder"]["success"];
  EXPECT_EQ(success["orderNumber"], simulators_->WorkOrderRequests().at(0).order_number);
  ASSERT_EQ(success["fault"].size(), 1u);
  EXPECT_NE(success["fault"][0]["detail"].get<std::string>().find("The update is pending"), std::string::npos);
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 1u);
  EXPECT_EQ(simulators_->MidasUpdates().size(), 1u);
  EXPECT_EQ(fake_outbox_.entries().at(0).delivery, DeliveryState::kPending);
}

// A work-order call the request's deadline cut short (600 ms, before its own 5 s time-out) is no
// evidence against the work-order system: a breaker that opens after one failure stays closed,
// and the next request reaches it.
TEST_F(RequestDeadlineFixture, CallCutByTheDeadlineDoesNotCountForTheBreaker) {
  config_.work_order.breaker_failures = 1;
  ASSERT_TRUE(Wire());
  auto cut = Post(sim::kWorkOrderSlowNumber);
  ASSERT_TRUE(cut);
  EXPECT_EQ(cut->status, 504);
  auto next = Post("447874384949");
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 200);
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 2u);
  EXPECT_EQ(work_order_breaker_->state(), BreakerState::kClosed);
  EXPECT_EQ(work_order_breaker_->transitions_to(BreakerState::kOpen), 0u);
}

// A work-order call that ran into its own 400 ms time-out, well within the request's deadline
// (10 s), still counts: the breaker opens after that one failure and the next request gets 503
// without reaching the work-order system.
TEST_F(RequestDeadlineFixture, CallAtItsOwnTimeOutCountsForTheBreaker) {
  config_.request_deadline_ms = 10000;
  config_.work_order.timeout_ms = 400;
  config_.work_order.breaker_failures = 1;
  ASSERT_TRUE(Wire());
  auto timed_out = Post(sim::kWorkOrderSlowNumber);
  ASSERT_TRUE(timed_out);
  EXPECT_EQ(timed_out->status, 504);
  auto next = Post("447874384949");
  ASSERT_TRUE(next);
  EXPECT_EQ(next->status, 503);
  ASSERT_EQ(Faults(next).size(), 1u);
  EXPECT_EQ(Faults(next)[0]["detail"], CircuitOpenFault(Backend::kWorkOrder).detail);
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 1u);
  EXPECT_EQ(work_order_breaker_->state(), BreakerState::kOpen);
}

// Within the deadline nothing changes: success, both backends called once, no fault.
TEST_F(RequestDeadlineFixture, FastBackendsFinishWithinTheDeadline) {
  auto result = Post("447874384949");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_TRUE(json::parse(result->body)["CreateVOIPMigrationWorkOrder"]["success"]["fault"].empty());
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 1u);
  EXPECT_EQ(simulators_->MidasUpdates().size(), 1u);
}

}  // namespace
}  // namespace voip
