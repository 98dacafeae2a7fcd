// Load shedding: the adapter answers a fast 503 rather than letting work
// queue without bound.
//
// Three bounds:
//  - connections: max-connections, in the waiting room
//    (http/connection_parking.h); a connection beyond it is shed.
//  - requests waiting for a worker: a worker serves one request whose head
//    has arrived (http/connection_scheduler.h). The BoundedTaskQueue keeps at
//    most `max_queued` of them waiting for a worker; one beyond that, or on
//    a shed connection, is served by a small separate set of shedding threads
//    on which ServingShedConnection() is true, so that the server's
//    pre-routing handler answers it from its request head alone (a minimal
//    JSON 503, or a SOAP Fault on /soap) and closes it at once. The same
//    threads answer the operators' endpoints (IsOperatorPath), so that
//    /health, /ready and /metrics are answered while every worker is busy.
//  - requests: InFlightLimit bounds how many requests run the core (and so
//    call the backends) at once; beyond it a request is answered 503 without
//    any backend call.
#pragma once

#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace voip {

// A cpp-httplib task queue with `workers` threads and at most `max_queued`
// connections waiting for one. Thread-safe (cpp-httplib enqueues from its
// accept thread).
class BoundedTaskQueue : public httplib::TaskQueue {
 public:
  static constexpr std::size_t kShedThreads = 2;

  BoundedTaskQueue(std::size_t workers, std::size_t max_queued);
  ~BoundedTaskQueue() override;
  BoundedTaskQueue(const BoundedTaskQueue&) = delete;
  BoundedTaskQueue& operator=(const BoundedTaskQueue&) = delete;

  // Queued for a worker, or, when every worker is busy and `max_queued` are
  // already waiting, for a shedding thread. The shedding threads' own queue is not bounded: each of
  // their connections is answered as soon as its request head has arrived
  // (at most the server's read time-out for a client that sends it slowly).
  void enqueue(std::function<void()> fn) override;
  // Queued for a shedding thread, whatever the workers are doing.
  void EnqueueShed(std::function<void()> fn);
  // True while fewer jobs are queued for or served by a worker than there
  // are workers.
  [[nodiscard]] bool WorkerToSpare() const;
  // Serves what is queued, then joins every thread.
  void shutdown() override;

  // True while the calling thread serves a connection that was shed.
  static bool ServingShedConnection();

 private:
  struct Lane {
    std::deque<std::function<void()>> jobs;
    std::condition_variable ready;
  };
  void Work(Lane& lane, bool shedding);

  const std::size_t workers_;
  const std::size_t max_queued_;
  std::mutex mutex_;
  // Connections queued for or served by a worker: changed under mutex_, read
  // without it by WorkerToSpare().
  std::atomic<std::size_t> workers_busy_or_waiting_{0};
  bool shutting_down_ = false;
  Lane workers_lane_;
  Lane shed_lane_;
  std::vector<std::thread> threads_;
};

// GET /health, /ready and /metrics: answered by the shedding threads too.
[[nodiscard]] bool IsOperatorPath(std::string_view path);

// At most `max` requests at once in the section it guards; 0: no limit.
// Thread-safe.
class InFlightLimit {
 public:
  explicit InFlightLimit(int max) : max_(max) {}

  // A place in the section, held until destruction; false when there was none.
  class Slot {
   public:
    explicit Slot(InFlightLimit* limit) : limit_(limit) {}
    Slot(Slot&& other) noexcept : limit_(std::exchange(other.limit_, nullptr)) {}
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    Slot& operator=(Slot&&) = delete;
    ~Slot() {
      if (limit_ != nullptr) limit_->count_.fetch_sub(1, std::memory_order_relaxed);
    }
    explicit operator bool() const { return limit_ != nullptr; }

   private:
    InFlightLimit* limit_;
  };

  Slot TryEnter();

 private:
  const int max_;
  std::atomic<int> count_{0};
};

}  // namespace voip
