// A bound cpp-httplib server (the adapter's listener, the simulators', the
// benchmark's reference) served on a background thread: one way to start,
// stop and wait for every server the project runs.
#pragma once

#include <httplib.h>

#include <atomic>
#include <thread>

namespace voip {

class ServingThread {
 public:
  // Starts `server`'s accept loop (bound already) on a new thread and returns
  // once it runs, so that a Stop() right after cannot be lost. `server` must
  // outlive this object.
  explicit ServingThread(httplib::Server& server);
  ~ServingThread();  // Stop() and Wait()
  ServingThread(const ServingThread&) = delete;
  ServingThread& operator=(const ServingThread&) = delete;

  // Stops accepting; the server's task queue then closes the connections
  // waiting for a request and serves those already routed. Idempotent,
  // thread-safe.
  void Stop();
  // Blocks until the accept loop has ended (Stop() or a fatal listener
  // error) and joins the thread. Call from one thread only.
  void Wait();

 private:
  httplib::Server& server_;
  std::atomic<bool> ended_{false};  // the accept loop returned
  std::thread thread_;
};

}  // namespace voip
