#include "adapter/store/group_commit.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "tests/support/results.h"
#include "tests/support/temp_dir.h"

namespace voip::store {
namespace {

class GroupCommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = voip::testing::ResultValue(SqliteDatabase::Open(dir_.File("group.db"), SyncMode::kNormal));
    ASSERT_TRUE(db_);
    ASSERT_FALSE(db_->Exec("CREATE TABLE t (x INTEGER NOT NULL)"));
    group_ = std::make_unique<GroupCommit>(*db_, [this] { ++firsts_; });
  }

  // A write inserting `x`; NULL (a constraint failure) when x < 0.
  GroupCommit::Write Insert(int x) {
    return [this, x]() -> std::optional<std::string> {
      Statement insert(*db_, "INSERT INTO t (x) VALUES (?1)");
      if (x < 0) {
        insert.BindNull(1);
      } else {
        insert.Bind(1, std::int64_t{x});
      }
      if (!insert.Run()) return "insert " + std::to_string(x) + " failed";
      return std::nullopt;
    };
  }

  // Rows as another connection sees them: committed ones only.
  std::vector<std::int64_t> CommittedRows() {
    auto other = voip::testing::ResultValue(SqliteDatabase::Open(dir_.File("group.db"), SyncMode::kNormal));
    std::vector<std::int64_t> rows;
    Statement select(*other, "SELECT x FROM t ORDER BY x");
    while (select.Step()) rows.push_back(select.Int(0));
    return rows;
  }

  // Runs the writes from one thread each while the test holds the database,
  // so that all of them are queued before any transaction starts; returns
  // each write's result.
  std::vector<std::optional<std::string>> RunQueuedTogether(const std::vector<GroupCommit::Write>& writes) {
    std::vector<std::optional<std::string>> results(writes.size());
    std::vector<std::thread> threads;
    {
      std::lock_guard<std::mutex> hold(db_->mutex());
      for (std::size_t i = 0; i < writes.size(); ++i) {
        threads.emplace_back([&, i] { results[i] = group_->Run(writes[i]); });
      }
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (group_->Waiting() < writes.size() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
      EXPECT_EQ(group_->Waiting(), writes.size());
    }
    for (auto& thread : threads) thread.join();
    return results;
  }

  testing::TempDir dir_;
  std::unique_ptr<SqliteDatabase> db_;
  std::unique_ptr<GroupCommit> group_;
  int firsts_ = 0;  // runs of the first-in-each-transaction hook (under the database mutex)
};

// A write alone is its own transaction, committed (visible to another connection) when Run returns.
TEST_F(GroupCommitTest, WriteAloneIsCommittedWhenRunReturns) {
  EXPECT_FALSE(group_->Run(Insert(1)));
  EXPECT_EQ(CommittedRows(), (std::vector<std::int64_t>{1}));
  EXPECT_EQ(group_->Commits(), 1u);
  EXPECT_EQ(firsts_, 1);
}

// Writes queued while the database is busy share one transaction and one commit.
TEST_F(GroupCommitTest, QueuedWritesShareOneCommit) {
  const auto results = RunQueuedTogether({Insert(1), Insert(2), Insert(3)});
  for (const auto& result : results) EXPECT_FALSE(result) << *result;
  EXPECT_EQ(CommittedRows(), (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(group_->Commits(), 1u);
  EXPECT_EQ(firsts_, 1);
  EXPECT_EQ(group_->Waiting(), 0u);
}

// A failing write in a batch fails alone: the others are committed, each in its own transaction.
TEST_F(GroupCommitTest, FailingWriteFailsOnlyItself) {
  const auto results = RunQueuedTogether({Insert(1), Insert(-1), Insert(3)});
  EXPECT_FALSE(results[0]);
  ASSERT_TRUE(results[1]);
  EXPECT_EQ(*results[1], "insert -1 failed");
  EXPECT_FALSE(results[2]);
  EXPECT_EQ(CommittedRows(), (std::vector<std::int64_t>{1, 3}));
  EXPECT_EQ(group_->Commits(), 2u);
}

// Many threads writing at once: every write is committed, once.
TEST_F(GroupCommitTest, ConcurrentWritesAreAllCommittedOnce) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < 25; ++i) EXPECT_FALSE(group_->Run(Insert(t * 100 + i)));
    });
  }
  for (auto& thread : threads) thread.join();
  const auto rows = CommittedRows();
  ASSERT_EQ(rows.size(), 200u);
  for (int t = 0; t < 8; ++t) {
    for (int i = 0; i < 25; ++i) EXPECT_EQ(rows[t * 25 + i], t * 100 + i);
  }
}

}  // namespace
}  // namespace voip::store
