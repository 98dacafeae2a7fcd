// voip-migration-adapter: the one wiring place. Builds the real backends from
// the configuration and hands them down; no globals.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <ctime>
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
#include "adapter/store/pg_connection.h"
#include "app/db_command.h"
#include "app/outbox_command.h"
#include "app/service_manager.h"
#include "app/store_set.h"
#include "http/idempotency_gate.h"
#include "http/json_face.h"
#include "http/server.h"
#include "http/status.h"
#include "platform/build_info.h"
#include "platform/config.h"
#include "platform/effective_config.h"
#include "platform/log.h"
#include "sim/simulators.h"

namespace {

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

// The next blocked signal of `signals`, waiting at most `limit` when there is
// one; 0 when none came in time (or the wait was interrupted).
int NextSignal(const sigset_t& signals, const std::optional<std::chrono::microseconds>& limit) {
  if (!limit) {
    int signal_number = 0;
    return sigwait(&signals, &signal_number) == 0 ? signal_number : 0;
  }
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(*limit);
  const auto nanoseconds = std::chrono::duration_cast<std::chrono::nanoseconds>(*limit - seconds);
  const timespec timeout{static_cast<time_t>(seconds.count()), static_cast<long>(nanoseconds.count())};
  const int signal_number = sigtimedwait(&signals, nullptr, &timeout);
  return signal_number > 0 ? signal_number : 0;
}

// Waits for SIGTERM or SIGINT and returns it. SIGHUP (a closed terminal, or an
// operator's "reload" out of habit) is logged and ignored: the adapter has no
// configuration to reload, and dying on it would cut short the requests in
// flight without the drain a stop gives them. When systemd asks for watchdog
// pings (WATCHDOG_USEC), one is sent every half period in between: they say
// the process runs and its main thread is not stuck (readiness is /ready's).
int WaitForStopSignal(const sigset_t& signals, voip::Logger& logger) {
  const std::optional<std::chrono::microseconds> ping_every = voip::WatchdogPingInterval();
  for (;;) {
    const int signal_number = NextSignal(signals, ping_every);
    if (signal_number == 0) {
      if (ping_every) voip::NotifyWatchdog();
      continue;
    }
    if (signal_number != SIGHUP) return signal_number;
    logger.Log(voip::LogLevel::kInfo, "signal_ignored", "SIGHUP ignored: there is no configuration to reload",
               {{"signal", signal_number}, {"name", "SIGHUP"}});
  }
}

// After SIGTERM: the drain a load balancer can follow (AdapterServer::Drain:
// /ready answers 503 "draining", requests are still served) for `grace_s`,
// before the listener closes. A second SIGTERM or a SIGINT ends it early;
// SIGHUP is ignored as ever. A SIGINT (Ctrl-C at a terminal) or a grace of 0
// skips it.
void DrainBeforeStop(int signal_number, int grace_s, const sigset_t& signals, voip::AdapterServer& server,
                     voip::Logger& logger) {
  if (signal_number != SIGTERM || grace_s <= 0) return;
  server.Drain();
  logger.Log(voip::LogLevel::kInfo, "drain", "Draining: /ready answers 503 before the listener closes",
             {{"graceS", grace_s}});
  const std::optional<std::chrono::microseconds> ping_every = voip::WatchdogPingInterval();
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(grace_s);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::microseconds>(until - std::chrono::steady_clock::now());
    if (left.count() <= 0) return;
    const int received = NextSignal(signals, ping_every ? std::min(left, *ping_every) : left);
    if (received == 0) {  // the time is up (checked above), a watchdog ping is due, or interrupted
      if (ping_every) voip::NotifyWatchdog();
    } else if (received == SIGHUP) {
      logger.Log(voip::LogLevel::kInfo, "signal_ignored", "SIGHUP ignored: there is no configuration to reload",
                 {{"signal", received}, {"name", "SIGHUP"}});
    } else {
      logger.Log(voip::LogLevel::kInfo, "drain_cut_short", "Drain cut short by a second stop signal",
                 {{"signal", received}});
      return;
    }
  }
}

// What systemd's status line says once a stop signal came: the drain (after
// SIGTERM, when there is one), then the grace for requests in flight.
std::string StoppingStatus(int signal_number, const voip::Config& config) {
  const std::string in_flight =
      "requests in flight have up to " + std::to_string(config.shutdown_grace_s) + " s (shutdown-grace-s)";
  if (signal_number != SIGTERM || config.drain_ready_grace_s <= 0) return "stopping: " + in_flight;
  return "draining: /ready answers 503 for " + std::to_string(config.drain_ready_grace_s) +
         " s (drain-ready-grace-s), then " + in_flight;
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
    const std::string message = std::string("Circuit breaker of ") + backend + " went " + voip::BreakerStateName(from) +
                                " to " + voip::BreakerStateName(to);
    logger.Log(to == voip::BreakerState::kOpen ? voip::LogLevel::kWarn : voip::LogLevel::kInfo, "circuit_breaker",
               message, std::move(fields));
  };
}

