// The waiting room: client connections wait here for their next request head,
// not on a worker thread.
//
// cpp-httplib serves one connection per worker thread; a connection that sends
// nothing (idle keep-alive, a new connection that never speaks, a client
// dripping its head a byte at a time) would hold its worker for as long as it
// waits. Instead, a connection with no complete request head is parked: its
// socket, TLS state and the bytes it has sent so far (ClientConnection) are
// handed to one poller thread (WaitingRoom), which watches every parked socket
// with epoll, reads what arrives without waiting (and runs the TLS handshake
// the same way), and hands the connection to the worker lanes only once its
// request head is complete (http/connection_scheduler.h). The poller enforces:
//  - first-request-timeout: a new connection's first head (and TLS handshake)
//    must be complete within it of the accept;
//  - keep-alive-timeout: a kept-alive connection idle that long is closed;
//  - read-timeout: a head started and then silent that long is closed;
//  - request-read-timeout: a head must be complete within it of its first byte;
//  - max-connections: beyond it, the parked connection silent the longest
//    (kept alive and idle since its last answer, or new and not a byte sent
//    yet) is closed to make room; with none (every connection has started a
//    request or is being served), the new connection is "shed" (one request,
//    its head read within kShedHeadTimeout, answered 503 and closed: the
//    operators' endpoints are still answered); beyond max_shed_connections
//    more, a connection is closed at once;
//  - a head the head limits already refuse (a request line or header line
//    too long, too many lines, too many bytes: HeadScanner) goes to a worker
//    at once, whose head reader answers 414 or 431 from it.
// Nothing of a request is executed here: a connection whose head times out or
// breaks is closed without an answer reaching any handler. A connection whose
// answer left part of its request unread comes back to linger: no more
// writes (FIN), what the client still sends read and dropped (at most
// kLingerBytes, for at most kLingerTime, until it closes), so that the kernel
// does not answer unread data with a reset that could destroy the answer
// before the client read it (nginx's lingering close), without a thread.
#pragma once

#include <httplib.h>
#include <openssl/ssl.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "http/request_head.h"
#include "http/request_read_deadline.h"

namespace voip {

using ParkingClock = std::chrono::steady_clock;

// What ClientConnection::AdvanceHead found.
enum class [[nodiscard]] HeadProgress{
    kReady,      // the read-ahead holds a whole request head, or one the head limits already refuse
    kWantRead,   // call again when the socket is readable
    kWantWrite,  // call again when the socket is writable (TLS)
    kClosed,     // the client closed, reset, or the TLS handshake failed
};

// Where one connection is in its life; touched only by whoever holds the
// connection (the poller while parked, a worker while served).
struct ConnectionState {
  ParkingClock::time_point accepted_at;
  std::size_t requests_served = 0;
  // The first and latest byte of the request head being waited for.
  std::optional<ParkingClock::time_point> head_started;
  ParkingClock::time_point last_byte_at;
  ParkingClock::time_point idle_since;                      // when its last request was answered
  bool shed = false;                                        // admitted beyond max-connections: one answer, then closed
  bool operator_request = false;                            // the head waiting is GET /health, /ready or /metrics
  std::optional<ParkingClock::time_point> lingering_until;  // closing: StartLingering
};

// A lingering close drops at most this much of what a client still sends,
// for at most this long.
inline constexpr std::size_t kLingerBytes = 1024 * 1024;
inline constexpr std::chrono::milliseconds kLingerTime{2000};

// One client connection: its socket, its TLS object (if any) and its unread
// bytes. Owns the socket and the SSL object: the destructor sends a TLS
// close_notify (unless TLS failed), shuts the socket down and closes it. Not
// thread-safe: one holder at a time (shared_ptr only to travel through
// std::function jobs).
class ClientConnection {
 public:
  // `ssl` is null for plain TCP; otherwise set up on `sock` (SSL_set_fd) and
  // not yet handshaken. `sock` must be non-blocking for TLS.
  ClientConnection(socket_t sock, SSL* ssl, ParkingClock::time_point accepted_at);
  ~ClientConnection();
  ClientConnection(const ClientConnection&) = delete;
  ClientConnection& operator=(const ClientConnection&) = delete;

  socket_t socket() const { return sock_; }
  SSL* ssl() const { return ssl_; }
  ConnectionIo& io() { return *io_; }
  ReadAhead& read_ahead() { return read_ahead_; }
  ConnectionState& state() { return state_; }
  bool wants_write() const { return wants_write_; }
  const ConnectionState& state() const { return state_; }

  // Reads what has already arrived, never waiting (the TLS handshake first),
  // until the unread bytes hold a complete request head or one `limits`
  // refuse (as the worker's HeadScanner will see them: http/request_head.h),
  // or the socket has nothing more. Records the head's first and latest
  // byte times as `now`. `limits` must be the same on every call.
  [[nodiscard]] HeadProgress AdvanceHead(const HeadLimits& limits, ParkingClock::time_point now);
  // The unread bytes up to the end of the head's first line (or all of
  // them), empty lines before it skipped.
  std::string_view RequestLine() const;
  // Counts the request just answered and starts waiting for the next.
  void FinishRequest(ParkingClock::time_point now);
  // Counted in `counter` until destroyed (once).
  void CountIn(std::shared_ptr<std::atomic<std::size_t>> counter);
  // Starts a lingering close: a TLS close_notify, then FIN; reads are
  // dropped until `now` + kLingerTime.
  void StartLingering(ParkingClock::time_point now);
  // Drops what has arrived; true once the client closed (or failed) or
  // kLingerBytes were dropped: the connection can be closed.
  bool DrainLingering();

