#include "adapter/store/group_commit.h"

#include <memory>
#include <utility>

namespace voip::store {

GroupCommit::GroupCommit(SqliteDatabase& db, std::function<void()> first_in_each_transaction)
    : db_(db), first_(std::move(first_in_each_transaction)) {}

std::optional<std::string> GroupCommit::Run(const Write& write) {
  const auto mine = std::make_shared<Pending>();
  mine->write = &write;
  std::unique_lock<std::mutex> lock(mutex_);
  queued_.push_back(mine);
  while (!mine->done) {
    if (leading_) {
      mine->wake.wait(lock);
      continue;
    }
    leading_ = true;
    lock.unlock();
    LeadOneBatch();  // takes `mine` with whatever else is queued
    lock.lock();
    leading_ = false;
    // What queued meanwhile is led by the first of its writers.
    const std::shared_ptr<Pending> next = queued_.empty() ? nullptr : queued_.front();
    lock.unlock();
    if (next) next->wake.notify_one();
    lock.lock();
  }
  return mine->result;
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
  std::vector<std::shared_ptr<Pending>> batch;
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
    for (const auto& pending : batch) {
      pending->result = CommitAlone(*pending->write);
      if (!pending->result) ++committed;
    }
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    commits_ += committed;
    for (const auto& pending : batch) pending->done = true;
  }
  // Outside the lock, so that a woken writer does not block on it at once;
  // `batch` keeps each Pending alive until then.
  for (const auto& pending : batch) pending->wake.notify_one();
}

bool GroupCommit::CommitTogether(const std::vector<std::shared_ptr<Pending>>& batch) {
  Transaction transaction(db_);
  if (!transaction.ok()) return false;
  if (first_) first_();
  for (const auto& pending : batch) {
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
