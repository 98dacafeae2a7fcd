// The operator's view of the outbox, as a subcommand of the adapter binary:
//   voip-migration-adapter outbox list [pending|dead|unknown|superseded|all] [--database PATH|URI | --config FILE]
//   voip-migration-adapter outbox redrive ID|all                [--database PATH|URI | --config FILE]
//   voip-migration-adapter outbox resolve ID                    [--database PATH|URI | --config FILE]
// It opens the same store as the running adapter (SQLite WAL allows that; a
// PostgreSQL store is shared anyway), through the OutboxAdmin interface, so it
// works the same on both;
// a re-driven entry is delivered by the running adapter's relay at its next
// round. Telephone and account numbers are printed masked.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace voip {

// `args` are the words after "outbox". Returns the process exit code: 0 done,
// 1 the database failed, 2 bad usage.
int RunOutboxCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// The subcommand's usage text.
std::string OutboxUsageText();

}  // namespace voip
