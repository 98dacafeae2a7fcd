#include "platform/config.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace voip {
namespace {

Config Ok(const std::vector<std::string>& args) {
  ConfigResult result = ParseConfig(args);
  if (auto* error = std::get_if<ConfigError>(&result)) ADD_FAILURE() << error->message;
  return std::holds_alternative<Config>(result) ? std::get<Config>(result) : Config{};
}

std::string Error(const std::vector<std::string>& args) {
  ConfigResult result = ParseConfig(args);
  EXPECT_TRUE(std::holds_alternative<ConfigError>(result));
  return std::holds_alternative<ConfigError>(result) ? std::get<ConfigError>(result).message : "";
}

const std::vector<std::string> kUrls = {"--workorder-url", "http://wo.example:8081/workorder",
                                        "--midas-url",     "http://midas.example/midas",
                                        "--auth",          "none"};

std::vector<std::string> With(std::vector<std::string> extra) {
  std::vector<std::string> args = kUrls;
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

// Flags set every value; both --flag value and --flag=value work.
TEST(ParseConfigTest, ReadsFlags) {
  const Config config = Ok(With({"--listen", "0.0.0.0:9090", "--threads=8", "--workorder-timeout-ms", "1500"}));
  EXPECT_EQ(config.listen_host, "0.0.0.0");
  EXPECT_EQ(config.listen_port, 9090);
  EXPECT_EQ(config.threads, 8);
  EXPECT_EQ(config.work_order.timeout_ms, 1500);
  EXPECT_EQ(config.work_order.url, "http://wo.example:8081/workorder");
  EXPECT_EQ(config.midas.url, "http://midas.example/midas");
}

// Each backend's circuit breaker is configured on its own; 0 failures turns it off, 0 probes is refused.
TEST(ParseConfigTest, BreakerSettingsPerBackend) {
  const Config config = Ok(With({"--workorder-breaker-failures", "0", "--workorder-breaker-open-ms", "1500",
                                 "--midas-breaker-failures", "7", "--midas-breaker-probes", "3"}));
  EXPECT_EQ(config.work_order.breaker_failures, 0);
  EXPECT_EQ(config.work_order.breaker_open_ms, 1500);
  EXPECT_EQ(config.work_order.breaker_probes, 1);
  EXPECT_EQ(config.midas.breaker_failures, 7);
  EXPECT_EQ(config.midas.breaker_open_ms, 30000);
  EXPECT_EQ(config.midas.breaker_probes, 3);
  EXPECT_EQ(Error(With({"--midas-breaker-probes", "0"})),
            "--midas-breaker-probes must be an integer from 1 to 1000, got '0'");
}

// The load-shedding bounds: defaults, and 0 accepted for both.
TEST(ParseConfigTest, LoadSheddingBounds) {
  const Config defaults = Ok(With({}));
  EXPECT_EQ(defaults.max_queued_connections, 64);
  EXPECT_EQ(defaults.max_in_flight, 0);
  const Config config = Ok(With({"--max-queued-connections", "0", "--max-in-flight", "12"}));
  EXPECT_EQ(config.max_queued_connections, 0);
  EXPECT_EQ(config.max_in_flight, 12);
  EXPECT_EQ(Error(With({"--max-in-flight", "-1"})), "--max-in-flight must be an integer from 0 to 100000, got '-1'");
}

// The whole-request read time-out: 30 s by default, settable, at least 1 s.
TEST(ParseConfigTest, RequestReadTimeout) {
  EXPECT_EQ(Ok(With({})).request_read_timeout_s, 30);
  EXPECT_EQ(Ok(With({"--request-read-timeout-s", "5"})).request_read_timeout_s, 5);
  EXPECT_EQ(Error(With({"--request-read-timeout-s", "0"})),
            "--request-read-timeout-s must be an integer from 1 to 3600, got '0'");
}

// Backend URLs are required unless simulating.
TEST(ParseConfigTest, RequiresBackendUrlsUnlessSimulating) {
  EXPECT_EQ(Error({"--auth", "none", "--midas-url", "http://m/m"}), "workorder-url is required (or use --simulate)");
  EXPECT_TRUE(Ok({"--simulate"}).simulate);
}

// A bad value stops start-up with a message naming the flag.
TEST(ParseConfigTest, BadValueNamesTheFlag) {
  EXPECT_EQ(Error(With({"--threads", "zero"})), "--threads must be an integer from 1 to 4096, got 'zero'");
  EXPECT_EQ(Error(With({"--listen", "8080"})), "--listen must be HOST:PORT, got '8080'");
  EXPECT_EQ(Error({"--simulate", "--midas-url", "ftp://x"}),
            "--midas-url must be an http:// or https:// URL, got 'ftp://x'");
  EXPECT_EQ(Error({"--simulate", "--bogus", "1"}), "unknown flag '--bogus' (see --help)");
}

// The file is read first and flags override it; unknown keys name the line.
TEST(ParseConfigTest, FileThenFlags) {
  const std::string path = ::testing::TempDir() + "/adapter.conf";
  std::ofstream(path) << "# test\nlisten = 127.0.0.1:7000\nthreads = 4\nsimulate = true\n";
  const Config config = Ok({"--config", path, "--threads", "12"});
  EXPECT_EQ(config.listen_port, 7000);
  EXPECT_EQ(config.threads, 12);
  EXPECT_TRUE(config.simulate);
  std::ofstream(path) << "thread = 4\n";
  EXPECT_EQ(Error({"--config", path, "--simulate"}), path + ": line 1: unknown key 'thread'");
  std::remove(path.c_str());
}

// Authentication must be written out when real backends are configured; it is never silently off.
TEST(ParseConfigTest, AuthIsRequiredUnlessSimulating) {
  EXPECT_EQ(Error({"--workorder-url", "http://wo/w", "--midas-url", "http://m/m"}),
            "auth is required: api-key (with api-key-sha256 or api-keys) or none");
  EXPECT_EQ(Ok(With({})).caller_auth.mode, AuthMode::kNone);
}

// --simulate alone (scripts/run.sh) defaults to no authentication; an explicit setting still wins.
TEST(ParseConfigTest, SimulateDefaultsAuthToNone) {
  EXPECT_EQ(Ok({"--simulate"}).caller_auth.mode, AuthMode::kNone);
  const std::string digest(64, 'a');
  const Config config = Ok({"--simulate", "--auth", "api-key", "--api-key-sha256", digest});
  EXPECT_EQ(config.caller_auth.mode, AuthMode::kApiKey);
  ASSERT_EQ(config.caller_auth.api_key_digests.size(), 1u);
  EXPECT_EQ(Sha256Hex(config.caller_auth.api_key_digests[0]), digest);
}

// auth = api-key with no key at all is refused at start-up.
TEST(ParseConfigTest, ApiKeyAuthNeedsAKey) {
  EXPECT_EQ(Error({"--simulate", "--auth", "api-key"}), "auth = api-key needs api-key-sha256, api-keys or soap-users");
  EXPECT_EQ(Error({"--simulate", "--auth", "maybe"}), "--auth must be api-key or none, got 'maybe'");
  EXPECT_EQ(Error({"--simulate", "--auth", "api-key", "--api-key-sha256", "abc"}),
            "--api-key-sha256 must be SHA-256 digests as 64 hex digits, comma-separated");
}

// api-keys reads keys from the environment and keeps only their digests.
TEST(ParseConfigTest, ApiKeysFromEnvironmentAreHashed) {
  ::setenv("VOIP_CONFIG_TEST_KEYS", "first-key,second-key\nthird-key\n", 1);
  const Config config = Ok({"--simulate", "--auth", "api-key", "--api-keys", "env:VOIP_CONFIG_TEST_KEYS"});
  ::unsetenv("VOIP_CONFIG_TEST_KEYS");
  ASSERT_EQ(config.caller_auth.api_key_digests.size(), 3u);
  EXPECT_EQ(config.caller_auth.api_key_digests[0], Sha256("first-key"));
  EXPECT_EQ(config.caller_auth.api_key_digests[2], Sha256("third-key"));
}

// A secret setting refuses a literal value, and its error never repeats the value.
TEST(ParseConfigTest, SecretSettingRefusesALiteral) {
  const std::string message = Error({"--simulate", "--api-keys", "hunter2-literal"});
  EXPECT_EQ(message, "--api-keys is a secret: give env:NAME or file:PATH, not the value itself");
  EXPECT_EQ(message.find("hunter2"), std::string::npos);
}

// Backend HTTP Basic passwords come from env:/file: only, and each backend keeps its own.
TEST(ParseConfigTest, BackendCredentialsPerBackend) {
  ::setenv("VOIP_CONFIG_TEST_WO_PASSWORD", "wo-secret", 1);
  const std::string path = ::testing::TempDir() + "/midas-password";
  std::ofstream(path) << "midas-secret\n";
  const Config config =
      Ok(With({"--workorder-username", "spm", "--workorder-password", "env:VOIP_CONFIG_TEST_WO_PASSWORD",
               "--midas-username", "spm-m", "--midas-password", "file:" + path}));
  ::unsetenv("VOIP_CONFIG_TEST_WO_PASSWORD");
  std::remove(path.c_str());
  EXPECT_EQ(config.work_order.username, "spm");
  EXPECT_EQ(config.work_order.password, "wo-secret");
  EXPECT_EQ(config.midas.username, "spm-m");
  EXPECT_EQ(config.midas.password, "midas-secret");
  EXPECT_EQ(Error(With({"--midas-password", "midas-secret"})),
            "--midas-password is a secret: give env:NAME or file:PATH, not the value itself");
}

// A username without a password (or the reverse) stops start-up.
TEST(ParseConfigTest, BackendCredentialsGoTogether) {
  EXPECT_EQ(Error(With({"--workorder-username", "spm"})),
            "workorder-username and workorder-password go together: set both or neither");
  EXPECT_EQ(Error(With({"--midas-username", "a:b"})), "--midas-username must be non-empty and hold no ':'");
}

// WS-Security UsernameToken settings per backend: the password is a secret, digest is the default.
TEST(ParseConfigTest, ReadsBackendWsseSettings) {
  ::setenv("VOIP_CONFIG_TEST_WSSE_PASSWORD", "wsse-secret", 1);
  const Config config = Ok(
      With({"--workorder-wsse-user", "spm-wsse", "--workorder-wsse-password", "env:VOIP_CONFIG_TEST_WSSE_PASSWORD"}));
  ::unsetenv("VOIP_CONFIG_TEST_WSSE_PASSWORD");
  EXPECT_EQ(config.work_order.wsse_user, "spm-wsse");
  EXPECT_EQ(config.work_order.wsse_password, "wsse-secret");
  EXPECT_EQ(config.work_order.wsse_password_type, WssePasswordType::kDigest);
  EXPECT_EQ(config.midas.wsse_user, "");
  EXPECT_EQ(Error(With({"--midas-wsse-password", "wsse-secret"})),
            "--midas-wsse-password is a secret: give env:NAME or file:PATH, not the value itself");
}

// A wsse user without a password (or the reverse) stops start-up.
TEST(ParseConfigTest, WsseUserAndPasswordGoTogether) {
  EXPECT_EQ(Error(With({"--midas-wsse-user", "spm"})),
            "midas-wsse-user and midas-wsse-password go together: set both or neither");
}

// PasswordText (the password in clear) is accepted only for an https:// URL.
TEST(ParseConfigTest, WssePasswordTextNeedsHttps) {
  ::setenv("VOIP_CONFIG_TEST_WSSE_PASSWORD", "wsse-secret", 1);
  const std::vector<std::string> text = {"--workorder-wsse-user",
                                         "spm",
                                         "--workorder-wsse-password",
                                         "env:VOIP_CONFIG_TEST_WSSE_PASSWORD",
                                         "--workorder-wsse-password-type",
                                         "text",
                                         "--midas-url",
                                         "http://midas.example/midas",
                                         "--auth",
                                         "none"};
  std::vector<std::string> over_http = text;
  over_http.insert(over_http.end(), {"--workorder-url", "http://wo.example/workorder"});
  std::vector<std::string> over_https = text;
  over_https.insert(over_https.end(), {"--workorder-url", "https://wo.example/workorder"});
  const std::string refused = Error(over_http);
  const Config config = Ok(over_https);
  ::unsetenv("VOIP_CONFIG_TEST_WSSE_PASSWORD");
  EXPECT_EQ(refused,
            "workorder-wsse-password-type text sends the password in clear: it needs an https:// workorder-url");
  EXPECT_EQ(config.work_order.wsse_password_type, WssePasswordType::kText);
  EXPECT_EQ(Error(With({"--midas-wsse-password-type", "plain"})),
            "--midas-wsse-password-type must be digest or text, got 'plain'");
}

// https:// backend URLs are accepted, with a CA file and a client certificate that must be readable.
TEST(ParseConfigTest, TlsSettingsForBackends) {
  const std::string ca = ::testing::TempDir() + "/ca.pem";
  std::ofstream(ca) << "-----BEGIN CERTIFICATE-----\n";
  const Config config =
      Ok({"--workorder-url", "https://wo.example:8443/workorder", "--midas-url", "https://midas.example/midas",
          "--auth", "none", "--workorder-ca-file", ca, "--midas-client-cert", ca});
  std::remove(ca.c_str());
  EXPECT_EQ(config.work_order.url, "https://wo.example:8443/workorder");
  EXPECT_EQ(config.work_order.ca_file, ca);
  EXPECT_EQ(config.midas.client_cert_file, ca);
  EXPECT_EQ(Error(With({"--midas-ca-file", "/nonexistent/ca.pem"})),
            "--midas-ca-file cannot read the file '/nonexistent/ca.pem'");
}

// The listener's TLS certificate and key go together and must be readable.
TEST(ParseConfigTest, ListenerTlsSettings) {
  const std::string pem = ::testing::TempDir() + "/listener.pem";
  std::ofstream(pem) << "-----BEGIN CERTIFICATE-----\n";
  const Config config = Ok(With({"--tls-cert-file", pem, "--tls-key-file", pem}));
  EXPECT_EQ(config.tls_cert_file, pem);
  EXPECT_EQ(config.tls_key_file, pem);
  EXPECT_EQ(Error(With({"--tls-cert-file", pem})), "tls-cert-file and tls-key-file go together: set both or neither");
  std::remove(pem.c_str());
  EXPECT_EQ(Error(With({"--tls-key-file", pem})), "--tls-key-file cannot read the file '" + pem + "'");
}

// public-base-url is kept without its trailing slash; empty by default (taken from each request).
TEST(ParseConfigTest, ReadsPublicBaseUrl) {
  EXPECT_EQ(Ok(With({})).public_base_url, "");
  EXPECT_EQ(Ok(With({"--public-base-url", "https://api.cableco.example/voip/"})).public_base_url,
            "https://api.cableco.example/voip");
}

// A public-base-url that could inject into the WSDL, or is not http[s], stops start-up naming the flag.
TEST(ParseConfigTest, RejectsBadPublicBaseUrl) {
  EXPECT_NE(Error(With({"--public-base-url", "https://x.example/\"><evil/>"})).find("--public-base-url"),
            std::string::npos);
  EXPECT_NE(Error(With({"--public-base-url", "ftp://x.example"})).find("--public-base-url"), std::string::npos);
}

// --help documents every setting.
TEST(UsageTextTest, MentionsEverySetting) {
  const std::string usage = UsageText();
  for (const char* flag : {"--listen",
                           "--simulate",
                           "--workorder-url",
                           "--midas-url",
                           "--workorder-timeout-ms",
                           "--midas-connect-timeout-ms",
                           "--threads",
                           "--max-body-bytes",
                           "--config",
                           "--log-level",
                           "--auth",
                           "--api-key-sha256",
                           "--api-keys",
                           "--workorder-username",
                           "--workorder-password",
                           "--midas-username",
                           "--midas-password",
                           "--workorder-ca-file",
                           "--workorder-client-cert",
                           "--workorder-client-key-password",
                           "--midas-ca-file",
                           "--midas-client-cert",
                           "--midas-client-key-password",
                           "--tls-cert-file",
                           "--tls-key-file",
                           "--tls-key-password",
                           "--public-base-url",
                           "--max-request-head-bytes",
                           "--max-request-headers"}) {
    EXPECT_NE(usage.find(flag), std::string::npos) << flag;
  }
}

// The work order and MIDAS have the same settings (one declaration): the same names after the
// prefix, value hints and order.
TEST(ConfigSettingsTest, BackendsShareOneDeclaration) {
  const auto work_order = BackendSettings(WorkOrderWords(), &Config::work_order);
  const auto midas = BackendSettings(MidasWords(), &Config::midas);
  ASSERT_EQ(work_order.size(), midas.size());
  ASSERT_EQ(work_order.size(), 15u);
  for (std::size_t i = 0; i < work_order.size(); ++i) {
    EXPECT_EQ(work_order[i].name.substr(std::string("workorder").size()),
              midas[i].name.substr(std::string("midas").size()));
    EXPECT_EQ(work_order[i].value_hint, midas[i].value_hint);
  }
}

// Every backend setting in the table is instantiated for each backend, in the table's order.
TEST(ConfigSettingsTest, TableHoldsBothBackends) {
  for (const BackendWords* words : {&WorkOrderWords(), &MidasWords()}) {
    for (const Setting<Config>& setting : BackendSettings(*words, &Config::work_order)) {
      const Setting<Config>* found = ConfigSettings().Find(setting.name);
      ASSERT_NE(found, nullptr) << setting.name;
      EXPECT_EQ(found->help, setting.help);
    }
  }
}

// A backend setting changes its own backend only.
TEST(ConfigSettingsTest, BackendSettingSetsItsOwnBackend) {
  const Config config = Ok(With({"--midas-connect-timeout-ms", "1234", "--workorder-max-idle-connections", "3"}));
  EXPECT_EQ(config.midas.connect_timeout_ms, 1234);
  EXPECT_EQ(config.work_order.connect_timeout_ms, BackendEndpoint{}.connect_timeout_ms);
  EXPECT_EQ(config.work_order.max_idle_connections, 3);
  EXPECT_EQ(config.midas.max_idle_connections, BackendEndpoint{}.max_idle_connections);
}

// A backend's help states the defaults BackendEndpoint holds, in that backend's words.
TEST(ConfigSettingsTest, BackendHelpStatesDefaultsInItsWords) {
  EXPECT_EQ(ConfigSettings().Find("midas-connect-timeout-ms")->help, "TCP connect time-out to MIDAS. Default 2000.");
  EXPECT_EQ(ConfigSettings().Find("workorder-timeout-ms")->help,
            "Time-out for the whole work-order exchange once connected (send and answer). Default 10000.");
  EXPECT_EQ(ConfigSettings().Find("workorder-breaker-open-ms")->help,
            "How long the work-order system's open circuit breaker refuses calls before letting probes through "
            "(half-open). Default 30000.");
}

// The secret settings all read env:NAME the same way, each into its own field.
TEST(ConfigSettingsTest, OneSecretReader) {
  ::setenv("VOIP_CONFIG_TEST_SECRET", "s3cret", 1);
  const Config config = Ok(With({"--workorder-password", "env:VOIP_CONFIG_TEST_SECRET", "--workorder-username", "u",
                                 "--midas-client-key-password", "env:VOIP_CONFIG_TEST_SECRET", "--tls-key-password",
                                 "env:VOIP_CONFIG_TEST_SECRET"}));
  ::unsetenv("VOIP_CONFIG_TEST_SECRET");
  EXPECT_EQ(config.work_order.password, "s3cret");
  EXPECT_EQ(config.midas.client_key_password, "s3cret");
  EXPECT_EQ(config.tls_key_password, "s3cret");
  EXPECT_EQ(config.midas.password, "");
  EXPECT_NE(Error(With({"--midas-wsse-password", "env:VOIP_CONFIG_TEST_UNSET_SECRET"})).find("--midas-wsse-password "),
            std::string::npos);
}

// The request head limits default to 16 KiB and 100 header lines, are read, and are bounded.
TEST(ConfigTest, RequestHeadLimits) {
  EXPECT_EQ(Ok(kUrls).max_request_head_bytes, 16384u);
  EXPECT_EQ(Ok(kUrls).max_request_headers, 100u);
  const Config config = Ok(With({"--max-request-head-bytes", "4096", "--max-request-headers", "20"}));
  EXPECT_EQ(config.max_request_head_bytes, 4096u);
  EXPECT_EQ(config.max_request_headers, 20u);
  EXPECT_NE(Error(With({"--max-request-head-bytes", "100"})).find("--max-request-head-bytes"), std::string::npos);
  EXPECT_NE(Error(With({"--max-request-headers", "0"})).find("--max-request-headers"), std::string::npos);
}

// The database defaults to a file in the working directory; --simulate leaves it to a temporary one.
TEST(ConfigTest, DatabaseDefaults) {
  EXPECT_EQ(Ok(kUrls).database, kDefaultDatabase);
  EXPECT_EQ(Ok({"--simulate"}).database, "");
  EXPECT_EQ(Ok({"--simulate", "--database", "/var/lib/a.db"}).database, "/var/lib/a.db");
}

// The durability settings are read and checked.
TEST(ConfigTest, DurabilitySettings) {
  const Config config = Ok(With({"--database-sync", "full", "--outbox-retry-base-ms", "100", "--outbox-retry-cap-ms",
                                 "5000", "--outbox-max-age-s", "3600", "--outbox-poll-ms", "250"}));
  EXPECT_TRUE(config.database_sync_full);
  EXPECT_EQ(config.outbox_retry_base_ms, 100);
  EXPECT_EQ(config.outbox_retry_cap_ms, 5000);
  EXPECT_EQ(config.outbox_max_age_s, 3600);
  EXPECT_EQ(config.outbox_poll_ms, 250);
  EXPECT_NE(Error(With({"--database-sync", "sometimes"})).find("database-sync"), std::string::npos);
  EXPECT_NE(Error(With({"--outbox-poll-ms", "0"})).find("outbox-poll-ms"), std::string::npos);
}

// The drain before a stop: 5 s by default (HAProxy's 2 s checks, two failures to mark a server
// down: deploy/haproxy.cfg), 0 allowed (close at once), negative refused with the flag named.
TEST(ConfigTest, DrainReadyGrace) {
  EXPECT_EQ(Ok(kUrls).drain_ready_grace_s, 5);
  EXPECT_EQ(Ok(With({"--drain-ready-grace-s", "0"})).drain_ready_grace_s, 0);
  EXPECT_NE(Error(With({"--drain-ready-grace-s", "-1"})).find("drain-ready-grace-s"), std::string::npos);
  EXPECT_NE(UsageText().find("--drain-ready-grace-s"), std::string::npos);
}

}  // namespace
}  // namespace voip
