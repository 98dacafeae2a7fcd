// The operator's view of the outbox, as a subcommand of the adapter binary
// (each also takes --database PATH|URI or --config FILE):
//   voip-migration-adapter outbox list [pending|dead|unknown|superseded|all] [--json|--table]
//   voip-migration-adapter outbox stats [--json|--table]
//   voip-migration-adapter outbox redrive ID|all
//   voip-migration-adapter outbox resolve ID
//   voip-migration-adapter outbox [ACTION] --help
// It opens the same store as the running adapter (SQLite WAL allows that; a
// PostgreSQL store is shared anyway), through the OutboxAdmin interface, so it
// works the same on both; it never creates or migrates a store: a SQLite path
// that does not exist, or a store of another schema version, is refused.
// A re-driven entry is delivered by the running adapter's relay at its next
// round. Telephone and account numbers are printed masked.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace voip {

// `args` are the words after "outbox". `out_is_terminal` picks the default
// output of `list` and `stats`: a table with ISO-8601 times for a person, JSON
// lines for a program (--json and --table override it). Returns the process
// exit code: 0 done; 1 refused (said why) or the database failed; 2 bad usage
// or no database at the SQLite path.
int RunOutboxCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                     bool out_is_terminal = false);

// The subcommand's usage text (every action).
std::string OutboxUsageText();

}  // namespace voip
