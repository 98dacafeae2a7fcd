#include "adapter/outbox_relay.h"

#include "adapter/fault.h"

namespace voip {
namespace {

std::int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The fields every relay event carries: the entry, its correlation id, and the
// customer's numbers masked.
nlohmann::json EntryFields(const OutboxEntry& entry) {
  return {{"entry", entry.id},
          {"correlationId", entry.correlation_id},
          {"telephoneNumber", Mask(entry.update.telephone_number)},
          {"accountNumber", Mask(entry.update.account_number)},
          {"migrationStatus", MigrationStatusName(entry.update.status)}};
}

nlohmann::json With(nlohmann::json fields, nlohmann::json more) {
  for (auto& [key, value] : more.items()) fields[key] = std::move(value);
  return fields;
}

}  // namespace

OutboxRelay::OutboxRelay(Outbox& outbox, Midas& midas, Logger& logger, OutboxRelayOptions options)
    : outbox_(outbox), midas_(midas), logger_(logger), options_(std::move(options)) {
  if (!options_.now_ms) options_.now_ms = SystemNowMs;
}

OutboxRelay::~OutboxRelay() { Stop(); }

RelayRound OutboxRelay::RunOnce() {
  RelayRound round = DeliverDue();
  StoreResult<OutboxCounts> counts = outbox_.Count();
  if (auto* error = std::get_if<StoreError>(&counts)) {
    logger_.Log(LogLevel::kError, "outbox_store_failed", {{"error", error->message}});
    round.store_failed = true;
  } else {
    round.counts = std::get<OutboxCounts>(counts);
  }
  if (options_.metrics != nullptr) {
    options_.metrics->RecordRelayRound(round.delivered, round.failed, round.dead_lettered, round.store_failed);
    if (round.counts) options_.metrics->SetOutboxCounts(*round.counts, options_.now_ms());
  }
  return round;
}

RelayRound OutboxRelay::DeliverDue() {
  RelayRound round;
  StoreResult<std::vector<OutboxEntry>> due = outbox_.Due(options_.batch);
  if (auto* error = std::get_if<StoreError>(&due)) {
    logger_.Log(LogLevel::kError, "outbox_store_failed", {{"error", error->message}});
    round.store_failed = true;
    return round;
  }
  for (const OutboxEntry& entry : std::get<std::vector<OutboxEntry>>(due)) {
    // Stopping: the rest waits for the next start. A round of slow MIDAS
    // calls (up to `batch` time-outs) would otherwise hold Stop() that long.
    if (StopRequested()) break;
    if (options_.now_ms() - entry.pending_since_ms > options_.max_age.count()) {
      const std::string reason = "not delivered within the maximum age; last error: " + entry.last_error;
      round.store_failed |= outbox_.DeadLetter(entry.id, reason).has_value();
      ++round.dead_lettered;
      logger_.Log(LogLevel::kError, "midas_update_dead_lettered",
                  With(EntryFields(entry), {{"attempts", entry.attempts}, {"reason", reason}}));
      continue;
    }
    CircuitBreaker::Permit permit;
    if (options_.midas_breaker != nullptr) {
      permit = options_.midas_breaker->Admit();
      if (!permit.allowed) {
        round.breaker_open = true;
        break;
      }
    }
    BackendResult<MidasAcknowledged> answer =
        midas_.UpdateCustomerMigrationStatus(entry.update, CallContext{entry.correlation_id});
    if (options_.midas_breaker != nullptr) {
      const auto* failed = std::get_if<BackendError>(&answer);
      options_.midas_breaker->Record(permit, failed == nullptr ? CallHealth::kHealthy : HealthOf(*failed));
    }
    if (std::holds_alternative<MidasAcknowledged>(answer)) {
      outbox_.MarkDelivered(entry.id);
      ++round.delivered;
      logger_.Log(LogLevel::kInfo, "midas_update_delivered", With(EntryFields(entry), {{"attempts", entry.attempts + 1}}));
      continue;
    }
    const BackendError& error = std::get<BackendError>(answer);
    const std::string detail = TranslateBackendError(Backend::kMidas, error).fault.detail;
    if (error.kind == BackendErrorKind::kBusinessFault) {
      round.store_failed |= outbox_.DeadLetter(entry.id, detail).has_value();
      ++round.dead_lettered;
      logger_.Log(LogLevel::kError, "midas_update_dead_lettered",
                  With(EntryFields(entry), {{"attempts", entry.attempts + 1},
                                            {"reason", detail},
                                            {"diagnostic", error.diagnostic}}));
      continue;
    }
    outbox_.MarkAttemptFailed(entry.id, detail);
    ++round.failed;
    logger_.Log(LogLevel::kWarn, "midas_update_retry",
                With(EntryFields(entry), {{"attempts", entry.attempts + 1},
                                          {"error", BackendErrorKindName(error.kind)},
                                          {"reason", detail},
                                          {"diagnostic", error.diagnostic}}));
  }
  if (auto problem = outbox_.Flush()) {
    logger_.Log(LogLevel::kError, "outbox_store_failed", {{"error", problem->message}});
    round.store_failed = true;
  }
  return round;
}

void OutboxRelay::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void OutboxRelay::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  outbox_.Flush();
}

bool OutboxRelay::StopRequested() {
  std::lock_guard<std::mutex> lock(mutex_);
  return stopping_;
}

void OutboxRelay::Wake() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    woken_ = true;
  }
  wake_.notify_all();
}

void OutboxRelay::Loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    const RelayRound round = RunOnce();
    lock.lock();
    const bool more = round.delivered + round.failed + round.dead_lettered >= options_.batch;
    if (!more) wake_.wait_for(lock, options_.poll_interval, [this] { return stopping_ || woken_; });
    woken_ = false;
  }
}

}  // namespace voip
