#include "http/status.h"

#include <gtest/gtest.h>

namespace voip {
namespace {

// Every failure class has the status the architecture note lists.
TEST(HttpStatusForTest, FollowsTheArchitectureNote) {
  EXPECT_EQ(HttpStatusFor(FailureClass::kNone), 200);
  EXPECT_EQ(HttpStatusFor(FailureClass::kInvalidRequest), 400);
  EXPECT_EQ(HttpStatusFor(FailureClass::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusFor(FailureClass::kBodyTooLarge), 413);
  EXPECT_EQ(HttpStatusFor(FailureClass::kUnsupportedMedia), 415);
  EXPECT_EQ(HttpStatusFor(FailureClass::kBusinessRejected), 422);
  EXPECT_EQ(HttpStatusFor(FailureClass::kBackendSystemFault), 502);
  EXPECT_EQ(HttpStatusFor(FailureClass::kBackendUnavailable), 503);
  EXPECT_EQ(HttpStatusFor(FailureClass::kOverloaded), 503);
  EXPECT_EQ(HttpStatusFor(FailureClass::kBackendTimeout), 504);
  EXPECT_EQ(HttpStatusFor(FailureClass::kInternal), 500);
}

constexpr FailureClass kEveryClass[] = {FailureClass::kNone,
                                        FailureClass::kInvalidRequest,
                                        FailureClass::kUnauthenticated,
                                        FailureClass::kBodyTooLarge,
                                        FailureClass::kUnsupportedMedia,
                                        FailureClass::kBusinessRejected,
                                        FailureClass::kBackendSystemFault,
                                        FailureClass::kBackendUnavailable,
                                        FailureClass::kOverloaded,
                                        FailureClass::kStoreUnavailable,
                                        FailureClass::kIdempotencyKeyReused,
                                        FailureClass::kIdempotencyKeyInFlight,
                                        FailureClass::kBackendTimeout,
                                        FailureClass::kInternal};

// The idempotency refusals: a key reused for another request is 422, one still in flight 409.
TEST(HttpStatusForTest, IdempotencyRefusals) {
  EXPECT_EQ(HttpStatusFor(FailureClass::kIdempotencyKeyReused), 422);
  EXPECT_EQ(HttpStatusFor(FailureClass::kIdempotencyKeyInFlight), 409);
  EXPECT_EQ(HttpStatusFor(FailureClass::kStoreUnavailable), 503);
}

// A SOAP response (the core ran) is 200 whatever the outcome (WS-I BP R1111).
TEST(HttpStatusForTest, SoapResponseIsAlways200) {
  for (const FailureClass failure_class : kEveryClass) {
    EXPECT_EQ(HttpStatusFor(failure_class, AnswerForm::kSoapResponse), 200) << static_cast<int>(failure_class);
  }
}

// A SOAP Fault refusing the HTTP request has the JSON face's status for the same outcome (401, 413, 503...).
TEST(HttpStatusForTest, SoapRefusalHasTheJsonStatus) {
  for (const FailureClass failure_class : kEveryClass) {
    EXPECT_EQ(HttpStatusFor(failure_class, AnswerForm::kSoapRefusal), HttpStatusFor(failure_class, AnswerForm::kJson))
        << static_cast<int>(failure_class);
  }
  EXPECT_EQ(HttpStatusFor(FailureClass::kUnauthenticated, AnswerForm::kSoapRefusal), 401);
  EXPECT_EQ(HttpStatusFor(FailureClass::kBodyTooLarge, AnswerForm::kSoapRefusal), 413);
}

}  // namespace
}  // namespace voip
