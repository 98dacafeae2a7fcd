#include "tests/support/raw_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>

namespace voip::testing {
namespace {

using Clock = std::chrono::steady_clock;

int Remaining(Clock::time_point until) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// Parses a head ("HTTP/1.1 200 OK\r\nName: value\r\n...") into `answer`.
bool ParseHead(const std::string& head, RawAnswer& answer) {
  if (head.compare(0, 9, "HTTP/1.1 ") != 0 || head.size() < 12) return false;
  answer.status = std::atoi(head.substr(9, 3).c_str());
  std::size_t at = head.find("\r\n");
  while (at != std::string::npos && at + 2 < head.size()) {
    const std::size_t end = head.find("\r\n", at + 2);
    const std::string line = head.substr(at + 2, end - at - 2);
    const std::size_t colon = line.find(':');
    if (colon != std::string::npos) {
      const std::size_t value = line.find_first_not_of(' ', colon + 1);
      answer.headers[Lower(line.substr(0, colon))] = value == std::string::npos ? "" : line.substr(value);
    }
    at = end;
  }
  return true;
}

}  // namespace

RawHttpConnection::RawHttpConnection(int port, bool tls) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd_);
    fd_ = -1;
    return;
  }
  timeval five{5, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &five, sizeof five);
  if (!tls) return;
  ctx_ = SSL_CTX_new(TLS_client_method());
  ssl_ = SSL_new(ctx_);
  SSL_set_fd(ssl_, fd_);
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &five, sizeof five);
  if (SSL_connect(ssl_) != 1) {
    ::close(fd_);
    fd_ = -1;
  }
  timeval none{0, 0};
  if (fd_ >= 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &none, sizeof none);
}

RawHttpConnection::~RawHttpConnection() {
  if (ssl_ != nullptr) SSL_free(ssl_);
  if (ctx_ != nullptr) SSL_CTX_free(ctx_);
  if (fd_ >= 0) ::close(fd_);
}

bool RawHttpConnection::Send(const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const long wrote = ssl_ != nullptr ? SSL_write(ssl_, bytes.data() + sent, static_cast<int>(bytes.size() - sent))
                                       : ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (wrote <= 0) return false;
    sent += static_cast<std::size_t>(wrote);
  }
  return true;
}

long RawHttpConnection::ReadSome(Clock::time_point until) {
  if (ssl_ == nullptr || SSL_pending(ssl_) == 0) {
    pollfd readable{fd_, POLLIN, 0};
    if (::poll(&readable, 1, Remaining(until)) <= 0) return -1;
  }
  char chunk[16384];
  const long got = ssl_ != nullptr ? SSL_read(ssl_, chunk, sizeof chunk) : ::recv(fd_, chunk, sizeof chunk, 0);
  if (got > 0) buffer_.append(chunk, static_cast<std::size_t>(got));
  if (got < 0 && ssl_ == nullptr) return -2;  // reset
  if (got <= 0 && ssl_ != nullptr) return SSL_get_error(ssl_, static_cast<int>(got)) == SSL_ERROR_ZERO_RETURN ? 0 : -2;
  return got;
}

std::optional<RawAnswer> RawHttpConnection::ReadAnswer(std::chrono::milliseconds limit) {
  const auto until = Clock::now() + limit;
  std::size_t head_end;
  while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (ReadSome(until) <= 0) return std::nullopt;
  }
  RawAnswer answer;
  if (!ParseHead(buffer_.substr(0, head_end + 2), answer)) return std::nullopt;
  const auto length = answer.headers.find("content-length");
  const std::size_t body_size = length == answer.headers.end() ? 0 : std::strtoul(length->second.c_str(), nullptr, 10);
  while (buffer_.size() < head_end + 4 + body_size) {
    if (ReadSome(until) <= 0) return std::nullopt;
  }
  answer.body = buffer_.substr(head_end + 4, body_size);
  buffer_.erase(0, head_end + 4 + body_size);
  return answer;
}

bool RawHttpConnection::ClosedByServer(std::chrono::milliseconds limit) {
  const auto until = Clock::now() + limit;
  for (;;) {
    if (!buffer_.empty()) return false;  // something more was sent
    const long got = ReadSome(until);
    if (got == 0 || got == -2) return buffer_.empty();
    if (got < 0) return false;  // still open when the time passed
  }
}

bool RawHttpConnection::ClosedCleanlyByServer(std::chrono::milliseconds limit) {
  const auto until = Clock::now() + limit;
  while (buffer_.empty()) {
    const long got = ReadSome(until);
    if (got == 0) return true;
    if (got < 0) return false;  // reset, or still open when the time passed
  }
  return false;  // something more was sent
}

void RawHttpConnection::ShutdownWrite() {
  if (ssl_ != nullptr) SSL_shutdown(ssl_);
  ::shutdown(fd_, SHUT_WR);
}

void RawHttpConnection::Reset() {
  linger abortive{1, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &abortive, sizeof abortive);
  ::close(fd_);
  fd_ = -1;
}

}  // namespace voip::testing
