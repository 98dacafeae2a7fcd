#include "platform/config.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "platform/public_url.h"
#include "platform/text.h"

namespace voip {
namespace {

using ConfigSetting = Setting<Config>;
template <typename T>
using ApplyTo = std::function<SettingProblem(T&, const std::string&)>;
using Apply = ApplyTo<Config>;

// An integer in [min, max] into `field` of T.
template <typename T, typename Field>
ApplyTo<T> IntIn(long min, long max, Field T::*field) {
  return [=](T& target, const std::string& text) -> SettingProblem {
    const auto value = ParseIntegerIn(text, min, max);
    if (!value) {
      return "must be an integer from " + std::to_string(min) + " to " + std::to_string(max) + ", got '" + text + "'";
    }
    target.*field = static_cast<Field>(*value);
    return std::nullopt;
  };
}

// The one secret reader: the value names where the secret is (env:NAME or
// file:PATH); the secret itself goes into `field` of T.
template <typename T>
ApplyTo<T> SecretInto(std::string T::*field) {
  return [field](T& target, const std::string& reference) -> SettingProblem {
    auto secret = ResolveSecret(reference);
    if (auto* error = std::get_if<SecretError>(&secret)) return error->message;
    target.*field = std::get<std::string>(secret);
    return std::nullopt;
  };
}

// A file that must be readable at start-up (a certificate, a key); its path goes into `field` of T.
template <typename T>
ApplyTo<T> ReadableFile(std::string T::*field) {
  return [field](T& target, const std::string& path) -> SettingProblem {
    if (path.empty() || !std::ifstream(path)) return "cannot read the file '" + path + "'";
    target.*field = path;
    return std::nullopt;
  };
}

std::optional<bool> ParseBool(const std::string& text) {
  if (text == "true" || text == "yes" || text == "1" || text.empty()) return true;
  if (text == "false" || text == "no" || text == "0") return false;
  return std::nullopt;
}

// Accepts http[s]://host[:port][/path].
std::optional<std::string> CheckUrl(const std::string& url) {
  const std::string scheme = url.rfind("https://", 0) == 0 ? "https://" : "http://";
  if (url.compare(0, scheme.size(), scheme) != 0) return "must be an http:// or https:// URL, got '" + url + "'";
  const std::size_t host_end = url.find_first_of(":/", scheme.size());
  if (host_end == scheme.size() || url.size() == scheme.size()) return "has no host: '" + url + "'";
  if (host_end != std::string::npos && url[host_end] == ':') {
    const std::size_t port_end = url.find('/', host_end);
    const auto port = ParseIntegerIn(url.substr(host_end + 1, port_end - host_end - 1), 1, 65535);
    if (!port) return "has an invalid port: '" + url + "'";
  }
  return std::nullopt;
}

SettingProblem ApplyUrl(BackendEndpoint& endpoint, const std::string& text) {
  if (auto problem = CheckUrl(text)) return problem;
  endpoint.url = text;
  return std::nullopt;
}

SettingProblem ApplyUsername(BackendEndpoint& endpoint, const std::string& text) {
  if (text.empty() || text.find(':') != std::string::npos) return "must be non-empty and hold no ':'";
  endpoint.username = text;
  return std::nullopt;
}

SettingProblem ApplyWsseUser(BackendEndpoint& endpoint, const std::string& text) {
  if (text.empty()) return "must be non-empty";
  endpoint.wsse_user = text;
  return std::nullopt;
}

SettingProblem ApplyWssePasswordType(BackendEndpoint& endpoint, const std::string& text) {
  if (text == "digest") {
    endpoint.wsse_password_type = WssePasswordType::kDigest;
  } else if (text == "text") {
    endpoint.wsse_password_type = WssePasswordType::kText;
  } else {
    return "must be digest or text, got '" + text + "'";
  }
  return std::nullopt;
}

// One backend's setting, declared once for both backends: its name after the
// backend's prefix, and its help in the backend's words.
struct BackendSetting {
  const char* suffix;
  const char* value_hint;
  std::function<std::string(const BackendWords&)> help;
  ApplyTo<BackendEndpoint> apply;
};

std::string DefaultOf(int value) { return " Default " + std::to_string(value) + "."; }

// Where to call the backend, how long to wait, and its circuit breaker.
std::vector<BackendSetting> BackendCallSettings() {
  const BackendEndpoint d;  // the defaults the help states
  return {
      {"url", "URL",
       [](const BackendWords& w) { return "SOAP endpoint of " + w.endpoint_of + " (required unless --simulate)."; },
       ApplyUrl},
      {"connect-timeout-ms", "MS",
       [d](const BackendWords& w) {
         return "TCP connect time-out to " + w.system + "." + DefaultOf(d.connect_timeout_ms);
       },
       IntIn(1, 600000, &BackendEndpoint::connect_timeout_ms)},
      {"timeout-ms", "MS",
       [d](const BackendWords& w) { return "Time-out for the whole " + w.exchange + "." + DefaultOf(d.timeout_ms); },
       IntIn(1, 600000, &BackendEndpoint::timeout_ms)},
      {"max-idle-connections", "N",
       [d](const BackendWords& w) {
         return "Keep-alive connections kept open to " + w.system + "." + DefaultOf(d.max_idle_connections);
       },
       IntIn(0, 10000, &BackendEndpoint::max_idle_connections)},
      {"breaker-failures", "N",
       [d](const BackendWords& w) {
         return "Consecutive failed calls to " + w.system +
                " (connect failed, time-out, HTTP error, malformed answer; not SOAP faults) that open its circuit "
                "breaker; 0 never opens it." +
                DefaultOf(d.breaker_failures);
       },
       IntIn(0, 1000000, &BackendEndpoint::breaker_failures)},
      {"breaker-open-ms", "MS",
       [d](const BackendWords& w) {
         return "How long " + w.system_s +
                " open circuit breaker refuses calls before letting probes through "
                "(half-open)." +
                DefaultOf(d.breaker_open_ms);
       },
       IntIn(1, 3600000, &BackendEndpoint::breaker_open_ms)},
      {"breaker-probes", "N",
       [d](const BackendWords& w) {
         return "Calls let through to " + w.system + " at a time while its breaker is half-open." +
                DefaultOf(d.breaker_probes);
       },
       IntIn(1, 1000, &BackendEndpoint::breaker_probes)},
  };
}

// The credentials and TLS settings the backend is called with.
std::vector<BackendSetting> BackendCredentialSettings() {
  constexpr const char* kSecret = "env:NAME|file:PATH";
  return {
      {"username", "USER",
       [](const BackendWords& w) {
         return "HTTP Basic user name sent to " + w.system + " (needs " + w.prefix + "-password).";
       },
       ApplyUsername},
      {"password", kSecret, [](const BackendWords& w) { return "SECRET. HTTP Basic password for " + w.system + "."; },
       SecretInto(&BackendEndpoint::password)},
      {"wsse-user", "USER",
       [](const BackendWords& w) {
         return "WS-Security UsernameToken user name sent in the SOAP Header of every call to " + w.system +
                " (needs " + w.prefix + "-wsse-password).";
       },
       ApplyWsseUser},
      {"wsse-password", kSecret,
       [](const BackendWords& w) { return "SECRET. WS-Security UsernameToken password for " + w.system + "."; },
       SecretInto(&BackendEndpoint::wsse_password)},
      {"wsse-password-type", "digest|text",
       [](const BackendWords& w) {
         return "How the UsernameToken carries the password: digest (PasswordDigest: Base64(SHA-1(nonce + created + "
                "password))) or text (PasswordText, the password itself; only with an https:// " +
                w.prefix + "-url). Default digest.";
       },
       ApplyWssePasswordType},
      {"ca-file", "PEM",
       [](const BackendWords& w) {
         return "CA certificate(s) trusted for an https:// " + w.adjective +
                " URL (only these); default: the system's CAs. Host names are always checked.";
       },
       ReadableFile(&BackendEndpoint::ca_file)},
      {"client-cert", "PEM",
       [](const BackendWords& w) {
         return "Client certificate and private key (one PEM file) presented to " + w.system + " for mutual TLS.";
       },
       ReadableFile(&BackendEndpoint::client_cert_file)},
      {"client-key-password", kSecret,
       [](const BackendWords& w) { return "SECRET. Password of an encrypted " + w.prefix + "-client-cert key."; },
       SecretInto(&BackendEndpoint::client_key_password)},
  };
}

}  // namespace

std::vector<Setting<Config>> BackendSettings(const BackendWords& words, BackendEndpoint Config::*endpoint) {
  std::vector<BackendSetting> declared = BackendCallSettings();
  for (BackendSetting& setting : BackendCredentialSettings()) declared.push_back(std::move(setting));
  std::vector<Setting<Config>> settings;
  for (BackendSetting& setting : declared) {
    ApplyTo<BackendEndpoint> apply = std::move(setting.apply);
    settings.push_back(
        {words.prefix + "-" + setting.suffix, setting.value_hint, setting.help(words),
         [endpoint, apply](Config& config, const std::string& value) { return apply(config.*endpoint, value); }});
  }
  return settings;
}

namespace {

std::optional<std::string> ApplyListen(Config& config, const std::string& text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return "must be HOST:PORT, got '" + text + "'";
  const auto port = ParseIntegerIn(text.substr(colon + 1), 0, 65535);
  if (!port) return "has an invalid port (0 to 65535): '" + text + "'";
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  config.listen_host = host;
  config.listen_port = static_cast<int>(*port);
  return std::nullopt;
}

std::string TrimSpaces(const std::string& s) { return std::string(Trim(s, " \t\r")); }

std::optional<std::string> ApplyAuth(Config& config, const std::string& text) {
  if (text == "api-key") {
    config.caller_auth.mode = AuthMode::kApiKey;
  } else if (text == "none") {
    config.caller_auth.mode = AuthMode::kNone;
  } else {
    return "must be api-key or none, got '" + text + "'";
  }
  return std::nullopt;
}

// The items of `text` split at any of `separators`, trimmed; empty ones left out.
std::vector<std::string> ListItems(const std::string& text, std::string_view separators) {
  std::vector<std::string> items;
  std::size_t from = 0;
  while (from <= text.size()) {
    const std::size_t to = std::min(text.find_first_of(separators, from), text.size());
    std::string item = TrimSpaces(text.substr(from, to - from));
    if (!item.empty()) items.push_back(std::move(item));
    from = to + 1;
  }
  return items;
}

// Comma-separated SHA-256 digests (hex) of accepted API keys; adds to the list.
std::optional<std::string> ApplyApiKeyDigests(Config& config, const std::string& text) {
  const std::vector<std::string> items = ListItems(text, ",");
  if (items.empty()) return "needs at least one SHA-256 digest";
  for (const std::string& item : items) {
    const auto digest = ParseSha256Hex(item);
    if (!digest) return "must be SHA-256 digests as 64 hex digits, comma-separated";
    config.caller_auth.api_key_digests.push_back(*digest);
    ++config.caller_auth.api_key_digests_given;
  }
  return std::nullopt;
}

// A secret (env:NAME or file:PATH) holding API keys, one per line or
// comma-separated; only their digests are kept. Adds to the list.
std::optional<std::string> ApplyApiKeys(Config& config, const std::string& reference) {
  auto secret = ResolveSecret(reference);
  if (auto* error = std::get_if<SecretError>(&secret)) return error->message;
  const std::vector<std::string> keys = ListItems(std::get<std::string>(secret), ",\n");
  if (keys.empty()) return "names a secret that holds no API key";
  for (const std::string& key : keys) config.caller_auth.api_key_digests.push_back(Sha256(key));
  return std::nullopt;
}

// A secret holding SOAP callers, one "user:password" per line; adds to the list.
std::optional<std::string> ApplySoapUsers(Config& config, const std::string& reference) {
  auto users = SoapUsersFromSecret(reference);
  if (auto* problem = std::get_if<std::string>(&users)) return *problem;
  for (SoapUser& user : std::get<std::vector<SoapUser>>(users))
    config.caller_auth.soap_users.push_back(std::move(user));
  return std::nullopt;
}

SettingProblem ApplySimulate(Config& config, const std::string& text) {
  const auto on = ParseBool(text);
  if (!on) return "must be true or false, got '" + text + "'";
  config.simulate = *on;
  return std::nullopt;
}

// How the adapter serves its callers: threads, limits, time-outs.
std::vector<ConfigSetting> ListenerSettings() {
  return {
      {"threads", "N",
       "HTTP worker threads; each serves one request at a time (a connection waiting for its "
       "next request holds no thread). Default 64.",
       IntIn(1, 4096, &Config::threads)},
      {"max-queued-connections", "N",
       "Requests whose head has arrived that may wait for a free worker thread; one beyond that is "
       "answered at once with 503 and Retry-After, and its connection closed. Default 64.",
       IntIn(0, 100000, &Config::max_queued_connections)},
      {"max-connections", "N",
       "Client connections open at once. A new one beyond it first closes the connection kept alive idle "
       "the longest; with none, it is answered 503 and Retry-After from its request head (read within 1 s; "
       "/health, /ready and /metrics are still answered) and closed; 64 more beyond that are closed at once. "
       "Keep it well under the open-files limit (ulimit -n). Default 512.",
       IntIn(1, 1000000, &Config::max_connections)},
      {"first-request-timeout-s", "S",
       "A new connection's first request head (request line and headers; with TLS, the handshake too) "
       "must have arrived within this of the connection; else it is closed. Default 10.",
       IntIn(1, 3600, &Config::first_request_timeout_s)},
      {"max-in-flight", "N",
       "Requests processed at once (calling the backends); one beyond that is answered at once with 503 "
       "and Retry-After, calling nothing. 0: as many as there are threads. Default 0.",
       IntIn(0, 100000, &Config::max_in_flight)},
      {"request-deadline-ms", "MS",
       "Deadline of a whole request from when it is read: each backend call's time-outs are clamped to what "
       "remains, no retry starts after it, and MIDAS is not called once it has passed (the update is left "
       "pending for the relay). Default 15000.",
       IntIn(1, 3600000, &Config::request_deadline_ms)},
      {"max-body-bytes", "N", "Largest request body accepted; larger ones get 413. Default 65536.",
       IntIn(256, 16 * 1024 * 1024, &Config::max_body_bytes)},
      {"max-request-head-bytes", "N",
       "Largest request head (request line, headers and the empty line after them) read from a client, "
       "before authentication; beyond it 431 (414 while still in the request line, which may be 8192 "
       "bytes at most, as may each header line), then the connection is closed. Default 16384.",
       IntIn(1024, 1024 * 1024, &Config::max_request_head_bytes)},
      {"max-request-headers", "N",
       "Most header lines in one request; beyond it 431, then the connection is "
       "closed. Default 100.",
       IntIn(1, 10000, &Config::max_request_headers)},
      {"keep-alive-max-count", "N",
       "Requests served on one client connection before it is closed. "
       "Default 10000.",
       IntIn(1, INT_MAX, &Config::keep_alive_max_count)},
      {"keep-alive-timeout-s", "S", "Idle time before a kept-alive client connection is closed. Default 30.",
       IntIn(1, 3600, &Config::keep_alive_timeout_s)},
      {"read-timeout-s", "S",
       "Time-out for reading a client's request (slow clients are cut off). "
       "Default 10.",
       IntIn(1, 3600, &Config::read_timeout_s)},
      {"request-read-timeout-s", "S",
       "Time-out for reading a whole request (line, headers and body, from its "
       "first byte), however steadily a client drips it; with TLS the handshake too. "
       "Default 30.",
       IntIn(1, 3600, &Config::request_read_timeout_s)},
  };
}

SettingProblem ApplyDatabase(Config& config, const std::string& text) {
  if (text.empty()) return std::string("must not be empty");
  config.database = text;
  return std::nullopt;
}

SettingProblem ApplyDatabaseSync(Config& config, const std::string& text) {
  if (text != "normal" && text != "full") return "must be normal or full, got '" + text + "'";
  config.database_sync_full = text == "full";
  return std::nullopt;
}

// The database, the outbox relay and idempotency records.
std::vector<ConfigSetting> DurabilitySettings() {
  return {
      {"database", "PATH|URI",
       "Where pending MIDAS updates and idempotency records are kept: a SQLite file (created if missing; one "
       "instance per file), or a PostgreSQL URI (postgresql://user@host:port/db?..., libpq's syntax, no "
       "password in it) that several instances share. Default voip-migration-adapter.db (in the working "
       "directory); with --simulate, a temporary SQLite file removed at exit.",
       ApplyDatabase},
      {"database-password", "env:NAME|file:PATH",
       "SECRET. PostgreSQL: the password of the URI's user (default: libpq's own sources, e.g. ~/.pgpass).",
       SecretInto(&Config::database_password)},
      {"database-pool-size", "N",
       "PostgreSQL: connections each instance opens at most. A request holds one for each store write and for "
       "its MIDAS call (the customer's delivery turn), the relay and /ready one each. Default 32.",
       IntIn(1, 1000, &Config::database_pool_size)},
      {"database-pool-wait-ms", "MS",
       "PostgreSQL: how long a request waits for a free connection before it is answered 503. Default 2000.",
       IntIn(1, 60000, &Config::database_pool_wait_ms)},
      {"database-statement-timeout-ms", "MS",
       "PostgreSQL: statement_timeout of every statement (the server cancels a longer one). Default 5000.",
       IntIn(100, 600000, &Config::database_statement_timeout_ms)},
      {"database-lease-ms", "MS",
       "PostgreSQL: how long an instance's hold on outbox entries it claimed for delivery lasts; an "
       "in-flight request's attempt and Idempotency-Key are held for request-deadline-ms plus this. Past "
       "it, another instance takes over what a dead one held. Default 30000.",
       IntIn(1000, 3600000, &Config::database_lease_ms)},
      {"database-sync", "MODE",
       "normal (survives a crash of the process) or full (also a power cut, one "
       "fsync per commit). Default normal.",
       ApplyDatabaseSync},
      {"outbox-retry-base-ms", "MS",
       "First backoff ceiling of MIDAS redelivery (doubles per failure, full "
       "jitter). Default 500.",
       IntIn(1, 3600000, &Config::outbox_retry_base_ms)},
      {"outbox-retry-cap-ms", "MS", "Largest backoff ceiling of MIDAS redelivery. Default 60000.",
       IntIn(1, 86400000, &Config::outbox_retry_cap_ms)},
      {"outbox-max-age-s", "S",
       "A MIDAS update not delivered this long after it became pending is "
       "dead-lettered. Default 86400 (24 h).",
       IntIn(1, 365 * 86400, &Config::outbox_max_age_s)},
      {"outbox-poll-ms", "MS", "How often the relay looks for MIDAS updates due for redelivery. Default 1000.",
       IntIn(10, 600000, &Config::outbox_poll_ms)},
      {"database-check-ms", "MS",
       "GET /ready checks that the database is writable (one small write) at most "
       "this often, answering from the last check in between. Default 5000.",
       IntIn(10, 600000, &Config::database_check_ms)},
      {"idempotency-key-ttl-s", "S",
       "How long the answer to an Idempotency-Key is kept and replayed. Default "
       "86400 (24 h).",
       IntIn(60, 30 * 86400, &Config::idempotency_key_ttl_s)},
      {"shutdown-grace-s", "S",
       "On SIGTERM or SIGINT, how long requests in flight may still take before the "
       "process exits anyway (their attempts stay journalled). Default 30.",
       IntIn(1, 3600, &Config::shutdown_grace_s)},
      {"drain-ready-grace-s", "S",
       "On SIGTERM, how long GET /ready answers 503 (reason \"draining\") while "
       "requests are still served, so that a load balancer stops sending new ones, "
       "before the listener closes. 0: close at once. SIGINT skips it. Default 5.",
       IntIn(0, 3600, &Config::drain_ready_grace_s)},
  };
}

SettingProblem ApplyPublicBaseUrl(Config& config, const std::string& text) {
  auto url = NormalisePublicBaseUrl(text);
  if (!url) return "must be http[s]://host[:port][/path] (path of [A-Za-z0-9._~/-]), got '" + text + "'";
  config.public_base_url = *url;
  return std::nullopt;
}

SettingProblem ApplyLogLevel(Config& config, const std::string& text) {
  if (text != "debug" && text != "info" && text != "warn" && text != "error") {
    return "must be debug, info, warn or error, got '" + text + "'";
  }
  config.log_level = text;
  return std::nullopt;
}

SettingProblem ApplyStartupBanner(Config& config, const std::string& text) {
  if (text != "stderr" && text != "log") return "must be stderr or log, got '" + text + "'";
  config.banner_in_log = text == "log";
  return std::nullopt;
}

// The public URL, the log and TLS on the adapter's own listener.
std::vector<ConfigSetting> PresenceSettings() {
  return {
      {"public-base-url", "URL",
       "http[s]://host[:port][/path] callers use to reach the adapter; the WSDL served at /soap?wsdl "
       "gives URL/soap as the endpoint. Default: the scheme, host and port each WSDL request arrived on.",
       ApplyPublicBaseUrl},
      {"log-level", "LEVEL", "debug, info, warn or error. Default info.", ApplyLogLevel},
      {"startup-banner", "stderr|log",
       "Where the start-up banner (the URL to call, whether authentication is off, the simulators' URLs, a "
       "curl example) goes: stderr, as plain text lines, or log, as one JSON log line (event banner) on "
       "stdout with the rest. Default stderr.",
       ApplyStartupBanner},
      {"tls-cert-file", "PEM",
       "Serve HTTPS (TLS 1.2 minimum) with this certificate chain (PEM; the server "
       "certificate first). Needs tls-key-file.",
       ReadableFile(&Config::tls_cert_file)},
      {"tls-key-file", "PEM", "Private key of tls-cert-file (PEM).", ReadableFile(&Config::tls_key_file)},
      {"tls-key-password", "env:NAME|file:PATH", "SECRET. Password of an encrypted tls-key-file.",
       SecretInto(&Config::tls_key_password)},
  };
}

// How callers authenticate.
std::vector<ConfigSetting> CallerAuthSettings() {
  return {
      {"auth", "MODE",
       "How callers authenticate: api-key (Authorization: Bearer KEY or X-API-Key: KEY) or none. Required "
       "unless --simulate, where it defaults to none. /health and /metrics are always open.",
       ApplyAuth},
      {"api-key-sha256", "HEX[,HEX]",
       "SHA-256 digests (hex) of accepted API keys; adds to the list. Not a "
       "secret.",
       ApplyApiKeyDigests},
      {"soap-users", "env:NAME|file:PATH",
       "SECRET. SOAP callers, one user:password per line, accepted (with auth = api-key) as HTTP Basic or a "
       "WS-Security UsernameToken with PasswordDigest on /soap; adds to the list.",
       ApplySoapUsers},
      {"soap-token-window-s", "S",
       "How far a UsernameToken's Created time may be from now, either side; "
       "nonces are remembered as long. Default 300.",
       [](Config& config, const std::string& text) {
         return IntIn(10, 3600, &CallerAuthConfig::token_window_s)(config.caller_auth, text);
       }},
      {"soap-token-max-nonces", "N",
       "UsernameToken nonces remembered at most (each until its token leaves the "
       "window); when that many are, new tokens are refused until some expire. "
       "Default 100000.",
       [](Config& config, const std::string& text) {
         return IntIn(1, 10000000, &CallerAuthConfig::token_max_nonces)(config.caller_auth, text);
       }},
      {"api-keys", "env:NAME|file:PATH",
       "SECRET. Accepted API keys, one per line or comma-separated, read from an environment variable or a "
       "file (only their SHA-256 digests are kept); adds to the list.",
       ApplyApiKeys},
  };
}

std::vector<ConfigSetting> AllSettings() {
  std::vector<ConfigSetting> all = {
      {"listen", "HOST:PORT", "Address to serve on; port 0 picks a free port. Default 127.0.0.1:8080.", ApplyListen},
      {"simulate", "",
       "Start the work-order and MIDAS simulators in-process on loopback and use them "
       "(ignores the backend URLs).",
       ApplySimulate},
  };
  for (auto group :
       {BackendSettings(WorkOrderWords(), &Config::work_order), BackendSettings(MidasWords(), &Config::midas),
        ListenerSettings(), DurabilitySettings(), PresenceSettings(), CallerAuthSettings()}) {
    for (ConfigSetting& setting : group) all.push_back(std::move(setting));
  }
  return all;
}

}  // namespace

const BackendWords& WorkOrderWords() {
  static const BackendWords words{
      "workorder",  "the work-order system",        "the work-order system's",
      "work-order", "the legacy work-order system", "work-order exchange once connected (send and answer)"};
  return words;
}

const BackendWords& MidasWords() {
  static const BackendWords words{"midas", "MIDAS", "MIDAS's", "MIDAS", "MIDAS", "MIDAS exchange once connected"};
  return words;
}

const SettingTable<Config>& ConfigSettings() {
  static const SettingTable<Config> table(AllSettings());
  return table;
}

namespace {

using Problems = std::vector<std::string>;

// Where a setting's value was given; a higher layer wins (see ParseConfig).
enum class Layer { kFile = 1, kEnvironment = 2, kFlag = 3 };

const char* LayerName(Layer layer) {
  switch (layer) {
    case Layer::kFile: return "file";
    case Layer::kEnvironment: return "environment";
    case Layer::kFlag: return "flag";
  }
  return "file";
}

// One setting's value as given, before it is applied.
struct GivenSetting {
  std::string name;    // the setting's name
  std::string value;   // as given
  std::string origin;  // how a problem names it: "--threads", "VOIP_ADAPTER_THREADS", "FILE: line 3: threads"
  Layer layer;
};

// What one source gave, and the problems found reading it.
struct Gathered {
  std::vector<GivenSetting> given;
  Problems problems;
};

// The adapter's wording of command-line errors.
const FlagWording& AdapterFlagWording() {
  static const FlagWording wording{
      [](const FlagArgument& argument) {
        if (!argument.dashed) return "unexpected argument '" + argument.raw + "'";
        return "unknown flag '" + argument.flag + "' (see --help)";
      },
      [](const std::string& flag, const std::string& hint) { return flag + " needs a value " + hint; }, " "};
  return wording;
}

// The key = value lines of one settings file (`label` names it in problems).
void GatherText(const std::string& text, const std::string& label, Gathered& out) {
  std::istringstream lines(text);
  std::string line;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    const std::string where = label + ": line " + std::to_string(number) + ": ";
    const std::string trimmed = TrimSpaces(line.substr(0, line.find('#')));
    if (trimmed.empty()) continue;
    const std::size_t eq = trimmed.find('=');
    if (eq == std::string::npos) {
      out.problems.push_back(where);
      out.problems.back().append("expected 'key = value', got '").append(trimmed).append("'");
      continue;
    }
    const std::string key = TrimSpaces(trimmed.substr(0, eq));
    if (ConfigSettings().Find(key) == nullptr) {
      out.problems.push_back(where);
      out.problems.back().append("unknown key '").append(key).append("'");
      continue;
    }
    out.given.push_back({key, TrimSpaces(trimmed.substr(eq + 1)), where + key, Layer::kFile});
  }
}

// The files --config names (each --config, in order), else VOIP_ADAPTER_CONFIG's.
std::vector<std::string> ConfigFiles(const std::vector<std::string>& args, const Environment& environment,
                                     Problems& problems) {
  std::vector<std::string> paths;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--config") {
      if (i + 1 >= args.size()) {
        problems.emplace_back("--config needs a FILE");
      } else {
        paths.push_back(args[++i]);
      }
    } else if (args[i].rfind("--config=", 0) == 0) {
      paths.push_back(args[i].substr(9));
    }
  }
  if (!paths.empty()) return paths;
  const std::string variable = std::string(kEnvironmentPrefix) + "CONFIG";
  for (const auto& [name, value] : environment) {
    if (name == variable && !value.empty()) paths.push_back(value);
  }
  return paths;
}

