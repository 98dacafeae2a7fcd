// Structured logs: one JSON object per line. Values that identify a customer
// (telephone and account numbers) must go through Mask() before they reach a
// logger; JSON encoding escapes CR/LF and other control characters.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace voip {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

// Parses "debug" | "info" | "warn" | "error".
std::optional<LogLevel> ParseLogLevel(std::string_view name);

// Keeps the last 3 characters of a personal identifier and masks the rest
// ("447874384949" -> "*********949"); values of 4 characters or fewer are
// masked entirely.
std::string Mask(std::string_view value);

// The fields of one log line, written as JSON text as they are added: no
// intermediate JSON objects, for the line every request writes (measured in
// docs/performance.md). Strings are escaped exactly as nlohmann::json dumps
// them (control characters, CR and LF included; invalid UTF-8 replaced by
// U+FFFD). Fields appear in the order they were added; a key must not be
// added twice, nor be "time", "level", "event", "message" or "service".
class LogFields {
 public:
  LogFields& Add(std::string_view key, std::string_view value);
  LogFields& Add(std::string_view key, const std::string& value) { return Add(key, std::string_view(value)); }
  LogFields& Add(std::string_view key, const char* value) { return Add(key, std::string_view(value)); }
  LogFields& Add(std::string_view key, std::int64_t value);
  LogFields& Add(std::string_view key, int value) { return Add(key, std::int64_t{value}); }
  LogFields& Add(std::string_view key, bool value);
  LogFields& Add(std::string_view key, const std::vector<std::string>& values);  // an array of strings
  LogFields& Add(std::string_view key, const nlohmann::json& value);
  // A duration as milliseconds with three decimals (microsecond precision).
  LogFields& AddMillis(std::string_view key, std::chrono::microseconds value);

  // ,"key":value,... (empty when no field was added).
  const std::string& text() const { return text_; }

 private:
  void Key(std::string_view key);
  std::string text_;
};

// Appends `text` as a JSON string (quoted and escaped as LogFields does).
void AppendJsonString(std::string& out, std::string_view text);

// The `service` of the adapter's log lines.
inline constexpr const char* kServiceName = "voip-migration-adapter";

class Logger {
 public:
  // `out` must outlive the logger; every line names `service`. Thread-safe:
  // lines are never interleaved.
  Logger(std::ostream& out, LogLevel min_level, std::string service = kServiceName)
      : out_(out), min_level_(min_level), service_(std::move(service)) {}

  bool Enabled(LogLevel level) const { return level >= min_level_; }
  // Writes {"time":..., "level":..., "event": event, "message": message,
  // "service":..., ...fields}, the fields in `fields`' order (alphabetical for
  // a JSON object). `event` is the machine-readable name operators filter on;
  // `message` one short human sentence saying what happened (never a whole
  // telephone or account number, nor a secret).
  void Log(LogLevel level, std::string_view event, std::string_view message,
           nlohmann::json fields = nlohmann::json::object());
  void Log(LogLevel level, std::string_view event, std::string_view message, const LogFields& fields);

 private:
  std::mutex mutex_;
  std::ostream& out_;
  LogLevel min_level_;
  std::string service_;
};

}  // namespace voip
