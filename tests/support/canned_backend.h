// A canned HTTP backend for tests: a cpp-httplib server on 127.0.0.1 and a free
// port, answering each request with the next configured response, recording
// what it received and counting the TCP connections it was sent on.
#pragma once

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace voip::testing {

struct CannedResponse {
  enum class Ending {
    kComplete,            // the whole response
    kCloseMidResponse,    // headers (full Content-Length) and half the body, then close
    kCloseWithoutAnswer,  // close the connection without sending a byte
  };
  int status = 200;
  std::string content_type = "text/xml; charset=utf-8";
  std::string body;
  int delay_ms = 0;   // wait this long before answering (cut short by Stop)
  bool gzip = false;  // send the body gzip-compressed (Content-Encoding: gzip), asked for or not
  Ending ending = Ending::kComplete;
};

struct RecordedRequest {
  std::string method;
  std::string path;
  std::string body;
  httplib::Headers headers;  // names compared case-insensitively
  int remote_port = 0;
  std::chrono::steady_clock::time_point received_at;  // when the request had arrived whole

  // The first value of header `name`, or "" when absent.
  std::string Header(const std::string& name) const;
};

// Starts serving in the constructor (the port is bound and listening when it
// returns); Stop() or the destructor stops the server and joins its thread.
// Thread-safe.
class CannedBackend {
 public:
  CannedBackend();
  ~CannedBackend();
  CannedBackend(const CannedBackend&) = delete;
  CannedBackend& operator=(const CannedBackend&) = delete;

  int port() const { return port_; }
  std::string Url(const std::string& path = "/service") const;

  // Responses are used in order; once the queue is empty, the default one is
  // (initially: 500, empty body).
  void Enqueue(CannedResponse response);
  void SetDefault(CannedResponse response);

  std::vector<RecordedRequest> Requests() const;
  // TCP connections requests arrived on (distinct client ports).
  std::size_t ConnectionCount() const;
  void Stop();

 private:
  void Handle(const httplib::Request& request, httplib::Response& response);
  void CloseConnectionFrom(int remote_port) const;

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mutex_;
  std::condition_variable stopping_cv_;
  bool stopping_ = false;
  std::deque<CannedResponse> queue_;
  CannedResponse default_;
  std::vector<RecordedRequest> requests_;
  std::set<int> remote_ports_;
};

// A loopback port that nothing listens on (bound, then closed).
int ClosedLoopbackPort();

}  // namespace voip::testing
