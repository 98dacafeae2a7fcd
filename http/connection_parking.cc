#include "http/connection_parking.h"

#include <openssl/err.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>

namespace voip {
namespace {

constexpr int kMaxEvents = 64;

std::unique_ptr<ConnectionIo> IoFor(socket_t sock, SSL* ssl) {
  if (ssl == nullptr) return std::make_unique<PlainSocketIo>(sock);
  return std::make_unique<TlsIo>(ssl, sock);
}

}  // namespace

ClientConnection::ClientConnection(socket_t sock, SSL* ssl, ParkingClock::time_point accepted_at)
    : sock_(sock), ssl_(ssl), io_(IoFor(sock, ssl)), handshaken_(ssl == nullptr) {
  state_.accepted_at = accepted_at;
  state_.last_byte_at = accepted_at;
  state_.idle_since = accepted_at;
}

ClientConnection::~ClientConnection() {
  if (ssl_ != nullptr) {
    // One close_notify, not waiting for the client's (the socket is
    // non-blocking); never after a fatal TLS error or before the handshake,
    // nor twice (StartLingering sent it).
    if (handshaken_ && !state_.lingering_until && !static_cast<TlsIo&>(*io_).failed()) {
      ERR_clear_error();
      SSL_shutdown(ssl_);
    }
    SSL_free(ssl_);
  }
  if (!state_.lingering_until) ::shutdown(sock_, SHUT_RDWR);
  ::close(sock_);
  if (counted_in_) counted_in_->fetch_sub(1);
}

void ClientConnection::CountIn(std::shared_ptr<std::atomic<std::size_t>> counter) {
  if (counted_in_) return;
  counted_in_ = std::move(counter);
  counted_in_->fetch_add(1);
}

HeadProgress ClientConnection::AdvanceHead(const HeadLimits& limits, ParkingClock::time_point now) {
  const HeadProgress progress = TryAdvanceHead(limits, now);
  wants_write_ = progress == HeadProgress::kWantWrite;
  return progress;
}

HeadProgress ClientConnection::TryAdvanceHead(const HeadLimits& limits, ParkingClock::time_point now) {
  if (!handshaken_) {
    state_.last_byte_at = now;  // called when the socket turned ready: handshake bytes came
    const IoAttempt attempt = io_->TryHandshake();
    if (attempt.outcome == IoAttempt::Outcome::kWantRead) return HeadProgress::kWantRead;
    if (attempt.outcome == IoAttempt::Outcome::kWantWrite) return HeadProgress::kWantWrite;
    if (attempt.outcome != IoAttempt::Outcome::kDone) return HeadProgress::kClosed;
    handshaken_ = true;
  }
  if (!scanner_) scanner_.emplace(limits);
  for (;;) {
    // Complete, or already refused (414, 431): the worker's head reader
    // answers from what is here, without waiting.
    if (scanner_->Feed(read_ahead_.unread()) != HeadScanner::State::kIncomplete) return HeadProgress::kReady;
    const IoAttempt attempt = io_->TryRead(read_ahead_.Room(), ReadAhead::kReadChunk);
    switch (attempt.outcome) {
      case IoAttempt::Outcome::kDone:
        read_ahead_.Commit(attempt.bytes);
        if (!state_.head_started) state_.head_started = now;
        state_.last_byte_at = now;
        break;
      case IoAttempt::Outcome::kWantRead: return HeadProgress::kWantRead;
      case IoAttempt::Outcome::kWantWrite: return HeadProgress::kWantWrite;
      case IoAttempt::Outcome::kClosed:
      case IoAttempt::Outcome::kFailed: return HeadProgress::kClosed;
    }
  }
}

std::string_view ClientConnection::RequestLine() const {
  std::string_view unread = read_ahead_.unread();
  unread.remove_prefix(std::min(unread.size(), unread.find_first_not_of("\r\n")));
  return unread.substr(0, unread.find('\n'));
}

void ClientConnection::FinishRequest(ParkingClock::time_point now) {
  ++state_.requests_served;
  state_.idle_since = now;
  state_.operator_request = false;
  // Bytes already here (pipelined) start the next head now.
  state_.head_started = read_ahead_.empty() ? std::nullopt : std::optional(now);
  state_.last_byte_at = now;
  scanner_.reset();
}

void ClientConnection::StartLingering(ParkingClock::time_point now) {
  if (ssl_ != nullptr && handshaken_ && !static_cast<TlsIo&>(*io_).failed()) {
    ERR_clear_error();
    SSL_shutdown(ssl_);
  }
  ::shutdown(sock_, SHUT_WR);
  state_.lingering_until = now + kLingerTime;
}

bool ClientConnection::DrainLingering() {
  char scratch[16 * 1024];
  for (;;) {
    const ssize_t got = ::recv(sock_, scratch, sizeof scratch, MSG_DONTWAIT);
    if (got > 0) {
      lingered_bytes_ += static_cast<std::size_t>(got);
      if (lingered_bytes_ >= kLingerBytes) return true;
      continue;
    }
    return !(got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR));
  }
}

