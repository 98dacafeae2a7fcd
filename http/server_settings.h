// The cpp-httplib server settings the adapter serves with, in one place, so
// that the benchmark's reference server (bench/reference_server.cc) serves
// with exactly the same ones.
#pragma once

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "adapter/config.h"
#include "http/request_framing.h"
#include "http/request_head.h"
#include "http/request_read_deadline.h"

// TunedHttpServer and TunedHttpsServer override a private virtual of
// cpp-httplib and call its protected members, as 0.11.4 declares them; the
// build checks the version too (CMakeLists.txt, docs/security.md).
static_assert(std::string_view(CPPHTTPLIB_VERSION) == "0.11.4",
              "http/server_settings.h is written for cpp-httplib 0.11.4 (see docs/security.md)");

namespace voip {

// Applies the adapter's settings from `config` to a cpp-httplib server (plain
// or TLS): a pool of config.threads workers (one per connection being served)
// with at most config.max_queued_connections waiting (http/load_shedding.h),
// TCP_NODELAY, SO_REUSEADDR without SO_REUSEPORT, the keep-alive count and
// idle time, read/write time-outs and the body limit.
void ApplyServerSettings(httplib::Server& server, const Config& config);

// The request head limits of `config` (max-request-head-bytes,
// max-request-headers).
HeadLimits HeadLimitsOf(const Config& config);

// Debian's compiled cpp-httplib listens with a backlog of 5; Linux lets
// listen() be called again on the listening socket to raise it.
inline constexpr int kListenBacklog = 1024;

// A cpp-httplib server (Base: httplib::Server or httplib::SSLServer) with the
// adapter's settings. Not thread-safe to set up; serving is cpp-httplib's.
template <class Base>
class Tuned : public Base {
 public:
  template <class... BaseArgs>
  explicit Tuned(const Config& config, BaseArgs&&... base_args) : Base(std::forward<BaseArgs>(base_args)...) {
    ApplyServerSettings(*this, config);
  }

  // Binds the configured address (port 0: any free port) and raises the
  // listen backlog. Returns the port, or -1 when it cannot bind.
  int Bind(const Config& config) {
    const int port = config.listen_port == 0
                         ? this->bind_to_any_port(config.listen_host)
                         : (this->bind_to_port(config.listen_host, config.listen_port) ? config.listen_port : -1);
    if (port <= 0) return -1;
    ::listen(this->svr_sock_, kListenBacklog);
    return port;
  }
};

// The per-connection limits of TunedHttpServer and TunedHttpsServer.
struct ConnectionLimits {
  std::size_t keep_alive_max_count;
  std::chrono::seconds keep_alive_timeout;
  std::chrono::microseconds read_timeout;
  std::chrono::microseconds write_timeout;
  std::chrono::seconds request_read_timeout;  // already cut to kShedHeadTimeout for a shed connection
  HeadLimits head;
};

// How a connection ended.
struct ConnectionEnd {
  bool ok = false;          // the last serve_request result
  bool input_left = false;  // bytes were left unread: close lingering (LingeringClose)
};

// The connection loop (keep-alive wait, then one request at a time) over a
// DeadlineStream on `io`, each request read within
// limits.request_read_timeout of its first byte; stops when `listening()`
// turns false. Each request's head is read and checked first
// (http/request_framing.h): a refused one is answered with `early_answer`'s
// rendering and the connection closed; an accepted one goes to
// `serve_request` (cpp-httplib) as a FramedRequestStream. The connection is
// closed after any answer that left part of its request unread or said
// Connection: close. Does not close the socket.
using ServeRequest = std::function<bool(httplib::Stream& stream, bool close_connection, bool& connection_closed)>;
[[nodiscard]] ConnectionEnd ServeConnection(ConnectionIo& io, const ConnectionLimits& limits,
                                            const std::function<bool()>& listening, const ServeRequest& serve_request,
                                            const EarlyAnswerRenderer& early_answer);

// Closes `sock` after an answer that left input unread, as nginx's lingering
// close does: no more writes (FIN), then what the client still sends is read
// and dropped -- at most kLingerBytes, for at most kLingerTime, until it
// closes -- so that the kernel does not answer unread data with a reset
// that could destroy the answer before the client read it.
inline constexpr std::size_t kLingerBytes = 1024 * 1024;
inline constexpr std::chrono::milliseconds kLingerTime{2000};
void LingeringClose(socket_t sock);

// The adapter's servers also bound the time one request may take to arrive:
// its request line, headers and body within config.request_read_timeout_s
// from its first byte (http/request_read_deadline.h), on top of the
// per-read read-timeout-s; a connection that was shed (http/load_shedding.h)
// gets at most kShedHeadTimeout for the head it is answered from.
inline constexpr std::chrono::seconds kShedHeadTimeout{1};

template <class Base>
class DeadlineServer : public Tuned<Base> {
 public:
  template <class... BaseArgs>
  explicit DeadlineServer(const Config& config, BaseArgs&&... base_args)
      : Tuned<Base>(config, std::forward<BaseArgs>(base_args)...),
        request_read_timeout_(config.request_read_timeout_s),
        head_limits_(HeadLimitsOf(config)) {
    this->set_post_routing_handler(
        [](const httplib::Request&, httplib::Response& res) { FramedRequestStream::AnnounceClose(res); });
  }

