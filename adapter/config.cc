#include "adapter/config.h"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>

#include "adapter/public_url.h"

namespace voip {
namespace {

using Apply = std::function<std::optional<std::string>(Config&, const std::string&)>;

// One setting: the same name is the flag (--name) and the file key (name = ...).
struct Setting {
  const char* name;
  const char* value_hint;  // empty for a switch
  const char* help;
  Apply apply;
};

std::optional<long> ParseLong(const std::string& text) {
  if (text.empty()) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  const long value = std::strtol(text.c_str(), &end, 10);
  if (errno != 0 || *end != '\0') return std::nullopt;
  return value;
}

Apply IntIn(long min, long max, std::function<void(Config&, long)> set) {
  return [=](Config& config, const std::string& text) -> std::optional<std::string> {
    const auto value = ParseLong(text);
    if (!value || *value < min || *value > max) {
      return "must be an integer from " + std::to_string(min) + " to " + std::to_string(max) + ", got '" + text +
             "'";
    }
    set(config, *value);
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
    const auto port = ParseLong(url.substr(host_end + 1, port_end - host_end - 1));
    if (!port || *port < 1 || *port > 65535) return "has an invalid port: '" + url + "'";
  }
  return std::nullopt;
}

Apply Url(BackendEndpoint Config::*endpoint) {
  return [endpoint](Config& config, const std::string& text) -> std::optional<std::string> {
    if (auto problem = CheckUrl(text)) return problem;
    (config.*endpoint).url = text;
    return std::nullopt;
  };
}

Apply Username(BackendEndpoint Config::*endpoint) {
  return [endpoint](Config& config, const std::string& text) -> std::optional<std::string> {
    if (text.empty() || text.find(':') != std::string::npos) return "must be non-empty and hold no ':'";
    (config.*endpoint).username = text;
    return std::nullopt;
  };
}

// A secret setting: the value names where the password is (env:NAME or file:PATH).
Apply Password(BackendEndpoint Config::*endpoint) {
  return [endpoint](Config& config, const std::string& reference) -> std::optional<std::string> {
    auto secret = ResolveSecret(reference);
    if (auto* error = std::get_if<SecretError>(&secret)) return error->message;
    (config.*endpoint).password = std::get<std::string>(secret);
    return std::nullopt;
  };
}

Apply WsseUser(BackendEndpoint Config::*endpoint) {
  return [endpoint](Config& config, const std::string& text) -> std::optional<std::string> {
    if (text.empty()) return "must be non-empty";
    (config.*endpoint).wsse_user = text;
    return std::nullopt;
  };
}

Apply WssePassword(BackendEndpoint Config::*endpoint) {
  return [endpoint](Config& config, const std::string& reference) -> std::optional<std::string> {
    auto secret = ResolveSecret(reference);
    if (auto* error = std::get_if<SecretError>(&secret)) return error->message;
    (config.*endpoint).wsse_password = std::get<std::string>(secret);
    return std::nullopt;
  };
}

Apply WssePasswordTypeOf(BackendEndpoint Config::*endpoint) {
  return [endpoint](Config& config, const std::string& text) -> std::optional<std::string> {
    if (text == "digest") {
      (config.*endpoint).wsse_password_type = WssePasswordType::kDigest;
    } else if (text == "text") {
      (config.*endpoint).wsse_password_type = WssePasswordType::kText;
    } else {
      return "must be digest or text, got '" + text + "'";
    }
    return std::nullopt;
  };
}

// A file that must be readable at start-up (a certificate, a key).
Apply ReadableFile(std::string BackendEndpoint::*field, BackendEndpoint Config::*endpoint) {
  return [field, endpoint](Config& config, const std::string& path) -> std::optional<std::string> {
    if (path.empty() || !std::ifstream(path)) return "cannot read the file '" + path + "'";
    (config.*endpoint).*field = path;
    return std::nullopt;
  };
}

Apply KeyPassword(BackendEndpoint Config::*endpoint) {
  return [endpoint](Config& config, const std::string& reference) -> std::optional<std::string> {
    auto secret = ResolveSecret(reference);
    if (auto* error = std::get_if<SecretError>(&secret)) return error->message;
    (config.*endpoint).client_key_password = std::get<std::string>(secret);
    return std::nullopt;
  };
}

Apply ServerFile(std::string Config::*field) {
  return [field](Config& config, const std::string& path) -> std::optional<std::string> {
    if (path.empty() || !std::ifstream(path)) return "cannot read the file '" + path + "'";
    config.*field = path;
    return std::nullopt;
  };
}

std::optional<std::string> ApplyListen(Config& config, const std::string& text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return "must be HOST:PORT, got '" + text + "'";
  const auto port = ParseLong(text.substr(colon + 1));
  if (!port || *port < 0 || *port > 65535) return "has an invalid port (0 to 65535): '" + text + "'";
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  config.listen_host = host;
  config.listen_port = static_cast<int>(*port);
  return std::nullopt;
}

std::string TrimSpaces(const std::string& s) {
  const auto begin = s.find_first_not_of(" \t\r");
  if (begin == std::string::npos) return "";
  const auto end = s.find_last_not_of(" \t\r");
  return s.substr(begin, end - begin + 1);
}

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

// Comma-separated SHA-256 digests (hex) of accepted API keys; adds to the list.
std::optional<std::string> ApplyApiKeyDigests(Config& config, const std::string& text) {
  std::istringstream items(text);
  std::string item;
  bool any = false;
  while (std::getline(items, item, ',')) {
    item = TrimSpaces(item);
    if (item.empty()) continue;
    const auto digest = ParseSha256Hex(item);
    if (!digest) return "must be SHA-256 digests as 64 hex digits, comma-separated";
    config.caller_auth.api_key_digests.push_back(*digest);
    any = true;
  }
  if (!any) return "needs at least one SHA-256 digest";
  return std::nullopt;
}

// A secret (env:NAME or file:PATH) holding API keys, one per line or
// comma-separated; only their digests are kept. Adds to the list.
std::optional<std::string> ApplyApiKeys(Config& config, const std::string& reference) {
  auto secret = ResolveSecret(reference);
  if (auto* error = std::get_if<SecretError>(&secret)) return error->message;
  std::string keys = std::get<std::string>(secret);
  for (char& c : keys) {
    if (c == '\n') c = ',';
  }
  std::istringstream items(keys);
  std::string item;
  bool any = false;
  while (std::getline(items, item, ',')) {
    item = TrimSpaces(item);
    if (item.empty()) continue;
    config.caller_auth.api_key_digests.push_back(Sha256(item));
    any = true;
  }
  if (!any) return "names a secret that holds no API key";
  return std::nullopt;
}

// A secret holding SOAP callers, one "user:password" per line; adds to the list.
std::optional<std::string> ApplySoapUsers(Config& config, const std::string& reference) {
  auto secret = ResolveSecret(reference);
  if (auto* error = std::get_if<SecretError>(&secret)) return error->message;
  std::istringstream lines(std::get<std::string>(secret));
  std::string line;
  bool any = false;
  while (std::getline(lines, line)) {
    line = TrimSpaces(line);
    if (line.empty()) continue;
    const std::size_t colon = line.find(':');
    if (colon == 0 || colon == std::string::npos || colon + 1 == line.size()) {
      return "names a secret whose lines must be user:password";
    }
    config.caller_auth.soap_users.push_back(SoapUser{line.substr(0, colon), line.substr(colon + 1)});
    any = true;
  }
  if (!any) return "names a secret that holds no user:password line";
  return std::nullopt;
}

const std::vector<Setting>& Settings() {
  static const std::vector<Setting> settings = {
      {"listen", "HOST:PORT", "Address to serve on; port 0 picks a free port. Default 127.0.0.1:8080.",
       ApplyListen},
      {"simulate", "", "Start the work-order and MIDAS simulators in-process on loopback and use them "
                       "(ignores the backend URLs).",
       [](Config& c, const std::string& v) -> std::optional<std::string> {
         const auto b = ParseBool(v);
         if (!b) return "must be true or false, got '" + v + "'";
         c.simulate = *b;
         return std::nullopt;
       }},
      {"workorder-url", "URL", "SOAP endpoint of the legacy work-order system (required unless --simulate).",
       Url(&Config::work_order)},
      {"workorder-connect-timeout-ms", "MS", "TCP connect time-out to the work-order system. Default 2000.",
       IntIn(1, 600000, [](Config& c, long v) { c.work_order.connect_timeout_ms = static_cast<int>(v); })},
      {"workorder-timeout-ms", "MS",
       "Time-out for the whole work-order exchange once connected (send and answer). Default 10000.",
       IntIn(1, 600000, [](Config& c, long v) { c.work_order.timeout_ms = static_cast<int>(v); })},
      {"workorder-max-idle-connections", "N", "Keep-alive connections kept open to the work-order system. "
                                              "Default 64.",
       IntIn(0, 10000, [](Config& c, long v) { c.work_order.max_idle_connections = static_cast<int>(v); })},
      {"workorder-breaker-failures", "N",
       "Consecutive failed calls to the work-order system (connect failed, time-out, HTTP error, malformed "
       "answer; not SOAP faults) that open its circuit breaker; 0 never opens it. Default 5.",
       IntIn(0, 1000000, [](Config& c, long v) { c.work_order.breaker_failures = static_cast<int>(v); })},
      {"workorder-breaker-open-ms", "MS",
       "How long the work-order system's open circuit breaker refuses calls before letting probes through "
       "(half-open). Default 30000.",
       IntIn(1, 3600000, [](Config& c, long v) { c.work_order.breaker_open_ms = static_cast<int>(v); })},
      {"workorder-breaker-probes", "N",
       "Calls let through to the work-order system at a time while its breaker is half-open. Default 1.",
       IntIn(1, 1000, [](Config& c, long v) { c.work_order.breaker_probes = static_cast<int>(v); })},
      {"workorder-username", "USER", "HTTP Basic user name sent to the work-order system (needs "
                                     "workorder-password).",
       Username(&Config::work_order)},
      {"workorder-password", "env:NAME|file:PATH", "SECRET. HTTP Basic password for the work-order system.",
       Password(&Config::work_order)},
      {"workorder-wsse-user", "USER", "WS-Security UsernameToken user name sent in the SOAP Header of every call "
                                  "to the work-order system (needs workorder-wsse-password).",
       WsseUser(&Config::work_order)},
      {"workorder-wsse-password", "env:NAME|file:PATH", "SECRET. WS-Security UsernameToken password for the work-order system.",
       WssePassword(&Config::work_order)},
      {"workorder-wsse-password-type", "digest|text",
       "How the UsernameToken carries the password: digest (PasswordDigest: Base64(SHA-1(nonce + created + "
       "password))) or text (PasswordText, the password itself; only with an https:// workorder-url). "
       "Default digest.",
       WssePasswordTypeOf(&Config::work_order)},
      {"workorder-ca-file", "PEM", "CA certificate(s) trusted for an https:// work-order URL (only these); "
                                   "default: the system's CAs. Host names are always checked.",
       ReadableFile(&BackendEndpoint::ca_file, &Config::work_order)},
      {"workorder-client-cert", "PEM", "Client certificate and private key (one PEM file) presented to the "
                                       "work-order system for mutual TLS.",
       ReadableFile(&BackendEndpoint::client_cert_file, &Config::work_order)},
      {"workorder-client-key-password", "env:NAME|file:PATH",
       "SECRET. Password of an encrypted workorder-client-cert key.", KeyPassword(&Config::work_order)},
      {"midas-url", "URL", "SOAP endpoint of MIDAS (required unless --simulate).", Url(&Config::midas)},
      {"midas-connect-timeout-ms", "MS", "TCP connect time-out to MIDAS. Default 2000.",
       IntIn(1, 600000, [](Config& c, long v) { c.midas.connect_timeout_ms = static_cast<int>(v); })},
      {"midas-timeout-ms", "MS", "Time-out for the whole MIDAS exchange once connected. Default 10000.",
       IntIn(1, 600000, [](Config& c, long v) { c.midas.timeout_ms = static_cast<int>(v); })},
      {"midas-max-idle-connections", "N", "Keep-alive connections kept open to MIDAS. Default 64.",
       IntIn(0, 10000, [](Config& c, long v) { c.midas.max_idle_connections = static_cast<int>(v); })},
      {"midas-breaker-failures", "N",
       "Consecutive failed calls to MIDAS (connect failed, time-out, HTTP error, malformed answer; not SOAP "
       "faults) that open its circuit breaker; 0 never opens it. Default 5.",
       IntIn(0, 1000000, [](Config& c, long v) { c.midas.breaker_failures = static_cast<int>(v); })},
      {"midas-breaker-open-ms", "MS",
       "How long MIDAS's open circuit breaker refuses calls before letting probes through (half-open). "
       "Default 30000.",
       IntIn(1, 3600000, [](Config& c, long v) { c.midas.breaker_open_ms = static_cast<int>(v); })},
      {"midas-breaker-probes", "N", "Calls let through to MIDAS at a time while its breaker is half-open. "
                                    "Default 1.",
       IntIn(1, 1000, [](Config& c, long v) { c.midas.breaker_probes = static_cast<int>(v); })},
      {"midas-username", "USER", "HTTP Basic user name sent to MIDAS (needs midas-password).",
       Username(&Config::midas)},
      {"midas-password", "env:NAME|file:PATH", "SECRET. HTTP Basic password for MIDAS.", Password(&Config::midas)},
      {"midas-wsse-user", "USER", "WS-Security UsernameToken user name sent in the SOAP Header of every call "
                                  "to MIDAS (needs midas-wsse-password).",
       WsseUser(&Config::midas)},
      {"midas-wsse-password", "env:NAME|file:PATH", "SECRET. WS-Security UsernameToken password for MIDAS.",
       WssePassword(&Config::midas)},
      {"midas-wsse-password-type", "digest|text",
       "How the UsernameToken carries the password: digest (PasswordDigest: Base64(SHA-1(nonce + created + "
       "password))) or text (PasswordText, the password itself; only with an https:// midas-url). "
       "Default digest.",
       WssePasswordTypeOf(&Config::midas)},
      {"midas-ca-file", "PEM", "CA certificate(s) trusted for an https:// MIDAS URL (only these); default: the "
                                "system's CAs. Host names are always checked.",
       ReadableFile(&BackendEndpoint::ca_file, &Config::midas)},
      {"midas-client-cert", "PEM", "Client certificate and private key (one PEM file) presented to MIDAS for "
                                   "mutual TLS.",
       ReadableFile(&BackendEndpoint::client_cert_file, &Config::midas)},
      {"midas-client-key-password", "env:NAME|file:PATH", "SECRET. Password of an encrypted midas-client-cert key.",
       KeyPassword(&Config::midas)},
      {"threads", "N", "HTTP worker threads; each serves one request at a time (a connection waiting for its "
                       "next request holds no thread). Default 64.",
       IntIn(1, 4096, [](Config& c, long v) { c.threads = static_cast<int>(v); })},
      {"max-queued-connections", "N",
       "Requests whose head has arrived that may wait for a free worker thread; one beyond that is "
       "answered at once with 503 and Retry-After, and its connection closed. Default 64.",
       IntIn(0, 100000, [](Config& c, long v) { c.max_queued_connections = static_cast<int>(v); })},
      {"max-connections", "N",
       "Client connections open at once. A new one beyond it first closes the connection kept alive idle "
       "the longest; with none, it is answered 503 and Retry-After from its request head (read within 1 s; "
       "/health, /ready and /metrics are still answered) and closed; 64 more beyond that are closed at once. "
       "Keep it well under the open-files limit (ulimit -n). Default 512.",
       IntIn(1, 1000000, [](Config& c, long v) { c.max_connections = static_cast<int>(v); })},
      {"first-request-timeout-s", "S",
       "A new connection's first request head (request line and headers; with TLS, the handshake too) "
       "must have arrived within this of the connection; else it is closed. Default 10.",
       IntIn(1, 3600, [](Config& c, long v) { c.first_request_timeout_s = static_cast<int>(v); })},
      {"max-in-flight", "N",
       "Requests processed at once (calling the backends); one beyond that is answered at once with 503 "
       "and Retry-After, calling nothing. 0: as many as there are threads. Default 0.",
       IntIn(0, 100000, [](Config& c, long v) { c.max_in_flight = static_cast<int>(v); })},
      {"request-deadline-ms", "MS",
       "Deadline of a whole request from when it is read: each backend call's time-outs are clamped to what "
       "remains, no retry starts after it, and MIDAS is not called once it has passed (the update is left "
       "pending for the relay). Default 15000.",
       IntIn(1, 3600000, [](Config& c, long v) { c.request_deadline_ms = static_cast<int>(v); })},
      {"max-body-bytes", "N", "Largest request body accepted; larger ones get 413. Default 65536.",
       IntIn(256, 16 * 1024 * 1024, [](Config& c, long v) { c.max_body_bytes = static_cast<std::size_t>(v); })},
      {"max-request-head-bytes", "N",
       "Largest request head (request line, headers and the empty line after them) read from a client, "
       "before authentication; beyond it 431 (414 while still in the request line, which may be 8192 "
       "bytes at most, as may each header line), then the connection is closed. Default 16384.",
       IntIn(1024, 1024 * 1024, [](Config& c, long v) { c.max_request_head_bytes = static_cast<std::size_t>(v); })},
      {"max-request-headers", "N", "Most header lines in one request; beyond it 431, then the connection is "
                                   "closed. Default 100.",
       IntIn(1, 10000, [](Config& c, long v) { c.max_request_headers = static_cast<std::size_t>(v); })},
      {"keep-alive-max-count", "N", "Requests served on one client connection before it is closed. "
                                    "Default 10000.",
       IntIn(1, INT_MAX, [](Config& c, long v) { c.keep_alive_max_count = static_cast<int>(v); })},
      {"keep-alive-timeout-s", "S", "Idle time before a kept-alive client connection is closed. Default 30.",
       IntIn(1, 3600, [](Config& c, long v) { c.keep_alive_timeout_s = static_cast<int>(v); })},
      {"read-timeout-s", "S", "Time-out for reading a client's request (slow clients are cut off). "
                              "Default 10.",
       IntIn(1, 3600, [](Config& c, long v) { c.read_timeout_s = static_cast<int>(v); })},
      {"request-read-timeout-s", "S", "Time-out for reading a whole request (line, headers and body, from its "
                                      "first byte), however steadily a client drips it; with TLS the handshake too. "
                                      "Default 30.",
       IntIn(1, 3600, [](Config& c, long v) { c.request_read_timeout_s = static_cast<int>(v); })},
      {"database", "PATH", "SQLite database holding pending MIDAS updates and idempotency records; created "
                           "if missing. Default voip-migration-adapter.db (in the working directory); with "
                           "--simulate, a temporary one removed at exit.",
       [](Config& c, const std::string& v) -> std::optional<std::string> {
         if (v.empty()) return std::string("must not be empty");
         c.database = v;
         return std::nullopt;
       }},
      {"database-sync", "MODE", "normal (survives a crash of the process) or full (also a power cut, one "
                                "fsync per commit). Default normal.",
       [](Config& c, const std::string& v) -> std::optional<std::string> {
         if (v != "normal" && v != "full") return "must be normal or full, got '" + v + "'";
         c.database_sync_full = v == "full";
         return std::nullopt;
       }},
      {"outbox-retry-base-ms", "MS", "First backoff ceiling of MIDAS redelivery (doubles per failure, full "
                                     "jitter). Default 500.",
       IntIn(1, 3600000, [](Config& c, long v) { c.outbox_retry_base_ms = static_cast<int>(v); })},
      {"outbox-retry-cap-ms", "MS", "Largest backoff ceiling of MIDAS redelivery. Default 60000.",
       IntIn(1, 86400000, [](Config& c, long v) { c.outbox_retry_cap_ms = static_cast<int>(v); })},
      {"outbox-max-age-s", "S", "A MIDAS update not delivered this long after it became pending is "
                                "dead-lettered. Default 86400 (24 h).",
       IntIn(1, 365 * 86400, [](Config& c, long v) { c.outbox_max_age_s = static_cast<int>(v); })},
      {"outbox-poll-ms", "MS", "How often the relay looks for MIDAS updates due for redelivery. Default 1000.",
       IntIn(10, 600000, [](Config& c, long v) { c.outbox_poll_ms = static_cast<int>(v); })},
      {"database-check-ms", "MS", "GET /ready checks that the database is writable (one small write) at most "
                                  "this often, answering from the last check in between. Default 5000.",
       IntIn(10, 600000, [](Config& c, long v) { c.database_check_ms = static_cast<int>(v); })},
      {"idempotency-key-ttl-s", "S", "How long the answer to an Idempotency-Key is kept and replayed. Default "
                                     "86400 (24 h).",
       IntIn(60, 30 * 86400, [](Config& c, long v) { c.idempotency_key_ttl_s = static_cast<int>(v); })},
      {"shutdown-grace-s", "S", "On SIGTERM or SIGINT, how long requests in flight may still take before the "
                                "process exits anyway (their attempts stay journalled). Default 30.",
       IntIn(1, 3600, [](Config& c, long v) { c.shutdown_grace_s = static_cast<int>(v); })},
      {"public-base-url", "URL",
       "http[s]://host[:port][/path] callers use to reach the adapter; the WSDL served at /soap?wsdl "
       "gives URL/soap as the endpoint. Default: the scheme, host and port each WSDL request arrived on.",
       [](Config& c, const std::string& v) -> std::optional<std::string> {
         auto url = NormalisePublicBaseUrl(v);
         if (!url) return "must be http[s]://host[:port][/path] (path of [A-Za-z0-9._~/-]), got '" + v + "'";
         c.public_base_url = *url;
         return std::nullopt;
       }},
      {"log-level", "LEVEL", "debug, info, warn or error. Default info.",
       [](Config& c, const std::string& v) -> std::optional<std::string> {
         if (v != "debug" && v != "info" && v != "warn" && v != "error") {
           return "must be debug, info, warn or error, got '" + v + "'";
         }
         c.log_level = v;
         return std::nullopt;
       }},
      {"tls-cert-file", "PEM", "Serve HTTPS (TLS 1.2 minimum) with this certificate chain (PEM; the server "
                               "certificate first). Needs tls-key-file.",
       ServerFile(&Config::tls_cert_file)},
      {"tls-key-file", "PEM", "Private key of tls-cert-file (PEM).", ServerFile(&Config::tls_key_file)},
      {"tls-key-password", "env:NAME|file:PATH", "SECRET. Password of an encrypted tls-key-file.",
       [](Config& c, const std::string& reference) -> std::optional<std::string> {
         auto secret = ResolveSecret(reference);
         if (auto* error = std::get_if<SecretError>(&secret)) return error->message;
         c.tls_key_password = std::get<std::string>(secret);
         return std::nullopt;
       }},
      {"auth", "MODE",
       "How callers authenticate: api-key (Authorization: Bearer KEY or X-API-Key: KEY) or none. Required "
       "unless --simulate, where it defaults to none. /health and /metrics are always open.",
       ApplyAuth},
      {"api-key-sha256", "HEX[,HEX]", "SHA-256 digests (hex) of accepted API keys; adds to the list. Not a "
                                      "secret.",
       ApplyApiKeyDigests},
      {"soap-users", "env:NAME|file:PATH",
       "SECRET. SOAP callers, one user:password per line, accepted (with auth = api-key) as HTTP Basic or a "
       "WS-Security UsernameToken with PasswordDigest on /soap; adds to the list.",
       ApplySoapUsers},
      {"soap-token-window-s", "S", "How far a UsernameToken's Created time may be from now, either side; "
                                   "nonces are remembered as long. Default 300.",
       IntIn(10, 3600, [](Config& c, long v) { c.caller_auth.token_window_s = static_cast<int>(v); })},
      {"soap-token-max-nonces", "N", "UsernameToken nonces remembered at most (each until its token leaves the "
                                     "window); when that many are, new tokens are refused until some expire. "
                                     "Default 100000.",
       IntIn(1, 10000000, [](Config& c, long v) { c.caller_auth.token_max_nonces = static_cast<int>(v); })},
      {"api-keys", "env:NAME|file:PATH",
       "SECRET. Accepted API keys, one per line or comma-separated, read from an environment variable or a "
       "file (only their SHA-256 digests are kept); adds to the list.",
       ApplyApiKeys},
  };
  return settings;
}

const Setting* Find(const std::string& name) {
  for (const Setting& s : Settings()) {
    if (name == s.name) return &s;
  }
  return nullptr;
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
    case AuthMode::kNone:
      return std::nullopt;
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

std::optional<std::string> CheckComplete(Config& config) {
  if (config.tls_cert_file.empty() != config.tls_key_file.empty()) {
    return "tls-cert-file and tls-key-file go together: set both or neither";
  }
  if (auto problem = CheckCredentials(config.work_order, "workorder")) return problem;
  if (auto problem = CheckCredentials(config.midas, "midas")) return problem;
  if (!config.simulate) {
    if (config.work_order.url.empty()) return "workorder-url is required (or use --simulate)";
    if (config.midas.url.empty()) return "midas-url is required (or use --simulate)";
  }
  return CheckAuth(config);
}

}  // namespace

ConfigResult ParseConfigText(const std::string& text, Config base) {
  std::istringstream lines(text);
  std::string line;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    const std::string trimmed = TrimSpaces(line.substr(0, line.find('#')));
    if (trimmed.empty()) continue;
    const std::size_t eq = trimmed.find('=');
    if (eq == std::string::npos) {
      return ConfigError{"line " + std::to_string(number) + ": expected 'key = value', got '" + trimmed + "'"};
    }
    const std::string key = TrimSpaces(trimmed.substr(0, eq));
    const std::string value = TrimSpaces(trimmed.substr(eq + 1));
    const Setting* setting = Find(key);
    if (setting == nullptr) return ConfigError{"line " + std::to_string(number) + ": unknown key '" + key + "'"};
    if (auto problem = setting->apply(base, value)) {
      return ConfigError{"line " + std::to_string(number) + ": " + key + " " + *problem};
    }
  }
  return base;
}

ConfigResult ParseConfig(const std::vector<std::string>& args, bool require_backends) {
  Config config;
  // The file first, wherever --config stands, so that flags override it.
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string path;
    if (args[i] == "--config") {
      if (i + 1 >= args.size()) return ConfigError{"--config needs a FILE"};
      path = args[i + 1];
    } else if (args[i].rfind("--config=", 0) == 0) {
      path = args[i].substr(9);
    } else {
      continue;
    }
    std::ifstream file(path);
    if (!file) return ConfigError{"--config: cannot read '" + path + "'"};
    std::stringstream text;
    text << file.rdbuf();
    ConfigResult parsed = ParseConfigText(text.str(), config);
    if (auto* error = std::get_if<ConfigError>(&parsed)) return ConfigError{path + ": " + error->message};
    config = std::get<Config>(parsed);
  }
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.rfind("--", 0) != 0) return ConfigError{"unexpected argument '" + arg + "'"};
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (name == "config") {
      if (!value) ++i;
      continue;
    }
    const Setting* setting = Find(name);
    if (setting == nullptr) return ConfigError{"unknown flag '--" + name + "' (see --help)"};
    if (!value) {
      if (*setting->value_hint == '\0') {
        value = "true";
      } else {
        if (i + 1 >= args.size()) return ConfigError{"--" + name + " needs a value " + setting->value_hint};
        value = args[++i];
      }
    }
    if (auto problem = setting->apply(config, *value)) return ConfigError{"--" + name + " " + *problem};
  }
  if (require_backends) {
    if (auto problem = CheckComplete(config)) return ConfigError{*problem};
  }
  if (config.database.empty() && !config.simulate) config.database = kDefaultDatabase;
  return config;
}

std::string UsageText() {
  std::ostringstream out;
  out << "Usage: voip-migration-adapter [--config FILE] [--FLAG VALUE]...\n\n"
         "CreateVOIPMigrationWorkOrder adapter: JSON POST /CreateVOIPMigrationWorkOrder -> legacy work-order\n"
         "system (SOAP) -> MIDAS migration status (SOAP).\n\n"
         "  --config FILE  read settings from FILE first: one 'name = value' per line, '#' starts a comment;\n"
         "                 names are the flag names below without '--'; flags given on the command line win.\n"
         "  --help         print this text and exit.\n";
  for (const Setting& s : Settings()) {
    std::string flag = std::string("--") + s.name + (*s.value_hint ? std::string(" ") + s.value_hint : "");
    out << "  " << flag;
    out << std::string(flag.size() < 36 ? 36 - flag.size() : 1, ' ') << s.help << "\n";
  }
  return out.str();
}

}  // namespace voip
