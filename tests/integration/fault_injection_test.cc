// Network faults between the adapter and its backends, end to end: a fault
// proxy (tests/support/fault_proxy.h) sits between the adapter's gSOAP clients
// and each simulator; the real SQLite outbox and relay keep what MIDAS did not
// take. Each test asserts the status, the fault entries, what each backend
// received (never two work orders for one request) and what the outbox holds.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "sim/triggers.h"
#include "tests/support/adapter_with_simulators.h"
#include "tests/support/fault_proxy.h"

namespace voip {
namespace {

using nlohmann::json;
using testing::FaultMode;
using testing::FaultProxy;
using Clock = std::chrono::steady_clock;

constexpr const char* kCustomer = "447874384949";
// Far beyond the 400 ms backend time-out, well within the client's 10 s.
constexpr auto kAnswerBound = std::chrono::seconds(5);

constexpr const char* kWorkOrderUnknownDetail =
    "The work-order system did not answer in time; whether the work order was created is unknown, check before "
    "retrying";
constexpr const char* kWorkOrderResetDetail =
    "The work-order system reset the connection after the request was sent, before a complete answer; whether the "
    "work order was created is unknown, check before retrying";
constexpr const char* kWorkOrderInvalidDetail =
    "The work-order system answered with a response that is not a valid SOAP message";

class FaultInjectionTest : public testing::AdapterWithSimulators {
 protected:
  void SetUp() override {
    UseSqliteOutbox();
    // Breakers have their own tests (circuit_breaker_test.cc); here every fault must reach the
    // adapter's answer, however many calls failed before.
    config_.work_order.breaker_failures = 0;
    config_.midas.breaker_failures = 0;
    config_.outbox_poll_ms = 20;
    config_.outbox_retry_base_ms = 20;
    config_.outbox_retry_cap_ms = 200;
    ASSERT_TRUE(StartSimulators());
    std::string error;
    work_order_proxy_ = FaultProxy::Start(simulators_->port(), &error);
    ASSERT_TRUE(work_order_proxy_) << error;
    midas_proxy_ = FaultProxy::Start(simulators_->port(), &error);
    ASSERT_TRUE(midas_proxy_) << error;
    config_.work_order.url = work_order_proxy_->Via(config_.work_order.url);
    config_.midas.url = midas_proxy_->Via(config_.midas.url);
    ASSERT_TRUE(Wire());
  }

  void TearDown() override {
    StopAdapter();
    if (work_order_proxy_) work_order_proxy_->Stop();
    if (midas_proxy_) midas_proxy_->Stop();
    AdapterWithSimulators::TearDown();
  }

  // A create request for `telephone`, and how long its answer took.
  httplib::Result Create(const std::string& telephone = kCustomer) {
    const auto start = Clock::now();
    httplib::Result result = PostJson(JsonBody(telephone));
    elapsed_ = Clock::now() - start;
    return result;
  }

  // The one fault entry of a failure answer.
  static json OnlyFailureFault(const httplib::Result& result) {
    const json faults = json::parse(result->body).at("CreateVOIPMigrationWorkOrder").at("failure").at("fault");
    EXPECT_EQ(faults.size(), 1u) << faults;
    return faults.at(0);
  }

  static void ExpectSystemFault(const json& fault, const std::string& detail) {
    EXPECT_EQ(fault["type"], "SYSTEM");
    EXPECT_EQ(fault["code"], "10686");
    EXPECT_EQ(fault["description"], "System Exception");
    EXPECT_EQ(fault["severity"], "CRITICAL");
    EXPECT_EQ(fault["sourceSystem"], "Middleware");
    EXPECT_EQ(fault["detail"], detail);
  }

  // MIDAS was told exactly once, with `status`.
  void ExpectMidasToldOnce(const char* status) {
    const auto updates = simulators_->MidasUpdates();
    ASSERT_EQ(updates.size(), 1u);
    EXPECT_EQ(updates[0].migration_status, status);
    EXPECT_EQ(updates[0].telephone_number, kCustomer);
    EXPECT_FALSE(updates[0].order_number.has_value());
  }

