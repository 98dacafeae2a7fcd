// The store contract (adapter/outbox.h, adapter/outbox_admin.h,
// adapter/idempotency.h): ONE suite, run against SQLite and against
// PostgreSQL (the sandbox). A PostgreSQL that cannot start FAILS the
// PostgreSQL half; nothing is skipped.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <memory>

#include "tests/store/store_test_support.h"

namespace voip::testing {
namespace {

class StoreContractTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  void SetUp() override {
    std::string error;
    if (GetParam() == StoreKind::kSqlite) {
      store_ = OpenSqliteInstance(dir_, now_, &error);
    } else {
      pool_ = FreshPostgres(&error);
      if (pool_) store_ = OpenPostgresInstance(*pool_, "instance-a", now_);
    }
    ASSERT_TRUE(store_) << error;
  }
  void TearDown() override {
    store_.reset();
    pool_.reset();
  }

  Outbox& outbox() { return store_->outbox(); }
  OutboxAdmin& admin() { return store_->admin(); }
  RecoverableIdempotencyStore& keys() { return store_->idempotency(); }

  OutboxEntryId JournalOne(const std::string& telephone = "447874384949") {
    return std::get<OutboxEntryId>(outbox().Journal(Customer(telephone), "corr-" + telephone));
  }
  OutboxEntryId DecidedOne(const std::string& order, const std::string& telephone = "447874384949") {
    const OutboxEntryId id = JournalOne(telephone);
    EXPECT_FALSE(outbox().RecordOutcome(id, WorkOrderState::kCreated, Created(order, telephone)));
    return id;
  }
  std::vector<OutboxEntry> List(OutboxView view) {
    auto listed = admin().List(view);
    EXPECT_TRUE(std::holds_alternative<std::vector<OutboxEntry>>(listed));
    return std::get<std::vector<OutboxEntry>>(listed);
  }
  std::vector<OutboxEntry> Due() { return std::get<std::vector<OutboxEntry>>(outbox().Due(50)); }
  OutboxCounts Counts() { return std::get<OutboxCounts>(outbox().Count()); }
  Claim ClaimKey(const std::string& key, const std::string& fingerprint) {
    auto claimed = keys().ClaimKey(key, fingerprint);
    EXPECT_TRUE(std::holds_alternative<Claim>(claimed));
    return std::get<Claim>(claimed);
  }

  TempDir dir_;
  std::atomic<std::int64_t> now_{kStartMs};
  std::unique_ptr<store::PgPool> pool_;
  std::unique_ptr<StoreInstance> store_;
};

// A journalled attempt is listed as attempting, waiting, with its correlation id and customer.
TEST_P(StoreContractTest, JournalListsTheAttempt) {
  const OutboxEntryId id = JournalOne();
  const std::vector<OutboxEntry> pending = List(OutboxView::kPending);
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].id, id);
  EXPECT_EQ(pending[0].work_order, WorkOrderState::kAttempting);
  EXPECT_EQ(pending[0].delivery, DeliveryState::kWaiting);
  EXPECT_EQ(pending[0].correlation_id, "corr-447874384949");
  EXPECT_EQ(CustomerIdentityKey(pending[0].update), CustomerIdentityKey(Customer()));
  EXPECT_EQ(pending[0].created_ms, kStartMs);
}

// A recorded outcome is pending with a sequence, and not due while its synchronous attempt runs.
TEST_P(StoreContractTest, OutcomeIsPendingWithSequenceAndNotDueYet) {
  const OutboxEntryId id = DecidedOne("WO1");
  const OutboxEntry entry = List(OutboxView::kPending).at(0);
  EXPECT_EQ(entry.id, id);
  EXPECT_EQ(entry.delivery, DeliveryState::kPending);
  EXPECT_EQ(entry.work_order, WorkOrderState::kCreated);
  EXPECT_EQ(entry.update.order_number, std::optional<std::string>("WO1"));
  EXPECT_GT(entry.sequence, 0);
  EXPECT_FALSE(entry.next_attempt_ms.has_value());
  EXPECT_TRUE(Due().empty());
  EXPECT_EQ(Counts().pending, 1);
}

// Delivered under its claim: an entry with a known outcome is removed.
TEST_P(StoreContractTest, DeliveredEntryIsRemoved) {
  const OutboxEntryId id = DecidedOne("WO1");
  {
    const DeliveryClaim claim = outbox().ClaimDelivery(id, Created("WO1"));
    EXPECT_EQ(claim.standing(), ClaimStanding::kNewest);
    outbox().MarkDelivered(id);
  }
  EXPECT_FALSE(outbox().Flush());
  EXPECT_TRUE(List(OutboxView::kAll).empty());
  EXPECT_EQ(Counts().pending, 0);
}

