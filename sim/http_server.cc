#include "sim/http_server.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

#include "platform/errno_text.h"
#include "platform/text.h"

namespace voip::sim {
namespace {

constexpr std::size_t kMaxHeadBytes = 16 * 1024;
// An oversized body framed by Content-Length is read (and dropped) up to this
// much, so the client sees the 413 rather than a reset while still sending.
constexpr std::size_t kMaxDrainBytes = 4 * 1024 * 1024;
constexpr std::size_t kReadChunk = 16 * 1024;
constexpr std::string_view kHeadEnd = "\r\n\r\n";

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// Whether the comma-separated header value holds `token` (any letter case).
bool HasToken(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    const std::size_t comma = value.find(',');
    std::string_view item = value.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (EqualsIgnoreCase(item, token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

std::string_view TrimBlanks(std::string_view text) { return Trim(text, " \t"); }

std::optional<std::size_t> ParseDecimal(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  std::size_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::size_t>(c - '0');
  }
  return value;
}

std::optional<std::size_t> ParseHex(std::string_view text) {
  if (text.empty() || text.size() > 15) return std::nullopt;
  std::size_t value = 0;
  for (char c : text) {
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      digit = c - 'A' + 10;
    } else {
      return std::nullopt;
    }
    value = value * 16 + static_cast<std::size_t>(digit);
  }
  return value;
}

const char* ReasonPhrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 413: return "Payload Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    default: return "Status";
  }
}

// Appends what the peer sends next; false when it closed, the time-out passed
// or the socket was shut down.
bool ReadMore(int fd, std::string& buffer) {
  char chunk[kReadChunk];
  for (;;) {
    const ssize_t got = ::recv(fd, chunk, sizeof chunk, 0);
    if (got > 0) {
      buffer.append(chunk, static_cast<std::size_t>(got));
      return true;
    }
    if (got < 0 && errno == EINTR) continue;
    return false;
  }
}

void SetTimeouts(int fd, std::chrono::seconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count());
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

// One connection's reading state: the bytes received and not yet consumed.
class Connection {
 public:
  Connection(int fd, const HttpServerOptions& options) : fd_(fd), options_(options) {}

  enum class Read { kRequest, kClosed, kBadRequest, kTooLarge, kUnsupportedCoding };

  // Reads the next request into `request`; `keep_alive` says whether the
  // connection may carry another one after it.
  Read Next(HttpRequest& request, bool& keep_alive) {
    std::size_t head_end;
    while ((head_end = buffer_.find(kHeadEnd)) == std::string::npos) {
      if (buffer_.size() > kMaxHeadBytes) return Read::kBadRequest;
      if (!ReadMore(fd_, buffer_)) return Read::kClosed;
    }
    if (head_end > kMaxHeadBytes) return Read::kBadRequest;
    const std::string_view head(buffer_.data(), head_end);
    std::string_view version;
    if (!ParseHead(head, request, version)) return Read::kBadRequest;
    const bool http11 = version == "HTTP/1.1";
    buffer_.erase(0, head_end + kHeadEnd.size());  // `head` and `version` end here

    const std::string_view connection = request.Header("Connection");
    keep_alive = http11 ? !HasToken(connection, "close") : HasToken(connection, "keep-alive");
    const bool continue_expected = EqualsIgnoreCase(request.Header("Expect"), "100-continue");

    request.body.clear();
    const std::string_view coding = request.Header("Transfer-Encoding");
    if (!coding.empty()) {
      if (!EqualsIgnoreCase(TrimBlanks(coding), "chunked")) return Read::kUnsupportedCoding;
      if (continue_expected && !SendAll(fd_, "HTTP/1.1 100 Continue\r\n\r\n")) return Read::kClosed;
      return ReadChunked(request.body);
    }
    const std::string_view length_text = request.Header("Content-Length");
    std::size_t length = 0;
    if (!length_text.empty()) {
      const std::optional<std::size_t> parsed = ParseDecimal(TrimBlanks(length_text));
      if (!parsed) return Read::kBadRequest;
      length = *parsed;
    }
    if (length > options_.max_body_bytes) {
      if (!continue_expected && length <= options_.max_body_bytes + kMaxDrainBytes) Drain(length);
      return Read::kTooLarge;
    }
    if (continue_expected && length > 0 && buffer_.size() < length && !SendAll(fd_, "HTTP/1.1 100 Continue\r\n\r\n")) {
      return Read::kClosed;
    }
    while (buffer_.size() < length) {
      if (!ReadMore(fd_, buffer_)) return Read::kClosed;
    }
    request.body.assign(buffer_, 0, length);
    buffer_.erase(0, length);
    return Read::kRequest;
  }

