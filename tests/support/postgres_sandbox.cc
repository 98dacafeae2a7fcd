#include "tests/support/postgres_sandbox.h"

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>

namespace voip::testing {
namespace {

struct State {
  std::mutex mutex;
  std::string script;
  std::string parent;  // mkdtemp, traversable by the postgres user
  std::optional<PostgresServer> server;
  std::string failure;  // why it could not start (then it is not tried again)
};

State& Shared() {
  static State state;
  return state;
}

std::string Quoted(const std::string& text) { return "'" + text + "'"; }

}  // namespace

PostgresSandboxEnvironment::PostgresSandboxEnvironment(std::string script) { Shared().script = std::move(script); }

bool PostgresSandboxEnvironment::Script(const std::string& verb, std::string* output) {
  State& state = Shared();
  const std::string command =
      "/usr/bin/python3 " + Quoted(state.script) + " " + verb + " " + Quoted(state.parent + "/pg") + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return false;
  std::array<char, 4096> buffer{};
  std::string text;
  while (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) text += buffer.data();
  const int status = ::pclose(pipe);
  if (output != nullptr) *output = text;
  return status == 0;
}

std::optional<PostgresServer> PostgresSandboxEnvironment::Get(std::string* error) {
  State& state = Shared();
  std::lock_guard<std::mutex> lock(state.mutex);
  if (state.server) return state.server;
  if (!state.failure.empty()) {
    *error = state.failure;
    return std::nullopt;
  }
  std::string pattern = "/tmp/voip-pg-test-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr || ::chmod(pattern.c_str(), 0711) != 0) {
    state.failure = "cannot make a directory for the PostgreSQL sandbox";
    *error = state.failure;
    return std::nullopt;
  }
  state.parent = pattern;
  std::string output;
  if (!Script("start", &output)) {
    state.failure = "the PostgreSQL sandbox did not start: " + output;
    *error = state.failure;
    return std::nullopt;
  }
  PostgresServer server;
  server.uri = output.substr(0, output.find('\n'));
  server.password_file = state.parent + "/pg/password";
  std::ifstream file(server.password_file);
  std::getline(file, server.password);
  state.server = server;
  return state.server;
}

bool PostgresSandboxEnvironment::Halt() { return Script("halt", nullptr); }

bool PostgresSandboxEnvironment::Resume() { return Script("resume", nullptr); }

void PostgresSandboxEnvironment::TearDown() {
  State& state = Shared();
  std::lock_guard<std::mutex> lock(state.mutex);
  if (state.parent.empty()) return;
  std::string output;
  if (!Script("stop", &output)) ADD_FAILURE() << "stopping the PostgreSQL sandbox: " << output;
  ::rmdir(state.parent.c_str());
  state.server.reset();
  state.parent.clear();
}

}  // namespace voip::testing
