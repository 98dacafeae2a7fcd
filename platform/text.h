// Small text helpers, one copy each, for the core, the operator's commands and
// the simulators: ASCII trimming, lower case and comparison, Base64, UTC timestamps,
// UTF-8 length and truncation. Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace voip {

// What C's isspace() calls space in the "C" locale.
inline constexpr std::string_view kAsciiSpace = " \t\n\r\f\v";

// `text` without the leading and trailing characters found in `chars`.
[[nodiscard]] std::string_view Trim(std::string_view text, std::string_view chars = kAsciiSpace);

// `text` with A-Z lowered; every other byte (UTF-8 included) unchanged.
[[nodiscard]] std::string AsciiLower(std::string_view text);

// `a` and `b` are equal once A-Z are lowered in both (no copy).
[[nodiscard]] bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// Standard Base64 (RFC 4648 section 4, with padding) of `bytes`.
[[nodiscard]] std::string Base64Encode(std::string_view bytes);
// The bytes `text` encodes; nullopt when it is empty, its length is not a
// multiple of 4, or it is not Base64.
[[nodiscard]] std::optional<std::string> Base64Decode(std::string_view text);

// `time` in UTC to the millisecond, ISO 8601 / xsd:dateTime: 2026-12-06T08:17:16.123Z.
[[nodiscard]] std::string UtcTimestamp(std::chrono::system_clock::time_point time);

// The number of code points in `text`, or -1 when it is not valid UTF-8.
[[nodiscard]] long Utf8Length(std::string_view text);

// `text` cut to at most `max_bytes` bytes without splitting a UTF-8 sequence.
[[nodiscard]] std::string TruncateUtf8Bytes(std::string text, std::size_t max_bytes);

// The first `max_chars` code points of UTF-8 `text` (an XML schema's length
// counts characters); `text` itself when it has no more.
[[nodiscard]] std::string TruncateUtf8Chars(const std::string& text, std::size_t max_chars);

}  // namespace voip
