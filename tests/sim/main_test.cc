// The voip-migration-sim binary: flags, the start-up line, and SIGTERM.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace {

// The binary sits in the build directory, one level above the test binaries.
std::string SimBinary() {
  char self[4096];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) return "";
  std::string path(self, static_cast<std::size_t>(n));
  path = path.substr(0, path.rfind('/'));
  return path.substr(0, path.rfind('/')) + "/voip-migration-sim";
}

struct ProcessRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

ProcessRun RunToEnd(const std::string& args) {
  ProcessRun run;
  FILE* pipe = ::popen((SimBinary() + " " + args + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[512];
  while (std::fgets(buffer, sizeof(buffer), pipe) != nullptr) run.output += buffer;
  const int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

class simBinary : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access(SimBinary().c_str(), X_OK) != 0) GTEST_SKIP() << "no " << SimBinary();
  }
};

// A bad flag value stops start-up with a non-zero exit and a message naming the flag.
TEST_F(simBinary, BadValueNamesTheFlag) {
  const ProcessRun run = RunToEnd("--threads zero");
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.output.find("--threads"), std::string::npos) << run.output;
  EXPECT_EQ(run.output.find("listening"), std::string::npos) << run.output;
}

// A negative --latency-ms stops start-up with a non-zero exit and a message naming the flag.
TEST_F(simBinary, NegativeLatencyNamesTheFlag) {
  const ProcessRun run = RunToEnd("--latency-ms -5");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.output.find("--latency-ms: expected milliseconds"), std::string::npos) << run.output;
  EXPECT_EQ(run.output.find("listening"), std::string::npos) << run.output;
}

// --help prints the usage and exits 0.
TEST_F(simBinary, HelpExitsZero) {
  const ProcessRun run = RunToEnd("--help");
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_NE(run.output.find("--slow-ms"), std::string::npos) << run.output;
}

// --version prints "voip-migration-sim VERSION", the commit and the gSOAP version, and exits 0.
TEST_F(simBinary, VersionPrintsVersionCommitAndGsoap) {
  const ProcessRun run = RunToEnd("--version");
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_TRUE(std::regex_match(run.output, std::regex(std::string("voip-migration-sim ") + VOIP_PROJECT_VERSION +
                                                      "\ncommit ([0-9a-f]{12}(-dirty)?|unknown)\n"
                                                      "gSOAP 2\\.8\\.[0-9]+\n")))
      << run.output;
}

// A running simulator process, its port (0 when its start-up line was not the documented one)
// and that line.
struct Serving {
  pid_t pid = -1;
  int port = 0;
  std::string line;
};

// Starts the binary with `args` (argv[1]...) and reads its start-up line.
Serving StartServing(std::vector<const char*> args) {
  Serving serving;
  int out[2];
  if (::pipe(out) != 0) return serving;
  args.insert(args.begin(), "voip-migration-sim");
  args.push_back(nullptr);
  const std::string binary = SimBinary();
  serving.pid = ::fork();
  if (serving.pid == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::close(out[0]);
    ::execv(binary.c_str(), const_cast<char* const*>(args.data()));
    ::_exit(127);
  }
  ::close(out[1]);
  char c = 0;
  while (::read(out[0], &c, 1) == 1 && c != '\n') serving.line += c;
  ::close(out[0]);
  const std::string prefix = "voip-migration-sim listening on http://127.0.0.1:";
  if (serving.line.rfind(prefix, 0) == 0) serving.port = std::stoi(serving.line.substr(prefix.size()));
  return serving;
}

// SIGTERM, then the exit code (-1 when it did not exit normally).
int Terminate(const Serving& serving) {
  if (serving.pid <= 0) return -1;
  ::kill(serving.pid, SIGTERM);
  int status = 0;
  if (::waitpid(serving.pid, &status, 0) != serving.pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

// Started on a free port it prints the documented line, serves, and exits 0 on SIGTERM.
TEST_F(simBinary, ServesAndExitsZeroOnSigterm) {
  const Serving serving = StartServing({"--listen", "127.0.0.1:0", "--slow-ms", "100"});
  ASSERT_GT(serving.pid, 0);
  EXPECT_NE(serving.port, 0) << serving.line;
  EXPECT_NE(serving.line.find(" (work order: /workorder, MIDAS: /midas)"), std::string::npos) << serving.line;
  httplib::Client client("127.0.0.1", serving.port);
  httplib::Result result = client.Get("/__sim/received");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(Terminate(serving), 0);
}

// --require-wsse naming a secret without a user:password line stops start-up naming the flag.
TEST_F(simBinary, RequireWsseNeedsUserPasswordLines) {
  ::setenv("VOIP_SIM_TEST_WSSE_USERS", "no-colon-here", 1);
  const ProcessRun run = RunToEnd("--require-wsse env:VOIP_SIM_TEST_WSSE_USERS");
  ::unsetenv("VOIP_SIM_TEST_WSSE_USERS");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.output.find("--require-wsse: names a secret whose lines must be user:password"), std::string::npos)
      << run.output;
  EXPECT_EQ(run.output.find("listening"), std::string::npos) << run.output;
}

// With --require-wsse, a call without a UsernameToken gets a wsse:FailedAuthentication fault and is
// not recorded; the refusal is counted in /__sim/received.
TEST_F(simBinary, RequireWsseRefusesACallWithoutToken) {
  ::setenv("VOIP_SIM_TEST_WSSE_USERS", "spm-adapter:s3cret\n", 1);
  const Serving serving = StartServing({"--listen", "127.0.0.1:0", "--require-wsse", "env:VOIP_SIM_TEST_WSSE_USERS"});
  ::unsetenv("VOIP_SIM_TEST_WSSE_USERS");
  ASSERT_GT(serving.pid, 0);
  ASSERT_NE(serving.port, 0) << serving.line;
  httplib::Client client("127.0.0.1", serving.port);
  client.set_read_timeout(5, 0);
  const httplib::Result refused = client.Post(
      "/workorder", R"(<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body/></s:Envelope>)",
      "text/xml; charset=utf-8");
  const httplib::Result received = client.Get("/__sim/received");
  const int exit_code = Terminate(serving);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 500);
  EXPECT_NE(refused->body.find("<faultcode>wsse:FailedAuthentication</faultcode>"), std::string::npos) << refused->body;
  EXPECT_NE(refused->body.find("A WS-Security UsernameToken is required"), std::string::npos) << refused->body;
  ASSERT_TRUE(received);
  EXPECT_NE(received->body.find(R"("refusedTokens":1)"), std::string::npos) << received->body;
  EXPECT_NE(received->body.find(R"("workOrders":[])"), std::string::npos) << received->body;
  EXPECT_EQ(exit_code, 0);
}

}  // namespace
