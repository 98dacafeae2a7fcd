// The effective configuration shown by --check-config and the start line.
#include "platform/effective_config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <set>
#include <string>

namespace voip {
namespace {

Config Parsed(const std::vector<std::string>& args, const Environment& environment = {}) {
  ConfigResult result = ParseConfig(args, true, environment);
  if (auto* error = std::get_if<ConfigError>(&result)) ADD_FAILURE() << error->message;
  return std::holds_alternative<Config>(result) ? std::get<Config>(result) : Config{};
}

// It has one member per setting of the table, named as the setting, and no other.
TEST(EffectiveConfigTest, OneMemberPerSetting) {
  const nlohmann::json shown = EffectiveConfig(Parsed({"--simulate"}));
  std::set<std::string> names;
  for (const Setting<Config>& setting : ConfigSettings().settings()) names.insert(setting.name);
  std::set<std::string> members;
  for (const auto& [key, value] : shown.items()) members.insert(key);
  EXPECT_EQ(members, names);
}

// Values are shown as they are in effect: numbers as numbers, switches as booleans.
TEST(EffectiveConfigTest, ValuesInEffect) {
  const nlohmann::json shown =
      EffectiveConfig(Parsed({"--simulate", "--listen", "[::1]:9000", "--database-sync", "full"},
                             {{"VOIP_ADAPTER_MIDAS_TIMEOUT_MS", "1500"}}));
  EXPECT_EQ(shown["listen"], "[::1]:9000");
  EXPECT_EQ(shown["simulate"], true);
  EXPECT_EQ(shown["midas-timeout-ms"], 1500);
  EXPECT_EQ(shown["threads"], 64);
  EXPECT_EQ(shown["database-sync"], "full");
  EXPECT_EQ(shown["auth"], "none");
}

// Secrets are "set" or "unset", never their value; api-key-sha256 is a count.
TEST(EffectiveConfigTest, SecretsAsSetOrUnset) {
  ::setenv("VOIP_EFFECTIVE_TEST_SECRET", "canary-secret", 1);
  const Config config =
      Parsed({"--simulate", "--auth", "api-key", "--api-keys", "env:VOIP_EFFECTIVE_TEST_SECRET", "--midas-username",
              "spm", "--midas-password", "env:VOIP_EFFECTIVE_TEST_SECRET", "--api-key-sha256", std::string(64, 'a')});
  ::unsetenv("VOIP_EFFECTIVE_TEST_SECRET");
  const nlohmann::json shown = EffectiveConfig(config);
  EXPECT_EQ(shown["api-keys"], "set");
  EXPECT_EQ(shown["midas-password"], "set");
  EXPECT_EQ(shown["midas-username"], "spm");
  EXPECT_EQ(shown["workorder-password"], "unset");
  EXPECT_EQ(shown["soap-users"], "unset");
  EXPECT_EQ(shown["api-key-sha256"], 1);
  EXPECT_EQ(shown.dump().find("canary"), std::string::npos) << shown.dump();
}

// ConfigSources lists the settings given and where each came from.
TEST(EffectiveConfigTest, Sources) {
  const nlohmann::json sources = ConfigSources(Parsed({"--simulate"}, {{"VOIP_ADAPTER_THREADS", "3"}}));
  EXPECT_EQ(sources, (nlohmann::json{{"simulate", "flag"}, {"threads", "environment"}}));
}

}  // namespace
}  // namespace voip
