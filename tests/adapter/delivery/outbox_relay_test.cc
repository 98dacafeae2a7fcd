#include "adapter/delivery/outbox_relay.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <sstream>

#include "adapter/store/sqlite_outbox.h"
#include "tests/support/fake_backends.h"
#include "tests/support/results.h"
#include "tests/support/temp_dir.h"

namespace voip {
namespace {

using testing::ErrorOf;
using testing::FakeMidas;

constexpr std::int64_t kStart = 10'000'000;
constexpr std::int64_t kMaxAgeMs = 60'000;

// The relay over a real SQLite outbox in a temporary directory, a fake MIDAS and a fake clock.
class OutboxRelayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = voip::testing::ResultValue(store::SqliteDatabase::Open(dir_.File("adapter.db"), store::SyncMode::kNormal));
    ASSERT_TRUE(db_);
    store::SqliteOutboxOptions options;
    options.retry = {std::chrono::milliseconds(1000), std::chrono::milliseconds(4000)};
    options.now_ms = [this] { return now_ms_.load(); };
    options.seed = 3;
    outbox_ = voip::testing::ResultValue(store::SqliteOutbox::Open(*db_, options));
    ASSERT_TRUE(outbox_);
    OutboxRelayOptions relay_options;
    relay_options.max_age = std::chrono::milliseconds(kMaxAgeMs);
    relay_options.now_ms = [this] { return now_ms_.load(); };
    relay_options.metrics = &metrics_;
    relay_ = std::make_unique<OutboxRelay>(*outbox_, midas_, logger_, relay_options);
  }

  // An entry whose synchronous MIDAS attempt failed once: pending, due within 1 s. Each order is for a
  // customer of its own (WO1: 447874384949, WO2: ...950), so none supersedes another.
  OutboxEntryId PendingEntry(const std::string& order = "WO1") {
    MigrationStatusUpdate update;
    update.telephone_number = "44787438" + std::to_string(4948 + (order.back() - '0'));
    update.account_number = "123456789";
    update.site_reference = 42;
    const OutboxEntryId id = std::get<OutboxEntryId>(outbox_->Journal(update, "corr-" + order));
    update.status = MigrationStatus::kWorkOrderCreated;
    update.order_number = order;
    EXPECT_FALSE(outbox_->RecordOutcome(id, WorkOrderState::kCreated, update));
    outbox_->MarkAttemptFailed(id, "MIDAS could not be reached");
    EXPECT_FALSE(outbox_->Flush());
    return id;
  }

  std::vector<OutboxEntry> List(store::OutboxView view) {
    return std::get<std::vector<OutboxEntry>>(outbox_->List(view));
  }

  testing::TempDir dir_;
  std::atomic<std::int64_t> now_ms_{kStart};
  std::ostringstream log_;
  Logger logger_{log_, LogLevel::kDebug};
  Metrics metrics_;
  FakeMidas midas_;
  std::unique_ptr<store::SqliteDatabase> db_;
  std::unique_ptr<store::SqliteOutbox> outbox_;
  std::unique_ptr<OutboxRelay> relay_;
};

// Nothing is sent before the entry is due.
TEST_F(OutboxRelayTest, WaitsUntilDue) {
  PendingEntry();
  now_ms_ = kStart - 1;  // before any jittered delay can end
  const RelayRound round = relay_->RunOnce();
  EXPECT_EQ(round.delivered + round.failed + round.dead_lettered, 0);
  EXPECT_TRUE(midas_.updates().empty());
}

// A due entry is delivered with its stored update and correlation id, then removed.
TEST_F(OutboxRelayTest, DeliversDueEntryAndRemovesIt) {
  PendingEntry("WO7");
  midas_.WillAnswer(MidasAcknowledged{"U1"});
  now_ms_ = kStart + 1000;
  EXPECT_EQ(relay_->RunOnce().delivered, 1);
  ASSERT_EQ(midas_.updates().size(), 1u);
  EXPECT_EQ(midas_.updates()[0].status, MigrationStatus::kWorkOrderCreated);
  EXPECT_EQ(midas_.updates()[0].order_number, "WO7");
  EXPECT_EQ(midas_.updates()[0].account_number, "123456789");
  EXPECT_EQ(midas_.contexts()[0].correlation_id, "corr-WO7");
  EXPECT_TRUE(List(store::OutboxView::kAll).empty());
}

