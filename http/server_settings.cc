#include "http/server_settings.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include "http/load_shedding.h"

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
  void StopKeepingAlive() override { server_.StopKeepingAlive(); }
  std::size_t idle_connections() const override { return server_.idle_connections(); }

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

HeadLimits HeadLimitsOf(const Config& config) {
  HeadLimits limits;
  limits.max_head_bytes = config.max_request_head_bytes;
  limits.max_fields = config.max_request_headers;
  return limits;
}

bool ServeOneRequest(DeadlineStream& stream, ReadAhead& read_ahead, bool last, const HeadLimits& head_limits,
                     const ServeRequest& serve_request, const EarlyAnswerRenderer& early_answer, ConnectionEnd& end) {
  const HeadRead head = ReadRequestHead(stream, read_ahead, head_limits);
  if (head.outcome == HeadRead::Outcome::kGone) {
    end.input_left = false;  // nothing to answer, nobody to linger for
    return false;
  }
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

bool TunedHttpServer::process_and_close_socket(socket_t sock) {
  Admit(std::make_shared<ClientConnection>(sock, nullptr, ParkingClock::now()));
  return true;
}

bool TunedHttpsServer::process_and_close_socket(socket_t sock) {
  SSL* ssl = SSL_new(ssl_context());
  if (ssl == nullptr || !SetNonBlocking(sock) || SSL_set_fd(ssl, sock) != 1) {
    if (ssl != nullptr) SSL_free(ssl);
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
    return false;
  }
  Admit(std::make_shared<ClientConnection>(sock, ssl, ParkingClock::now()));
  return true;
}

std::unique_ptr<Listener> Listener::Make(const Config& config) {
  if (config.tls_cert_file.empty()) return std::make_unique<ListenerOf<TunedHttpServer>>(false, config);
  std::function<bool(SSL_CTX&)> setup = [&config](SSL_CTX& ctx) { return SetUpTls(ctx, config); };
  return std::make_unique<ListenerOf<TunedHttpsServer>>(true, config, setup);
}

}  // namespace voip
