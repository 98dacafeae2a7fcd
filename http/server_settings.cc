#include "http/server_settings.h"

#include <sys/socket.h>

namespace voip {

TunedHttpServer::TunedHttpServer(const Config& config) {
  const int threads = config.threads;
  new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<std::size_t>(threads)); };
  set_tcp_nodelay(true);
  // cpp-httplib's default also sets SO_REUSEPORT, which lets a second
  // process bind a port already in use without an error.
  set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  set_keep_alive_max_count(static_cast<std::size_t>(config.keep_alive_max_count));
  set_keep_alive_timeout(config.keep_alive_timeout_s);
  set_read_timeout(config.read_timeout_s, 0);
  set_write_timeout(config.read_timeout_s, 0);
  set_payload_max_length(config.max_body_bytes);
}

int TunedHttpServer::Bind(const Config& config) {
  const int port = config.listen_port == 0
                       ? bind_to_any_port(config.listen_host)
                       : (bind_to_port(config.listen_host, config.listen_port) ? config.listen_port : -1);
  if (port <= 0) return -1;
  ::listen(svr_sock_, kListenBacklog);
  return port;
}

}  // namespace voip
