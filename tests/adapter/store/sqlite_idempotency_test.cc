#include "adapter/store/sqlite_idempotency.h"

#include <gtest/gtest.h>

#include <atomic>

#include "tests/support/results.h"
#include "tests/support/temp_dir.h"

namespace voip::store {
namespace {

class SqliteIdempotencyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = voip::testing::ResultValue(SqliteDatabase::Open(dir_.File("adapter.db"), SyncMode::kNormal));
    ASSERT_TRUE(db_);
    SqliteIdempotencyOptions options;
    options.ttl = std::chrono::seconds(60);
    options.now_ms = [this] { return now_ms_.load(); };
    store_ = voip::testing::ResultValue(SqliteIdempotencyStore::Open(*db_, options));
    ASSERT_TRUE(store_);
  }

  Claim ClaimOf(const std::string& key, const std::string& fingerprint) {
    return std::get<Claim>(store_->ClaimKey(key, fingerprint));
  }

  testing::TempDir dir_;
  std::atomic<std::int64_t> now_ms_{1'000'000};
  std::unique_ptr<SqliteDatabase> db_;
  std::unique_ptr<SqliteIdempotencyStore> store_;
};

// A new key is claimed; asked again before it completes, it is in flight.
TEST_F(SqliteIdempotencyTest, NewKeyIsClaimedThenInFlight) {
  EXPECT_EQ(ClaimOf("k1", "fp").result, ClaimResult::kClaimed);
  EXPECT_EQ(ClaimOf("k1", "fp").result, ClaimResult::kInFlight);
}

// A completed key replays its stored answer to the same request.
TEST_F(SqliteIdempotencyTest, CompletedKeyReplays) {
  ClaimOf("k1", "fp");
  ASSERT_FALSE(store_->Complete("k1", {422, "{\"x\":1}"}));
  const Claim claim = ClaimOf("k1", "fp");
  EXPECT_EQ(claim.result, ClaimResult::kReplay);
  ASSERT_TRUE(claim.answer.has_value());
  EXPECT_EQ(claim.answer->http_status, 422);
  EXPECT_EQ(claim.answer->body, "{\"x\":1}");
}

// Another request under a used key is a mismatch, running or finished.
TEST_F(SqliteIdempotencyTest, OtherRequestIsMismatch) {
  ClaimOf("k1", "fp");
  EXPECT_EQ(ClaimOf("k1", "other").result, ClaimResult::kMismatch);
  EXPECT_FALSE(store_->Complete("k1", {200, "{}"}));
  EXPECT_EQ(ClaimOf("k1", "other").result, ClaimResult::kMismatch);
}

// A released key can be claimed again (its request did nothing).
TEST_F(SqliteIdempotencyTest, ReleasedKeyIsClaimableAgain) {
  ClaimOf("k1", "fp");
  ASSERT_FALSE(store_->Release("k1"));
  EXPECT_EQ(ClaimOf("k1", "other").result, ClaimResult::kClaimed);
}

// After the expiry the key is new again, and expired keys are deleted.
TEST_F(SqliteIdempotencyTest, ExpiredKeyIsNewAgain) {
  ClaimOf("k1", "fp");
  EXPECT_FALSE(store_->Complete("k1", {200, "{}"}));
  now_ms_ += 60'000;
  EXPECT_EQ(ClaimOf("k1", "other").result, ClaimResult::kClaimed);
  now_ms_ += 60'000;
  EXPECT_EQ(std::get<int>(store_->DeleteExpired()), 1);
}

// Keys left running by a crash get the answer given for their fingerprint, and then replay it.
TEST_F(SqliteIdempotencyTest, InterruptedKeysReplayTheAnswerForTheirFingerprint) {
  ClaimOf("k1", "fp-json");
  ClaimOf("k2", "soap11:fp");
  ClaimOf("k3", "fp-done");
  EXPECT_FALSE(store_->Complete("k3", {200, "kept"}));
  const auto answer_for = [](const std::string& fingerprint) {
    return fingerprint.rfind("soap11:", 0) == 0 ? StoredAnswer{200, "<soap/>"} : StoredAnswer{500, "unknown"};
  };
  EXPECT_EQ(std::get<int>(store_->CompleteInterrupted(answer_for)), 2);
  const Claim json = ClaimOf("k1", "fp-json");
  EXPECT_EQ(json.result, ClaimResult::kReplay);
  EXPECT_EQ(json.answer->http_status, 500);
  EXPECT_EQ(json.answer->body, "unknown");
  const Claim soap = ClaimOf("k2", "soap11:fp");
  EXPECT_EQ(soap.answer->http_status, 200);
  EXPECT_EQ(soap.answer->body, "<soap/>");
  EXPECT_EQ(ClaimOf("k3", "fp-done").answer->body, "kept");
}

}  // namespace
}  // namespace voip::store
