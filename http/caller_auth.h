// Caller authentication for the adapter's faces: decides, from the credentials
// a request presents, whether it may reach the core. No sockets here.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "platform/config.h"
#include "platform/secret.h"
#include "platform/username_token.h"

namespace voip {

enum class [[nodiscard]] AuthVerdict{
    kAllowed,             // authentication is off, or a configured key was presented
    kMissingCredentials,  // nothing usable was presented
    kWrongCredentials,    // a key was presented and it is not a configured one
};

// What the SOAP face needs to answer a refusal.
struct [[nodiscard]] SoapAuthResult {
  AuthVerdict verdict = AuthVerdict::kAllowed;
  std::string detail;                         // why it was refused, for the SOAP Fault (no secret in it)
  std::string challenge;                      // the WWW-Authenticate value for the 401
  std::optional<TokenVerdict> token_verdict;  // why a UsernameToken was refused, when one was
};

// Thread-safe. Keeps SHA-256 digests of API keys and of SOAP users'
// "user:password"; SOAP users' passwords themselves only for UsernameToken
// digests.
class CallerAuthenticator {
 public:
  explicit CallerAuthenticator(CallerAuthConfig config);

  // True unless authentication was explicitly configured off (kUnset counts as
  // on, with no keys: everything is refused).
  bool enabled() const { return config_.mode != AuthMode::kNone; }

  // Checks an API key presented as `Authorization: Bearer KEY` (scheme
  // case-insensitive) or as `X-API-Key: KEY`; pass each header's whole value
  // (every byte, its length included: "KEY\0junk" is not "KEY"), or "" when
  // absent. When both are present, the Authorization header is used.
  // The presented key is hashed and compared with every configured digest in
  // constant time (no early exit), so timing reveals neither which key nor how
  // much of it matched. Never logs anything.
  AuthVerdict CheckApiKey(std::string_view authorization, std::string_view api_key_header) const;

  // Checks a caller of the SOAP face, which may present, in this order of
  // precedence: HTTP Basic (Authorization: Basic) for a configured SOAP user;
  // a WS-Security UsernameToken with PasswordDigest in `envelope`'s Header
  // (Created within the window of `now`, nonce never seen before); or an API
  // key as for the JSON face. Accepting a UsernameToken remembers its nonce.
  SoapAuthResult CheckSoap(std::string_view authorization, std::string_view api_key_header, std::string_view envelope,
                           std::chrono::system_clock::time_point now);

 private:
  AuthVerdict CheckBasic(std::string_view credentials_base64) const;

  CallerAuthConfig config_;
  std::vector<Sha256Digest> basic_digests_;  // SHA-256("user:password") of each SOAP user
  UsernameTokenVerifier token_verifier_;
};

// The WWW-Authenticate challenge to send with a 401 for `verdict` (RFC 6750).
const char* ApiKeyChallenge(AuthVerdict verdict);

}  // namespace voip