// A failed attempt is counted and scheduled with the backoff; it is due once that time comes.
TEST_P(StoreContractTest, FailedAttemptIsRetriedAfterBackoff) {
  const OutboxEntryId id = DecidedOne("WO1");
  outbox().MarkAttemptFailed(id, "MIDAS timed out");
  EXPECT_FALSE(outbox().Flush());
  const OutboxEntry entry = List(OutboxView::kPending).at(0);
  EXPECT_EQ(entry.attempts, 1);
  EXPECT_EQ(entry.last_error, "MIDAS timed out");
  ASSERT_TRUE(entry.next_attempt_ms.has_value());
  EXPECT_GE(*entry.next_attempt_ms, kStartMs);
  EXPECT_LE(*entry.next_attempt_ms, kStartMs + 1000);
  now_ = *entry.next_attempt_ms;
  const std::vector<OutboxEntry> due = Due();
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].id, id);
}

// Due returns due entries oldest first, at most the limit asked for.
TEST_P(StoreContractTest, DueIsOldestFirstWithinLimit) {
  std::vector<OutboxEntryId> ids;
  for (const char* telephone : {"447000000001", "447000000002", "447000000003"}) {
    ids.push_back(DecidedOne("WO", telephone));
    outbox().MarkAttemptFailed(ids.back(), "down");
    EXPECT_FALSE(outbox().Flush());
    now_ += 10;
  }
  now_ += 60000;
  auto due = outbox().Due(2);
  ASSERT_TRUE(std::holds_alternative<std::vector<OutboxEntry>>(due));
  const auto& entries = std::get<std::vector<OutboxEntry>>(due);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_LE(entries[0].next_attempt_ms, entries[1].next_attempt_ms);
}

// A dead letter is parked (never due), counted, and re-driven to due now.
TEST_P(StoreContractTest, DeadLetterParksAndRedriveRestores) {
  const OutboxEntryId id = DecidedOne("WO1");
  EXPECT_FALSE(outbox().DeadLetter(id, "MIDAS: no such customer"));
  EXPECT_EQ(List(OutboxView::kDeadLettered).at(0).last_error, "MIDAS: no such customer");
  EXPECT_EQ(Counts().dead_lettered, 1);
  EXPECT_TRUE(Due().empty());
  EXPECT_EQ(std::get<int>(admin().Redrive(id)), 1);
  const std::vector<OutboxEntry> due = Due();
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].attempts, 0);
  EXPECT_EQ(Counts().dead_lettered, 0);
}

// A newer outcome for the same customer supersedes the older pending one: never due, claim says superseded.
TEST_P(StoreContractTest, NewerOutcomeSupersedesOlder) {
  const OutboxEntryId older = DecidedOne("WO1");
  outbox().MarkAttemptFailed(older, "down");
  EXPECT_FALSE(outbox().Flush());
  const OutboxEntryId newer = DecidedOne("WO2");
  const std::vector<OutboxEntry> superseded = List(OutboxView::kSuperseded);
  ASSERT_EQ(superseded.size(), 1u);
  EXPECT_EQ(superseded[0].id, older);
  EXPECT_EQ(superseded[0].superseded_by, std::optional<OutboxEntryId>(newer));
  EXPECT_EQ(outbox().ClaimDelivery(older, Created("WO1")).standing(), ClaimStanding::kSuperseded);
  now_ += 60000;
  for (const OutboxEntry& entry : Due()) EXPECT_NE(entry.id, older);
  EXPECT_EQ(Counts().superseded, 1);
}

// Another customer's newer outcome supersedes nothing.
TEST_P(StoreContractTest, OtherCustomerSupersedesNothing) {
  const OutboxEntryId first = DecidedOne("WO1", "447000000001");
  DecidedOne("WO2", "447000000002");
  EXPECT_TRUE(List(OutboxView::kSuperseded).empty());
  EXPECT_EQ(outbox().ClaimDelivery(first, Created("WO1", "447000000001")).standing(), ClaimStanding::kNewest);
}

// An interrupted attempt (its owner gone past the lease) becomes an unknown outcome, due now.
TEST_P(StoreContractTest, InterruptedAttemptBecomesUnknownAndDue) {
  const OutboxEntryId id = JournalOne();
  now_ += kLease.count() * 10;
  EXPECT_EQ(std::get<int>(admin().RecoverInterrupted()), 1);
  const OutboxEntry entry = List(OutboxView::kUnknown).at(0);
  EXPECT_EQ(entry.id, id);
  EXPECT_EQ(entry.update.status, MigrationStatus::kWorkOrderOutcomeUnknown);
  EXPECT_EQ(entry.update.reason, std::optional<std::string>(kInterruptedReason));
  EXPECT_EQ(entry.next_attempt_ms, std::optional<std::int64_t>(now_.load()));
  EXPECT_EQ(Counts().unknown_outcome, 1);
}