 private:
  HeadProgress TryAdvanceHead(const HeadLimits& limits, ParkingClock::time_point now);

  const socket_t sock_;
  SSL* const ssl_;
  std::unique_ptr<ConnectionIo> io_;
  bool handshaken_;
  ReadAhead read_ahead_;
  std::optional<HeadScanner> scanner_;  // of the head being waited for
  std::size_t lingered_bytes_ = 0;
  ConnectionState state_;
  std::shared_ptr<std::atomic<std::size_t>> counted_in_;
  bool registered_ = false;   // with the waiting room's epoll (which keeps it while served)
  bool wants_write_ = false;  // the last AdvanceHead was kWantWrite
  friend class WaitingRoom;
};

// A new connection may take this long for its head once shed.
inline constexpr std::chrono::seconds kShedHeadTimeout{1};

struct WaitingRoomLimits {
  std::size_t max_connections;       // served at once, parked or not
  std::size_t max_shed_connections;  // beyond max_connections, waiting for their 503
  HeadLimits head;
  std::chrono::milliseconds first_request_timeout;
  std::chrono::milliseconds keep_alive_timeout;
  std::chrono::milliseconds read_timeout;
  std::chrono::milliseconds request_read_timeout;
  // When set, kept up to date with how many parked connections are idle (kept
  // alive since their last answer, or new, with no byte of a request yet):
  // the ones max-connections may close to make room. Read from any thread.
  std::shared_ptr<std::atomic<std::size_t>> idle_gauge;
};

// Thread-safe: Admit and Park may be called from any thread. The dispatch
// callback runs on the poller thread and must not block.
class WaitingRoom {
 public:
  // Takes connections whose request head is complete to the worker lanes.
  using Dispatch = std::function<void(std::shared_ptr<ClientConnection>)>;

  // Starts the poller thread; null when epoll or eventfd cannot be set up.
  static std::unique_ptr<WaitingRoom> Open(const WaitingRoomLimits& limits, Dispatch dispatch);
  ~WaitingRoom();  // Stop()
  WaitingRoom(const WaitingRoom&) = delete;
  WaitingRoom& operator=(const WaitingRoom&) = delete;

  // A new connection: admitted, shed or closed (max-connections), then parked.
  void Admit(std::shared_ptr<ClientConnection> connection);
  // A served connection waiting for its next request. Closed once stopped.
  void Park(std::shared_ptr<ClientConnection> connection);
  // A connection to close after an answer that left input unread: lingers
  // (ClientConnection::StartLingering), then closed. Closed at once once
  // stopped.
  void Linger(std::shared_ptr<ClientConnection> connection);
  // Closes every parked connection and stops the poller; joins it. Idempotent.
  void Stop();

  // Connections admitted (not shed) and still open, parked or served.
  std::size_t open_connections() const { return open_->load(); }

 private:
  struct Parked {
    std::shared_ptr<ClientConnection> connection;
    std::multimap<ParkingClock::time_point, socket_t>::iterator timer;
    std::optional<std::list<socket_t>::iterator> idle;  // in idle_: not a byte of its next request yet
    std::uint32_t events = 0;
  };
  struct Arrival {
    enum class Kind { kNew, kServed, kLingering };
    std::shared_ptr<ClientConnection> connection;
    Kind kind;
  };

  WaitingRoom(const WaitingRoomLimits& limits, Dispatch dispatch, int epoll_fd, int wake_fd);
  void Hand(Arrival arrival);
  void Run();
  void TakeArrivals(ParkingClock::time_point now);
  bool AdmitNow(const std::shared_ptr<ClientConnection>& connection);
  // Watches `connection`; false (and closed) when epoll refuses it.
  bool Register(std::shared_ptr<ClientConnection> connection);
  void OnReady(socket_t sock, ParkingClock::time_point now);
  void Rewatch(Parked& parked, std::uint32_t events);
  void Retime(socket_t sock, Parked& parked);
  std::shared_ptr<ClientConnection> Unpark(socket_t sock);
  void PublishIdle();  // idle_.size() to limits_.idle_gauge
  void ExpireDue(ParkingClock::time_point now);
  ParkingClock::time_point DeadlineOf(const ConnectionState& state) const;
  int MillisecondsToNextDeadline(ParkingClock::time_point now) const;

  const WaitingRoomLimits limits_;
  const Dispatch dispatch_;
  const int epoll_fd_;
  const int wake_fd_;
  const std::shared_ptr<std::atomic<std::size_t>> open_ = std::make_shared<std::atomic<std::size_t>>(0);
  const std::shared_ptr<std::atomic<std::size_t>> shed_ = std::make_shared<std::atomic<std::size_t>>(0);

  std::mutex mutex_;  // guards arrivals_ and stopping_
  std::vector<Arrival> arrivals_;
  bool stopping_ = false;
  std::thread poller_;

  // The poller thread's own.
  std::unordered_map<socket_t, Parked> parked_;
  std::multimap<ParkingClock::time_point, socket_t> timers_;
  std::list<socket_t> idle_;  // parked, not shed, no byte of a request yet; longest idle first
};

}  // namespace voip
