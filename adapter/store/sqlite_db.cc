#include "adapter/store/sqlite_db.h"

#include <sqlite3.h>
#include <unistd.h>

namespace voip::store {
namespace {

constexpr int kBusyTimeoutMs = 5000;

}  // namespace

StoreResult<std::unique_ptr<SqliteDatabase>> SqliteDatabase::Open(const std::string& path, SyncMode sync,
                                                                  OpenMode mode) {
  sqlite3* db = nullptr;
  const int create = mode == OpenMode::kCreateIfMissing ? SQLITE_OPEN_CREATE : 0;
  const int flags = SQLITE_OPEN_READWRITE | create | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    const bool missing = mode == OpenMode::kExistingOnly && ::access(path.c_str(), F_OK) != 0;
    StoreError error{missing
                         ? "no database at '" + path + "' (nothing was created)"
                         : "cannot open the database '" + path + "': " + (db ? sqlite3_errmsg(db) : "out of memory")};
    sqlite3_close(db);
    return error;
  }
  std::unique_ptr<SqliteDatabase> database(new SqliteDatabase(db, path));
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  // WAL: readers never block the writer, and a commit is one append to the
  // log. synchronous=NORMAL survives a crash of the process (kill -9); FULL
  // also survives a power cut, at one fsync per commit.
  Statement wal(*database, "PRAGMA journal_mode=WAL");
  if (!wal.ok() || !wal.Step() || wal.Text(0) != "wal") {
    return StoreError{"cannot put the database '" + path + "' in WAL mode: " + database->LastError()};
  }
  // A checkpoint (the WAL copied back into the database file, with an fsync of
  // each) runs inside the commit that crosses wal_autocheckpoint pages, holding
  // the database for every request meanwhile. The adapter checkpoints from its
  // own thread instead (wal_checkpointer.h); 10,000 pages (a WAL of up to
  // ~40 MiB) is only the backstop for when that one falls behind, and for the
  // operator's subcommands. Durability is the commit's, not the checkpoint's.
  const char* pragmas = sync == SyncMode::kFull
                            ? "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA wal_autocheckpoint=10000;"
                            : "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA wal_autocheckpoint=10000;";
  if (auto problem = database->Exec(pragmas)) {
    return StoreError{"cannot configure the database '" + path + "': " + *problem};
  }
  database->begin_ = std::make_unique<Statement>(*database, "BEGIN IMMEDIATE");
  database->commit_ = std::make_unique<Statement>(*database, "COMMIT");
  database->rollback_ = std::make_unique<Statement>(*database, "ROLLBACK");
  if (!database->begin_->ok() || !database->commit_->ok() || !database->rollback_->ok()) {
    return StoreError{"cannot prepare transactions on the database '" + path + "': " + database->LastError()};
  }
  return database;
}

SqliteDatabase::SqliteDatabase(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

SqliteDatabase::~SqliteDatabase() {
  begin_.reset();  // statements are finalised before the connection closes
  commit_.reset();
  rollback_.reset();
  sqlite3_close(db_);
}

bool SqliteDatabase::Begin() { return begin_->Run(); }

bool SqliteDatabase::Commit() { return commit_->Run(); }

bool SqliteDatabase::Rollback() { return rollback_->Run(); }

std::optional<std::string> SqliteDatabase::Exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) == SQLITE_OK) return std::nullopt;
  std::string text = message ? message : LastError();
  sqlite3_free(message);
  return text;
}

std::string SqliteDatabase::LastError() const { return sqlite3_errmsg(db_); }

std::int64_t SqliteDatabase::LastInsertId() const { return sqlite3_last_insert_rowid(db_); }

int SqliteDatabase::Changes() const { return sqlite3_changes(db_); }

Statement::Statement(SqliteDatabase& db, const char* sql) {
  if (sqlite3_prepare_v2(db.handle(), sql, -1, &stmt_, nullptr) != SQLITE_OK) {
    sqlite3_finalize(stmt_);
    stmt_ = nullptr;
  }
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  failed_ = false;
  return *this;
}

Statement& Statement::Bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::Bind(int index, std::string_view value) {
  sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::Bind(int index, const std::optional<std::string>& value) {
  return value ? Bind(index, std::string_view(*value)) : BindNull(index);
}

Statement& Statement::Bind(int index, const std::optional<std::int64_t>& value) {
  return value ? Bind(index, *value) : BindNull(index);
}

Statement& Statement::BindNull(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

bool Statement::Step() {
  if (stmt_ == nullptr) {
    failed_ = true;
    return false;
  }
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  failed_ = rc != SQLITE_DONE;
  return false;
}

bool Statement::Run() {
  while (Step()) {
  }
  const bool ok = !failed_;
  sqlite3_reset(stmt_);
  return ok;
}

std::int64_t Statement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Statement::Text(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  return text ? std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))) : std::string();
}

std::optional<std::string> Statement::OptionalText(int column) const {
  if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) return std::nullopt;
  return Text(column);
}

std::optional<std::int64_t> Statement::OptionalInt(int column) const {
  if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) return std::nullopt;
  return Int(column);
}

Transaction::Transaction(SqliteDatabase& db) : db_(db) { began_ = db_.Begin(); }

Transaction::~Transaction() {
  if (began_ && !done_) db_.Rollback();
}

bool Transaction::Commit() {
  if (!began_ || done_) return false;
  done_ = true;
  if (!db_.Commit()) {
    db_.Rollback();
    return false;
  }
  return true;
}

}  // namespace voip::store
