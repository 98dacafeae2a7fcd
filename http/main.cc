// voip-migration-adapter: the one wiring place. Builds the real backends from
// the configuration and hands them down; no globals.
#include <csignal>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "adapter/config.h"
#include "adapter/log.h"
#include "adapter/migration_flow.h"
#include "adapter/soap/midas_client.h"
#include "adapter/soap/work_order_client.h"
#include "http/server.h"
#include "sim/simulators.h"

namespace {

// Blocks SIGINT/SIGTERM in every thread started after this, so that main can
// wait for them with sigwait.
sigset_t BlockStopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

const char* AuthModeName(voip::AuthMode mode) {
  switch (mode) {
    case voip::AuthMode::kApiKey: return "api-key";
    case voip::AuthMode::kNone: return "none";
    case voip::AuthMode::kUnset: return "unset";
  }
  return "unset";
}

// What the `start` log line shows of the configuration: no secret, and of the
// API keys only how many there are.
nlohmann::json Describe(const voip::Config& config) {
  auto endpoint = [](const voip::BackendEndpoint& e) {
    return nlohmann::json{{"url", e.url},
                          {"connectTimeoutMs", e.connect_timeout_ms},
                          {"timeoutMs", e.timeout_ms},
                          {"maxIdleConnections", e.max_idle_connections},
                          {"basicAuthUser", e.username}};  // never the password
  };
  return {{"listen", config.listen_host + ":" + std::to_string(config.listen_port)},
          {"simulate", config.simulate},
          {"workOrder", endpoint(config.work_order)},
          {"midas", endpoint(config.midas)},
          {"threads", config.threads},
          {"maxBodyBytes", config.max_body_bytes},
          {"logLevel", config.log_level},
          {"tls", !config.tls_cert_file.empty()},
          {"tlsCertFile", config.tls_cert_file},
          {"auth", AuthModeName(config.caller_auth.mode)},
          {"apiKeys", config.caller_auth.api_key_digests.size()}};
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  for (const std::string& arg : args) {
    if (arg == "--help" || arg == "-h") {
      std::cout << voip::UsageText();
      return 0;
    }
  }
  voip::ConfigResult parsed = voip::ParseConfig(args);
  if (auto* error = std::get_if<voip::ConfigError>(&parsed)) {
    std::cerr << "voip-migration-adapter: " << error->message << "\n";
    return 2;
  }
  voip::Config config = std::get<voip::Config>(parsed);
  const sigset_t stop_signals = BlockStopSignals();
  voip::Logger logger(std::cout, *voip::ParseLogLevel(config.log_level));

  std::unique_ptr<voip::sim::Simulators> simulators;
  if (config.simulate) {
    voip::sim::SimOptions options;
    options.slow_ms = std::max(config.work_order.timeout_ms, config.midas.timeout_ms) + 2000;
    std::string error;
    simulators = voip::sim::Simulators::Start(options, &error);
    if (!simulators) {
      std::cerr << "voip-migration-adapter: cannot start the simulators: " << error << "\n";
      return 1;
    }
    config.work_order.url = simulators->WorkOrderUrl();
    config.midas.url = simulators->MidasUrl();
  }

  voip::GsoapWorkOrderSystem work_order(config.work_order);
  voip::GsoapMidas midas(config.midas);
  voip::MigrationFlow flow(work_order, midas);
  voip::AdapterServer server(config, flow, logger);
  std::string error;
  if (!server.Start(&error)) {
    std::cerr << "voip-migration-adapter: " << error << "\n";
    return 1;
  }
  logger.Log(voip::LogLevel::kInfo, "start", {{"port", server.port()}, {"config", Describe(config)}});

  const std::string scheme = config.tls_cert_file.empty() ? "http://" : "https://";
  const std::string base = scheme + config.listen_host + ":" + std::to_string(server.port());
  std::cerr << "voip-migration-adapter listening on " << base << "\n";
  if (config.caller_auth.mode == voip::AuthMode::kNone) {
    std::cerr << "caller authentication is OFF (auth = none): anyone who can reach " << base << " can call it\n";
  }
  if (config.simulate) {
    std::cerr << "simulated work-order system: " << config.work_order.url << "\n"
              << "simulated MIDAS:             " << config.midas.url << "\n"
              << "what MIDAS received:         " << "curl -s "
              << config.midas.url.substr(0, config.midas.url.rfind('/')) << "/__sim/received\n";
  }
  std::cerr << "try:\n  curl -s -X POST " << base
            << "/CreateVOIPMigrationWorkOrder -H 'Content-Type: application/json' -d "
               "'{\"telephoneNumber\":\"447874384949\",\"accountIdentification\":{\"accountNumber\":\"123456789\","
               "\"siteReference\":42}}'\n"
            << std::flush;

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  server.Stop();
  server.Wait();
  logger.Log(voip::LogLevel::kInfo, "stop",
             {{"signal", signal_number},
              {"backendConnectionsOpened",
               {{"workOrder", work_order.ConnectionsOpened()}, {"midas", midas.ConnectionsOpened()}}}});
  if (simulators) simulators->Stop();
  return 0;
}
