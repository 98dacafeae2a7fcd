#include "app/outbox_command.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "adapter/store/sqlite_outbox.h"
#include "tests/support/results.h"
#include "tests/support/temp_dir.h"

namespace voip {
namespace {

using nlohmann::json;

// A database holding one dead-lettered and one pending entry, as a running adapter would leave it.
class OutboxCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = voip::testing::ResultValue(store::SqliteDatabase::Open(Database(), store::SyncMode::kNormal));
    ASSERT_TRUE(db);
    auto outbox = voip::testing::ResultValue(store::SqliteOutbox::Open(*db, {}));
    ASSERT_TRUE(outbox);
    dead_ = Add(*outbox, "WO1");
    ASSERT_FALSE(outbox->DeadLetter(dead_, "MIDAS rejected the status update: Account not found"));
    pending_ = Add(*outbox, "WO2");
  }

  // An entry for a customer of its own per order (WO1: 447874384949, WO2: ...950), so none supersedes another.
  static OutboxEntryId Add(store::SqliteOutbox& outbox, const std::string& order) {
    MigrationStatusUpdate update;
    update.telephone_number = "44787438" + std::to_string(4948 + (order.back() - '0'));
    update.account_number = "123456789";
    update.site_reference = 42;
    const OutboxEntryId id = std::get<OutboxEntryId>(outbox.Journal(update, "corr-" + order));
    update.status = MigrationStatus::kWorkOrderCreated;
    update.order_number = order;
    EXPECT_FALSE(outbox.RecordOutcome(id, WorkOrderState::kCreated, update));
    return id;
  }

  // An entry whose work-order outcome is unknown (the create timed out), for `telephone`; MIDAS told
  // about it (delivered) or not yet (pending).
  OutboxEntryId AddUnknownOutcome(const std::string& telephone, bool midas_told) {
    auto db = voip::testing::ResultValue(store::SqliteDatabase::Open(Database(), store::SyncMode::kNormal));
    auto outbox = voip::testing::ResultValue(store::SqliteOutbox::Open(*db, {}));
    EXPECT_TRUE(db && outbox);
    if (!outbox) return 0;
    MigrationStatusUpdate update;
    update.telephone_number = telephone;
    update.account_number = "123456789";
    const OutboxEntryId id = std::get<OutboxEntryId>(outbox->Journal(update, "corr-" + telephone));
    update.status = MigrationStatus::kWorkOrderOutcomeUnknown;
    update.reason = "timed out";
    EXPECT_FALSE(outbox->RecordOutcome(id, WorkOrderState::kUnknown, update));
    if (midas_told) outbox->MarkDelivered(id);
    return id;
  }

  std::string Database() const { return dir_.File("adapter.db"); }

  int Run(std::vector<std::string> args) {
    out_.str("");
    err_.str("");
    args.push_back("--database");
    args.push_back(Database());
    return RunOutboxCommand(args, out_, err_);
  }

  std::vector<json> Lines() {
    std::vector<json> lines;
    std::istringstream in(out_.str());
    for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
    return lines;
  }

  testing::TempDir dir_;
  OutboxEntryId dead_ = 0;
  OutboxEntryId pending_ = 0;
  std::ostringstream out_;
  std::ostringstream err_;
};

// `list dead` prints the dead letter as one JSON line, with personal numbers masked.
TEST_F(OutboxCommandTest, ListsDeadLettersMasked) {
  EXPECT_EQ(Run({"list", "dead"}), 0);
  const auto lines = Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["id"], dead_);
  EXPECT_EQ(lines[0]["delivery"], "dead");
  EXPECT_EQ(lines[0]["workOrder"], "created");
  EXPECT_EQ(lines[0]["orderNumber"], "WO1");
  EXPECT_EQ(lines[0]["telephoneNumber"], "*********949");
  EXPECT_EQ(lines[0]["accountNumber"], "******789");
  EXPECT_EQ(lines[0]["lastError"], "MIDAS rejected the status update: Account not found");
  EXPECT_EQ(out_.str().find("447874384949"), std::string::npos);
}

