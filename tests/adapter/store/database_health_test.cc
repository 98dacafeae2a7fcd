#include "adapter/store/database_health.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/results.h"
#include "tests/support/temp_dir.h"

namespace voip::store {
namespace {

// A database in its own subdirectory, so that the test can move the directory away and back.
class DatabaseHealthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directory(dir_.File("data"));
    db_ = voip::testing::ResultValue(SqliteDatabase::Open(dir_.File("data/adapter.db"), SyncMode::kNormal));
    ASSERT_TRUE(db_);
  }

  std::unique_ptr<DatabaseHealth> Open(std::chrono::milliseconds interval) {
    auto health = voip::testing::ResultValue(DatabaseHealth::Open(*db_, interval));
    EXPECT_TRUE(health);
    return health;
  }

  testing::TempDir dir_;
  std::unique_ptr<SqliteDatabase> db_;
};

// A database that takes writes is ready, and the check wrote its row.
TEST_F(DatabaseHealthTest, WritableDatabaseIsReady) {
  auto health = Open(std::chrono::milliseconds(0));
  EXPECT_EQ(health->Check(), std::nullopt);
  Statement row(*db_, "SELECT count(*) FROM adapter_health");
  ASSERT_TRUE(row.Step());
  EXPECT_EQ(row.Int(0), 1);
}

// A database that refuses writes is not ready, with SQLite's reason; ready again once writes pass.
TEST_F(DatabaseHealthTest, RefusedWriteIsNotReadyUntilWritesPassAgain) {
  auto health = Open(std::chrono::milliseconds(0));
  ASSERT_FALSE(db_->Exec("PRAGMA query_only = ON"));
  const auto reason = health->Check();
  ASSERT_TRUE(reason.has_value());
  EXPECT_NE(reason->find("is not writable"), std::string::npos) << *reason;
  EXPECT_NE(reason->find("adapter.db"), std::string::npos);
  ASSERT_FALSE(db_->Exec("PRAGMA query_only = OFF"));
  EXPECT_EQ(health->Check(), std::nullopt);
}

// The file moved away from its path (its directory renamed) is not ready; moved back, ready again.
TEST_F(DatabaseHealthTest, MovedDatabaseFileIsNotReadyUntilBack) {
  auto health = Open(std::chrono::milliseconds(0));
  std::filesystem::rename(dir_.File("data"), dir_.File("moved"));
  const auto reason = health->Check();
  ASSERT_TRUE(reason.has_value());
  EXPECT_NE(reason->find("no longer the file the adapter opened"), std::string::npos) << *reason;
  std::filesystem::rename(dir_.File("moved"), dir_.File("data"));
  EXPECT_EQ(health->Check(), std::nullopt);
}

// A file replaced by another at the same path is not ready (the adapter's writes would go to the old one).
TEST_F(DatabaseHealthTest, ReplacedDatabaseFileIsNotReady) {
  auto health = Open(std::chrono::milliseconds(0));
  std::filesystem::rename(dir_.File("data/adapter.db"), dir_.File("data/old.db"));
  std::filesystem::copy_file(dir_.File("data/old.db"), dir_.File("data/adapter.db"));
  EXPECT_TRUE(health->Check().has_value());
}

// Within the interval a check answers from the last result without touching the database.
TEST_F(DatabaseHealthTest, AnswersFromTheLastCheckWithinTheInterval) {
  auto health = Open(std::chrono::hours(1));
  ASSERT_FALSE(db_->Exec("PRAGMA query_only = ON"));
  EXPECT_EQ(health->Check(), std::nullopt);     // the check made at Open still stands
  EXPECT_TRUE(health->CheckNow().has_value());  // a forced check sees the refusal
  EXPECT_TRUE(health->Check().has_value());     // and is what later calls answer
}

}  // namespace
}  // namespace voip::store
