// The cpp-httplib server settings the adapter serves with, in one place, so
// that the benchmark's reference server (bench/reference_server.cc) serves
// with exactly the same ones.
#pragma once

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "http/connection_parking.h"
#include "http/connection_scheduler.h"
#include "http/plain_request.h"
#include "http/request_framing.h"
#include "http/request_head.h"
#include "http/request_read_deadline.h"
#include "platform/config.h"

// TunedHttpServer and TunedHttpsServer override a private virtual of
// cpp-httplib and call its protected members, as 0.11.4 declares them; the
// build checks the version too (CMakeLists.txt, docs/security.md).
static_assert(std::string_view(CPPHTTPLIB_VERSION) == "0.11.4",
              "http/server_settings.h is written for cpp-httplib 0.11.4 (see docs/security.md)");

namespace voip {

// Applies the adapter's settings from `config` to a cpp-httplib server (plain
// or TLS): a pool of config.threads workers with at most
// config.max_queued_connections jobs waiting (http/load_shedding.h; the
// adapter's own servers replace it, see DeadlineServer), TCP_NODELAY, SO_REUSEADDR without SO_REUSEPORT, the keep-alive
// count and idle time, read/write time-outs and the body limit.
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

// Serves the request whose head `stream` reads next from `read_ahead` (the
// connection's): the head is read and checked first (http/request_framing.h);
// a refused one is answered with `early_answer`'s rendering; an accepted one
// goes to `serve_request` (cpp-httplib's process_request) as a
// FramedRequestStream. False when the connection must not be kept for
// another request: after any answer that left part of its request unread or
// said Connection: close, or a request that ran out of time.
using ServeRequest = std::function<bool(httplib::Stream& stream, bool close_connection, bool& connection_closed)>;
[[nodiscard]] bool ServeOneRequest(DeadlineStream& stream, ReadAhead& read_ahead, bool last, const HeadLimits& head,
                                   const ServeRequest& serve_request, const EarlyAnswerRenderer& early_answer,
                                   ConnectionEnd& end);

// The adapter's servers: no thread waits for a request to start. New and
// kept-alive connections wait in the waiting room for a complete request head
// (http/connection_parking.h), the workers serve one request at a time
// (http/connection_scheduler.h) through ServeOneRequest, each request read
// within request-read-timeout-s of its first byte
// (http/request_read_deadline.h).
template <class Base>
class DeadlineServer : public Tuned<Base> {
 public:
  template <class... BaseArgs>
  explicit DeadlineServer(const Config& config, BaseArgs&&... base_args)
      : Tuned<Base>(config, std::forward<BaseArgs>(base_args)...),
        head_limits_(HeadLimitsOf(config)),
        settings_(SchedulerSettingsFor(config, head_limits_)) {
    settings_.room.idle_gauge = idle_gauge_;
    this->set_post_routing_handler([this](const httplib::Request&, httplib::Response& res) {
      if (keep_alive_ended_.load() && res.get_header_value("Connection") != "close") {
        res.set_header("Connection", "close");
      }
      FramedRequestStream::AnnounceClose(res);
    });
    // Called by cpp-httplib once per listen, on its accept thread, which owns
    // (and shuts down) the scheduler; Admit is only called from that thread.
    this->new_task_queue = [this] {
      scheduler_ = new ConnectionScheduler(
          settings_, [this](ClientConnection& connection, DeadlineStream& stream, bool last, ConnectionEnd& end) {
            return ServeOn(connection, stream, last, end);
          });
      return scheduler_;
    };
  }

  // How an answer to a head refused before cpp-httplib parsed it is
  // rendered (default: the reason as text/plain). Set before serving.
  void set_early_answer_renderer(EarlyAnswerRenderer render) { early_answer_ = std::move(render); }

  // From now on every answer says Connection: close and its connection is
  // closed once it is written (the drain before a stop: no kept-alive
  // connection is left for a balancer to reuse). Thread-safe; for good.
  void StopKeepingAlive() { keep_alive_ended_.store(true); }

  // Parked connections with no byte of a request yet (WaitingRoomLimits::
  // idle_gauge). Thread-safe.
  std::size_t idle_connections() const { return idle_gauge_->load(); }

  // After an answer, how long a worker waits for the connection's next
  // request while another worker is free, checked every `slice`
  // (SchedulerSettings::next_request_wait). Set before serving.
  void set_next_request_wait(std::chrono::milliseconds wait, std::chrono::milliseconds slice) {
    settings_.next_request_wait = wait;
    settings_.next_request_wait_slice = slice;
  }

  // Serves every accepted request with `handler` (http/plain_request.h)
  // instead of cpp-httplib's request processing, bodies up to
  // `max_body_bytes`. Set before serving.
  void set_plain_handler(std::size_t max_body_bytes, PlainHandler handler) {
    plain_max_body_bytes_ = max_body_bytes;
    plain_handler_ = std::move(handler);
  }

 protected:
  // Hands a new connection to the scheduler.
  void Admit(std::shared_ptr<ClientConnection> connection) { scheduler_->Admit(std::move(connection)); }

 private:
  // One request through cpp-httplib's own request handling; TLS requests
  // carry their SSL object.
  bool ServeOn(ClientConnection& connection, DeadlineStream& stream, bool last, ConnectionEnd& end) {
    SSL* ssl = connection.ssl();
    const ServeRequest serve = [this, ssl](httplib::Stream& request, bool close_connection, bool& connection_closed) {
      if (plain_handler_) {
        // ServeOneRequest hands over the request as a FramedRequestStream.
        return ServePlainRequest(static_cast<FramedRequestStream&>(request), close_connection, connection_closed,
                                 plain_max_body_bytes_, plain_handler_);
      }
      if (ssl == nullptr) return this->process_request(request, close_connection, connection_closed, nullptr);
      return this->process_request(request, close_connection, connection_closed,
                                   [ssl](httplib::Request& parsed) { parsed.ssl = ssl; });
    };
    return ServeOneRequest(stream, connection.read_ahead(), last, head_limits_, serve, early_answer_, end);
  }

  const HeadLimits head_limits_;
  SchedulerSettings settings_;
  EarlyAnswerRenderer early_answer_;
  std::atomic<bool> keep_alive_ended_{false};
  PlainHandler plain_handler_;  // unset: cpp-httplib serves
  std::size_t plain_max_body_bytes_ = 0;
  ConnectionScheduler* scheduler_ = nullptr;  // owned by cpp-httplib's accept loop while it runs
  const std::shared_ptr<std::atomic<std::size_t>> idle_gauge_ = std::make_shared<std::atomic<std::size_t>>(0);
};

// Plain HTTP.
class TunedHttpServer : public DeadlineServer<httplib::Server> {
 public:
  explicit TunedHttpServer(const Config& config) : DeadlineServer<httplib::Server>(config) {}

 private:
  bool process_and_close_socket(socket_t sock) override;
};

// TLS: SSL_new on ssl_context() (so the context's settings, client
// certificate verification included, apply); the handshake runs in the
// waiting room, without waiting, within first-request-timeout-s.
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
  // See DeadlineServer::StopKeepingAlive.
  virtual void StopKeepingAlive() = 0;
  // See DeadlineServer::idle_connections.
  virtual std::size_t idle_connections() const = 0;
  // False when the TLS certificate or key could not be loaded.
  bool ok() { return server().is_valid(); }
  bool tls() const { return tls_; }

 protected:
  explicit Listener(bool tls) : tls_(tls) {}

 private:
  bool tls_;
};

}  // namespace voip
