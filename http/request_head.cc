#include "http/request_head.h"

#include <array>
#include <cctype>
#include <optional>
#include <string>
#include <vector>

#include "platform/text.h"

namespace voip {
namespace {

constexpr std::size_t kNotFound = std::string_view::npos;

// tchar (RFC 9110 section 5.6.2).
bool IsTokenChar(unsigned char c) {
  if (std::isalnum(c) != 0) return c < 0x80;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~': return true;
    default: return false;
  }
}

bool IsToken(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!IsTokenChar(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// field-vchar, SP or HTAB: VCHAR and obs-text, no control character.
bool IsValueChar(unsigned char c) { return c == '\t' || (c >= 0x20 && c != 0x7F); }

bool IsOws(char c) { return c == ' ' || c == '\t'; }

// OWS (RFC 9110 section 5.6.3): spaces and tabs.
constexpr std::string_view kOws = " \t";

HeadCheck Refused(int status, std::string reason) {
  HeadCheck check;
  check.refusal = HeadRefusal{status, std::move(reason)};
  return check;
}

// The fields the adapter (or cpp-httplib) reads as one value: a second line
// would let two readers take different ones.
constexpr std::array<std::string_view, 9> kSingletonFields = {
    "host",      "content-length",  "transfer-encoding", "content-type",    "authorization",
    "x-api-key", "idempotency-key", "soapaction",        "x-correlation-id"};
constexpr std::string_view kExpect = "expect";

// What the field lines say about framing, collected in one pass.
struct FieldFacts {
  std::array<int, kSingletonFields.size()> seen{};
  int expect_seen = 0;
  std::string_view content_length;
  std::string_view transfer_encoding;
};

// The request line: method SP request-target SP HTTP-version.
std::optional<HeadRefusal> CheckRequestLine(std::string_view line, bool& http10, std::string& method) {
  const std::size_t first = line.find(' ');
  const std::size_t second = first == kNotFound ? kNotFound : line.find(' ', first + 1);
  if (second == kNotFound || line.find(' ', second + 1) != kNotFound) {
    return HeadRefusal{400, "The request line is not 'METHOD target HTTP/1.1'"};
  }
  method = std::string(line.substr(0, first));
  const std::string_view target = line.substr(first + 1, second - first - 1);
  const std::string_view version = line.substr(second + 1);
  if (!IsToken(method)) return HeadRefusal{400, "The request method is not a token"};
  if (target.empty()) return HeadRefusal{400, "The request target is empty"};
  for (char c : target) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F) return HeadRefusal{400, "The request target holds a control or non-ASCII byte"};
  }
  if (version != "HTTP/1.1" && version != "HTTP/1.0") return HeadRefusal{400, "Only HTTP/1.1 and HTTP/1.0 are served"};
  http10 = version == "HTTP/1.0";
  return std::nullopt;
}

// One field line: name ":" OWS value OWS, recorded in `facts`.
std::optional<HeadRefusal> CheckFieldLine(std::string_view line, FieldFacts& facts) {
  if (IsOws(line.front())) return HeadRefusal{400, "A header line starts with whitespace (obs-fold)"};
  const std::size_t colon = line.find(':');
  if (colon == kNotFound) return HeadRefusal{400, "A header line has no colon"};
  const std::string_view name = line.substr(0, colon);
  if (IsOws(name.back())) return HeadRefusal{400, "A header name is followed by whitespace before its colon"};
  if (!IsToken(name)) return HeadRefusal{400, "A header name is not a token"};
  const std::string_view value = Trim(line.substr(colon + 1), kOws);
  for (char c : value) {
    if (!IsValueChar(static_cast<unsigned char>(c))) {
      return HeadRefusal{400, "The value of header '" + std::string(name) + "' holds a control character"};
    }
  }
  for (std::size_t i = 0; i < kSingletonFields.size(); ++i) {
    if (!EqualsIgnoreCase(name, kSingletonFields[i])) continue;
    if (++facts.seen[i] > 1) return HeadRefusal{400, "Header '" + std::string(name) + "' appears more than once"};
    if (i == 1) facts.content_length = value;
    if (i == 2) facts.transfer_encoding = value;
  }
  if (EqualsIgnoreCase(name, kExpect) && ++facts.expect_seen > 1)
    return HeadRefusal{400, "Header 'Expect' appears more than once"};
  return std::nullopt;
}

// 1*DIGIT, without overflow.
std::optional<std::uint64_t> ParseContentLength(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

bool MethodHasBody(std::string_view method) { return method == "POST" || method == "PUT" || method == "PATCH"; }

// The framing the fields give, or why it is ambiguous.
HeadCheck FramingOf(const FieldFacts& facts, bool http10, std::string_view method) {
  const bool has_length = facts.seen[1] > 0;
  const bool has_coding = facts.seen[2] > 0;
  if (facts.seen[0] == 0 && !http10) return Refused(400, "An HTTP/1.1 request must carry a Host header");
  if (has_length && has_coding) return Refused(400, "Content-Length and Transfer-Encoding together");
  HeadCheck check;
  check.accepted = true;
  if (has_coding) {
    if (http10) return Refused(400, "Transfer-Encoding in an HTTP/1.0 request");
    if (!EqualsIgnoreCase(facts.transfer_encoding, "chunked")) {
      return Refused(400, "Transfer-Encoding other than 'chunked'");
    }
    check.framing = BodyFraming::kChunked;
  } else if (has_length) {
    const std::optional<std::uint64_t> length = ParseContentLength(facts.content_length);
    if (!length) return Refused(400, "Content-Length is not a number");
    check.framing = BodyFraming::kLength;
    check.content_length = *length;
  } else if (MethodHasBody(method)) {
    return Refused(411, "A " + std::string(method) + " request needs a Content-Length (or chunked Transfer-Encoding)");
  }
  return check;
}

// Splits the head into lines without their CRLF; false on a bare LF or CR.
bool SplitLines(std::string_view head, std::vector<std::string_view>& lines) {
  while (!head.empty()) {
    const std::size_t lf = head.find('\n');
    if (lf == kNotFound || lf == 0 || head[lf - 1] != '\r') return false;
    const std::string_view line = head.substr(0, lf - 1);
    if (line.find('\r') != kNotFound) return false;
    lines.push_back(line);
    head.remove_prefix(lf + 1);
  }
  return true;
}

}  // namespace

HeadScanner::State HeadScanner::Refuse(int status, std::string reason) {
  refusal_ = HeadRefusal{status, std::move(reason)};
  return State::kRefused;
}

HeadScanner::State HeadScanner::Feed(std::string_view buffered) {
  for (;;) {
    const std::size_t lf = buffered.find('\n', position_);
    const std::size_t line_end = lf == kNotFound ? buffered.size() : lf + 1;
    const std::size_t line_bytes = line_end - position_;
    const bool request_line = lines_ == 0;
    if (request_line && line_bytes > limits_.max_request_line_bytes) {
      return Refuse(414,
                    "The request line is longer than " + std::to_string(limits_.max_request_line_bytes) + " bytes");
    }
    if (line_end > limits_.max_head_bytes) {
      return Refuse(request_line ? 414 : 431,
                    "The request head is larger than " + std::to_string(limits_.max_head_bytes) + " bytes");
    }
    if (!request_line && line_bytes > limits_.max_field_line_bytes) {
      return Refuse(431, "A header line is longer than " + std::to_string(limits_.max_field_line_bytes) + " bytes");
    }
    if (lf == kNotFound) return State::kIncomplete;
    const std::string_view line = buffered.substr(position_, line_bytes);
    position_ = line_end;
    if (line == "\r\n" || line == "\n") {
      if (request_line) continue;  // an empty line before the request line
      return State::kComplete;
    }
    if (request_line) {
      head_begin_ = line_end - line_bytes;
    } else if (lines_ > limits_.max_fields) {  // this is header line number lines_
      return Refuse(431, "The request has more than " + std::to_string(limits_.max_fields) + " header lines");
    }
    ++lines_;
  }
}

HeadCheck CheckRequestHead(std::string_view head, const HeadLimits& limits) {
  if (head.size() > limits.max_head_bytes) return Refused(431, "The request head is too large");
  std::vector<std::string_view> lines;
  lines.reserve(32);  // one allocation for a usual head
  if (!SplitLines(head, lines) || lines.size() < 2 || !lines.back().empty()) {
    return Refused(400, "The request head's lines must end with CRLF (no bare LF or CR)");
  }
  lines.pop_back();  // the empty line
  if (lines.front().size() + 2 > limits.max_request_line_bytes) return Refused(414, "The request line is too long");
  if (lines.size() - 1 > limits.max_fields) return Refused(431, "The request has too many header lines");
  bool http10 = false;
  std::string method;
  if (auto refusal = CheckRequestLine(lines.front(), http10, method)) return Refused(refusal->status, refusal->reason);
  FieldFacts facts;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    if (lines[i].size() + 2 > limits.max_field_line_bytes) return Refused(431, "A header line is too long");
    if (auto refusal = CheckFieldLine(lines[i], facts)) return Refused(refusal->status, refusal->reason);
  }
  return FramingOf(facts, http10, method);
}

}  // namespace voip
