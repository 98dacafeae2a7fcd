// A small RAII layer over one SQLite connection: open with the adapter's
// settings (WAL, busy time-out, synchronous level), prepared statements, and
// transactions. Errors are values; nothing here throws.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "adapter/outbox.h"  // StoreError, StoreResult

struct sqlite3;
struct sqlite3_stmt;

namespace voip::store {

enum class SyncMode { kNormal, kFull };

// Whether Open may create the file: the adapter does at its first start; an
// operator's subcommand must not (a mistyped path would read as an empty store).
enum class OpenMode { kCreateIfMissing, kExistingOnly };

class Statement;

// One connection. Not thread-safe by itself: callers hold mutex() around every
// use (the stores built on it do).
class SqliteDatabase {
 public:
  // Opens (creating it if needed and `mode` allows) the database at `path` in
  // WAL mode with the given synchronous level and a busy time-out; or why it
  // could not ("no database at '<path>'" when it is missing and must exist).
  [[nodiscard]] static StoreResult<std::unique_ptr<SqliteDatabase>> Open(const std::string& path, SyncMode sync,
                                                                         OpenMode mode = OpenMode::kCreateIfMissing);
  ~SqliteDatabase();
  SqliteDatabase(const SqliteDatabase&) = delete;
  SqliteDatabase& operator=(const SqliteDatabase&) = delete;

  // Runs one or more statements without results. nullopt on success, else the message.
  std::optional<std::string> Exec(const char* sql);
  // BEGIN IMMEDIATE, COMMIT and ROLLBACK, prepared once at Open (sqlite3_exec
  // parsed their text on every call: two transactions per request). True on success.
  bool Begin();
  bool Commit();
  bool Rollback();
  std::string LastError() const;
  std::int64_t LastInsertId() const;
  int Changes() const;  // rows changed by the last statement
  sqlite3* handle() const { return db_; }
  std::mutex& mutex() { return mutex_; }
  const std::string& path() const { return path_; }

 private:
  SqliteDatabase(sqlite3* db, std::string path);
  sqlite3* db_;
  std::string path_;
  std::mutex mutex_;
  std::unique_ptr<Statement> begin_;
  std::unique_ptr<Statement> commit_;
  std::unique_ptr<Statement> rollback_;
};

// A prepared statement, reset on every Step cycle. Bind indexes start at 1,
// column indexes at 0.
class Statement {
 public:
  Statement(SqliteDatabase& db, const char* sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool ok() const { return stmt_ != nullptr; }
  Statement& Reset();  // also clears bindings
  Statement& Bind(int index, std::int64_t value);
  Statement& Bind(int index, std::string_view value);
  Statement& Bind(int index, const std::string& value) { return Bind(index, std::string_view(value)); }
  Statement& Bind(int index, const char* value) { return Bind(index, std::string_view(value)); }
  Statement& Bind(int index, const std::optional<std::string>& value);  // NULL when unset
  Statement& Bind(int index, const std::optional<std::int64_t>& value);
  Statement& BindNull(int index);

  // True when a row is available; false when done or on error (see failed()).
  bool Step();
  bool failed() const { return failed_; }
  // Runs to completion (for writes). False on error.
  bool Run();

  std::int64_t Int(int column) const;
  std::string Text(int column) const;
  std::optional<std::string> OptionalText(int column) const;
  std::optional<std::int64_t> OptionalInt(int column) const;

 private:
  sqlite3_stmt* stmt_ = nullptr;
  bool failed_ = false;
};

// BEGIN IMMEDIATE ... COMMIT; rolls back unless committed.
class Transaction {
 public:
  explicit Transaction(SqliteDatabase& db);
  ~Transaction();
  bool ok() const { return began_; }
  bool Commit();

 private:
  SqliteDatabase& db_;
  bool began_ = false;
  bool done_ = false;
};

}  // namespace voip::store
