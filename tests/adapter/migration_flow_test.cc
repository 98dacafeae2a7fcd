#include "adapter/migration_flow.h"

#include <gtest/gtest.h>

#include "tests/support/fake_backends.h"
#include "tests/support/fake_outbox.h"
#include "tests/support/sample_input.h"

namespace voip {
namespace {

using testing::ErrorOf;
using testing::FakeMidas;
using testing::FakeOutbox;
using testing::FakeWorkOrderSystem;

class MigrationFlowTest : public ::testing::Test {
 protected:
  FakeWorkOrderSystem work_order_;
  FakeMidas midas_;
  FakeOutbox outbox_;
  MigrationFlow flow_{work_order_, midas_, outbox_};
  CallContext context_{"corr-1"};
};

// Success: the order number comes back, and MIDAS is told the order was created.
TEST_F(MigrationFlowTest, CreatesWorkOrderThenUpdatesMidas) {
  work_order_.WillAnswer(WorkOrderCreated{"WO1000000001"});
  midas_.WillAnswer(MidasAcknowledged{"U1"});
  MigrationOutcome outcome = flow_.Run(testing::SampleRequestInput(), context_);
  EXPECT_EQ(outcome.order_number, "WO1000000001");
  EXPECT_TRUE(outcome.faults.empty());
  EXPECT_EQ(outcome.failure_class, FailureClass::kNone);
  ASSERT_EQ(work_order_.requests().size(), 1u);
  EXPECT_EQ(work_order_.requests()[0].telephone_number, "447874384949");
  EXPECT_EQ(work_order_.requests()[0].account_number, "123456789");
  EXPECT_EQ(work_order_.requests()[0].site_reference, 42);
  ASSERT_EQ(midas_.updates().size(), 1u);
  const MigrationStatusUpdate update = midas_.updates()[0];
  EXPECT_EQ(update.status, MigrationStatus::kWorkOrderCreated);
  EXPECT_EQ(update.order_number, "WO1000000001");
  EXPECT_EQ(update.account_number, "123456789");
  EXPECT_EQ(update.site_reference, 42);
  EXPECT_EQ(update.telephone_number, "447874384949");
  EXPECT_FALSE(update.reason.has_value());
}

// The correlation id reaches both backends.
TEST_F(MigrationFlowTest, PassesCorrelationIdToBothBackends) {
  work_order_.WillAnswer(WorkOrderCreated{"WO1"});
  midas_.WillAnswer(MidasAcknowledged{});
  (void)flow_.Run(testing::SampleRequestInput(), context_);
  EXPECT_EQ(work_order_.contexts().at(0).correlation_id, "corr-1");
  EXPECT_EQ(midas_.contexts().at(0).correlation_id, "corr-1");
}

// Invalid input calls no backend at all (the strict fakes would throw).
TEST_F(MigrationFlowTest, InvalidInputCallsNoBackend) {
  MigrationOutcome outcome = flow_.Run(MigrationRequestInput{}, context_);
  EXPECT_EQ(outcome.failure_class, FailureClass::kInvalidRequest);
  EXPECT_EQ(outcome.faults.size(), 3u);
  EXPECT_FALSE(outcome.order_number.has_value());
  EXPECT_TRUE(work_order_.requests().empty());
  EXPECT_TRUE(midas_.updates().empty());
}

// A business rejection is a BUSINESS fault with origin, and MIDAS hears it failed.
TEST_F(MigrationFlowTest, BusinessFaultIsReportedAndMidasToldItFailed) {
  work_order_.WillAnswer(ErrorOf(BackendErrorKind::kBusinessFault, "WO-2001", "Site reference not known"));
  midas_.WillAnswer(MidasAcknowledged{});
  MigrationOutcome outcome = flow_.Run(testing::SampleRequestInput(), context_);
  EXPECT_EQ(outcome.failure_class, FailureClass::kBusinessRejected);
  ASSERT_EQ(outcome.faults.size(), 1u);
  EXPECT_EQ(outcome.faults[0].type, FaultType::kBusiness);
  EXPECT_EQ(outcome.faults[0].detail, "The work-order system rejected the work order: Site reference not known");
  EXPECT_EQ(outcome.faults[0].origin, (FaultOrigin{"WorkOrderSystem", "WO-2001", "Site reference not known"}));
  const MigrationStatusUpdate update = midas_.updates().at(0);
  EXPECT_EQ(update.status, MigrationStatus::kWorkOrderFailed);
  EXPECT_FALSE(update.order_number.has_value());
  EXPECT_EQ(update.reason, outcome.faults[0].detail);
}

// A time-out leaves the outcome unknown: MIDAS must not be told it failed.
TEST_F(MigrationFlowTest, TimeoutTellsMidasTheOutcomeIsUnknown) {
  work_order_.WillAnswer(ErrorOf(BackendErrorKind::kTimeout));
  midas_.WillAnswer(MidasAcknowledged{});
  MigrationOutcome outcome = flow_.Run(testing::SampleRequestInput(), context_);
  EXPECT_EQ(outcome.failure_class, FailureClass::kBackendTimeout);
  EXPECT_EQ(outcome.faults.at(0).type, FaultType::kSystem);
  EXPECT_EQ(midas_.updates().at(0).status, MigrationStatus::kWorkOrderOutcomeUnknown);
  EXPECT_EQ(work_order_.requests().size(), 1u);  // never retried
}

// A connection reset or closed after the create was sent leaves the outcome unknown too (502, not 504).
TEST_F(MigrationFlowTest, ConnectionLostTellsMidasTheOutcomeIsUnknown) {
  for (BackendErrorKind kind : {BackendErrorKind::kConnectionReset, BackendErrorKind::kConnectionClosed}) {
    work_order_.WillAnswer(ErrorOf(kind));
    midas_.WillAnswer(MidasAcknowledged{});
    MigrationOutcome outcome = flow_.Run(testing::SampleRequestInput(), context_);
    EXPECT_EQ(outcome.failure_class, FailureClass::kBackendSystemFault);
    EXPECT_TRUE(outcome.work_order_outcome_unknown);
    EXPECT_EQ(midas_.updates().back().status, MigrationStatus::kWorkOrderOutcomeUnknown);
  }
  EXPECT_EQ(work_order_.requests().size(), 2u);  // one each, never retried
}

// A garbled answer also leaves the outcome unknown.
TEST_F(MigrationFlowTest, MalformedAnswerTellsMidasTheOutcomeIsUnknown) {
  work_order_.WillAnswer(ErrorOf(BackendErrorKind::kMalformedResponse));
  midas_.WillAnswer(MidasAcknowledged{});
  MigrationOutcome outcome = flow_.Run(testing::SampleRequestInput(), context_);
  EXPECT_EQ(outcome.failure_class, FailureClass::kBackendSystemFault);
  EXPECT_EQ(midas_.updates().at(0).status, MigrationStatus::kWorkOrderOutcomeUnknown);
}

// Nothing sent (connection refused) is a certain failure, reported as unavailable.
TEST_F(MigrationFlowTest, ConnectFailureIsACertainFailure) {
  work_order_.WillAnswer(ErrorOf(BackendErrorKind::kConnectFailed));
  midas_.WillAnswer(MidasAcknowledged{});
  MigrationOutcome outcome = flow_.Run(testing::SampleRequestInput(), context_);
  EXPECT_EQ(outcome.failure_class, FailureClass::kBackendUnavailable);
  EXPECT_EQ(midas_.updates().at(0).status, MigrationStatus::kWorkOrderFailed);
}

// Work order created but MIDAS failed: still success, with a fault entry saying so.
TEST_F(MigrationFlowTest, MidasFailureAfterCreateIsSuccessWithFault) {
  work_order_.WillAnswer(WorkOrderCreated{"WO77"});
  midas_.WillAnswer(ErrorOf(BackendErrorKind::kSystemFault, "MIDAS-5003", "Customer record locked"));
  MigrationOutcome outcome = flow_.Run(testing::SampleRequestInput(), context_);
  EXPECT_EQ(outcome.order_number, "WO77");
  EXPECT_EQ(outcome.failure_class, FailureClass::kNone);
  ASSERT_EQ(outcome.faults.size(), 1u);
  EXPECT_EQ(outcome.faults[0].type, FaultType::kSystem);
  EXPECT_EQ(outcome.faults[0].detail,
            "The work order was created, but the customer's migration status could not be updated in MIDAS yet: "
            "MIDAS failed with a system fault: Customer record locked. The update is pending: the adapter keeps it "
            "and will deliver it to MIDAS later");
  EXPECT_EQ(outcome.faults[0].origin, (FaultOrigin{"MIDAS", "MIDAS-5003", "Customer record locked"}));
}

// Both failing: both faults, the status follows the work order's failure.
TEST_F(MigrationFlowTest, BothFailingReportsBothFaults) {
  work_order_.WillAnswer(ErrorOf(BackendErrorKind::kSystemFault, "WO-5001", "Scheduling engine unavailable"));
  midas_.WillAnswer(ErrorOf(BackendErrorKind::kConnectFailed));
  MigrationOutcome outcome = flow_.Run(testing::SampleRequestInput(), context_);
  EXPECT_EQ(outcome.failure_class, FailureClass::kBackendSystemFault);
  ASSERT_EQ(outcome.faults.size(), 2u);
  EXPECT_EQ(outcome.faults[0].origin->system, "WorkOrderSystem");
  EXPECT_EQ(outcome.faults[1].detail.rfind("The customer's migration status could not be updated in MIDAS yet", 0), 0u);
}

// The reason sent to MIDAS respects the schema's 512-character limit.
TEST_F(MigrationFlowTest, TruncatesReasonToMidasLimit) {
  work_order_.WillAnswer(ErrorOf(BackendErrorKind::kBusinessFault, "WO-1", std::string(2000, 'x')));
  midas_.WillAnswer(MidasAcknowledged{});
  (void)flow_.Run(testing::SampleRequestInput(), context_);
  EXPECT_EQ(midas_.updates().at(0).reason->size(), 512u);
}

// The attempt is journalled before the work-order call, its outcome recorded
// before MIDAS is called, and the entry marked delivered after MIDAS's answer.
TEST_F(MigrationFlowTest, JournalsRecordsThenMarksDelivered) {
  work_order_.WillAnswer(WorkOrderCreated{"WO1"});
  midas_.WillAnswer(MidasAcknowledged{});
  MigrationOutcome outcome = flow_.Run(testing::SampleRequestInput(), context_);
  EXPECT_EQ(outcome.order_number, "WO1");
  EXPECT_EQ(outbox_.calls(), (std::vector<std::string>{"Journal", "RecordOutcome", "MarkDelivered"}));
  const OutboxEntry entry = outbox_.entries().at(0);
  EXPECT_EQ(entry.correlation_id, "corr-1");
  EXPECT_EQ(entry.work_order, WorkOrderState::kCreated);
  EXPECT_EQ(entry.delivery, DeliveryState::kDelivered);
  EXPECT_EQ(entry.update.order_number, "WO1");
  EXPECT_EQ(entry.update.status, MigrationStatus::kWorkOrderCreated);
  EXPECT_EQ(entry.update.telephone_number, "447874384949");
}

// Work-order system and MIDAS doubles that record what the outbox held when each was called.
class OrderingWorkOrder : public WorkOrderSystem {
 public:
  explicit OrderingWorkOrder(const FakeOutbox& outbox) : outbox_(outbox) {}
  BackendResult<WorkOrderCreated> CreateMigrationWorkOrder(const WorkOrderRequest&, const CallContext&) override {
    seen = outbox_.calls();
    return WorkOrderCreated{"WO9"};
  }
  std::vector<std::string> seen;

