#include "platform/text.h"

#include <gtest/gtest.h>

namespace voip {
namespace {

using std::chrono::milliseconds;
using std::chrono::system_clock;

// Trim drops the given characters at both ends only; by default every ASCII space.
TEST(TextTest, Trim) {
  EXPECT_EQ(Trim(" \t\r\n\f\va b\v"), "a b");
  EXPECT_EQ(Trim("  \r"), "");
  EXPECT_EQ(Trim("\n x \n", " \t"), "\n x \n");
  EXPECT_EQ(Trim("\t x \r", " \t\r"), "x");
}

// AsciiLower lowers A-Z and leaves every other byte alone.
TEST(TextTest, AsciiLower) {
  EXPECT_EQ(AsciiLower("Content-TYPE: X1"), "content-type: x1");
  EXPECT_EQ(AsciiLower("\xC3\x89"), "\xC3\x89");
}

// Base64 round-trips every padding length, and decoding refuses what is not Base64.
TEST(TextTest, Base64) {
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Decode("Zg=="), "f");
  EXPECT_EQ(Base64Decode("Zm8="), "fo");
  EXPECT_EQ(Base64Decode("Zm9v"), "foo");
  EXPECT_EQ(Base64Decode("AAE="), std::string("\0\1", 2));
  EXPECT_FALSE(Base64Decode(""));
  EXPECT_FALSE(Base64Decode("Zm9"));
  EXPECT_FALSE(Base64Decode("Zm9*"));
}

// UtcTimestamp writes UTC to the millisecond, before 1970 too.
TEST(TextTest, UtcTimestamp) {
  EXPECT_EQ(UtcTimestamp(system_clock::time_point(milliseconds(1'765'000'000'123))), "2025-12-06T05:46:40.123Z");
  EXPECT_EQ(UtcTimestamp(system_clock::time_point(milliseconds(-1))), "1969-12-31T23:59:59.999Z");
}

// Utf8Length counts code points and refuses broken UTF-8.
TEST(TextTest, Utf8Length) {
  EXPECT_EQ(Utf8Length("abc"), 3);
  EXPECT_EQ(Utf8Length("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"), 3);
  EXPECT_EQ(Utf8Length("\xC3"), -1);
  EXPECT_EQ(Utf8Length("\x80"), -1);
  EXPECT_EQ(Utf8Length("\xC3\x28"), -1);
}

// TruncateUtf8Chars counts code points, not bytes, and never splits one.
TEST(TextTest, TruncateUtf8Chars) {
  EXPECT_EQ(TruncateUtf8Chars("abcdef", 4), "abcd");
  EXPECT_EQ(TruncateUtf8Chars("ab", 4), "ab");
  EXPECT_EQ(TruncateUtf8Chars("\xC3\xA9t\xC3\xA9s", 3), "\xC3\xA9t\xC3\xA9");  // é t é: 5 bytes, 3 characters
  EXPECT_EQ(TruncateUtf8Chars("\xF0\x9F\x93\x9E"
                              "x",
                              1),
            "\xF0\x9F\x93\x9E");
  EXPECT_EQ(TruncateUtf8Chars("abc", 0), "");
}

// TruncateUtf8Bytes cuts to the byte limit without splitting a character.
TEST(TextTest, TruncateUtf8Bytes) {
  EXPECT_EQ(TruncateUtf8Bytes("abcdef", 4), "abcd");
  EXPECT_EQ(TruncateUtf8Bytes("ab\xE2\x82\xAC", 4), "ab");
  EXPECT_EQ(TruncateUtf8Bytes("ab\xE2\x82\xAC", 5), "ab\xE2\x82\xAC");
  EXPECT_EQ(TruncateUtf8Bytes("abc", 3), "abc");
}

}  // namespace
}  // namespace voip
