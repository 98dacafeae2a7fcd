// voip-migration-adapter: the one wiring place. Builds the real backends from
// the configuration and hands them down; no globals.
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "adapter/delivery/outbox_relay.h"
#include "adapter/migration_flow.h"
#include "adapter/resilience/circuit_breaker.h"
#include "adapter/soap/midas_client.h"
#include "adapter/soap/work_order_client.h"
#include "adapter/store/database_health.h"
#include "adapter/store/instance_lock.h"
#include "adapter/store/sqlite_idempotency.h"
#include "adapter/store/sqlite_outbox.h"
#include "adapter/store/wal_checkpointer.h"
#include "app/outbox_command.h"
#include "http/idempotency_gate.h"
#include "http/json_face.h"
#include "http/server.h"
#include "http/status.h"
#include "platform/config.h"
#include "platform/log.h"
#include "sim/simulators.h"

namespace {

// How often the WAL is copied back into the database file, beside the requests.
constexpr std::chrono::milliseconds kCheckpointInterval{100};

// Blocks SIGINT, SIGTERM and SIGHUP in every thread started after this, so
// that main can wait for them with sigwait (WaitForStopSignal), and ignores
// SIGPIPE: a write to a connection the peer closed is an error to handle, not
// a reason to die.
sigset_t BlockSignals() {
  std::signal(SIGPIPE, SIG_IGN);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

// Waits for SIGTERM or SIGINT and returns it. SIGHUP (a closed terminal, or an
// operator's "reload" out of habit) is logged and ignored: the adapter has no
// configuration to reload, and dying on it would cut short the requests in
// flight without the drain a stop gives them.
int WaitForStopSignal(const sigset_t& signals, voip::Logger& logger) {
  for (;;) {
    int signal_number = 0;
    if (sigwait(&signals, &signal_number) != 0) continue;
    if (signal_number != SIGHUP) return signal_number;
    logger.Log(voip::LogLevel::kInfo, "signal_ignored", {{"signal", signal_number}, {"name", "SIGHUP"}});
  }
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
    return nlohmann::json{
        {"url", e.url},
        {"connectTimeoutMs", e.connect_timeout_ms},
        {"timeoutMs", e.timeout_ms},
        {"maxIdleConnections", e.max_idle_connections},
        {"breaker", {{"failures", e.breaker_failures}, {"openMs", e.breaker_open_ms}, {"probes", e.breaker_probes}}},
        {"basicAuthUser", e.username},  // never the password
        {"wsseUser", e.wsse_user},
        {"wssePasswordType", e.wsse_password_type == voip::WssePasswordType::kText ? "text" : "digest"}};
  };
  return {{"listen", config.listen_host + ":" + std::to_string(config.listen_port)},
          {"simulate", config.simulate},
          {"workOrder", endpoint(config.work_order)},
          {"midas", endpoint(config.midas)},
          {"threads", config.threads},
          {"maxQueuedConnections", config.max_queued_connections},
          {"maxInFlight", config.max_in_flight},
          {"requestDeadlineMs", config.request_deadline_ms},
          {"maxBodyBytes", config.max_body_bytes},
          {"maxRequestHeadBytes", config.max_request_head_bytes},
          {"maxRequestHeaders", config.max_request_headers},
          {"logLevel", config.log_level},
          {"tls", !config.tls_cert_file.empty()},
          {"tlsCertFile", config.tls_cert_file},
          {"auth", AuthModeName(config.caller_auth.mode)},
          {"apiKeys", config.caller_auth.api_key_digests.size()},

          {"database", config.database},
          {"databaseSync", config.database_sync_full ? "full" : "normal"},
          {"databaseCheckMs", config.database_check_ms},
          {"outbox",
           {{"retryBaseMs", config.outbox_retry_base_ms},
            {"retryCapMs", config.outbox_retry_cap_ms},
            {"maxAgeS", config.outbox_max_age_s},
            {"pollMs", config.outbox_poll_ms}}},
          {"idempotencyKeyTtlS", config.idempotency_key_ttl_s}};
}

// With --simulate and no database given: a temporary directory for one,
// removed at exit (the simulated backends' state does not outlive the process
// either).
class ScratchDatabase {
 public:
  explicit ScratchDatabase(voip::Config& config) {
    if (!config.database.empty()) return;
    const char* base = std::getenv("TMPDIR");  // NOLINT(concurrency-mt-unsafe): at start-up, no thread yet
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/voip-migration-adapter-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      config.database = voip::kDefaultDatabase;
      return;
    }
    dir_ = pattern;
    config.database = dir_ + "/adapter.db";
  }
  ~ScratchDatabase() {
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
  }

