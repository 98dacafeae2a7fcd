#include "app/service_manager.h"

#include <systemd/sd-daemon.h>

#include <cstdint>

namespace voip {
namespace {

// One datagram; a service manager that cannot be reached is not the adapter's failure
// (systemd notices a missing READY=1 or WATCHDOG=1 by itself).
void Notify(const std::string& state) { static_cast<void>(::sd_notify(0, state.c_str())); }

// A status is one line: a newline would start another assignment.
std::string OneLine(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

}  // namespace

void NotifyReady(const std::string& status) { Notify("READY=1\nSTATUS=" + OneLine(status)); }

void NotifyStopping(const std::string& status) { Notify("STOPPING=1\nSTATUS=" + OneLine(status)); }

void NotifyStatus(const std::string& status) { Notify("STATUS=" + OneLine(status)); }

void NotifyWatchdog() { Notify("WATCHDOG=1"); }

std::optional<std::chrono::microseconds> WatchdogPingInterval() {
  std::uint64_t usec = 0;
  if (::sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
  return std::chrono::microseconds(static_cast<std::int64_t>(usec / 2));
}

}  // namespace voip
