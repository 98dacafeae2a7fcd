#include "adapter/resilience/retry_policy.h"

#include <algorithm>

namespace voip {

std::chrono::milliseconds RetryPolicy::Ceiling(int failures) const {
  const long long base = std::max<long long>(options_.base.count(), 0);
  const long long cap = std::max<long long>(options_.cap.count(), 0);
  long long ceiling = base;
  for (int i = 1; i < failures && ceiling < cap; ++i) ceiling *= 2;  // no overflow: stops at the cap
  return std::chrono::milliseconds(std::min(ceiling, cap));
}

std::chrono::milliseconds RetryPolicy::Delay(int failures) {
  const long long ceiling = Ceiling(failures).count();
  std::lock_guard<std::mutex> lock(mutex_);
  return std::chrono::milliseconds(std::uniform_int_distribution<long long>(0, ceiling)(random_));
}

}  // namespace voip
