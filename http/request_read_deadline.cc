#include "http/request_read_deadline.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

namespace voip {
namespace {

// Waits for `events` at most `wait` (rounded up to whole milliseconds),
// retrying after signals. >0 ready, 0 time-out, <0 error.
int PollFor(socket_t sock, short events, std::chrono::microseconds wait) {
  if (wait.count() <= 0) return 0;
  pollfd watched{sock, events, 0};
  const int wait_ms = static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(wait).count());
  int polled;
  do {
    polled = ::poll(&watched, 1, wait_ms);
  } while (polled < 0 && errno == EINTR);
  return polled;
}

void AddressOf(socket_t sock, bool peer, std::string& ip, int& port) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  const int got = peer ? ::getpeername(sock, reinterpret_cast<sockaddr*>(&address), &length)
                       : ::getsockname(sock, reinterpret_cast<sockaddr*>(&address), &length);
  if (got != 0) return;
  char text[INET6_ADDRSTRLEN] = {};
  if (address.ss_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(address);
    ::inet_ntop(AF_INET, &v4.sin_addr, text, sizeof text);
    port = ntohs(v4.sin_port);
  } else if (address.ss_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(address);
    ::inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof text);
    port = ntohs(v6.sin6_port);
  }
  ip = text;
}

}  // namespace

IoAttempt PlainSocketIo::TryRead(char* ptr, std::size_t size) {
  ssize_t received;
  do {
    received = ::recv(sock_, ptr, size, MSG_DONTWAIT);
  } while (received < 0 && errno == EINTR);
  if (received > 0) return {IoAttempt::Outcome::kDone, static_cast<std::size_t>(received)};
  if (received == 0) return {IoAttempt::Outcome::kClosed};
  if (errno == EAGAIN || errno == EWOULDBLOCK) return {IoAttempt::Outcome::kWantRead};
  return {IoAttempt::Outcome::kFailed};
}

IoAttempt PlainSocketIo::TryWrite(const char* ptr, std::size_t size) {
  ssize_t sent;
  do {
    sent = ::send(sock_, ptr, size, MSG_NOSIGNAL | MSG_DONTWAIT);
  } while (sent < 0 && errno == EINTR);
  if (sent > 0) return {IoAttempt::Outcome::kDone, static_cast<std::size_t>(sent)};
  if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return {IoAttempt::Outcome::kWantWrite};
  return {IoAttempt::Outcome::kFailed};
}

IoAttempt TlsIo::Classify(int returned) {
  if (returned > 0) return {IoAttempt::Outcome::kDone, static_cast<std::size_t>(returned)};
  switch (SSL_get_error(ssl_, returned)) {
    case SSL_ERROR_WANT_READ: return {IoAttempt::Outcome::kWantRead};
    case SSL_ERROR_WANT_WRITE: return {IoAttempt::Outcome::kWantWrite};
    case SSL_ERROR_ZERO_RETURN: return {IoAttempt::Outcome::kClosed};
    default: failed_ = true; return {IoAttempt::Outcome::kFailed};
  }
}

IoAttempt TlsIo::TryRead(char* ptr, std::size_t size) {
  if (failed_) return {IoAttempt::Outcome::kFailed};
  ERR_clear_error();
  return Classify(SSL_read(ssl_, ptr, static_cast<int>(std::min<std::size_t>(size, INT_MAX))));
}

IoAttempt TlsIo::TryWrite(const char* ptr, std::size_t size) {
  if (failed_) return {IoAttempt::Outcome::kFailed};
  if (size == 0) return {IoAttempt::Outcome::kDone, 0};
  ERR_clear_error();
  return Classify(SSL_write(ssl_, ptr, static_cast<int>(std::min<std::size_t>(size, INT_MAX))));
}

IoAttempt TlsIo::TryHandshake() {
  if (failed_) return {IoAttempt::Outcome::kFailed};
  ERR_clear_error();
  const int accepted = SSL_accept(ssl_);
  if (accepted == 1) return {IoAttempt::Outcome::kDone};
  const IoAttempt attempt = Classify(accepted);
  // A client that closes during the handshake is a failed handshake.
  if (attempt.outcome == IoAttempt::Outcome::kClosed) return {IoAttempt::Outcome::kFailed};
  return attempt;
}

