// The XML 1.0 character rules checked before gSOAP reads a message
// (adapter/soap/xml_chars.h): every class of bad character, raw or as a
// reference, where it is reported, and that pieces give the same answer.
#include "adapter/soap/xml_chars.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>

namespace voip::soap {
namespace {

using namespace std::string_literals;

constexpr std::string_view kBefore = "<a>123";  // 6 bytes before the value under test
constexpr std::string_view kAfter = "456</a>";

std::optional<XmlCharProblem> ProblemIn(const std::string& value) {
  const std::string message = std::string(kBefore) + value + std::string(kAfter);
  const std::optional<XmlCharError> error = FindXmlCharError(message);
  if (!error) return std::nullopt;
  EXPECT_EQ(error->offset, kBefore.size()) << "value " << testing::PrintToString(value);
  return error->problem;
}

// Ordinary envelopes, with whitespace, markup and non-ASCII characters, pass.
TEST(XmlChars, AcceptsWellFormedUtf8AndCharacters) {
  EXPECT_FALSE(FindXmlCharError(""));
  EXPECT_FALSE(FindXmlCharError("<?xml version=\"1.0\"?>\r\n<e:Envelope xmlns:e=\"x\">\t<b>WO1</b></e:Envelope>\n"));
  EXPECT_FALSE(
      FindXmlCharError("\xEF\xBB\xBF<a>caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \x7F</a>"));  // BOM, é, €, 😀, DEL
  EXPECT_FALSE(FindXmlCharError(
      "<a>\xED\x9F\xBF \xEE\x80\x80 \xEF\xBF\xBD \xF4\x8F\xBF\xBF</a>"));  // U+D7FF U+E000 U+FFFD U+10FFFF
}

// Character references to characters pass, in decimal and hexadecimal, named entities too.
TEST(XmlChars, AcceptsReferencesToCharacters) {
  EXPECT_FALSE(FindXmlCharError("<a b=\"&#9;&#xA;&#13;\">&#65;&#x41;&#xd7ff;&#xE000;&#xFFFD;&#x1F600;&#128512;</a>"));
  EXPECT_FALSE(FindXmlCharError("<a>&lt;&amp;&gt;&quot;&apos;&amp;#0;</a>"));
  EXPECT_FALSE(FindXmlCharError("<a>&#999999;&#xFFFFF;</a>"));  // the longest gSOAP reads exactly
}

// NUL and the C0 controls other than TAB, LF and CR are refused, raw or as references.
TEST(XmlChars, RefusesNulAndControlCharacters) {
  for (int c = 0; c < 0x20; ++c) {
    if (c == '\t' || c == '\n' || c == '\r') continue;
    EXPECT_EQ(ProblemIn(std::string(1, static_cast<char>(c))), XmlCharProblem::kNotAChar) << c;
    EXPECT_EQ(ProblemIn("&#" + std::to_string(c) + ";"), XmlCharProblem::kNotAChar) << c;
  }
  EXPECT_EQ(ProblemIn("&#0;"), XmlCharProblem::kNotAChar);
  EXPECT_EQ(ProblemIn("&#x0;"), XmlCharProblem::kNotAChar);
  EXPECT_EQ(ProblemIn("&#x1b;"), XmlCharProblem::kNotAChar);
}

// U+FFFE and U+FFFF are not characters, raw or as references.
TEST(XmlChars, RefusesNonCharactersFffeAndFfff) {
  EXPECT_EQ(ProblemIn("\xEF\xBF\xBE"), XmlCharProblem::kNotAChar);
  EXPECT_EQ(ProblemIn("\xEF\xBF\xBF"), XmlCharProblem::kNotAChar);
  EXPECT_EQ(ProblemIn("&#xFFFE;"), XmlCharProblem::kNotAChar);
  EXPECT_EQ(ProblemIn("&#65535;"), XmlCharProblem::kNotAChar);
}

// Surrogates are refused encoded in UTF-8 (ED A0..ED BF) and as references.
TEST(XmlChars, RefusesSurrogates) {
  EXPECT_EQ(ProblemIn("\xED\xA0\x80"), XmlCharProblem::kSurrogate);
  EXPECT_EQ(ProblemIn("\xED\xBF\xBF"), XmlCharProblem::kSurrogate);
  EXPECT_EQ(ProblemIn("\xED\xA0\xBD\xED\xB8\x80"), XmlCharProblem::kSurrogate);  // a CESU-8 pair
  EXPECT_EQ(ProblemIn("&#55296;"), XmlCharProblem::kSurrogate);
  EXPECT_EQ(ProblemIn("&#xDFFF;"), XmlCharProblem::kSurrogate);
}

// Every overlong form is refused: 2, 3 and 4 bytes, NUL and '<' included.
TEST(XmlChars, RefusesOverlongUtf8) {
  EXPECT_EQ(ProblemIn("\xC0\x80"), XmlCharProblem::kOverlongUtf8);  // NUL
  EXPECT_EQ(ProblemIn("\xC0\xBC"), XmlCharProblem::kOverlongUtf8);  // '<'
  EXPECT_EQ(ProblemIn("\xC1\xBF"), XmlCharProblem::kOverlongUtf8);
  EXPECT_EQ(ProblemIn("\xE0\x80\xB1"), XmlCharProblem::kOverlongUtf8);  // '1'
  EXPECT_EQ(ProblemIn("\xE0\x9F\xBF"), XmlCharProblem::kOverlongUtf8);
  EXPECT_EQ(ProblemIn("\xF0\x80\x80\x80"), XmlCharProblem::kOverlongUtf8);
  EXPECT_EQ(ProblemIn("\xF0\x8F\xBF\xBF"), XmlCharProblem::kOverlongUtf8);
}

// Other bytes that are not UTF-8: stray continuation bytes, cut sequences, impossible leads, > U+10FFFF.
TEST(XmlChars, RefusesOtherInvalidUtf8) {
  EXPECT_EQ(ProblemIn("\x80"), XmlCharProblem::kNotUtf8);
  EXPECT_EQ(ProblemIn("\xBF"), XmlCharProblem::kNotUtf8);
  EXPECT_EQ(ProblemIn("\xC3"), XmlCharProblem::kNotUtf8);  // cut by an ASCII byte
  EXPECT_EQ(ProblemIn("\xE2\x82"), XmlCharProblem::kNotUtf8);
  EXPECT_EQ(ProblemIn("\xC3\xC3\xA9"), XmlCharProblem::kNotUtf8);      // a lead where a continuation belongs
  EXPECT_EQ(ProblemIn("\xE9"), XmlCharProblem::kNotUtf8);              // ISO-8859-1 é
  EXPECT_EQ(ProblemIn("\xF4\x90\x80\x80"), XmlCharProblem::kNotUtf8);  // U+110000
  EXPECT_EQ(ProblemIn("\xF5\x80\x80\x80"), XmlCharProblem::kNotUtf8);
  for (int lead = 0xF8; lead <= 0xFF; ++lead) {
    EXPECT_EQ(ProblemIn(std::string(1, static_cast<char>(lead)) + "\x80\x80\x80\x80"), XmlCharProblem::kNotUtf8)
        << lead;
  }
  EXPECT_EQ(FindXmlCharError("<a>\xE2\x82")->problem, XmlCharProblem::kNotUtf8);  // cut by the end
}

// References beyond U+10FFFF, malformed ones and ones gSOAP would misread are refused.
TEST(XmlChars, RefusesBadAndOverlongReferences) {
  EXPECT_EQ(ProblemIn("&#1114112;"), XmlCharProblem::kBadReference);  // 7 digits: gSOAP reads U+1B333 "2;"
  EXPECT_EQ(ProblemIn("&#1114111;"), XmlCharProblem::kBadReference);  // a character, but 7 digits
  EXPECT_EQ(ProblemIn("&#x110000;"), XmlCharProblem::kBadReference);
  EXPECT_EQ(ProblemIn("&#0000065;"), XmlCharProblem::kBadReference);  // zero-padded
  EXPECT_EQ(ProblemIn("&#x00041;"), std::nullopt);                    // 5 hex digits, zero-padded: read exactly
  EXPECT_EQ(ProblemIn("&#x000041;"), XmlCharProblem::kBadReference);
  EXPECT_EQ(ProblemIn("&#;"), XmlCharProblem::kBadReference);
  EXPECT_EQ(ProblemIn("&#x;"), XmlCharProblem::kBadReference);
  EXPECT_EQ(ProblemIn("&#X41;"), XmlCharProblem::kBadReference);  // XML's x is lowercase
  EXPECT_EQ(ProblemIn("&#12a;"), XmlCharProblem::kBadReference);
  EXPECT_EQ(ProblemIn("&#x4g;"), XmlCharProblem::kBadReference);
  EXPECT_EQ(ProblemIn("&#65 ;"), XmlCharProblem::kBadReference);
  EXPECT_EQ(ProblemIn("&#6\xC3\xA9;"), XmlCharProblem::kBadReference);
  EXPECT_EQ(FindXmlCharError("<a>&#65")->problem, XmlCharProblem::kBadReference);  // cut by the end
}

// References are checked everywhere: in attribute values, comments and CDATA sections too.
TEST(XmlChars, ChecksReferencesInAttributesCommentsAndCdata) {
  EXPECT_TRUE(FindXmlCharError("<a b=\"&#0;\"/>"));
  EXPECT_TRUE(FindXmlCharError("<a><!-- &#0; --></a>"));
  EXPECT_TRUE(FindXmlCharError("<a><![CDATA[&#0;]]></a>"));
  EXPECT_TRUE(FindXmlCharError("<a><?pi &#0;?></a>"));
}

// The first problem is the one reported, at its offset.
TEST(XmlChars, ReportsTheFirstProblem) {
  const auto error = FindXmlCharError("<a>ok</a><b>\xC0\x80</b>\x01&#0;");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->offset, 12u);
  EXPECT_EQ(error->problem, XmlCharProblem::kOverlongUtf8);
}

// Fed in pieces split anywhere (inside sequences and references), the answer is the whole message's.
TEST(XmlChars, PiecesGiveTheWholeMessagesAnswer) {
  const std::string messages[] = {
      "<a>caf\xC3\xA9 &#x1F600; \xF0\x9F\x98\x80 &amp; plain text long enough for words</a>",
      "<a>\xF0\x9F\x98\x80\xED\xA0\x80</a>",
      "<a>12345678&#1114112;</a>",
      "<a>ok&#65;ok&#x0;</a>",
      "<a>\xE2\x82"s,
      "<a>abcdefgh\0ijk</a>"s,
  };
  for (const std::string& message : messages) {
    const std::optional<XmlCharError> whole = FindXmlCharError(message);
    for (std::size_t cut = 0; cut <= message.size(); ++cut) {
      for (std::size_t cut2 = cut; cut2 <= message.size(); cut2 += 3) {
        XmlCharValidator validator;
        const bool fed = validator.Feed(std::string_view(message).substr(0, cut)) &&
                         validator.Feed(std::string_view(message).substr(cut, cut2 - cut)) &&
                         validator.Feed(std::string_view(message).substr(cut2));
        EXPECT_EQ(fed && validator.Finish(), !whole) << message << " cut " << cut << "," << cut2;
        ASSERT_EQ(validator.error().has_value(), whole.has_value());
        if (whole) {
          EXPECT_EQ(validator.error()->offset, whole->offset);
          EXPECT_EQ(validator.error()->problem, whole->problem);
        }
      }
    }
  }
}

// After a problem, later bytes are ignored and the first problem stays; Reset starts afresh.
TEST(XmlChars, ProblemIsStickyUntilReset) {
  XmlCharValidator validator;
  EXPECT_FALSE(validator.Feed("a\x01"));
  EXPECT_FALSE(validator.Feed("bbb"));
  EXPECT_FALSE(validator.Finish());
  EXPECT_EQ(validator.error()->offset, 1u);
  validator.Reset();
  EXPECT_TRUE(validator.Feed("<a>fine</a>"));
  EXPECT_TRUE(validator.Finish());
}

// Each problem has words of its own.
TEST(XmlChars, ProblemTextsDiffer) {
  EXPECT_STRNE(XmlCharProblemText(XmlCharProblem::kNotUtf8), XmlCharProblemText(XmlCharProblem::kOverlongUtf8));
  EXPECT_STRNE(XmlCharProblemText(XmlCharProblem::kSurrogate), XmlCharProblemText(XmlCharProblem::kNotAChar));
  EXPECT_STRNE(XmlCharProblemText(XmlCharProblem::kBadReference), XmlCharProblemText(XmlCharProblem::kNotAChar));
}

}  // namespace
}  // namespace voip::soap
