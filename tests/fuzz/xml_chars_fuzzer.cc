// libFuzzer harness for the XML 1.0 character check (adapter/soap/xml_chars.h):
// any bytes as a message. The fast validator must agree with a slow reference
// written differently (Unicode's table of well-formed UTF-8 byte sequences,
// then a scan of the decoded code points for "&#" references), and feeding
// the message in pieces (cut where the input's first bytes say) must give the
// very answer of the whole, offset and problem included.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string_view>
#include <vector>

#include "adapter/soap/xml_chars.h"

namespace {

using voip::soap::XmlCharError;
using voip::soap::XmlCharValidator;

// Unicode 15, Table 3-7: the well-formed UTF-8 byte sequences, as ranges per position.
struct Row {
  unsigned char lo[4];
  unsigned char hi[4];
  int length;
};
constexpr Row kWellFormed[] = {
    {{0x00}, {0x7F}, 1},
    {{0xC2, 0x80}, {0xDF, 0xBF}, 2},
    {{0xE0, 0xA0, 0x80}, {0xE0, 0xBF, 0xBF}, 3},
    {{0xE1, 0x80, 0x80}, {0xEC, 0xBF, 0xBF}, 3},
    {{0xED, 0x80, 0x80}, {0xED, 0x9F, 0xBF}, 3},
    {{0xEE, 0x80, 0x80}, {0xEF, 0xBF, 0xBF}, 3},
    {{0xF0, 0x90, 0x80, 0x80}, {0xF0, 0xBF, 0xBF, 0xBF}, 4},
    {{0xF1, 0x80, 0x80, 0x80}, {0xF3, 0xBF, 0xBF, 0xBF}, 4},
    {{0xF4, 0x80, 0x80, 0x80}, {0xF4, 0x8F, 0xBF, 0xBF}, 4},
};

// The code points of `bytes`, or nullopt when they are not well-formed UTF-8.
std::optional<std::vector<std::uint32_t>> Decode(std::string_view bytes) {
  std::vector<std::uint32_t> code_points;
  std::size_t i = 0;
  while (i < bytes.size()) {
    const Row* match = nullptr;
    for (const Row& row : kWellFormed) {
      if (bytes.size() - i < static_cast<std::size_t>(row.length)) continue;
      bool fits = true;
      for (int k = 0; k < row.length && fits; ++k) {
        const auto b = static_cast<unsigned char>(bytes[i + k]);
        fits = b >= row.lo[k] && b <= row.hi[k];
      }
      if (fits) {
        match = &row;
        break;
      }
    }
    if (match == nullptr) return std::nullopt;
    std::uint32_t code = 0;
    for (int k = 0; k < match->length; ++k) {
      const auto b = static_cast<unsigned char>(bytes[i + k]);
      code = k == 0 ? (match->length == 1 ? b : b & (0xFFu >> (match->length + 1))) : (code << 6) | (b & 0x3Fu);
    }
    code_points.push_back(code);
    i += static_cast<std::size_t>(match->length);
  }
  return code_points;
}

bool IsChar(std::uint32_t c) {
  // XML 1.0 (Fifth Edition), production [2].
  if (c == 0x9 || c == 0xA || c == 0xD) return true;
  if (c < 0x20) return false;
  if (c >= 0xD800 && c <= 0xDFFF) return false;
  return c != 0xFFFE && c != 0xFFFF && c <= 0x10FFFF;
}

bool IsDigit(std::uint32_t c, bool hex) {
  return (c >= '0' && c <= '9') || (hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
}

// Whether the reference at code_points[at] ('&', '#') is one the rules accept.
bool GoodReference(const std::vector<std::uint32_t>& cp, std::size_t at) {
  std::size_t i = at + 2;
  const bool hex = i < cp.size() && cp[i] == 'x';
  if (hex) ++i;
  const std::size_t first_digit = i;
  std::uint64_t value = 0;
  while (i < cp.size() && IsDigit(cp[i], hex)) {
    const std::uint32_t c = cp[i];
    const std::uint32_t digit = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
    if (value < (1ull << 40)) value = value * (hex ? 16 : 10) + digit;
    ++i;
  }
  const std::size_t digits = i - first_digit;
  if (digits == 0 || digits > (hex ? 5u : 6u)) return false;
  if (i >= cp.size() || cp[i] != ';') return false;
  return IsChar(static_cast<std::uint32_t>(value));
}

bool ReferenceAccepts(std::string_view message) {
  const auto code_points = Decode(message);
  if (!code_points) return false;
  const std::vector<std::uint32_t>& cp = *code_points;
  for (std::size_t i = 0; i < cp.size(); ++i) {
    if (!IsChar(cp[i])) return false;
    if (cp[i] == '&' && i + 1 < cp.size() && cp[i + 1] == '#' && !GoodReference(cp, i)) return false;
  }
  return true;
}

bool Same(const std::optional<XmlCharError>& a, const std::optional<XmlCharError>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || (a->offset == b->offset && a->problem == b->problem);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view message(reinterpret_cast<const char*>(data), size);
  const std::optional<XmlCharError> whole = voip::soap::FindXmlCharError(message);
  if (whole.has_value() == ReferenceAccepts(message)) std::abort();
  if (whole && whole->offset >= size) std::abort();
  // The same message in pieces: the first bytes pick the lengths (1 to 16).
  XmlCharValidator validator;
  std::size_t at = 0;
  std::size_t k = 0;
  bool fed = true;
  while (at < size && fed) {
    const std::size_t piece = std::min<std::size_t>(size - at, 1 + data[k++ % size] % 16);
    fed = validator.Feed(message.substr(at, piece));
    at += piece;
  }
  if (fed) fed = validator.Finish();
  if (fed == whole.has_value() || !Same(validator.error(), whole)) std::abort();
  return 0;
}
