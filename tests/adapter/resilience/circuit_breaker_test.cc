#include "adapter/resilience/circuit_breaker.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "adapter/backend_health.h"
#include "tests/support/fake_backends.h"

namespace voip {
namespace {

using std::chrono::milliseconds;
using testing::ErrorOf;

// A breaker on a hand-moved clock that records its transitions.
class CircuitBreakerTest : public ::testing::Test {
 protected:
  CircuitBreaker& Make(int failures = 3, int open_ms = 10000, int probes = 1) {
    breaker_ = std::make_unique<CircuitBreaker>(
        CircuitBreakerOptions{failures, milliseconds(open_ms), probes},
        [this](BreakerState from, BreakerState to) {
          transitions_.push_back(std::string(BreakerStateName(from)) + ">" + BreakerStateName(to));
        },
        [this] { return now_; });
    return *breaker_;
  }

  // Admits one call and records its result; returns whether it was allowed.
  bool Call(CallHealth health) {
    const CircuitBreaker::Permit permit = breaker_->Admit();
    breaker_->Record(permit, health);
    return permit.allowed;
  }

  void Open() {
    for (int i = 0; i < breaker_->options().failure_threshold; ++i) ASSERT_TRUE(Call(CallHealth::kUnhealthy));
    ASSERT_EQ(breaker_->state(), BreakerState::kOpen);
  }

  std::chrono::steady_clock::time_point now_{std::chrono::seconds(1000)};
  std::vector<std::string> transitions_;
  std::unique_ptr<CircuitBreaker> breaker_;
};

// N consecutive unhealthy calls open it; the next call is refused with the open time as Retry-After.
TEST_F(CircuitBreakerTest, OpensAfterConsecutiveFailures) {
  CircuitBreaker& breaker = Make(3, 10000);
  EXPECT_TRUE(Call(CallHealth::kUnhealthy));
  EXPECT_TRUE(Call(CallHealth::kUnhealthy));
  EXPECT_EQ(breaker.state(), BreakerState::kClosed);
  EXPECT_TRUE(Call(CallHealth::kUnhealthy));
  EXPECT_EQ(breaker.state(), BreakerState::kOpen);
  const CircuitBreaker::Permit refused = breaker.Admit();
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, milliseconds(10000));
  EXPECT_EQ(transitions_, (std::vector<std::string>{"closed>open"}));
  EXPECT_EQ(breaker.transitions_to(BreakerState::kOpen), 1u);
}

// A healthy answer (a result or a SOAP fault) in between starts the count again.
TEST_F(CircuitBreakerTest, HealthyCallResetsTheCount) {
  CircuitBreaker& breaker = Make(3);
  Call(CallHealth::kUnhealthy);
  Call(CallHealth::kUnhealthy);
  Call(CallHealth::kHealthy);
  Call(CallHealth::kUnhealthy);
  Call(CallHealth::kUnhealthy);
  EXPECT_EQ(breaker.state(), BreakerState::kClosed);
  EXPECT_TRUE(transitions_.empty());
}

// Errors inside the adapter say nothing about the backend: they neither count nor reset.
TEST_F(CircuitBreakerTest, NeutralResultsDoNotCount) {
  CircuitBreaker& breaker = Make(2);
  Call(CallHealth::kUnhealthy);
  Call(CallHealth::kNeutral);
  Call(CallHealth::kNeutral);
  EXPECT_EQ(breaker.state(), BreakerState::kClosed);
  Call(CallHealth::kUnhealthy);
  EXPECT_EQ(breaker.state(), BreakerState::kOpen);
}

// A threshold of 0 turns the breaker off.
TEST_F(CircuitBreakerTest, ThresholdZeroNeverOpens) {
  CircuitBreaker& breaker = Make(0);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(Call(CallHealth::kUnhealthy));
  EXPECT_EQ(breaker.state(), BreakerState::kClosed);
}

// Retry-After counts down with the open time and is rounded up to whole seconds.
TEST_F(CircuitBreakerTest, RetryAfterIsWhatRemainsOfTheOpenTime) {
  CircuitBreaker& breaker = Make(1, 10000);
  Open();
  now_ += milliseconds(7500);
  const CircuitBreaker::Permit refused = breaker.Admit();
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, milliseconds(2500));
  EXPECT_EQ(RetryAfterSeconds(refused.retry_after), 3);
  EXPECT_EQ(RetryAfterSeconds(milliseconds(1)), 1);
  EXPECT_EQ(RetryAfterSeconds(milliseconds(0)), 1);
  EXPECT_EQ(RetryAfterSeconds(milliseconds(2000)), 2);
}

// After the open time it is half-open: a bounded number of probes go through at a time.
TEST_F(CircuitBreakerTest, HalfOpenLetsABoundedNumberOfProbesThrough) {
  CircuitBreaker& breaker = Make(1, 10000, 2);
  Open();
  now_ += milliseconds(10000);
  EXPECT_EQ(breaker.state(), BreakerState::kHalfOpen);
  const CircuitBreaker::Permit first = breaker.Admit();
  const CircuitBreaker::Permit second = breaker.Admit();
  const CircuitBreaker::Permit third = breaker.Admit();
  EXPECT_TRUE(first.allowed);
  EXPECT_TRUE(second.allowed);
  EXPECT_FALSE(third.allowed);
  EXPECT_EQ(RetryAfterSeconds(third.retry_after), 1);
  EXPECT_EQ(transitions_, (std::vector<std::string>{"closed>open", "open>half_open"}));
}