// `outbox` subcommands, --help and --version; nullopt when the arguments are the
// server's own.
std::optional<int> RunCommandOrHelp(const std::vector<std::string>& args) {
  if (!args.empty() && args[0] == "outbox") {
    return voip::RunOutboxCommand({args.begin() + 1, args.end()}, std::cout, std::cerr, ::isatty(STDOUT_FILENO) != 0);
  }
  if (!args.empty() && args[0] == "db") return voip::RunDbCommand({args.begin() + 1, args.end()}, std::cout, std::cerr);
  for (const std::string& arg : args) {
    if (arg == "--help" || arg == "-h") {
      std::cout << voip::UsageText() << "\nOperators (see docs/delivery.md):\n"
                << voip::OutboxUsageText() << voip::DbUsageText();
      return 0;
    }
    if (arg == "--version") {
      std::cout << voip::VersionText("voip-migration-adapter");
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

// Opens the store `database` names (a SQLite file, one instance per file, or
// a PostgreSQL URI shared by several instances: app/store_set.h); false,
// said on stderr, when it cannot be opened.
bool OpenDatabase(const voip::Config& config, std::unique_ptr<voip::StoreSet>& stores) {
  voip::StoreResult<std::unique_ptr<voip::StoreSet>> opened = voip::OpenStores(config, voip::StoreUse::kServe);
  if (auto* failure = std::get_if<voip::StoreError>(&opened)) {
    std::cerr << "voip-migration-adapter: " << failure->message << "\n";
    return false;
  }
  stores = std::move(std::get<std::unique_ptr<voip::StoreSet>>(opened));
  return true;
}

// What a crash left behind: attempts journalled without an outcome and
// Idempotency-Keys claimed without an answer. False (said on stderr) when the
// store cannot be read.
bool RecoverInterrupted(voip::StoreSet& stores, voip::Logger& logger) {
  auto recovered = stores.admin->RecoverInterrupted();
  if (auto* failure = std::get_if<voip::StoreError>(&recovered)) {
    std::cerr << "voip-migration-adapter: " << failure->message << "\n";
    return false;
  }
  auto interrupted_keys = stores.idempotency->CompleteInterrupted(voip::InterruptedAnswerFor);
  if (auto* failure = std::get_if<voip::StoreError>(&interrupted_keys)) {
    std::cerr << "voip-migration-adapter: " << failure->message << "\n";
    return false;
  }
  logger.Log(voip::LogLevel::kInfo, "outbox_recovered", "Recovered what an earlier run left interrupted",
             {{"entries", std::get<int>(recovered)}, {"idempotencyKeys", std::get<int>(interrupted_keys)}});
  return true;
}

// The start-up banner as one `banner` log line (startup-banner = log): what
// PrintBanner says, as fields.
void LogBanner(const voip::Config& config, const std::string& base, voip::Logger& logger) {
  voip::LogFields fields;
  fields.Add("url", base).Add("authenticationOff", config.caller_auth.mode == voip::AuthMode::kNone);
  if (config.simulate) {
    fields.Add("simulatedWorkOrderUrl", config.work_order.url)
        .Add("simulatedMidasUrl", config.midas.url)
        .Add("simulatorReceivedUrl", config.midas.url.substr(0, config.midas.url.rfind('/')) + "/__sim/received");
  }
  logger.Log(voip::LogLevel::kInfo, "banner", "voip-migration-adapter listening on " + base, fields);
}

// The human-readable start-up lines on stderr (or, with startup-banner = log,
// one log line): where to call, and how.
void PrintBanner(const voip::Config& config, int port, voip::Logger& logger) {
  const std::string scheme = config.tls_cert_file.empty() ? "http://" : "https://";
  const std::string base = scheme + config.listen_host + ":" + std::to_string(port);
  if (config.banner_in_log) {
    LogBanner(config, base, logger);
    return;
  }
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
    logger.Log(voip::LogLevel::kWarn, "shutdown_grace_exceeded",
               "Requests in flight outlasted shutdown-grace-s: exiting anyway", {{"graceS", grace}});
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
int Serve(const voip::Config& config, const sigset_t& stop_signals, voip::Logger& logger, voip::StoreSet& stores,
          voip::sim::Simulators* simulators) {
  voip::GsoapWorkOrderSystem work_order(config.work_order);
  voip::GsoapMidas midas(config.midas);
  voip::CircuitBreaker work_order_breaker(BreakerOptions(config.work_order),
                                          LogTransitions(logger, "workorder", config.work_order));
  voip::CircuitBreaker midas_breaker(BreakerOptions(config.midas), LogTransitions(logger, "midas", config.midas));
  voip::MigrationFlow flow(work_order, midas, *stores.outbox, {&work_order_breaker, &midas_breaker});
  voip::AdapterServer server(config, flow, logger, stores.idempotency);
  server.metrics().WatchStore(stores.stats);
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
  server.AddReadinessProbe(stores.health);
  if (const auto failure = server.Start()) {
    std::cerr << "voip-migration-adapter: " << *failure << "\n";
    return 1;
  }
  relay.Start();
  logger.Log(voip::LogLevel::kInfo, "start", "Serving on port " + std::to_string(server.port()),
             {{"port", server.port()},
              {"config", voip::EffectiveConfig(config)},
              {"configSources", voip::ConfigSources(config)}});
  PrintBanner(config, server.port(), logger);
  // Listening, and the database opened and recovered: systemd may start what depends on it.
  voip::NotifyReady("serving on " + config.listen_host + ":" + std::to_string(server.port()));

  const int signal_number = WaitForStopSignal(stop_signals, logger);
  voip::NotifyStopping(StoppingStatus(signal_number, config));
  DrainBeforeStop(signal_number, config.drain_ready_grace_s, stop_signals, server, logger);
  StopWithinGrace(config.shutdown_grace_s, logger, [&] {
    server.Stop();
    server.Wait();
    relay.Stop();  // finishes the delivery in progress and writes what it deferred
    logger.Log(voip::LogLevel::kInfo, "stop", "Stopped",
               {{"signal", signal_number},
                {"backendConnectionsOpened",
                 {{"workOrder", work_order.ConnectionsOpened()}, {"midas", midas.ConnectionsOpened()}}},
                {"staleConnectionsReplaced",
                 {{"workOrder", work_order.StaleConnectionsReplaced()}, {"midas", midas.StaleConnectionsReplaced()}}}});
    if (simulators != nullptr) simulators->Stop();
  });
  return 0;
}

// Each problem on its own stderr line.
void PrintProblems(const std::vector<std::string>& problems) {
  for (const std::string& problem : problems) std::cerr << "voip-migration-adapter: " << problem << "\n";
}

// What start-up would refuse about `database` that can be known without
// opening it: a PostgreSQL URI libpq cannot parse, or one holding a password.
std::optional<std::string> DatabaseProblem(const voip::Config& config) {
  if (!voip::store::IsPostgresUri(config.database)) return std::nullopt;
  std::string parse_error;
  const std::optional<bool> has_password = voip::store::UriHasPassword(config.database, &parse_error);
  if (!has_password) return "database: not a PostgreSQL URI libpq accepts: " + parse_error;
  if (*has_password) return "database: the URI holds a password; give it with database-password instead";
  return std::nullopt;
}

// --check-config: the effective configuration as JSON on stdout and 0, or
// every problem on stderr and 2. Opens no database, binds no port, starts no
// simulator and calls no backend.
int CheckConfig(const std::vector<std::string>& args) {
  const voip::ConfigResult parsed = voip::ParseConfig(args);
  const auto* config = std::get_if<voip::Config>(&parsed);
  if (config == nullptr) {
    PrintProblems(std::get_if<voip::ConfigError>(&parsed)->problems);
    return 2;
  }
  if (const std::optional<std::string> problem = DatabaseProblem(*config)) {
    PrintProblems({*problem});
    return 2;
  }
  std::cout << voip::CheckConfigText(*config) << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (const std::optional<int> status = RunCommandOrHelp(args)) return *status;
  const auto check_flag = std::find(args.begin(), args.end(), "--check-config");
  if (check_flag != args.end()) {
    args.erase(check_flag);
    return CheckConfig(args);
  }
  voip::ConfigResult parsed = voip::ParseConfig(args);
  if (auto* error = std::get_if<voip::ConfigError>(&parsed)) {
    PrintProblems(error->problems);
    return 2;
  }
  voip::Config config = std::get<voip::Config>(parsed);
  const sigset_t stop_signals = BlockSignals();
  voip::Logger logger(std::cout, *voip::ParseLogLevel(config.log_level));
  std::unique_ptr<voip::sim::Simulators> simulators;
  if (!StartSimulators(config, simulators)) return 1;
  const ScratchDatabase scratch_database(config);
  voip::NotifyStatus("opening the database " + config.database);
  std::unique_ptr<voip::StoreSet> stores;
  if (!OpenDatabase(config, stores) || !RecoverInterrupted(*stores, logger)) return 1;
  return Serve(config, stop_signals, logger, *stores, simulators.get());
}