  // /metrics counted one failed work-order call, of `kind` (BackendErrorKindName).
  void ExpectWorkOrderErrorCounted(const char* kind) {
    auto metrics = client_->Get("/metrics");
    ASSERT_TRUE(metrics);
    const std::string sample =
        std::string("voip_backend_errors_total{backend=\"workorder\",kind=\"") + kind + "\"} 1\n";
    EXPECT_NE(metrics->body.find(sample), std::string::npos) << sample;
  }

  // The outbox holds one entry, with an unknown work-order outcome, already
  // delivered to MIDAS: kept for an operator, nothing left to send.
  void ExpectOneUnknownOutcomeDelivered() {
    const auto entries = OutboxEntries();
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].work_order, WorkOrderState::kUnknown);
    EXPECT_EQ(entries[0].delivery, DeliveryState::kDelivered);
    EXPECT_EQ(entries[0].update.status, MigrationStatus::kWorkOrderOutcomeUnknown);
  }

  // Polls `done` every 20 ms for at most kAnswerBound.
  static bool Eventually(const std::function<bool()>& done) {
    const auto deadline = Clock::now() + kAnswerBound;
    while (!done()) {
      if (Clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
  }

  std::unique_ptr<FaultProxy> work_order_proxy_;
  std::unique_ptr<FaultProxy> midas_proxy_;
  Clock::duration elapsed_{};
};

// ----- the work-order system --------------------------------------------------

// Nothing listens (refused), or nothing answers the connection attempt (a black hole, cut at the
// connect time-out): 503 (nothing was sent, a retry is safe), MIDAS told the attempt failed, nothing kept.
class WorkOrderUnreachableTest : public FaultInjectionTest, public ::testing::WithParamInterface<FaultMode> {};

TEST_P(WorkOrderUnreachableTest, Is503AndMidasToldFailed) {
  work_order_proxy_->SetMode(GetParam());
  auto result = Create();
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 503);
  EXPECT_LT(elapsed_, kAnswerBound);
  ExpectSystemFault(OnlyFailureFault(result),
                    "The work-order system could not be reached; nothing was sent to it, so the request can be "
                    "retried");
  EXPECT_EQ(work_order_proxy_->connections(), 0);
  EXPECT_TRUE(simulators_->WorkOrderRequests().empty());
  ExpectMidasToldOnce("WORK_ORDER_FAILED");
  EXPECT_TRUE(OutboxEntries().empty());
  ExpectWorkOrderErrorCounted("connect_failed");
}

INSTANTIATE_TEST_SUITE_P(RefusedOrBlackhole, WorkOrderUnreachableTest,
                         ::testing::Values(FaultMode::kRefuse, FaultMode::kBlackhole),
                         [](const ::testing::TestParamInfo<FaultMode>& info) {
                           return info.param == FaultMode::kRefuse ? "Refused" : "Blackhole";
                         });

// Reset once the request was sent, before the backend saw it: the adapter cannot know that, so the
// outcome is unknown; a reset is not a time-out: 502 saying so. MIDAS is told the outcome is unknown,
// and the create is not sent again.
TEST_F(FaultInjectionTest, WorkOrderResetBeforeForwardIsUnknownAndNotRetried) {
  work_order_proxy_->SetMode(FaultMode::kResetBeforeForward);
  auto result = Create();
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 502);
  ExpectSystemFault(OnlyFailureFault(result), kWorkOrderResetDetail);
  EXPECT_EQ(work_order_proxy_->requests(), 1);
  EXPECT_EQ(work_order_proxy_->forwarded(), 0);
  EXPECT_TRUE(simulators_->WorkOrderRequests().empty());
  ExpectMidasToldOnce("WORK_ORDER_OUTCOME_UNKNOWN");
  ExpectOneUnknownOutcomeDelivered();
  ExpectWorkOrderErrorCounted("connection_reset");
}