// A retryable failure is counted and rescheduled with a larger ceiling; MIDAS back later gets it once.
TEST_F(OutboxRelayTest, RetriesUntilMidasIsBack) {
  PendingEntry();
  midas_.WillAnswer(ErrorOf(BackendErrorKind::kConnectFailed));
  now_ms_ = kStart + 1000;
  EXPECT_EQ(relay_->RunOnce().failed, 1);
  const OutboxEntry entry = List(store::OutboxView::kPending).at(0);
  EXPECT_EQ(entry.attempts, 2);
  EXPECT_LE(*entry.next_attempt_ms, kStart + 1000 + 2000);
  midas_.WillAnswer(MidasAcknowledged{});
  now_ms_ = kStart + 3000;
  EXPECT_EQ(relay_->RunOnce().delivered, 1);
  EXPECT_EQ(midas_.updates().size(), 2u);
  EXPECT_TRUE(List(store::OutboxView::kAll).empty());
}

// Past the maximum age the entry is dead-lettered without calling MIDAS.
TEST_F(OutboxRelayTest, DeadLettersEntriesPastMaxAge) {
  PendingEntry();
  now_ms_ = kStart + kMaxAgeMs + 1;
  EXPECT_EQ(relay_->RunOnce().dead_lettered, 1);
  EXPECT_TRUE(midas_.updates().empty());
  const auto dead = List(store::OutboxView::kDeadLettered);
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].last_error, "not delivered within the maximum age; last error: MIDAS could not be reached");
  EXPECT_NE(log_.str().find("midas_update_dead_lettered"), std::string::npos);
}

// A business rejection by MIDAS parks the entry at once (retrying cannot help).
TEST_F(OutboxRelayTest, DeadLettersBusinessRejection) {
  PendingEntry();
  midas_.WillAnswer(ErrorOf(BackendErrorKind::kBusinessFault, "MIDAS-2004", "Account not found"));
  now_ms_ = kStart + 1000;
  EXPECT_EQ(relay_->RunOnce().dead_lettered, 1);
  EXPECT_EQ(List(store::OutboxView::kDeadLettered).at(0).last_error,
            "MIDAS rejected the status update: Account not found");
}

// A re-driven dead letter is delivered at the next round.
TEST_F(OutboxRelayTest, RedrivenDeadLetterIsDelivered) {
  const OutboxEntryId id = PendingEntry();
  now_ms_ = kStart + kMaxAgeMs + 1;
  (void)relay_->RunOnce();
  ASSERT_EQ(std::get<int>(outbox_->Redrive(id)), 1);
  midas_.WillAnswer(MidasAcknowledged{});
  EXPECT_EQ(relay_->RunOnce().delivered, 1);
  EXPECT_EQ(midas_.updates().size(), 1u);
  EXPECT_TRUE(List(store::OutboxView::kAll).empty());
}

bool HasLine(const std::string& text, const std::string& line) { return text.find(line + "\n") != std::string::npos; }

// A round counts what it did in the metrics and publishes the outbox's gauges afterwards.
TEST_F(OutboxRelayTest, RecordsRoundAndOutboxGaugesInMetrics) {
  PendingEntry("WO1");
  PendingEntry("WO2");
  midas_.WillAnswer(ErrorOf(BackendErrorKind::kTimeout));
  midas_.WillAnswer(ErrorOf(BackendErrorKind::kTimeout));
  now_ms_ = kStart + 1500;
  const RelayRound round = relay_->RunOnce();
  EXPECT_EQ(round.failed, 2);
  ASSERT_TRUE(round.counts.has_value());
  EXPECT_EQ(round.counts->pending, 2);
  const std::string text = metrics_.RenderPrometheus();
  EXPECT_TRUE(HasLine(text, R"(voip_outbox_relay_deliveries_total{result="retry"} 2)")) << text;
  EXPECT_TRUE(HasLine(text, R"(voip_outbox_relay_deliveries_total{result="delivered"} 0)"));
  EXPECT_TRUE(HasLine(text, "voip_outbox_pending_updates 2"));
  EXPECT_TRUE(HasLine(text, "voip_outbox_dead_letters 0"));
  EXPECT_TRUE(HasLine(text, "voip_outbox_oldest_pending_age_seconds 1.5"));
  EXPECT_EQ(midas_.updates().size(), 2u);
}

// A pending update superseded by a newer outcome for its customer is not sent by the relay, and the
// round publishes the superseded gauge.
TEST_F(OutboxRelayTest, SupersededUpdateIsNotSentAndIsCounted) {
  PendingEntry("WO1");
  const OutboxEntryId newer = PendingEntry("WO11");  // the same customer (...949): supersedes WO1
  midas_.WillAnswer(MidasAcknowledged{});
  now_ms_ = kStart + 1500;
  const RelayRound round = relay_->RunOnce();
  EXPECT_EQ(round.delivered, 1);
  ASSERT_TRUE(round.counts.has_value());
  EXPECT_EQ(round.counts->superseded, 1);
  EXPECT_EQ(round.counts->pending, 0);
  EXPECT_TRUE(HasLine(metrics_.RenderPrometheus(), "voip_outbox_superseded_updates 1"));
  ASSERT_EQ(midas_.updates().size(), 1u);
  EXPECT_EQ(midas_.updates()[0].order_number, "WO11");
  ASSERT_EQ(List(store::OutboxView::kSuperseded).size(), 1u);
  EXPECT_EQ(List(store::OutboxView::kSuperseded)[0].superseded_by, newer);
}

