// The simulators' HTTP/1.1 server: a fixed pool of worker threads, each serving
// one connection at a time with blocking reads.
//
// Why not cpp-httplib here: Debian's compiled cpp-httplib 0.11.4 waits for the
// next request on a keep-alive connection by polling it every 10 ms and
// sleeping 1 ms in between, so every idle backend connection wakes its thread
// about 90 times a second. Measured with `perf record` under the benchmark's
// 50 ms scenario, those wake-ups were about a third of the simulator's CPU time
// (docs/performance.md). Here a worker sleeps in recv() until bytes arrive,
// the connection's idle time-out passes, or Stop() shuts its reading side.
//
// Serves what the simulators' callers send: requests framed by Content-Length
// or chunked transfer coding, `Expect: 100-continue`, keep-alive (HTTP/1.1
// default, `Connection: close` honoured) and pipelined requests. Answers 400
// to a request it cannot parse, 413 to a body over the limit, 501 to a
// transfer coding other than chunked, and closes the connection after those.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace voip::sim {

// Sends all of `data` on a blocking socket (no SIGPIPE, EINTR retried);
// false when the peer closed or the send failed.
bool SendAll(int fd, std::string_view data);

struct HttpRequest {
  std::string method;
  std::string path;                                          // the request target without its query string
  std::vector<std::pair<std::string, std::string>> headers;  // in arrival order
  std::string body;

  // The first header called `name` (any letter case); empty when absent.
  std::string_view Header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type;  // no Content-Type header when empty
  std::string body;
};

// Called on a worker thread; may block (slow answers hold only their worker).
using HttpHandler = std::function<void(const HttpRequest& request, HttpResponse& response)>;

struct HttpServerOptions {
  int threads = 32;                      // connections served at once; more wait for a worker
  std::size_t max_body_bytes = 1 << 20;  // larger bodies get 413
  std::chrono::seconds idle_timeout{2};  // an idle keep-alive connection is closed after this
  std::chrono::seconds read_timeout{5};  // for the rest of a request once it has begun
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpHandler handler);
  ~HttpServer();  // Stop()s
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds host:port (port 0: any free port; SO_REUSEADDR without
  // SO_REUSEPORT, so a port in use fails) and listens with a SOMAXCONN
  // backlog. Returns the port, or -1 with the reason in *error.
  int Bind(const std::string& host, int port, std::string* error);

  // Starts the accept thread and the workers. Call once, after Bind().
  void Start();

  // Stops accepting, closes idle connections, lets handlers still running
  // send their answer (then closes those connections too) and joins all
  // threads. Idempotent.
  void Stop();

 private:
  void AcceptLoop();
  void WorkerLoop();
  void ServeConnection(int fd);
  void Forget(int fd);

  const HttpServerOptions options_;
  const HttpHandler handler_;
  int listen_fd_ = -1;
  std::thread acceptor_;
  std::vector<std::thread> workers_;

  std::mutex stop_mutex_;  // serialises Stop()
  std::mutex mutex_;
  std::condition_variable ready_;  // a connection was queued, or stopping_ was set
  std::deque<int> queued_;         // accepted, waiting for a worker
  std::set<int> open_;             // every accepted socket not yet closed
  bool stopping_ = false;
  bool stopped_ = false;
};

}  // namespace voip::sim
