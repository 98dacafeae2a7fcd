// The process's own figures read from /proc/self, checked against the kernel's other answers.
#include "platform/process_stats.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmath>
#include <ctime>
#include <vector>

namespace voip {
namespace {

// One more open descriptor shows as exactly one more open_fds.
TEST(ProcessStatsTest, OpenFdsCountsANewDescriptor) {
  const auto before = ReadProcessStats();
  const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  const auto after = ReadProcessStats();
  ::close(fd);
  ASSERT_TRUE(before && after);
  EXPECT_EQ(after->open_fds, before->open_fds + 1);
}

// max_fds is the soft RLIMIT_NOFILE.
TEST(ProcessStatsTest, MaxFdsIsTheSoftLimit) {
  rlimit limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &limit), 0);
  const auto stats = ReadProcessStats();
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->max_fds, static_cast<double>(limit.rlim_cur));
}

// Touching 64 MiB raises the resident size by at least 32 MiB, and the virtual size with it.
TEST(ProcessStatsTest, ResidentMemoryFollowsTouchedPages) {
  const auto before = ReadProcessStats();
  std::vector<char> block(64u << 20, 1);  // value-initialised: every page written
  const auto after = ReadProcessStats();
  ASSERT_TRUE(before && after);
  EXPECT_GE(after->resident_bytes - before->resident_bytes, 32.0 * (1 << 20)) << static_cast<int>(block[4096]);
  EXPECT_GE(after->virtual_bytes, after->resident_bytes);
}

// The CPU time agrees with getrusage to within a few clock ticks.
TEST(ProcessStatsTest, CpuSecondsAgreeWithGetrusage) {
  const auto stats = ReadProcessStats();
  rusage usage{};
  ASSERT_EQ(::getrusage(RUSAGE_SELF, &usage), 0);
  ASSERT_TRUE(stats);
  const double rusage_seconds = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                                static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  EXPECT_NEAR(stats->cpu_seconds, rusage_seconds, 0.05);
}

// The start time is in the past, and no earlier than this test binary could have started.
TEST(ProcessStatsTest, StartTimeIsThisProcesssStart) {
  const auto stats = ReadProcessStats();
  ASSERT_TRUE(stats);
  const double now = static_cast<double>(std::time(nullptr));
  EXPECT_LE(stats->start_time_seconds, now + 1);
  EXPECT_GE(stats->start_time_seconds, now - 300);  // the test binary started at most 5 minutes ago
}

}  // namespace
}  // namespace voip
