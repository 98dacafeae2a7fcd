// A program's settings as one table: each entry's name is its command-line
// flag (--name) and, where the program reads a settings file, its key. The
// same table parses the command line and writes the --help lines. Used by the
// adapter (platform/config.cc) and the simulators (sim/main.cc); each words its
// own errors (FlagWording) and lays out its own help (UsageLayout).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace voip {

// What is wrong with a setting's value, worded to follow the setting's name
// ("must be an integer from 1 to 10, got 'x'"); nullopt: the value was taken.
using SettingProblem = std::optional<std::string>;

template <typename Target>
struct Setting {
  std::string name;        // the flag is --name; the file key is name
  std::string value_hint;  // "N", "HOST:PORT"...; empty: a switch, which needs no value
  std::string help;        // for --help; a '\n' starts a continuation line
  std::function<SettingProblem(Target&, const std::string&)> apply;
};

// One command-line argument as read: `--name=value`, `--name`, or not a flag.
struct FlagArgument {
  std::string raw;                   // as given
  std::string flag;                  // the part before '=': "--name" (or whatever was given)
  std::string name;                  // `flag` without its leading "--", when dashed
  std::optional<std::string> value;  // the part after '=', when there is one
  bool dashed = false;               // it starts with "--"
};
FlagArgument ReadFlagArgument(const std::string& arg);

// How a program words its command-line errors.
struct FlagWording {
  std::function<std::string(const FlagArgument&)> unknown;  // not a flag of the table
  // A flag that needs a value came last: "--name" and the setting's value hint.
  std::function<std::string(const std::string& flag, const std::string& hint)> needs_value;
  std::string problem_separator = " ";  // between "--name" and the setting's problem
};

// How --help lays out the table: the flag and its hint, padded to `column`,
// then the help. A flag as long as the column or longer is followed by one
// space, or, with `long_flag_on_own_line`, by a new line indented to the help.
struct UsageLayout {
  std::size_t column = 36;
  bool long_flag_on_own_line = false;
};

template <typename Target>
class SettingTable {
 public:
  explicit SettingTable(std::vector<Setting<Target>> settings) : settings_(std::move(settings)) {}

  // The setting named `name`; null when there is none.
  const Setting<Target>* Find(std::string_view name) const {
    for (const Setting<Target>& setting : settings_) {
      if (setting.name == name) return &setting;
    }
    return nullptr;
  }

  const std::vector<Setting<Target>>& settings() const { return settings_; }

  // Applies `args` (argv without argv[0]) to `target` in order: --name VALUE,
  // --name=VALUE, or a bare --name for a switch (value "true"). A flag named in
  // `skipped` is passed over with its value (the caller reads it itself).
  // Stops at the first error and returns its message, worded by `wording`;
  // what was applied before it stays applied.
  [[nodiscard]] std::optional<std::string> ParseFlags(const std::vector<std::string>& args, Target& target,
                                                      const FlagWording& wording,
                                                      const std::vector<std::string>& skipped = {}) const {
    for (std::size_t i = 0; i < args.size(); ++i) {
      FlagArgument argument = ReadFlagArgument(args[i]);
      if (IsSkipped(argument, skipped)) {
        if (!argument.value) ++i;
        continue;
      }
      const Setting<Target>* setting = argument.dashed ? Find(argument.name) : nullptr;
      if (setting == nullptr) return wording.unknown(argument);
      if (!argument.value) {
        if (setting->value_hint.empty()) {
          argument.value = "true";
        } else if (i + 1 >= args.size()) {
          return wording.needs_value(argument.flag, setting->value_hint);
        } else {
          argument.value = args[++i];
        }
      }
      if (SettingProblem problem = setting->apply(target, *argument.value)) {
        return argument.flag + wording.problem_separator + *problem;
      }
    }
    return std::nullopt;
  }

  // One line per setting (more where its help has continuation lines), in
  // table order, each starting with two spaces and ending with '\n'.
  std::string UsageLines(const UsageLayout& layout = {}) const {
    std::string lines;
    for (const Setting<Target>& setting : settings_) {
      lines += UsageLine(setting.name, setting.value_hint, setting.help, layout);
    }
    return lines;
  }

 private:
  static bool IsSkipped(const FlagArgument& argument, const std::vector<std::string>& skipped) {
    if (!argument.dashed) return false;
    for (const std::string& name : skipped) {
      if (name == argument.name) return true;
    }
    return false;
  }

  std::vector<Setting<Target>> settings_;
};

// A whole decimal integer in [min, max] (strtol's syntax: optional sign, no
// trailing characters); nullopt for anything else.
[[nodiscard]] std::optional<long> ParseIntegerIn(const std::string& text, long min, long max);

// The --help line(s) of one setting (see UsageLayout).
std::string UsageLine(const std::string& name, const std::string& value_hint, const std::string& help,
                      const UsageLayout& layout);

}  // namespace voip
