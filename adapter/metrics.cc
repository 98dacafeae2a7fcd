#include "adapter/metrics.h"

#include <algorithm>
#include <cstdio>

#include "platform/build_info.h"
#include "platform/process_stats.h"

namespace voip {
namespace {

constexpr std::memory_order kOrder = std::memory_order_relaxed;

const char* BackendLabel(int backend) { return backend == 0 ? "workorder" : "midas"; }

std::string Number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", value);
  return text;
}

// Every digit a double holds: a start time in seconds since the epoch needs more than %.6g's.
std::string FullNumber(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", value);
  return text;
}

void Header(std::string& out, const char* name, const char* type, const char* help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void Sample(std::string& out, const std::string& name, const std::string& labels, const std::string& value) {
  out += name;
  if (!labels.empty()) out += '{' + labels + '}';
  out += ' ';
  out += value;
  out += '\n';
}

void Sample(std::string& out, const std::string& name, const std::string& labels, std::uint64_t value) {
  Sample(out, name, labels, std::to_string(value));
}

}  // namespace

const char* FaceName(Face face) { return face == Face::kJson ? "json" : "soap"; }

void LatencyHistogram::Observe(std::chrono::microseconds elapsed) {
  const double seconds = static_cast<double>(elapsed.count()) / 1e6;
  std::size_t bucket = 0;
  while (bucket < kBounds.size() && seconds > kBounds[bucket]) ++bucket;
  buckets_[bucket].fetch_add(1, kOrder);
  count_.fetch_add(1, kOrder);
  sum_micros_.fetch_add(static_cast<std::uint64_t>(elapsed.count() > 0 ? elapsed.count() : 0), kOrder);
}

void LatencyHistogram::Render(std::string& out, const std::string& name, const std::string& labels) const {
  const std::string prefix = labels.empty() ? "" : labels + ",";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= kBounds.size(); ++i) {
    cumulative += buckets_[i].load(kOrder);
    std::string bucket_labels = prefix;
    bucket_labels.append("le=\"").append(i < kBounds.size() ? Number(kBounds[i]) : "+Inf").append("\"");
    Sample(out, name + "_bucket", bucket_labels, std::to_string(cumulative));
  }
  Sample(out, name + "_sum", labels, Number(static_cast<double>(sum_micros_.load(kOrder)) / 1e6));
  Sample(out, name + "_count", labels, std::to_string(count_.load(kOrder)));
}

void Metrics::RecordRequest(Face face, const MigrationOutcome& outcome, int http_status,
                            std::chrono::microseconds total) {
  const int f = static_cast<int>(face);
  const int status = http_status - kMinStatus;
  if (status >= 0 && status < kStatuses) requests_[f][outcome.order_number ? 0 : 1][status].fetch_add(1, kOrder);
  for (const Fault& fault : outcome.faults) faults_[f][fault.type == FaultType::kBusiness ? 0 : 1].fetch_add(1, kOrder);
  request_duration_[f].Observe(total);
  RecordBackend(Backend::kWorkOrder, outcome.work_order_called, outcome.work_order_time, outcome.work_order_error);
  RecordBackend(Backend::kMidas, outcome.midas_called, outcome.midas_time, outcome.midas_error);
}

void Metrics::RecordBackend(Backend backend, bool called, std::chrono::microseconds elapsed,
                            const std::optional<BackendErrorKind>& error) {
  if (!called) return;
  const int b = static_cast<int>(backend);
  backend_duration_[b].Observe(elapsed);
  if (error) backend_errors_[b][static_cast<int>(*error)].fetch_add(1, kOrder);
}

void Metrics::RecordRelayRound(int delivered, int retried, int dead_lettered, bool store_failed) {
  relay_deliveries_[0].fetch_add(static_cast<std::uint64_t>(delivered), kOrder);
  relay_deliveries_[1].fetch_add(static_cast<std::uint64_t>(retried), kOrder);
  relay_deliveries_[2].fetch_add(static_cast<std::uint64_t>(dead_lettered), kOrder);
  if (store_failed) outbox_store_errors_.fetch_add(1, kOrder);
}