// Reset after the backend created the work order: 502 saying the connection was reset, outcome
// unknown journalled, MIDAS told WORK_ORDER_OUTCOME_UNKNOWN, exactly one create, never retried.
TEST_F(FaultInjectionTest, WorkOrderResetAfterForwardIsUnknownAndNotRetried) {
  work_order_proxy_->SetMode(FaultMode::kResetAfterForward);
  auto result = Create();
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 502);
  ExpectSystemFault(OnlyFailureFault(result), kWorkOrderResetDetail);
  EXPECT_EQ(work_order_proxy_->requests(), 1);
  ASSERT_EQ(simulators_->WorkOrderRequests().size(), 1u);
  EXPECT_FALSE(simulators_->WorkOrderRequests()[0].order_number.empty());  // it was created
  ExpectMidasToldOnce("WORK_ORDER_OUTCOME_UNKNOWN");
  ExpectOneUnknownOutcomeDelivered();
  ExpectWorkOrderErrorCounted("connection_reset");
}

// A backend that reads the request and never answers: cut at the time-out, 504, outcome unknown.
TEST_F(FaultInjectionTest, WorkOrderHangIsCutAtTheTimeoutWith504) {
  work_order_proxy_->SetMode(FaultMode::kHang);
  auto result = Create();
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 504);
  EXPECT_LT(elapsed_, kAnswerBound);
  ExpectSystemFault(OnlyFailureFault(result), kWorkOrderUnknownDetail);
  EXPECT_EQ(work_order_proxy_->requests(), 1);
  ExpectMidasToldOnce("WORK_ORDER_OUTCOME_UNKNOWN");
  ExpectOneUnknownOutcomeDelivered();
  ExpectWorkOrderErrorCounted("timeout");
}

// An answer dripping one byte at a time, each byte well within the per-read time-out: cut at the
// exchange's total time-out all the same, 504, outcome unknown, one create.
class WorkOrderDripTest : public FaultInjectionTest, public ::testing::WithParamInterface<int> {};

TEST_P(WorkOrderDripTest, IsCutAtTheTotalTimeoutWith504) {
  work_order_proxy_->SetDripInterval(std::chrono::milliseconds(GetParam()));
  work_order_proxy_->SetMode(FaultMode::kDrip);
  auto result = Create();
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 504);
  EXPECT_LT(elapsed_, kAnswerBound);
  ExpectSystemFault(OnlyFailureFault(result), kWorkOrderUnknownDetail);
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 1u);
  ExpectMidasToldOnce("WORK_ORDER_OUTCOME_UNKNOWN");
  ExpectOneUnknownOutcomeDelivered();
  ExpectWorkOrderErrorCounted("timeout");
}

INSTANTIATE_TEST_SUITE_P(MillisecondsPerByte, WorkOrderDripTest, ::testing::Values(100, 1000));

// Part of an answer, then the connection closed, wherever the cut falls (in the HTTP headers, in the
// envelope's start tag, or after the order number but before the envelope ends): 502 (an answer, but
// not a valid one), outcome unknown, one create.
class WorkOrderTruncateTest : public FaultInjectionTest, public ::testing::WithParamInterface<long> {};

TEST_P(WorkOrderTruncateTest, TruncatedAnswerIs502) {
  work_order_proxy_->SetTruncateAt(GetParam());
  work_order_proxy_->SetMode(FaultMode::kTruncate);
  auto result = Create();
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 502);
  ExpectSystemFault(OnlyFailureFault(result), kWorkOrderInvalidDetail);
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 1u);
  ExpectMidasToldOnce("WORK_ORDER_OUTCOME_UNKNOWN");
  ExpectOneUnknownOutcomeDelivered();
  ExpectWorkOrderErrorCounted("malformed_response");
}

// Bytes kept: 40 (inside the HTTP headers), half, all but the last 30 (after </wo:orderNumber>).
INSTANTIATE_TEST_SUITE_P(CutAt, WorkOrderTruncateTest, ::testing::Values(40L, 0L, -30L));

