#include "adapter/store/group_commit.h"

#include <utility>

namespace voip::store {

GroupCommit::GroupCommit(SqliteDatabase& db, std::function<void()> first_in_each_transaction)
    : db_(db), first_(std::move(first_in_each_transaction)) {}

std::optional<std::string> GroupCommit::Run(const Write& write) {
  Pending mine;
  mine.write = &write;
  std::unique_lock<std::mutex> lock(mutex_);
  queued_.push_back(&mine);
  while (!mine.done) {
    if (leading_) {
      mine.wake.wait(lock);
      continue;
    }
    leading_ = true;
    lock.unlock();
    LeadOneBatch();  // takes `mine` with whatever else is queued
    lock.lock();
    leading_ = false;
    // What queued meanwhile is led by the first of its writers.
    if (!queued_.empty()) queued_.front()->wake.notify_one();
  }
  return mine.result;
}

std::uint64_t GroupCommit::Commits() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return commits_;
}

std::size_t GroupCommit::Waiting() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return queued_.size();
}

void GroupCommit::LeadOneBatch() {
  std::lock_guard<std::mutex> db_lock(db_.mutex());
  std::vector<Pending*> batch;
  {
    // Taken only now that the database is ours: whatever queued while we
    // waited for it joins this transaction.
    std::lock_guard<std::mutex> lock(mutex_);
    batch.swap(queued_);
  }
  if (batch.empty()) return;
  std::uint64_t committed = 0;
  if (CommitTogether(batch)) {
    committed = 1;
  } else {
    for (Pending* pending : batch) {
      pending->result = CommitAlone(*pending->write);
      if (!pending->result) ++committed;
    }
  }
  std::lock_guard<std::mutex> lock(mutex_);
  commits_ += committed;
  for (Pending* pending : batch) {
    pending->done = true;
    pending->wake.notify_one();  // under the lock: the waiter cannot return (and free it) before
  }
}

bool GroupCommit::CommitTogether(const std::vector<Pending*>& batch) {
  Transaction transaction(db_);
  if (!transaction.ok()) return false;
  if (first_) first_();
  for (Pending* pending : batch) {
    if ((*pending->write)()) return false;  // rolled back by the transaction's destructor
  }
  return transaction.Commit();
}

std::optional<std::string> GroupCommit::CommitAlone(const Write& write) {
  Transaction transaction(db_);
  if (!transaction.ok()) return "cannot begin a transaction: " + db_.LastError();
  if (first_) first_();
  if (auto problem = write()) return problem;
  if (!transaction.Commit()) return "cannot commit: " + db_.LastError();
  return std::nullopt;
}

}  // namespace voip::store
