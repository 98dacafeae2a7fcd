#include "http/caller_auth.h"

#include <openssl/evp.h>

#include <cctype>
#include <string>

#include "platform/secret.h"
#include "platform/text.h"

namespace voip {
namespace {

// Leading and trailing spaces and tabs (RFC 9110's OWS) cut off.
std::string_view TrimSpaces(std::string_view s) { return Trim(s, " \t"); }

// `text` starts with `prefix`, ignoring ASCII letter case.
bool StartsWithIgnoreCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && EqualsIgnoreCase(text.substr(0, prefix.size()), prefix);
}

// The key from "Bearer KEY", or "" when the header is absent or another scheme.
std::string_view BearerKey(std::string_view authorization) {
  authorization = TrimSpaces(authorization);
  constexpr std::string_view kBearer = "bearer ";
  if (!StartsWithIgnoreCase(authorization, kBearer)) return {};
  return TrimSpaces(authorization.substr(kBearer.size()));
}

// The credentials from "Basic CREDENTIALS", or "" for another scheme.
std::string_view BasicCredentials(std::string_view authorization) {
  authorization = TrimSpaces(authorization);
  constexpr std::string_view kBasic = "basic ";
  if (!StartsWithIgnoreCase(authorization, kBasic)) return {};
  return TrimSpaces(authorization.substr(kBasic.size()));
}

constexpr const char* kBasicChallenge = R"(Basic realm="voip-migration-adapter", charset="UTF-8")";

}  // namespace

CallerAuthenticator::CallerAuthenticator(CallerAuthConfig config)
    : config_(std::move(config)),
      token_verifier_(config_.soap_users, std::chrono::seconds(config_.token_window_s),
                      static_cast<std::size_t>(config_.token_max_nonces)) {
  for (const SoapUser& user : config_.soap_users) basic_digests_.push_back(Sha256(user.name + ":" + user.password));
}

AuthVerdict CallerAuthenticator::CheckBasic(std::string_view credentials_base64) const {
  if (credentials_base64.empty() || credentials_base64.size() % 4 != 0 || credentials_base64.size() > 4096) {
    return AuthVerdict::kWrongCredentials;
  }
  std::string decoded(credentials_base64.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(decoded.data()),
                                reinterpret_cast<const unsigned char*>(credentials_base64.data()),
                                static_cast<int>(credentials_base64.size()));
  if (n < 0) return AuthVerdict::kWrongCredentials;
  std::size_t length = static_cast<std::size_t>(n);
  if (credentials_base64.back() == '=') --length;
  if (credentials_base64[credentials_base64.size() - 2] == '=') --length;
  decoded.resize(length);
  const Sha256Digest presented = Sha256(decoded);
  bool match = false;
  for (const Sha256Digest& accepted : basic_digests_) match |= ConstantTimeEquals(presented, accepted);
  return match ? AuthVerdict::kAllowed : AuthVerdict::kWrongCredentials;
}

SoapAuthResult CallerAuthenticator::CheckSoap(std::string_view authorization, std::string_view api_key_header,
                                              std::string_view envelope, std::chrono::system_clock::time_point now) {
  if (config_.mode == AuthMode::kNone) return {};
  const std::string challenge = kBasicChallenge;  // legacy SOAP stacks understand Basic
  if (const std::string_view basic = BasicCredentials(authorization); !basic.empty()) {
    if (CheckBasic(basic) == AuthVerdict::kAllowed) return {};
    return {AuthVerdict::kWrongCredentials, "The user name or password is not valid", challenge, std::nullopt};
  }
  if (const auto token = ExtractUsernameToken(envelope)) {
    const TokenVerdict verdict = token_verifier_.Verify(*token, now);
    if (verdict == TokenVerdict::kAccepted) return {};
    return {AuthVerdict::kWrongCredentials, TokenVerdictText(verdict), challenge, verdict};
  }
  const AuthVerdict verdict = CheckApiKey(authorization, api_key_header);
  if (verdict == AuthVerdict::kAllowed) return {};
  if (verdict == AuthVerdict::kMissingCredentials) {
    return {verdict, "Authentication required: HTTP Basic, a WS-Security UsernameToken (PasswordDigest) or an API key",
            challenge, std::nullopt};
  }
  return {verdict, "The API key is not valid", challenge, std::nullopt};
}

AuthVerdict CallerAuthenticator::CheckApiKey(std::string_view authorization, std::string_view api_key_header) const {
  if (config_.mode == AuthMode::kNone) return AuthVerdict::kAllowed;
  std::string_view key = BearerKey(authorization);
  if (key.empty()) key = TrimSpaces(api_key_header);
  if (key.empty()) {
    return TrimSpaces(authorization).empty() ? AuthVerdict::kMissingCredentials : AuthVerdict::kWrongCredentials;
  }
  const Sha256Digest presented = Sha256(key);
  bool match = false;
  for (const Sha256Digest& accepted : config_.api_key_digests) {
    match |= ConstantTimeEquals(presented, accepted);
  }
  return match ? AuthVerdict::kAllowed : AuthVerdict::kWrongCredentials;
}

const char* ApiKeyChallenge(AuthVerdict verdict) {
  return verdict == AuthVerdict::kWrongCredentials ? R"(Bearer realm="voip-migration-adapter", error="invalid_token")"
                                                   : R"(Bearer realm="voip-migration-adapter")";
}

}  // namespace voip
