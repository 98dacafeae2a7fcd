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

#include "tests/support/temp_dir.h"

namespace voip::store {
namespace {

constexpr const char* kInUse = "is in use by another adapter process";

// Acquires the lock through `second_name` while one is held through `first_name`; returns the refusal.
std::string RefusalWhileHeld(const std::string& first_name, const std::string& second_name) {
  std::string error;
  const auto first = InstanceLock::Acquire(first_name, &error);
  EXPECT_NE(first, nullptr) << error;
  const auto second = InstanceLock::Acquire(second_name, &error);
  EXPECT_EQ(second, nullptr) << second_name << " was locked a second time";
  return error;
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
  std::string error;
  const auto first = InstanceLock::Acquire(dir.File("adapter.db"), &error);
  ASSERT_NE(first, nullptr) << error;
  std::ofstream(dir.File("restored.db")).close();
  ASSERT_EQ(std::rename(dir.File("restored.db").c_str(), dir.File("adapter.db").c_str()), 0);
  EXPECT_EQ(InstanceLock::Acquire(dir.File("adapter.db"), &error), nullptr);
  EXPECT_NE(error.find(kInUse), std::string::npos) << error;
}

// Once released, the database can be locked again (the lock dies with its holder).
TEST(InstanceLockTest, ReleasedLockCanBeTakenAgain) {
  const testing::TempDir dir;
  std::string error;
  ASSERT_NE(InstanceLock::Acquire(dir.File("adapter.db"), &error), nullptr) << error;
  EXPECT_NE(InstanceLock::Acquire(dir.File("adapter.db"), &error), nullptr) << error;
}

// Another database in the same directory is not affected.
TEST(InstanceLockTest, AnotherDatabaseIsNotLocked) {
  const testing::TempDir dir;
  std::string error;
  const auto first = InstanceLock::Acquire(dir.File("one.db"), &error);
  ASSERT_NE(first, nullptr) << error;
  EXPECT_NE(InstanceLock::Acquire(dir.File("two.db"), &error), nullptr) << error;
}

// A directory where the database should be is refused with a clear message, not locked.
TEST(InstanceLockTest, DirectoryIsNotADatabase) {
  const testing::TempDir dir;
  ASSERT_EQ(::mkdir(dir.File("adapter.db").c_str(), 0700), 0);
  std::string error;
  EXPECT_EQ(InstanceLock::Acquire(dir.File("adapter.db"), &error), nullptr);
  EXPECT_NE(error.find("adapter.db"), std::string::npos) << error;
}

}  // namespace
}  // namespace voip::store
