// Group commit: writes that threads submit at the same time share one
// transaction, so one commit (one WAL append, one round of file locks, one
// fsync with database-sync = full) serves them all.
//
// A caller's Run() returns only once the transaction holding its write has
// committed (or failed): the durability each caller gets is exactly that of
// its own transaction. Whoever finds no commit in progress leads: it takes
// the database mutex, then every write queued by then (its own included),
// runs them in one transaction and commits; the others wait meanwhile, and
// the writes queued during that commit go together in the next one. So
// nobody waits for a batch to fill: under no concurrency each write is its own
// transaction, as before.
//
// When one write of a batch fails, or the commit does, the transaction is
// rolled back and every write of the batch is run again in a transaction of
// its own, so a failure is reported to the write that caused it only.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "adapter/store/sqlite_db.h"

namespace voip::store {

class GroupCommit {
 public:
  // A write: runs inside a transaction with the database mutex held; nullopt
  // when done, else what failed (for operators' logs). It may be run twice
  // (see above), so it must not have effects outside the database other than
  // recording its own result (the second run's is the one that counts).
  using Write = std::function<std::optional<std::string>()>;

  // `first_in_each_transaction` (may be empty) runs at the start of every
  // batch's transaction, best effort (its failure fails nothing). `db` must
  // outlive this object.
  GroupCommit(SqliteDatabase& db, std::function<void()> first_in_each_transaction);

  // Runs `write` in a committed transaction, possibly shared with other
  // threads' writes. Returns nullopt once committed, else the failure
  // ("cannot begin a transaction: ...", the write's own message, or
  // "cannot commit: ..."). Thread-safe.
  std::optional<std::string> Run(const Write& write);

  // Transactions committed so far by Run.
  std::uint64_t Commits() const;
  // Writes submitted and not yet taken into a transaction.
  std::size_t Waiting() const;

 private:
  struct Pending {
    const Write* write;
    std::optional<std::string> result;
    bool done = false;
    // Woken when done, or when it is to lead the next batch: one thread
    // woken per event, not every waiter.
    std::condition_variable wake;
  };
  void LeadOneBatch();
  // One transaction for the whole batch; false (rolled back) when anything failed.
  bool CommitTogether(const std::vector<std::shared_ptr<Pending>>& batch);
  // One transaction for one write.
  std::optional<std::string> CommitAlone(const Write& write);

  SqliteDatabase& db_;
  const std::function<void()> first_;
  mutable std::mutex mutex_;                      // guards what follows
  std::vector<std::shared_ptr<Pending>> queued_;  // shared with their writers: alive until notified
  bool leading_ = false;                          // a leader is committing a batch
  std::uint64_t commits_ = 0;
};

}  // namespace voip::store
