#include "http/caller_auth.h"

#include <cctype>
#include <string>

#include "adapter/secret.h"

namespace voip {
namespace {

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool StartsWithIgnoreCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
  }
  return true;
}

// The key from "Bearer KEY", or "" when the header is absent or another scheme.
std::string_view BearerKey(std::string_view authorization) {
  authorization = TrimSpaces(authorization);
  constexpr std::string_view kBearer = "bearer ";
  if (!StartsWithIgnoreCase(authorization, kBearer)) return {};
  return TrimSpaces(authorization.substr(kBearer.size()));
}

}  // namespace

AuthVerdict CallerAuthenticator::CheckApiKey(std::string_view authorization,
                                             std::string_view api_key_header) const {
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
  return verdict == AuthVerdict::kWrongCredentials
             ? R"(Bearer realm="voip-migration-adapter", error="invalid_token")"
             : R"(Bearer realm="voip-migration-adapter")";
}

}  // namespace voip