// Delivered and dead-lettered entries leave the pending gauge and reach their counters.
TEST_F(OutboxRelayTest, DeliveredAndDeadLetteredEntriesLeaveThePendingGauge) {
  PendingEntry("WO1");
  now_ms_ = kStart + 1000;
  midas_.WillAnswer(MidasAcknowledged{});
  (void)relay_->RunOnce();
  PendingEntry("WO2");
  now_ms_ = kStart + kMaxAgeMs + 2000;
  (void)relay_->RunOnce();
  const std::string text = metrics_.RenderPrometheus();
  EXPECT_TRUE(HasLine(text, R"(voip_outbox_relay_deliveries_total{result="delivered"} 1)")) << text;
  EXPECT_TRUE(HasLine(text, R"(voip_outbox_relay_deliveries_total{result="dead_lettered"} 1)"));
  EXPECT_TRUE(HasLine(text, "voip_outbox_pending_updates 0"));
  EXPECT_TRUE(HasLine(text, "voip_outbox_dead_letters 1"));
  EXPECT_TRUE(HasLine(text, "voip_outbox_oldest_pending_age_seconds 0"));
  EXPECT_EQ(midas_.updates().size(), 1u);
}

// Relay events carry the entry, correlation id and attempts, with the customer's numbers masked.
TEST_F(OutboxRelayTest, EventLinesMaskNumbers) {
  PendingEntry("WO1");
  midas_.WillAnswer(ErrorOf(BackendErrorKind::kConnectFailed));
  now_ms_ = kStart + 1000;
  (void)relay_->RunOnce();
  midas_.WillAnswer(MidasAcknowledged{});
  now_ms_ = kStart + 10'000;
  (void)relay_->RunOnce();
  std::istringstream lines(log_.str());
  std::string line;
  std::vector<nlohmann::json> events;
  while (std::getline(lines, line)) events.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(events.size(), 2u) << log_.str();
  EXPECT_EQ(events[0]["event"], "midas_update_retry");
  EXPECT_EQ(events[0]["error"], "connect_failed");
  EXPECT_EQ(events[0]["attempts"], 2);
  EXPECT_EQ(events[1]["event"], "midas_update_delivered");
  EXPECT_EQ(events[1]["attempts"], 3);
  EXPECT_EQ(events[1]["correlationId"], "corr-WO1");
  EXPECT_EQ(events[1]["telephoneNumber"], "*********949");
  EXPECT_EQ(events[1]["accountNumber"], "******789");
  EXPECT_EQ(log_.str().find("447874384949"), std::string::npos);
  EXPECT_EQ(log_.str().find("123456789"), std::string::npos);
}

// A round whose store fails counts a store error and leaves the gauges as they were.
TEST_F(OutboxRelayTest, StoreFailureIsCounted) {
  PendingEntry("WO1");
  now_ms_ = kStart + 1000;
  midas_.WillAnswer(ErrorOf(BackendErrorKind::kTimeout));
  (void)relay_->RunOnce();
  ASSERT_FALSE(db_->Exec("DROP TABLE outbox"));
  const RelayRound round = relay_->RunOnce();
  EXPECT_TRUE(round.store_failed);
  const std::string text = metrics_.RenderPrometheus();
  EXPECT_TRUE(HasLine(text, "voip_outbox_store_errors_total 1")) << text;
  EXPECT_TRUE(HasLine(text, "voip_outbox_pending_updates 1"));
  EXPECT_NE(log_.str().find("outbox_store_failed"), std::string::npos);
}

