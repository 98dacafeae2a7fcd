#include "http/server_settings.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

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

bool ServeConnection(ConnectionIo& io, const ConnectionLimits& limits, const std::function<bool()>& listening,
                     const ServeRequest& serve_request) {
  bool ok = false;
  for (std::size_t left = limits.keep_alive_max_count; left > 0; --left) {
    const bool arrived = io.HasPending() || WaitForRequest(io.socket(), limits.keep_alive_timeout, listening);
    if (!arrived) break;
    DeadlineStream stream(io, limits.read_timeout, limits.write_timeout,
                          DeadlineStream::Clock::now() + limits.request_read_timeout);
    bool connection_closed = false;
    ok = serve_request(stream, /*close_connection=*/left == 1, connection_closed);
    // cpp-httplib answers a request whose head could not be read with a 400;
    // one that ran out of time is not kept alive for another try.
    if (!ok || connection_closed || stream.read_deadline_passed()) break;
  }
  return ok;
}

bool TunedHttpServer::process_and_close_socket(socket_t sock) {
  const ConnectionLimits limits = Limits(BoundedTaskQueue::ServingShedConnection());
  PlainSocketIo io(sock);
  const bool ok = ServeConnection(
      io, limits, [this] { return Listening(); },
      [this](httplib::Stream& stream, bool close_connection, bool& connection_closed) {
        return process_request(stream, close_connection, connection_closed, nullptr);
      });
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ok;
}

bool TunedHttpsServer::process_and_close_socket(socket_t sock) {
  const ConnectionLimits limits = Limits(BoundedTaskQueue::ServingShedConnection());
  bool ok = false;
  if (SSL* ssl = SSL_new(ssl_context()); ssl != nullptr) {
    if (SetNonBlocking(sock) && SSL_set_fd(ssl, sock) == 1 &&
        AcceptTls(ssl, sock, limits.read_timeout, DeadlineClock::now() + limits.request_read_timeout)) {
      TlsIo io(ssl, sock);
      ok = ServeConnection(
          io, limits, [this] { return Listening(); },
          [this, ssl](httplib::Stream& stream, bool close_connection, bool& connection_closed) {
            return process_request(stream, close_connection, connection_closed,
                                   [ssl](httplib::Request& request) { request.ssl = ssl; });
          });
      // One close_notify, not waiting for the client's (the socket is
      // non-blocking); never after a fatal TLS error.
      if (!io.failed()) {
        ERR_clear_error();
        SSL_shutdown(ssl);
      }
    }
    SSL_free(ssl);
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ok;
}

std::unique_ptr<Listener> Listener::Make(const Config& config) {
  if (config.tls_cert_file.empty()) return std::make_unique<ListenerOf<TunedHttpServer>>(false, config);
  std::function<bool(SSL_CTX&)> setup = [&config](SSL_CTX& ctx) { return SetUpTls(ctx, config); };
  return std::make_unique<ListenerOf<TunedHttpsServer>>(true, config, setup);
}

}  // namespace voip