// A backend's text kept in the outbox need not be UTF-8: `list` still prints
// every entry, the bad bytes replaced, instead of failing on them.
TEST_F(OutboxCommandTest, ListsAnEntryWhoseErrorIsNotUtf8) {
  {
    auto db = voip::testing::ResultValue(store::SqliteDatabase::Open(Database(), store::SyncMode::kNormal));
    ASSERT_TRUE(db);
    auto outbox = voip::testing::ResultValue(store::SqliteOutbox::Open(*db, {}));
    ASSERT_TRUE(outbox);
    ASSERT_FALSE(outbox->DeadLetter(pending_, "MIDAS rejected the status update: Caf\xe9 \xff"));
  }
  EXPECT_EQ(Run({"list", "dead"}), 0) << err_.str();
  const auto lines = Lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1]["id"], pending_);
  EXPECT_EQ(lines[1]["lastError"], "MIDAS rejected the status update: Caf\uFFFD \uFFFD");
}

// `list` without a view prints every entry.
TEST_F(OutboxCommandTest, ListsAllByDefault) {
  EXPECT_EQ(Run({"list"}), 0);
  EXPECT_EQ(Lines().size(), 2u);
}

// `redrive ID` puts the dead letter back to pending, due now.
TEST_F(OutboxCommandTest, RedrivesOneDeadLetter) {
  EXPECT_EQ(Run({"redrive", std::to_string(dead_)}), 0);
  EXPECT_EQ(out_.str(), "re-driven: 1\n");
  EXPECT_EQ(Run({"list", "dead"}), 0);
  EXPECT_TRUE(Lines().empty());
  EXPECT_EQ(Run({"list", "pending"}), 0);
  EXPECT_EQ(Lines().size(), 2u);
}

// Re-driving an entry that is not dead-lettered changes nothing, says why and exits 1.
TEST_F(OutboxCommandTest, RedriveOfPendingEntryIsRefusedWithItsState) {
  EXPECT_EQ(Run({"redrive", std::to_string(pending_)}), 1);
  EXPECT_EQ(out_.str(), "");
  EXPECT_EQ(err_.str(), "voip-migration-adapter outbox: redrive refused: entry " + std::to_string(pending_) +
                            " is pending, not dead-lettered: only dead letters are re-driven\n");
  EXPECT_EQ(Run({"list", "pending"}), 0);
  ASSERT_EQ(Lines().size(), 1u);
}

// Resolving an entry whose outcome is still unknown but whose MIDAS update is pending says so and keeps it.
TEST_F(OutboxCommandTest, ResolveOfUndeliveredUnknownOutcomeSaysMidasIsNotToldYet) {
  const OutboxEntryId unknown = AddUnknownOutcome("447874384960", /*midas_told=*/false);
  EXPECT_EQ(Run({"resolve", std::to_string(unknown)}), 1);
  EXPECT_EQ(out_.str(), "");
  EXPECT_NE(
      err_.str().find("resolve refused: entry " + std::to_string(unknown) + " is pending: MIDAS has not been told yet"),
      std::string::npos)
      << err_.str();
  EXPECT_EQ(Run({"list", "unknown"}), 0);
  EXPECT_EQ(Lines().size(), 1u);
}

// Resolving an id the outbox does not hold says there is no such entry.
TEST_F(OutboxCommandTest, ResolveOfMissingEntrySaysThereIsNone) {
  EXPECT_EQ(Run({"resolve", "999"}), 1);
  EXPECT_NE(err_.str().find("resolve refused: no entry 999 in the outbox"), std::string::npos) << err_.str();
}

