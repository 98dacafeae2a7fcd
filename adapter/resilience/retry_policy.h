// Capped exponential backoff with full jitter (AWS Builders' Library): the
// delay before retry n (n = 1 after the first failure) is uniform in
// [0, min(cap, base * 2^(n-1))].
#pragma once

#include <chrono>
#include <mutex>
#include <random>

namespace voip {

struct RetryPolicyOptions {
  std::chrono::milliseconds base{500};
  std::chrono::milliseconds cap{60000};
};

class RetryPolicy {
 public:
  // `seed` makes the jitter reproducible in tests.
  explicit RetryPolicy(RetryPolicyOptions options, std::uint64_t seed = std::random_device{}())
      : options_(options), random_(seed) {}

  // The upper bound of the delay after `failures` failed attempts (>= 1).
  std::chrono::milliseconds Ceiling(int failures) const;
  // A delay drawn uniformly from [0, Ceiling(failures)]. Thread-safe.
  std::chrono::milliseconds Delay(int failures);

  const RetryPolicyOptions& options() const { return options_; }

 private:
  const RetryPolicyOptions options_;
  std::mutex mutex_;
  std::mt19937_64 random_;
};

}  // namespace voip
