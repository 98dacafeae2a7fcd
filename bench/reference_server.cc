// voip-bench-reference: the benchmark's yardsticks. A minimal cpp-httplib
// server with exactly the adapter's HTTP settings (TunedHttpServer, configured
// by the adapter's own flags) that answers every POST
// /CreateVOIPMigrationWorkOrder with a fixed success body: no parsing, no log,
// no database, no XML. The adapter's throughput is reported as a ratio of this
// server's, measured in the same run, so the figures hold on a noisy machine.
//
// The architectural ceiling is two more instances (the "chain"): with
// --pass-through-to http://HOST:PORT, for each POST it first makes two HTTP
// POSTs to that backend, one after the other, each on a kept-alive connection
// from its own pool (as the adapter calls the work-order system, then MIDAS),
// with small fixed bodies, and then answers; with --as-backend it answers
// every request with the fixed body from the simulators' HTTP server
// (voip::sim::SimHttpServer, as voip-migration-sim serves the adapter). What separates the adapter from the chain is
// the adapter's own work (JSON, XML, SQLite, the log), not its shape (three HTTP exchanges per request on a
// thread-per-connection server).
//
//   voip-bench-reference [--pass-through-to URL | --as-backend] [adapter flags: --listen, --threads, ...]
//
// Prints "voip-bench-reference listening on http://HOST:PORT" on stderr once
// serving; stops on SIGTERM or SIGINT.
#include <pthread.h>

#include <csignal>
#include <iostream>
#include <memory>
#include <mutex>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "http/server_settings.h"
#include "http/serving_thread.h"
#include "platform/config.h"
#include "sim/simulators.h"

namespace {

constexpr char kPath[] = "/CreateVOIPMigrationWorkOrder";
// The adapter's success answer, byte for byte the shape it renders.
constexpr char kSuccessBody[] =
    R"({"CreateVOIPMigrationWorkOrder":{"success":{"fault":[],"orderNumber":"WO1000000001"}}})";
// What the pass-through server sends its backend: the caller's request.
constexpr char kBackendRequestBody[] =
    R"({"telephoneNumber":"447874384949","accountIdentification":{"accountNumber":"123456789","siteReference":42}})";

// Kept-alive clients to one backend, one per exchange in flight; idle ones
// are reused. Thread-safe.
class ClientPool {
 public:
  ClientPool(std::string host, int port) : host_(std::move(host)), port_(port) {}

  std::unique_ptr<httplib::Client> Acquire() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!idle_.empty()) {
        auto client = std::move(idle_.back());
        idle_.pop_back();
        return client;
      }
    }
    auto client = std::make_unique<httplib::Client>(host_, port_);
    client->set_keep_alive(true);
    client->set_tcp_nodelay(true);
    return client;
  }

  void Return(std::unique_ptr<httplib::Client> client) {
    std::lock_guard<std::mutex> lock(mutex_);
    idle_.push_back(std::move(client));
  }

 private:
  const std::string host_;
  const int port_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<httplib::Client>> idle_;
};

// One POST to the backend on a pooled connection; true on a 200.
bool Exchange(ClientPool& pool) {
  auto client = pool.Acquire();
  const auto result = client->Post(kPath, kBackendRequestBody, "application/json");
  const bool ok = result && result->status == 200;
  pool.Return(std::move(client));
  return ok;
}

}  // namespace

// Serves `server` (bound to `port`) until SIGTERM or SIGINT (blocked by the caller).
int ServeUntilStopped(voip::TunedHttpServer& server, int port, const std::string& host, const sigset_t& stop_signals) {
  voip::ServingThread serving(server);
  std::cerr << "voip-bench-reference listening on http://" << host << ":" << port << std::endl;
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  serving.Stop();
  return 0;
}

// The chain's backend: the simulators' HTTP server, the fixed answer.
int ServeAsBackend(const voip::Config& config, const sigset_t& stop_signals) {
  voip::sim::SimOptions options;
  options.host = config.listen_host;
  options.port = config.listen_port;
  options.threads = config.threads;
  const std::unique_ptr<voip::TunedHttpServer> server =
      voip::sim::SimHttpServer(options, [](const voip::PlainRequest&, voip::PlainAnswer& answer) {
        answer.content_type = "application/json";
        answer.body = kSuccessBody;
      });
  const int port = server->Bind(voip::sim::SimServerConfig(options));
  if (port <= 0) {
    std::cerr << "voip-bench-reference: cannot listen on " << config.listen_host << ":" << config.listen_port << "\n";
    return 1;
  }
  return ServeUntilStopped(*server, port, config.listen_host, stop_signals);
}

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string pass_through_to;
  bool as_backend = false;
  for (auto it = args.begin(); it != args.end();) {
    if (*it == "--pass-through-to" && std::next(it) != args.end()) {
      pass_through_to = *std::next(it);
      it = args.erase(it, it + 2);
    } else if (*it == "--as-backend") {
      as_backend = true;
      it = args.erase(it);
    } else {
      ++it;
    }
  }
  std::smatch backend;
  const std::regex kHttpUrl(R"(http://([^:/]+):(\d+)/?)");
  if (!pass_through_to.empty() && !std::regex_match(pass_through_to, backend, kHttpUrl)) {
    std::cerr << "voip-bench-reference: --pass-through-to wants http://HOST:PORT\n";
    return 2;
  }
  args.push_back("--simulate");  // the adapter's backend URLs are not needed (nothing is started for it)
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
  if (as_backend) return ServeAsBackend(config, stop_signals);

  std::unique_ptr<ClientPool> work_order_pool;
  std::unique_ptr<ClientPool> midas_pool;
  if (!pass_through_to.empty()) {
    work_order_pool = std::make_unique<ClientPool>(backend[1].str(), std::stoi(backend[2].str()));
    midas_pool = std::make_unique<ClientPool>(backend[1].str(), std::stoi(backend[2].str()));
  }

  voip::TunedHttpServer server(config);
  server.Post(kPath, [&](const httplib::Request&, httplib::Response& res) {
    if (work_order_pool && !(Exchange(*work_order_pool) && Exchange(*midas_pool))) {
      res.status = 502;
      return;
    }
    res.set_header("X-Correlation-ID", "00000000-0000-4000-8000-000000000000");
    res.set_content(kSuccessBody, "application/json");
  });
  const int port = server.Bind(config);
  if (port <= 0) {
    std::cerr << "voip-bench-reference: cannot listen on " << config.listen_host << ":" << config.listen_port << "\n";
    return 1;
  }
  return ServeUntilStopped(server, port, config.listen_host, stop_signals);
}