void Metrics::SetOutboxCounts(const OutboxCounts& counts, std::int64_t now_ms) {
  outbox_pending_.store(counts.pending, kOrder);
  outbox_unknown_.store(counts.unknown_outcome, kOrder);
  outbox_dead_.store(counts.dead_lettered, kOrder);
  outbox_superseded_.store(counts.superseded, kOrder);
  const std::int64_t age = counts.oldest_pending_since_ms ? now_ms - *counts.oldest_pending_since_ms : 0;
  outbox_oldest_pending_age_ms_.store(age > 0 ? age : 0, kOrder);
}

std::string Metrics::RenderPrometheus() const {
  std::string out;
  out.reserve(8192);
  RenderRequests(out);
  RenderBackends(out);
  RenderShedding(out);
  RenderBreakers(out);
  RenderOutbox(out);
  RenderBuildInfo(out);
  RenderProcess(out);
  RenderStore(out);
  return out;
}

void Metrics::RenderBuildInfo(std::string& out) {
  const BuildInfo& build = ThisBuild();
  Header(out, "voip_build_info", "gauge",
         "Always 1: the adapter's version, the git commit it was built from and the gSOAP version it was built with.");
  Sample(out, "voip_build_info",
         std::string("version=\"") + build.version + "\",commit=\"" + build.commit + "\",gsoap=\"" + build.gsoap + "\"",
         "1");
}