std::unique_ptr<WaitingRoom> WaitingRoom::Open(const WaitingRoomLimits& limits, Dispatch dispatch) {
  const int epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  const int wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  epoll_event wake{};
  wake.events = EPOLLIN;
  wake.data.fd = wake_fd;
  if (epoll_fd < 0 || wake_fd < 0 || ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, wake_fd, &wake) != 0) {
    if (epoll_fd >= 0) ::close(epoll_fd);
    if (wake_fd >= 0) ::close(wake_fd);
    return nullptr;
  }
  return std::unique_ptr<WaitingRoom>(new WaitingRoom(limits, std::move(dispatch), epoll_fd, wake_fd));
}

WaitingRoom::WaitingRoom(const WaitingRoomLimits& limits, Dispatch dispatch, int epoll_fd, int wake_fd)
    : limits_(limits), dispatch_(std::move(dispatch)), epoll_fd_(epoll_fd), wake_fd_(wake_fd) {
  poller_ = std::thread([this] { Run(); });
}

WaitingRoom::~WaitingRoom() {
  Stop();
  ::close(epoll_fd_);
  ::close(wake_fd_);
}

void WaitingRoom::Admit(std::shared_ptr<ClientConnection> connection) {
  Hand({std::move(connection), Arrival::Kind::kNew});
}

void WaitingRoom::Park(std::shared_ptr<ClientConnection> connection) {
  Hand({std::move(connection), Arrival::Kind::kServed});
}

void WaitingRoom::Linger(std::shared_ptr<ClientConnection> connection) {
  connection->StartLingering(ParkingClock::now());
  Hand({std::move(connection), Arrival::Kind::kLingering});
}

void WaitingRoom::Hand(Arrival arrival) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return;  // dropped: closed
    arrivals_.push_back(std::move(arrival));
    if (arrivals_.size() > 1) return;  // the poller has been woken already
  }
  const std::uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
}

void WaitingRoom::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  const std::uint64_t one = 1;
  (void)!::write(wake_fd_, &one, sizeof one);
  if (poller_.joinable()) poller_.join();
}

void WaitingRoom::Run() {
  epoll_event events[kMaxEvents];
  for (;;) {
    const int ready = ::epoll_wait(epoll_fd_, events, kMaxEvents, MillisecondsToNextDeadline(ParkingClock::now()));
    if (ready < 0 && errno != EINTR) break;
    const auto now = ParkingClock::now();
    for (int i = 0; i < ready; ++i) {
      if (events[i].data.fd == wake_fd_) {
        std::uint64_t count;
        (void)!::read(wake_fd_, &count, sizeof count);
        continue;
      }
      OnReady(events[i].data.fd, now);
    }
    TakeArrivals(now);
    ExpireDue(now);
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) break;
  }
  std::vector<Arrival> left;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    left.swap(arrivals_);
  }
  parked_.clear();  // closes them all
  timers_.clear();
  idle_.clear();
  PublishIdle();
}

void WaitingRoom::TakeArrivals(ParkingClock::time_point now) {
  std::vector<Arrival> arrivals;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    arrivals.swap(arrivals_);
  }
  for (Arrival& arrival : arrivals) {
    const bool is_new = arrival.kind == Arrival::Kind::kNew;
    if (is_new && !AdmitNow(arrival.connection)) continue;  // closed
    const socket_t sock = arrival.connection->socket();
    if (!Register(std::move(arrival.connection))) continue;
    // What a new connection has sent already is read now, so that it does
    // not count as silent when the next one is admitted.
    if (is_new) OnReady(sock, now);
  }
}

bool WaitingRoom::AdmitNow(const std::shared_ptr<ClientConnection>& connection) {
  if (open_->load() >= limits_.max_connections && !idle_.empty()) {
    Unpark(idle_.front());  // the connection silent the longest makes room: closed
  }
  if (open_->load() < limits_.max_connections) {
    connection->CountIn(open_);
    return true;
  }
  if (shed_->load() < limits_.max_shed_connections) {
    connection->state().shed = true;
    connection->CountIn(shed_);
    return true;
  }
  return false;
}

