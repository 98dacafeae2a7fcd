// The voip-migration-adapter binary: --version, --check-config, and the `start` log line (never a secret).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
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

// Runs the adapter to its end with `environment` (NAME=value ...) before it: its exit status, stdout and stderr.
struct Finished {
  int status = -1;
  std::string out;
  std::string err;
};
Finished RunWith(const std::string& environment, const std::string& args) {
  // Per process: CTest runs this binary's tests in parallel processes, which shared one file before.
  const std::string err_path = ::testing::TempDir() + "/main_test_stderr." + std::to_string(::getpid());
  Finished finished;
  FILE* pipe = ::popen(("env " + environment + " " + AdapterBinary() + " " + args + " 2>" + err_path).c_str(), "r");
  if (pipe == nullptr) return finished;
  char buffer[1024];
  while (std::fgets(buffer, sizeof(buffer), pipe) != nullptr) finished.out += buffer;
  const int status = ::pclose(pipe);
  finished.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream err(err_path);
  finished.err.assign(std::istreambuf_iterator<char>(err), std::istreambuf_iterator<char>());
  std::remove(err_path.c_str());
  return finished;
}

// A listening loopback socket no one accepts on: a port in use, and a backend that records whether it was called.
class IdleListener {
 public:
  IdleListener() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), length) != 0 || ::listen(fd_, 8) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      ADD_FAILURE() << "cannot listen";
    }
    port_ = ntohs(address.sin_port);
  }
  ~IdleListener() { ::close(fd_); }
  int port() const { return port_; }
  // Whether a connection is waiting (non-blocking accept).
  bool Called() const {
    const int connection = ::accept(fd_, nullptr, nullptr);
    if (connection >= 0) ::close(connection);
    return connection >= 0;
  }

 private:
  int fd_;
  int port_ = 0;
};

// --check-config prints the whole effective configuration as JSON, with where each setting came from, and exits 0.
TEST(AdapterBinaryTest, CheckConfigPrintsEffectiveConfig) {
  if (::access(AdapterBinary().c_str(), X_OK) != 0) GTEST_SKIP() << "no " << AdapterBinary();
  const Finished run = RunWith("VOIP_ADAPTER_THREADS=3 VOIP_CHECK_TEST_KEYS=canary-key",
                               "--check-config --simulate --auth api-key --api-keys env:VOIP_CHECK_TEST_KEYS");
  EXPECT_EQ(run.status, 0) << run.err;
  const nlohmann::json shown = nlohmann::json::parse(run.out, nullptr, false);
  ASSERT_TRUE(shown.is_object()) << run.out;
  EXPECT_EQ(shown["config"]["threads"], 3);
  EXPECT_EQ(shown["config"]["api-keys"], "set");
  EXPECT_EQ(shown["config"]["listen"], "127.0.0.1:8080");
  EXPECT_EQ(shown["sources"]["threads"], "environment");
  EXPECT_EQ(shown["sources"]["auth"], "flag");
  EXPECT_EQ(run.out.find("canary"), std::string::npos);
  EXPECT_EQ(run.err, "");
}

// --check-config opens no database, binds no port and calls no backend: the listen port is taken, the
// backends' port sees no connection, and the database file is not created.
TEST(AdapterBinaryTest, CheckConfigTouchesNothing) {
  if (::access(AdapterBinary().c_str(), X_OK) != 0) GTEST_SKIP() << "no " << AdapterBinary();
  const IdleListener busy;
  const std::string url = "http://127.0.0.1:" + std::to_string(busy.port());
  const std::string database = ::testing::TempDir() + "/check_config_never.db";
  std::remove(database.c_str());
  const Finished run =
      RunWith("", "--check-config --auth none --listen 127.0.0.1:" + std::to_string(busy.port()) + " --workorder-url " +
                      url + "/w --midas-url " + url + "/m --database " + database);
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.out.find("\"workorder-url\": \"" + url + "/w\""), std::string::npos) << run.out;
  EXPECT_FALSE(busy.Called());
  EXPECT_NE(::access(database.c_str(), F_OK), 0) << database << " was created";
}

