#include "app/outbox_command.h"

#include <cerrno>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "adapter/store/sqlite_outbox.h"
#include "platform/config.h"
#include "platform/log.h"

namespace voip {
namespace {

std::optional<store::OutboxView> ViewNamed(const std::string& name) {
  if (name == "pending") return store::OutboxView::kPending;
  if (name == "dead") return store::OutboxView::kDeadLettered;
  if (name == "unknown") return store::OutboxView::kUnknown;
  if (name == "superseded") return store::OutboxView::kSuperseded;
  if (name == "all") return store::OutboxView::kAll;
  return std::nullopt;
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

// One JSON object per line; personal identifiers masked.
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
                         {"pendingSinceMs", entry.pending_since_ms}};
  if (entry.work_order == WorkOrderState::kAttempting) line["migrationStatus"] = nullptr;
  if (entry.update.order_number) line["orderNumber"] = *entry.update.order_number;
  if (entry.update.reason) line["reason"] = *entry.update.reason;
  if (entry.next_attempt_ms) line["nextAttemptMs"] = *entry.next_attempt_ms;
  if (entry.superseded_by) line["supersededBy"] = *entry.superseded_by;
  if (!entry.last_error.empty()) line["lastError"] = entry.last_error;
  return line;
}

int Usage(std::ostream& err, const std::string& problem) {
  err << "voip-migration-adapter outbox: " << problem << "\n\n" << OutboxUsageText();
  return 2;
}

// The database and its outbox, for one subcommand.
struct OpenedOutbox {
  std::unique_ptr<store::SqliteDatabase> db;
  std::unique_ptr<store::SqliteOutbox> outbox;  // on db
};

StoreResult<OpenedOutbox> OpenOutbox(const std::string& path) {
  StoreResult<std::unique_ptr<store::SqliteDatabase>> db = store::SqliteDatabase::Open(path, store::SyncMode::kNormal);
  if (const auto* failure = std::get_if<StoreError>(&db)) return *failure;
  OpenedOutbox opened{std::move(*std::get_if<std::unique_ptr<store::SqliteDatabase>>(&db)), nullptr};
  StoreResult<std::unique_ptr<store::SqliteOutbox>> outbox = store::SqliteOutbox::Open(*opened.db, {});
  if (const auto* failure = std::get_if<StoreError>(&outbox)) return *failure;
  opened.outbox = std::move(*std::get_if<std::unique_ptr<store::SqliteOutbox>>(&outbox));
  return opened;
}

}  // namespace

std::string OutboxUsageText() {
  return "Usage:\n"
         "  voip-migration-adapter outbox list [pending|dead|unknown|superseded|all] [--database PATH | --config "
         "FILE]\n"
         "      one JSON object per entry (default: all): identity (masked), sequence, state, superseded-by\n"
         "  voip-migration-adapter outbox redrive ID|all [--database PATH | --config FILE]\n"
         "      puts dead-lettered MIDAS updates back to pending; the running adapter delivers them\n"
         "  voip-migration-adapter outbox resolve ID [--database PATH | --config FILE]\n"
         "      removes an unknown-outcome entry once checked in the work-order system (MIDAS told, or dead)\n";
}

int RunOutboxCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty()) return Usage(err, "expected list, redrive or resolve");
  const std::string& action = args[0];
  std::string target = action == "list" ? "all" : "";
  std::size_t flags_from = 1;
  if (args.size() > 1 && args[1].rfind("--", 0) != 0) {
    target = args[1];
    flags_from = 2;
  }
  ConfigResult parsed = ParseConfig({args.begin() + static_cast<long>(flags_from), args.end()}, false);
  if (auto* error = std::get_if<ConfigError>(&parsed)) return Usage(err, error->message);
  const Config config = std::get<Config>(parsed);

  std::optional<store::OutboxView> view;
  std::optional<OutboxEntryId> id;
  if (action == "list") {
    view = ViewNamed(target);
    if (!view) return Usage(err, "list takes pending, dead, unknown, superseded or all, got '" + target + "'");
  } else if (action == "redrive" || action == "resolve") {
    if (target.empty()) return Usage(err, action + " needs an entry id" + (action == "redrive" ? " or 'all'" : ""));
    if (target != "all" || action == "resolve") {
      char* end = nullptr;
      errno = 0;
      const long long number = std::strtoll(target.c_str(), &end, 10);
      if (errno != 0 || *end != '\0' || number <= 0) return Usage(err, "not an entry id: '" + target + "'");
      id = number;
    }
  } else {
    return Usage(err, "unknown action '" + action + "'");
  }

  StoreResult<OpenedOutbox> opened = OpenOutbox(config.database);
  if (const auto* failure = std::get_if<StoreError>(&opened)) {
    err << "voip-migration-adapter outbox: " << failure->message << "\n";
    return 1;
  }
  store::SqliteOutbox* const outbox = std::get_if<OpenedOutbox>(&opened)->outbox.get();
  if (view) {
    auto entries = outbox->List(*view);
    if (auto* failure = std::get_if<StoreError>(&entries)) {
      err << "voip-migration-adapter outbox: " << failure->message << "\n";
      return 1;
    }
    for (const OutboxEntry& entry : std::get<std::vector<OutboxEntry>>(entries)) {
      // Backends' texts (reason, last error) may hold bytes that are not UTF-8.
      out << Describe(entry).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    }
    return 0;
  }
  const bool redrive = action == "redrive";
  auto changed = redrive ? outbox->Redrive(id) : outbox->Resolve(*id);
  if (auto* failure = std::get_if<StoreError>(&changed)) {
    err << "voip-migration-adapter outbox: " << failure->message << "\n";
    return 1;
  }
  out << (redrive ? "re-driven: " : "resolved: ") << std::get<int>(changed) << "\n";
  return id && std::get<int>(changed) == 0 ? 1 : 0;
}

}  // namespace voip
