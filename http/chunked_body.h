// Follows a chunked request body (RFC 9112 section 7.1) byte by byte as it
// is handed to cpp-httplib, so that the connection knows where the body ends
// and never hands out a byte past it, and refuses chunk syntax that readers
// could understand differently (cpp-httplib's own parser takes "0x10", " 5"
// or a missing CRLF after the data).
//
// Accepted: chunk-size as 1 to 15 hex digits, optionally followed by
// whitespace and chunk extensions (";" and visible characters, ignored),
// CRLF, the data, CRLF; the last chunk "0" (with optional extensions), CRLF,
// and the final CRLF. Trailer fields are refused (cpp-httplib 0.11.4 cannot
// read them). Plain value type, no I/O. Thread-compatible.
#pragma once

#include <cstddef>
#include <cstdint>

namespace voip {

class ChunkedBodyTracker {
 public:
  // At most how many bytes the next Accept() may be given (> 0 unless
  // done() or broken()): the rest of the current chunk's data, or 1 in the
  // syntax around it.
  [[nodiscard]] std::size_t MaxNext() const;

  // Takes the next `size` (<= MaxNext()) bytes of the body. False, and
  // broken() from then on, when they break the chunked syntax.
  [[nodiscard]] bool Accept(const char* data, std::size_t size);

  // The next bytes Accept() takes (at most MaxNext()) are chunk data, not
  // the syntax around it: what a reader decoding the body keeps.
  bool in_data() const { return state_ == State::kData; }

  // The final CRLF was taken: the body is complete.
  bool done() const { return state_ == State::kDone; }
  bool broken() const { return state_ == State::kBroken; }

 private:
  enum class State {
    kSize,       // hex digits of chunk-size
    kSizeSpace,  // whitespace after the size, before ';' or CR
    kExtension,  // after ';', until CR
    kSizeLf,     // CR seen after the size line
    kData,       // chunk data
    kDataCr,     // CRLF after the data
    kDataLf,
    kLastCr,  // after the last chunk's line: the final CRLF (no trailers)
    kLastLf,
    kDone,
    kBroken,
  };
  bool Step(char c);
  bool StepSizeLine(char c);

  State state_ = State::kSize;
  std::uint64_t size_ = 0;
  int digits_ = 0;
  std::size_t line_bytes_ = 0;  // of the current size line, bounded
  std::uint64_t data_left_ = 0;
};

}  // namespace voip
