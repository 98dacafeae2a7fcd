#include "adapter/store/pg_connection.h"

#include <libpq-fe.h>

#include <chrono>
#include <cstdlib>

namespace voip::store {
namespace {

std::string OneLine(const char* text) {
  std::string line = text != nullptr ? text : "";
  while (!line.empty() && (line.back() == '\n' || line.back() == ' ')) line.pop_back();
  for (char& c : line) {
    if (c == '\n') c = ' ';
  }
  return line;
}

// A statement's parameters as libpq takes them (pointers into `params`, which must outlive this).
struct ParamArrays {
  explicit ParamArrays(const PgParams& params) {
    for (const PgParam& param : params) {
      values.push_back(param.value ? param.value->data() : nullptr);
      lengths.push_back(param.value ? static_cast<int>(param.value->size()) : 0);
      formats.push_back(param.binary ? 1 : 0);
    }
  }
  int count() const { return static_cast<int>(values.size()); }
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
};

}  // namespace

PgResult::PgResult(PgResult&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }

PgResult& PgResult::operator=(PgResult&& other) noexcept {
  if (this != &other) {
    if (result_ != nullptr) PQclear(result_);
    result_ = other.result_;
    other.result_ = nullptr;
  }
  return *this;
}

PgResult::~PgResult() {
  if (result_ != nullptr) PQclear(result_);
}

bool PgResult::ok() const {
  if (result_ == nullptr) return false;
  const ExecStatusType status = PQresultStatus(result_);
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

int PgResult::rows() const { return result_ != nullptr ? PQntuples(result_) : 0; }

int PgResult::affected() const {
  if (result_ == nullptr) return 0;
  return std::atoi(PQcmdTuples(result_));  // NOLINT(cert-err34-c): libpq writes digits or nothing
}

bool PgResult::IsNull(int row, int column) const { return PQgetisnull(result_, row, column) != 0; }

std::string PgResult::Text(int row, int column) const {
  return std::string(PQgetvalue(result_, row, column), static_cast<std::size_t>(PQgetlength(result_, row, column)));
}

std::int64_t PgResult::Int(int row, int column) const {
  if (IsNull(row, column)) return 0;
  return std::strtoll(PQgetvalue(result_, row, column), nullptr, 10);
}

std::optional<std::string> PgResult::OptionalText(int row, int column) const {
  if (IsNull(row, column)) return std::nullopt;
  return Text(row, column);
}

std::optional<std::int64_t> PgResult::OptionalInt(int row, int column) const {
  if (IsNull(row, column)) return std::nullopt;
  return Int(row, column);
}

std::string PgResult::Error() const {
  if (result_ == nullptr) return "no result (out of memory, or the connection is gone)";
  // The primary message and SQLSTATE only: DETAIL may quote a row ("Failing
  // row contains ..."), telephone and account numbers included.
  const char* primary = PQresultErrorField(result_, PG_DIAG_MESSAGE_PRIMARY);
  if (primary == nullptr) return OneLine(PQresultErrorMessage(result_));  // libpq's own (connection lost ...)
  const std::string state = SqlState();
  return OneLine(primary) + (state.empty() ? "" : " (SQLSTATE " + state + ")");
}

std::string PgResult::SqlState() const {
  const char* state = result_ != nullptr ? PQresultErrorField(result_, PG_DIAG_SQLSTATE) : nullptr;
  return state != nullptr ? state : "";
}

std::unique_ptr<PgConnection> PgConnection::Connect(const PgConnectOptions& options, std::string* error) {
  const std::string connect_timeout = std::to_string(options.connect_timeout_s);
  // Bounded statements; a transaction left idle (a delivery turn whose holder
  // hangs) cannot hold its locks for ever.
  const std::string server_options = "-c statement_timeout=" + std::to_string(options.statement_timeout_ms) +
                                     " -c idle_in_transaction_session_timeout=300000 -c client_min_messages=warning";
  std::vector<const char*> keywords = {"dbname",           "connect_timeout", "options",
                                       "application_name", "keepalives",      "keepalives_idle"};
  std::vector<const char*> values = {
      options.uri.c_str(), connect_timeout.c_str(), server_options.c_str(), "voip-migration-adapter", "1", "30"};
  if (!options.password.empty()) {
    keywords.push_back("password");
    values.push_back(options.password.c_str());
  }
  keywords.push_back(nullptr);
  values.push_back(nullptr);
  PGconn* connection = PQconnectdbParams(keywords.data(), values.data(), 1);
  if (connection == nullptr || PQstatus(connection) != CONNECTION_OK) {
    *error = "cannot connect to PostgreSQL: " + OneLine(connection != nullptr ? PQerrorMessage(connection) : "");
    if (connection != nullptr) PQfinish(connection);
    if (options.stats != nullptr) options.stats->errors.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  return std::unique_ptr<PgConnection>(new PgConnection(connection, options.stats));
}

PgConnection::~PgConnection() { PQfinish(connection_); }

PgResult PgConnection::Exec(std::string_view sql, const PgParams& params) {
  const auto start = std::chrono::steady_clock::now();
  PgResult failure;
  const std::string* name = Prepared(std::string(sql), &failure);
  if (name == nullptr) {
    CountStatement(start, true);
    return failure;
  }
  const ParamArrays arrays(params);
  PgResult result(PQexecPrepared(connection_, name->c_str(), arrays.count(), arrays.values.data(),
                                 arrays.lengths.data(), arrays.formats.data(), 0));
  CountRoundTrips(1);
  CountStatement(start, !result.ok());
  return result;
}

const std::string* PgConnection::Prepared(const std::string& sql, PgResult* failure) {
  const auto found = prepared_.find(sql);
  if (found != prepared_.end()) return &found->second;
  std::string name = "voip_" + std::to_string(++named_);
  PgResult prepared(PQprepare(connection_, name.c_str(), sql.c_str(), 0, nullptr));
  CountRoundTrips(1);
  if (!prepared.ok()) {
    *failure = std::move(prepared);
    return nullptr;
  }
  return &prepared_.emplace(sql, std::move(name)).first->second;
}

std::vector<PgResult> PgConnection::ExecPipeline(const std::vector<PgStatement>& statements) {
  std::vector<PgResult> results(statements.size());
  const auto start = std::chrono::steady_clock::now();
  if (PQenterPipelineMode(connection_) != 1) return results;  // not idle: a caller's bug, nothing sent
  std::vector<PipelineStep> steps;
  const bool sent = SendPipeline(statements, steps) && PQpipelineSync(connection_) == 1;
  CountRoundTrips(1);
  if (!sent) {
    poisoned_ = true;  // half a pipeline may be queued: the pool closes the connection
    return results;
  }
  ReadPipeline(steps, start, results);
  return results;
}

bool PgConnection::SendPipeline(const std::vector<PgStatement>& statements, std::vector<PipelineStep>& steps) {
  std::unordered_map<std::string, std::string> preparing;  // texts new to the connection -> their names
  for (std::size_t i = 0; i < statements.size(); ++i) {
    const int index = static_cast<int>(i);
    std::string text(statements[i].sql);
    const auto known = prepared_.find(text);
    std::string name = known != prepared_.end() ? known->second : preparing[text];
    if (name.empty()) {
      name = preparing[text] = "voip_" + std::to_string(++named_);
      if (PQsendPrepare(connection_, name.c_str(), text.c_str(), 0, nullptr) != 1) return false;
      steps.push_back(PipelineStep{index, std::move(text), name});
    }
    const ParamArrays arrays(statements[i].params);
    if (PQsendQueryPrepared(connection_, name.c_str(), arrays.count(), arrays.values.data(), arrays.lengths.data(),
                            arrays.formats.data(), 0) != 1) {
      return false;
    }
    steps.push_back(PipelineStep{index, {}, std::move(name)});
  }
  return true;
}

void PgConnection::ReadPipeline(const std::vector<PipelineStep>& steps, std::chrono::steady_clock::time_point start,
                                std::vector<PgResult>& results) {
  std::vector<bool> refused(results.size(), false);  // its Prepare failed: that failure is its result
  for (const PipelineStep& step : steps) {
    PGresult* raw = PQgetResult(connection_);
    if (raw == nullptr) {
      poisoned_ = true;  // the connection went away mid-pipeline
      return;
    }
    while (PGresult* extra = PQgetResult(connection_)) PQclear(extra);  // up to the step's end (NULL)
    PgResult result(raw);
    const auto at = static_cast<std::size_t>(step.statement);
    if (!step.text.empty()) {
      if (result.ok()) {
        prepared_.emplace(step.text, step.name);
      } else {
        refused[at] = true;
        results[at] = std::move(result);
      }
      continue;
    }
    const bool skipped = PQresultStatus(raw) == PGRES_PIPELINE_ABORTED;
    if (!skipped) CountStatement(start, !result.ok());
    if (!refused[at]) results[at] = std::move(result);
  }
  PGresult* sync = PQgetResult(connection_);
  if (sync == nullptr || PQresultStatus(sync) != PGRES_PIPELINE_SYNC) poisoned_ = true;
  PQclear(sync);
  if (PQexitPipelineMode(connection_) != 1) poisoned_ = true;
}

void PgConnection::CountStatement(std::chrono::steady_clock::time_point start, bool failed) {
  if (stats_ == nullptr) return;
  stats_->statements.Observe(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start));
  if (failed) stats_->errors.fetch_add(1, std::memory_order_relaxed);
}

void PgConnection::CountRoundTrips(int count) {
  if (stats_ != nullptr) stats_->round_trips.fetch_add(static_cast<std::uint64_t>(count), std::memory_order_relaxed);
}

PgResult PgConnection::ExecScript(const std::string& sql) {
  PgResult result(PQexec(connection_, sql.c_str()));
  CountRoundTrips(1);
  if (stats_ != nullptr && !result.ok()) stats_->errors.fetch_add(1, std::memory_order_relaxed);
  return result;
}

bool PgConnection::broken() const { return poisoned_ || PQstatus(connection_) != CONNECTION_OK; }

bool PgConnection::idle() const { return PQtransactionStatus(connection_) == PQTRANS_IDLE; }

std::optional<bool> UriHasPassword(const std::string& uri, std::string* error) {
  char* message = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(uri.c_str(), &message);
  if (parsed == nullptr) {
    *error = OneLine(message);
    if (message != nullptr) PQfreemem(message);
    return std::nullopt;
  }
  bool has_password = false;
  for (PQconninfoOption* option = parsed; option->keyword != nullptr; ++option) {
    if (std::string_view(option->keyword) == "password" && option->val != nullptr && *option->val != '\0') {
      has_password = true;
    }
  }
  PQconninfoFree(parsed);
  return has_password;
}

bool IsPostgresUri(std::string_view database) {
  return database.rfind("postgresql://", 0) == 0 || database.rfind("postgres://", 0) == 0;
}

}  // namespace voip::store