void Metrics::RenderProcess(std::string& out) {
  const std::optional<ProcessStats> stats = ReadProcessStats();
  if (!stats) return;  // no /proc: the families are left out rather than exported as zeros
  Header(out, "process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.");
  Sample(out, "process_cpu_seconds_total", "", FullNumber(stats->cpu_seconds));
  Header(out, "process_open_fds", "gauge", "Number of open file descriptors.");
  Sample(out, "process_open_fds", "", FullNumber(stats->open_fds));
  Header(out, "process_max_fds", "gauge", "Maximum number of open file descriptors.");
  Sample(out, "process_max_fds", "", FullNumber(stats->max_fds));
  Header(out, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.");
  Sample(out, "process_virtual_memory_bytes", "", FullNumber(stats->virtual_bytes));
  Header(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
  Sample(out, "process_resident_memory_bytes", "", FullNumber(stats->resident_bytes));
  Header(out, "process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.");
  Sample(out, "process_start_time_seconds", "", FullNumber(stats->start_time_seconds));
}

void Metrics::RenderRequests(std::string& out) const {
  Header(out, "voip_requests_total", "counter",
         "Finished CreateVOIPMigrationWorkOrder requests by face, outcome (success/failure) and HTTP status.");
  for (int f = 0; f < kFaces; ++f) {
    for (int o = 0; o < 2; ++o) {
      for (int s = 0; s < kStatuses; ++s) {
        const std::uint64_t value = requests_[f][o][s].load(kOrder);
        if (value == 0) continue;
        Sample(out, "voip_requests_total",
               std::string("face=\"") + FaceName(static_cast<Face>(f)) + "\",outcome=\"" +
                   (o == 0 ? "success" : "failure") + "\",status=\"" + std::to_string(s + kMinStatus) + "\"",
               value);
      }
    }
  }
  Header(out, "voip_faults_total", "counter", "Fault entries answered, by face, type and code.");
  for (int f = 0; f < kFaces; ++f) {
    const std::string face = std::string("face=\"") + FaceName(static_cast<Face>(f)) + "\",";
    Sample(out, "voip_faults_total", face + "type=\"BUSINESS\",code=\"10685\"", faults_[f][0].load(kOrder));
    Sample(out, "voip_faults_total", face + "type=\"SYSTEM\",code=\"10686\"", faults_[f][1].load(kOrder));
  }
  Header(out, "voip_request_duration_seconds", "histogram", "Time from request read to answer, by face.");
  for (int f = 0; f < kFaces; ++f) {
    request_duration_[f].Render(out, "voip_request_duration_seconds",
                                std::string("face=\"") + FaceName(static_cast<Face>(f)) + "\"");
  }
}

void Metrics::RenderBackends(std::string& out) const {
  Header(out, "voip_backend_call_duration_seconds", "histogram",
         "Duration of calls to each legacy system, whatever their outcome.");
  for (int b = 0; b < kBackends; ++b) {
    backend_duration_[b].Render(out, "voip_backend_call_duration_seconds",
                                std::string("backend=\"") + BackendLabel(b) + "\"");
  }
  Header(out, "voip_backend_errors_total", "counter", "Failed calls to each legacy system, by kind of failure.");
  for (int b = 0; b < kBackends; ++b) {
    for (int k = 0; k < kErrorKinds; ++k) {
      Sample(out, "voip_backend_errors_total",
             std::string("backend=\"") + BackendLabel(b) + "\",kind=\"" +
                 BackendErrorKindName(static_cast<BackendErrorKind>(k)) + "\"",
             backend_errors_[b][k].load(kOrder));
    }
  }
}

void Metrics::RenderShedding(std::string& out) const {
  Header(out, "voip_requests_in_flight", "gauge", "Requests being processed now.");
  out += "voip_requests_in_flight " + std::to_string(in_flight_.load(kOrder)) + "\n";
  Header(out, "voip_load_shed_total", "counter",
         "Answered 503 at once to shed load: requests beyond max-in-flight (level request), connections "
         "beyond the worker threads and max-queued-connections (level connection).");
  Sample(out, "voip_load_shed_total", "level=\"request\"", shed_[0].load(kOrder));
  Sample(out, "voip_load_shed_total", "level=\"connection\"", shed_[1].load(kOrder));
  Header(out, "voip_username_token_nonce_cache_full_total", "counter",
         "Valid WS-Security UsernameTokens refused because soap-token-max-nonces nonces were still inside the "
         "replay window.");
  Sample(out, "voip_username_token_nonce_cache_full_total", "", nonce_cache_full_.load(kOrder));
}

void Metrics::RenderBreakers(std::string& out) const {
  const std::array<CircuitBreaker*, kBackends> breakers = {breakers_.work_order, breakers_.midas};
  Header(out, "voip_circuit_breaker_state", "gauge",
         "Circuit breaker of each legacy system: 0 closed, 1 half-open (probing), 2 open (calls refused).");
  for (int b = 0; b < kBackends; ++b) {
    const BreakerState state = breakers[b] != nullptr ? breakers[b]->state() : BreakerState::kClosed;
    Sample(out, "voip_circuit_breaker_state", std::string("backend=\"") + BackendLabel(b) + "\"",
           static_cast<std::uint64_t>(state));
  }
  Header(out, "voip_circuit_breaker_transitions_total", "counter",
         "Circuit breaker transitions of each legacy system, by the state entered.");
  for (int b = 0; b < kBackends; ++b) {
    for (BreakerState to : {BreakerState::kOpen, BreakerState::kHalfOpen, BreakerState::kClosed}) {
      Sample(out, "voip_circuit_breaker_transitions_total",
             std::string("backend=\"") + BackendLabel(b) + "\",to=\"" + BreakerStateName(to) + "\"",
             breakers[b] != nullptr ? breakers[b]->transitions_to(to) : 0);
    }
  }
}

void Metrics::RenderOutbox(std::string& out) const {
  Header(out, "voip_outbox_relay_deliveries_total", "counter",
         "MIDAS updates the outbox relay handled, by result (delivered, retry scheduled, dead_lettered).");
  const char* const kRelayResults[] = {"delivered", "retry", "dead_lettered"};
  for (int r = 0; r < 3; ++r) {
    Sample(out, "voip_outbox_relay_deliveries_total", std::string("result=\"") + kRelayResults[r] + "\"",
           relay_deliveries_[r].load(kOrder));
  }
  Header(out, "voip_outbox_store_errors_total", "counter",
         "Outbox relay rounds that could not read or write the database.");
  Sample(out, "voip_outbox_store_errors_total", "", outbox_store_errors_.load(kOrder));
  Header(out, "voip_outbox_pending_updates", "gauge",
         "MIDAS updates waiting in the outbox for delivery (counted by the relay each round).");
  Sample(out, "voip_outbox_pending_updates", "", std::to_string(outbox_pending_.load(kOrder)));
  Header(out, "voip_outbox_unknown_outcomes", "gauge",
         "Work orders whose outcome is unknown, until an operator resolves them (outbox resolve).");
  Sample(out, "voip_outbox_unknown_outcomes", "", std::to_string(outbox_unknown_.load(kOrder)));
  Header(out, "voip_outbox_dead_letters", "gauge",
         "MIDAS updates parked in the outbox until an operator re-drives them.");
  Sample(out, "voip_outbox_dead_letters", "", std::to_string(outbox_dead_.load(kOrder)));
  Header(out, "voip_outbox_superseded_updates", "gauge",
         "MIDAS updates kept for audit and never sent: a newer update for the same customer superseded them.");
  Sample(out, "voip_outbox_superseded_updates", "", std::to_string(outbox_superseded_.load(kOrder)));
  Header(out, "voip_outbox_oldest_pending_age_seconds", "gauge",
         "Age of the oldest pending MIDAS update (0 when none), as of the relay's last round.");
  Sample(out, "voip_outbox_oldest_pending_age_seconds", "",
         Number(static_cast<double>(outbox_oldest_pending_age_ms_.load(kOrder)) / 1000.0));
}

void Metrics::RenderStore(std::string& out) const {
  if (store_ == nullptr) return;
  constexpr auto kRelaxed = std::memory_order_relaxed;
  Header(out, "voip_store_statement_duration_seconds", "histogram",
         "Time of each statement on the shared store (PostgreSQL), from send to result.");
  store_->statements.Render(out, "voip_store_statement_duration_seconds", "");
  Header(out, "voip_store_round_trips_total", "counter",
         "Exchanges with the shared store: one per statement, one per pipeline of statements, one per first "
         "preparation of a statement on a connection.");
  Sample(out, "voip_store_round_trips_total", "", store_->round_trips.load(kRelaxed));
  Header(out, "voip_store_errors_total", "counter",
         "Statements and connection attempts on the shared store that failed.");
  Sample(out, "voip_store_errors_total", "", store_->errors.load(kRelaxed));
  Header(out, "voip_store_pool_waits_total", "counter",
         "Times a request or the relay found no free store connection and waited for one.");
  Sample(out, "voip_store_pool_waits_total", "", store_->pool_waits.load(kRelaxed));
  Header(out, "voip_store_pool_timeouts_total", "counter",
         "Waits for a store connection that ended without one (database-pool-wait-ms passed).");
  Sample(out, "voip_store_pool_timeouts_total", "", store_->pool_timeouts.load(kRelaxed));
  Header(out, "voip_store_pool_connections", "gauge", "Store connections open, by use (idle or in_use).");
  const std::int64_t open = store_->pool_open.load(kRelaxed);
  const std::int64_t in_use = store_->pool_in_use.load(kRelaxed);
  Sample(out, "voip_store_pool_connections", "state=\"in_use\"", std::to_string(in_use));
  Sample(out, "voip_store_pool_connections", "state=\"idle\"",
         std::to_string(std::max<std::int64_t>(0, open - in_use)));
}

}  // namespace voip
