// The adapter's one immutable configuration, read once at start-up from
// defaults, an optional file (--config FILE), the environment
// (VOIP_ADAPTER_<NAME>) and command-line flags, in that order of precedence:
// flags over the environment over the file over the defaults, per setting.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "platform/secret.h"
#include "platform/setting_table.h"

namespace voip {

// How callers of the adapter's faces must authenticate. kUnset is what a Config
// holds until ParseConfig decides; the server treats it like kApiKey with no
// keys (every call refused), so forgetting to configure fails closed.
enum class AuthMode { kUnset, kApiKey, kNone };

// A SOAP caller's user name and password, for HTTP Basic and WS-Security
// UsernameToken (PasswordDigest needs the password itself). A secret.
struct SoapUser {
  std::string name;
  std::string password;
};

// The "user:password" lines of a secret (env:NAME or file:PATH; spaces, tabs and
// CR around a line ignored, empty lines skipped), or why it cannot be used: it
// cannot be read, a line is not user:password, or it holds none.
[[nodiscard]] std::variant<std::vector<SoapUser>, std::string> SoapUsersFromSecret(const std::string& reference);

struct CallerAuthConfig {
  AuthMode mode = AuthMode::kUnset;
  std::vector<Sha256Digest> api_key_digests;  // SHA-256 of each accepted API key; the keys are not kept
  std::vector<SoapUser> soap_users;           // SOAP face: HTTP Basic or UsernameToken
  int token_window_s = 300;                   // UsernameToken Created must be within this of now
  int token_max_nonces = 100000;              // UsernameToken nonces remembered at most (then refused)
  int api_key_digests_given = 0;              // of api_key_digests, how many api-key-sha256 gave (for display)
};

// Where and how to call one legacy system.
enum class WssePasswordType { kDigest, kText };

struct BackendEndpoint {
  std::string url;                // http://host:port/path
  int connect_timeout_ms = 2000;  // TCP connect
  int timeout_ms = 10000;         // whole exchange once connected (send + receive), also per-read stall
  int max_idle_connections = 64;  // keep-alive connections kept per backend
  // Circuit breaker (adapter/resilience/circuit_breaker.h): opens after this many
  // consecutive failures meaning "unhealthy" (0: never), stays open this long,
  // then lets this many probe calls through at a time.
  int breaker_failures = 5;
  int breaker_open_ms = 30000;
  int breaker_probes = 1;
  // HTTP Basic credentials sent with every call, when username is set. The
  // password is a secret (read from env:/file: by ParseConfig), never logged.
  std::string username{};
  std::string password{};
  // WS-Security UsernameToken (OASIS WSS 1.0 UsernameToken Profile) sent in
  // the SOAP Header of every call, when wsse_user is set. wsse_password is a
  // secret (env:/file:), never logged. kDigest sends Base64(SHA-1(nonce +
  // created + password)); kText sends the password itself, which the
  // configuration accepts only for an https:// URL.
  std::string wsse_user{};
  std::string wsse_password{};
  WssePasswordType wsse_password_type = WssePasswordType::kDigest;
  // TLS, for https:// URLs. The server's certificate is always verified, host
  // name included: against ca_file when set (only that CA is trusted), else
  // against the system's CAs. client_cert_file (PEM: certificate and private
  // key) is presented for mutual TLS when set; its key may be encrypted with
  // client_key_password (a secret).
  std::string ca_file{};
  std::string client_cert_file{};
  std::string client_key_password{};
};

inline constexpr const char* kDefaultDatabase = "voip-migration-adapter.db";

struct Config {
  std::string listen_host = "127.0.0.1";
  int listen_port = 8080;
  bool simulate = false;  // start both simulators in-process and point the backends at them
  BackendEndpoint work_order;
  BackendEndpoint midas;
  int threads = 64;                  // HTTP worker threads (one per request being served)
  int max_queued_connections = 64;   // requests (head arrived) waiting for a worker; beyond: a fast 503
  int max_connections = 512;         // client connections open at once; beyond: idle ones closed, else 503
  int first_request_timeout_s = 10;  // a new connection's first request head (and TLS handshake)
  int max_in_flight = 0;             // requests running the core at once (0: as many as threads)
  int request_deadline_ms = 15000;   // a whole request, every backend call and retry included
  std::size_t max_body_bytes = 64 * 1024;
  std::size_t max_request_head_bytes = 16 * 1024;  // request line + headers, read before anything else
  std::size_t max_request_headers = 100;           // header lines in one request
  int keep_alive_max_count = 10000;                // requests per client connection
  int keep_alive_timeout_s = 30;                   // idle client connection
  int read_timeout_s = 10;                         // slow client headers/body: each read
  int request_read_timeout_s = 30;  // one request's line, headers and body, all reads together (and the TLS handshake)
  std::string log_level = "info";   // debug | info | warn | error
  bool banner_in_log = false;       // the start-up banner as a `banner` log line instead of text on stderr
  CallerAuthConfig caller_auth;
  // TLS on the adapter's own listener when tls_cert_file is set (TLS 1.2
  // minimum). The key file may be encrypted with tls_key_password (a secret).
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_key_password;

