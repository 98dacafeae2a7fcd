#include "platform/secret.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace voip {
namespace {

constexpr std::string_view kCredentialsPrefix = "$CREDENTIALS_DIRECTORY/";

// `path` with a leading $CREDENTIALS_DIRECTORY/ replaced by that variable's
// value (systemd's LoadCredential= directory); an error when it is not set.
std::variant<std::string, SecretError> ExpandCredentialsDirectory(const std::string& path) {
  if (path.rfind(kCredentialsPrefix, 0) != 0) return path;
  // NOLINTNEXTLINE(concurrency-mt-unsafe): secrets are read at start-up, before any thread starts.
  const char* directory = std::getenv("CREDENTIALS_DIRECTORY");
  if (directory == nullptr || *directory == '\0') {
    return SecretError{
        "names $CREDENTIALS_DIRECTORY, which is not set (systemd sets it for a service with "
        "LoadCredential=)"};
  }
  return std::string(directory) + "/" + path.substr(kCredentialsPrefix.size());
}

}  // namespace

std::variant<std::string, SecretError> ResolveSecret(const std::string& reference) {
  std::string secret;
  if (reference.rfind("env:", 0) == 0) {
    const std::string name = reference.substr(4);
    if (name.empty()) return SecretError{"env: needs a variable name"};
    // NOLINTNEXTLINE(concurrency-mt-unsafe): secrets are read at start-up, before any thread starts.
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return SecretError{"environment variable " + name + " is not set"};
    secret = value;
  } else if (reference.rfind("file:", 0) == 0) {
    auto expanded = ExpandCredentialsDirectory(reference.substr(5));
    if (auto* error = std::get_if<SecretError>(&expanded)) return *error;
    const std::string& path = std::get<std::string>(expanded);
    std::ifstream file(path, std::ios::binary);
    if (path.empty() || !file) return SecretError{"cannot read the file '" + path + "'"};
    std::ostringstream text;
    text << file.rdbuf();
    secret = text.str();
    if (!secret.empty() && secret.back() == '\n') secret.pop_back();
    if (!secret.empty() && secret.back() == '\r') secret.pop_back();
  } else {
    return SecretError{"is a secret: give env:NAME or file:PATH, not the value itself"};
  }
  if (secret.empty()) return SecretError{"the secret it names is empty"};
  return secret;
}

Sha256Digest Sha256(std::string_view data) {
  Sha256Digest digest{};
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr);
  return digest;
}

std::optional<Sha256Digest> ParseSha256Hex(std::string_view hex) {
  if (hex.size() != 64) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  Sha256Digest digest{};
  for (std::size_t i = 0; i < digest.size(); ++i) {
    const int high = nibble(hex[2 * i]);
    const int low = nibble(hex[2 * i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    digest[i] = static_cast<unsigned char>(high * 16 + low);
  }
  return digest;
}

std::string Sha256Hex(const Sha256Digest& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char byte : digest) {
    out.push_back(kHex[byte >> 4]);
    out.push_back(kHex[byte & 0xF]);
  }
  return out;
}

bool ConstantTimeEquals(const Sha256Digest& a, const Sha256Digest& b) {
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace voip
