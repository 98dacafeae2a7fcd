// Secrets in the configuration: where they come from, and SHA-256 digests for
// the ones the adapter only needs to recognise (callers' API keys).
//
// A secret setting never holds the secret itself (it would sit in a config
// file or show in `ps`): its value names where to read it, `env:NAME` (an
// environment variable) or `file:PATH` (a file's content, one trailing newline
// removed). A PATH beginning `$CREDENTIALS_DIRECTORY/` is read from the
// directory systemd passes a service its LoadCredential= files in (an error
// when that variable is not set). Secrets are read once at start-up and never
// logged.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace voip {

using Sha256Digest = std::array<unsigned char, 32>;

// The secret named by `reference` (`env:NAME` or `file:PATH`), or a message
// saying what is wrong (never containing the secret). An empty secret is an
// error.
struct [[nodiscard]] SecretError {
  std::string message;
};
[[nodiscard]] std::variant<std::string, SecretError> ResolveSecret(const std::string& reference);

// SHA-256 of `data` (OpenSSL).
Sha256Digest Sha256(std::string_view data);

// Parses 64 hexadecimal digits (either case); nullopt otherwise.
[[nodiscard]] std::optional<Sha256Digest> ParseSha256Hex(std::string_view hex);
std::string Sha256Hex(const Sha256Digest& digest);

// Constant-time equality of two equally long byte strings (CRYPTO_memcmp).
bool ConstantTimeEquals(const Sha256Digest& a, const Sha256Digest& b);

}  // namespace voip
