#include "platform/public_url.h"

#include <cctype>
#include <cstdlib>

namespace voip {
namespace {

constexpr std::size_t kMaxHostLength = 253;

bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

bool IsValidHost(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    const std::string_view literal = host.substr(1, host.size() - 2);
    if (literal.empty() || literal.size() > 45) return false;
    for (char c : literal) {
      if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.') return false;
    }
    return literal.find(':') != std::string_view::npos;
  }
  if (host.empty() || host.size() > kMaxHostLength || !IsAlnum(host.front())) return false;
  for (char c : host) {
    if (!IsAlnum(c) && c != '.' && c != '-') return false;
  }
  return true;
}

bool IsValidPort(std::string_view port) {
  if (port.empty() || port.size() > 5) return false;
  for (char c : port) {
    if (c < '0' || c > '9') return false;
  }
  const long value = std::strtol(std::string(port).c_str(), nullptr, 10);
  return value >= 1 && value <= 65535;
}

bool IsPathCharacter(char c) { return IsAlnum(c) || c == '.' || c == '_' || c == '~' || c == '/' || c == '-'; }

}  // namespace

bool IsValidHostAndPort(std::string_view authority) {
  const std::size_t bracket = authority.rfind(']');
  const std::size_t colon = authority.rfind(':');
  const bool has_port = colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket);
  if (!has_port) return IsValidHost(authority);
  return IsValidHost(authority.substr(0, colon)) && IsValidPort(authority.substr(colon + 1));
}

std::optional<std::string> NormalisePublicBaseUrl(std::string_view url) {
  std::size_t scheme_length = 0;
  if (url.rfind("http://", 0) == 0) {
    scheme_length = 7;
  } else if (url.rfind("https://", 0) == 0) {
    scheme_length = 8;
  } else {
    return std::nullopt;
  }
  const std::size_t path_start = url.find('/', scheme_length);
  const std::string_view authority = url.substr(scheme_length, path_start - scheme_length);
  if (!IsValidHostAndPort(authority)) return std::nullopt;
  std::string_view path = path_start == std::string_view::npos ? std::string_view() : url.substr(path_start);
  for (char c : path) {
    if (!IsPathCharacter(c)) return std::nullopt;
  }
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  return std::string(url.substr(0, scheme_length)) + std::string(authority) + std::string(path);
}

}  // namespace voip
