// The SQLite store's schema version in PRAGMA user_version (issue 13): a new
// file gets it, a file from before it (only the schema_version table) opens
// and gets it, a newer user_version is refused, and `db status`'s reader
// reports what the file holds.
#include <gtest/gtest.h>

#include "adapter/store/sqlite_outbox.h"
#include "tests/support/results.h"
#include "tests/support/temp_dir.h"

namespace voip::store {
namespace {

class SqliteSchemaVersionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = voip::testing::ResultValue(SqliteDatabase::Open(dir_.File("adapter.db"), SyncMode::kNormal));
    ASSERT_TRUE(db_);
  }
  std::int64_t UserVersion() {
    Statement pragma(*db_, "PRAGMA user_version");
    EXPECT_TRUE(pragma.Step());
    return pragma.Int(0);
  }

  voip::testing::TempDir dir_;
  std::unique_ptr<SqliteDatabase> db_;
};

// A new file is created at the current version and records it in user_version.
TEST_F(SqliteSchemaVersionTest, NewFileRecordsUserVersion) {
  EXPECT_EQ(std::get<int>(SqliteOutbox::SchemaVersionOf(*db_)), 0);
  ASSERT_TRUE(voip::testing::ResultValue(SqliteOutbox::Open(*db_, {})));
  EXPECT_EQ(UserVersion(), SqliteOutbox::KnownSchemaVersion());
  EXPECT_EQ(std::get<int>(SqliteOutbox::SchemaVersionOf(*db_)), SqliteOutbox::KnownSchemaVersion());
}

// A file written before user_version (the schema_version table says the current version, user_version 0)
// opens, keeps its entries, and gets user_version.
TEST_F(SqliteSchemaVersionTest, FileFromBeforeOpensAndGetsUserVersion) {
  {
    auto outbox = voip::testing::ResultValue(SqliteOutbox::Open(*db_, {}));
    ASSERT_TRUE(outbox);
    MigrationStatusUpdate update;
    update.telephone_number = "447874384949";
    update.account_number = "123456789";
    update.site_reference = 42;
    ASSERT_TRUE(std::holds_alternative<OutboxEntryId>(outbox->Journal(update, "corr")));
  }
  ASSERT_FALSE(db_->Exec("PRAGMA user_version = 0"));
  ASSERT_EQ(UserVersion(), 0);
  auto outbox = voip::testing::ResultValue(SqliteOutbox::Open(*db_, {}));
  ASSERT_TRUE(outbox);
  EXPECT_EQ(UserVersion(), SqliteOutbox::KnownSchemaVersion());
  EXPECT_EQ(std::get<std::vector<OutboxEntry>>(outbox->List(OutboxView::kAll)).size(), 1u);
}

// A file whose user_version is newer than this code's is refused, and left unchanged.
TEST_F(SqliteSchemaVersionTest, NewerUserVersionIsRefused) {
  ASSERT_TRUE(voip::testing::ResultValue(SqliteOutbox::Open(*db_, {})));
  ASSERT_FALSE(db_->Exec("PRAGMA user_version = 4"));
  const std::string error = voip::testing::ResultError(SqliteOutbox::Open(*db_, {})).message;
  EXPECT_NE(error.find("schema version 4 is newer than this adapter's (3)"), std::string::npos) << error;
  EXPECT_EQ(UserVersion(), 4);
}

}  // namespace
}  // namespace voip::store
