// What the adapter tells systemd when it runs as a Type=notify service (sd_notify(3), from
// Debian's libsystemd): READY=1 once it listens and its database is usable, STATUS= lines an
// operator sees in `systemctl status`, STOPPING=1 when it starts draining, and WATCHDOG=1
// pings while WATCHDOG_USEC asks for them. Outside systemd (no NOTIFY_SOCKET) every call does
// nothing. Thread-safe (each call sends one datagram).
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace voip {

// READY=1 with STATUS=`status`.
void NotifyReady(const std::string& status);
// STOPPING=1 with STATUS=`status`.
void NotifyStopping(const std::string& status);
// STATUS=`status` alone.
void NotifyStatus(const std::string& status);
// WATCHDOG=1.
void NotifyWatchdog();

// How often to send WATCHDOG=1: half the WATCHDOG_USEC systemd set for this process (so one
// late ping is not yet a missed one); nullopt when it set none (or set it for another PID).
[[nodiscard]] std::optional<std::chrono::microseconds> WatchdogPingInterval();

}  // namespace voip