 private:
  // "METHOD SP target SP HTTP/1.x" then "Name: value" lines.
  static bool ParseHead(std::string_view head, HttpRequest& request, std::string_view& version) {
    const std::size_t line_end = head.find("\r\n");
    const std::string_view line = head.substr(0, line_end);
    const std::size_t first_space = line.find(' ');
    const std::size_t last_space = line.rfind(' ');
    if (first_space == std::string_view::npos || first_space == last_space || first_space == 0) return false;
    version = line.substr(last_space + 1);
    if (version != "HTTP/1.1" && version != "HTTP/1.0") return false;
    request.method.assign(line.substr(0, first_space));
    const std::string_view target = line.substr(first_space + 1, last_space - first_space - 1);
    if (target.empty() || target.find(' ') != std::string_view::npos) return false;
    request.path.assign(target.substr(0, target.find('?')));

    request.headers.clear();
    std::size_t at = line_end == std::string_view::npos ? head.size() : line_end + 2;
    while (at < head.size()) {
      std::size_t end = head.find("\r\n", at);
      if (end == std::string_view::npos) end = head.size();
      const std::string_view header = head.substr(at, end - at);
      const std::size_t colon = header.find(':');
      // No name, or a folded continuation line (obsolete, refused as RFC 9112 allows).
      if (colon == std::string_view::npos || colon == 0 || header.front() == ' ' || header.front() == '\t') {
        return false;
      }
      request.headers.emplace_back(std::string(header.substr(0, colon)),
                                   std::string(TrimBlanks(header.substr(colon + 1))));
      at = end + 2;
    }
    return true;
  }

  // Reads and drops `length` body bytes (best effort).
  void Drain(std::size_t length) {
    std::size_t dropped = std::min(length, buffer_.size());
    buffer_.erase(0, dropped);
    while (dropped < length) {
      if (!ReadMore(fd_, buffer_)) return;
      const std::size_t take = std::min(length - dropped, buffer_.size());
      dropped += take;
      buffer_.erase(0, take);
    }
  }

  // Makes sure buffer_ holds a "\r\n" at or after `from`; returns its position.
  std::optional<std::size_t> LineEnd(std::size_t from) {
    std::size_t end;
    while ((end = buffer_.find("\r\n", from)) == std::string::npos) {
      if (buffer_.size() - from > kMaxHeadBytes || !ReadMore(fd_, buffer_)) return std::nullopt;
    }
    return end;
  }

  // chunk-size [; extensions] CRLF data CRLF ... 0 CRLF [trailers] CRLF
  Read ReadChunked(std::string& body) {
    for (;;) {
      const std::optional<std::size_t> size_end = LineEnd(0);
      if (!size_end) return Read::kBadRequest;
      std::string_view size_line(buffer_.data(), *size_end);
      size_line = TrimBlanks(size_line.substr(0, size_line.find(';')));
      const std::optional<std::size_t> size = ParseHex(size_line);
      if (!size) return Read::kBadRequest;
      buffer_.erase(0, *size_end + 2);
      if (*size == 0) break;
      if (body.size() + *size > options_.max_body_bytes) return Read::kTooLarge;
      while (buffer_.size() < *size + 2) {
        if (!ReadMore(fd_, buffer_)) return Read::kBadRequest;
      }
      if (buffer_.compare(*size, 2, "\r\n") != 0) return Read::kBadRequest;
      body.append(buffer_, 0, *size);
      buffer_.erase(0, *size + 2);
    }
    // Trailer fields, ignored, up to the empty line.
    for (;;) {
      const std::optional<std::size_t> end = LineEnd(0);
      if (!end) return Read::kBadRequest;
      buffer_.erase(0, *end + 2);
      if (*end == 0) return Read::kRequest;
    }
  }

