#include "adapter/delivery/outbox_relay.h"

#include "adapter/fault.h"

namespace voip {
namespace {

constexpr const char* kStoreFailedMessage = "The outbox relay could not read or write the database";

std::int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The span of one redelivery: in the trace of the request that journalled the
// entry (a new trace for an entry from before traces were kept).
TraceContext DeliverySpan(const OutboxEntry& entry) {
  return entry.trace.empty() ? ContinueOrStartTrace("", "") : ChildSpan(entry.trace);
}

// The fields every relay event carries: the entry, its correlation id, the
// delivery's trace and span ids, and the customer's numbers masked.
nlohmann::json EntryFields(const OutboxEntry& entry, const TraceContext& span) {
  return {{"entry", entry.id},
          {"correlationId", entry.correlation_id},
          {"traceId", span.trace_id},
          {"spanId", span.span_id},
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
    : outbox_(outbox),
      logger_(logger),
      options_(std::move(options)),
      midas_delivery_(midas, MidasDeliveryOptions{options_.max_age, options_.midas_breaker}) {
  if (!options_.now_ms) options_.now_ms = SystemNowMs;
}

OutboxRelay::~OutboxRelay() { Stop(); }

RelayRound OutboxRelay::RunOnce() {
  RelayRound round = DeliverDue();
  StoreResult<OutboxCounts> counts = outbox_.Count();
  if (auto* error = std::get_if<StoreError>(&counts)) {
    logger_.Log(LogLevel::kError, "outbox_store_failed", kStoreFailedMessage, {{"error", error->message}});
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
    logger_.Log(LogLevel::kError, "outbox_store_failed", kStoreFailedMessage, {{"error", error->message}});
    round.store_failed = true;
    return round;
  }
  for (const OutboxEntry& entry : std::get<std::vector<OutboxEntry>>(due)) {
    // Stopping: the rest waits for the next start. A round of slow MIDAS
    // calls (up to `batch` time-outs) would otherwise hold Stop() that long.
    if (StopRequested()) break;
    const PendingHistory history{std::chrono::milliseconds(options_.now_ms() - entry.pending_since_ms),
                                 entry.last_error};
    // This customer's turn, held until the result is written: a newer update
    // committed since Due() read this one is never overtaken by it.
    const DeliveryClaim claim = outbox_.ClaimDelivery(entry.id, entry.update);
    const TraceContext span = DeliverySpan(entry);
    const MidasDelivery delivery =
        midas_delivery_.Deliver(claim, entry.update, CallContext{entry.correlation_id, std::nullopt, span}, history);
    if (delivery.skipped == MidasSkip::kCircuitOpen) {
      // The entry stays due, its attempt not counted; so do the rest of the round.
      round.breaker_open = true;
      break;
    }
    round.store_failed |= ApplyToOutbox(outbox_, entry.id, delivery).has_value();
    Report(entry, span, delivery, round);
  }
  if (auto problem = outbox_.Flush()) {
    logger_.Log(LogLevel::kError, "outbox_store_failed", kStoreFailedMessage, {{"error", problem->message}});
    round.store_failed = true;
  }
  return round;
}

void OutboxRelay::Report(const OutboxEntry& entry, const TraceContext& span, const MidasDelivery& delivery,
                         RelayRound& round) {
  const int attempts = entry.attempts + (delivery.called() ? 1 : 0);
  const std::string diagnostic = delivery.error ? delivery.error->diagnostic : std::string();
  switch (delivery.verdict) {
    case MidasVerdict::kNotSent:
      ++round.superseded;
      logger_.Log(LogLevel::kInfo, "midas_update_not_sent", "MIDAS update not sent: a newer one superseded it",
                  With(EntryFields(entry, span), {{"reason", delivery.reason}}));
      return;
    case MidasVerdict::kDelivered:
      ++round.delivered;
      logger_.Log(LogLevel::kInfo, "midas_update_delivered", "Pending MIDAS update delivered",
                  With(EntryFields(entry, span), {{"attempts", attempts}}));
      return;
    case MidasVerdict::kDeadLetter: {
      ++round.dead_lettered;
      nlohmann::json fields = {{"attempts", attempts}, {"reason", delivery.reason}};
      if (delivery.called()) fields["diagnostic"] = diagnostic;
      logger_.Log(LogLevel::kError, "midas_update_dead_lettered",
                  "MIDAS update dead-lettered: an operator must re-drive it",
                  With(EntryFields(entry, span), std::move(fields)));
      return;
    }
    case MidasVerdict::kKeepPending:
      ++round.failed;
      logger_.Log(LogLevel::kWarn, "midas_update_retry", "MIDAS update failed; it will be retried",
                  With(EntryFields(entry, span),
                       {{"attempts", attempts},
                        {"error", delivery.error ? BackendErrorKindName(delivery.error->kind) : "not_attempted"},
                        {"reason", delivery.reason},
                        {"diagnostic", diagnostic}}));
      return;
  }
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
  if (StoreFailure failure = outbox_.Flush()) {
    logger_.Log(LogLevel::kError, "outbox_store_failed", kStoreFailedMessage, {{"error", failure->message}});
  }
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
    const bool more = round.delivered + round.failed + round.dead_lettered + round.superseded >= options_.batch;
    if (!more) wake_.wait_for(lock, options_.poll_interval, [this] { return stopping_ || woken_; });
    woken_ = false;
  }
}

}  // namespace voip
