#include "platform/username_token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cctype>
#include <cstdio>
#include <ctime>
#include <pugixml.hpp>

#include "platform/text.h"

namespace voip {
namespace {

constexpr std::size_t kMaxEnvelopeBytes = 1024 * 1024;

std::string_view LocalName(const char* name) {
  std::string_view text(name);
  const auto colon = text.find(':');
  return colon == std::string_view::npos ? text : text.substr(colon + 1);
}

pugi::xml_node Child(const pugi::xml_node& parent, std::string_view local) {
  for (pugi::xml_node child : parent.children()) {
    if (child.type() == pugi::node_element && LocalName(child.name()) == local) return child;
  }
  return {};
}

std::string Trimmed(const char* text) { return std::string(Trim(text)); }

std::string Base64Of(const unsigned char* data, std::size_t size) {
  return Base64Encode(std::string_view(reinterpret_cast<const char*>(data), size));
}

}  // namespace

std::optional<UsernameToken> ExtractUsernameToken(std::string_view envelope) {
  if (envelope.size() > kMaxEnvelopeBytes) return std::nullopt;
  pugi::xml_document document;
  // No DOCTYPE (SOAP forbids DTDs): pugixml reports it as a node with parse_doctype.
  const auto parsed = document.load_buffer(envelope.data(), envelope.size(), pugi::parse_default | pugi::parse_doctype);
  if (!parsed) return std::nullopt;
  for (pugi::xml_node node : document.children()) {
    if (node.type() == pugi::node_doctype) return std::nullopt;
  }
  const pugi::xml_node root = document.document_element();
  if (LocalName(root.name()) != "Envelope") return std::nullopt;
  const pugi::xml_node token = Child(Child(Child(root, "Header"), "Security"), "UsernameToken");
  if (!token) return std::nullopt;
  const pugi::xml_node password = Child(token, "Password");
  return UsernameToken{Trimmed(Child(token, "Username").text().get()), Trimmed(password.text().get()),
                       password.attribute("Type").value(), Trimmed(Child(token, "Nonce").text().get()),
                       Trimmed(Child(token, "Created").text().get())};
}

std::string PasswordDigest(std::string_view nonce_base64, std::string_view created, std::string_view password) {
  const auto nonce = Base64Decode(nonce_base64);
  if (!nonce) return "";
  const std::string input = *nonce + std::string(created) + std::string(password);
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  return Base64Of(digest, sizeof digest);
}

std::string UtcDateTime(std::chrono::system_clock::time_point time) { return UtcTimestamp(time); }

std::optional<UsernameToken> NewUsernameToken(const std::string& user, std::string_view password, WssePasswordType type,
                                              std::chrono::system_clock::time_point now) {
  unsigned char nonce[16];
  if (RAND_bytes(nonce, sizeof nonce) != 1) return std::nullopt;
  UsernameToken token;
  token.username = user;
  token.nonce = Base64Of(nonce, sizeof nonce);
  token.created = UtcDateTime(now);
  if (type == WssePasswordType::kText) {
    token.password = std::string(password);
    token.password_type = kPasswordTextType;
  } else {
    token.password = PasswordDigest(token.nonce, token.created, password);
    token.password_type = kPasswordDigestType;
  }
  return token;
}

const char* TokenVerdictText(TokenVerdict verdict) {
  switch (verdict) {
    case TokenVerdict::kAccepted: return "accepted";
    case TokenVerdict::kUnknownUserOrBadDigest: return "The user name or password digest is not valid";
    case TokenVerdict::kStale: return "The UsernameToken's Created time is outside the accepted window";
    case TokenVerdict::kReplayed: return "The UsernameToken's Nonce was already used";
    case TokenVerdict::kMalformed:
      return "The UsernameToken needs Username, a PasswordDigest Password, a Base64 Nonce and a UTC Created time";
    case TokenVerdict::kNonceCacheFull:
      return "The service cannot take more UsernameTokens right now: it remembers as many recent nonces as it "
             "may; retry later";
  }
  return "invalid token";
}

std::optional<std::chrono::system_clock::time_point> ParseUtcDateTime(std::string_view text) {
  // YYYY-MM-DDThh:mm:ss then optional .fraction, then Z
  if (text.size() < 20 || text.back() != 'Z') return std::nullopt;
  std::tm tm{};
  const std::string head(text.substr(0, 19));
  const char* end = strptime(head.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  const std::string_view rest = text.substr(19, text.size() - 20);
  if (!rest.empty()) {
    if (rest.front() != '.' || rest.size() < 2) return std::nullopt;
    for (char c : rest.substr(1)) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    }
  }
  const std::time_t seconds = timegm(&tm);
  if (seconds == static_cast<std::time_t>(-1)) return std::nullopt;
  return std::chrono::system_clock::from_time_t(seconds);
}

TokenVerdict UsernameTokenVerifier::Verify(const UsernameToken& token, std::chrono::system_clock::time_point now) {
  constexpr std::string_view kDigestType = "#PasswordDigest";
  const std::string_view type(token.password_type);
  if (token.username.empty() || token.password.empty() || token.nonce.empty() || type.size() < kDigestType.size() ||
      type.substr(type.size() - kDigestType.size()) != kDigestType) {
    return TokenVerdict::kMalformed;
  }
  const auto created = ParseUtcDateTime(token.created);
  if (!created) return TokenVerdict::kMalformed;
  if (*created > now + window_ || *created < now - window_) return TokenVerdict::kStale;
  bool match = false;
  for (const SoapUser& user : users_) {
    const std::string expected = PasswordDigest(token.nonce, token.created, user.password);
    if (expected.empty()) return TokenVerdict::kMalformed;
    const bool same_user = user.name == token.username;
    const bool same_digest = expected.size() == token.password.size() &&
                             CRYPTO_memcmp(expected.data(), token.password.data(), expected.size()) == 0;
    match |= same_user && same_digest;
  }
  if (!match) return TokenVerdict::kUnknownUserOrBadDigest;
  // Remembered until the token could no longer pass the Created check.
  return Remember(token.nonce, *created + window_, now);
}

TokenVerdict UsernameTokenVerifier::Remember(const std::string& nonce, std::chrono::system_clock::time_point expiry,
                                             std::chrono::system_clock::time_point now) {
  std::lock_guard<std::mutex> lock(mutex_);
  while (!nonces_by_expiry_.empty() && nonces_by_expiry_.begin()->first < now) {
    nonces_.erase(nonces_by_expiry_.begin()->second);
    nonces_by_expiry_.erase(nonces_by_expiry_.begin());
  }
  if (nonces_.count(nonce) != 0) return TokenVerdict::kReplayed;
  if (nonces_.size() >= max_nonces_) return TokenVerdict::kNonceCacheFull;
  nonces_.emplace(nonce, expiry);
  nonces_by_expiry_.emplace(expiry, nonce);
  return TokenVerdict::kAccepted;
}

}  // namespace voip
