// The voip-migration-adapter binary: the `start` log line never shows a secret.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <regex>
#include <string>
#include <utility>

namespace {

// The binary sits in the build directory, one level above the test binaries.
std::string AdapterBinary() {
  char self[4096];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) return "";
  std::string path(self, static_cast<std::size_t>(n));
  path = path.substr(0, path.rfind('/'));
  return path.substr(0, path.rfind('/')) + "/voip-migration-adapter";
}

// Runs the adapter for one second (then SIGTERM), returning stdout and stderr.
std::string RunForASecond(const std::string& args) {
  std::string output;
  FILE* pipe =
      ::popen(("timeout -s TERM 1 " + AdapterBinary() + " --drain-ready-grace-s 0 " + args + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return output;
  char buffer[1024];
  while (std::fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
  ::pclose(pipe);
  return output;
}

// Runs the adapter to its end, returning its exit status and stdout.
std::pair<int, std::string> RunToEnd(const std::string& args) {
  std::string output;
  FILE* pipe = ::popen((AdapterBinary() + " " + args + " 2>/dev/null").c_str(), "r");
  if (pipe == nullptr) return {-1, output};
  char buffer[1024];
  while (std::fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
  const int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

// --version prints "voip-migration-adapter VERSION", the commit and the gSOAP version on stdout, and exits 0.
TEST(AdapterBinaryTest, VersionPrintsVersionCommitAndGsoap) {
  if (::access(AdapterBinary().c_str(), X_OK) != 0) GTEST_SKIP() << "no " << AdapterBinary();
  const auto [status, output] = RunToEnd("--version");
  EXPECT_EQ(status, 0);
  EXPECT_TRUE(std::regex_match(output, std::regex(std::string("voip-migration-adapter ") + VOIP_PROJECT_VERSION +
                                                  "\ncommit ([0-9a-f]{12}(-dirty)?|unknown)\n"
                                                  "gSOAP 2\\.8\\.[0-9]+\n")))
      << output;
}

// With API keys and a backend password from the environment, the start line shows neither.
TEST(AdapterBinaryTest, StartLineShowsNoSecret) {
  if (::access(AdapterBinary().c_str(), X_OK) != 0) GTEST_SKIP() << "no " << AdapterBinary();
  ::setenv("VOIP_MAIN_TEST_KEYS", "canary-key-one\ncanary-key-two", 1);
  ::setenv("VOIP_MAIN_TEST_PASSWORD", "canary-password", 1);
  const std::string output = RunForASecond(
      "--simulate --listen 127.0.0.1:0 --auth api-key --api-keys env:VOIP_MAIN_TEST_KEYS "
      "--workorder-username spm --workorder-password env:VOIP_MAIN_TEST_PASSWORD");
  ::unsetenv("VOIP_MAIN_TEST_KEYS");
  ::unsetenv("VOIP_MAIN_TEST_PASSWORD");
  EXPECT_NE(output.find(R"("basicAuthUser":"spm")"), std::string::npos) << output;
  EXPECT_EQ(output.find("canary-password"), std::string::npos) << output;
  EXPECT_NE(output.find(R"("event":"start")"), std::string::npos) << output;
  EXPECT_NE(output.find(R"("auth":"api-key")"), std::string::npos) << output;
  EXPECT_NE(output.find(R"("apiKeys":2)"), std::string::npos) << output;
  EXPECT_EQ(output.find("canary-key"), std::string::npos) << output;
}

// Without auth and with real backends, start-up stops and says what to configure.
TEST(AdapterBinaryTest, RefusesToStartWithoutAuthSetting) {
  if (::access(AdapterBinary().c_str(), X_OK) != 0) GTEST_SKIP() << "no " << AdapterBinary();
  const std::string output =
      RunForASecond("--listen 127.0.0.1:0 --workorder-url http://127.0.0.1:1/w --midas-url http://127.0.0.1:1/m");
  EXPECT_NE(output.find("auth is required"), std::string::npos) << output;
  EXPECT_EQ(output.find("listening"), std::string::npos) << output;
}

}  // namespace