// Something in between answers an HTML 500 page: 502 naming the status, outcome unknown.
TEST_F(FaultInjectionTest, WorkOrderHtml500PageIs502) {
  work_order_proxy_->SetMode(FaultMode::kHtml500);
  auto result = Create();
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 502);
  ExpectSystemFault(OnlyFailureFault(result),
                    "The work-order system answered with HTTP status 500 instead of a SOAP response");
  EXPECT_EQ(work_order_proxy_->requests(), 1);
  EXPECT_TRUE(simulators_->WorkOrderRequests().empty());
  ExpectMidasToldOnce("WORK_ORDER_OUTCOME_UNKNOWN");
  ExpectOneUnknownOutcomeDelivered();
  ExpectWorkOrderErrorCounted("http_error");
}

// A SOAP fault whose detail is not the declared type: 502 with the backend's own code and message
// read from it; a fault is a certain failure, so MIDAS is told WORK_ORDER_FAILED and nothing is kept.
TEST_F(FaultInjectionTest, WorkOrderFaultWithUnknownDetailIs502WithBackendCode) {
  auto result = Create(std::string(sim::kWorkOrderForeignFaultNumber));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 502);
  const json fault = OnlyFailureFault(result);
  ExpectSystemFault(
      fault, "The work-order system answered with an undeclared fault: " + std::string(sim::kForeignFaultMessage));
  EXPECT_EQ(
      fault["origin"],
      json({{"system", "WorkOrderSystem"}, {"code", sim::kForeignFaultCode}, {"message", sim::kForeignFaultMessage}}));
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 1u);
  const auto updates = simulators_->MidasUpdates();
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].migration_status, "WORK_ORDER_FAILED");
  EXPECT_TRUE(OutboxEntries().empty());
  ExpectWorkOrderErrorCounted("untyped_fault");
}

// ----- MIDAS ------------------------------------------------------------------

// MIDAS down for a while: every answer is a success with its order number and a "pending" fault;
// once MIDAS is back, the relay delivers every pending update exactly as recorded, and the outbox
// empties. One work order per request throughout.
TEST_F(FaultInjectionTest, MidasDownForAWhileThenEveryPendingUpdateIsDelivered) {
  midas_proxy_->SetMode(FaultMode::kRefuse);
  std::map<std::string, std::string> correlation_of_order;
  std::map<std::string, std::string> customer_of_order;  // one customer each: none supersedes another
  for (int i = 0; i < 3; ++i) {
    const std::string customer = "44787438494" + std::to_string(i);
    auto result = Create(customer);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 200);
    const json success = json::parse(result->body)["CreateVOIPMigrationWorkOrder"]["success"];
    correlation_of_order[success["orderNumber"]] = result->get_header_value("X-Correlation-ID");
    customer_of_order[success["orderNumber"]] = customer;
    ASSERT_EQ(success["fault"].size(), 1u);
    ExpectSystemFault(success["fault"][0],
                      "The work order was created, but the customer's migration status could not be updated in "
                      "MIDAS yet: MIDAS could not be reached; nothing was sent to it. "
                      "The update is pending: the adapter keeps it and will deliver it to MIDAS later");
  }
  ASSERT_EQ(correlation_of_order.size(), 3u);
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 3u);
  EXPECT_TRUE(simulators_->MidasUpdates().empty());
  EXPECT_EQ(OutboxEntries().size(), 3u);
  for (const OutboxEntry& entry : OutboxEntries()) {
    EXPECT_EQ(entry.delivery, DeliveryState::kPending);
    EXPECT_EQ(entry.work_order, WorkOrderState::kCreated);
  }

  midas_proxy_->SetMode(FaultMode::kPassThrough);
  EXPECT_TRUE(Eventually([&] { return OutboxEntries().empty(); }));
  const auto updates = simulators_->MidasUpdates();
  ASSERT_EQ(updates.size(), 3u);
  for (const auto& update : updates) {
    ASSERT_TRUE(update.order_number.has_value());
    ASSERT_EQ(correlation_of_order.count(*update.order_number), 1u) << *update.order_number;
    EXPECT_EQ(update.correlation_id, correlation_of_order[*update.order_number]);
    EXPECT_EQ(update.migration_status, "WORK_ORDER_CREATED");
    EXPECT_EQ(update.telephone_number, customer_of_order[*update.order_number]);
    EXPECT_EQ(update.account_number, "123456789");
    EXPECT_EQ(update.site_reference, 42);
    EXPECT_FALSE(update.reason.has_value());
    EXPECT_FALSE(update.faulted);
    correlation_of_order.erase(*update.order_number);  // each order once
  }
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 3u);
}

