// The voip-migration-sim binary: flags, the start-up line, and SIGTERM.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>

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

// Started on a free port it prints the documented line, serves, and exits 0 on SIGTERM.
TEST_F(simBinary, ServesAndExitsZeroOnSigterm) {
  int out[2];
  ASSERT_EQ(::pipe(out), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::close(out[0]);
    ::execl(SimBinary().c_str(), "voip-migration-sim", "--listen", "127.0.0.1:0", "--slow-ms",
            "100", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  std::string line;
  char c = 0;
  while (::read(out[0], &c, 1) == 1 && c != '\n') line += c;
  ::close(out[0]);

  const std::string prefix = "voip-migration-sim listening on http://127.0.0.1:";
  ASSERT_EQ(line.rfind(prefix, 0), 0u) << line;
  const int port = std::stoi(line.substr(prefix.size()));
  EXPECT_NE(line.find(" (work order: /workorder, MIDAS: /midas)"), std::string::npos) << line;
  httplib::Client client("127.0.0.1", port);
  httplib::Result result = client.Get("/__sim/received");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);

  ::kill(pid, SIGTERM);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
