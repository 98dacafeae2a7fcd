// The request head (request line and header section) of one HTTP/1.1
// request, checked strictly before cpp-httplib parses it (RFC 9112), so that
// no two readers of the same bytes -- a front proxy and the adapter -- can
// disagree about where a request ends.
//
// Plain functions and values: no socket, no cpp-httplib. Thread-compatible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace voip {

// How large a head may be. Counted in bytes, line terminators included.
struct HeadLimits {
  std::size_t max_head_bytes = 16 * 1024;  // request line + header lines + the empty line
  std::size_t max_fields = 100;            // header lines
  // cpp-httplib 0.11.4's own ceilings, compiled into Debian's library: a
  // longer request line gets its 414, a longer header line its 400.
  std::size_t max_request_line_bytes = 8192;
  std::size_t max_field_line_bytes = 8192;
};

// Where a refused head went wrong: the status to answer (then close) and
// words for the caller and the log that never quote a header's value.
struct [[nodiscard]] HeadRefusal {
  int status = 400;  // 400, 411, 414 or 431
  std::string reason;
};

// Finds the end of a request head in the bytes read so far, line by line,
// and refuses it as soon as a limit is passed, before the rest arrives.
// Feed() is called again with the same bytes and more appended; it resumes
// where it stopped. Leading empty lines (CRLF) before the request line are
// skipped (RFC 9112 section 2.2); they count towards max_head_bytes.
class HeadScanner {
 public:
  explicit HeadScanner(const HeadLimits& limits) : limits_(limits) {}

  enum class State { kIncomplete, kComplete, kRefused };
  // kComplete: the head is bytes [head_begin(), head_end()) of `buffered`.
  // kRefused: refusal() says why (414 for the request line, 431 otherwise).
  [[nodiscard]] State Feed(std::string_view buffered);

  std::size_t head_begin() const { return head_begin_; }
  std::size_t head_end() const { return position_; }
  const HeadRefusal& refusal() const { return refusal_; }

 private:
  State Refuse(int status, std::string reason);

  const HeadLimits limits_;
  std::size_t head_begin_ = 0;
  std::size_t position_ = 0;  // start of the first line not yet seen whole
  std::size_t lines_ = 0;     // whole lines seen, the request line included
  HeadRefusal refusal_;
};

// How the body after an accepted head is delimited.
enum class [[nodiscard]] BodyFraming{
    kNone,     // no body (neither Content-Length nor Transfer-Encoding)
    kLength,   // exactly content_length bytes
    kChunked,  // Transfer-Encoding: chunked
};

struct [[nodiscard]] HeadCheck {
  bool accepted = false;
  HeadRefusal refusal;  // when not accepted
  BodyFraming framing = BodyFraming::kNone;
  std::uint64_t content_length = 0;  // with kLength
};

// Checks one complete head (as HeadScanner delimits it: request line through
// the empty line) against RFC 9112 and `limits`, and says how its body is
// framed. Refused with 400: a line not ending in CRLF or holding a bare CR;
// a request line other than `method SP target SP HTTP/1.x`; a header line
// starting with whitespace (obs-fold), with whitespace before the colon or a
// name that is not a token; a control character (NUL included) in a value;
// Content-Length more than once or not digits; Transfer-Encoding more than
// once, other than `chunked`, with Content-Length, or in HTTP/1.0; Host
// missing (HTTP/1.1) or repeated; one of the fields the adapter reads
// (Content-Type, Authorization, X-API-Key, Idempotency-Key, SOAPAction,
// X-Correlation-ID, Expect) repeated. 414 and 431 for the limits; 411 for
// POST, PUT or PATCH with neither Content-Length nor Transfer-Encoding.
[[nodiscard]] HeadCheck CheckRequestHead(std::string_view head, const HeadLimits& limits);

}  // namespace voip