bool WaitingRoom::Register(std::shared_ptr<ClientConnection> connection) {
  const socket_t sock = connection->socket();
  epoll_event watch{};
  watch.events = (connection->wants_write_ ? EPOLLOUT : EPOLLIN) | EPOLLONESHOT;
  watch.data.fd = sock;
  const int op = connection->registered_ ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
  if (::epoll_ctl(epoll_fd_, op, sock, &watch) != 0) return false;  // dropped: closed
  connection->registered_ = true;
  const ConnectionState& state = connection->state();
  Parked& parked = parked_[sock];
  parked.events = watch.events;
  parked.timer = timers_.emplace(DeadlineOf(state), sock);
  if (!state.shed && !state.head_started && !state.lingering_until) {
    parked.idle = idle_.insert(idle_.end(), sock);
    PublishIdle();
  }
  parked.connection = std::move(connection);
  return true;
}

void WaitingRoom::OnReady(socket_t sock, ParkingClock::time_point now) {
  const auto found = parked_.find(sock);
  if (found == parked_.end()) return;
  Parked& parked = found->second;
  ClientConnection& connection = *parked.connection;
  if (connection.state().lingering_until) {
    if (connection.DrainLingering()) {
      Unpark(sock);  // closed
    } else {
      Rewatch(parked, EPOLLIN);
    }
    return;
  }
  switch (connection.AdvanceHead(limits_.head, now)) {
    case HeadProgress::kReady: dispatch_(Unpark(sock)); return;
    case HeadProgress::kWantRead:
      Retime(sock, parked);
      Rewatch(parked, EPOLLIN);
      return;
    case HeadProgress::kWantWrite:
      Retime(sock, parked);
      Rewatch(parked, EPOLLOUT);
      return;
    case HeadProgress::kClosed: Unpark(sock); return;
  }
}

void WaitingRoom::Rewatch(Parked& parked, std::uint32_t events) {
  epoll_event watch{};
  watch.events = events | EPOLLONESHOT;
  watch.data.fd = parked.connection->socket();
  parked.events = watch.events;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, watch.data.fd, &watch) != 0) Unpark(watch.data.fd);
}

void WaitingRoom::Retime(socket_t sock, Parked& parked) {
  const ConnectionState& state = parked.connection->state();
  if (parked.idle && state.head_started) {
    idle_.erase(*parked.idle);
    PublishIdle();
    parked.idle.reset();
  }
  const auto deadline = DeadlineOf(state);
  if (parked.timer->first == deadline) return;
  timers_.erase(parked.timer);
  parked.timer = timers_.emplace(deadline, sock);
}

std::shared_ptr<ClientConnection> WaitingRoom::Unpark(socket_t sock) {
  const auto found = parked_.find(sock);
  if (found == parked_.end()) return nullptr;
  std::shared_ptr<ClientConnection> connection = std::move(found->second.connection);
  timers_.erase(found->second.timer);
  if (found->second.idle) {
    idle_.erase(*found->second.idle);
    PublishIdle();
  }
  parked_.erase(found);
  return connection;
}

void WaitingRoom::ExpireDue(ParkingClock::time_point now) {
  while (!timers_.empty() && timers_.begin()->first <= now) Unpark(timers_.begin()->second);  // closed
}

ParkingClock::time_point WaitingRoom::DeadlineOf(const ConnectionState& state) const {
  if (state.lingering_until) return *state.lingering_until;
  const auto since_last_byte = state.last_byte_at + limits_.read_timeout;
  if (state.requests_served > 0) {
    if (!state.head_started) return state.idle_since + limits_.keep_alive_timeout;
    return std::min(*state.head_started + limits_.request_read_timeout, since_last_byte);
  }
  // The first request: its head (and the TLS handshake) within
  // first-request-timeout-s of the accept, and as for any request, within
  // request-read-timeout-s of its first byte (the connection's) and with no
  // silence longer than read-timeout-s.
  const auto first_limit = state.shed ? std::chrono::milliseconds(kShedHeadTimeout)
                                      : std::min(limits_.first_request_timeout, limits_.request_read_timeout);
  return std::min(state.accepted_at + first_limit, since_last_byte);
}

int WaitingRoom::MillisecondsToNextDeadline(ParkingClock::time_point now) const {
  if (timers_.empty()) return -1;
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(timers_.begin()->first - now).count();
  return static_cast<int>(std::clamp<long long>(left, 0, INT_MAX));
}

void WaitingRoom::PublishIdle() {
  if (limits_.idle_gauge) limits_.idle_gauge->store(idle_.size());
}

}  // namespace voip