  // How an answer to a head refused before cpp-httplib parsed it is
  // rendered (default: the reason as text/plain). Set before serving.
  void set_early_answer_renderer(EarlyAnswerRenderer render) { early_answer_ = std::move(render); }

 protected:
  // The limits cpp-httplib was set up with, and the request read time-out
  // (shorter when `shed`).
  ConnectionLimits Limits(bool shed) const {
    return ConnectionLimits{
        this->keep_alive_max_count_, std::chrono::seconds(this->keep_alive_timeout_sec_),
        std::chrono::seconds(this->read_timeout_sec_) + std::chrono::microseconds(this->read_timeout_usec_),
        std::chrono::seconds(this->write_timeout_sec_) + std::chrono::microseconds(this->write_timeout_usec_),
        shed ? std::min(kShedHeadTimeout, request_read_timeout_) : request_read_timeout_, head_limits_};
  }
  bool Listening() const { return this->svr_sock_ != INVALID_SOCKET; }
  const EarlyAnswerRenderer& early_answer() const { return early_answer_; }

 private:
  const std::chrono::seconds request_read_timeout_;
  const HeadLimits head_limits_;
  EarlyAnswerRenderer early_answer_;
};

// Plain HTTP: cpp-httplib's own connection loop replaced by ServeConnection.
class TunedHttpServer : public DeadlineServer<httplib::Server> {
 public:
  explicit TunedHttpServer(const Config& config) : DeadlineServer<httplib::Server>(config) {}

 private:
  bool process_and_close_socket(socket_t sock) override;
};

// TLS: SSL_new on ssl_context() (so the context's settings, client
// certificate verification included, apply), the handshake on a
// non-blocking socket within read-timeout-s a wait and request-read-timeout-s
// in all (AcceptTls), then ServeConnection over TlsIo.
class TunedHttpsServer : public DeadlineServer<httplib::SSLServer> {
 public:
  explicit TunedHttpsServer(const Config& config, const std::function<bool(SSL_CTX&)>& setup_tls)
      : DeadlineServer<httplib::SSLServer>(config, setup_tls) {}

 private:
  bool process_and_close_socket(socket_t sock) override;
};

// The adapter's listener: plain HTTP, or TLS when config.tls_cert_file is set
// (TLS 1.2 minimum; certificate chain and key from the configured PEM files,
// the key optionally encrypted with config.tls_key_password).
class Listener {
 public:
  // Never null; check ok() before serving.
  static std::unique_ptr<Listener> Make(const Config& config);
  virtual ~Listener() = default;

  virtual httplib::Server& server() = 0;
  // Binds as Tuned::Bind does; -1 when it cannot.
  virtual int Bind(const Config& config) = 0;
  // See DeadlineServer::set_early_answer_renderer.
  virtual void set_early_answer_renderer(EarlyAnswerRenderer render) = 0;
  // False when the TLS certificate or key could not be loaded.
  bool ok() { return server().is_valid(); }
  bool tls() const { return tls_; }

 protected:
  explicit Listener(bool tls) : tls_(tls) {}

 private:
  bool tls_;
};

}  // namespace voip