  const int fd_;
  const HttpServerOptions& options_;
  std::string buffer_;
};

void AppendResponse(std::string& out, const HttpResponse& response, bool keep_alive) {
  out += "HTTP/1.1 ";
  out += std::to_string(response.status);
  out += ' ';
  out += ReasonPhrase(response.status);
  out += "\r\n";
  if (!response.content_type.empty()) {
    out += "Content-Type: ";
    out += response.content_type;
    out += "\r\n";
  }
  if (response.status != 204) {
    out += "Content-Length: ";
    out += std::to_string(response.body.size());
    out += "\r\n";
  }
  if (!keep_alive) out += "Connection: close\r\n";
  out += "\r\n";
  if (response.status != 204) out += response.body;
}

}  // namespace

bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t sent = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(sent));
  }
  return true;
}

std::string_view HttpRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return {};
}

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler)
    : options_(options), handler_(std::move(handler)) {}

HttpServer::~HttpServer() {
  Stop();
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

int HttpServer::Bind(const std::string& host, int port, std::string* error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (const int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0) {
    *error = gai_strerror(rc);
    return -1;
  }
  *error = "no address";
  for (addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    const int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && ::listen(fd, SOMAXCONN) == 0) {
      listen_fd_ = fd;
      break;
    }
    *error = ErrnoText(errno);
    ::close(fd);
  }
  ::freeaddrinfo(found);
  if (listen_fd_ < 0) return -1;
  sockaddr_storage bound{};
  socklen_t size = sizeof bound;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&bound), &size);
  return bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                     : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
}

void HttpServer::Start() {
  const int threads = options_.threads > 0 ? options_.threads : 1;
  workers_.reserve(static_cast<std::size_t>(threads));
  for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { WorkerLoop(); });
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

void HttpServer::Stop() {
  std::lock_guard<std::mutex> serialised(stop_mutex_);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopped_) return;
    stopping_ = true;
    // Reading ends at once (idle connections close); a handler still running
    // can send its answer.
    for (int fd : open_) ::shutdown(fd, SHUT_RD);
  }
  if (listen_fd_ >= 0) ::shutdown(listen_fd_, SHUT_RDWR);  // accept() returns at once
  ready_.notify_all();
  if (acceptor_.joinable()) acceptor_.join();
  for (std::thread& worker : workers_) worker.join();
  workers_.clear();
  std::lock_guard<std::mutex> lock(mutex_);
  for (int fd : queued_) ::close(fd);
  queued_.clear();
  open_.clear();
  stopped_ = true;
}

void HttpServer::AcceptLoop() {
  for (;;) {
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    const int accept_error = errno;
    if (fd < 0) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (stopping_) return;
      }
      // EINTR or ECONNABORTED: try again; out of descriptors: give workers a moment.
      if (accept_error == EMFILE || accept_error == ENFILE) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      continue;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) {
      ::close(fd);
      return;
    }
    const int yes = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    SetTimeouts(fd, options_.idle_timeout);
    queued_.push_back(fd);
    open_.insert(fd);
    ready_.notify_one();
  }
}

void HttpServer::WorkerLoop() {
  for (;;) {
    int fd;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      ready_.wait(lock, [this] { return stopping_ || !queued_.empty(); });
      if (stopping_) return;  // Stop() closes what is still queued
      fd = queued_.front();
      queued_.pop_front();
    }
    ServeConnection(fd);
    Forget(fd);
  }
}

void HttpServer::Forget(int fd) {
  // Under the lock, so Stop() never shuts down a descriptor number reused meanwhile.
  std::lock_guard<std::mutex> lock(mutex_);
  open_.erase(fd);
  ::close(fd);
}

void HttpServer::ServeConnection(int fd) {
  Connection connection(fd, options_);
  HttpRequest request;
  HttpResponse response;
  std::string out;
  for (;;) {
    bool keep_alive = false;
    const Connection::Read read = connection.Next(request, keep_alive);
    if (read == Connection::Read::kClosed) return;
    response = HttpResponse{};
    if (read == Connection::Read::kRequest) {
      try {
        handler_(request, response);
      } catch (...) {
        response = HttpResponse{500, "text/plain; charset=utf-8", "simulator failed\n"};
      }
    } else {
      keep_alive = false;
      response.status = read == Connection::Read::kTooLarge            ? 413
                        : read == Connection::Read::kUnsupportedCoding ? 501
                                                                       : 400;
    }
    out.clear();
    AppendResponse(out, response, keep_alive);
    if (!SendAll(fd, out) || !keep_alive) return;
  }
}

}  // namespace voip::sim
