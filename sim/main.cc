// voip-migration-sim: the work-order system and MIDAS simulators as their own
// process. See docs/simulators.md for the triggers.
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "platform/build_info.h"
#include "platform/secret.h"
#include "platform/setting_table.h"
#include "sim/simulators.h"

namespace {

constexpr int kDefaultPort = 8081;

struct ParsedArgs {
  voip::sim::SimOptions options;
  bool help = false;
  bool version = false;
  std::string error;  // non-empty: start-up must stop, naming the flag
};

// HOST:PORT, with an IPv6 host in brackets: [::1]:8081.
bool ParseListen(const std::string& text, voip::sim::SimOptions* options) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  std::string host = text.substr(0, colon);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return false;
    host = host.substr(1, host.size() - 2);
  }
  const std::optional<long> port = voip::ParseIntegerIn(text.substr(colon + 1), 0, 65535);
  if (!port) return false;
  options->host = host;
  options->port = static_cast<int>(*port);
  return true;
}

// The users of --require-wsse: a secret holding "user:password" lines.
voip::SettingProblem ParseWsseUsers(const std::string& reference, voip::sim::SimOptions* options) {
  auto users = voip::SoapUsersFromSecret(reference);
  if (auto* problem = std::get_if<std::string>(&users)) return *problem;
  options->wsse_users = std::move(std::get<std::vector<voip::SoapUser>>(users));
  return std::nullopt;
}

// An integer flag in [min, max] into `field`; `expected` says what it is in the error.
std::function<voip::SettingProblem(ParsedArgs&, const std::string&)> IntFlag(long min, long max,
                                                                             int voip::sim::SimOptions::*field,
                                                                             const std::string& expected) {
  return [=](ParsedArgs& parsed, const std::string& value) -> voip::SettingProblem {
    const std::optional<long> number = voip::ParseIntegerIn(value, min, max);
    if (!number)
      return "expected " + expected + " " + std::to_string(min) + "-" + std::to_string(max) + ", got '" + value + "'";
    parsed.options.*field = static_cast<int>(*number);
    return std::nullopt;
  };
}

// The simulators' flags, in --help order.
const voip::SettingTable<ParsedArgs>& SimSettings() {
  using voip::sim::SimOptions;
  static const voip::SettingTable<ParsedArgs> table({
      {"listen", "HOST:PORT", "address to serve on (default 127.0.0.1:8081; port 0 = any free port)",
       [](ParsedArgs& parsed, const std::string& value) -> voip::SettingProblem {
         if (ParseListen(value, &parsed.options)) return std::nullopt;
         return "expected HOST:PORT with PORT 0-65535, got '" + value + "'";
       }},
      {"slow-ms", "N", "how long the slow-answer triggers wait, in ms (default 30000)",
       IntFlag(0, 3600000, &SimOptions::slow_ms, "milliseconds")},
      {"latency-ms", "N", "added before every work-order and MIDAS answer, in ms (default 0)",
       IntFlag(0, 60000, &SimOptions::latency_ms, "milliseconds")},
      {"threads", "N", "HTTP worker threads (default 32)",
       IntFlag(1, 1024, &SimOptions::threads, "a number of threads")},
      {"require-wsse", "env:NAME|file:PATH",
       "both backends refuse any call without a valid WS-Security UsernameToken\n"
       "(PasswordDigest) of a user listed in that secret, one user:password a line",
       [](ParsedArgs& parsed, const std::string& value) { return ParseWsseUsers(value, &parsed.options); }},
      {"help", "", "this text",
       [](ParsedArgs& parsed, const std::string&) -> voip::SettingProblem {
         parsed.help = true;
         return std::nullopt;
       }},
      {"version", "", "print the version, the git commit and the gSOAP version, then exit",
       [](ParsedArgs& parsed, const std::string&) -> voip::SettingProblem {
         parsed.version = true;
         return std::nullopt;
       }},
  });
  return table;
}

std::string Usage() {
  return "Usage: voip-migration-sim [--listen HOST:PORT] [--slow-ms N] [--latency-ms N] [--threads N]\n"
         "                          [--require-wsse env:NAME|file:PATH] [--version]\n" +
         SimSettings().UsageLines(voip::UsageLayout{20, true}) +
         "Serves POST /workorder, POST /midas, GET|DELETE /__sim/received.\n"
         "Stops on SIGTERM or SIGINT.\n";
}

ParsedArgs ParseArgs(int argc, char** argv) {
  ParsedArgs parsed;
  parsed.options.port = kDefaultPort;
  std::vector<std::string> args(argv + 1, argv + argc);
  for (std::string& arg : args) {
    if (arg.substr(0, arg.find('=')) == "-h") arg = "--help";  // the short form of --help
  }
  const voip::FlagWording wording{[](const voip::FlagArgument& argument) { return "unknown flag " + argument.flag; },
                                  [](const std::string& flag, const std::string&) { return flag + " needs a value"; },
                                  ": "};
  if (auto problem = SimSettings().ParseFlags(args, parsed, wording)) parsed.error = *problem;
  return parsed;
}

std::string DisplayHost(const std::string& host) {
  return host.find(':') == std::string::npos ? host : "[" + host + "]";
}

}  // namespace

int main(int argc, char** argv) {
  const ParsedArgs parsed = ParseArgs(argc, argv);
  if (!parsed.error.empty()) {
    std::cerr << "voip-migration-sim: " << parsed.error << "\n" << Usage();
    return 2;
  }
  if (parsed.help) {
    std::cout << Usage();
    return 0;
  }
  if (parsed.version) {
    std::cout << voip::VersionText("voip-migration-sim");
    return 0;
  }

  // Block the stop signals in every thread (the server's threads inherit the
  // mask) and collect them synchronously below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  voip::sim::SimStartResult started = voip::sim::Simulators::Start(parsed.options);
  if (const auto* failure = std::get_if<voip::sim::SimStartError>(&started)) {
    std::cerr << "voip-migration-sim: --listen: " << failure->message << "\n";
    return 1;
  }
  const std::unique_ptr<voip::sim::Simulators> simulators =
      std::move(std::get<std::unique_ptr<voip::sim::Simulators>>(started));
  std::cout << "voip-migration-sim listening on http://" << DisplayHost(parsed.options.host) << ":"
            << simulators->port() << " (work order: /workorder, MIDAS: /midas)" << std::endl;

  int received = 0;
  sigwait(&stop_signals, &received);
  simulators->Stop();
  return 0;
}
