#include "adapter/resilience/retry_policy.h"

#include <gtest/gtest.h>

namespace voip {
namespace {

using std::chrono::milliseconds;

// The ceiling doubles per failure from the base and stops at the cap.
TEST(RetryPolicyTest, CeilingDoublesUpToTheCap) {
  RetryPolicy policy({milliseconds(100), milliseconds(1000)}, 1);
  EXPECT_EQ(policy.Ceiling(1), milliseconds(100));
  EXPECT_EQ(policy.Ceiling(2), milliseconds(200));
  EXPECT_EQ(policy.Ceiling(4), milliseconds(800));
  EXPECT_EQ(policy.Ceiling(5), milliseconds(1000));
  EXPECT_EQ(policy.Ceiling(1000), milliseconds(1000));
}

// Full jitter: every delay lies in [0, ceiling], and they spread over that range.
TEST(RetryPolicyTest, DelaysAreFullJitterWithinTheCeiling) {
  RetryPolicy policy({milliseconds(100), milliseconds(1000)}, 42);
  milliseconds lowest{100000}, highest{0};
  for (int i = 0; i < 1000; ++i) {
    const milliseconds delay = policy.Delay(3);
    ASSERT_GE(delay.count(), 0);
    ASSERT_LE(delay, milliseconds(400));
    lowest = std::min(lowest, delay);
    highest = std::max(highest, delay);
  }
  EXPECT_LT(lowest, milliseconds(40));
  EXPECT_GT(highest, milliseconds(360));
}

}  // namespace
}  // namespace voip