// MIDAS took the update but its answer was lost (reset): success with a pending fault, and the relay
// delivers it again (at least once: MIDAS receives the same absolute update more than once), then
// nothing is kept.
TEST_F(FaultInjectionTest, MidasResetAfterForwardIsDeliveredAgain) {
  midas_proxy_->SetMode(FaultMode::kResetAfterForward);
  auto result = Create();
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  const json success = json::parse(result->body)["CreateVOIPMigrationWorkOrder"]["success"];
  ASSERT_EQ(success["fault"].size(), 1u);
  EXPECT_EQ(success["fault"][0]["code"], "10686");
  EXPECT_NE(success["fault"][0]["detail"].get<std::string>().find("The update is pending"), std::string::npos);
  EXPECT_GE(simulators_->MidasUpdates().size(), 1u);

  midas_proxy_->SetMode(FaultMode::kPassThrough);
  EXPECT_TRUE(Eventually([&] { return OutboxEntries().empty(); }));
  const auto updates = simulators_->MidasUpdates();
  ASSERT_GE(updates.size(), 2u);
  EXPECT_EQ(updates.size(), static_cast<std::size_t>(midas_proxy_->forwarded()));  // every one sent arrived
  for (const auto& update : updates) {
    EXPECT_EQ(update.migration_status, "WORK_ORDER_CREATED");
    EXPECT_EQ(update.order_number, success["orderNumber"].get<std::string>());
    EXPECT_EQ(update.correlation_id, result->get_header_value("X-Correlation-ID"));
  }
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 1u);
}

// MIDAS dripping its answer: cut at the total time-out; the consumer still gets its order number at
// once with a pending fault, and the update stays pending for the relay.
TEST_F(FaultInjectionTest, MidasDripIsCutAndTheUpdateStaysPending) {
  midas_proxy_->SetDripInterval(std::chrono::milliseconds(100));
  midas_proxy_->SetMode(FaultMode::kDrip);
  auto result = Create();
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_LT(elapsed_, kAnswerBound);
  const json success = json::parse(result->body)["CreateVOIPMigrationWorkOrder"]["success"];
  EXPECT_EQ(success["orderNumber"], simulators_->WorkOrderRequests().at(0).order_number);
  ASSERT_EQ(success["fault"].size(), 1u);
  EXPECT_EQ(success["fault"][0]["detail"],
            "The work order was created, but the customer's migration status could not be updated in MIDAS yet: "
            "MIDAS did not answer in time. The update is pending: the adapter keeps it and will deliver it to "
            "MIDAS later");
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 1u);
  const auto entries = OutboxEntries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].delivery, DeliveryState::kPending);
  EXPECT_EQ(entries[0].update.order_number, success["orderNumber"].get<std::string>());
}

// Whatever goes wrong between the adapter and MIDAS after the work order was created: 200 with the order
// number and one pending fault saying what happened; once MIDAS answers again, the relay delivers the
// update and nothing is left pending. One work order throughout.
struct MidasFault {
  const char* name;
  FaultMode mode;
  const char* what;  // the middle of the fault's detail
};

class MidasFaultTest : public FaultInjectionTest, public ::testing::WithParamInterface<MidasFault> {};

