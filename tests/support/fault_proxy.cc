#include "tests/support/fault_proxy.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace voip::testing {
namespace {

// Sends all of `data` on a blocking socket (no SIGPIPE, EINTR retried);
// false when the peer closed or the send failed.
bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t sent = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(sent));
  }
  return true;
}

constexpr std::size_t kMaxHeaderBytes = 64 * 1024;
constexpr std::size_t kMaxMessageBytes = 4 * 1024 * 1024;

// What an Apache server in front of a broken application answers.
constexpr std::string_view kHtmlBody =
    "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>500 Internal Server Error</title>\n"
    "</head><body>\n<h1>Internal Server Error</h1>\n<p>The server encountered an internal error or\n"
    "misconfiguration and was unable to complete your request.</p>\n</body></html>\n";

std::string HtmlErrorPage() {
  return "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/html; charset=iso-8859-1\r\nContent-Length: " +
         std::to_string(kHtmlBody.size()) + "\r\nConnection: close\r\n\r\n" + std::string(kHtmlBody);
}

// The Content-Length of a header block, or -1 when it has none.
long ContentLength(std::string_view headers) {
  static constexpr std::string_view kName = "\r\ncontent-length:";
  for (std::size_t i = 0; i + kName.size() <= headers.size(); ++i) {
    if (strncasecmp(headers.data() + i, kName.data(), kName.size()) == 0) {
      return std::strtol(std::string(headers.substr(i + kName.size(), 20)).c_str(), nullptr, 10);
    }
  }
  return -1;
}

// Reads one HTTP message (headers, then Content-Length bytes) from `fd` into
// *message, starting with what `pending` holds from an earlier read and
// leaving there what comes after it. Without a Content-Length, a request has
// no body and an answer ends when the connection closes. False on a close or
// error before the message is complete, or when it is too large.
bool ReadMessage(int fd, std::string& pending, bool is_answer, std::string* message) {
  char buffer[16 * 1024];
  std::size_t header_end = std::string::npos;
  long length = -1;
  for (;;) {
    if (header_end == std::string::npos) {
      header_end = pending.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        header_end += 4;
        length = ContentLength(std::string_view(pending).substr(0, header_end));
        if (length < 0 && !is_answer) length = 0;
      } else if (pending.size() > kMaxHeaderBytes) {
        return false;
      }
    }
    if (header_end != std::string::npos && length >= 0 &&
        pending.size() >= header_end + static_cast<std::size_t>(length)) {
      *message = pending.substr(0, header_end + static_cast<std::size_t>(length));
      pending.erase(0, message->size());
      return true;
    }
    if (pending.size() > kMaxMessageBytes) return false;
    const ssize_t received = ::recv(fd, buffer, sizeof buffer, 0);
    if (received < 0 && errno == EINTR) continue;
    if (received <= 0) {
      if (is_answer && header_end != std::string::npos && length < 0) {  // ended by the close
        *message = std::move(pending);
        pending.clear();
        return true;
      }
      return false;
    }
    pending.append(buffer, static_cast<std::size_t>(received));
  }
}

// The next close() of `fd` resets the connection (RST) instead of closing it.
void ResetOnClose(int fd) {
  const linger abort{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
}

int ConnectLoopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

std::unique_ptr<FaultProxy> FaultProxy::Start(int target_port, std::string* error) {
  std::unique_ptr<FaultProxy> proxy(new FaultProxy(target_port));
  if (::pipe2(proxy->wake_, O_CLOEXEC | O_NONBLOCK) != 0) {
    *error = "pipe: " + std::string(std::strerror(errno));
    return nullptr;
  }
  if (!proxy->Listen(0, /*backlog=*/64, error)) return nullptr;
  proxy->listening_ = Listening::kAccepting;
  proxy->acceptor_ = std::thread(&FaultProxy::AcceptLoop, proxy.get());
  return proxy;
}

FaultProxy::~FaultProxy() {
  Stop();
  for (int fd : wake_) {
    if (fd >= 0) ::close(fd);
  }
}

bool FaultProxy::Listen(int port, int backlog, std::string* error) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  socklen_t size = sizeof address;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(fd, backlog) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    *error = "cannot listen on 127.0.0.1:" + std::to_string(port) + ": " + std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return false;
  }
  listener_ = fd;
  port_ = ntohs(address.sin_port);
  return true;
}

std::string FaultProxy::Via(const std::string& url) const {
  const std::size_t host = url.find("://");
  const std::size_t path = url.find('/', host == std::string::npos ? 0 : host + 3);
  return "http://127.0.0.1:" + std::to_string(port_) + (path == std::string::npos ? "" : url.substr(path));
}

FaultProxy::Listening FaultProxy::ListeningFor(FaultMode mode) {
  switch (mode) {
    case FaultMode::kRefuse: return Listening::kNone;
    case FaultMode::kBlackhole: return Listening::kBlackhole;
    default: return Listening::kAccepting;
  }
}

void FaultProxy::SetMode(FaultMode mode) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (stopping_) return;
  mode_ = mode;
  const Listening wanted = ListeningFor(mode);
  if (wanted != Listening::kAccepting) {
    for (int fd : open_) ::shutdown(fd, SHUT_RDWR);  // a backend that goes away takes its connections along
  }
  if (listening_ == wanted) return;
  (void)!::write(wake_[1], "m", 1);
  changed_.wait(lock, [&] { return listening_ == wanted || stopping_; });
  if (wanted != Listening::kNone && listener_ < 0) {
    ADD_FAILURE() << "fault proxy: cannot listen on port " << port_ << " again";
  }
}

