#include "http/request_read_deadline.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
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

DeadlineSocketStream::DeadlineSocketStream(socket_t sock, std::chrono::microseconds read_timeout,
                                           std::chrono::microseconds write_timeout, Clock::time_point read_deadline)
    : sock_(sock), read_timeout_(read_timeout), write_timeout_(write_timeout), read_deadline_(read_deadline) {}

bool DeadlineSocketStream::is_readable() const {
  const auto left = std::chrono::duration_cast<std::chrono::microseconds>(read_deadline_ - Clock::now());
  if (PollFor(sock_, POLLIN, std::min(read_timeout_, left)) > 0) return true;
  if (Clock::now() >= read_deadline_) read_deadline_passed_ = true;
  return false;
}

bool DeadlineSocketStream::is_writable() const { return PollFor(sock_, POLLOUT, write_timeout_) > 0; }

ssize_t DeadlineSocketStream::read(char* ptr, std::size_t size) {
  if (buffered_from_ == buffered_to_) {
    if (!is_readable()) return -1;
    ssize_t received;
    do {
      received = ::recv(sock_, buffer_.data(), buffer_.size(), 0);
    } while (received < 0 && errno == EINTR);
    if (received <= 0) return received;
    buffered_from_ = 0;
    buffered_to_ = static_cast<std::size_t>(received);
  }
  const std::size_t taken = std::min(size, buffered_to_ - buffered_from_);
  std::memcpy(ptr, buffer_.data() + buffered_from_, taken);
  buffered_from_ += taken;
  return static_cast<ssize_t>(taken);
}

ssize_t DeadlineSocketStream::write(const char* ptr, std::size_t size) {
  if (!is_writable()) return -1;
  ssize_t sent;
  do {
    sent = ::send(sock_, ptr, size, MSG_NOSIGNAL);
  } while (sent < 0 && errno == EINTR);
  return sent;
}

void DeadlineSocketStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  AddressOf(sock_, /*peer=*/true, ip, port);
}

void DeadlineSocketStream::get_local_ip_and_port(std::string& ip, int& port) const {
  AddressOf(sock_, /*peer=*/false, ip, port);
}

bool WaitForRequest(socket_t sock, std::chrono::seconds idle_timeout, const std::function<bool()>& keep_waiting) {
  const auto until = std::chrono::steady_clock::now() + idle_timeout;
  while (keep_waiting()) {
    const auto left = std::chrono::duration_cast<std::chrono::microseconds>(until - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    const int polled = PollFor(sock, POLLIN, std::min(left, std::chrono::microseconds(100000)));
    if (polled != 0) return polled > 0;
  }
  return false;
}

}  // namespace voip