void GatherFile(const std::string& path, Gathered& out) {
  std::ifstream file(path);
  if (!file) {
    out.problems.push_back("--config: cannot read '" + path + "'");
    return;
  }
  std::stringstream text;
  text << file.rdbuf();
  GatherText(text.str(), path, out);
}

// --name VALUE, --name=VALUE or a bare --name for a switch; --config is passed
// over (ConfigFiles reads it). An unknown --name's value, when it has one
// (the next argument, not a flag), is passed over with it.
void GatherFlags(const std::vector<std::string>& args, Gathered& out) {
  const FlagWording& wording = AdapterFlagWording();
  for (std::size_t i = 0; i < args.size(); ++i) {
    FlagArgument argument = ReadFlagArgument(args[i]);
    const bool value_may_follow = argument.dashed && !argument.value && i + 1 < args.size();
    if (argument.dashed && argument.name == "config") {
      if (value_may_follow) ++i;
      continue;
    }
    const Setting<Config>* setting = argument.dashed ? ConfigSettings().Find(argument.name) : nullptr;
    if (setting == nullptr) {
      out.problems.push_back(wording.unknown(argument));
      if (value_may_follow && args[i + 1].rfind("--", 0) != 0) ++i;
      continue;
    }
    if (!argument.value && setting->value_hint.empty()) {
      argument.value = "true";
    } else if (!argument.value && !value_may_follow) {
      out.problems.push_back(wording.needs_value(argument.flag, setting->value_hint));
      continue;
    } else if (!argument.value) {
      argument.value = args[++i];
    }
    out.given.push_back({argument.name, *argument.value, argument.flag, Layer::kFlag});
  }
}

