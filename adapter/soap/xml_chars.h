// XML 1.0 character rules over a whole message, byte by byte, before gSOAP
// reads it. gSOAP itself cuts strings at "&#0;", decodes overlong UTF-8 and
// surrogates, and misreads character references longer than 7 characters
// ("&#1114112;" becomes U+1B333 followed by "2;"), so what reaches it must
// already be clean:
//   - the bytes are UTF-8 (RFC 3629): shortest forms only, no surrogates
//     (ED A0..ED BF), nothing beyond U+10FFFF;
//   - every character is an XML 1.0 Char: TAB, LF, CR, U+0020..U+D7FF,
//     U+E000..U+FFFD, U+10000..U+10FFFF (so no NUL, no other C0 control, no
//     U+FFFE or U+FFFF);
//   - every numeric character reference ("&#N;", "&#xH;") is well formed and
//     denotes a Char, and is short enough for gSOAP to read exactly: at most
//     6 decimal or 5 hexadecimal digits, leading zeros included (this refuses
//     only references to U+F4240 and above written in decimal, to U+100000
//     and above in hexadecimal, and zero-padded ones).
// The rules apply everywhere in the message, references inside comments and
// CDATA sections included: stricter than XML (where those are text), but gSOAP
// ends a comment or a processing instruction where XML would not, so skipping
// them here could let a reference through that gSOAP then decodes.
// Encodings other than UTF-8 are not supported (the SOAP face announces
// charset=utf-8): their non-ASCII bytes are refused as not UTF-8.
//
// No allocation, no I/O; Internal to adapter/soap/ and the SOAP face.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace voip::soap {

enum class XmlCharProblem {
  kNotUtf8,       // a byte that cannot start or continue UTF-8 here, a sequence cut short, beyond U+10FFFF
  kOverlongUtf8,  // a character encoded in more bytes than its shortest form
  kSurrogate,     // U+D800..U+DFFF, encoded in UTF-8 or as a character reference
  kNotAChar,      // a code point outside XML 1.0's Char (NUL, other C0 controls, U+FFFE, U+FFFF, > U+10FFFF)
  kBadReference,  // "&#" not followed by digits and ';', an uppercase "&#X", or too long for gSOAP
};

struct [[nodiscard]] XmlCharError {
  std::size_t offset = 0;  // where the offending byte sequence or reference starts
  XmlCharProblem problem = XmlCharProblem::kNotUtf8;
};

// Words for `problem`, for fault strings and logs (no data from the message).
const char* XmlCharProblemText(XmlCharProblem problem);

// Checks a message given in pieces (as it arrives), with the same result as
// checking it whole. Not thread-safe; cheap to copy and to reset.
class XmlCharValidator {
 public:
  // Checks the next bytes. Returns false when the message breaks a rule (here
  // or earlier); later bytes are then ignored.
  [[nodiscard]] bool Feed(std::string_view bytes);
  // The message has ended: a UTF-8 sequence or character reference still open
  // is a problem. Returns false when the message broke a rule.
  [[nodiscard]] bool Finish();
  // The first problem found, if any.
  const std::optional<XmlCharError>& error() const { return error_; }
  // Ready for a new message.
  void Reset() { *this = XmlCharValidator(); }

 private:
  enum class State : std::uint8_t {
    kText,         // anywhere but inside a character reference
    kAmp,          // after '&'
    kRefStart,     // after "&#"
    kRefHexStart,  // after "&#x"
    kRefDecimal,   // after "&#" and digits
    kRefHex,       // after "&#x" and hex digits
  };

  bool Fail(std::size_t offset, XmlCharProblem problem);
  bool Step(unsigned char byte);
  bool NonAscii(unsigned char byte);
  bool EndUtf8();
  bool Reference(unsigned char byte);
  bool EndReference();

  std::optional<XmlCharError> error_;
  std::size_t offset_ = 0;  // of the byte being looked at, from the message's start
  // An open UTF-8 sequence: continuation bytes still expected, the code point
  // so far, its length and where it started.
  int utf8_needed_ = 0;
  int utf8_length_ = 0;
  std::uint32_t utf8_code_ = 0;
  std::size_t utf8_start_ = 0;
  State state_ = State::kText;
  int digits_ = 0;                    // digits of the open reference
  std::uint32_t reference_code_ = 0;  // its value so far (saturates above U+10FFFF)
  std::size_t reference_start_ = 0;
};

// The first problem of a whole message; nullopt when it follows the rules.
[[nodiscard]] std::optional<XmlCharError> FindXmlCharError(std::string_view message);

}  // namespace voip::soap
