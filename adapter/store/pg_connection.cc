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
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
  for (const PgParam& param : params) {
    values.push_back(param.value ? param.value->data() : nullptr);
    lengths.push_back(param.value ? static_cast<int>(param.value->size()) : 0);
    formats.push_back(param.binary ? 1 : 0);
  }
  const std::string text(sql);
  const auto start = std::chrono::steady_clock::now();
  PgResult result(PQexecParams(connection_, text.c_str(), static_cast<int>(params.size()), nullptr, values.data(),
                               lengths.data(), formats.data(), 0));
  if (stats_ != nullptr) {
    stats_->statements.Observe(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start));
    if (!result.ok()) stats_->errors.fetch_add(1, std::memory_order_relaxed);
  }
  return result;
}

PgResult PgConnection::ExecScript(const std::string& sql) {
  PgResult result(PQexec(connection_, sql.c_str()));
  if (stats_ != nullptr && !result.ok()) stats_->errors.fetch_add(1, std::memory_order_relaxed);
  return result;
}

bool PgConnection::broken() const { return PQstatus(connection_) != CONNECTION_OK; }

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
