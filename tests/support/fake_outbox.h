// An in-memory Outbox for unit tests: records every call, keeps entries in a
// map, and can be told to fail its writes.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "adapter/outbox.h"

namespace voip::testing {

class FakeOutbox : public Outbox {
 public:
  // Makes Journal (or RecordOutcome) fail from now on.
  void FailJournal() { fail_journal_ = true; }
  void FailRecordOutcome() { fail_record_ = true; }
  void FailDeadLetter() { fail_dead_letter_ = true; }

  using Outbox::Journal;
  StoreResult<OutboxEntryId> Journal(const MigrationStatusUpdate& update, const std::string& correlation_id,
                                     const TraceContext& trace) override {
    std::lock_guard<std::mutex> lock(mutex_);
    calls_.push_back("Journal");
    if (fail_journal_) return StoreError{"disk full"};
    OutboxEntry entry;
    entry.id = next_id_++;
    entry.update = update;
    entry.correlation_id = correlation_id;
    entry.trace = trace;
    entries_[entry.id] = entry;
    return entry.id;
  }
  StoreFailure RecordOutcome(OutboxEntryId id, WorkOrderState outcome, const MigrationStatusUpdate& update) override {
    std::lock_guard<std::mutex> lock(mutex_);
    calls_.push_back("RecordOutcome");
    if (fail_record_) return StoreError{"disk full"};
    OutboxEntry& entry = entries_.at(id);
    entry.work_order = outcome;
    entry.update = update;
    entry.delivery = DeliveryState::kPending;
    return std::nullopt;
  }
  void MarkDelivered(OutboxEntryId id) override {
    std::lock_guard<std::mutex> lock(mutex_);
    calls_.push_back("MarkDelivered");
    entries_.at(id).delivery = DeliveryState::kDelivered;
  }
  void MarkAttemptFailed(OutboxEntryId id, const std::string& error) override {
    std::lock_guard<std::mutex> lock(mutex_);
    calls_.push_back("MarkAttemptFailed");
    entries_.at(id).attempts++;
    entries_.at(id).last_error = error;
  }
  StoreFailure DeadLetter(OutboxEntryId id, const std::string& reason) override {
    std::lock_guard<std::mutex> lock(mutex_);
    calls_.push_back("DeadLetter");
    if (fail_dead_letter_) return StoreError{"disk full"};
    entries_.at(id).delivery = DeliveryState::kDeadLettered;
    entries_.at(id).last_error = reason;
    return std::nullopt;
  }
  // Where the entry stands by its delivery state (or as set by StandAs);
  // claims are not serialised here (the SQLite store's are).
  DeliveryClaim ClaimDelivery(OutboxEntryId id, const MigrationStatusUpdate&) override {
    std::lock_guard<std::mutex> lock(mutex_);
    ++claims_;
    if (stand_as_) return DeliveryClaim(*stand_as_, {}, "disk unreadable");
    const auto found = entries_.find(id);
    if (found == entries_.end()) return DeliveryClaim(ClaimStanding::kNotPending, {});
    if (found->second.delivery == DeliveryState::kPending) return DeliveryClaim(ClaimStanding::kNewest, {});
    if (found->second.delivery == DeliveryState::kSuperseded) return DeliveryClaim(ClaimStanding::kSuperseded, {});
    return DeliveryClaim(ClaimStanding::kNotPending, {});
  }
  // Every claim from now on stands as `standing`.
  void StandAs(ClaimStanding standing) { stand_as_ = standing; }
  int claims() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return claims_;
  }
  StoreFailure Flush() override { return std::nullopt; }
  StoreResult<std::vector<OutboxEntry>> Due(int) override { return std::vector<OutboxEntry>{}; }
  StoreResult<OutboxCounts> Count() override {
    std::lock_guard<std::mutex> lock(mutex_);
    OutboxCounts counts;
    for (const auto& [id, entry] : entries_) {
      counts.pending += entry.delivery == DeliveryState::kPending;
      counts.dead_lettered += entry.delivery == DeliveryState::kDeadLettered;
      counts.unknown_outcome += entry.work_order == WorkOrderState::kUnknown;
    }
    return counts;
  }

  std::vector<std::string> calls() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return calls_;
  }
  std::vector<OutboxEntry> entries() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<OutboxEntry> all;
    for (const auto& [id, entry] : entries_) all.push_back(entry);
    return all;
  }

 private:
  mutable std::mutex mutex_;
  bool fail_journal_ = false;
  bool fail_record_ = false;
  bool fail_dead_letter_ = false;
  std::optional<ClaimStanding> stand_as_;
  int claims_ = 0;
  OutboxEntryId next_id_ = 1;
  std::map<OutboxEntryId, OutboxEntry> entries_;
  std::vector<std::string> calls_;
};

}  // namespace voip::testing
