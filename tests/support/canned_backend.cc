#include "tests/support/canned_backend.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <memory>
#include <utility>

namespace voip::testing {
namespace {

// `text` in the gzip format.
std::string Gzip(const std::string& text) {
  z_stream stream{};
  deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&stream, text.size()) + 32, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  stream.avail_in = static_cast<uInt>(text.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

}  // namespace

std::string RecordedRequest::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

CannedBackend::CannedBackend() {
  default_.status = 500;
  default_.content_type = "text/plain";
  server_.set_tcp_nodelay(true);
  server_.set_keep_alive_max_count(1000);
  server_.set_keep_alive_timeout(30);
  auto handler = [this](const httplib::Request& request, httplib::Response& response) { Handle(request, response); };
  server_.Post(".*", handler);
  server_.Get(".*", handler);
  port_ = server_.bind_to_any_port("127.0.0.1");
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

CannedBackend::~CannedBackend() { Stop(); }

void CannedBackend::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  stopping_cv_.notify_all();
  if (thread_.joinable()) {
    server_.stop();
    thread_.join();
  }
}

std::string CannedBackend::Url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

void CannedBackend::Enqueue(CannedResponse response) {
  std::lock_guard<std::mutex> lock(mutex_);
  queue_.push_back(std::move(response));
}

void CannedBackend::SetDefault(CannedResponse response) {
  std::lock_guard<std::mutex> lock(mutex_);
  default_ = std::move(response);
}

std::vector<RecordedRequest> CannedBackend::Requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

std::size_t CannedBackend::ConnectionCount() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return remote_ports_.size();
}

void CannedBackend::Handle(const httplib::Request& request, httplib::Response& response) {
  CannedResponse canned;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    requests_.push_back({request.method, request.path, request.body, request.headers, request.remote_port,
                         std::chrono::steady_clock::now()});
    remote_ports_.insert(request.remote_port);
    if (queue_.empty()) {
      canned = default_;
    } else {
      canned = std::move(queue_.front());
      queue_.pop_front();
    }
    if (canned.delay_ms > 0) {
      stopping_cv_.wait_for(lock, std::chrono::milliseconds(canned.delay_ms), [this] { return stopping_; });
    }
  }
  response.status = canned.status;
  switch (canned.ending) {
    case CannedResponse::Ending::kComplete:
      if (canned.gzip) {
        response.set_header("Content-Encoding", "gzip");
        response.set_content(Gzip(canned.body), canned.content_type.c_str());
      } else {
        response.set_content(canned.body, canned.content_type.c_str());
      }
      break;
    case CannedResponse::Ending::kCloseMidResponse: {
      auto body = std::make_shared<std::string>(std::move(canned.body));
      response.set_content_provider(body->size(), canned.content_type.c_str(),
                                    [body](std::size_t, std::size_t, httplib::DataSink& sink) {
                                      sink.write(body->data(), body->size() / 2);
                                      return false;  // cpp-httplib then closes the connection
                                    });
      break;
    }
    case CannedResponse::Ending::kCloseWithoutAnswer: CloseConnectionFrom(request.remote_port); break;
  }
}

// cpp-httplib does not expose the connection's socket; find it among this
// process's descriptors by its two ends and shut it down, so the client sees
// the connection closed before any byte of an answer.
void CannedBackend::CloseConnectionFrom(int remote_port) const {
  for (int fd = 3; fd < 4096; ++fd) {
    sockaddr_in local{};
    sockaddr_in peer{};
    socklen_t local_len = sizeof(local);
    socklen_t peer_len = sizeof(peer);
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0 ||
        getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0 || local.sin_family != AF_INET) {
      continue;
    }
    if (ntohs(local.sin_port) == port_ && ntohs(peer.sin_port) == remote_port) {
      ::shutdown(fd, SHUT_RDWR);
      return;
    }
  }
}

int ClosedLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

}  // namespace voip::testing
