// How the adapter's listener (TunedHttpServer, TunedHttpsServer) spends its
// threads: on requests, not on connections.
//
// cpp-httplib's accept loop hands each accepted socket to its task queue; this
// one (ConnectionScheduler) admits it at once, on the accept thread, into the
// waiting room (http/connection_parking.h), where it waits for a complete
// request head without a thread. A connection whose head is complete is
// routed to a lane (http/load_shedding.h): the operators' endpoints
// (GET /health, /ready, /metrics) and shed connections to the shedding
// threads, everything else to the workers (bounded queue; beyond it, shed).
// A worker serves that one request through cpp-httplib (`ServeRequest`,
// reading the rest of it within request-read-timeout-s of its first byte),
// then looks for the next head, waiting at most kNextRequestWait (and only
// while another worker is free): complete -> served on the same thread (or
// routed, for an operators' endpoint); not yet -> parked again; broken or
// closed -> closed. So no thread waits longer than that for a request to
// start, and the operators' endpoints are answered while every worker is
// busy.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string_view>

#include "http/connection_parking.h"
#include "http/load_shedding.h"
#include "http/request_read_deadline.h"
#include "platform/config.h"

namespace voip {

// How a connection's request ended.
struct ConnectionEnd {
  bool ok = false;          // the request was served (or refused) and answered
  bool input_left = false;  // bytes were left unread: close lingering (WaitingRoom::Linger)
};

struct SchedulerSettings {
  std::size_t workers;
  std::size_t max_queued_requests;
  WaitingRoomLimits room;
  std::size_t keep_alive_max_count;
  std::chrono::microseconds read_timeout;   // each wait for a request's body
  std::chrono::microseconds write_timeout;  // each wait to write the answer
  // After an answer, how long a worker waits for the connection's next
  // request while another worker is free, checked every slice
  // (kNextRequestWait and kNextRequestWaitSlice unless set otherwise).
  std::chrono::milliseconds next_request_wait;
  std::chrono::milliseconds next_request_wait_slice;
};

// The settings `config` gives, with the request head limits the workers
// check (HeadLimitsOf in http/server_settings.h).
SchedulerSettings SchedulerSettingsFor(const Config& config, const HeadLimits& head_limits);

// Connections beyond max-connections waiting for their 503 at once.
inline constexpr std::size_t kMaxShedConnections = 64;
// How long a worker that has just answered waits for the connection's next
// request before parking it, while another worker is free (checked every
// slice): a busy kept-alive caller (a balancer, a load test) is served
// without two thread hops through the waiting room per request.
inline constexpr std::chrono::milliseconds kNextRequestWait{50};
inline constexpr std::chrono::milliseconds kNextRequestWaitSlice{5};

// A cpp-httplib task queue that never runs cpp-httplib's jobs on a worker:
// enqueue() runs the accept loop's job inline (the listener's
// process_and_close_socket, which only calls Admit). Thread-safe.
class ConnectionScheduler : public httplib::TaskQueue {
 public:
  // Serves the request whose head is at the front of the connection's
  // read-ahead, read through `stream` (ServeOneRequest in
  // http/server_settings.h); false when the connection must be closed
  // (lingering when `end` says so).
  using ServeRequest =
      std::function<bool(ClientConnection& connection, DeadlineStream& stream, bool last, ConnectionEnd& end)>;

  ConnectionScheduler(const SchedulerSettings& settings, ServeRequest serve_request);
  ~ConnectionScheduler() override;  // shutdown()
  ConnectionScheduler(const ConnectionScheduler&) = delete;
  ConnectionScheduler& operator=(const ConnectionScheduler&) = delete;

  void enqueue(std::function<void()> fn) override { fn(); }
  // Closes every waiting connection, serves the requests already routed
  // (their connections are then closed), joins every thread.
  void shutdown() override;

  // A newly accepted connection. Closed when the waiting room could not be
  // opened (epoll) or is full.
  void Admit(std::shared_ptr<ClientConnection> connection);

 private:
  void Route(const std::shared_ptr<ClientConnection>& connection);
  // Serves the connection's request, and the next ones while NextRequestHere.
  void Serve(const std::shared_ptr<ClientConnection>& connection);
  // One request; false when the connection is to be closed.
  bool ServeOne(const std::shared_ptr<ClientConnection>& connection);
  // After an answer, on a worker: true when the next head is complete at once
  // (or within kNextRequestWait while a worker is to spare) and belongs on
  // this lane; otherwise the connection is routed, parked or closed.
  bool NextRequestHere(const std::shared_ptr<ClientConnection>& connection);
  static bool NothingBuffered(ClientConnection& connection);
  // Waits for the connection to turn ready until `until`, while a worker is
  // to spare; true when it did.
  bool WaitForMore(ClientConnection& connection, ParkingClock::time_point until);

  const SchedulerSettings settings_;
  const ServeRequest serve_request_;
  std::atomic<bool> stopping_{false};
  BoundedTaskQueue lanes_;
  std::unique_ptr<WaitingRoom> room_;  // null if epoll could not be set up
};

// "GET /health HTTP/1.1" and the like: a request line for an operators' endpoint.
[[nodiscard]] bool IsOperatorRequestLine(std::string_view request_line);

}  // namespace voip