// A healthy probe closes it, and calls flow again.
TEST_F(CircuitBreakerTest, HealthyProbeCloses) {
  CircuitBreaker& breaker = Make(1, 10000);
  Open();
  now_ += milliseconds(10001);
  EXPECT_TRUE(Call(CallHealth::kHealthy));
  EXPECT_EQ(breaker.state(), BreakerState::kClosed);
  EXPECT_TRUE(Call(CallHealth::kHealthy));
  EXPECT_EQ(transitions_, (std::vector<std::string>{"closed>open", "open>half_open", "half_open>closed"}));
  EXPECT_EQ(breaker.transitions_to(BreakerState::kClosed), 1u);
}

// An unhealthy probe opens it again for a whole open time.
TEST_F(CircuitBreakerTest, UnhealthyProbeReopens) {
  CircuitBreaker& breaker = Make(1, 10000);
  Open();
  now_ += milliseconds(10000);
  EXPECT_TRUE(Call(CallHealth::kUnhealthy));
  EXPECT_EQ(breaker.state(), BreakerState::kOpen);
  const CircuitBreaker::Permit refused = breaker.Admit();
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, milliseconds(10000));
  EXPECT_EQ(breaker.transitions_to(BreakerState::kOpen), 2u);
}

// A probe that ended with an adapter-side error frees its slot for another probe.
TEST_F(CircuitBreakerTest, NeutralProbeLetsAnotherProbeTry) {
  CircuitBreaker& breaker = Make(1, 10000, 1);
  Open();
  now_ += milliseconds(10000);
  EXPECT_TRUE(Call(CallHealth::kNeutral));
  EXPECT_EQ(breaker.state(), BreakerState::kHalfOpen);
  EXPECT_TRUE(breaker.Admit().allowed);
}

// Calls admitted before it opened neither extend the open time nor close it.
TEST_F(CircuitBreakerTest, ResultsOfCallsAdmittedBeforeATransitionAreIgnored) {
  CircuitBreaker& breaker = Make(2, 10000);
  const CircuitBreaker::Permit early_failure = breaker.Admit();
  const CircuitBreaker::Permit early_success = breaker.Admit();
  Call(CallHealth::kUnhealthy);
  Call(CallHealth::kUnhealthy);
  ASSERT_EQ(breaker.state(), BreakerState::kOpen);
  now_ += milliseconds(10000);
  ASSERT_EQ(breaker.state(), BreakerState::kHalfOpen);
  breaker.Record(early_success, CallHealth::kHealthy);
  breaker.Record(early_failure, CallHealth::kUnhealthy);
  EXPECT_EQ(breaker.state(), BreakerState::kHalfOpen);
  EXPECT_EQ(breaker.transitions_to(BreakerState::kOpen), 1u);
}

// Which backend failures mean "unhealthy": transport and protocol failures, never SOAP faults.
TEST(CallHealthTest, OnlyTransportAndProtocolFailuresAreUnhealthy) {
  EXPECT_EQ(HealthOf(ErrorOf(BackendErrorKind::kConnectFailed)), CallHealth::kUnhealthy);
  EXPECT_EQ(HealthOf(ErrorOf(BackendErrorKind::kTimeout)), CallHealth::kUnhealthy);
  EXPECT_EQ(HealthOf(ErrorOf(BackendErrorKind::kConnectionReset)), CallHealth::kUnhealthy);
  EXPECT_EQ(HealthOf(ErrorOf(BackendErrorKind::kConnectionClosed)), CallHealth::kUnhealthy);
  EXPECT_EQ(HealthOf(ErrorOf(BackendErrorKind::kHttpError)), CallHealth::kUnhealthy);
  EXPECT_EQ(HealthOf(ErrorOf(BackendErrorKind::kMalformedResponse)), CallHealth::kUnhealthy);
  EXPECT_EQ(HealthOf(ErrorOf(BackendErrorKind::kBusinessFault)), CallHealth::kHealthy);
  EXPECT_EQ(HealthOf(ErrorOf(BackendErrorKind::kSystemFault)), CallHealth::kHealthy);
  EXPECT_EQ(HealthOf(ErrorOf(BackendErrorKind::kUntypedFault)), CallHealth::kHealthy);
  EXPECT_EQ(HealthOf(ErrorOf(BackendErrorKind::kInternal)), CallHealth::kNeutral);
}

// A time-out or connect failure the request's deadline cut short says nothing about the backend.
TEST(CallHealthTest, CallsCutShortByTheRequestDeadlineAreNeutral) {
  for (BackendErrorKind kind : {BackendErrorKind::kTimeout, BackendErrorKind::kConnectFailed}) {
    BackendError error = ErrorOf(kind);
    error.cut_by_request_deadline = true;
    EXPECT_EQ(HealthOf(error), CallHealth::kNeutral) << BackendErrorKindName(kind);
  }
}

}  // namespace
}  // namespace voip