void FaultProxy::CloseClientConnections() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (int fd : clients_) ::shutdown(fd, SHUT_RDWR);
}

void FaultProxy::SetTruncateAt(long at) {
  std::lock_guard<std::mutex> lock(mutex_);
  truncate_at_ = at;
}

void FaultProxy::SetDripInterval(std::chrono::milliseconds interval) {
  std::lock_guard<std::mutex> lock(mutex_);
  drip_interval_ = interval;
}

void FaultProxy::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    for (int fd : open_) ::shutdown(fd, SHUT_RDWR);
  }
  changed_.notify_all();
  (void)!::write(wake_[1], "s", 1);
  if (acceptor_.joinable()) acceptor_.join();
  // The acceptor has ended: no thread is added any more.
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
}

void FaultProxy::AcceptLoop() {
  for (;;) {
    {
      // Reconcile the listening socket with the mode.
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) break;
      const Listening wanted = ListeningFor(mode_);
      if (wanted != listening_) {
        CloseListener();    // connections still in its backlog are reset
        std::string error;  // on failure listener_ stays -1; SetMode reports it
        if (wanted == Listening::kAccepting) {
          Listen(port_, /*backlog=*/64, &error);
        } else if (wanted == Listening::kBlackhole && Listen(port_, /*backlog=*/0, &error)) {
          // Linux queues one connection at backlog 0: this one fills the queue,
          // and the SYNs of any other are dropped, so their connect times out.
          filler_ = ConnectLoopback(port_);
        }
        listening_ = wanted;
      }
    }
    changed_.notify_all();
    const bool accepting = listening_ == Listening::kAccepting && listener_ >= 0;
    pollfd fds[2] = {{wake_[0], POLLIN, 0}, {listener_, POLLIN, 0}};
    if (::poll(fds, accepting ? 2 : 1, -1) < 0 && errno != EINTR) break;
    if (fds[0].revents != 0) {
      char drained[16];
      while (::read(wake_[0], drained, sizeof drained) > 0) {
      }
      continue;
    }
    if ((fds[1].revents & POLLIN) == 0) continue;
    const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    connections_++;
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ || ListeningFor(mode_) != Listening::kAccepting) {  // went away while it was being accepted
      ::close(client);
      continue;
    }
    open_.insert(client);
    clients_.insert(client);
    threads_.emplace_back(&FaultProxy::Serve, this, client);
  }
  std::lock_guard<std::mutex> lock(mutex_);
  CloseListener();
  listening_ = Listening::kNone;
}

void FaultProxy::CloseListener() {
  if (filler_ >= 0) ::close(filler_);
  filler_ = -1;
  if (listener_ >= 0) ::close(listener_);
  listener_ = -1;
}

void FaultProxy::Serve(int client) {
  std::string pending;
  std::string request;
  while (ReadMessage(client, pending, /*is_answer=*/false, &request)) {
    requests_++;
    FaultMode mode;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      mode = mode_;
    }
    bool keep_open = false;
    switch (mode) {
      case FaultMode::kRefuse: break;  // went down while this request was on its way
      case FaultMode::kResetBeforeForward: ResetOnClose(client); break;
      case FaultMode::kHang: {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [&] { return stopping_; });
        break;
      }
      case FaultMode::kHtml500: SendAll(client, HtmlErrorPage()); break;
      default: keep_open = Forward(client, request, mode);
    }
    if (!keep_open) break;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    clients_.erase(client);
  }
  Untrack(client);
  ::close(client);
}

bool FaultProxy::Forward(int client, const std::string& request, FaultMode mode) {
  const int upstream = ConnectLoopback(target_port_);
  if (upstream < 0) return false;
  Track(upstream);
  std::string answer;
  std::string pending;
  bool answered = false;
  if (SendAll(upstream, request)) {
    forwarded_++;
    answered = ReadMessage(upstream, pending, /*is_answer=*/true, &answer);
  }
  Untrack(upstream);
  ::close(upstream);
  if (!answered) return false;
  switch (mode) {
    case FaultMode::kResetAfterForward: ResetOnClose(client); return false;
    case FaultMode::kTruncate: {
      long at;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        at = truncate_at_;
      }
      const long size = static_cast<long>(answer.size());
      const long kept = at > 0 ? std::min(at, size) : at < 0 ? std::max(0L, size + at) : size / 2;
      SendAll(client, std::string_view(answer).substr(0, static_cast<std::size_t>(kept)));
      return false;
    }
    case FaultMode::kDrip: {
      std::chrono::milliseconds interval;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        interval = drip_interval_;
      }
      for (char byte : answer) {
        if (!SendAll(client, std::string_view(&byte, 1)) || !Pause(interval)) return false;
      }
      return true;
    }
    default: return SendAll(client, answer);
  }
}

bool FaultProxy::Pause(std::chrono::milliseconds duration) {
  std::unique_lock<std::mutex> lock(mutex_);
  return !changed_.wait_for(lock, duration, [&] { return stopping_; });
}

void FaultProxy::Track(int fd) {
  std::lock_guard<std::mutex> lock(mutex_);
  open_.insert(fd);
  if (stopping_) ::shutdown(fd, SHUT_RDWR);
}

void FaultProxy::Untrack(int fd) {
  std::lock_guard<std::mutex> lock(mutex_);
  open_.erase(fd);
}

}  // namespace voip::testing