// An unknown outcome stays after delivery until an operator resolves it.
TEST_P(StoreContractTest, UnknownOutcomeIsResolvedOnlyOnceTold) {
  const OutboxEntryId id = JournalOne();
  MigrationStatusUpdate unknown = Customer();
  unknown.status = MigrationStatus::kWorkOrderOutcomeUnknown;
  EXPECT_FALSE(outbox().RecordOutcome(id, WorkOrderState::kUnknown, unknown));
  EXPECT_EQ(std::get<int>(admin().Resolve(id)), 0);  // MIDAS not told yet
  outbox().MarkDelivered(id);
  EXPECT_FALSE(outbox().Flush());
  EXPECT_EQ(List(OutboxView::kUnknown).size(), 1u);
  EXPECT_EQ(std::get<int>(admin().Resolve(id)), 1);
  EXPECT_TRUE(List(OutboxView::kAll).empty());
}

// A new key is claimed; its stored answer is replayed byte for byte (bytes that are not UTF-8 included).
TEST_P(StoreContractTest, IdempotencyReplaysStoredAnswerByteForByte) {
  EXPECT_EQ(ClaimKey("key-1", "fp-1").result, ClaimResult::kClaimed);
  const std::string body = std::string("{\"orderNumber\":\"WO1\",\"x\":\"\xC3\xA9\xFF\x01\"}\n");
  EXPECT_FALSE(keys().Complete("key-1", StoredAnswer{201, body}));
  const Claim replay = ClaimKey("key-1", "fp-1");
  EXPECT_EQ(replay.result, ClaimResult::kReplay);
  ASSERT_TRUE(replay.answer.has_value());
  EXPECT_EQ(replay.answer->http_status, 201);
  EXPECT_EQ(replay.answer->body, body);
}

// The same key with another request is a mismatch.
TEST_P(StoreContractTest, IdempotencyOtherRequestIsMismatch) {
  EXPECT_EQ(ClaimKey("key-1", "fp-1").result, ClaimResult::kClaimed);
  EXPECT_EQ(ClaimKey("key-1", "fp-2").result, ClaimResult::kMismatch);
}

// The same key while its request runs is in flight; released, it is claimed again.
TEST_P(StoreContractTest, IdempotencyInFlightThenReleased) {
  EXPECT_EQ(ClaimKey("key-1", "fp-1").result, ClaimResult::kClaimed);
  EXPECT_EQ(ClaimKey("key-1", "fp-1").result, ClaimResult::kInFlight);
  EXPECT_FALSE(keys().Release("key-1"));
  EXPECT_EQ(ClaimKey("key-1", "fp-1").result, ClaimResult::kClaimed);
}

// An expired key is new again, whatever request it was used for.
TEST_P(StoreContractTest, IdempotencyExpiredKeyIsNewAgain) {
  EXPECT_EQ(ClaimKey("key-1", "fp-1").result, ClaimResult::kClaimed);
  EXPECT_FALSE(keys().Complete("key-1", StoredAnswer{200, "first"}));
  now_ += 3600 * 1000 + 1;
  EXPECT_EQ(ClaimKey("key-1", "fp-2").result, ClaimResult::kClaimed);
  EXPECT_EQ(ClaimKey("key-1", "fp-2").result, ClaimResult::kInFlight);
}

// Concurrent claims of one new key: exactly one wins, the others see it in flight.
TEST_P(StoreContractTest, IdempotencyConcurrentClaimsHaveOneWinner) {
  std::vector<std::future<ClaimResult>> claims;
  for (int i = 0; i < 8; ++i) {
    claims.push_back(std::async(std::launch::async, [this] { return ClaimKey("key-race", "fp").result; }));
  }
  int claimed = 0;
  int in_flight = 0;
  for (auto& claim : claims) {
    const ClaimResult result = claim.get();
    claimed += result == ClaimResult::kClaimed ? 1 : 0;
    in_flight += result == ClaimResult::kInFlight ? 1 : 0;
  }
  EXPECT_EQ(claimed, 1);
  EXPECT_EQ(in_flight, 7);
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreContractTest, ::testing::Values(StoreKind::kSqlite, StoreKind::kPostgres),
                         [](const ::testing::TestParamInfo<StoreKind>& info) { return StoreKindName(info.param); });

}  // namespace
}  // namespace voip::testing
