// The PostgreSQL store between instances (issue 13): migrations applied once
// by instances starting together, a newer schema refused, relays claiming
// disjoint batches under leases, what a dead instance held passing to others,
// idempotency keys across instances, the delivery turn across instances, an
// outage the store recovers from by itself, and what a request costs the
// server (statements prepared once, four round trips). Against the sandbox server.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <set>
#include <thread>

#include "adapter/store/pg_health.h"
#include "adapter/store/pg_schema.h"
#include "tests/store/store_test_support.h"

namespace voip::testing {
namespace {

using namespace std::chrono_literals;

class PgStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    pool_ = FreshPostgres(&error);
    ASSERT_TRUE(pool_) << error;
    a_ = OpenPostgresInstance(*pool_, "instance-a", now_);
    b_ = OpenPostgresInstance(*pool_, "instance-b", now_);
  }

  OutboxEntryId PendingFailed(StoreInstance& instance, const std::string& telephone) {
    const OutboxEntryId id = std::get<OutboxEntryId>(instance.outbox().Journal(Customer(telephone), "corr"));
    EXPECT_FALSE(instance.outbox().RecordOutcome(id, WorkOrderState::kCreated, Created("WO", telephone)));
    instance.outbox().MarkAttemptFailed(id, "MIDAS down");
    EXPECT_FALSE(instance.outbox().Flush());
    return id;
  }
  std::set<OutboxEntryId> DueIds(StoreInstance& instance, int limit = 50) {
    std::set<OutboxEntryId> ids;
    const StoreResult<std::vector<OutboxEntry>> due = instance.outbox().Due(limit);
    for (const OutboxEntry& entry : std::get<std::vector<OutboxEntry>>(due)) ids.insert(entry.id);
    return ids;
  }
  void Script(const std::string& sql) {
    auto lease = pool_->Acquire();
    store::PgResult result = std::get<store::PgPool::Lease>(lease)->ExecScript(sql);
    EXPECT_TRUE(result.ok()) << result.Error();
  }
  std::string Scalar(const std::string& sql) {
    auto lease = pool_->Acquire();
    store::PgResult result = std::get<store::PgPool::Lease>(lease)->Exec(sql);
    EXPECT_TRUE(result.ok()) << result.Error();
    return result.ok() && result.rows() > 0 ? result.Text(0, 0) : "";
  }

  std::atomic<std::int64_t> now_{kStartMs};
  std::unique_ptr<store::PgPool> pool_;
  std::unique_ptr<StoreInstance> a_;
  std::unique_ptr<StoreInstance> b_;
};

// Four instances migrating an empty database at once: the schema is applied once, recorded once.
TEST_F(PgStoreTest, InstancesMigratingAtOnceApplyOnce) {
  Script("DROP TABLE outbox, idempotency, store_health, schema_migrations; DROP SEQUENCE IF EXISTS outbox_sequence");
  ASSERT_EQ(Scalar("SELECT to_regclass('schema_migrations') IS NULL"), "t");
  std::vector<std::future<StoreResult<int>>> migrations;
  for (int i = 0; i < 4; ++i) {
    migrations.push_back(std::async(std::launch::async, [this] {
      std::string error;
      std::unique_ptr<store::PgPool> own = FreshPostgresPoolOnly(&error);
      if (!own) return StoreResult<int>(StoreError{error});
      auto lease = own->Acquire();
      return store::MigratePostgres(*std::get<store::PgPool::Lease>(lease));
    }));
  }
  int applied = 0;
  for (auto& migration : migrations) {
    StoreResult<int> result = migration.get();
    ASSERT_TRUE(std::holds_alternative<int>(result)) << std::get<StoreError>(result).message;
    applied += std::get<int>(result);
  }
  EXPECT_EQ(applied, store::KnownPostgresSchemaVersion());
  EXPECT_EQ(Scalar("SELECT COUNT(*) FROM schema_migrations"), std::to_string(store::KnownPostgresSchemaVersion()));
}

