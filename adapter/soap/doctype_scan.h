// Finding a DOCTYPE in XML text, for the checks that refuse DTDs in SOAP (the
// gSOAP clients' answers, and inbound envelopes on the SOAP face and in the
// simulators). Internal to adapter/soap/.
#pragma once

#include <cstddef>
#include <cstring>
#include <string_view>

namespace voip::soap {

inline constexpr std::string_view kDoctype = "<!doctype";

// Whether `text` holds kDoctype in any letter case. memchr jumps from one '<'
// to the next, so ordinary XML costs a few comparisons per element (a
// byte-by-byte case-insensitive search was 5 % of the adapter's instructions).
inline bool ContainsDoctype(std::string_view text) {
  const char* p = text.data();
  const char* const end = p + text.size();
  while (static_cast<std::size_t>(end - p) >= kDoctype.size()) {
    p = static_cast<const char*>(std::memchr(p, '<', static_cast<std::size_t>(end - p) - kDoctype.size() + 1));
    if (p == nullptr) return false;
    std::size_t i = 1;
    for (; i < kDoctype.size(); ++i) {
      const char k = kDoctype[i];
      if (p[i] != k && !(k >= 'a' && k <= 'z' && p[i] == k - ('a' - 'A'))) break;
    }
    if (i == kDoctype.size()) return true;
    ++p;
  }
  return false;
}

}  // namespace voip::soap
