// The cpp-httplib server settings the adapter serves with, in one place, so
// that the benchmark's reference server (bench/reference_server.cc) serves
// with exactly the same ones.
#pragma once

#include <httplib.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include "adapter/config.h"

namespace voip {

// Applies the adapter's settings from `config` to a cpp-httplib server (plain
// or TLS): a pool of config.threads workers (one per connection being served)
// with at most config.max_queued_connections waiting (http/load_shedding.h),
// TCP_NODELAY, SO_REUSEADDR without SO_REUSEPORT, the keep-alive count and
// idle time, read/write time-outs and the body limit.
void ApplyServerSettings(httplib::Server& server, const Config& config);

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

// The plain HTTP server also bounds the time one request may take to arrive:
// its request line, headers and body within config.request_read_timeout_s
// from its first byte (http/request_read_deadline.h), on top of the
// per-read read-timeout-s; a connection that was shed (http/load_shedding.h)
// gets at most kShedHeadTimeout for the head it is answered from.
class TunedHttpServer : public Tuned<httplib::Server> {
 public:
  static constexpr std::chrono::seconds kShedHeadTimeout{1};

  explicit TunedHttpServer(const Config& config)
      : Tuned<httplib::Server>(config), request_read_timeout_(config.request_read_timeout_s) {}

 private:
  // cpp-httplib's own connection loop (keep-alive wait, then one request at a
  // time), with DeadlineSocketStream instead of its per-read-only stream.
  bool process_and_close_socket(socket_t sock) override;

  const std::chrono::seconds request_read_timeout_;
};

using TunedHttpsServer = Tuned<httplib::SSLServer>;

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
  // False when the TLS certificate or key could not be loaded.
  bool ok() { return server().is_valid(); }
  bool tls() const { return tls_; }

 protected:
  explicit Listener(bool tls) : tls_(tls) {}

 private:
  bool tls_;
};

}  // namespace voip
