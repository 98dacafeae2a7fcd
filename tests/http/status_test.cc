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

}  // namespace
}  // namespace voip
