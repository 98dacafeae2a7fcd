// The store's schema, as a subcommand of the adapter binary:
//   voip-migration-adapter db migrate [--database PATH|URI | --config FILE]
//   voip-migration-adapter db status  [--database PATH|URI | --config FILE]
// `migrate` applies what the store lacks (the adapter also does it at
// start-up: PostgreSQL under its advisory lock, SQLite in one transaction)
// and refuses a schema newer than this binary's; `status` prints the
// store's version and this binary's, changing nothing.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace voip {

// `args` are the words after "db". Returns the process exit code: 0 done, 1
// the store failed or its schema is newer (migrate) or differs (status), 2
// bad usage or no database at the SQLite path (nothing is created).
int RunDbCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// The subcommand's usage text.
std::string DbUsageText();

}  // namespace voip
