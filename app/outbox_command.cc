#include "app/outbox_command.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>

#include "adapter/outbox_admin.h"
#include "adapter/store/pg_pool.h"
#include "app/store_set.h"
#include "platform/config.h"
#include "platform/log.h"
#include "platform/text.h"

namespace voip {
namespace {

constexpr const char* kCommand = "voip-migration-adapter outbox";
constexpr const char* kStoreFlags = "[--database PATH|URI | --config FILE]";

// What each action says of itself under --help.
const std::map<std::string, std::string>& ActionUsage() {
  static const std::map<std::string, std::string> usage = {
      {"list",
       std::string("  voip-migration-adapter outbox list [pending|dead|unknown|superseded|all] [--json|--table] ") +
           kStoreFlags +
           "\n"
           "      the entries (default: all), oldest first: a table with ISO-8601 times on a terminal, else (or\n"
           "      with --json) one JSON object per line; personal numbers masked\n"},
      {"stats", std::string("  voip-migration-adapter outbox stats [--json|--table] ") + kStoreFlags +
                    "\n"
                    "      how many entries are pending, of unknown outcome, dead-lettered and superseded, and since\n"
                    "      when the oldest pending one waits\n"},
      {"redrive", std::string("  voip-migration-adapter outbox redrive ID|all ") + kStoreFlags +
                      "\n"
                      "      puts dead-lettered MIDAS updates back to pending; the running adapter delivers them\n"},
      {"resolve", std::string("  voip-migration-adapter outbox resolve ID ") + kStoreFlags +
                      "\n"
                      "      removes an unknown-outcome entry once checked in the work-order system (MIDAS told, or\n"
                      "      dead)\n"},
  };
  return usage;
}

enum class Format { kJson, kTable };

// The words after "outbox", sorted.
struct Invocation {
  std::string action;
  std::string target;  // the view, or the entry id / "all"
  std::vector<std::string> store_args;
  std::optional<Format> format;
  bool help = false;
};

Invocation Read(const std::vector<std::string>& args) {
  Invocation invocation;
  std::size_t next = 0;
  if (!args.empty() && args[0].rfind('-', 0) != 0) invocation.action = args[next++];
  if (next < args.size() && args[next].rfind('-', 0) != 0) invocation.target = args[next++];
  for (; next < args.size(); ++next) {
    const std::string& arg = args[next];
    if (arg == "--help" || arg == "-h") {
      invocation.help = true;
    } else if (arg == "--json") {
      invocation.format = Format::kJson;
    } else if (arg == "--table") {
      invocation.format = Format::kTable;
    } else {
      invocation.store_args.push_back(arg);
    }
  }
  return invocation;
}

std::optional<OutboxView> ViewNamed(const std::string& name) {
  if (name == "pending") return OutboxView::kPending;
  if (name == "dead") return OutboxView::kDeadLettered;
  if (name == "unknown") return OutboxView::kUnknown;
  if (name == "superseded") return OutboxView::kSuperseded;
  if (name == "all") return OutboxView::kAll;
  return std::nullopt;
}

std::string IsoTime(std::int64_t unix_ms) {
  return UtcTimestamp(std::chrono::system_clock::time_point(std::chrono::milliseconds(unix_ms)));
}

std::int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Where the entry stands for an operator: superseded (never to be sent), dead
// (parked), pending (waiting for its outcome or for delivery), unknown (MIDAS
// told, the work-order outcome still to be checked), delivered.
const char* StateOf(const OutboxEntry& entry) {
  switch (entry.delivery) {
    case DeliveryState::kSuperseded: return "superseded";
    case DeliveryState::kDeadLettered: return "dead";
    case DeliveryState::kWaiting:
    case DeliveryState::kPending: return "pending";
    case DeliveryState::kDelivered: return entry.work_order == WorkOrderState::kUnknown ? "unknown" : "delivered";
  }
  return "pending";
}

// One JSON object per line; personal identifiers masked. Times twice: Unix
// milliseconds (as before) and ISO-8601 UTC.
nlohmann::json Describe(const OutboxEntry& entry) {
  nlohmann::json line = {{"id", entry.id},
                         {"identity", Mask(CustomerIdentityKey(entry.update))},
                         {"sequence", entry.sequence},
                         {"state", StateOf(entry)},
                         {"correlationId", entry.correlation_id},
                         {"workOrder", WorkOrderStateName(entry.work_order)},
                         {"delivery", DeliveryStateName(entry.delivery)},
                         {"migrationStatus", MigrationStatusName(entry.update.status)},
                         {"telephoneNumber", Mask(entry.update.telephone_number)},
                         {"accountNumber", Mask(entry.update.account_number)},
                         {"siteReference", entry.update.site_reference},
                         {"attempts", entry.attempts},
                         {"createdMs", entry.created_ms},
                         {"created", IsoTime(entry.created_ms)},
                         {"pendingSinceMs", entry.pending_since_ms}};
  if (entry.pending_since_ms > 0) line["pendingSince"] = IsoTime(entry.pending_since_ms);
  if (entry.work_order == WorkOrderState::kAttempting) line["migrationStatus"] = nullptr;
  if (entry.update.order_number) line["orderNumber"] = *entry.update.order_number;
  if (entry.update.reason) line["reason"] = *entry.update.reason;
  if (entry.next_attempt_ms) {
    line["nextAttemptMs"] = *entry.next_attempt_ms;
    line["nextAttempt"] = IsoTime(*entry.next_attempt_ms);
  }
  if (entry.superseded_by) line["supersededBy"] = *entry.superseded_by;
  if (!entry.last_error.empty()) line["lastError"] = entry.last_error;
  return line;
}

// Backends' texts (reason, last error) may hold bytes that are not UTF-8.
std::string JsonLine(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Columns padded to their widest cell; the last one is not padded.
void PrintTable(std::ostream& out, const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (std::size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line += std::string(widths[c] - row[c].size() + 2, ' ');
    }
    line.erase(line.find_last_not_of(' ') + 1);
    out << line << "\n";
  }
}

std::vector<std::string> TableRow(const OutboxEntry& entry) {
  const std::string status =
      entry.work_order == WorkOrderState::kAttempting ? "-" : MigrationStatusName(entry.update.status);
  const std::string error = !entry.last_error.empty() ? entry.last_error : entry.update.reason.value_or("");
  return {std::to_string(entry.id),
          StateOf(entry),
          std::to_string(entry.sequence),
          WorkOrderStateName(entry.work_order),
          status,
          entry.update.order_number.value_or("-"),
          Mask(entry.update.telephone_number),
          Mask(entry.update.account_number),
          std::to_string(entry.update.site_reference),
          std::to_string(entry.attempts),
          IsoTime(entry.created_ms),
          entry.next_attempt_ms ? IsoTime(*entry.next_attempt_ms) : "-",
          TruncateUtf8Chars(error, 80)};
}

void PrintEntries(std::ostream& out, const std::vector<OutboxEntry>& entries, Format format) {
  if (format == Format::kJson) {
    for (const OutboxEntry& entry : entries) out << JsonLine(Describe(entry)) << "\n";
    return;
  }
  std::vector<std::vector<std::string>> rows = {{"ID", "STATE", "SEQ", "WORK ORDER", "STATUS", "ORDER", "TELEPHONE",
                                                 "ACCOUNT", "SITE", "TRIES", "CREATED (UTC)", "NEXT ATTEMPT (UTC)",
                                                 "LAST ERROR / REASON"}};
  for (const OutboxEntry& entry : entries) rows.push_back(TableRow(entry));
  PrintTable(out, rows);
  out << entries.size() << (entries.size() == 1 ? " entry\n" : " entries\n");
}

void PrintStats(std::ostream& out, const OutboxCounts& counts, Format format) {
  const std::optional<std::int64_t> since = counts.oldest_pending_since_ms;
  const std::int64_t age_s = since ? std::max<std::int64_t>(0, (NowMs() - *since) / 1000) : 0;
  if (format == Format::kJson) {
    nlohmann::json stats = {{"pending", counts.pending},
                            {"unknownOutcome", counts.unknown_outcome},
                            {"deadLettered", counts.dead_lettered},
                            {"superseded", counts.superseded},
                            {"oldestPendingSince", since ? nlohmann::json(IsoTime(*since)) : nlohmann::json()},
                            {"oldestPendingAgeS", since ? nlohmann::json(age_s) : nlohmann::json()}};
    out << JsonLine(stats) << "\n";
    return;
  }
  const std::string oldest = since ? "oldest since " + IsoTime(*since) + " (" + std::to_string(age_s) + " s ago)" : "";
  PrintTable(out, {{"pending", std::to_string(counts.pending), oldest},
                   {"unknown outcome", std::to_string(counts.unknown_outcome), ""},
                   {"dead-lettered", std::to_string(counts.dead_lettered), ""},
                   {"superseded", std::to_string(counts.superseded), ""}});
}

// Why `action` changed nothing for entry `id`, from where the entry stands.
std::string WhyUnchanged(OutboxAdmin& outbox, const std::string& action, OutboxEntryId id) {
  auto entries = outbox.List(OutboxView::kAll);
  if (auto* failure = std::get_if<StoreError>(&entries)) return failure->message;
  const auto& all = std::get<std::vector<OutboxEntry>>(entries);
  const auto found = std::find_if(all.begin(), all.end(), [id](const OutboxEntry& e) { return e.id == id; });
  const std::string name = "entry " + std::to_string(id);
  if (found == all.end()) return "no " + name + " in the outbox (delivered and removed, resolved, or never there)";
  const std::string state = StateOf(*found);
  if (action == "redrive") return name + " is " + state + ", not dead-lettered: only dead letters are re-driven";
  if (found->work_order != WorkOrderState::kUnknown) {
    return name + "'s work-order outcome is known (" + WorkOrderStateName(found->work_order) +
           "): only unknown outcomes are resolved; it leaves the outbox once MIDAS is told";
  }
  return name + " is " + state +
         ": MIDAS has not been told yet; resolve it once it is delivered (outbox list unknown) or dead-lettered";
}

int Usage(std::ostream& err, const std::string& problem) {
  err << kCommand << ": " << problem << "\n\n" << OutboxUsageText();
  return 2;
}

int Failed(std::ostream& err, const std::string& problem) {
  err << kCommand << ": " << problem << "\n";
  return 1;
}

// Checks the words of `list`, `redrive` and `resolve`; the usage problem, if any.
std::optional<std::string> CheckTarget(const Invocation& invocation, std::optional<OutboxEntryId>& id) {
  const std::string& action = invocation.action;
  if (action == "list") {
    if (!ViewNamed(invocation.target)) {
      return "list takes pending, dead, unknown, superseded or all, got '" + invocation.target + "'";
    }
    return std::nullopt;
  }
  if (action == "stats") {
    if (!invocation.target.empty()) return "stats takes no argument, got '" + invocation.target + "'";
    return std::nullopt;
  }
  if (invocation.target.empty()) return action + " needs an entry id" + (action == "redrive" ? " or 'all'" : "");
  if (invocation.target == "all" && action == "redrive") return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const long long number = std::strtoll(invocation.target.c_str(), &end, 10);
  if (errno != 0 || *end != '\0' || number <= 0) return "not an entry id: '" + invocation.target + "'";
  id = number;
  return std::nullopt;
}

// The store the configuration names, for an operator; exit code 2 when a
// SQLite path names no file (nothing is created), 1 when it cannot be opened.
std::variant<std::unique_ptr<StoreSet>, int> OpenForOperator(const Config& config, std::ostream& err) {
  if (!store::IsPostgresUri(config.database) && ::access(config.database.c_str(), F_OK) != 0) {
    err << kCommand << ": no database at '" << config.database
        << "' (check --database or the configuration's database; nothing was created)\n";
    return 2;
  }
  StoreResult<std::unique_ptr<StoreSet>> stores = OpenStores(config, StoreUse::kOperate);
  if (auto* failure = std::get_if<StoreError>(&stores)) return Failed(err, failure->message);
  return std::move(std::get<std::unique_ptr<StoreSet>>(stores));
}

int Change(OutboxAdmin& outbox, const std::string& action, std::optional<OutboxEntryId> id, std::ostream& out,
           std::ostream& err) {
  const bool redrive = action == "redrive";
  auto changed = redrive ? outbox.Redrive(id) : outbox.Resolve(*id);
  if (auto* failure = std::get_if<StoreError>(&changed)) return Failed(err, failure->message);
  const int count = std::get<int>(changed);
  if (id && count == 0) return Failed(err, action + " refused: " + WhyUnchanged(outbox, action, *id));
  out << (redrive ? "re-driven: " : "resolved: ") << count << "\n";
  return 0;
}

int Execute(const Invocation& invocation, StoreSet& stores, Format format, std::optional<OutboxEntryId> id,
            std::ostream& out, std::ostream& err) {
  if (invocation.action == "list") {
    auto entries = stores.admin->List(*ViewNamed(invocation.target));
    if (auto* failure = std::get_if<StoreError>(&entries)) return Failed(err, failure->message);
    PrintEntries(out, std::get<std::vector<OutboxEntry>>(entries), format);
    return 0;
  }
  if (invocation.action == "stats") {
    auto counts = stores.outbox->Count();
    if (auto* failure = std::get_if<StoreError>(&counts)) return Failed(err, failure->message);
    PrintStats(out, std::get<OutboxCounts>(counts), format);
    return 0;
  }
  return Change(*stores.admin, invocation.action, id, out, err);
}

}  // namespace

std::string OutboxUsageText() {
  std::string text = "Usage:\n";
  for (const char* action : {"list", "stats", "redrive", "resolve"}) text += ActionUsage().at(action);
  return text + "  voip-migration-adapter outbox [ACTION] --help\n";
}

int RunOutboxCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err, bool out_is_terminal) {
  Invocation invocation = Read(args);
  const auto usage = ActionUsage().find(invocation.action);
  if (invocation.help) {
    out << (usage != ActionUsage().end() ? "Usage:\n" + usage->second : OutboxUsageText());
    return 0;
  }
  if (invocation.action.empty()) return Usage(err, "expected list, stats, redrive or resolve");
  if (usage == ActionUsage().end()) return Usage(err, "unknown action '" + invocation.action + "'");
  if (invocation.action == "list" && invocation.target.empty()) invocation.target = "all";
  std::optional<OutboxEntryId> id;
  if (auto problem = CheckTarget(invocation, id)) return Usage(err, *problem);
  ConfigResult parsed = ParseConfig(invocation.store_args, false);
  if (auto* error = std::get_if<ConfigError>(&parsed)) return Usage(err, error->message);
  auto opened = OpenForOperator(std::get<Config>(parsed), err);
  if (const int* code = std::get_if<int>(&opened)) return *code;
  const Format format = invocation.format.value_or(out_is_terminal ? Format::kTable : Format::kJson);
  return Execute(invocation, *std::get<std::unique_ptr<StoreSet>>(opened), format, id, out, err);
}

}  // namespace voip
