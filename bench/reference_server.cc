// voip-bench-reference: the benchmark's yardstick. A minimal cpp-httplib server
// with exactly the adapter's HTTP settings (TunedHttpServer, configured by the
// adapter's own flags) that answers every POST /CreateVOIPMigrationWorkOrder
// with a fixed success body and does nothing else: no parsing, no backends, no
// log. The adapter's throughput is reported as a ratio of this server's,
// measured in the same run, so the figures hold on a noisy machine.
//
//   voip-bench-reference [adapter flags: --listen, --threads, --keep-alive-max-count, ...]
//
// Prints "voip-bench-reference listening on http://HOST:PORT" on stderr once
// serving; stops on SIGTERM or SIGINT.
#include <pthread.h>

#include <chrono>
#include <csignal>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "adapter/config.h"
#include "http/server_settings.h"

namespace {

// The adapter's success answer, byte for byte the shape it renders.
constexpr char kSuccessBody[] =
    R"({"CreateVOIPMigrationWorkOrder":{"success":{"fault":[],"orderNumber":"WO1000000001"}}})";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  args.push_back("--simulate");  // backend URLs are not needed (nothing is started for it)
  const voip::ConfigResult parsed = voip::ParseConfig(args);
  if (const auto* error = std::get_if<voip::ConfigError>(&parsed)) {
    std::cerr << "voip-bench-reference: " << error->message << "\n";
    return 2;
  }
  const voip::Config& config = std::get<voip::Config>(parsed);

  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  voip::TunedHttpServer server(config);
  server.Post("/CreateVOIPMigrationWorkOrder", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("X-Correlation-ID", "00000000-0000-4000-8000-000000000000");
    res.set_content(kSuccessBody, "application/json");
  });
  const int port = server.Bind(config);
  if (port <= 0) {
    std::cerr << "voip-bench-reference: cannot listen on " << config.listen_host << ":" << config.listen_port
              << "\n";
    return 1;
  }
  std::thread listener([&server] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::cerr << "voip-bench-reference listening on http://" << config.listen_host << ":" << port << std::endl;

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  server.stop();
  listener.join();
  return 0;
}