bool TlsIo::HasPending() const { return !failed_ && SSL_pending(ssl_) > 0; }

bool SetNonBlocking(socket_t sock) {
  const int flags = ::fcntl(sock, F_GETFL, 0);
  return flags >= 0 && ::fcntl(sock, F_SETFL, flags | O_NONBLOCK) == 0;
}

void ReadAhead::Consume(std::size_t size) {
  from_ += std::min(size, to_ - from_);
  if (from_ == to_) from_ = to_ = 0;
}

char* ReadAhead::Room() {
  if (from_ > 0) {  // move the unread bytes to the front
    bytes_.erase(0, from_);
    to_ -= from_;
    from_ = 0;
  }
  if (bytes_.size() < to_ + kReadChunk) bytes_.resize(to_ + kReadChunk);
  return bytes_.data() + to_;
}

DeadlineStream::DeadlineStream(ConnectionIo& io, ReadAhead& read_ahead, std::chrono::microseconds read_timeout,
                               std::chrono::microseconds write_timeout, Clock::time_point read_deadline)
    : io_(io),
      read_timeout_(read_timeout),
      write_timeout_(write_timeout),
      read_deadline_(read_deadline),
      read_ahead_(read_ahead) {}

bool DeadlineStream::WaitToRead(short events) const {
  const auto left = std::chrono::duration_cast<std::chrono::microseconds>(read_deadline_ - Clock::now());
  if (PollFor(io_.socket(), events, std::min(read_timeout_, left)) > 0) return true;
  if (Clock::now() >= read_deadline_) read_deadline_passed_ = true;
  return false;
}

bool DeadlineStream::is_readable() const { return !read_ahead_.empty() || io_.HasPending() || WaitToRead(POLLIN); }

bool DeadlineStream::is_writable() const { return PollFor(io_.socket(), POLLOUT, write_timeout_) > 0; }

bool DeadlineStream::ReadMore() {
  for (;;) {
    const IoAttempt attempt = io_.TryRead(read_ahead_.Room(), ReadAhead::kReadChunk);
    switch (attempt.outcome) {
      case IoAttempt::Outcome::kDone: read_ahead_.Commit(attempt.bytes); return true;
      case IoAttempt::Outcome::kClosed: peer_closed_ = true; return false;
      case IoAttempt::Outcome::kFailed: return false;
      case IoAttempt::Outcome::kWantRead:
      case IoAttempt::Outcome::kWantWrite:
        // A TLS read may need the socket writable (a renegotiation); either
        // way the wait counts against the request's deadline.
        if (!WaitToRead(attempt.outcome == IoAttempt::Outcome::kWantRead ? POLLIN : POLLOUT)) return false;
        break;
    }
  }
}

ssize_t DeadlineStream::read(char* ptr, std::size_t size) {
  if (read_ahead_.empty() && !ReadMore()) return peer_closed_ ? 0 : -1;
  const std::string_view unread = read_ahead_.unread();
  const std::size_t taken = std::min(size, unread.size());
  std::memcpy(ptr, unread.data(), taken);
  read_ahead_.Consume(taken);
  return static_cast<ssize_t>(taken);
}

ssize_t DeadlineStream::write(const char* ptr, std::size_t size) {
  for (;;) {
    const IoAttempt attempt = io_.TryWrite(ptr, size);
    switch (attempt.outcome) {
      case IoAttempt::Outcome::kDone: return static_cast<ssize_t>(attempt.bytes);
      case IoAttempt::Outcome::kClosed:
      case IoAttempt::Outcome::kFailed: return -1;
      case IoAttempt::Outcome::kWantRead:
      case IoAttempt::Outcome::kWantWrite: {
        const short events = attempt.outcome == IoAttempt::Outcome::kWantRead ? POLLIN : POLLOUT;
        if (PollFor(io_.socket(), events, write_timeout_) <= 0) return -1;
        break;
      }
    }
  }
}

void DeadlineStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  AddressOf(io_.socket(), /*peer=*/true, ip, port);
}

void DeadlineStream::get_local_ip_and_port(std::string& ip, int& port) const {
  AddressOf(io_.socket(), /*peer=*/false, ip, port);
}

}  // namespace voip
