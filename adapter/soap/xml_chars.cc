#include "adapter/soap/xml_chars.h"

#include <algorithm>
#include <cstring>

namespace voip::soap {
namespace {

// gSOAP reads at most 7 characters after '&' up to the ';' (its soap_char):
// '#' and 6 decimal digits, or "#x" and 5 hexadecimal digits.
constexpr int kMaxDecimalDigits = 6;
constexpr int kMaxHexDigits = 5;

constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;

// Whether none of the 8 bytes of `word` can need a closer look: all ASCII,
// none below 0x20 (so TAB, LF and CR fail this quick test too), none '&'.
// The tests are exact for "any byte".
bool AllPlain(std::uint64_t word) {
  const std::uint64_t below_space = (word - kOnes * 0x20) & ~word;
  const std::uint64_t amp = word ^ (kOnes * '&');
  const std::uint64_t has_amp = (amp - kOnes) & ~amp;
  return ((word | below_space | has_amp) & kHighBits) == 0;
}

// Bytes that never need a closer look outside a reference or a UTF-8
// sequence: printable ASCII but '&', and TAB, LF, CR.
struct PlainTable {
  bool plain[256] = {};
  constexpr PlainTable() {
    for (int b = 0x20; b < 0x80; ++b) plain[b] = b != '&';
    plain[static_cast<int>('\t')] = plain[static_cast<int>('\n')] = plain[static_cast<int>('\r')] = true;
  }
};
constexpr PlainTable kPlain;

// Skips plain bytes from `p`: whole words while none needs a look, then the
// next word byte by byte; returns the first byte that needs Step, or `end`.
const char* SkipPlain(const char* p, const char* const end) {
  for (;;) {
    std::uint64_t word;
    while (end - p >= 8 && (std::memcpy(&word, p, 8), AllPlain(word))) p += 8;
    const char* const stop = p + std::min<std::ptrdiff_t>(8, end - p);
    while (p < stop && kPlain.plain[static_cast<unsigned char>(*p)]) ++p;
    if (p < stop || p == end) return p;
  }
}

bool IsXmlChar(std::uint32_t code) {
  return code == 0x9 || code == 0xA || code == 0xD || (code >= 0x20 && code <= 0xD7FF) ||
         (code >= 0xE000 && code <= 0xFFFD) || (code >= 0x10000 && code <= 0x10FFFF);
}

bool IsSurrogate(std::uint32_t code) { return code >= 0xD800 && code <= 0xDFFF; }

int HexValue(unsigned char byte) {
  if (byte >= '0' && byte <= '9') return byte - '0';
  if (byte >= 'a' && byte <= 'f') return byte - 'a' + 10;
  if (byte >= 'A' && byte <= 'F') return byte - 'A' + 10;
  return -1;
}

}  // namespace

const char* XmlCharProblemText(XmlCharProblem problem) {
  switch (problem) {
    case XmlCharProblem::kNotUtf8: return "bytes that are not UTF-8";
    case XmlCharProblem::kOverlongUtf8: return "a character in overlong UTF-8 (not its shortest form)";
    case XmlCharProblem::kSurrogate: return "a UTF-16 surrogate (U+D800 to U+DFFF), which is not a character";
    case XmlCharProblem::kNotAChar:
      return "a character XML 1.0 does not allow (NUL, a control character other than TAB, LF and CR, "
             "U+FFFE, U+FFFF, or beyond U+10FFFF)";
    case XmlCharProblem::kBadReference:
      return "a malformed character reference, or one longer than 6 decimal or 5 hexadecimal digits";
  }
  return "a character XML 1.0 does not allow";
}

bool XmlCharValidator::Fail(std::size_t offset, XmlCharProblem problem) {
  error_ = XmlCharError{offset, problem};
  return false;
}

bool XmlCharValidator::Feed(std::string_view bytes) {
  if (error_) return false;
  const char* const begin = bytes.data();
  const char* const end = begin + bytes.size();
  const std::size_t base = offset_;  // of begin
  const char* p = begin;
  while (p < end) {
    if (state_ == State::kText && utf8_needed_ == 0) {
      p = SkipPlain(p, end);
      if (p == end) break;
    }
    offset_ = base + static_cast<std::size_t>(p - begin);
    if (!Step(static_cast<unsigned char>(*p))) return false;
    ++p;
  }
  offset_ = base + bytes.size();
  return true;
}

bool XmlCharValidator::Step(unsigned char byte) {
  if (byte >= 0x80) return NonAscii(byte);
  if (utf8_needed_ > 0) return Fail(utf8_start_, XmlCharProblem::kNotUtf8);  // sequence cut short
  if (byte < 0x20 && byte != '\t' && byte != '\n' && byte != '\r') {
    return Fail(offset_, XmlCharProblem::kNotAChar);
  }
  if (state_ != State::kText) return Reference(byte);
  if (byte == '&') {
    state_ = State::kAmp;
    reference_start_ = offset_;
  }
  return true;
}

bool XmlCharValidator::NonAscii(unsigned char byte) {
  if (utf8_needed_ > 0) {
    if ((byte & 0xC0) != 0x80) return Fail(utf8_start_, XmlCharProblem::kNotUtf8);
    utf8_code_ = (utf8_code_ << 6) | (byte & 0x3F);
    return --utf8_needed_ > 0 || EndUtf8();
  }
  // A lead byte: a character starts here, which ends any '&' (a named entity
  // or stray text) and is not allowed inside a numeric reference.
  if (state_ == State::kAmp) state_ = State::kText;
  if (state_ != State::kText) return Fail(reference_start_, XmlCharProblem::kBadReference);
  if (byte < 0xC0 || byte >= 0xF8) return Fail(offset_, XmlCharProblem::kNotUtf8);
  utf8_length_ = byte < 0xE0 ? 2 : byte < 0xF0 ? 3 : 4;
  utf8_needed_ = utf8_length_ - 1;
  utf8_code_ = byte & (0x7F >> utf8_length_);
  utf8_start_ = offset_;
  return true;
}

bool XmlCharValidator::EndUtf8() {
  static constexpr std::uint32_t kShortest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (utf8_code_ < kShortest[utf8_length_]) return Fail(utf8_start_, XmlCharProblem::kOverlongUtf8);
  if (utf8_code_ > 0x10FFFF) return Fail(utf8_start_, XmlCharProblem::kNotUtf8);
  if (IsSurrogate(utf8_code_)) return Fail(utf8_start_, XmlCharProblem::kSurrogate);
  if (!IsXmlChar(utf8_code_)) return Fail(utf8_start_, XmlCharProblem::kNotAChar);
  return true;
}

// One ASCII byte (not a control character) inside "&...".
bool XmlCharValidator::Reference(unsigned char byte) {
  switch (state_) {
    case State::kText: return true;
    case State::kAmp:
      // Not a numeric reference: a named entity (&lt;), or text for gSOAP to judge.
      state_ = State::kText;
      if (byte == '#') {
        state_ = State::kRefStart;
      } else if (byte == '&') {
        state_ = State::kAmp;
        reference_start_ = offset_;
      }
      return true;
    case State::kRefStart:
      if (byte == 'x') {
        state_ = State::kRefHexStart;
        return true;
      }
      state_ = State::kRefDecimal;
      [[fallthrough]];
    case State::kRefDecimal:
      if (byte == ';' && digits_ > 0) return EndReference();
      if (byte < '0' || byte > '9' || ++digits_ > kMaxDecimalDigits) {
        return Fail(reference_start_, XmlCharProblem::kBadReference);
      }
      reference_code_ = reference_code_ * 10 + (byte - '0');
      return true;
    case State::kRefHexStart: state_ = State::kRefHex; [[fallthrough]];
    case State::kRefHex: {
      if (byte == ';' && digits_ > 0) return EndReference();
      const int value = HexValue(byte);
      if (value < 0 || ++digits_ > kMaxHexDigits) return Fail(reference_start_, XmlCharProblem::kBadReference);
      reference_code_ = reference_code_ * 16 + static_cast<std::uint32_t>(value);
      return true;
    }
  }
  return true;
}

bool XmlCharValidator::EndReference() {
  const std::uint32_t code = reference_code_;
  state_ = State::kText;
  digits_ = 0;
  reference_code_ = 0;
  if (IsSurrogate(code)) return Fail(reference_start_, XmlCharProblem::kSurrogate);
  if (!IsXmlChar(code)) return Fail(reference_start_, XmlCharProblem::kNotAChar);
  return true;
}

bool XmlCharValidator::Finish() {
  if (error_) return false;
  if (utf8_needed_ > 0) return Fail(utf8_start_, XmlCharProblem::kNotUtf8);
  if (state_ != State::kText && state_ != State::kAmp) return Fail(reference_start_, XmlCharProblem::kBadReference);
  return true;
}

std::optional<XmlCharError> FindXmlCharError(std::string_view message) {
  XmlCharValidator validator;
  if (validator.Feed(message)) (void)validator.Finish();
  return validator.error();
}

}  // namespace voip::soap
