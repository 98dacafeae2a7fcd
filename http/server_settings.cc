#include "http/server_settings.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "http/load_shedding.h"
#include "http/request_read_deadline.h"

namespace voip {
namespace {

template <class Server>
class ListenerOf : public Listener {
 public:
  template <class... Args>
  explicit ListenerOf(bool tls, const Config& config, Args&&... args)
      : Listener(tls), server_(config, std::forward<Args>(args)...) {}
  httplib::Server& server() override { return server_; }
  int Bind(const Config& config) override { return server_.Bind(config); }
  void set_early_answer_renderer(EarlyAnswerRenderer render) override {
    server_.set_early_answer_renderer(std::move(render));
  }

 private:
  Server server_;
};

// TLS 1.2 at least, the certificate chain and the (possibly encrypted) key.
bool SetUpTls(SSL_CTX& ctx, const Config& config) {
  if (SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION) != 1) return false;
  if (SSL_CTX_use_certificate_chain_file(&ctx, config.tls_cert_file.c_str()) != 1) return false;
  if (!config.tls_key_password.empty()) {
    // OpenSSL only reads the password during the next call.
    SSL_CTX_set_default_passwd_cb_userdata(&ctx, const_cast<char*>(config.tls_key_password.c_str()));
  }
  const bool key_ok = SSL_CTX_use_PrivateKey_file(&ctx, config.tls_key_file.c_str(), SSL_FILETYPE_PEM) == 1;
  SSL_CTX_set_default_passwd_cb_userdata(&ctx, nullptr);
  return key_ok && SSL_CTX_check_private_key(&ctx) == 1;
}

// Closes a served connection: lingering when its client may still be sending.
void CloseConnection(socket_t sock, const ConnectionEnd& end) {
  if (end.input_left) {
    LingeringClose(sock);
    return;
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
}

}  // namespace

void ApplyServerSettings(httplib::Server& server, const Config& config) {
  const int threads = config.threads;
  const int max_queued = config.max_queued_connections;
  server.new_task_queue = [threads, max_queued] {
    return new BoundedTaskQueue(static_cast<std::size_t>(threads), static_cast<std::size_t>(max_queued));
  };
  server.set_tcp_nodelay(true);
  // cpp-httplib's default also sets SO_REUSEPORT, which lets a second
  // process bind a port already in use without an error.
  server.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  server.set_keep_alive_max_count(static_cast<std::size_t>(config.keep_alive_max_count));
  server.set_keep_alive_timeout(config.keep_alive_timeout_s);
  server.set_read_timeout(config.read_timeout_s, 0);
  server.set_write_timeout(config.read_timeout_s, 0);
  server.set_payload_max_length(config.max_body_bytes);
}

HeadLimits HeadLimitsOf(const Config& config) {
  HeadLimits limits;
  limits.max_head_bytes = config.max_request_head_bytes;
  limits.max_fields = config.max_request_headers;
  return limits;
}

namespace {

// Serves the request whose head `stream` reads next. False when the
// connection must not be kept for another request.
bool ServeOneRequest(DeadlineStream& stream, ReadAhead& read_ahead, bool last, const ConnectionLimits& limits,
                     const ServeRequest& serve_request, const EarlyAnswerRenderer& early_answer,
                     ConnectionEnd& end) {
  const HeadRead head = ReadRequestHead(stream, read_ahead, limits.head);
  if (head.outcome == HeadRead::Outcome::kGone) return false;
  if (head.outcome == HeadRead::Outcome::kRefused) {
    end.ok = WriteEarlyAnswer(stream, head.refusal, early_answer);
    end.input_left = true;
    return false;
  }
  FramedRequestStream request(stream, head.head_bytes, head.check);
  bool connection_closed = false;
  end.ok = serve_request(request, last, connection_closed);
  // A client too slow to send its request is not waited for again.
  end.input_left = (!request.complete() || !read_ahead.empty()) && !stream.read_deadline_passed();
  // cpp-httplib answers a request whose head could not be read with a 400;
  // one that ran out of time is not kept alive for another try; one whose
  // answer came before its body was read whole never is.
  return end.ok && !connection_closed && !stream.read_deadline_passed() && request.complete() &&
         !request.close_announced();
}

}  // namespace

ConnectionEnd ServeConnection(ConnectionIo& io, const ConnectionLimits& limits, const std::function<bool()>& listening,
                              const ServeRequest& serve_request, const EarlyAnswerRenderer& early_answer) {
  ConnectionEnd end;
  ReadAhead read_ahead;  // the connection's: pipelined requests keep their bytes
  for (std::size_t left = limits.keep_alive_max_count; left > 0; --left) {
    const bool arrived = !read_ahead.empty() || io.HasPending() ||
                         WaitForRequest(io.socket(), limits.keep_alive_timeout, listening);
    if (!arrived) break;
    DeadlineStream stream(io, read_ahead, limits.read_timeout, limits.write_timeout,
                          DeadlineStream::Clock::now() + limits.request_read_timeout);
    if (!ServeOneRequest(stream, read_ahead, /*last=*/left == 1, limits, serve_request, early_answer, end)) break;
  }
  return end;
}

void LingeringClose(socket_t sock) {
  ::shutdown(sock, SHUT_WR);
  const auto until = std::chrono::steady_clock::now() + kLingerTime;
  std::size_t dropped = 0;
  char scratch[16 * 1024];
  while (dropped < kLingerBytes) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd readable{sock, POLLIN, 0};
    if (::poll(&readable, 1, static_cast<int>(left.count())) <= 0) break;
    const ssize_t got = ::recv(sock, scratch, sizeof scratch, MSG_DONTWAIT);
    if (got <= 0 && !(got < 0 && (errno == EAGAIN || errno == EINTR))) break;
    if (got > 0) dropped += static_cast<std::size_t>(got);
  }
  ::close(sock);
}

