// The adapter's public base URL: what callers use to reach it, which may differ
// from the listen address (a load balancer or TLS terminator in front). It is
// written into the WSDL the adapter serves, so it is validated strictly and
// never taken from a request without checking.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace voip {

// True for "host" or "host:port" as in an HTTP Host header: host is a DNS
// name or IPv4 address ([A-Za-z0-9.-], 1 to 253 characters, starting with a
// letter or digit) or a bracketed IPv6 literal; port is 1 to 65535.
bool IsValidHostAndPort(std::string_view authority);

// Checks "http[s]://host[:port][/path]" (path characters [A-Za-z0-9._~/-], no
// query or fragment). Returns the URL without trailing slashes, or nullopt.
[[nodiscard]] std::optional<std::string> NormalisePublicBaseUrl(std::string_view url);

}  // namespace voip