 private:
  std::string dir_;
};

voip::CircuitBreakerOptions BreakerOptions(const voip::BackendEndpoint& endpoint) {
  return {endpoint.breaker_failures, std::chrono::milliseconds(endpoint.breaker_open_ms), endpoint.breaker_probes};
}

// Every transition of a backend's breaker is one log line: warn when it opens.
voip::CircuitBreaker::TransitionListener LogTransitions(voip::Logger& logger, const char* backend,
                                                        const voip::BackendEndpoint& endpoint) {
  return [&logger, backend, open_ms = endpoint.breaker_open_ms](voip::BreakerState from, voip::BreakerState to) {
    nlohmann::json fields = {
        {"backend", backend}, {"from", voip::BreakerStateName(from)}, {"to", voip::BreakerStateName(to)}};
    if (to == voip::BreakerState::kOpen) fields["openMs"] = open_ms;
    logger.Log(to == voip::BreakerState::kOpen ? voip::LogLevel::kWarn : voip::LogLevel::kInfo, "circuit_breaker",
               std::move(fields));
  };
}

// `outbox` subcommands and --help; nullopt when the arguments are the
// server's own.
std::optional<int> RunCommandOrHelp(const std::vector<std::string>& args) {
  if (!args.empty() && args[0] == "outbox") {
    return voip::RunOutboxCommand({args.begin() + 1, args.end()}, std::cout, std::cerr);
  }
  for (const std::string& arg : args) {
    if (arg == "--help" || arg == "-h") {
      std::cout << voip::UsageText() << "\nOperators (see docs/delivery.md):\n" << voip::OutboxUsageText();
      return 0;
    }
  }
  return std::nullopt;
}

// With --simulate: starts the simulators and points `config` at them. False
// (said on stderr) when they cannot start.
bool StartSimulators(voip::Config& config, std::unique_ptr<voip::sim::Simulators>& simulators) {
  if (!config.simulate) return true;
  voip::sim::SimOptions options;
  options.slow_ms = std::max(config.work_order.timeout_ms, config.midas.timeout_ms) + 2000;
  voip::sim::SimStartResult started = voip::sim::Simulators::Start(options);
  if (const auto* failure = std::get_if<voip::sim::SimStartError>(&started)) {
    std::cerr << "voip-migration-adapter: cannot start the simulators: " << failure->message << "\n";
    return false;
  }
  simulators = std::move(*std::get_if<std::unique_ptr<voip::sim::Simulators>>(&started));
  config.work_order.url = simulators->WorkOrderUrl();
  config.midas.url = simulators->MidasUrl();
  return true;
}

// The database and what lives in it, opened in this order and closed in the
// reverse one (members are destroyed bottom up).
struct Stores {
  std::unique_ptr<voip::store::InstanceLock> instance_lock;
  std::unique_ptr<voip::store::SqliteDatabase> database;
  std::unique_ptr<voip::store::WalCheckpointer> checkpointer;
  std::unique_ptr<voip::store::SqliteOutbox> outbox;
  std::unique_ptr<voip::store::SqliteIdempotencyStore> idempotency;
  std::unique_ptr<voip::store::DatabaseHealth> database_health;
};

// Moves the value of `result` into `out`; why not when it failed.
template <typename T>
std::optional<voip::StoreError> Take(voip::StoreResult<T> result, T& out) {
  if (auto* error = std::get_if<voip::StoreError>(&result)) return std::move(*error);
  out = std::move(*std::get_if<T>(&result));
  return std::nullopt;
}

