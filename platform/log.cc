#include "platform/log.h"

#include <chrono>
#include <cstdio>
#include <ctime>

#include "platform/text.h"

namespace voip {

std::optional<LogLevel> ParseLogLevel(std::string_view name) {
  if (name == "debug") return LogLevel::kDebug;
  if (name == "info") return LogLevel::kInfo;
  if (name == "warn") return LogLevel::kWarn;
  if (name == "error") return LogLevel::kError;
  return std::nullopt;
}

std::string Mask(std::string_view value) {
  constexpr std::size_t kKept = 3;
  if (value.size() <= kKept + 1) return std::string(value.size(), '*');
  return std::string(value.size() - kKept, '*') + std::string(value.substr(value.size() - kKept));
}

namespace {

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "info";
}

std::string NowIso8601() { return UtcTimestamp(std::chrono::system_clock::now()); }

// Replacement of invalid UTF-8 keeps a hostile value from throwing here.
std::string Dump(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view text) {
  // Printable ASCII other than '"' and '\\' is written as it is (nearly every
  // value); anything else takes nlohmann::json's escaping.
  for (const char c : text) {
    if (c < 0x20 || c > 0x7E || c == '"' || c == '\\') {
      out += Dump(nlohmann::json(std::string(text)));
      return;
    }
  }
  out += '"';
  out += text;
  out += '"';
}

void LogFields::Key(std::string_view key) {
  text_ += ',';
  AppendJsonString(text_, key);
  text_ += ':';
}

LogFields& LogFields::Add(std::string_view key, std::string_view value) {
  Key(key);
  AppendJsonString(text_, value);
  return *this;
}

LogFields& LogFields::Add(std::string_view key, std::int64_t value) {
  Key(key);
  text_ += std::to_string(value);
  return *this;
}

LogFields& LogFields::Add(std::string_view key, bool value) {
  Key(key);
  text_ += value ? "true" : "false";
  return *this;
}

LogFields& LogFields::Add(std::string_view key, const std::vector<std::string>& values) {
  Key(key);
  text_ += '[';
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) text_ += ',';
    AppendJsonString(text_, values[i]);
  }
  text_ += ']';
  return *this;
}

LogFields& LogFields::Add(std::string_view key, const nlohmann::json& value) {
  Key(key);
  text_ += Dump(value);
  return *this;
}

LogFields& LogFields::AddMillis(std::string_view key, std::chrono::microseconds value) {
  Key(key);
  const long long us = value.count();
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%s%lld.%03lld", us < 0 ? "-" : "", (us < 0 ? -us : us) / 1000,
                (us < 0 ? -us : us) % 1000);
  text_ += buffer;
  return *this;
}

void Logger::Log(LogLevel level, std::string_view event, std::string_view message, nlohmann::json fields) {
  if (!Enabled(level)) return;
  LogFields line;
  for (const auto& [key, value] : fields.items()) line.Add(key, value);
  Log(level, event, message, line);
}

void Logger::Log(LogLevel level, std::string_view event, std::string_view message, const LogFields& fields) {
  if (!Enabled(level)) return;
  std::string text = "{\"time\":\"";
  text.reserve(96 + event.size() + message.size() + service_.size() + fields.text().size());
  text += NowIso8601();
  text += "\",\"level\":\"";
  text += LevelName(level);
  text += "\",\"event\":";
  AppendJsonString(text, event);
  text += ",\"message\":";
  AppendJsonString(text, message);
  text += ",\"service\":";
  AppendJsonString(text, service_);
  text += fields.text();
  text += "}\n";
  std::lock_guard<std::mutex> lock(mutex_);
  out_.write(text.data(), static_cast<std::streamsize>(text.size()));
  out_.flush();
}

}  // namespace voip
