// A thin RAII layer over libpq (PostgreSQL's C client): one connection, its
// results, parameters sent as text (or as bytes for bytea). Errors are values;
// nothing here throws. Every statement's latency and every failure is counted
// in the StoreStats given at Connect (GET /metrics).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapter/metrics.h"

struct pg_conn;
struct pg_result;

namespace voip::store {

// One statement parameter: NULL, text, or bytes (for a bytea column).
struct PgParam {
  PgParam(std::nullopt_t) {}  // NOLINT(google-explicit-constructor): reads as a NULL argument
  PgParam(std::string text) : value(std::move(text)) {}             // NOLINT(google-explicit-constructor)
  PgParam(const char* text) : value(std::string(text)) {}           // NOLINT(google-explicit-constructor)
  PgParam(std::int64_t number) : value(std::to_string(number)) {}   // NOLINT(google-explicit-constructor)
  PgParam(const std::optional<std::string>& text) : value(text) {}  // NOLINT(google-explicit-constructor)
  PgParam(const std::optional<std::int64_t>& number)                // NOLINT(google-explicit-constructor)
      : value(number ? std::optional<std::string>(std::to_string(*number)) : std::nullopt) {}
  static PgParam Bytes(std::string bytes) {
    PgParam param(std::move(bytes));
    param.binary = true;
    return param;
  }
  std::optional<std::string> value;
  bool binary = false;
};
using PgParams = std::vector<PgParam>;

// A statement's result; cleared when destroyed. Row and column indexes start at 0.
class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(pg_result* result) : result_(result) {}
  PgResult(PgResult&& other) noexcept;
  PgResult& operator=(PgResult&& other) noexcept;
  PgResult(const PgResult&) = delete;
  PgResult& operator=(const PgResult&) = delete;
  ~PgResult();

  // The statement succeeded (with or without rows).
  bool ok() const;
  int rows() const;
  int affected() const;  // rows an INSERT, UPDATE or DELETE touched
  bool IsNull(int row, int column) const;
  std::string Text(int row, int column) const;
  std::int64_t Int(int row, int column) const;  // 0 for NULL or non-numbers
  std::optional<std::string> OptionalText(int row, int column) const;
  std::optional<std::int64_t> OptionalInt(int row, int column) const;
  std::string Error() const;     // the server's primary message and SQLSTATE (never its DETAIL), one line
  std::string SqlState() const;  // the five-character SQLSTATE, empty when none

 private:
  pg_result* result_ = nullptr;
};

struct PgConnectOptions {
  std::string uri;       // libpq syntax: postgresql://user@host:port/db?... (no password)
  std::string password;  // empty: libpq's own sources (PGPASSFILE ...)
  int statement_timeout_ms = 5000;
  int connect_timeout_s = 2;    // libpq's minimum
  StoreStats* stats = nullptr;  // may be null
};

class PgConnection {
 public:
  // Connects; nullptr and *error (libpq's words, never the password) on failure.
  [[nodiscard]] static std::unique_ptr<PgConnection> Connect(const PgConnectOptions& options, std::string* error);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs one statement ($1, $2... for the parameters). A failure is in the result.
  PgResult Exec(std::string_view sql, const PgParams& params = {});
  // Runs a script of several statements without parameters (a migration file).
  PgResult ExecScript(const std::string& sql);
  // The connection is unusable (the server went away, or was restarted).
  bool broken() const;
  // No transaction is open on it (one left open would leak into its next use).
  bool idle() const;

 private:
  PgConnection(pg_conn* connection, StoreStats* stats) : connection_(connection), stats_(stats) {}
  pg_conn* connection_;
  StoreStats* stats_;
};

// Whether a libpq URI or connection string holds a password (it must not:
// passwords come from database-password); nullopt and *error when the text
// does not parse.
std::optional<bool> UriHasPassword(const std::string& uri, std::string* error);

// Whether `database` names PostgreSQL (a postgresql:// or postgres:// URI) rather than a SQLite file.
bool IsPostgresUri(std::string_view database);

}  // namespace voip::store
