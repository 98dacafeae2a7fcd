#include "platform/process_stats.h"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

namespace voip {
namespace {

// The fields of /proc/self/stat after the command name, which may hold spaces and
// parentheses itself: the list starts after the last ')'. Field N of proc(5) is at [N - 3].
std::vector<std::string> StatFields() {
  std::ifstream file("/proc/self/stat");
  const std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  const std::size_t end_of_name = text.rfind(')');
  if (end_of_name == std::string::npos) return {};
  std::istringstream rest(text.substr(end_of_name + 1));
  return {std::istream_iterator<std::string>(rest), std::istream_iterator<std::string>()};
}

// The system's boot time in seconds since the epoch (the btime line of /proc/stat); 0 when absent.
double BootTimeSeconds() {
  std::ifstream file("/proc/stat");
  std::string key;
  double value = 0;
  while (file >> key) {
    if (key == "btime" && (file >> value)) return value;
    file.ignore(1 << 20, '\n');
  }
  return 0;
}

double OpenDescriptors() {
  std::error_code error;
  double count = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", error), end; !error && it != end; it.increment(error)) {
    ++count;
  }
  return count;
}

double MaxDescriptors() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  return limit.rlim_cur == RLIM_INFINITY ? 0 : static_cast<double>(limit.rlim_cur);
}

}  // namespace

std::optional<ProcessStats> ReadProcessStats() {
  constexpr std::size_t kUtime = 14 - 3, kStime = 15 - 3, kStartTime = 22 - 3, kVsize = 23 - 3, kRss = 24 - 3;
  const std::vector<std::string> fields = StatFields();
  const double boot_time = BootTimeSeconds();
  if (fields.size() <= kRss || boot_time <= 0) return std::nullopt;
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  try {
    ProcessStats stats;
    stats.cpu_seconds = (std::stod(fields[kUtime]) + std::stod(fields[kStime])) / ticks;
    stats.start_time_seconds = boot_time + std::stod(fields[kStartTime]) / ticks;
    stats.virtual_bytes = std::stod(fields[kVsize]);
    stats.resident_bytes = std::stod(fields[kRss]) * page;
    stats.open_fds = OpenDescriptors();
    stats.max_fds = MaxDescriptors();
    return stats;
  } catch (const std::exception&) {  // std::stod: not a number
    return std::nullopt;
  }
}

}  // namespace voip
