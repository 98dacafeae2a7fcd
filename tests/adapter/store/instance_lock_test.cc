// The single-instance lock follows the database file, whatever name it is
// reached by. Two InstanceLocks in one process exclude each other as two
// processes do (flock locks belong to the open file, not to the process).
#include "adapter/store/instance_lock.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "tests/support/results.h"
#include "tests/support/temp_dir.h"

namespace voip::store {
namespace {

constexpr const char* kInUse = "is in use by another adapter process";

// Acquires the lock through `second_name` while one is held through `first_name`; returns the refusal.
std::string RefusalWhileHeld(const std::string& first_name, const std::string& second_name) {
  const auto first = voip::testing::ResultValue(InstanceLock::Acquire(first_name));
  EXPECT_NE(first, nullptr);
  const auto second = InstanceLock::Acquire(second_name);
  EXPECT_TRUE(std::holds_alternative<StoreError>(second)) << second_name << " was locked a second time";
  return std::holds_alternative<StoreError>(second) ? std::get<StoreError>(second).message : std::string();
}

// The same path twice: the second is refused and the message says why.
TEST(InstanceLockTest, SamePathIsRefused) {
  const testing::TempDir dir;
  EXPECT_NE(RefusalWhileHeld(dir.File("adapter.db"), dir.File("adapter.db")).find(kInUse), std::string::npos);
}

// A symlink to the locked database is the same database: refused.
TEST(InstanceLockTest, SymlinkToTheFileIsRefused) {
  const testing::TempDir dir;
  std::ofstream(dir.File("adapter.db")).close();
  ASSERT_EQ(::symlink(dir.File("adapter.db").c_str(), dir.File("alias.db").c_str()), 0);
  EXPECT_NE(RefusalWhileHeld(dir.File("adapter.db"), dir.File("alias.db")).find(kInUse), std::string::npos);
}

// A hard link (another directory entry of the same file) is the same database: refused.
TEST(InstanceLockTest, HardLinkToTheFileIsRefused) {
  const testing::TempDir dir;
  std::ofstream(dir.File("adapter.db")).close();
  ASSERT_EQ(::link(dir.File("adapter.db").c_str(), dir.File("hard.db").c_str()), 0);
  EXPECT_NE(RefusalWhileHeld(dir.File("adapter.db"), dir.File("hard.db")).find(kInUse), std::string::npos);
}

// Through a symlinked directory and "..": the same database, refused.
TEST(InstanceLockTest, PathThroughSymlinkedDirectoryIsRefused) {
  const testing::TempDir dir;
  ASSERT_EQ(::mkdir(dir.File("data").c_str(), 0700), 0);
  ASSERT_EQ(::mkdir(dir.File("data/sub").c_str(), 0700), 0);
  ASSERT_EQ(::symlink(dir.File("data/sub").c_str(), dir.File("link").c_str()), 0);
  EXPECT_NE(RefusalWhileHeld(dir.File("data/adapter.db"), dir.File("link/../adapter.db")).find(kInUse),
            std::string::npos);
}

// The database file replaced by rename while the first holds it: the lock beside it still refuses.
TEST(InstanceLockTest, ReplacedFileIsRefused) {
  const testing::TempDir dir;
  const auto first = voip::testing::ResultValue(InstanceLock::Acquire(dir.File("adapter.db")));
  ASSERT_NE(first, nullptr);
  std::ofstream(dir.File("restored.db")).close();
  ASSERT_EQ(std::rename(dir.File("restored.db").c_str(), dir.File("adapter.db").c_str()), 0);
  const std::string error = voip::testing::ResultError(InstanceLock::Acquire(dir.File("adapter.db"))).message;
  EXPECT_NE(error.find(kInUse), std::string::npos) << error;
}

// Once released, the database can be locked again (the lock dies with its holder).
TEST(InstanceLockTest, ReleasedLockCanBeTakenAgain) {
  const testing::TempDir dir;
  ASSERT_NE(voip::testing::ResultValue(InstanceLock::Acquire(dir.File("adapter.db"))), nullptr);
  EXPECT_NE(voip::testing::ResultValue(InstanceLock::Acquire(dir.File("adapter.db"))), nullptr);
}

// Another database in the same directory is not affected.
TEST(InstanceLockTest, AnotherDatabaseIsNotLocked) {
  const testing::TempDir dir;
  const auto first = voip::testing::ResultValue(InstanceLock::Acquire(dir.File("one.db")));
  ASSERT_NE(first, nullptr);
  EXPECT_NE(voip::testing::ResultValue(InstanceLock::Acquire(dir.File("two.db"))), nullptr);
}

// A directory where the database should be is refused with a clear message, not locked.
TEST(InstanceLockTest, DirectoryIsNotADatabase) {
  const testing::TempDir dir;
  ASSERT_EQ(::mkdir(dir.File("adapter.db").c_str(), 0700), 0);
  const std::string error = voip::testing::ResultError(InstanceLock::Acquire(dir.File("adapter.db"))).message;
  EXPECT_NE(error.find("adapter.db"), std::string::npos) << error;
}

}  // namespace
}  // namespace voip::store