// A SQLite path that names no file is refused with exit 2, and no file is created there.
TEST_F(OutboxCommandTest, MissingDatabaseIsRefusedAndNotCreated) {
  const std::string wrong = dir_.File("typo.db");
  out_.str("");
  err_.str("");
  EXPECT_EQ(RunOutboxCommand({"list", "--database", wrong}, out_, err_), 2);
  EXPECT_EQ(out_.str(), "");
  EXPECT_NE(err_.str().find("no database at '" + wrong + "'"), std::string::npos) << err_.str();
  EXPECT_NE(::access(wrong.c_str(), F_OK), 0);
}

// A SQLite file that is not an adapter's database is refused, and no outbox table is created in it.
TEST_F(OutboxCommandTest, FileWithoutAnOutboxIsRefusedNotMigrated) {
  const std::string other = dir_.File("other.db");
  {
    auto db = voip::testing::ResultValue(store::SqliteDatabase::Open(other, store::SyncMode::kNormal));
    ASSERT_TRUE(db);
    ASSERT_FALSE(db->Exec("CREATE TABLE unrelated (x INTEGER)"));
  }
  out_.str("");
  err_.str("");
  EXPECT_EQ(RunOutboxCommand({"stats", "--database", other}, out_, err_), 1);
  EXPECT_NE(err_.str().find("holds no adapter outbox"), std::string::npos) << err_.str();
  auto db = voip::testing::ResultValue(store::SqliteDatabase::Open(other, store::SyncMode::kNormal));
  ASSERT_TRUE(db);
  EXPECT_EQ(std::get<int>(store::SqliteOutbox::SchemaVersionOf(*db)), 0);
}

// `stats` counts entries by state and names the oldest pending one's time (JSON when not on a terminal).
TEST_F(OutboxCommandTest, StatsCountsByStateWithOldestPending) {
  EXPECT_EQ(Run({"stats"}), 0) << err_.str();
  const auto lines = Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["pending"], 1);
  EXPECT_EQ(lines[0]["deadLettered"], 1);
  EXPECT_EQ(lines[0]["unknownOutcome"], 0);
  EXPECT_EQ(lines[0]["superseded"], 0);
  ASSERT_TRUE(lines[0]["oldestPendingSince"].is_string());
  EXPECT_EQ(lines[0]["oldestPendingSince"].get<std::string>().size(), 24u);  // 2026-12-06T16:30:00.123Z
  EXPECT_GE(lines[0]["oldestPendingAgeS"].get<std::int64_t>(), 0);
}

// On a terminal `list` prints a table with ISO-8601 times and masked numbers, not JSON.
TEST_F(OutboxCommandTest, ListOnTerminalIsATableWithIsoTimes) {
  out_.str("");
  err_.str("");
  EXPECT_EQ(RunOutboxCommand({"list", "dead", "--database", Database()}, out_, err_, true), 0) << err_.str();
  std::istringstream in(out_.str());
  std::string header, row, total;
  ASSERT_TRUE(std::getline(in, header) && std::getline(in, row) && std::getline(in, total));
  EXPECT_EQ(header.rfind("ID", 0), 0u) << header;
  EXPECT_NE(header.find("CREATED (UTC)"), std::string::npos);
  EXPECT_EQ(row.rfind(std::to_string(dead_) + " ", 0), 0u) << row;
  EXPECT_NE(row.find("dead"), std::string::npos);
  EXPECT_NE(row.find("*********949"), std::string::npos);
  EXPECT_NE(row.find("Z  "), std::string::npos);  // an ISO-8601 UTC time
  EXPECT_EQ(out_.str().find("447874384949"), std::string::npos);
  EXPECT_EQ(total, "1 entry");
}

// --json keeps JSON lines on a terminal, with the ISO-8601 time beside the Unix milliseconds.
TEST_F(OutboxCommandTest, JsonFlagOverridesTheTerminal) {
  out_.str("");
  EXPECT_EQ(RunOutboxCommand({"list", "dead", "--json", "--database", Database()}, out_, err_, true), 0);
  const auto lines = Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["created"].get<std::string>().back(), 'Z');
  EXPECT_GT(lines[0]["createdMs"].get<std::int64_t>(), 0);
}