// The variables some value names as a secret's env:NAME.
std::set<std::string> ReferencedVariables(const std::vector<const Gathered*>& parts, const Environment& environment) {
  std::set<std::string> names;
  auto note = [&names](const std::string& value) {
    if (value.rfind("env:", 0) == 0) names.insert(value.substr(4));
  };
  for (const Gathered* part : parts) {
    for (const GivenSetting& given : part->given) note(given.value);
  }
  for (const auto& [name, value] : environment) {
    if (name.rfind(kEnvironmentPrefix, 0) == 0) note(value);
  }
  return names;
}

// The setting a VOIP_ADAPTER_ variable's rest names: "WORKORDER_URL" -> "workorder-url".
std::string SettingNameOf(std::string_view rest) {
  std::string name(rest);
  for (char& c : name) c = c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

// The non-empty VOIP_ADAPTER_<NAME> variables, sorted by name.
void GatherEnvironment(const Environment& environment, const std::set<std::string>& referenced, Gathered& out) {
  const std::string prefix = kEnvironmentPrefix;
  Environment sorted = environment;
  std::sort(sorted.begin(), sorted.end());
  for (const auto& [name, value] : sorted) {
    if (name.rfind(prefix, 0) != 0 || value.empty() || name == prefix + "CONFIG") continue;
    const std::string setting = SettingNameOf(std::string_view(name).substr(prefix.size()));
    if (ConfigSettings().Find(setting) != nullptr && EnvironmentName(setting) == name) {
      out.given.push_back({setting, value, name, Layer::kEnvironment});
    } else if (referenced.count(name) == 0) {
      std::string problem = "unknown environment variable " + name;
      problem += ": no setting is named '" + setting;
      problem += "' (see --help; a secret's variable needs another name, or env: naming it)";
      out.problems.push_back(std::move(problem));
    }
  }
}

// Applies, per setting, what its highest layer gave (in the order given), and
// notes where each came from in config.sources. Names the settings whose value
// was refused in `failed`.
void ApplyGiven(const std::vector<GivenSetting>& given, Config& config, Problems& problems,
                std::set<std::string>& failed) {
  std::map<std::string, Layer> winner;
  for (const GivenSetting& setting : given) {
    auto [it, added] = winner.emplace(setting.name, setting.layer);
    if (!added && setting.layer > it->second) it->second = setting.layer;
  }
  for (const GivenSetting& setting : given) {
    if (setting.layer != winner[setting.name]) continue;
    config.sources[setting.name] = LayerName(setting.layer);
    if (SettingProblem problem = ConfigSettings().Find(setting.name)->apply(config, setting.value)) {
      problems.push_back(setting.origin + " " + *problem);
      failed.insert(setting.name);
    }
  }
}

std::optional<std::string> CheckAuth(Config& config) {
  switch (config.caller_auth.mode) {
    case AuthMode::kUnset:
      if (!config.simulate) return "auth is required: api-key (with api-key-sha256 or api-keys) or none";
      config.caller_auth.mode = AuthMode::kNone;  // the simulated backends hold nothing to protect
      return std::nullopt;
    case AuthMode::kApiKey:
      if (config.caller_auth.api_key_digests.empty() && config.caller_auth.soap_users.empty()) {
        return "auth = api-key needs api-key-sha256, api-keys or soap-users";
      }
      return std::nullopt;
    case AuthMode::kNone: return std::nullopt;
  }
  return std::nullopt;
}

std::optional<std::string> CheckCredentials(const BackendEndpoint& endpoint, const std::string& name) {
  if (endpoint.username.empty() != endpoint.password.empty()) {
    return name + "-username and " + name + "-password go together: set both or neither";
  }
  if (endpoint.wsse_user.empty() != endpoint.wsse_password.empty()) {
    return name + "-wsse-user and " + name + "-wsse-password go together: set both or neither";
  }
  // A clear-text password only where TLS hides it (--simulate's backends are http://).
  if (!endpoint.wsse_user.empty() && endpoint.wsse_password_type == WssePasswordType::kText &&
      endpoint.url.rfind("https://", 0) != 0) {
    return name + "-wsse-password-type text sends the password in clear: it needs an https:// " + name + "-url";
  }
  return std::nullopt;
}

// True when a setting whose name starts with `prefix` had its value refused.
bool AnyFailed(const std::set<std::string>& failed, const std::string& prefix) {
  const auto it = failed.lower_bound(prefix);
  return it != failed.end() && it->rfind(prefix, 0) == 0;
}

// One backend's settings together; nothing about a backend one of whose
// settings was refused (that problem is already listed).
void CheckBackend(const BackendEndpoint& endpoint, const Config& config, const BackendWords& words,
                  const std::set<std::string>& failed, Problems& problems) {
  if (AnyFailed(failed, words.prefix + "-")) return;
  if (auto problem = CheckCredentials(endpoint, words.prefix)) problems.push_back(*problem);
  if (!config.simulate && endpoint.url.empty())
    problems.push_back(words.prefix + "-url is required (or use --simulate)");
}

// The settings that must go together; `failed` names the settings already refused.
Problems CheckComplete(Config& config, const std::set<std::string>& failed) {
  Problems problems;
  if (config.tls_cert_file.empty() != config.tls_key_file.empty() && !AnyFailed(failed, "tls-")) {
    problems.emplace_back("tls-cert-file and tls-key-file go together: set both or neither");
  }
  CheckBackend(config.work_order, config, WorkOrderWords(), failed, problems);
  CheckBackend(config.midas, config, MidasWords(), failed, problems);
  const bool auth_failed = AnyFailed(failed, "auth") || AnyFailed(failed, "api-key") || AnyFailed(failed, "soap-users");
  if (!auth_failed) {
    if (auto problem = CheckAuth(config)) problems.push_back(*problem);
  }
  return problems;
}

std::string Joined(const Problems& problems) {
  std::string text;
  for (const std::string& problem : problems) text += (text.empty() ? "" : "; ") + problem;
  return text;
}

// Every setting given, lowest layer first: the files, the environment, the
// flags; the problems found reading them go to `problems` in that order.
std::vector<GivenSetting> GatherAll(const std::vector<std::string>& args, const Environment& environment,
                                    Problems& problems) {
  Gathered files;
  for (const std::string& path : ConfigFiles(args, environment, files.problems)) GatherFile(path, files);
  Gathered flags;
  GatherFlags(args, flags);
  Gathered variables;
  GatherEnvironment(environment, ReferencedVariables({&files, &flags}, environment), variables);
  std::vector<GivenSetting> given;
  for (Gathered* part : {&files, &variables, &flags}) {
    given.insert(given.end(), part->given.begin(), part->given.end());
    problems.insert(problems.end(), part->problems.begin(), part->problems.end());
  }
  return given;
}

}  // namespace

