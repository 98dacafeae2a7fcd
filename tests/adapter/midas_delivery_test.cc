#include "adapter/midas_delivery.h"

#include <gtest/gtest.h>

#include "adapter/fault.h"
#include "tests/support/fake_backends.h"
#include "tests/support/fake_outbox.h"

namespace voip {
namespace {

using std::chrono::milliseconds;
using testing::ErrorOf;
using testing::FakeMidas;
using testing::FakeOutbox;

MigrationStatusUpdate SampleUpdate() {
  MigrationStatusUpdate update;
  update.telephone_number = "447874384949";
  update.account_number = "123456789";
  update.site_reference = 42;
  update.status = MigrationStatus::kWorkOrderCreated;
  update.order_number = "WO1";
  return update;
}

// A breaker that opens after one unhealthy call, already opened.
std::unique_ptr<CircuitBreaker> OpenBreaker() {
  auto breaker = std::make_unique<CircuitBreaker>(CircuitBreakerOptions{1, std::chrono::seconds(30), 1});
  breaker->Record(breaker->Admit(), CallHealth::kUnhealthy);
  return breaker;
}

class MidasDeliveryTest : public ::testing::Test {
 protected:
  FakeMidas midas_;
  MidasDeliveryPolicy policy_{midas_, MidasDeliveryOptions{milliseconds(60'000), nullptr}};
  const CallContext context_{"corr-1"};
};

// An acknowledged update is delivered, and MIDAS received it with the caller's correlation id.
TEST_F(MidasDeliveryTest, AcknowledgedIsDelivered) {
  midas_.WillAnswer(MidasAcknowledged{});
  const MidasDelivery delivery = policy_.Deliver(SampleUpdate(), context_);
  EXPECT_EQ(delivery.verdict, MidasVerdict::kDelivered);
  EXPECT_TRUE(delivery.called());
  EXPECT_FALSE(delivery.error.has_value());
  ASSERT_EQ(midas_.updates().size(), 1u);
  EXPECT_EQ(midas_.updates()[0].order_number, "WO1");
  EXPECT_EQ(midas_.contexts()[0].correlation_id, "corr-1");
}

// A claim that finds the update superseded decides without a call: not sent, nothing to write.
TEST_F(MidasDeliveryTest, SupersededClaimIsNotSent) {
  midas_.WillAnswer(MidasAcknowledged{});
  const DeliveryClaim claim(ClaimStanding::kSuperseded, {});
  const MidasDelivery delivery = policy_.Deliver(claim, SampleUpdate(), context_);
  EXPECT_EQ(delivery.verdict, MidasVerdict::kNotSent);
  EXPECT_EQ(delivery.skipped, MidasSkip::kSuperseded);
  EXPECT_FALSE(delivery.called());
  EXPECT_TRUE(midas_.updates().empty());
}

// A claim that could not read the store keeps the update pending, without a call, naming the store's error.
TEST_F(MidasDeliveryTest, UnreadableClaimKeepsPendingWithoutCall) {
  const DeliveryClaim claim(ClaimStanding::kStoreFailed, {}, "cannot read: disk I/O error");
  const MidasDelivery delivery = policy_.Deliver(claim, SampleUpdate(), context_);
  EXPECT_EQ(delivery.verdict, MidasVerdict::kKeepPending);
  EXPECT_EQ(delivery.skipped, MidasSkip::kStoreFailed);
  EXPECT_EQ(delivery.reason, "not attempted: the outbox could not be read: cannot read: disk I/O error");
  EXPECT_TRUE(midas_.updates().empty());
}

// A claim on the newest update delivers it as without a claim.
TEST_F(MidasDeliveryTest, NewestClaimIsDelivered) {
  midas_.WillAnswer(MidasAcknowledged{});
  const DeliveryClaim claim(ClaimStanding::kNewest, {});
  EXPECT_EQ(policy_.Deliver(claim, SampleUpdate(), context_).verdict, MidasVerdict::kDelivered);
  ASSERT_EQ(midas_.updates().size(), 1u);
  EXPECT_EQ(midas_.updates()[0].order_number, "WO1");
}

// Not sending writes nothing to the outbox.
TEST_F(MidasDeliveryTest, NotSentWritesNothing) {
  FakeOutbox outbox;
  const OutboxEntryId id = std::get<OutboxEntryId>(outbox.Journal(SampleUpdate(), "corr-1"));
  const DeliveryClaim claim(ClaimStanding::kSuperseded, {});
  EXPECT_FALSE(ApplyToOutbox(outbox, id, policy_.Deliver(claim, SampleUpdate(), context_)));
  EXPECT_EQ(outbox.calls(), (std::vector<std::string>{"Journal"}));
}

// A business rejection is dead-lettered (retrying cannot help), with the translated detail as reason.
TEST_F(MidasDeliveryTest, BusinessFaultIsDeadLettered) {
  const BackendError rejected = ErrorOf(BackendErrorKind::kBusinessFault, "20001", "unknown account");
  midas_.WillAnswer(rejected);
  const MidasDelivery delivery = policy_.Deliver(SampleUpdate(), context_);
  EXPECT_EQ(delivery.verdict, MidasVerdict::kDeadLetter);
  EXPECT_EQ(delivery.skipped, MidasSkip::kNone);
  EXPECT_EQ(delivery.reason, TranslateBackendError(Backend::kMidas, rejected).fault.detail);
  ASSERT_TRUE(delivery.error.has_value());
  EXPECT_EQ(delivery.error->kind, BackendErrorKind::kBusinessFault);
  EXPECT_EQ(midas_.updates().size(), 1u);
}

// Any other failure (here a time-out) keeps the update pending for a later attempt.
TEST_F(MidasDeliveryTest, OtherFailureKeepsPending) {
  const BackendError timed_out = ErrorOf(BackendErrorKind::kTimeout);
  midas_.WillAnswer(timed_out);
  const MidasDelivery delivery = policy_.Deliver(SampleUpdate(), context_);
  EXPECT_EQ(delivery.verdict, MidasVerdict::kKeepPending);
  EXPECT_EQ(delivery.reason, TranslateBackendError(Backend::kMidas, timed_out).fault.detail);
  ASSERT_TRUE(delivery.error.has_value());
  EXPECT_EQ(delivery.error->kind, BackendErrorKind::kTimeout);
}

// An update older than the maximum age is dead-lettered without calling MIDAS, naming its last error.
TEST_F(MidasDeliveryTest, TooOldIsDeadLetteredWithoutCall) {
  const MidasDelivery delivery =
      policy_.Deliver(SampleUpdate(), context_, PendingHistory{milliseconds(60'001), "MIDAS timed out"});
  EXPECT_EQ(delivery.verdict, MidasVerdict::kDeadLetter);
  EXPECT_EQ(delivery.skipped, MidasSkip::kTooOld);
  EXPECT_EQ(delivery.reason, "not delivered within the maximum age; last error: MIDAS timed out");
  EXPECT_TRUE(midas_.updates().empty());
}

// Exactly the maximum age is not too old: it is still sent.
TEST_F(MidasDeliveryTest, AtMaximumAgeIsStillSent) {
  midas_.WillAnswer(MidasAcknowledged{});
  const MidasDelivery delivery = policy_.Deliver(SampleUpdate(), context_, PendingHistory{milliseconds(60'000), ""});
  EXPECT_EQ(delivery.verdict, MidasVerdict::kDelivered);
  EXPECT_EQ(midas_.updates().size(), 1u);
}

// Without a maximum age (the flow's policy) no age is too old.
TEST(MidasDeliveryNoMaxAgeTest, NoLimitWithoutMaximumAge) {
  FakeMidas midas;
  MidasDeliveryPolicy policy(midas, MidasDeliveryOptions{});
  midas.WillAnswer(MidasAcknowledged{});
  const MidasDelivery delivery =
      policy.Deliver(SampleUpdate(), CallContext{"c"}, PendingHistory{milliseconds(1'000'000'000), ""});
  EXPECT_EQ(delivery.verdict, MidasVerdict::kDelivered);
  EXPECT_EQ(midas.updates().size(), 1u);
}

// A passed request deadline keeps the update pending without calling MIDAS.
TEST_F(MidasDeliveryTest, PassedDeadlineKeepsPendingWithoutCall) {
  const CallContext late{"corr-1", std::chrono::steady_clock::now() - milliseconds(1)};
  const MidasDelivery delivery = policy_.Deliver(SampleUpdate(), late);
  EXPECT_EQ(delivery.verdict, MidasVerdict::kKeepPending);
  EXPECT_EQ(delivery.skipped, MidasSkip::kDeadlinePassed);
  EXPECT_EQ(delivery.reason, "not attempted: the request's deadline had passed");
  EXPECT_FALSE(delivery.called());
  EXPECT_TRUE(midas_.updates().empty());
}

// An open breaker keeps the update pending without calling MIDAS.
TEST(MidasDeliveryBreakerTest, OpenBreakerKeepsPendingWithoutCall) {
  FakeMidas midas;
  auto breaker = OpenBreaker();
  MidasDeliveryPolicy policy(midas, MidasDeliveryOptions{std::nullopt, breaker.get()});
  const MidasDelivery delivery = policy.Deliver(SampleUpdate(), CallContext{"c"});
  EXPECT_EQ(delivery.verdict, MidasVerdict::kKeepPending);
  EXPECT_EQ(delivery.skipped, MidasSkip::kCircuitOpen);
  EXPECT_EQ(delivery.reason, "not attempted: the MIDAS circuit breaker was open");
  EXPECT_TRUE(midas.updates().empty());
}

// Too old is decided before the breaker is asked: the update is dead-lettered even while it is open.
TEST(MidasDeliveryBreakerTest, TooOldWinsOverOpenBreaker) {
  FakeMidas midas;
  auto breaker = OpenBreaker();
  MidasDeliveryPolicy policy(midas, MidasDeliveryOptions{milliseconds(10), breaker.get()});
  const MidasDelivery delivery =
      policy.Deliver(SampleUpdate(), CallContext{"c"}, PendingHistory{milliseconds(11), "x"});
  EXPECT_EQ(delivery.skipped, MidasSkip::kTooOld);
  EXPECT_EQ(delivery.verdict, MidasVerdict::kDeadLetter);
  EXPECT_TRUE(midas.updates().empty());
}

// An unhealthy answer counts for the breaker: with a threshold of one it opens.
TEST(MidasDeliveryBreakerTest, UnhealthyCallOpensBreaker) {
  FakeMidas midas;
  CircuitBreaker breaker(CircuitBreakerOptions{1, std::chrono::seconds(30), 1});
  MidasDeliveryPolicy policy(midas, MidasDeliveryOptions{std::nullopt, &breaker});
  midas.WillAnswer(ErrorOf(BackendErrorKind::kConnectFailed));
  EXPECT_EQ(policy.Deliver(SampleUpdate(), CallContext{"c"}).verdict, MidasVerdict::kKeepPending);
  EXPECT_EQ(breaker.state(), BreakerState::kOpen);
}

// A business fault is a healthy answer: the breaker stays closed.
TEST(MidasDeliveryBreakerTest, BusinessFaultKeepsBreakerClosed) {
  FakeMidas midas;
  CircuitBreaker breaker(CircuitBreakerOptions{1, std::chrono::seconds(30), 1});
  MidasDeliveryPolicy policy(midas, MidasDeliveryOptions{std::nullopt, &breaker});
  midas.WillAnswer(ErrorOf(BackendErrorKind::kBusinessFault, "20001"));
  EXPECT_EQ(policy.Deliver(SampleUpdate(), CallContext{"c"}).verdict, MidasVerdict::kDeadLetter);
  EXPECT_EQ(breaker.state(), BreakerState::kClosed);
}

// Each verdict becomes one outbox write on the entry: delivered, attempt failed with the reason, dead-lettered.
TEST(ApplyToOutboxTest, EachVerdictIsOneWrite) {
  FakeOutbox outbox;
  const OutboxEntryId a = std::get<OutboxEntryId>(outbox.Journal(SampleUpdate(), "a"));
  const OutboxEntryId b = std::get<OutboxEntryId>(outbox.Journal(SampleUpdate(), "b"));
  const OutboxEntryId c = std::get<OutboxEntryId>(outbox.Journal(SampleUpdate(), "c"));
  MidasDelivery delivered;
  delivered.verdict = MidasVerdict::kDelivered;
  MidasDelivery pending;
  pending.verdict = MidasVerdict::kKeepPending;
  pending.reason = "timed out";
  MidasDelivery parked;
  parked.verdict = MidasVerdict::kDeadLetter;
  parked.reason = "rejected";
  EXPECT_FALSE(ApplyToOutbox(outbox, a, delivered));
  EXPECT_FALSE(ApplyToOutbox(outbox, b, pending));
  EXPECT_FALSE(ApplyToOutbox(outbox, c, parked));
  EXPECT_EQ(outbox.calls(), (std::vector<std::string>{"Journal", "Journal", "Journal", "MarkDelivered",
                                                      "MarkAttemptFailed", "DeadLetter"}));
  const std::vector<OutboxEntry> entries = outbox.entries();
  EXPECT_EQ(entries[0].delivery, DeliveryState::kDelivered);
  EXPECT_EQ(entries[1].attempts, 1);
  EXPECT_EQ(entries[1].last_error, "timed out");
  EXPECT_EQ(entries[2].delivery, DeliveryState::kDeadLettered);
  EXPECT_EQ(entries[2].last_error, "rejected");
}

// A dead-letter the store could not write is reported.
TEST(ApplyToOutboxTest, FailedDeadLetterIsReported) {
  FakeOutbox outbox;
  const OutboxEntryId id = std::get<OutboxEntryId>(outbox.Journal(SampleUpdate(), "a"));
  outbox.FailDeadLetter();
  MidasDelivery parked;
  parked.verdict = MidasVerdict::kDeadLetter;
  const StoreFailure failure = ApplyToOutbox(outbox, id, parked);
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->message, "disk full");
}

}  // namespace
}  // namespace voip