TEST_P(MidasFaultTest, IsSuccessWithPendingUpdateDeliveredOnceMidasAnswers) {
  midas_proxy_->SetMode(GetParam().mode);
  auto result = Create();
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  const json success = json::parse(result->body)["CreateVOIPMigrationWorkOrder"]["success"];
  ASSERT_EQ(simulators_->WorkOrderRequests().size(), 1u);
  EXPECT_EQ(success["orderNumber"], simulators_->WorkOrderRequests()[0].order_number);
  ASSERT_EQ(success["fault"].size(), 1u);
  ExpectSystemFault(success["fault"][0],
                    "The work order was created, but the customer's migration status could not be updated in MIDAS "
                    "yet: " +
                        std::string(GetParam().what) +
                        ". The update is pending: the adapter keeps it and will deliver it to MIDAS later");

  midas_proxy_->SetMode(FaultMode::kPassThrough);
  EXPECT_TRUE(Eventually([&] { return OutboxEntries().empty(); }));
  const auto updates = simulators_->MidasUpdates();
  ASSERT_FALSE(updates.empty());
  EXPECT_EQ(updates.size(), static_cast<std::size_t>(midas_proxy_->forwarded()));  // every one sent arrived
  EXPECT_EQ(updates.back().migration_status, "WORK_ORDER_CREATED");
  EXPECT_EQ(updates.back().order_number, success["orderNumber"].get<std::string>());
  EXPECT_FALSE(updates.back().faulted);
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(
    EveryKind, MidasFaultTest,
    ::testing::Values(
        MidasFault{"Blackhole", FaultMode::kBlackhole, "MIDAS could not be reached; nothing was sent to it"},
        MidasFault{"ResetBeforeForward", FaultMode::kResetBeforeForward,
                   "MIDAS reset the connection after the update was sent, before a complete answer"},
        MidasFault{"Hang", FaultMode::kHang, "MIDAS did not answer in time"},
        MidasFault{"Truncate", FaultMode::kTruncate, "MIDAS answered with a response that is not a valid SOAP message"},
        MidasFault{"Html500", FaultMode::kHtml500, "MIDAS answered with HTTP status 500 instead of a SOAP response"}),
    [](const ::testing::TestParamInfo<MidasFault>& info) { return info.param.name; });

// ----- kept connections ----------------------------------------------------------

// The work-order system closed the adapter's kept connection while it was idle: the next create
// goes out on a new connection and succeeds, and each request created exactly one work order.
TEST_F(FaultInjectionTest, WorkOrderKeptConnectionClosedWhileIdleIsReplaced) {
  auto first = Create();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(work_order_proxy_->connections(), 1);
  work_order_proxy_->CloseClientConnections();
  auto second = Create();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 200) << second->body;
  EXPECT_TRUE(Faults(second).empty());
  EXPECT_EQ(work_order_proxy_->connections(), 2);
  EXPECT_EQ(work_order_proxy_->requests(), 2);
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 2u);
  EXPECT_EQ(simulators_->MidasUpdates().size(), 2u);
  EXPECT_TRUE(OutboxEntries().empty());
}

// MIDAS closed the adapter's kept connection while it was idle: the next update goes out on a new
// connection and is acknowledged; no pending fault, nothing kept.
TEST_F(FaultInjectionTest, MidasKeptConnectionClosedWhileIdleIsReplaced) {
  auto first = Create();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(midas_proxy_->connections(), 1);
  midas_proxy_->CloseClientConnections();
  auto second = Create();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 200);
  EXPECT_TRUE(Faults(second).empty()) << second->body;
  EXPECT_EQ(midas_proxy_->connections(), 2);
  EXPECT_EQ(midas_proxy_->requests(), 2);
  EXPECT_EQ(simulators_->MidasUpdates().size(), 2u);
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 2u);
  EXPECT_TRUE(OutboxEntries().empty());
}

}  // namespace
}  // namespace voip