// Opens the database (one instance per file) and what lives in it; the first
// failure says why.
std::optional<voip::StoreError> OpenStores(const voip::Config& config, Stores& stores) {
  using voip::store::SyncMode;
  const SyncMode sync = config.database_sync_full ? SyncMode::kFull : SyncMode::kNormal;
  voip::store::SqliteOutboxOptions outbox_options;
  outbox_options.retry = {std::chrono::milliseconds(config.outbox_retry_base_ms),
                          std::chrono::milliseconds(config.outbox_retry_cap_ms)};
  voip::store::SqliteIdempotencyOptions idempotency_options;
  idempotency_options.ttl = std::chrono::seconds(config.idempotency_key_ttl_s);
  const std::chrono::milliseconds check_interval(config.database_check_ms);
  if (auto failure = Take(voip::store::InstanceLock::Acquire(config.database), stores.instance_lock)) return failure;
  if (auto failure = Take(voip::store::SqliteDatabase::Open(config.database, sync), stores.database)) return failure;
  // Checkpoints beside the requests, not inside their commits (adapter/store/wal_checkpointer.h).
  if (auto failure =
          Take(voip::store::WalCheckpointer::Start(config.database, sync, kCheckpointInterval), stores.checkpointer)) {
    return failure;
  }
  if (auto failure = Take(voip::store::SqliteOutbox::Open(*stores.database, outbox_options), stores.outbox)) {
    return failure;
  }
  if (auto failure =
          Take(voip::store::SqliteIdempotencyStore::Open(*stores.database, idempotency_options), stores.idempotency)) {
    return failure;
  }
  return Take(voip::store::DatabaseHealth::Open(*stores.database, check_interval), stores.database_health);
}

// Opens the stores; false, said on stderr, when one cannot be opened.
bool OpenDatabase(const voip::Config& config, Stores& stores) {
  if (const std::optional<voip::StoreError> failure = OpenStores(config, stores)) {
    std::cerr << "voip-migration-adapter: " << failure->message << "\n";
    return false;
  }
  return true;
}

// What a crash left behind: attempts journalled without an outcome and
// Idempotency-Keys claimed without an answer. False (said on stderr) when the
// store cannot be read.
bool RecoverInterrupted(Stores& stores, voip::Logger& logger) {
  auto recovered = stores.outbox->RecoverInterrupted();
  if (auto* failure = std::get_if<voip::StoreError>(&recovered)) {
    std::cerr << "voip-migration-adapter: " << failure->message << "\n";
    return false;
  }
  auto interrupted_keys = stores.idempotency->CompleteInterrupted(voip::InterruptedAnswerFor);
  if (auto* failure = std::get_if<voip::StoreError>(&interrupted_keys)) {
    std::cerr << "voip-migration-adapter: " << failure->message << "\n";
    return false;
  }
  logger.Log(voip::LogLevel::kInfo, "outbox_recovered",
             {{"entries", std::get<int>(recovered)}, {"idempotencyKeys", std::get<int>(interrupted_keys)}});
  return true;
}

// The human-readable start-up lines on stderr: where to call, and how.
void PrintBanner(const voip::Config& config, int port) {
  const std::string scheme = config.tls_cert_file.empty() ? "http://" : "https://";
  const std::string base = scheme + config.listen_host + ":" + std::to_string(port);
  std::cerr << "voip-migration-adapter listening on " << base << "\n";
  if (config.caller_auth.mode == voip::AuthMode::kNone) {
    std::cerr << "caller authentication is OFF (auth = none): anyone who can reach " << base << " can call it\n";
  }
  if (config.simulate) {
    std::cerr << "simulated work-order system: " << config.work_order.url << "\n"
              << "simulated MIDAS:             " << config.midas.url << "\n"
              << "what MIDAS received:         "
              << "curl -s " << config.midas.url.substr(0, config.midas.url.rfind('/')) << "/__sim/received\n";
  }
  std::cerr << "try:\n  curl -s -X POST " << base
            << "/CreateVOIPMigrationWorkOrder -H 'Content-Type: application/json' -d "
               "'{\"telephoneNumber\":\"447874384949\",\"accountIdentification\":{\"accountNumber\":\"123456789\","
               "\"siteReference\":42}}'\n"
            << std::flush;
}

