#include "tests/support/adapter_with_simulators.h"

#include <chrono>
#include <utility>
#include <variant>

#include "http/soap_face.h"
#include "tests/support/ports.h"
#include "tests/support/results.h"

namespace voip::testing {
namespace {

CircuitBreakerOptions BreakerOptions(const BackendEndpoint& endpoint) {
  return {endpoint.breaker_failures, std::chrono::milliseconds(endpoint.breaker_open_ms), endpoint.breaker_probes};
}

}  // namespace

AdapterWithSimulators::AdapterWithSimulators(LogLevel log_level) : logger_(log_, log_level) {
  config_.listen_port = 0;
  config_.threads = 8;
  config_.max_body_bytes = 4096;
  config_.caller_auth.mode = AuthMode::kNone;
  config_.work_order = BackendEndpoint{"", kFixtureConnectTimeoutMs, kFixtureBackendTimeoutMs, 4};
  config_.midas = BackendEndpoint{"", kFixtureConnectTimeoutMs, kFixtureBackendTimeoutMs, 4};
}

AdapterWithSimulators::~AdapterWithSimulators() { TearDown(); }

void AdapterWithSimulators::TearDown() {
  StopAdapter();
  if (midas_back_) midas_back_->Stop();
  if (simulators_) simulators_->Stop();
}

void AdapterWithSimulators::PointMidasAtClosedPort() {
  midas_port_ = ClosedLoopbackPort();
  config_.midas.url = "http://127.0.0.1:" + std::to_string(midas_port_) + "/midas";
}

::testing::AssertionResult AdapterWithSimulators::StartMidasBack() {
  sim::SimOptions back;
  back.port = midas_port_;
  sim::SimStartResult started = sim::Simulators::Start(back);
  if (const auto* failure = std::get_if<sim::SimStartError>(&started)) {
    return ::testing::AssertionFailure() << "MIDAS back on port " << midas_port_ << ": " << failure->message;
  }
  midas_back_ = std::move(std::get<std::unique_ptr<sim::Simulators>>(started));
  return ::testing::AssertionSuccess();
}

void AdapterWithSimulators::StopAdapter() {
  client_.reset();
  server_.reset();
  relay_.reset();
  flow_.reset();
  midas_breaker_.reset();
  work_order_breaker_.reset();
  midas_.reset();
  work_order_.reset();
}

::testing::AssertionResult AdapterWithSimulators::StartSimulators() {
  sim::SimStartResult started = sim::Simulators::Start(sim_options_);
  if (const auto* failure = std::get_if<sim::SimStartError>(&started)) {
    return ::testing::AssertionFailure() << "simulators: " << failure->message;
  }
  simulators_ = std::move(std::get<std::unique_ptr<sim::Simulators>>(started));
  config_.work_order.url = simulators_->WorkOrderUrl();
  config_.midas.url = simulators_->MidasUrl();
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult AdapterWithSimulators::Start() {
  if (auto started = StartSimulators(); !started) return started;
  return Wire();
}

::testing::AssertionResult AdapterWithSimulators::OpenDatabase() {
  if (auto failure = Take(store::SqliteDatabase::Open(dir_.File("adapter.db"), store::SyncMode::kNormal), db_)) {
    return ::testing::AssertionFailure() << "database: " << failure->message;
  }
  store::SqliteOutboxOptions options;
  options.retry = {std::chrono::milliseconds(config_.outbox_retry_base_ms),
                   std::chrono::milliseconds(config_.outbox_retry_cap_ms)};
  if (auto failure = Take(store::SqliteOutbox::Open(*db_, options), sqlite_outbox_)) {
    return ::testing::AssertionFailure() << "outbox: " << failure->message;
  }
  if (idempotency_wanted_) {
    if (auto failure = Take(store::SqliteIdempotencyStore::Open(*db_, {}), idempotency_)) {
      return ::testing::AssertionFailure() << "idempotency store: " << failure->message;
    }
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult AdapterWithSimulators::Wire() {
  StopAdapter();
  if (sqlite_ && !sqlite_outbox_) {
    if (auto opened = OpenDatabase(); !opened) return opened;
  }
  work_order_ = std::make_unique<GsoapWorkOrderSystem>(config_.work_order);
  midas_ = std::make_unique<GsoapMidas>(config_.midas);
  work_order_breaker_ = std::make_unique<CircuitBreaker>(BreakerOptions(config_.work_order));
  midas_breaker_ = std::make_unique<CircuitBreaker>(BreakerOptions(config_.midas));
  flow_ = std::make_unique<MigrationFlow>(*work_order_, *midas_, outbox(),
                                          BackendBreakers{work_order_breaker_.get(), midas_breaker_.get()});
  if (sqlite_) {
    OutboxRelayOptions relay_options;
    relay_options.midas_breaker = midas_breaker_.get();
    relay_options.max_age = std::chrono::seconds(config_.outbox_max_age_s);
    relay_options.poll_interval = std::chrono::milliseconds(config_.outbox_poll_ms);
    relay_ = std::make_unique<OutboxRelay>(*sqlite_outbox_, *midas_, logger_, relay_options);
    if (!manual_relay_) relay_->Start();
  }
  server_ = std::make_unique<AdapterServer>(config_, *flow_, logger_, idempotency_.get());
  if (const auto failure = server_->Start()) return ::testing::AssertionFailure() << "adapter server: " << *failure;
  client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
  client_->set_read_timeout(10, 0);
  return ::testing::AssertionSuccess();
}

httplib::Result AdapterWithSimulators::PostJson(const std::string& body, const httplib::Headers& headers,
                                                const std::string& content_type) {
  return client_->Post("/CreateVOIPMigrationWorkOrder", headers, body, content_type.c_str());
}

httplib::Result AdapterWithSimulators::PostSoap11(const std::string& envelope, httplib::Headers headers) {
  headers.emplace("SOAPAction", std::string("\"") + kCreateSoapAction + "\"");
  return client_->Post("/soap", headers, envelope, "text/xml; charset=utf-8");
}

httplib::Result AdapterWithSimulators::PostSoap12(const std::string& envelope, const httplib::Headers& headers) {
  return client_->Post("/soap", headers, envelope, "application/soap+xml; charset=utf-8");
}

std::string AdapterWithSimulators::JsonBody(std::string_view telephone, std::string_view account, int site) {
  return nlohmann::json{{"telephoneNumber", telephone},
                        {"accountIdentification", {{"accountNumber", account}, {"siteReference", site}}}}
      .dump();
}

nlohmann::json AdapterWithSimulators::Faults(const httplib::Result& result) {
  const nlohmann::json body = nlohmann::json::parse(result->body);
  const nlohmann::json& answer = body.at("CreateVOIPMigrationWorkOrder");
  return answer.contains("success") ? answer["success"]["fault"] : answer.at("failure").at("fault");
}

bool AdapterWithSimulators::NoBackendCalled() const {
  return simulators_->WorkOrderRequests().empty() && simulators_->MidasUpdates().empty();
}

Outbox& AdapterWithSimulators::outbox() {
  if (sqlite_outbox_) return *sqlite_outbox_;
  return fake_outbox_;
}

std::vector<OutboxEntry> AdapterWithSimulators::OutboxEntries() {
  if (!sqlite_outbox_) return fake_outbox_.entries();
  if (auto failure = sqlite_outbox_->Flush()) ADD_FAILURE() << failure->message;
  auto listed = sqlite_outbox_->List(store::OutboxView::kAll);
  if (auto* error = std::get_if<StoreError>(&listed)) {
    ADD_FAILURE() << "outbox list: " << error->message;
    return {};
  }
  return std::get<std::vector<OutboxEntry>>(std::move(listed));
}

}  // namespace voip::testing
