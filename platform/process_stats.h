// The running process's own figures, read from /proc/self, as Prometheus client libraries
// export them (process_cpu_seconds_total, process_resident_memory_bytes, ...; the names and
// meanings of client_golang's process collector and the Python client's).
#pragma once

#include <optional>

namespace voip {

struct ProcessStats {
  double cpu_seconds = 0;         // user + system CPU time (utime + stime of /proc/self/stat)
  double resident_bytes = 0;      // resident set size (rss pages of /proc/self/stat times the page size)
  double virtual_bytes = 0;       // virtual memory size (vsize of /proc/self/stat)
  double start_time_seconds = 0;  // start, in seconds since the Unix epoch (btime of /proc/stat + starttime)
  double open_fds = 0;            // entries of /proc/self/fd (the one this read opens included, as the clients do)
  double max_fds = 0;             // the soft limit on open files (RLIMIT_NOFILE)
};

// Reads them now; nullopt when /proc/self/stat or /proc/stat cannot be read or parsed.
// Thread-safe (reads only).
[[nodiscard]] std::optional<ProcessStats> ReadProcessStats();

}  // namespace voip
