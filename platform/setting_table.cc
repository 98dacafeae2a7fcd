#include "platform/setting_table.h"

#include <cerrno>
#include <cstdlib>

namespace voip {

std::optional<long> ParseIntegerIn(const std::string& text, long min, long max) {
  if (text.empty()) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  const long value = std::strtol(text.c_str(), &end, 10);
  if (errno != 0 || *end != '\0' || value < min || value > max) return std::nullopt;
  return value;
}

FlagArgument ReadFlagArgument(const std::string& arg) {
  FlagArgument argument;
  argument.raw = arg;
  argument.flag = arg;
  if (const std::size_t eq = arg.find('='); eq != std::string::npos) {
    argument.flag = arg.substr(0, eq);
    argument.value = arg.substr(eq + 1);
  }
  argument.dashed = arg.rfind("--", 0) == 0;
  if (argument.dashed) argument.name = argument.flag.substr(2);
  return argument;
}

std::string UsageLine(const std::string& name, const std::string& value_hint, const std::string& help,
                      const UsageLayout& layout) {
  const std::string indent(2 + layout.column, ' ');
  const std::string flag = "--" + name + (value_hint.empty() ? "" : " " + value_hint);
  std::string line = "  " + flag;
  if (flag.size() < layout.column) {
    line += std::string(layout.column - flag.size(), ' ');
  } else if (layout.long_flag_on_own_line) {
    line += "\n" + indent;
  } else {
    line += ' ';
  }
  for (const char c : help) {
    line += c;
    if (c == '\n') line += indent;
  }
  return line + "\n";
}

}  // namespace voip