// `--help` after any action prints that action's usage on stdout and exits 0, touching no database.
TEST_F(OutboxCommandTest, HelpForEveryAction) {
  for (const std::string action : {"list", "stats", "redrive", "resolve"}) {
    out_.str("");
    err_.str("");
    EXPECT_EQ(RunOutboxCommand({action, "--help"}, out_, err_), 0) << action;
    EXPECT_NE(out_.str().find("voip-migration-adapter outbox " + action), std::string::npos) << out_.str();
    EXPECT_EQ(err_.str(), "");
  }
  out_.str("");
  EXPECT_EQ(RunOutboxCommand({"--help"}, out_, err_), 0);
  EXPECT_NE(out_.str().find("outbox stats"), std::string::npos);
}

// `resolve` removes an unknown-outcome entry MIDAS was told about, and refuses a known one.
TEST_F(OutboxCommandTest, ResolvesOnlyDeliveredUnknownOutcomes) {
  const OutboxEntryId unknown = AddUnknownOutcome("447874384949", /*midas_told=*/true);
  EXPECT_EQ(Run({"resolve", std::to_string(dead_)}), 1);  // outcome known: not an unknown entry
  EXPECT_EQ(Run({"list", "unknown"}), 0);
  ASSERT_EQ(Lines().size(), 1u);
  EXPECT_EQ(Run({"resolve", std::to_string(unknown)}), 0);
  EXPECT_EQ(out_.str(), "resolved: 1\n");
  EXPECT_EQ(Run({"list", "unknown"}), 0);
  EXPECT_TRUE(Lines().empty());
}

// `list superseded` shows the superseded entry with its masked identity, sequence, state and the entry
// that superseded it; `list` shows the newer one's identity and higher sequence.
TEST_F(OutboxCommandTest, ListsSupersededWithIdentitySequenceAndSupersededBy) {
  OutboxEntryId newer = 0;
  {
    auto db = voip::testing::ResultValue(store::SqliteDatabase::Open(Database(), store::SyncMode::kNormal));
    ASSERT_TRUE(db);
    auto outbox = voip::testing::ResultValue(store::SqliteOutbox::Open(*db, {}));
    ASSERT_TRUE(outbox);
    newer = Add(*outbox, "WO2");  // the customer of pending_: supersedes it
  }
  EXPECT_EQ(Run({"list", "superseded"}), 0) << err_.str();
  const auto lines = Lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["id"], pending_);
  EXPECT_EQ(lines[0]["state"], "superseded");
  EXPECT_EQ(lines[0]["delivery"], "superseded");
  EXPECT_EQ(lines[0]["supersededBy"], newer);
  EXPECT_EQ(lines[0]["identity"], std::string(22, '*') + "950");  // "123456789|42|447874384950"
  EXPECT_EQ(Run({"list", "all"}), 0);
  const auto all = Lines();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0]["state"], "dead");
  EXPECT_EQ(all[2]["id"], newer);
  EXPECT_EQ(all[2]["state"], "pending");
  EXPECT_GT(all[2]["sequence"].get<std::int64_t>(), all[1]["sequence"].get<std::int64_t>());
  EXPECT_FALSE(all[2].contains("supersededBy"));
  EXPECT_EQ(out_.str().find("447874384950"), std::string::npos);
  EXPECT_EQ(out_.str().find("123456789"), std::string::npos);
}

// Bad usage exits 2 with the usage text and touches nothing.
TEST_F(OutboxCommandTest, BadUsageExits2) {
  EXPECT_EQ(Run({"list", "everything"}), 2);
  EXPECT_NE(err_.str().find("Usage:"), std::string::npos);
  EXPECT_EQ(Run({"redrive", "abc"}), 2);
  EXPECT_EQ(Run({"explode"}), 2);
}

}  // namespace
}  // namespace voip
