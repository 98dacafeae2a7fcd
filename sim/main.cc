// voip-migration-sim: the work-order system and MIDAS simulators as their own
// process. See docs/simulators.md for the triggers.
#include <pthread.h>
#include <signal.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <variant>

#include "adapter/secret.h"
#include "sim/simulators.h"

namespace {

constexpr int kDefaultPort = 8081;

constexpr char kUsage[] =
    "Usage: voip-migration-sim [--listen HOST:PORT] [--slow-ms N] [--latency-ms N] [--threads N]\n"
    "                          [--require-wsse env:NAME|file:PATH]\n"
    "  --listen HOST:PORT  address to serve on (default 127.0.0.1:8081; port 0 = any free port)\n"
    "  --slow-ms N         how long the slow-answer triggers wait, in ms (default 30000)\n"
    "  --latency-ms N      added before every work-order and MIDAS answer, in ms (default 0)\n"
    "  --threads N         HTTP worker threads (default 32)\n"
    "  --require-wsse env:NAME|file:PATH\n"
    "                      both backends refuse any call without a valid WS-Security UsernameToken\n"
    "                      (PasswordDigest) of a user listed in that secret, one user:password a line\n"
    "  --help              this text\n"
    "Serves POST /workorder, POST /midas, GET|DELETE /__sim/received.\n"
    "Stops on SIGTERM or SIGINT.\n";

struct ParsedArgs {
  voip::sim::SimOptions options;
  bool help = false;
  std::string error;  // non-empty: start-up must stop, naming the flag
};

std::optional<long> ParseInteger(const std::string& text, long min, long max) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  const long value = std::strtol(text.c_str(), &end, 10);
  if (errno != 0 || *end != '\0' || value < min || value > max) return std::nullopt;
  return value;
}

// HOST:PORT, with an IPv6 host in brackets: [::1]:8081.
bool ParseListen(const std::string& text, voip::sim::SimOptions* options) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  std::string host = text.substr(0, colon);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']') return false;
    host = host.substr(1, host.size() - 2);
  }
  const std::optional<long> port = ParseInteger(text.substr(colon + 1), 0, 65535);
  if (!port) return false;
  options->host = host;
  options->port = static_cast<int>(*port);
  return true;
}

// The users of --require-wsse: a secret holding "user:password" lines.
std::optional<std::string> ParseWsseUsers(const std::string& reference, voip::sim::SimOptions* options) {
  auto secret = voip::ResolveSecret(reference);
  if (auto* error = std::get_if<voip::SecretError>(&secret)) return error->message;
  std::istringstream lines(std::get<std::string>(secret));
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const std::size_t colon = line.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == line.size()) {
      return "names a secret whose lines must be user:password";
    }
    options->wsse_users.push_back({line.substr(0, colon), line.substr(colon + 1)});
  }
  if (options->wsse_users.empty()) return "names a secret that holds no user:password line";
  return std::nullopt;
}

ParsedArgs ParseArgs(int argc, char** argv) {
  ParsedArgs parsed;
  parsed.options.port = kDefaultPort;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    std::string value;
    bool has_value = false;
    if (const std::size_t eq = flag.find('='); eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
      has_value = true;
    }
    if (flag == "--help" || flag == "-h") {
      parsed.help = true;
      continue;
    }
    if (flag != "--listen" && flag != "--slow-ms" && flag != "--latency-ms" && flag != "--threads" &&
        flag != "--require-wsse") {
      parsed.error = "unknown flag " + flag;
      return parsed;
    }
    if (!has_value) {
      if (i + 1 >= argc) {
        parsed.error = flag + " needs a value";
        return parsed;
      }
      value = argv[++i];
    }
    if (flag == "--listen") {
      if (!ParseListen(value, &parsed.options)) {
        parsed.error = "--listen: expected HOST:PORT with PORT 0-65535, got '" + value + "'";
        return parsed;
      }
    } else if (flag == "--slow-ms") {
      const std::optional<long> ms = ParseInteger(value, 0, 3600000);
      if (!ms) {
        parsed.error = "--slow-ms: expected milliseconds 0-3600000, got '" + value + "'";
        return parsed;
      }
      parsed.options.slow_ms = static_cast<int>(*ms);
    } else if (flag == "--latency-ms") {
      const std::optional<long> ms = ParseInteger(value, 0, 60000);
      if (!ms) {
        parsed.error = "--latency-ms: expected milliseconds 0-60000, got '" + value + "'";
        return parsed;
      }
      parsed.options.latency_ms = static_cast<int>(*ms);
    } else if (flag == "--require-wsse") {
      if (const std::optional<std::string> problem = ParseWsseUsers(value, &parsed.options)) {
        parsed.error = "--require-wsse: " + *problem;
        return parsed;
      }
    } else {
      const std::optional<long> threads = ParseInteger(value, 1, 1024);
      if (!threads) {
        parsed.error = "--threads: expected a number of threads 1-1024, got '" + value + "'";
        return parsed;
      }
      parsed.options.threads = static_cast<int>(*threads);
    }
  }
  return parsed;
}

std::string DisplayHost(const std::string& host) {
  return host.find(':') == std::string::npos ? host : "[" + host + "]";
}

}  // namespace

int main(int argc, char** argv) {
  const ParsedArgs parsed = ParseArgs(argc, argv);
  if (!parsed.error.empty()) {
    std::cerr << "voip-migration-sim: " << parsed.error << "\n" << kUsage;
    return 2;
  }
  if (parsed.help) {
    std::cout << kUsage;
    return 0;
  }

  // Block the stop signals in every thread (the server's threads inherit the
  // mask) and collect them synchronously below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  std::string error;
  std::unique_ptr<voip::sim::Simulators> simulators =
      voip::sim::Simulators::Start(parsed.options, &error);
  if (!simulators) {
    std::cerr << "voip-migration-sim: --listen: " << error << "\n";
    return 1;
  }
  std::cout << "voip-migration-sim listening on http://" << DisplayHost(parsed.options.host)
            << ":" << simulators->port() << " (work order: /workorder, MIDAS: /midas)"
            << std::endl;

  int received = 0;
  sigwait(&stop_signals, &received);
  simulators->Stop();
  return 0;
}