// The background thread delivers without being driven, and Stop() joins it.
TEST_F(OutboxRelayTest, BackgroundThreadDelivers) {
  PendingEntry();
  midas_.WillAnswer(MidasAcknowledged{});
  now_ms_ = kStart + 1000;
  relay_->Start();
  relay_->Wake();
  for (int i = 0; i < 200 && midas_.updates().empty(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  relay_->Stop();
  EXPECT_EQ(midas_.updates().size(), 1u);
  EXPECT_TRUE(List(store::OutboxView::kAll).empty());
}

// A MIDAS that never answers in time and, on its first call, has the relay stopped (as SIGTERM does
// while a round is under way).
class StopDuringCallMidas : public Midas {
 public:
  std::function<void()> on_first_call;
  int calls() const { return calls_.load(); }
  BackendResult<MidasAcknowledged> UpdateCustomerMigrationStatus(const MigrationStatusUpdate&,
                                                                 const CallContext&) override {
    if (calls_++ == 0) on_first_call();
    return ErrorOf(BackendErrorKind::kTimeout);
  }

 private:
  std::atomic<int> calls_{0};
};

// Stopping in the middle of a round of slow MIDAS calls: the call in progress finishes, no further one
// starts (each could take a whole time-out), and the entries not attempted stay pending as they were.
TEST_F(OutboxRelayTest, StopEndsTheRoundAfterTheCallInProgress) {
  for (const char* order : {"WO1", "WO2", "WO3"}) PendingEntry(order);
  now_ms_ = kStart + 1000;
  StopDuringCallMidas slow_midas;
  OutboxRelayOptions relay_options;
  relay_options.max_age = std::chrono::milliseconds(kMaxAgeMs);
  relay_options.now_ms = [this] { return now_ms_.load(); };
  OutboxRelay relay(*outbox_, slow_midas, logger_, relay_options);
  slow_midas.on_first_call = [&relay] { relay.Stop(); };
  const RelayRound round = relay.RunOnce();
  EXPECT_EQ(slow_midas.calls(), 1);
  EXPECT_EQ(round.failed, 1);
  EXPECT_EQ(round.delivered + round.dead_lettered, 0);
  const auto pending = List(store::OutboxView::kPending);
  ASSERT_EQ(pending.size(), 3u);
  int attempted = 0;
  for (const OutboxEntry& entry : pending) attempted += entry.attempts - 1;  // each failed once before
  EXPECT_EQ(attempted, 1);
}

// A relay sharing MIDAS's breaker (opens after 1 failure, for 10 s on a hand-moved clock).
class OutboxRelayBreakerTest : public OutboxRelayTest {
 protected:
  void SetUp() override {
    OutboxRelayTest::SetUp();
    OutboxRelayOptions relay_options;
    relay_options.max_age = std::chrono::milliseconds(kMaxAgeMs);
    relay_options.now_ms = [this] { return now_ms_.load(); };
    relay_options.midas_breaker = &breaker_;
    relay_ = std::make_unique<OutboxRelay>(*outbox_, midas_, logger_, relay_options);
  }
  std::chrono::steady_clock::time_point steady_{std::chrono::seconds(1)};
  CircuitBreaker breaker_{
      CircuitBreakerOptions{1, std::chrono::milliseconds(10000), 1}, {}, [this] { return steady_; }};
};

// While MIDAS's breaker is open the relay calls nothing and counts no attempt; the entries stay due.
TEST_F(OutboxRelayBreakerTest, OpenBreakerStopsTheRound) {
  const OutboxEntryId id = PendingEntry();
  breaker_.Record(breaker_.Admit(), CallHealth::kUnhealthy);
  now_ms_ = kStart + 5000;
  const RelayRound round = relay_->RunOnce();
  EXPECT_TRUE(round.breaker_open);
  EXPECT_EQ(round.delivered + round.failed + round.dead_lettered, 0);
  EXPECT_TRUE(midas_.updates().empty());
  const auto pending = List(store::OutboxView::kPending);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].id, id);
  EXPECT_EQ(pending[0].attempts, 1);
}

// Half-open, a delivery is the probe: MIDAS acknowledges, the breaker closes, the rest follow.
TEST_F(OutboxRelayBreakerTest, DeliveryProbeClosesTheBreaker) {
  PendingEntry("WO1");
  PendingEntry("WO2");
  breaker_.Record(breaker_.Admit(), CallHealth::kUnhealthy);
  steady_ += std::chrono::milliseconds(10000);
  now_ms_ = kStart + 5000;
  midas_.WillAnswer(MidasAcknowledged{});
  midas_.WillAnswer(MidasAcknowledged{});
  const RelayRound round = relay_->RunOnce();
  EXPECT_EQ(round.delivered, 2);
  EXPECT_FALSE(round.breaker_open);
  EXPECT_EQ(midas_.updates().size(), 2u);
  EXPECT_EQ(breaker_.state(), BreakerState::kClosed);
}

// A failed delivery counts for the breaker: MIDAS down opens it and the round stops there.
TEST_F(OutboxRelayBreakerTest, FailedDeliveryOpensTheBreaker) {
  PendingEntry("WO1");
  PendingEntry("WO2");
  now_ms_ = kStart + 5000;
  midas_.WillAnswer(ErrorOf(BackendErrorKind::kConnectFailed));
  const RelayRound round = relay_->RunOnce();
  EXPECT_EQ(round.failed, 1);
  EXPECT_TRUE(round.breaker_open);
  EXPECT_EQ(midas_.updates().size(), 1u);
  EXPECT_EQ(breaker_.state(), BreakerState::kOpen);
}

}  // namespace
}  // namespace voip