bool TunedHttpServer::process_and_close_socket(socket_t sock) {
  const ConnectionLimits limits = Limits(BoundedTaskQueue::ServingShedConnection());
  PlainSocketIo io(sock);
  const ConnectionEnd end = ServeConnection(
      io, limits, [this] { return Listening(); },
      [this](httplib::Stream& stream, bool close_connection, bool& connection_closed) {
        return process_request(stream, close_connection, connection_closed, nullptr);
      },
      early_answer());
  CloseConnection(sock, end);
  return end.ok;
}

bool TunedHttpsServer::process_and_close_socket(socket_t sock) {
  const ConnectionLimits limits = Limits(BoundedTaskQueue::ServingShedConnection());
  ConnectionEnd end;
  if (SSL* ssl = SSL_new(ssl_context()); ssl != nullptr) {
    if (SetNonBlocking(sock) && SSL_set_fd(ssl, sock) == 1 &&
        AcceptTls(ssl, sock, limits.read_timeout, DeadlineClock::now() + limits.request_read_timeout)) {
      TlsIo io(ssl, sock);
      end = ServeConnection(
          io, limits, [this] { return Listening(); },
          [this, ssl](httplib::Stream& stream, bool close_connection, bool& connection_closed) {
            return process_request(stream, close_connection, connection_closed,
                                   [ssl](httplib::Request& request) { request.ssl = ssl; });
          },
          early_answer());
      // One close_notify, not waiting for the client's (the socket is
      // non-blocking); never after a fatal TLS error.
      if (!io.failed()) {
        ERR_clear_error();
        SSL_shutdown(ssl);
      }
    }
    SSL_free(ssl);
  }
  CloseConnection(sock, end);
  return end.ok;
}

std::unique_ptr<Listener> Listener::Make(const Config& config) {
  if (config.tls_cert_file.empty()) return std::make_unique<ListenerOf<TunedHttpServer>>(false, config);
  std::function<bool(SSL_CTX&)> setup = [&config](SSL_CTX& ctx) { return SetUpTls(ctx, config); };
  return std::make_unique<ListenerOf<TunedHttpsServer>>(true, config, setup);
}

}  // namespace voip
