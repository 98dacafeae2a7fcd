// Caller authentication for the adapter's faces: decides, from the credentials
// a request presents, whether it may reach the core. No sockets here.
#pragma once

#include <string_view>
#include <utility>

#include "adapter/config.h"

namespace voip {

enum class AuthVerdict {
  kAllowed,             // authentication is off, or a configured key was presented
  kMissingCredentials,  // nothing usable was presented
  kWrongCredentials,    // a key was presented and it is not a configured one
};

// Immutable after construction; thread-safe. Keeps only SHA-256 digests.
class CallerAuthenticator {
 public:
  explicit CallerAuthenticator(CallerAuthConfig config) : config_(std::move(config)) {}

  // True unless authentication was explicitly configured off (kUnset counts as
  // on, with no keys: everything is refused).
  bool enabled() const { return config_.mode != AuthMode::kNone; }

  // Checks an API key presented as `Authorization: Bearer KEY` (scheme
  // case-insensitive) or as `X-API-Key: KEY`; pass each header's value, or ""
  // when absent. When both are present, the Authorization header is used.
  // The presented key is hashed and compared with every configured digest in
  // constant time (no early exit), so timing reveals neither which key nor how
  // much of it matched. Never logs anything.
  AuthVerdict CheckApiKey(std::string_view authorization, std::string_view api_key_header) const;

 private:
  CallerAuthConfig config_;
};

// The WWW-Authenticate challenge to send with a 401 for `verdict` (RFC 6750).
const char* ApiKeyChallenge(AuthVerdict verdict);

}  // namespace voip