 private:
  const FakeOutbox& outbox_;
};
class OrderingMidas : public Midas {
 public:
  explicit OrderingMidas(const FakeOutbox& outbox) : outbox_(outbox) {}
  BackendResult<MidasAcknowledged> UpdateCustomerMigrationStatus(const MigrationStatusUpdate&,
                                                                 const CallContext&) override {
    seen = outbox_.calls();
    return MidasAcknowledged{};
  }
  std::vector<std::string> seen;

 private:
  const FakeOutbox& outbox_;
};

// The journal is written before the work order, the outcome before MIDAS.
TEST(MigrationFlowOrderTest, WritesBeforeEachCall) {
  FakeOutbox outbox;
  OrderingWorkOrder work_order(outbox);
  OrderingMidas midas(outbox);
  MigrationFlow flow(work_order, midas, outbox);
  (void)flow.Run(testing::SampleRequestInput(), CallContext{"c"});
  EXPECT_EQ(work_order.seen, (std::vector<std::string>{"Journal"}));
  EXPECT_EQ(midas.seen, (std::vector<std::string>{"Journal", "RecordOutcome"}));
}

// When the attempt cannot be journalled, no backend is called and the answer is 503-class.
TEST_F(MigrationFlowTest, JournalFailureCallsNoBackend) {
  outbox_.FailJournal();
  MigrationOutcome outcome = flow_.Run(testing::SampleRequestInput(), context_);
  EXPECT_EQ(outcome.failure_class, FailureClass::kStoreUnavailable);
  ASSERT_EQ(outcome.faults.size(), 1u);
  EXPECT_EQ(outcome.faults[0], StoreUnavailableFault());
  EXPECT_EQ(outcome.store_error, "disk full");
  EXPECT_TRUE(work_order_.requests().empty());
  EXPECT_TRUE(midas_.updates().empty());
}

// A MIDAS failure leaves the update pending for the relay, and the consumer is told so.
TEST_F(MigrationFlowTest, MidasFailureLeavesUpdatePending) {
  work_order_.WillAnswer(WorkOrderCreated{"WO5"});
  midas_.WillAnswer(ErrorOf(BackendErrorKind::kConnectFailed));
  MigrationOutcome outcome = flow_.Run(testing::SampleRequestInput(), context_);
  EXPECT_EQ(outcome.order_number, "WO5");
  EXPECT_EQ(outcome.midas_follow_up, MidasFollowUp::kPending);
  EXPECT_EQ(outbox_.calls(), (std::vector<std::string>{"Journal", "RecordOutcome", "MarkAttemptFailed"}));
  EXPECT_EQ(outbox_.entries().at(0).delivery, DeliveryState::kPending);
  ASSERT_EQ(outcome.faults.size(), 1u);
  EXPECT_NE(outcome.faults[0].detail.find("The update is pending"), std::string::npos);
}

// MIDAS rejecting the update for a business reason parks it for an operator at once.
TEST_F(MigrationFlowTest, MidasBusinessFaultParksUpdate) {
  work_order_.WillAnswer(WorkOrderCreated{"WO6"});
  midas_.WillAnswer(ErrorOf(BackendErrorKind::kBusinessFault, "MIDAS-2004", "Account not found"));
  MigrationOutcome outcome = flow_.Run(testing::SampleRequestInput(), context_);
  EXPECT_EQ(outcome.midas_follow_up, MidasFollowUp::kParked);
  EXPECT_EQ(outbox_.entries().at(0).delivery, DeliveryState::kDeadLettered);
  EXPECT_EQ(outcome.faults.at(0).detail,
            "The work order was created, but the customer's migration status could not be updated in MIDAS: "
            "MIDAS rejected the status update: Account not found. The update is parked for an operator");
}

// The flow claims the customer's delivery turn for its MIDAS call.
TEST_F(MigrationFlowTest, MidasCallIsMadeUnderTheCustomersClaim) {
  work_order_.WillAnswer(WorkOrderCreated{"WO1"});
  midas_.WillAnswer(MidasAcknowledged{});
  (void)flow_.Run(testing::SampleRequestInput(), context_);
  EXPECT_EQ(outbox_.claims(), 1);
  EXPECT_EQ(midas_.updates().size(), 1u);
}

// An update superseded before its turn (a newer request for the customer committed meanwhile) is not
// sent: no MIDAS call, no fault, the work order's answer as usual.
TEST_F(MigrationFlowTest, SupersededUpdateIsNotSent) {
  outbox_.StandAs(ClaimStanding::kSuperseded);
  work_order_.WillAnswer(WorkOrderCreated{"WO8"});
  midas_.WillAnswer(MidasAcknowledged{});
  MigrationOutcome outcome = flow_.Run(testing::SampleRequestInput(), context_);
  EXPECT_EQ(outcome.order_number, "WO8");
  EXPECT_TRUE(outcome.faults.empty());
  EXPECT_TRUE(outcome.midas_superseded);
  EXPECT_FALSE(outcome.midas_called);
  EXPECT_TRUE(midas_.updates().empty());
  EXPECT_EQ(outbox_.calls(), (std::vector<std::string>{"Journal", "RecordOutcome"}));
}

// When the claim cannot read the outbox, MIDAS is not called and the update is left pending, with a fault.
TEST_F(MigrationFlowTest, UnreadableClaimLeavesUpdatePending) {
  outbox_.StandAs(ClaimStanding::kStoreFailed);
  work_order_.WillAnswer(WorkOrderCreated{"WO9"});
  MigrationOutcome outcome = flow_.Run(testing::SampleRequestInput(), context_);
  EXPECT_EQ(outcome.order_number, "WO9");
  EXPECT_TRUE(midas_.updates().empty());
  EXPECT_EQ(outcome.midas_follow_up, MidasFollowUp::kPending);
  EXPECT_EQ(outbox_.calls(), (std::vector<std::string>{"Journal", "RecordOutcome", "MarkAttemptFailed"}));
  ASSERT_EQ(outcome.faults.size(), 1u);
  EXPECT_EQ(outcome.faults[0].detail,
            "The work order was created, but the customer's migration status could not be updated in MIDAS yet: "
            "MIDAS was not called: the adapter's database could not be read. The update is pending: the adapter "
            "keeps it and will deliver it to MIDAS later");
}

// If the outcome cannot be recorded, MIDAS is still called, but nothing is promised.
TEST_F(MigrationFlowTest, RecordFailureStillCallsMidasButPromisesNothing) {
  outbox_.FailRecordOutcome();
  work_order_.WillAnswer(WorkOrderCreated{"WO7"});
  midas_.WillAnswer(ErrorOf(BackendErrorKind::kTimeout));
  MigrationOutcome outcome = flow_.Run(testing::SampleRequestInput(), context_);
  EXPECT_EQ(outcome.order_number, "WO7");
  EXPECT_EQ(outcome.store_error, "disk full");
  EXPECT_EQ(midas_.updates().size(), 1u);
  EXPECT_EQ(outcome.midas_follow_up, MidasFollowUp::kNotKept);
  EXPECT_EQ(outcome.faults.at(0).detail,
            "The work order was created, but the customer's migration status could not be updated in MIDAS: "
            "MIDAS did not answer in time");
}

// A time-out on create is journalled as an unknown outcome, never as failed.
TEST_F(MigrationFlowTest, TimeoutIsJournalledAsUnknown) {
  work_order_.WillAnswer(ErrorOf(BackendErrorKind::kTimeout));
  midas_.WillAnswer(MidasAcknowledged{});
  (void)flow_.Run(testing::SampleRequestInput(), context_);
  const OutboxEntry entry = outbox_.entries().at(0);
  EXPECT_EQ(entry.work_order, WorkOrderState::kUnknown);
  EXPECT_EQ(entry.update.status, MigrationStatus::kWorkOrderOutcomeUnknown);
  EXPECT_FALSE(entry.update.order_number.has_value());
}

// The request's deadline passed during the work-order call: MIDAS is not called, the update is
// left pending for the relay, and the consumer is told so.
TEST_F(MigrationFlowTest, DeadlinePassedLeavesMidasToTheRelay) {
  work_order_.WillAnswer(WorkOrderCreated{"WO1000000001"});
  CallContext late{"corr-1", std::chrono::steady_clock::now() - std::chrono::milliseconds(1)};
  const MigrationOutcome outcome = flow_.Run(testing::SampleRequestInput(), late);
  EXPECT_EQ(outcome.order_number, "WO1000000001");
  ASSERT_EQ(outcome.faults.size(), 1u);
  EXPECT_EQ(outcome.faults[0], MidasDeadlineFault(true, MidasFollowUp::kPending));
  EXPECT_TRUE(outcome.midas_deadline_passed);
  EXPECT_FALSE(outcome.midas_called);
  EXPECT_TRUE(midas_.updates().empty());
  EXPECT_EQ(outbox_.calls(), (std::vector<std::string>{"Journal", "RecordOutcome", "MarkAttemptFailed"}));
}

// With time left, MIDAS is called as usual and gets the request's deadline.
TEST_F(MigrationFlowTest, DeadlineIsPassedToBothBackends) {
  work_order_.WillAnswer(WorkOrderCreated{"WO1"});
  midas_.WillAnswer(MidasAcknowledged{});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  (void)flow_.Run(testing::SampleRequestInput(), CallContext{"corr-1", deadline});
  ASSERT_EQ(work_order_.contexts().size(), 1u);
  ASSERT_EQ(midas_.contexts().size(), 1u);
  EXPECT_EQ(work_order_.contexts()[0].deadline, deadline);
  EXPECT_EQ(midas_.contexts()[0].deadline, deadline);
}

// ----- circuit breakers ---------------------------------------------------------

// The flow with a breaker on each backend (open after 2 unhealthy calls, for 30 s).
class MigrationFlowBreakerTest : public MigrationFlowTest {
 protected:
  CircuitBreaker work_order_breaker_{CircuitBreakerOptions{2, std::chrono::milliseconds(30000), 1}};
  CircuitBreaker midas_breaker_{CircuitBreakerOptions{2, std::chrono::milliseconds(30000), 1}};
  MigrationFlow guarded_{work_order_, midas_, outbox_, {&work_order_breaker_, &midas_breaker_}};

