#include "adapter/fault.h"

#include <gtest/gtest.h>

#include "tests/support/fake_backends.h"

namespace voip {
namespace {

using testing::ErrorOf;

// The published fields follow from the type exactly as catalogued.
TEST(FaultTest, PublishedFieldsMatchTheCatalogue) {
  const Fault business = BusinessFault("x");
  EXPECT_STREQ(business.TypeName(), "BUSINESS");
  EXPECT_STREQ(business.Code(), "10685");
  EXPECT_STREQ(business.Description(), "Business Exception");
  EXPECT_STREQ(business.Severity(), "ERROR");
  const Fault system = SystemFault("x");
  EXPECT_STREQ(system.TypeName(), "SYSTEM");
  EXPECT_STREQ(system.Code(), "10686");
  EXPECT_STREQ(system.Description(), "System Exception");
  EXPECT_STREQ(system.Severity(), "CRITICAL");
  EXPECT_STREQ(Fault::kSourceSystem, "Middleware");
}

struct Case {
  BackendErrorKind kind;
  FaultType type;
  FailureClass failure_class;
  bool has_origin;
};

class TranslateTest : public ::testing::TestWithParam<Case> {};

// Every kind of backend failure maps to one fault type and one failure class.
TEST_P(TranslateTest, MapsKindToTypeClassAndOrigin) {
  const Case c = GetParam();
  const TranslatedFailure t = TranslateBackendError(Backend::kWorkOrder, ErrorOf(c.kind, "C1", "M1", 503));
  EXPECT_EQ(t.fault.type, c.type);
  EXPECT_EQ(t.failure_class, c.failure_class);
  EXPECT_EQ(t.fault.origin.has_value(), c.has_origin);
  EXPECT_FALSE(t.fault.detail.empty());
}

INSTANTIATE_TEST_SUITE_P(
    AllKinds, TranslateTest,
    ::testing::Values(
        Case{BackendErrorKind::kBusinessFault, FaultType::kBusiness, FailureClass::kBusinessRejected, true},
        Case{BackendErrorKind::kSystemFault, FaultType::kSystem, FailureClass::kBackendSystemFault, true},
        Case{BackendErrorKind::kUntypedFault, FaultType::kSystem, FailureClass::kBackendSystemFault, true},
        Case{BackendErrorKind::kConnectFailed, FaultType::kSystem, FailureClass::kBackendUnavailable, false},
        Case{BackendErrorKind::kTimeout, FaultType::kSystem, FailureClass::kBackendTimeout, false},
        Case{BackendErrorKind::kConnectionReset, FaultType::kSystem, FailureClass::kBackendSystemFault, false},
        Case{BackendErrorKind::kConnectionClosed, FaultType::kSystem, FailureClass::kBackendSystemFault, false},
        Case{BackendErrorKind::kHttpError, FaultType::kSystem, FailureClass::kBackendSystemFault, false},
        Case{BackendErrorKind::kMalformedResponse, FaultType::kSystem, FailureClass::kBackendSystemFault, false},
        Case{BackendErrorKind::kInternal, FaultType::kSystem, FailureClass::kInternal, false}));

// A work-order time-out tells the consumer the outcome is unknown.
TEST(TranslateBackendErrorTest, WorkOrderTimeoutSaysOutcomeUnknown) {
  const TranslatedFailure t = TranslateBackendError(Backend::kWorkOrder, ErrorOf(BackendErrorKind::kTimeout));
  EXPECT_EQ(t.fault.detail,
            "The work-order system did not answer in time; whether the work order was created is unknown, check "
            "before retrying");
}

// A reset after the create was sent is not a time-out: the words say what happened, and that the
// outcome is unknown.
TEST(TranslateBackendErrorTest, WorkOrderResetSaysResetAndOutcomeUnknown) {
  const TranslatedFailure t = TranslateBackendError(Backend::kWorkOrder, ErrorOf(BackendErrorKind::kConnectionReset));
  EXPECT_EQ(t.fault.detail,
            "The work-order system reset the connection after the request was sent, before a complete answer; "
            "whether the work order was created is unknown, check before retrying");
}

// A close without an answer after the create was sent: the words say so, and that the outcome is unknown.
TEST(TranslateBackendErrorTest, WorkOrderCloseSaysClosedAndOutcomeUnknown) {
  const TranslatedFailure t = TranslateBackendError(Backend::kWorkOrder, ErrorOf(BackendErrorKind::kConnectionClosed));
  EXPECT_EQ(t.fault.detail,
            "The work-order system closed the connection after the request was sent, without answering; whether "
            "the work order was created is unknown, check before retrying");
}

// A refused work-order connection makes the request safe to retry, and says so.
TEST(TranslateBackendErrorTest, WorkOrderConnectFailureSaysRetryIsSafe) {
  const TranslatedFailure t = TranslateBackendError(Backend::kWorkOrder, ErrorOf(BackendErrorKind::kConnectFailed));
  EXPECT_EQ(t.fault.detail,
            "The work-order system could not be reached; nothing was sent to it, so the request can be retried");
}

// MIDAS is called after the work order: its refusal never invites a retry of the
// request, which would create a second work order.
TEST(TranslateBackendErrorTest, MidasConnectFailureDoesNotInviteARetry) {
  const Fault fault = MidasUpdateFault(ErrorOf(BackendErrorKind::kConnectFailed), true, MidasFollowUp::kPending);
  EXPECT_EQ(fault.detail,
            "The work order was created, but the customer's migration status could not be updated in MIDAS yet: "
            "MIDAS could not be reached; nothing was sent to it. The update is pending: the adapter keeps it and "
            "will deliver it to MIDAS later");
}

// An HTTP error page names its status, never the backend's URL.
TEST(TranslateBackendErrorTest, HttpErrorNamesStatus) {
  BackendError error = ErrorOf(BackendErrorKind::kHttpError, "", "", 503);
  error.diagnostic = "http://10.1.2.3/internal";
  const TranslatedFailure t = TranslateBackendError(Backend::kMidas, error);
  EXPECT_EQ(t.fault.detail, "MIDAS answered with HTTP status 503 instead of a SOAP response");
}

// An untyped fault keeps whatever code and message could be read from it.
TEST(TranslateBackendErrorTest, UntypedFaultKeepsOrigin) {
  const TranslatedFailure t =
      TranslateBackendError(Backend::kWorkOrder, ErrorOf(BackendErrorKind::kUntypedFault, "X-9", "Boom"));
  EXPECT_EQ(t.fault.origin, (FaultOrigin{"WorkOrderSystem", "X-9", "Boom"}));
  EXPECT_EQ(t.fault.detail, "The work-order system answered with an undeclared fault: Boom");
}

}  // namespace
}  // namespace voip
