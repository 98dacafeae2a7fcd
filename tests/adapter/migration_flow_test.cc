#include "adapter/migration_flow.h"

#include <gtest/gtest.h>

#include "tests/support/fake_backends.h"

namespace voip {
namespace {

using testing::ErrorOf;
using testing::FakeMidas;
using testing::FakeWorkOrderSystem;

MigrationRequestInput ValidInput() {
  MigrationRequestInput input;
  input.telephone_number = FieldInput::Text("447874384949");
  input.account_identification = {FieldInput::Kind::kObject, {}};
  input.account_number = FieldInput::Text("123456789");
  input.site_reference = FieldInput::Integer("42");
  return input;
}

class MigrationFlowTest : public ::testing::Test {
 protected:
  FakeWorkOrderSystem work_order_;
  FakeMidas midas_;
  MigrationFlow flow_{work_order_, midas_};
  CallContext context_{"corr-1"};
};

// Success: the order number comes back, and MIDAS is told the order was created.
TEST_F(MigrationFlowTest, CreatesWorkOrderThenUpdatesMidas) {
  work_order_.WillAnswer(WorkOrderCreated{"WO1000000001"});
  midas_.WillAnswer(MidasAcknowledged{"U1"});
  MigrationOutcome outcome = flow_.Run(ValidInput(), context_);
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
  flow_.Run(ValidInput(), context_);
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
  MigrationOutcome outcome = flow_.Run(ValidInput(), context_);
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
  MigrationOutcome outcome = flow_.Run(ValidInput(), context_);
  EXPECT_EQ(outcome.failure_class, FailureClass::kBackendTimeout);
  EXPECT_EQ(outcome.faults.at(0).type, FaultType::kSystem);
  EXPECT_EQ(midas_.updates().at(0).status, MigrationStatus::kWorkOrderOutcomeUnknown);
  EXPECT_EQ(work_order_.requests().size(), 1u);  // never retried
}

// A garbled answer also leaves the outcome unknown.
TEST_F(MigrationFlowTest, MalformedAnswerTellsMidasTheOutcomeIsUnknown) {
  work_order_.WillAnswer(ErrorOf(BackendErrorKind::kMalformedResponse));
  midas_.WillAnswer(MidasAcknowledged{});
  MigrationOutcome outcome = flow_.Run(ValidInput(), context_);
  EXPECT_EQ(outcome.failure_class, FailureClass::kBackendSystemFault);
  EXPECT_EQ(midas_.updates().at(0).status, MigrationStatus::kWorkOrderOutcomeUnknown);
}

// Nothing sent (connection refused) is a certain failure, reported as unavailable.
TEST_F(MigrationFlowTest, ConnectFailureIsACertainFailure) {
  work_order_.WillAnswer(ErrorOf(BackendErrorKind::kConnectFailed));
  midas_.WillAnswer(MidasAcknowledged{});
  MigrationOutcome outcome = flow_.Run(ValidInput(), context_);
  EXPECT_EQ(outcome.failure_class, FailureClass::kBackendUnavailable);
  EXPECT_EQ(midas_.updates().at(0).status, MigrationStatus::kWorkOrderFailed);
}

// Work order created but MIDAS failed: still success, with a fault entry saying so.
TEST_F(MigrationFlowTest, MidasFailureAfterCreateIsSuccessWithFault) {
  work_order_.WillAnswer(WorkOrderCreated{"WO77"});
  midas_.WillAnswer(ErrorOf(BackendErrorKind::kSystemFault, "MIDAS-5003", "Customer record locked"));
  MigrationOutcome outcome = flow_.Run(ValidInput(), context_);
  EXPECT_EQ(outcome.order_number, "WO77");
  EXPECT_EQ(outcome.failure_class, FailureClass::kNone);
  ASSERT_EQ(outcome.faults.size(), 1u);
  EXPECT_EQ(outcome.faults[0].type, FaultType::kSystem);
  EXPECT_EQ(outcome.faults[0].detail,
            "The work order was created, but the customer's migration status could not be updated in MIDAS: "
            "MIDAS failed with a system fault: Customer record locked");
  EXPECT_EQ(outcome.faults[0].origin, (FaultOrigin{"MIDAS", "MIDAS-5003", "Customer record locked"}));
}

// Both failing: both faults, the status follows the work order's failure.
TEST_F(MigrationFlowTest, BothFailingReportsBothFaults) {
  work_order_.WillAnswer(ErrorOf(BackendErrorKind::kSystemFault, "WO-5001", "Scheduling engine unavailable"));
  midas_.WillAnswer(ErrorOf(BackendErrorKind::kConnectFailed));
  MigrationOutcome outcome = flow_.Run(ValidInput(), context_);
  EXPECT_EQ(outcome.failure_class, FailureClass::kBackendSystemFault);
  ASSERT_EQ(outcome.faults.size(), 2u);
  EXPECT_EQ(outcome.faults[0].origin->system, "WorkOrderSystem");
  EXPECT_EQ(outcome.faults[1].detail.rfind("The customer's migration status could not be updated in MIDAS", 0), 0u);
}

// The reason sent to MIDAS respects the schema's 512-character limit.
TEST_F(MigrationFlowTest, TruncatesReasonToMidasLimit) {
  work_order_.WillAnswer(ErrorOf(BackendErrorKind::kBusinessFault, "WO-1", std::string(2000, 'x')));
  midas_.WillAnswer(MidasAcknowledged{});
  flow_.Run(ValidInput(), context_);
  EXPECT_EQ(midas_.updates().at(0).reason->size(), 512u);
}

}  // namespace
}  // namespace voip