  static void OpenBreaker(CircuitBreaker& breaker) {
    for (int i = 0; i < breaker.options().failure_threshold; ++i) {
      breaker.Record(breaker.Admit(), CallHealth::kUnhealthy);
    }
    ASSERT_EQ(breaker.state(), BreakerState::kOpen);
  }
};

// Work-order breaker open: a fast 503 (SYSTEM) with Retry-After; nothing journalled, no backend called.
TEST_F(MigrationFlowBreakerTest, OpenWorkOrderBreakerRefusesWithoutAnyCall) {
  OpenBreaker(work_order_breaker_);
  const MigrationOutcome outcome = guarded_.Run(testing::SampleRequestInput(), context_);
  EXPECT_EQ(outcome.failure_class, FailureClass::kBackendUnavailable);
  ASSERT_EQ(outcome.faults.size(), 1u);
  EXPECT_EQ(outcome.faults[0], CircuitOpenFault(Backend::kWorkOrder));
  EXPECT_EQ(outcome.faults[0].type, FaultType::kSystem);
  ASSERT_TRUE(outcome.retry_after.has_value());
  EXPECT_GT(*outcome.retry_after, std::chrono::milliseconds(29000));
  EXPECT_TRUE(outcome.work_order_circuit_open);
  EXPECT_FALSE(outcome.work_order_called);
  EXPECT_FALSE(outcome.midas_called);
  EXPECT_TRUE(work_order_.requests().empty());
  EXPECT_TRUE(midas_.updates().empty());
  EXPECT_TRUE(outbox_.calls().empty());
}

// Consecutive time-outs of the work-order system open its breaker; the third request calls nothing.
TEST_F(MigrationFlowBreakerTest, WorkOrderTimeoutsOpenTheBreaker) {
  for (int i = 0; i < 2; ++i) {
    work_order_.WillAnswer(ErrorOf(BackendErrorKind::kTimeout));
    midas_.WillAnswer(MidasAcknowledged{});
    EXPECT_EQ(guarded_.Run(testing::SampleRequestInput(), context_).failure_class, FailureClass::kBackendTimeout);
  }
  EXPECT_EQ(guarded_.Run(testing::SampleRequestInput(), context_).failure_class, FailureClass::kBackendUnavailable);
  EXPECT_EQ(work_order_.requests().size(), 2u);
  EXPECT_EQ(midas_.updates().size(), 2u);
}

// Business faults are answers from a working system: they never open the breaker.
TEST_F(MigrationFlowBreakerTest, BusinessFaultsDoNotOpenTheBreaker) {
  for (int i = 0; i < 3; ++i) {
    work_order_.WillAnswer(ErrorOf(BackendErrorKind::kBusinessFault, "WO-2001", "Site unknown"));
    midas_.WillAnswer(MidasAcknowledged{});
    EXPECT_EQ(guarded_.Run(testing::SampleRequestInput(), context_).failure_class, FailureClass::kBusinessRejected);
  }
  EXPECT_EQ(work_order_breaker_.state(), BreakerState::kClosed);
  EXPECT_EQ(work_order_.requests().size(), 3u);
}

// MIDAS breaker open: success with the order number and a pending fault; MIDAS is not called,
// the update stays in the outbox for the relay.
TEST_F(MigrationFlowBreakerTest, OpenMidasBreakerLeavesTheUpdatePending) {
  OpenBreaker(midas_breaker_);
  work_order_.WillAnswer(WorkOrderCreated{"WO1000000001"});
  const MigrationOutcome outcome = guarded_.Run(testing::SampleRequestInput(), context_);
  EXPECT_EQ(outcome.order_number, "WO1000000001");
  EXPECT_EQ(outcome.failure_class, FailureClass::kNone);
  ASSERT_EQ(outcome.faults.size(), 1u);
  EXPECT_EQ(outcome.faults[0], MidasNotCalledFault(true, MidasFollowUp::kPending));
  EXPECT_NE(outcome.faults[0].detail.find("The update is pending"), std::string::npos);
  EXPECT_TRUE(outcome.midas_circuit_open);
  EXPECT_FALSE(outcome.midas_called);
  EXPECT_FALSE(outcome.retry_after.has_value());
  EXPECT_TRUE(midas_.updates().empty());
  EXPECT_EQ(outbox_.calls(), (std::vector<std::string>{"Journal", "RecordOutcome", "MarkAttemptFailed"}));
  ASSERT_EQ(outbox_.entries().size(), 1u);
  EXPECT_EQ(outbox_.entries()[0].delivery, DeliveryState::kPending);
}

// The outcome says which journal entry holds an unknown work-order outcome (for the operators' log line).
TEST_F(MigrationFlowTest, OutcomeNamesTheEntryWithAnUnknownOutcome) {
  work_order_.WillAnswer(ErrorOf(BackendErrorKind::kTimeout));
  midas_.WillAnswer(MidasAcknowledged{});
  const MigrationOutcome outcome = flow_.Run(testing::SampleRequestInput(), context_);
  EXPECT_TRUE(outcome.work_order_outcome_unknown);
  EXPECT_EQ(outcome.outbox_entry, outbox_.entries().at(0).id);
  EXPECT_EQ(work_order_.requests().size(), 1u);
  EXPECT_EQ(midas_.updates().size(), 1u);
}

// A certain failure (connection refused) is not an unknown outcome.
TEST_F(MigrationFlowTest, CertainFailureIsNotAnUnknownOutcome) {
  work_order_.WillAnswer(ErrorOf(BackendErrorKind::kConnectFailed));
  midas_.WillAnswer(MidasAcknowledged{});
  const MigrationOutcome outcome = flow_.Run(testing::SampleRequestInput(), context_);
  EXPECT_FALSE(outcome.work_order_outcome_unknown);
  EXPECT_TRUE(outcome.outbox_entry.has_value());
}

// The one validation: a valid input becomes the request the flow runs.
TEST(ValidatedOrRejectedTest, ValidInputBecomesARequest) {
  const auto validated = ValidatedOrRejected(testing::SampleRequestInput());
  ASSERT_TRUE(std::holds_alternative<MigrationRequest>(validated));
  EXPECT_EQ(std::get<MigrationRequest>(validated).site_reference, 42);
}

// Invalid input becomes a 400-class outcome with one fault per problem and no backend call recorded.
TEST(ValidatedOrRejectedTest, InvalidInputBecomesARejectedOutcome) {
  const auto validated = ValidatedOrRejected(MigrationRequestInput{});
  ASSERT_TRUE(std::holds_alternative<MigrationOutcome>(validated));
  const MigrationOutcome& rejected = std::get<MigrationOutcome>(validated);
  EXPECT_EQ(rejected.failure_class, FailureClass::kInvalidRequest);
  EXPECT_EQ(rejected.faults.size(), 3u);
  EXPECT_FALSE(rejected.work_order_called);
}

// Only the outcomes that did nothing and answer 503 invite a retry (their Idempotency-Key is released).
TEST(InvitesRetryTest, OnlyTheNothingDone503sInviteARetry) {
  for (const FailureClass retry :
       {FailureClass::kBackendUnavailable, FailureClass::kStoreUnavailable, FailureClass::kOverloaded}) {
    EXPECT_TRUE(InvitesRetry(RejectedOutcome(retry, {}))) << static_cast<int>(retry);
  }
  for (const FailureClass kept : {FailureClass::kNone, FailureClass::kInvalidRequest, FailureClass::kBusinessRejected,
                                  FailureClass::kBackendSystemFault, FailureClass::kBackendTimeout,
                                  FailureClass::kIdempotencyKeyReused, FailureClass::kInternal}) {
    EXPECT_FALSE(InvitesRetry(RejectedOutcome(kept, {}))) << static_cast<int>(kept);
  }
}

}  // namespace
}  // namespace voip
