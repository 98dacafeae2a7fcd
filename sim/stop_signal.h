// A one-way "the simulators are stopping" flag that sleeping handlers can wait
// on, so a slow-answer trigger ends as soon as Stop() is called instead of
// holding a server thread (and Stop()) for the whole slow period.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace voip::sim {

// Thread-safe. Stop() is idempotent; once stopped, it stays stopped.
class StopSignal {
 public:
  // Wakes every current and future waiter.
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopped_ = true;
    }
    wake_.notify_all();
  }

  // Waits up to `duration`. Returns true when the full duration elapsed,
  // false when Stop() cut the wait short (or had been called before).
  bool WaitFor(std::chrono::milliseconds duration) const {
    std::unique_lock<std::mutex> lock(mutex_);
    return !wake_.wait_for(lock, duration, [this] { return stopped_; });
  }

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable wake_;
  bool stopped_ = false;
};

}  // namespace voip::sim