// Runs `stop` (the orderly shutdown); past the grace period, exits anyway:
// what was cut short stays journalled, and the next start reports it as an
// unknown outcome and tells MIDAS. The watchdog is joined once the orderly
// shutdown is over (a detached one would still be sleeping when the process
// exits).
void StopWithinGrace(int grace_s, voip::Logger& logger, const std::function<void()>& stop) {
  std::mutex shutdown_mutex;
  std::condition_variable shutdown_over_cv;
  bool shutdown_over = false;
  std::thread grace_watchdog([&, grace = grace_s] {
    std::unique_lock<std::mutex> lock(shutdown_mutex);
    if (shutdown_over_cv.wait_for(lock, std::chrono::seconds(grace), [&] { return shutdown_over; })) return;
    logger.Log(voip::LogLevel::kWarn, "shutdown_grace_exceeded", {{"graceS", grace}});
    std::_Exit(0);
  });
  stop();
  {
    std::lock_guard<std::mutex> lock(shutdown_mutex);
    shutdown_over = true;
  }
  shutdown_over_cv.notify_one();
  grace_watchdog.join();
}

// The adapter with its backends, breakers, flow, server and relay, until a
// stop signal. Returns the exit status.
int Serve(const voip::Config& config, const sigset_t& stop_signals, voip::Logger& logger, Stores& stores,
          voip::sim::Simulators* simulators) {
  voip::GsoapWorkOrderSystem work_order(config.work_order);
  voip::GsoapMidas midas(config.midas);
  voip::CircuitBreaker work_order_breaker(BreakerOptions(config.work_order),
                                          LogTransitions(logger, "workorder", config.work_order));
  voip::CircuitBreaker midas_breaker(BreakerOptions(config.midas), LogTransitions(logger, "midas", config.midas));
  voip::MigrationFlow flow(work_order, midas, *stores.outbox, {&work_order_breaker, &midas_breaker});
  voip::AdapterServer server(config, flow, logger, stores.idempotency.get());
  voip::OutboxRelayOptions relay_options;
  relay_options.midas_breaker = &midas_breaker;
  relay_options.max_age = std::chrono::seconds(config.outbox_max_age_s);
  relay_options.poll_interval = std::chrono::milliseconds(config.outbox_poll_ms);
  relay_options.metrics = &server.metrics();
  voip::OutboxRelay relay(*stores.outbox, midas, logger, relay_options);
  server.AddReadinessProbe([&work_order_breaker, &midas_breaker]() -> std::optional<std::string> {
    if (work_order_breaker.state() == voip::BreakerState::kOpen && midas_breaker.state() == voip::BreakerState::kOpen) {
      return "the circuit breakers of both the work-order system and MIDAS are open";
    }
    return std::nullopt;
  });
  server.AddReadinessProbe([&health = *stores.database_health] { return health.Check(); });
  if (const auto failure = server.Start()) {
    std::cerr << "voip-migration-adapter: " << *failure << "\n";
    return 1;
  }
  relay.Start();
  logger.Log(voip::LogLevel::kInfo, "start", {{"port", server.port()}, {"config", Describe(config)}});
  PrintBanner(config, server.port());

  const int signal_number = WaitForStopSignal(stop_signals, logger);
  StopWithinGrace(config.shutdown_grace_s, logger, [&] {
    server.Stop();
    server.Wait();
    relay.Stop();  // finishes the delivery in progress and writes what it deferred
    logger.Log(voip::LogLevel::kInfo, "stop",
               {{"signal", signal_number},
                {"backendConnectionsOpened",
                 {{"workOrder", work_order.ConnectionsOpened()}, {"midas", midas.ConnectionsOpened()}}},
                {"staleConnectionsReplaced",
                 {{"workOrder", work_order.StaleConnectionsReplaced()}, {"midas", midas.StaleConnectionsReplaced()}}}});
    if (simulators != nullptr) simulators->Stop();
  });
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (const std::optional<int> status = RunCommandOrHelp(args)) return *status;
  voip::ConfigResult parsed = voip::ParseConfig(args);
  if (auto* error = std::get_if<voip::ConfigError>(&parsed)) {
    std::cerr << "voip-migration-adapter: " << error->message << "\n";
    return 2;
  }
  voip::Config config = std::get<voip::Config>(parsed);
  const sigset_t stop_signals = BlockSignals();
  voip::Logger logger(std::cout, *voip::ParseLogLevel(config.log_level));
  std::unique_ptr<voip::sim::Simulators> simulators;
  if (!StartSimulators(config, simulators)) return 1;
  const ScratchDatabase scratch_database(config);
  Stores stores;
  if (!OpenDatabase(config, stores) || !RecoverInterrupted(stores, logger)) return 1;
  return Serve(config, stop_signals, logger, stores, simulators.get());
}
