// Reads a backend's own fault code and message out of SOAP fault detail XML
// that the generated types do not cover (gSOAP hands it over as raw text, see
// soap_fault_detail()). Knows nothing about gSOAP itself.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace voip::soap {

// Larger detail text is not parsed at all (pugixml has no size or depth limits).
inline constexpr std::size_t kMaxFaultDetailBytes = 64 * 1024;
// Each returned field is cut to at most this many bytes (on a UTF-8 boundary).
inline constexpr std::size_t kMaxFaultFieldBytes = 1024;

struct [[nodiscard]] FaultDetailFields {
  std::string code;     // empty when no code-like element was found
  std::string message;  // empty when no message-like element was found
};

// `text` without leading and trailing XML white space, cut to
// kMaxFaultFieldBytes without splitting a UTF-8 sequence: how every backend
// fault code and message is kept, typed or read from raw detail.
std::string FaultField(std::string_view text);

// Finds, in document order and in any namespace, the first element whose local
// name is code, errorCode or faultCode and the first whose local name is
// message, errorMessage or description (names compared case-insensitively),
// and returns their trimmed text. `detail_xml` may hold several top-level
// elements. Returns empty fields, never fails loudly, when the text is empty,
// larger than kMaxFaultDetailBytes, contains a DOCTYPE, or is not well-formed.
// Pure function; thread-safe.
FaultDetailFields ReadFaultDetail(std::string_view detail_xml);

}  // namespace voip::soap
