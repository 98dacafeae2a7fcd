// WS-Security UsernameToken (OASIS WSS UsernameToken Profile 1.0/1.1) with
// PasswordDigest: verified for callers of the SOAP face and by the simulators,
// made for the adapter's own calls to the backends.
//   digest = Base64(SHA-1(nonce bytes + Created text + password)).
// A token is accepted only when its user is configured, its digest matches
// (compared in constant time), its Created time is within the window of now
// (either side), and its nonce has not been seen within that window.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/config.h"

namespace voip {

inline constexpr const char* kPasswordDigestType =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest";
inline constexpr const char* kPasswordTextType =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText";
inline constexpr const char* kBase64EncodingType =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary";

struct UsernameToken {
  std::string username;
  std::string password;       // the digest as sent (Base64)
  std::string password_type;  // the Type attribute (must end in #PasswordDigest)
  std::string nonce;          // Base64
  std::string created;        // xsd:dateTime in UTC, e.g. 2026-11-26T18:00:00Z
};

// The first wsse:Security/wsse:UsernameToken inside the envelope's SOAP
// Header (namespaces matched by local name under any prefix), or nullopt when
// there is none or the envelope is not well-formed XML or contains a DOCTYPE.
[[nodiscard]] std::optional<UsernameToken> ExtractUsernameToken(std::string_view envelope);

// Base64(SHA-1(Base64-decoded nonce + created + password)); "" when the nonce
// is not valid Base64.
std::string PasswordDigest(std::string_view nonce_base64, std::string_view created, std::string_view password);

// A fresh token for one outbound message: a nonce of 16 random bytes (OpenSSL
// RAND_bytes) in Base64, Created = `now` in UTC to the millisecond, and the
// password as a PasswordDigest of those, or as itself for kText. nullopt only
// when no random bytes could be had.
std::optional<UsernameToken> NewUsernameToken(const std::string& user, std::string_view password, WssePasswordType type,
                                              std::chrono::system_clock::time_point now);

// "YYYY-MM-DDThh:mm:ss.mmmZ" (UTC).
std::string UtcDateTime(std::chrono::system_clock::time_point time);

// kNonceCacheFull: a valid token refused because the verifier already
// remembers as many nonces as it may (see UsernameTokenVerifier).
enum class TokenVerdict { kAccepted, kUnknownUserOrBadDigest, kStale, kReplayed, kMalformed, kNonceCacheFull };
const char* TokenVerdictText(TokenVerdict verdict);

// Thread-safe. Remembers the nonce of every accepted token until that token's
// Created time leaves the window (Created + window), and never forgets one
// sooner: forgetting a nonce still inside the window would let its token be
// replayed. It remembers at most `max_nonces`; when that many are inside
// their window, a new valid token is refused (kNonceCacheFull) until some
// expire. Only tokens with a valid digest are remembered, so only callers who
// know a password can fill it; with tokens created just before they are sent,
// it takes about max_nonces / window tokens a second for as long as it lasts.
class UsernameTokenVerifier {
 public:
  static constexpr std::size_t kDefaultMaxNonces = 100000;
  UsernameTokenVerifier(std::vector<SoapUser> users, std::chrono::seconds window,
                        std::size_t max_nonces = kDefaultMaxNonces)
      : users_(std::move(users)), window_(window), max_nonces_(max_nonces) {}

  [[nodiscard]] TokenVerdict Verify(const UsernameToken& token, std::chrono::system_clock::time_point now);

 private:
  // The nonce's verdict against those remembered (kAccepted: remembered now).
  TokenVerdict Remember(const std::string& nonce, std::chrono::system_clock::time_point expiry,
                        std::chrono::system_clock::time_point now);

  std::vector<SoapUser> users_;
  std::chrono::seconds window_;
  std::size_t max_nonces_;
  std::mutex mutex_;
  std::multimap<std::chrono::system_clock::time_point, std::string> nonces_by_expiry_;
  std::map<std::string, std::chrono::system_clock::time_point> nonces_;
};

// Parses "YYYY-MM-DDThh:mm:ss[.fff]Z" (UTC only); nullopt otherwise.
[[nodiscard]] std::optional<std::chrono::system_clock::time_point> ParseUtcDateTime(std::string_view text);

}  // namespace voip
