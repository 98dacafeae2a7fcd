#include "http/load_shedding.h"

#include <utility>

namespace voip {
namespace {

thread_local bool serving_shed_connection = false;

}  // namespace

BoundedTaskQueue::BoundedTaskQueue(std::size_t workers, std::size_t max_queued)
    : workers_(workers), max_queued_(max_queued) {
  threads_.reserve(workers + kShedThreads);
  for (std::size_t i = 0; i < workers; ++i) threads_.emplace_back([this] { Work(workers_lane_, false); });
  for (std::size_t i = 0; i < kShedThreads; ++i) threads_.emplace_back([this] { Work(shed_lane_, true); });
}

BoundedTaskQueue::~BoundedTaskQueue() { shutdown(); }

void BoundedTaskQueue::enqueue(std::function<void()> fn) {
  Lane* lane = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // Counted from enqueue to the end of the job, so that a connection a
    // worker has not picked up yet counts even while that worker is idle.
    const bool room = workers_busy_or_waiting_ < workers_ + max_queued_;
    if (room) ++workers_busy_or_waiting_;
    lane = room ? &workers_lane_ : &shed_lane_;
    lane->jobs.push_back(std::move(fn));
  }
  lane->ready.notify_one();
}

void BoundedTaskQueue::EnqueueShed(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    shed_lane_.jobs.push_back(std::move(fn));
  }
  shed_lane_.ready.notify_one();
}

bool BoundedTaskQueue::WorkerToSpare() const {
  // Without the lock: every worker asks after every answer, and a stale
  // count only shortens or lengthens one wait by a slice.
  return workers_busy_or_waiting_.load(std::memory_order_relaxed) < workers_;
}

void BoundedTaskQueue::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (shutting_down_ && threads_.empty()) return;
    shutting_down_ = true;
  }
  workers_lane_.ready.notify_all();
  shed_lane_.ready.notify_all();
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

void BoundedTaskQueue::Work(Lane& lane, bool shedding) {
  serving_shed_connection = shedding;
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      lane.ready.wait(lock, [&] { return !lane.jobs.empty() || shutting_down_; });
      if (lane.jobs.empty()) return;  // shutting down, nothing left
      job = std::move(lane.jobs.front());
      lane.jobs.pop_front();
    }
    job();
    if (!shedding) {
      std::lock_guard<std::mutex> lock(mutex_);
      --workers_busy_or_waiting_;
    }
  }
}

bool BoundedTaskQueue::ServingShedConnection() { return serving_shed_connection; }

bool IsOperatorPath(std::string_view path) { return path == "/health" || path == "/ready" || path == "/metrics"; }

InFlightLimit::Slot InFlightLimit::TryEnter() {
  const int before = count_.fetch_add(1, std::memory_order_relaxed);
  if (max_ > 0 && before >= max_) {
    count_.fetch_sub(1, std::memory_order_relaxed);
    return Slot(nullptr);
  }
  return Slot(this);
}

}  // namespace voip