std::string EnvironmentName(const std::string& setting_name) {
  std::string name = kEnvironmentPrefix;
  for (const char c : setting_name) {
    name += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return name;
}

Environment ProcessEnvironment() {
  Environment environment;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string text = *entry;
    const std::size_t eq = text.find('=');
    if (eq != std::string::npos) environment.emplace_back(text.substr(0, eq), text.substr(eq + 1));
  }
  return environment;
}

ConfigResult ParseConfig(const std::vector<std::string>& args, bool require_backends, const Environment& environment) {
  Problems problems;
  const std::vector<GivenSetting> given = GatherAll(args, environment, problems);
  Config config;
  std::set<std::string> failed;
  ApplyGiven(given, config, problems, failed);
  if (require_backends) {
    for (std::string& problem : CheckComplete(config, failed)) problems.push_back(std::move(problem));
  }
  if (!problems.empty()) return ConfigError{Joined(problems), problems};
  if (config.database.empty() && !config.simulate) config.database = kDefaultDatabase;
  return config;
}

ConfigResult ParseConfig(const std::vector<std::string>& args, bool require_backends) {
  return ParseConfig(args, require_backends, ProcessEnvironment());
}

std::string UsageText() {
  std::ostringstream out;
  out << "Usage: voip-migration-adapter [--config FILE] [--FLAG VALUE]...\n\n"
         "CreateVOIPMigrationWorkOrder adapter: JSON POST /CreateVOIPMigrationWorkOrder -> legacy work-order\n"
         "system (SOAP) -> MIDAS migration status (SOAP).\n\n"
         "  --config FILE   read settings from FILE: one 'name = value' per line, '#' starts a comment; names\n"
         "                  are the flag names below without '--' (default: $VOIP_ADAPTER_CONFIG, if set).\n"
         "  --check-config  load and validate the settings, print the effective ones as JSON (secrets as\n"
         "                  \"set\" or \"unset\") and exit 0; or list every problem and exit 2. Opens no\n"
         "                  database, binds no port and calls no backend.\n"
         "  --help          print this text and exit.\n"
         "  --version       print the version, the git commit and the gSOAP version, then exit.\n"
         "Every setting can also come from the environment as VOIP_ADAPTER_ and its name in upper case with\n"
         "'_' for '-' (VOIP_ADAPTER_WORKORDER_URL). Per setting, flags win over the environment, which wins\n"
         "over the file; an unknown VOIP_ADAPTER_ variable is refused.\n";
  out << ConfigSettings().UsageLines(UsageLayout{36, false});
  return out.str();
}

std::variant<std::vector<SoapUser>, std::string> SoapUsersFromSecret(const std::string& reference) {
  auto secret = ResolveSecret(reference);
  if (auto* error = std::get_if<SecretError>(&secret)) return error->message;
  std::vector<SoapUser> users;
  for (const std::string& line : ListItems(std::get<std::string>(secret), "\n")) {
    const std::size_t colon = line.find(':');
    if (colon == 0 || colon == std::string::npos || colon + 1 == line.size()) {
      return std::string("names a secret whose lines must be user:password");
    }
    users.push_back(SoapUser{line.substr(0, colon), line.substr(colon + 1)});
  }
  if (users.empty()) return std::string("names a secret that holds no user:password line");
  return users;
}

}  // namespace voip