// A database whose schema is newer than this binary's is refused, and left as it is.
TEST_F(PgStoreTest, NewerSchemaIsRefused) {
  Scalar("INSERT INTO schema_migrations (version, name) VALUES (999, '0999_future.sql')");
  auto lease = pool_->Acquire();
  StoreResult<int> migrated = store::MigratePostgres(*std::get<store::PgPool::Lease>(lease));
  ASSERT_TRUE(std::holds_alternative<StoreError>(migrated));
  EXPECT_NE(std::get<StoreError>(migrated).message.find("999 is newer than this adapter's"), std::string::npos);
  EXPECT_EQ(Scalar("SELECT MAX(version) FROM schema_migrations"), "999");
  Scalar("DELETE FROM schema_migrations WHERE version = 999");
}

// Two relays claim disjoint batches of due entries; neither takes what the other holds under its lease.
TEST_F(PgStoreTest, RelaysClaimDisjointBatches) {
  for (int i = 0; i < 6; ++i) PendingFailed(*a_, "44700000000" + std::to_string(i));
  now_ += 60000;
  const std::set<OutboxEntryId> by_a = DueIds(*a_, 3);
  const std::set<OutboxEntryId> by_b = DueIds(*b_, 50);
  EXPECT_EQ(by_a.size(), 3u);
  EXPECT_EQ(by_b.size(), 3u);
  for (const OutboxEntryId id : by_a) EXPECT_EQ(by_b.count(id), 0u);
  EXPECT_TRUE(DueIds(*b_).size() == 3u);  // its own again, never a's
}

// What a dead instance's relay claimed passes to another once its lease has run out.
TEST_F(PgStoreTest, DeadInstancesClaimPassesAfterLease) {
  PendingFailed(*a_, "447000000001");
  now_ += 60000;
  ASSERT_EQ(DueIds(*a_).size(), 1u);  // a claims it, then "dies"
  EXPECT_TRUE(DueIds(*b_).empty());
  now_ += kLease.count();
  EXPECT_EQ(DueIds(*b_).size(), 1u);
}

// An attempt a dead instance journalled becomes an unknown outcome on another, once its lease ran out.
TEST_F(PgStoreTest, DeadInstancesAttemptIsDecidedUnknownElsewhere) {
  const OutboxEntryId id = std::get<OutboxEntryId>(a_->outbox().Journal(Customer(), "corr-dead"));
  EXPECT_TRUE(DueIds(*b_).empty());
  now_ += kLease.count() + 1;
  EXPECT_EQ(DueIds(*b_), std::set<OutboxEntryId>{id});
  const OutboxEntry entry = std::get<std::vector<OutboxEntry>>(b_->admin().List(OutboxView::kUnknown)).at(0);
  EXPECT_EQ(entry.update.status, MigrationStatus::kWorkOrderOutcomeUnknown);
  EXPECT_EQ(entry.update.reason, std::optional<std::string>(kInterruptedReason));
}

// A key running on one instance is in flight on another; its answer replays there byte for byte.
TEST_F(PgStoreTest, KeyIsSharedAcrossInstances) {
  EXPECT_EQ(std::get<Claim>(a_->idempotency().ClaimKey("k", "fp")).result, ClaimResult::kClaimed);
  EXPECT_EQ(std::get<Claim>(b_->idempotency().ClaimKey("k", "fp")).result, ClaimResult::kInFlight);
  EXPECT_FALSE(b_->idempotency().Release("k"));  // not b's to release
  EXPECT_EQ(std::get<Claim>(b_->idempotency().ClaimKey("k", "fp")).result, ClaimResult::kInFlight);
  EXPECT_FALSE(a_->idempotency().Complete("k", StoredAnswer{200, "{\"orderNumber\":\"WO1\"}"}));
  const Claim replay = std::get<Claim>(b_->idempotency().ClaimKey("k", "fp"));
  EXPECT_EQ(replay.result, ClaimResult::kReplay);
  EXPECT_EQ(replay.answer->body, "{\"orderNumber\":\"WO1\"}");
}