  // Durability (docs/delivery.md).
  // The store of outbox and idempotency records: a SQLite file, or a
  // PostgreSQL URI (postgresql:// or postgres://, libpq's syntax, shared by
  // several instances). ParseConfig sets kDefaultDatabase when none is given,
  // except with --simulate, where it stays empty: the caller then uses a
  // temporary database removed at exit.
  std::string database;
  // PostgreSQL only: the password (a secret, env:/file:; never in the URI),
  // the connection pool, statement time-out and lease (docs/configuration.md).
  std::string database_password;
  int database_pool_size = 32;
  int database_pool_wait_ms = 2000;
  int database_statement_timeout_ms = 5000;
  int database_lease_ms = 30000;
  bool database_sync_full = false;    // synchronous=FULL (survives power loss) instead of NORMAL
  int outbox_retry_base_ms = 500;     // backoff base of MIDAS redelivery
  int outbox_retry_cap_ms = 60000;    // backoff cap
  int outbox_max_age_s = 86400;       // then the update is dead-lettered
  int outbox_poll_ms = 1000;          // how often the relay looks for due updates
  int database_check_ms = 5000;       // /ready's writability check runs at most this often
  int idempotency_key_ttl_s = 86400;  // how long an Idempotency-Key's answer is kept
  int shutdown_grace_s = 30;          // SIGTERM: how long requests in flight may still take
  // SIGTERM: how long /ready answers 503 ("draining") while requests are still
  // served, before the listener closes (0: close at once).
  int drain_ready_grace_s = 5;
  // http[s]://host[:port][/path] callers use to reach the adapter, without a
  // trailing slash; written into the served WSDL. Empty: taken from each WSDL
  // request's Host header (validated), else the address it arrived on.
  std::string public_base_url;

  // Where each setting given came from (settings at their defaults are not
  // listed): what --check-config and the start line report beside the values.
  std::map<std::string, std::string> sources;  // setting name -> "file" | "environment" | "flag"
};

// Either a valid configuration, or every problem found, each naming the
// offending flag, environment variable or file line.
struct [[nodiscard]] ConfigError {
  std::string message;                // every problem, joined with "; "
  std::vector<std::string> problems;  // one sentence each, in the order found
};
using ConfigResult = std::variant<Config, ConfigError>;

// The prefix of the environment variables that carry settings:
// VOIP_ADAPTER_ + the setting's name in upper case with '_' for '-'
// (workorder-timeout-ms -> VOIP_ADAPTER_WORKORDER_TIMEOUT_MS).
inline constexpr const char* kEnvironmentPrefix = "VOIP_ADAPTER_";
[[nodiscard]] std::string EnvironmentName(const std::string& setting_name);

// NAME=value pairs of an environment (the process's: ProcessEnvironment()).
using Environment = std::vector<std::pair<std::string, std::string>>;
[[nodiscard]] Environment ProcessEnvironment();

// Parses `args` (argv without argv[0]) over `environment`. Per setting, the
// value comes from the highest of: flags, then VOIP_ADAPTER_<NAME> variables,
// then the file(s) named by --config (or by VOIP_ADAPTER_CONFIG when no
// --config is given), then the default; a setting given several times within
// one of them (a list setting adds each) is applied in order. A variable with
// an empty value counts as not set. An unknown flag, file key or
// VOIP_ADAPTER_ variable is a problem, except a variable that a secret
// setting names with env:. Missing backend URLs are a problem unless
// --simulate. `auth` must be given unless --simulate (where it defaults to
// none); auth = api-key needs at least one key. Secret settings are resolved
// (env:/file:) here, once. Every problem is collected, not only the first.
// The operator's subcommands pass `require_backends` false: they need neither
// backend URLs nor auth.
// --help and --check-config are not handled here (see app/main.cc).
[[nodiscard]] ConfigResult ParseConfig(const std::vector<std::string>& args, bool require_backends,
                                       const Environment& environment);
// The same over the process's environment.
[[nodiscard]] ConfigResult ParseConfig(const std::vector<std::string>& args, bool require_backends = true);

// The --help text: every setting, its default and meaning.
std::string UsageText();

// The settings table behind ParseConfig and UsageText, in
// --help order.
const SettingTable<Config>& ConfigSettings();

// The words one backend's settings are named and described with.
struct BackendWords {
  std::string prefix;       // "workorder": its settings are workorder-url, workorder-timeout-ms...
  std::string system;       // "the work-order system": what is called
  std::string system_s;     // "the work-order system's"
  std::string adjective;    // "work-order", as in "an https:// work-order URL"
  std::string endpoint_of;  // "the legacy work-order system", whose SOAP endpoint the URL is
  std::string exchange;     // "work-order exchange once connected (send and answer)": what timeout-ms bounds
};
const BackendWords& WorkOrderWords();
const BackendWords& MidasWords();

// Every backend setting, declared once, instantiated for the backend held at
// `endpoint` and named and described with `words` (ConfigSettings holds them
// for the work order and MIDAS).
std::vector<Setting<Config>> BackendSettings(const BackendWords& words, BackendEndpoint Config::*endpoint);

}  // namespace voip
