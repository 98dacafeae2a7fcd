// A gtest fixture for end-to-end tests over real loopback sockets: the
// in-process simulators (sim/simulators.h) and the adapter's HTTP server wired
// to them through the real gSOAP clients, all on free ports.
//
// A test changes what it needs before starting (sim_options_, config_, the
// outbox kind) and calls Start() (or StartSimulators(), changes config_, then
// Wire()); or changes config_ later and calls Wire() again, which rebuilds the backends, the flow, the relay and the
// server (the simulators and the outbox stay). The default SetUp() is Start() with the defaults below.
//
// Defaults: 8 HTTP threads, 4096-byte bodies, caller authentication off, both
// backends at the simulators with a 300 ms connect and 400 ms exchange
// time-out, 4 idle connections each, a circuit breaker each as main wires
// them (from config_'s breaker settings), and an in-memory FakeOutbox (no relay).
// UseSqliteOutbox() switches to the real SQLite outbox in a temporary
// directory plus the relay, configured from config_'s outbox-* settings;
// UseIdempotencyStore() adds the Idempotency-Key store in the same database.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "adapter/delivery/outbox_relay.h"
#include "adapter/migration_flow.h"
#include "adapter/resilience/circuit_breaker.h"
#include "adapter/soap/midas_client.h"
#include "adapter/soap/work_order_client.h"
#include "adapter/store/sqlite_idempotency.h"
#include "adapter/store/sqlite_outbox.h"
#include "http/server.h"
#include "platform/config.h"
#include "platform/log.h"
#include "sim/simulators.h"
#include "tests/support/fake_outbox.h"
#include "tests/support/shared_log.h"
#include "tests/support/temp_dir.h"

namespace voip::testing {

inline constexpr int kFixtureConnectTimeoutMs = 300;
inline constexpr int kFixtureBackendTimeoutMs = 400;

class AdapterWithSimulators : public ::testing::Test {
 protected:
  explicit AdapterWithSimulators(LogLevel log_level = LogLevel::kInfo);
  ~AdapterWithSimulators() override;

  void SetUp() override { ASSERT_TRUE(Start()); }
  // Clients, server, relay, flow and backends first (an idle keep-alive
  // connection would hold the simulators' Stop()), then the simulators.
  void TearDown() override;

  // Use the SQLite outbox and the relay instead of the FakeOutbox. Call before
  // the first Wire().
  void UseSqliteOutbox() { sqlite_ = true; }
  // Also keep Idempotency-Key records, in the same database (implies the
  // SQLite outbox). Without, keyed requests are refused (503).
  void UseIdempotencyStore() { sqlite_ = idempotency_wanted_ = true; }
  // With the SQLite outbox: build the relay but start no thread; the test
  // runs its rounds with relay().RunOnce(). Call before Wire().
  void UseManualRelay() { manual_relay_ = true; }
  OutboxRelay& relay() { return *relay_; }
  // The SQLite outbox (UseSqliteOutbox, after Wire()).
  store::SqliteOutbox& sqlite_outbox() { return *sqlite_outbox_; }

  // Starts the simulators with sim_options_ and points both backends of
  // config_ at them.
  ::testing::AssertionResult StartSimulators();
  // StartSimulators(), then Wire().
  ::testing::AssertionResult Start();
  // (Re)builds everything but the simulators and the outbox from config_, and
  // a client to the server (read time-out 10 s).
  ::testing::AssertionResult Wire();
  // Stops the adapter (server, relay, backends); the simulators keep running.
  void StopAdapter();

  // MIDAS down: points config_'s MIDAS at a loopback port nothing listens on
  // (call after StartSimulators(), before Wire()).
  void PointMidasAtClosedPort();
  // MIDAS back: a second simulator on that port, in midas_back_ (stopped by
  // TearDown after the adapter).
  ::testing::AssertionResult StartMidasBack();

  // Requests to the running adapter, on client_.
  httplib::Result PostJson(const std::string& body, const httplib::Headers& headers = {},
                           const std::string& content_type = "application/json");
  httplib::Result PostSoap11(const std::string& envelope, httplib::Headers headers = {});
  httplib::Result PostSoap12(const std::string& envelope, const httplib::Headers& headers = {});

  // The JSON body of a request for `telephone`.
  static std::string JsonBody(std::string_view telephone, std::string_view account = "123456789", int site = 42);
  // The fault array of a JSON answer (success.fault or failure.fault).
  static nlohmann::json Faults(const httplib::Result& result);

  bool NoBackendCalled() const;

  // Every outbox entry, after flushing deferred writes. SQLite: what the
  // database holds (delivered entries with a known outcome are gone); the
  // FakeOutbox keeps every entry.
  std::vector<OutboxEntry> OutboxEntries();
  Outbox& outbox();

  std::string Log() const { return log_.str(); }

  sim::SimOptions sim_options_;
  Config config_;
  SharedLog log_;  // what logger_ wrote; the adapter's threads write it while a test reads
  Logger logger_;
  std::unique_ptr<sim::Simulators> simulators_;
  std::unique_ptr<GsoapWorkOrderSystem> work_order_;
  std::unique_ptr<GsoapMidas> midas_;
  FakeOutbox fake_outbox_;
  std::unique_ptr<CircuitBreaker> work_order_breaker_;
  std::unique_ptr<CircuitBreaker> midas_breaker_;
  std::unique_ptr<MigrationFlow> flow_;
  std::unique_ptr<AdapterServer> server_;
  std::unique_ptr<httplib::Client> client_;
  std::unique_ptr<sim::Simulators> midas_back_;  // StartMidasBack()

 private:
  ::testing::AssertionResult OpenDatabase();

  int midas_port_ = 0;  // PointMidasAtClosedPort()
  bool sqlite_ = false;
  bool idempotency_wanted_ = false;
  bool manual_relay_ = false;
  TempDir dir_;
  std::unique_ptr<store::SqliteDatabase> db_;
  std::unique_ptr<store::SqliteOutbox> sqlite_outbox_;
  std::unique_ptr<store::SqliteIdempotencyStore> idempotency_;
  std::unique_ptr<OutboxRelay> relay_;
};

}  // namespace voip::testing