// A key whose owner died mid-request gets the interrupted answer once the lease ran out (the crash rule).
TEST_F(PgStoreTest, DeadOwnersKeyGetsTheInterruptedAnswer) {
  EXPECT_EQ(std::get<Claim>(a_->idempotency().ClaimKey("k", "fp")).result, ClaimResult::kClaimed);
  now_ += kLease.count() + 1;
  const Claim replay = std::get<Claim>(b_->idempotency().ClaimKey("k", "fp"));
  EXPECT_EQ(replay.result, ClaimResult::kReplay);
  EXPECT_EQ(replay.answer->http_status, 500);
  EXPECT_EQ(replay.answer->body, "interrupted");
  EXPECT_FALSE(a_->idempotency().Complete("k", StoredAnswer{200, "late"}));  // too late: not replaced
  EXPECT_EQ(std::get<Claim>(a_->idempotency().ClaimKey("k", "fp")).answer->body, "interrupted");
}

// One customer's delivery turn held by one instance makes another instance's claim wait until it is released.
TEST_F(PgStoreTest, DeliveryTurnIsExclusiveAcrossInstances) {
  const OutboxEntryId first = PendingFailed(*a_, "447000000001");
  auto held = std::make_unique<DeliveryClaim>(a_->outbox().ClaimDelivery(first, Created("WO", "447000000001")));
  ASSERT_EQ(held->standing(), ClaimStanding::kNewest);
  auto waiting = std::async(
      std::launch::async, [&] { return b_->outbox().ClaimDelivery(first, Created("WO", "447000000001")).standing(); });
  EXPECT_EQ(waiting.wait_for(300ms), std::future_status::timeout);
  a_->outbox().MarkDelivered(first);
  held.reset();  // writes the result, releases the turn
  ASSERT_EQ(waiting.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(waiting.get(), ClaimStanding::kNotPending);  // delivered by a meanwhile
}

// PostgreSQL stopped: writes fail fast and /ready says why; started again: both recover without a new store.
TEST_F(PgStoreTest, OutageIsReportedAndRecoveredFrom) {
  store::PgHealth health(*pool_, 0ms, "instance-a");
  ASSERT_EQ(health.CheckNow(), std::nullopt);
  ASSERT_TRUE(PostgresSandboxEnvironment::Halt());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(std::holds_alternative<StoreError>(a_->outbox().Journal(Customer(), "corr")));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  const std::optional<std::string> reason = health.CheckNow();
  ASSERT_TRUE(reason.has_value());
  EXPECT_NE(reason->find("PostgreSQL store unavailable"), std::string::npos) << *reason;
  ASSERT_TRUE(PostgresSandboxEnvironment::Resume());
  bool journalled = false;
  for (const auto deadline = std::chrono::steady_clock::now() + 20s;
       !journalled && std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(50ms)) {
    journalled = std::holds_alternative<OutboxEntryId>(a_->outbox().Journal(Customer(), "corr"));
  }
  EXPECT_TRUE(journalled);
  EXPECT_EQ(health.CheckNow(), std::nullopt);
}

// A statement is prepared once per connection: run again, it is executed by name, not parsed again.
TEST_F(PgStoreTest, StatementIsPreparedOncePerConnection) {
  std::string error;
  std::unique_ptr<store::PgPool> one = FreshPostgres(&error, 1);
  ASSERT_TRUE(one) << error;
  std::unique_ptr<StoreInstance> instance = OpenPostgresInstance(*one, "instance-one", now_);
  ASSERT_TRUE(std::holds_alternative<OutboxEntryId>(instance->outbox().Journal(Customer(), "corr-1")));
  ASSERT_TRUE(std::holds_alternative<OutboxEntryId>(instance->outbox().Journal(Customer(), "corr-2")));
  auto lease = one->Acquire();
  store::PgResult prepared = std::get<store::PgPool::Lease>(lease)->Exec(
      "SELECT COUNT(*) FROM pg_prepared_statements WHERE statement LIKE 'INSERT INTO outbox %'");
  ASSERT_TRUE(prepared.ok()) << prepared.Error();
  EXPECT_EQ(prepared.Text(0, 0), "1");
}

// Statements prepared before the server restarted work after it: the new connection prepares them again.
TEST_F(PgStoreTest, PreparedStatementsWorkAfterAServerRestart) {
  std::string error;
  std::unique_ptr<store::PgPool> one = FreshPostgres(&error, 1);
  ASSERT_TRUE(one) << error;
  std::unique_ptr<StoreInstance> instance = OpenPostgresInstance(*one, "instance-one", now_);
  Outbox& outbox = instance->outbox();
  const OutboxEntryId before = std::get<OutboxEntryId>(outbox.Journal(Customer("447000000001"), "corr-1"));
  ASSERT_FALSE(outbox.RecordOutcome(before, WorkOrderState::kCreated, Created("WO1", "447000000001")));
  ASSERT_TRUE(PostgresSandboxEnvironment::Halt());
  ASSERT_TRUE(PostgresSandboxEnvironment::Resume());
  StoreResult<OutboxEntryId> after = StoreError{"not tried"};
  for (const auto deadline = std::chrono::steady_clock::now() + 20s;
       std::holds_alternative<StoreError>(after) && std::chrono::steady_clock::now() < deadline;
       std::this_thread::sleep_for(50ms)) {
    after = outbox.Journal(Customer("447000000002"), "corr-2");  // the first try meets the old, broken connection
  }
  ASSERT_TRUE(std::holds_alternative<OutboxEntryId>(after)) << std::get<StoreError>(after).message;
  const OutboxEntryId id = std::get<OutboxEntryId>(after);
  EXPECT_FALSE(outbox.RecordOutcome(id, WorkOrderState::kCreated, Created("WO2", "447000000002")));
  EXPECT_EQ(outbox.ClaimDelivery(id, Created("WO2", "447000000002")).standing(), ClaimStanding::kNewest);
  EXPECT_EQ(std::get<OutboxCounts>(outbox.Count()).pending, 2);
}

// A request's store work, its statements prepared, is four round trips: journal, outcome, delivery turn, result.
TEST_F(PgStoreTest, RequestIsFourRoundTrips) {
  Outbox& outbox = a_->outbox();
  auto request = [&outbox](const std::string& telephone) {
    const OutboxEntryId id = std::get<OutboxEntryId>(outbox.Journal(Customer(telephone), "corr"));
    EXPECT_FALSE(outbox.RecordOutcome(id, WorkOrderState::kCreated, Created("WO", telephone)));
    DeliveryClaim claim = outbox.ClaimDelivery(id, Created("WO", telephone));
    EXPECT_EQ(claim.standing(), ClaimStanding::kNewest);
    outbox.MarkDelivered(id);
    return claim;  // released (the result written) when destroyed
  };
  (void)request("447000000001");  // prepares the statements on the connection
  const std::uint64_t before = pool_->stats().round_trips.load();
  (void)request("447000000001");
  EXPECT_EQ(pool_->stats().round_trips.load() - before, 4u);
  EXPECT_EQ(std::get<OutboxCounts>(outbox.Count()).pending, 0);
}

// A claim waiting for its customer's turn on the same instance holds no connection: others still get one.
TEST_F(PgStoreTest, ClaimWaitingForTheTurnHoldsNoConnection) {
  std::string error;
  std::unique_ptr<store::PgPool> two = FreshPostgres(&error, 2);
  ASSERT_TRUE(two) << error;
  std::unique_ptr<StoreInstance> instance = OpenPostgresInstance(*two, "instance-two", now_);
  Outbox& outbox = instance->outbox();
  const OutboxEntryId first = std::get<OutboxEntryId>(outbox.Journal(Customer("447000000001"), "corr-1"));
  ASSERT_FALSE(outbox.RecordOutcome(first, WorkOrderState::kCreated, Created("WO1", "447000000001")));
  auto held = std::make_unique<DeliveryClaim>(outbox.ClaimDelivery(first, Created("WO1", "447000000001")));
  ASSERT_EQ(held->standing(), ClaimStanding::kNewest);
  auto waiting = std::async(std::launch::async,
                            [&] { return outbox.ClaimDelivery(first, Created("WO1", "447000000001")).standing(); });
  EXPECT_EQ(waiting.wait_for(300ms), std::future_status::timeout);
  EXPECT_TRUE(std::holds_alternative<OutboxEntryId>(outbox.Journal(Customer("447000000002"), "corr-2")));
  EXPECT_EQ(two->stats().pool_waits.load(), 0u);  // the journal found the second connection free
  outbox.MarkDelivered(first);
  held.reset();
  ASSERT_EQ(waiting.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(waiting.get(), ClaimStanding::kNotPending);  // delivered meanwhile
}

// A claim for an update superseded before its turn holds no turn: the customer's newer update is claimed at once.
TEST_F(PgStoreTest, SupersededClaimDoesNotHoldTheTurn) {
  Outbox& outbox = a_->outbox();
  const OutboxEntryId older = std::get<OutboxEntryId>(outbox.Journal(Customer(), "corr-1"));
  const OutboxEntryId newer = std::get<OutboxEntryId>(outbox.Journal(Customer(), "corr-2"));
  ASSERT_FALSE(outbox.RecordOutcome(older, WorkOrderState::kCreated, Created("WO1")));
  ASSERT_FALSE(outbox.RecordOutcome(newer, WorkOrderState::kCreated, Created("WO2")));
  auto superseded = std::make_unique<DeliveryClaim>(outbox.ClaimDelivery(older, Created("WO1")));
  ASSERT_EQ(superseded->standing(), ClaimStanding::kSuperseded);
  auto newest = std::async(std::launch::async, [&] { return outbox.ClaimDelivery(newer, Created("WO2")).standing(); });
  const bool at_once = newest.wait_for(10s) == std::future_status::ready;
  superseded.reset();  // lets a waiting claim go on, so that the test ends either way
  EXPECT_TRUE(at_once);
  EXPECT_EQ(newest.get(), ClaimStanding::kNewest);
}

// A pipeline without BEGIN is one transaction (the outcome relies on it): a failing statement undoes those before it.
TEST_F(PgStoreTest, PipelineIsOneTransaction) {
  auto lease = pool_->Acquire();
  store::PgConnection& connection = *std::get<store::PgPool::Lease>(lease);
  const std::vector<store::PgResult> results = connection.ExecPipeline(
      {{"INSERT INTO store_health (instance, checked_ms) VALUES ('pipeline', 1)", {}}, {"SELECT 1 / 0", {}}});
  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE(results[0].ok()) << results[0].Error();
  EXPECT_EQ(results[1].SqlState(), "22012");  // division_by_zero
  EXPECT_TRUE(connection.idle());
  store::PgResult count = connection.Exec("SELECT COUNT(*) FROM store_health WHERE instance = 'pipeline'");
  ASSERT_TRUE(count.ok()) << count.Error();
  EXPECT_EQ(count.Text(0, 0), "0");
}

// A failed statement's error keeps the server's primary message and SQLSTATE, never a DETAIL quoting a row.
TEST_F(PgStoreTest, ErrorsNeverQuoteTheRow) {
  auto lease = pool_->Acquire();
  store::PgConnection& connection = *std::get<store::PgPool::Lease>(lease);
  store::PgResult failed = connection.Exec(
      "INSERT INTO outbox (correlation_id, telephone_number, account_number, site_reference, work_order, delivery, "
      "created_ms) VALUES ('c', '447874384949', '123456789', NULL, 'attempting', 'waiting', 1)");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.SqlState(), "23502");  // not_null_violation, whose DETAIL quotes the failing row
  EXPECT_NE(failed.Error().find("site_reference"), std::string::npos) << failed.Error();
  EXPECT_EQ(failed.Error().find("447874384949"), std::string::npos) << failed.Error();
}

// A URI that carries a password is refused: passwords come from database-password only.
TEST_F(PgStoreTest, UriWithPasswordIsRefused) {
  store::PgPoolOptions options;
  options.uri = "postgresql://adapter:secret@127.0.0.1:1/adapter";
  StoreResult<std::unique_ptr<store::PgPool>> opened = store::PgPool::Open(options);
  ASSERT_TRUE(std::holds_alternative<StoreError>(opened));
  const std::string& error = std::get<StoreError>(opened).message;
  EXPECT_NE(error.find("holds a password"), std::string::npos) << error;
  EXPECT_EQ(error.find("secret"), std::string::npos) << error;
}

}  // namespace
}  // namespace voip::testing
