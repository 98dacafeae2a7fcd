// A one-way "the simulators are stopping" flag that sleeping handlers can wait
// on, so a slow-answer trigger ends as soon as Stop() is called instead of
// holding a server thread (and Stop()) for the whole slow period.
//
// An eventfd that Stop() makes readable for good: a wait is one poll() on it
// with a time-out, so hundreds of handlers waiting out the benchmark's latency
// share no lock (a mutex and condition variable here made every waking
// handler queue for the same mutex).
#pragma once

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>

namespace voip::sim {

// Thread-safe. Stop() is idempotent; once stopped, it stays stopped.
class StopSignal {
 public:
  StopSignal() : fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}
  ~StopSignal() {
    if (fd_ >= 0) ::close(fd_);
  }
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;

  // Wakes every current and future waiter.
  void Stop() {
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t written = ::write(fd_, &one, sizeof one);
  }

  // Waits up to `duration`. Returns true when the full duration elapsed,
  // false when Stop() cut the wait short (or had been called before).
  // Without an eventfd (the process was out of descriptors) it only sleeps.
  bool WaitFor(std::chrono::milliseconds duration) const {
    using Clock = std::chrono::steady_clock;
    const Clock::time_point deadline = Clock::now() + duration;
    for (;;) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return true;
      pollfd stopped{fd_, POLLIN, 0};
      const int ready = ::poll(&stopped, 1, static_cast<int>(left.count()));
      if (ready > 0) return false;
      if (ready < 0 && errno != EINTR) return true;
    }
  }

 private:
  const int fd_;
};

}  // namespace voip::sim
