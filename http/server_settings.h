// The cpp-httplib server settings the adapter serves with, in one place, so
// that the benchmark's reference server (bench/reference_server.cc) serves
// with exactly the same ones.
#pragma once

#include <httplib.h>

#include "adapter/config.h"

namespace voip {

// cpp-httplib's server with the adapter's settings applied from `config`:
// a pool of config.threads workers (one per connection being served),
// TCP_NODELAY, SO_REUSEADDR without SO_REUSEPORT, the keep-alive count and
// idle time, read/write time-outs and the body limit. Not thread-safe to set
// up; serving is cpp-httplib's.
class TunedHttpServer : public httplib::Server {
 public:
  explicit TunedHttpServer(const Config& config);

  // Binds the configured address (port 0: any free port) and raises the
  // listen backlog. Returns the port, or -1 when it cannot bind.
  int Bind(const Config& config);

 private:
  // Debian's compiled cpp-httplib listens with a backlog of 5; Linux lets
  // listen() be called again on the listening socket to raise it.
  static constexpr int kListenBacklog = 1024;
};

}  // namespace voip
