#include "http/serving_thread.h"

#include <chrono>

namespace voip {

ServingThread::ServingThread(httplib::Server& server)
    : server_(server), thread_([this] {
        server_.listen_after_bind();
        ended_ = true;
      }) {
  // stop() is a no-op until the accept loop runs: wait for it (or for its end,
  // when the listening socket failed at once).
  while (!server_.is_running() && !ended_) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

ServingThread::~ServingThread() {
  Stop();
  Wait();
}

void ServingThread::Stop() { server_.stop(); }

void ServingThread::Wait() {
  if (thread_.joinable()) thread_.join();
}

}  // namespace voip
