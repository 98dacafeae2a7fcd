// A loopback TCP proxy for fault-injection tests, placed between the adapter
// and a backend (a simulator). It understands just enough HTTP/1.1 to find
// where a request and an answer end (headers, then Content-Length bytes), so
// it can fail one exchange at a precise point. Each accepted connection gets
// its own thread; every request on it is forwarded on a fresh upstream
// connection, closed after the answer, so the backend never sees a stale one.
//
// The mode is read when a request has been read in full, so switching it
// affects the next request, also on a kept-alive connection.
//
// Thread-safe. Stop() (or the destructor) closes every socket, ends hangs and
// drips at once and joins every thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace voip::testing {

enum class FaultMode {
  kPassThrough,         // forward the request and the whole answer
  kRefuse,              // nothing listens: connections are refused; kept ones are closed
  kBlackhole,           // nothing answers a connection attempt (SYNs dropped): connects time out; kept ones are closed
  kResetBeforeForward,  // read the request, then reset the connection (RST); the backend sees nothing
  kResetAfterForward,   // forward the request, read the backend's answer, then reset instead of answering
  kHang,                // read the request, never answer, until Stop()
  kDrip,                // forward the request, then the answer one byte per drip interval
  kTruncate,            // forward the request, then the answer up to the cut (SetTruncateAt), then close (FIN)
  kHtml500,             // answer an HTML "500 Internal Server Error" page itself; the backend sees nothing
};

class FaultProxy {
 public:
  // Listens on a free loopback port and forwards to 127.0.0.1:target_port.
  // nullptr and *error when it cannot listen.
  static std::unique_ptr<FaultProxy> Start(int target_port, std::string* error);
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  int port() const { return port_; }
  // `url` (http://host:port/path) with host and port replaced by the proxy's.
  std::string Via(const std::string& url) const;

  // Switches the mode for the next request. Entering kRefuse or kBlackhole
  // closes the listening socket and every client connection before returning;
  // leaving it listens again on the same port ("down for a while, then back").
  void SetMode(FaultMode mode);
  // Closes every client connection now (FIN), as a backend closes idle
  // keep-alive connections, and goes on listening.
  void CloseClientConnections();
  // Where kTruncate cuts the answer (HTTP headers included): after `at` bytes
  // when positive, `-at` bytes before its end when negative, in the middle
  // when 0 (the default).
  void SetTruncateAt(long at);
  // The pause between two bytes in kDrip (default 200 ms).
  void SetDripInterval(std::chrono::milliseconds interval);

  int connections() const { return connections_.load(); }  // accepted from the client
  int requests() const { return requests_.load(); }        // read in full from the client
  int forwarded() const { return forwarded_.load(); }      // sent on to the backend

  void Stop();  // idempotent

 private:
  enum class Listening { kNone, kAccepting, kBlackhole };
  static Listening ListeningFor(FaultMode mode);

  explicit FaultProxy(int target_port) : target_port_(target_port) {}
  bool Listen(int port, int backlog, std::string* error);
  void CloseListener();  // and the blackhole's filler connection
  void AcceptLoop();
  void Serve(int client);
  bool Forward(int client, const std::string& request, FaultMode mode);
  // Sleeps `duration`, or less when stopping. False when stopping.
  bool Pause(std::chrono::milliseconds duration);
  void Track(int fd);
  void Untrack(int fd);

  const int target_port_;
  int port_ = 0;
  int listener_ = -1;
  int filler_ = -1;         // kBlackhole: the one connection its backlog holds
  int wake_[2] = {-1, -1};  // wakes the accept loop's poll()

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  FaultMode mode_ = FaultMode::kPassThrough;
  Listening listening_ = Listening::kNone;
  bool stopping_ = false;
  std::chrono::milliseconds drip_interval_{200};
  long truncate_at_ = 0;
  std::set<int> open_;     // client and upstream sockets in use, shut down by kRefuse and Stop()
  std::set<int> clients_;  // the client sockets among them
  std::vector<std::thread> threads_;
  std::thread acceptor_;

  std::atomic<int> connections_{0};
  std::atomic<int> requests_{0};
  std::atomic<int> forwarded_{0};
};

}  // namespace voip::testing
