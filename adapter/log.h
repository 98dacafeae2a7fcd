// Structured logs: one JSON object per line. Values that identify a customer
// (telephone and account numbers) must go through Mask() before they reach a
// logger; JSON encoding escapes CR/LF and other control characters.
#pragma once

#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace voip {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

// Parses "debug" | "info" | "warn" | "error".
std::optional<LogLevel> ParseLogLevel(std::string_view name);

// Keeps the last 3 characters of a personal identifier and masks the rest
// ("447874384949" -> "*********949"); values of 4 characters or fewer are
// masked entirely.
std::string Mask(std::string_view value);

class Logger {
 public:
  // `out` must outlive the logger. Thread-safe: lines are never interleaved.
  Logger(std::ostream& out, LogLevel min_level) : out_(out), min_level_(min_level) {}

  bool Enabled(LogLevel level) const { return level >= min_level_; }
  // Writes {"time":..., "level":..., "event": event, ...fields}.
  void Log(LogLevel level, std::string_view event, nlohmann::json fields = nlohmann::json::object());

 private:
  std::mutex mutex_;
  std::ostream& out_;
  LogLevel min_level_;
};

}  // namespace voip