// --check-config lists every problem, one a line on stderr, prints nothing on stdout, and exits 2.
TEST(AdapterBinaryTest, CheckConfigListsEveryProblem) {
  if (::access(AdapterBinary().c_str(), X_OK) != 0) GTEST_SKIP() << "no " << AdapterBinary();
  const Finished run = RunWith("VOIP_ADAPTER_TREADS=4", "--check-config --threads 0 --midas-url ftp://m");
  EXPECT_EQ(run.status, 2);
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(run.err,
            "voip-migration-adapter: unknown environment variable VOIP_ADAPTER_TREADS: no setting is named 'treads' "
            "(see --help; a secret's variable needs another name, or env: naming it)\n"
            "voip-migration-adapter: --threads must be an integer from 1 to 4096, got '0'\n"
            "voip-migration-adapter: --midas-url must be an http:// or https:// URL, got 'ftp://m'\n"
            "voip-migration-adapter: workorder-url is required (or use --simulate)\n"
            "voip-migration-adapter: auth is required: api-key (with api-key-sha256 or api-keys) or none\n");
}

// A PostgreSQL URI holding a password is refused by --check-config, without connecting.
TEST(AdapterBinaryTest, CheckConfigRefusesPasswordInDatabaseUri) {
  if (::access(AdapterBinary().c_str(), X_OK) != 0) GTEST_SKIP() << "no " << AdapterBinary();
  const Finished run = RunWith("", "--check-config --simulate --database postgresql://u:pw@127.0.0.1:1/d");
  EXPECT_EQ(run.status, 2);
  EXPECT_EQ(run.out, "");
  EXPECT_EQ(run.err,
            "voip-migration-adapter: database: the URI holds a password; give it with database-password instead\n");
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
  EXPECT_NE(output.find(R"("workorder-username":"spm")"), std::string::npos) << output;
  EXPECT_NE(output.find(R"("workorder-password":"set")"), std::string::npos) << output;
  EXPECT_EQ(output.find("canary-password"), std::string::npos) << output;
  EXPECT_NE(output.find(R"("event":"start")"), std::string::npos) << output;
  EXPECT_NE(output.find(R"("auth":"api-key")"), std::string::npos) << output;
  EXPECT_NE(output.find(R"("api-keys":"set")"), std::string::npos) << output;
  EXPECT_EQ(output.find("canary-key"), std::string::npos) << output;
}

// With startup-banner = log, stdout and stderr hold nothing but JSON lines, each with a message and the
// service, the banner among them as one line.
TEST(AdapterBinaryTest, BannerInTheLogLeavesOnlyJson) {
  if (::access(AdapterBinary().c_str(), X_OK) != 0) GTEST_SKIP() << "no " << AdapterBinary();
  const std::string output = RunForASecond("--simulate --listen 127.0.0.1:0 --startup-banner log");
  std::istringstream lines(output);
  std::string line;
  int banners = 0;
  int count = 0;
  while (std::getline(lines, line)) {
    ++count;
    const nlohmann::json parsed = nlohmann::json::parse(line, nullptr, false);
    ASSERT_TRUE(parsed.is_object()) << line;
    EXPECT_TRUE(parsed["message"].is_string() && !parsed["message"].get<std::string>().empty()) << line;
    EXPECT_EQ(parsed["service"], "voip-migration-adapter") << line;
    if (parsed["event"] == "banner") {
      ++banners;
      EXPECT_EQ(parsed["url"].get<std::string>().rfind("http://127.0.0.1:", 0), 0u) << line;
      EXPECT_EQ(parsed["authenticationOff"], true) << line;
    }
  }
  EXPECT_GE(count, 4) << output;  // outbox_recovered, start, banner, stop
  EXPECT_EQ(banners, 1) << output;
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
