#include "platform/effective_config.h"

#include <string>

namespace voip {
namespace {

const char* SetOrUnset(bool set) { return set ? "set" : "unset"; }

// The listen address as the flag takes it (an IPv6 host in brackets).
std::string ListenText(const Config& config) {
  const bool ipv6 = config.listen_host.find(':') != std::string::npos;
  const std::string host = ipv6 ? "[" + config.listen_host + "]" : config.listen_host;
  return host + ":" + std::to_string(config.listen_port);
}

const char* AuthText(AuthMode mode) {
  switch (mode) {
    case AuthMode::kApiKey: return "api-key";
    case AuthMode::kNone: return "none";
    case AuthMode::kUnset: return "unset";
  }
  return "unset";
}

// One backend's settings, named after its prefix.
void AddBackend(nlohmann::json& out, const std::string& prefix, const BackendEndpoint& e) {
  const std::string p = prefix + "-";
  out[p + "url"] = e.url;
  out[p + "connect-timeout-ms"] = e.connect_timeout_ms;
  out[p + "timeout-ms"] = e.timeout_ms;
  out[p + "max-idle-connections"] = e.max_idle_connections;
  out[p + "breaker-failures"] = e.breaker_failures;
  out[p + "breaker-open-ms"] = e.breaker_open_ms;
  out[p + "breaker-probes"] = e.breaker_probes;
  out[p + "username"] = e.username;
  out[p + "password"] = SetOrUnset(!e.password.empty());
  out[p + "wsse-user"] = e.wsse_user;
  out[p + "wsse-password"] = SetOrUnset(!e.wsse_password.empty());
  out[p + "wsse-password-type"] = e.wsse_password_type == WssePasswordType::kText ? "text" : "digest";
  out[p + "ca-file"] = e.ca_file;
  out[p + "client-cert"] = e.client_cert_file;
  out[p + "client-key-password"] = SetOrUnset(!e.client_key_password.empty());
}

void AddListener(nlohmann::json& out, const Config& c) {
  out["listen"] = ListenText(c);
  out["simulate"] = c.simulate;
  out["threads"] = c.threads;
  out["max-queued-connections"] = c.max_queued_connections;
  out["max-connections"] = c.max_connections;
  out["first-request-timeout-s"] = c.first_request_timeout_s;
  out["max-in-flight"] = c.max_in_flight;
  out["request-deadline-ms"] = c.request_deadline_ms;
  out["max-body-bytes"] = c.max_body_bytes;
  out["max-request-head-bytes"] = c.max_request_head_bytes;
  out["max-request-headers"] = c.max_request_headers;
  out["keep-alive-max-count"] = c.keep_alive_max_count;
  out["keep-alive-timeout-s"] = c.keep_alive_timeout_s;
  out["read-timeout-s"] = c.read_timeout_s;
  out["request-read-timeout-s"] = c.request_read_timeout_s;
}

void AddDurability(nlohmann::json& out, const Config& c) {
  out["database"] = c.database;  // a PostgreSQL URI holds no password (refused at start-up)
  out["database-password"] = SetOrUnset(!c.database_password.empty());
  out["database-pool-size"] = c.database_pool_size;
  out["database-pool-wait-ms"] = c.database_pool_wait_ms;
  out["database-statement-timeout-ms"] = c.database_statement_timeout_ms;
  out["database-lease-ms"] = c.database_lease_ms;
  out["database-sync"] = c.database_sync_full ? "full" : "normal";
  out["outbox-retry-base-ms"] = c.outbox_retry_base_ms;
  out["outbox-retry-cap-ms"] = c.outbox_retry_cap_ms;
  out["outbox-max-age-s"] = c.outbox_max_age_s;
  out["outbox-poll-ms"] = c.outbox_poll_ms;
  out["database-check-ms"] = c.database_check_ms;
  out["idempotency-key-ttl-s"] = c.idempotency_key_ttl_s;
  out["shutdown-grace-s"] = c.shutdown_grace_s;
  out["drain-ready-grace-s"] = c.drain_ready_grace_s;
}

void AddPresenceAndAuth(nlohmann::json& out, const Config& c) {
  out["public-base-url"] = c.public_base_url;
  out["log-level"] = c.log_level;
  out["startup-banner"] = c.banner_in_log ? "log" : "stderr";
  out["tls-cert-file"] = c.tls_cert_file;
  out["tls-key-file"] = c.tls_key_file;
  out["tls-key-password"] = SetOrUnset(!c.tls_key_password.empty());
  out["auth"] = AuthText(c.caller_auth.mode);
  out["api-key-sha256"] = c.caller_auth.api_key_digests_given;
  out["api-keys"] = SetOrUnset(c.sources.count("api-keys") > 0);
  out["soap-users"] = SetOrUnset(!c.caller_auth.soap_users.empty());
  out["soap-token-window-s"] = c.caller_auth.token_window_s;
  out["soap-token-max-nonces"] = c.caller_auth.token_max_nonces;
}

}  // namespace

nlohmann::json EffectiveConfig(const Config& config) {
  nlohmann::json out = nlohmann::json::object();
  AddListener(out, config);
  AddBackend(out, WorkOrderWords().prefix, config.work_order);
  AddBackend(out, MidasWords().prefix, config.midas);
  AddDurability(out, config);
  AddPresenceAndAuth(out, config);
  return out;
}

nlohmann::json ConfigSources(const Config& config) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, source] : config.sources) out[name] = source;
  return out;
}

std::string CheckConfigText(const Config& config) {
  const nlohmann::json shown = {{"config", EffectiveConfig(config)}, {"sources", ConfigSources(config)}};
  return shown.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace voip
