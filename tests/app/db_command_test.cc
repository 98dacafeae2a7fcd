// `voip-migration-adapter db`: --help, and a SQLite path that names no file is
// refused without creating one (the PostgreSQL side: tests/store/pg_adapter_test.py).
#include "app/db_command.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <sstream>

#include "tests/support/temp_dir.h"

namespace voip {
namespace {

// `db status` on a path that names no file exits 2, says so, and creates nothing there.
TEST(DbCommandTest, StatusOfMissingSqliteDatabaseIsRefusedAndNotCreated) {
  testing::TempDir dir;
  const std::string wrong = dir.File("typo.db");
  std::ostringstream out, err;
  EXPECT_EQ(RunDbCommand({"status", "--database", wrong}, out, err), 2);
  EXPECT_EQ(out.str(), "");
  EXPECT_NE(err.str().find("no database at '" + wrong + "'"), std::string::npos) << err.str();
  EXPECT_NE(::access(wrong.c_str(), F_OK), 0);
}

// `db migrate` does not create a SQLite file either: the adapter does that at its first start.
TEST(DbCommandTest, MigrateOfMissingSqliteDatabaseIsRefusedAndNotCreated) {
  testing::TempDir dir;
  const std::string wrong = dir.File("typo.db");
  std::ostringstream out, err;
  EXPECT_EQ(RunDbCommand({"migrate", "--database", wrong}, out, err), 2);
  EXPECT_NE(err.str().find("no database at"), std::string::npos) << err.str();
  EXPECT_NE(::access(wrong.c_str(), F_OK), 0);
}

// `db migrate --help` prints the usage on stdout and exits 0.
TEST(DbCommandTest, HelpPrintsUsage) {
  std::ostringstream out, err;
  EXPECT_EQ(RunDbCommand({"migrate", "--help"}, out, err), 0);
  EXPECT_NE(out.str().find("voip-migration-adapter db status"), std::string::npos) << out.str();
  EXPECT_EQ(err.str(), "");
}

}  // namespace
}  // namespace voip
