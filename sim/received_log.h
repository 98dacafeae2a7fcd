// What a simulator has received, for tests and the /__sim/received view, and
// the sequence numbering what it creates (order numbers, update references).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

namespace voip::sim {

// Thread-safe. Keeps only the newest kMaxRecords records, so a long load run
// does not grow memory; the sequence keeps counting across Clear().
template <typename Record>
class ReceivedLog {
 public:
  static constexpr std::size_t kMaxRecords = 10000;

  explicit ReceivedLog(std::int64_t first_number) : next_number_(first_number) {}

  // Appends `record`. When `numbered`, it first takes the next number, given
  // to `assign(record, number)` so the record can hold it; returns that number,
  // or nullopt when not numbered.
  template <typename Assign>
  std::optional<std::int64_t> Append(Record record, bool numbered, Assign assign) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::optional<std::int64_t> number;
    if (numbered) {
      number = next_number_++;
      assign(record, *number);
    }
    if (records_.size() == kMaxRecords) records_.pop_front();
    records_.push_back(std::move(record));
    return number;
  }

  // Snapshot of the records, in arrival order.
  std::vector<Record> All() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return {records_.begin(), records_.end()};
  }

  // Forgets the records; numbers keep counting.
  void Clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    records_.clear();
  }

 private:
  mutable std::mutex mutex_;
  std::int64_t next_number_;    // guarded by mutex_
  std::deque<Record> records_;  // guarded by mutex_; at most kMaxRecords
};

}  // namespace voip::sim
