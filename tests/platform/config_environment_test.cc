// Settings from the environment (VOIP_ADAPTER_<NAME>), the one precedence
// (flags over environment over file over defaults) and every problem listed.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "platform/config.h"

namespace voip {
namespace {

const std::vector<std::string> kSimulate = {"--simulate"};

Config Ok(const std::vector<std::string>& args, const Environment& environment) {
  ConfigResult result = ParseConfig(args, true, environment);
  if (auto* error = std::get_if<ConfigError>(&result)) ADD_FAILURE() << error->message;
  return std::holds_alternative<Config>(result) ? std::get<Config>(result) : Config{};
}

std::vector<std::string> Problems(const std::vector<std::string>& args, const Environment& environment) {
  ConfigResult result = ParseConfig(args, true, environment);
  EXPECT_TRUE(std::holds_alternative<ConfigError>(result));
  return std::holds_alternative<ConfigError>(result) ? std::get<ConfigError>(result).problems
                                                     : std::vector<std::string>{};
}

// A settings file in the test's temporary directory, removed with the object.
class ScratchFile {
 public:
  // Per process: CTest runs this binary's tests in parallel processes.
  explicit ScratchFile(const std::string& text)
      : path_(::testing::TempDir() + "/config_environment.conf." + std::to_string(::getpid())) {
    std::ofstream(path_) << text;
  }
  ~ScratchFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Each setting's variable is VOIP_ADAPTER_ and its name in upper case with '_' for '-'.
TEST(ConfigEnvironmentTest, VariableNames) {
  EXPECT_EQ(EnvironmentName("workorder-timeout-ms"), "VOIP_ADAPTER_WORKORDER_TIMEOUT_MS");
  EXPECT_EQ(EnvironmentName("listen"), "VOIP_ADAPTER_LISTEN");
  EXPECT_EQ(EnvironmentName("api-key-sha256"), "VOIP_ADAPTER_API_KEY_SHA256");
}

// Every setting of the table is read from its variable: taken, or refused naming the variable.
TEST(ConfigEnvironmentTest, EverySettingHasAVariable) {
  for (const Setting<Config>& setting : ConfigSettings().settings()) {
    const std::string variable = EnvironmentName(setting.name);
    ConfigResult result = ParseConfig({}, false, {{variable, "!"}});
    if (auto* error = std::get_if<ConfigError>(&result)) {
      ASSERT_EQ(error->problems.size(), 1u) << error->message;
      EXPECT_EQ(error->problems[0].rfind(variable + " ", 0), 0u) << error->problems[0];
    } else {
      EXPECT_EQ(std::get<Config>(result).sources.at(setting.name), "environment") << variable;
    }
  }
  ConfigResult simulate = ParseConfig({}, false, {{"VOIP_ADAPTER_SIMULATE", "maybe"}});
  ASSERT_TRUE(std::holds_alternative<ConfigError>(simulate));
  EXPECT_EQ(std::get<ConfigError>(simulate).message, "VOIP_ADAPTER_SIMULATE must be true or false, got 'maybe'");
}

// A variable sets its setting, and the configuration says where the value came from.
TEST(ConfigEnvironmentTest, VariableSetsTheSetting) {
  const Config config = Ok(kSimulate, {{"VOIP_ADAPTER_THREADS", "7"}, {"VOIP_ADAPTER_MIDAS_TIMEOUT_MS", "1500"}});
  EXPECT_EQ(config.threads, 7);
  EXPECT_EQ(config.midas.timeout_ms, 1500);
  EXPECT_EQ(config.sources.at("threads"), "environment");
  EXPECT_EQ(config.sources.at("simulate"), "flag");
  EXPECT_EQ(config.sources.count("listen"), 0u);
}

// Per setting, a flag wins over the environment, which wins over the file, which wins over the default.
TEST(ConfigEnvironmentTest, FlagsOverEnvironmentOverFileOverDefaults) {
  const ScratchFile file("threads = 4\nmax-in-flight = 3\nlisten = 127.0.0.1:7000\n");
  const Environment environment = {{"VOIP_ADAPTER_THREADS", "8"}, {"VOIP_ADAPTER_MAX_IN_FLIGHT", "5"}};
  const Config config = Ok({"--simulate", "--config", file.path(), "--threads", "12"}, environment);
  EXPECT_EQ(config.threads, 12);                 // flag over environment and file
  EXPECT_EQ(config.max_in_flight, 5);            // environment over file
  EXPECT_EQ(config.listen_port, 7000);           // file over default
  EXPECT_EQ(config.max_queued_connections, 64);  // default
  EXPECT_EQ(config.sources.at("threads"), "flag");
  EXPECT_EQ(config.sources.at("max-in-flight"), "environment");
  EXPECT_EQ(config.sources.at("listen"), "file");
}

// A list setting given by a higher layer replaces the lower layer's list; within one layer each adds.
TEST(ConfigEnvironmentTest, HigherLayerReplacesAList) {
  const std::string a(64, 'a');
  const std::string b(64, 'b');
  const std::string c(64, 'c');
  const ScratchFile file("auth = api-key\napi-key-sha256 = " + a + "\n");
  const Config config = Ok({"--simulate", "--config", file.path(), "--api-key-sha256", b, "--api-key-sha256", c},
                           {{"VOIP_ADAPTER_API_KEY_SHA256", a}});
  ASSERT_EQ(config.caller_auth.api_key_digests.size(), 2u);
  EXPECT_EQ(Sha256Hex(config.caller_auth.api_key_digests[0]), b);
  EXPECT_EQ(Sha256Hex(config.caller_auth.api_key_digests[1]), c);
}

// A misspelt VOIP_ADAPTER_ variable is refused, naming it; nothing is silently ignored.
TEST(ConfigEnvironmentTest, UnknownVariableIsRefused) {
  EXPECT_EQ(Problems(kSimulate, {{"VOIP_ADAPTER_THREAD", "4"}}),
            (std::vector<std::string>{"unknown environment variable VOIP_ADAPTER_THREAD: no setting is named "
                                      "'thread' (see --help; a secret's variable needs another name, or env: "
                                      "naming it)"}));
}

// A VOIP_ADAPTER_ variable that a secret setting names with env: holds that secret, and is not unknown.
TEST(ConfigEnvironmentTest, SecretVariableNamedByEnvIsAccepted) {
  ::setenv("VOIP_ADAPTER_KEY_LIST", "k1,k2", 1);  // secrets are read from the process's environment
  const Config config = Ok({"--simulate", "--auth", "api-key"}, {{"VOIP_ADAPTER_API_KEYS", "env:VOIP_ADAPTER_KEY_LIST"},
                                                                 {"VOIP_ADAPTER_KEY_LIST", "k1,k2"}});
  ::unsetenv("VOIP_ADAPTER_KEY_LIST");
  ASSERT_EQ(config.caller_auth.api_key_digests.size(), 2u);
  EXPECT_EQ(config.caller_auth.api_key_digests[1], Sha256("k2"));
}

// A secret's variable holds a reference like a flag's value; a literal is refused without being repeated.
TEST(ConfigEnvironmentTest, SecretVariableRefusesALiteral) {
  const std::vector<std::string> problems = Problems(kSimulate, {{"VOIP_ADAPTER_DATABASE_PASSWORD", "hunter2"}});
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0],
            "VOIP_ADAPTER_DATABASE_PASSWORD is a secret: give env:NAME or file:PATH, not the value itself");
}

// A variable set to the empty string counts as not set (systemd's Environment=NAME= clears one).
TEST(ConfigEnvironmentTest, EmptyVariableIsNotSet) {
  const Config config = Ok(kSimulate, {{"VOIP_ADAPTER_THREADS", ""}, {"VOIP_ADAPTER_BOGUS", ""}});
  EXPECT_EQ(config.threads, 64);
  EXPECT_EQ(config.sources.count("threads"), 0u);
}

// VOIP_ADAPTER_CONFIG names the file when no --config is given; --config wins over it.
TEST(ConfigEnvironmentTest, ConfigFileFromTheEnvironment) {
  const ScratchFile file("threads = 9\n");
  EXPECT_EQ(Ok(kSimulate, {{"VOIP_ADAPTER_CONFIG", file.path()}}).threads, 9);
  EXPECT_EQ(Problems({"--simulate", "--config", "/nonexistent/a.conf"}, {{"VOIP_ADAPTER_CONFIG", file.path()}}),
            (std::vector<std::string>{"--config: cannot read '/nonexistent/a.conf'"}));
}

// Every problem is listed, from the file, the environment and the flags, not only the first.
TEST(ConfigEnvironmentTest, EveryProblemListed) {
  const ScratchFile file("threads = many\nthread = 4\nlisten 8080\n");
  const std::vector<std::string> problems =
      Problems({"--config", file.path(), "--midas-url", "ftp://m", "--bogus", "1", "--max-in-flight", "-1"},
               {{"VOIP_ADAPTER_READ_TIMEOUT_S", "0"}});
  const std::string f = file.path();
  EXPECT_EQ(problems, (std::vector<std::string>{
                          f + ": line 2: unknown key 'thread'",
                          f + ": line 3: expected 'key = value', got 'listen 8080'",
                          "unknown flag '--bogus' (see --help)",
                          f + ": line 1: threads must be an integer from 1 to 4096, got 'many'",
                          "VOIP_ADAPTER_READ_TIMEOUT_S must be an integer from 1 to 3600, got '0'",
                          "--midas-url must be an http:// or https:// URL, got 'ftp://m'",
                          "--max-in-flight must be an integer from 0 to 100000, got '-1'",
                          "workorder-url is required (or use --simulate)",
                          "auth is required: api-key (with api-key-sha256 or api-keys) or none",
                      }));
}

}  // namespace
}  // namespace voip
