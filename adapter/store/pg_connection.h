// A thin RAII layer over libpq (PostgreSQL's C client): one connection, its
// results, parameters sent as text (or as bytes for bytea). Every statement
// is prepared once per connection (the server parses and plans it once) and
// then executed by name; several statements can share one round trip
// (ExecPipeline). Errors are values; nothing here throws. Every statement's
// latency, every round trip and every failure is counted in the StoreStats
// given at Connect (GET /metrics).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
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

// One statement of a pipeline (PgConnection::ExecPipeline).
struct PgStatement {
  std::string_view sql;
  PgParams params;
};

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
  // The first time this connection meets `sql` it prepares it (one more round
  // trip); from then on only the parameters travel. A new connection (after
  // the server went away) starts with none prepared.
  PgResult Exec(std::string_view sql, const PgParams& params = {});
  // Runs the statements in order in ONE round trip (libpq's pipeline mode),
  // each as Exec would: its own statement, its own snapshot. Without BEGIN
  // among them they are one implicit transaction, committed at the end (a
  // failure undoes them all); after BEGIN, the caller's transaction goes on.
  // A statement after a failed one is not run (its result is not ok; in a
  // transaction begun here, roll back). One result each.
  std::vector<PgResult> ExecPipeline(const std::vector<PgStatement>& statements);
  // Runs a script of several statements without parameters (a migration file).
  PgResult ExecScript(const std::string& sql);
  // The connection is unusable (the server went away, or was restarted, or a
  // pipeline could not be ended cleanly).
  bool broken() const;
  // No transaction is open on it (one left open would leak into its next use).
  bool idle() const;

 private:
  PgConnection(pg_conn* connection, StoreStats* stats) : connection_(connection), stats_(stats) {}
  // The name `sql` is prepared under on this connection, preparing it first
  // when new; nullptr and *failure when the server refused it.
  const std::string* Prepared(const std::string& sql, PgResult* failure);
  // In pipeline mode: queues a Prepare for each statement not prepared yet (a
  // name per new text in `names`) and the executions; false when libpq refused.
  struct PipelineStep {
    int statement;     // its index in the pipeline
    std::string text;  // not empty: a Prepare of this text (the statement's own), else its execution
    std::string name;
  };
  [[nodiscard]] bool SendPipeline(const std::vector<PgStatement>& statements, std::vector<PipelineStep>& steps);
  // Reads the steps' results in order, then the pipeline's end.
  void ReadPipeline(const std::vector<PipelineStep>& steps, std::chrono::steady_clock::time_point start,
                    std::vector<PgResult>& results);
  void CountStatement(std::chrono::steady_clock::time_point start, bool failed);
  void CountRoundTrips(int count);
  pg_conn* connection_;
  StoreStats* stats_;
  std::unordered_map<std::string, std::string> prepared_;  // statement text -> its name on this connection
  int named_ = 0;                                          // statements named so far
  bool poisoned_ = false;
};

// Whether a libpq URI or connection string holds a password (it must not:
// passwords come from database-password); nullopt and *error when the text
// does not parse.
std::optional<bool> UriHasPassword(const std::string& uri, std::string* error);

// Whether `database` names PostgreSQL (a postgresql:// or postgres:// URI) rather than a SQLite file.
bool IsPostgresUri(std::string_view database);

}  // namespace voip::store
