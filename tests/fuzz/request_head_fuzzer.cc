// libFuzzer harness: any bytes as what a client sends on a connection,
// through the adapter's own HTTP framing code: the head scanner (fed in
// pieces whose sizes the input's first byte picks), the strict head check,
// and for a chunked body the chunk tracker (fed as cpp-httplib reads).
// Must never crash or hit undefined behaviour, and:
// - scanning in pieces finds what scanning at once finds;
// - a found head ends with its empty line and stays within the limits;
// - a refusal is 400, 411, 414 or 431 with a reason of printable ASCII;
// - an accepted head holds no NUL, bare CR or bare LF;
// - the chunk tracker never takes more than MaxNext() nor is both done and broken.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "http/chunked_body.h"
#include "http/request_head.h"

namespace {

using voip::HeadScanner;

void Check(bool holds) {
  if (!holds) std::abort();
}

HeadScanner::State ScanInPieces(HeadScanner& scanner, std::string_view bytes, std::size_t piece) {
  HeadScanner::State state = HeadScanner::State::kIncomplete;
  for (std::size_t end = std::min(piece, bytes.size());; end = std::min(end + piece, bytes.size())) {
    state = scanner.Feed(bytes.substr(0, end));
    if (state != HeadScanner::State::kIncomplete || end == bytes.size()) return state;
  }
}

void CheckRefusal(const voip::HeadRefusal& refusal) {
  Check(refusal.status == 400 || refusal.status == 411 || refusal.status == 414 || refusal.status == 431);
  Check(!refusal.reason.empty());
  for (char c : refusal.reason) Check(c >= 0x20 && c < 0x7F);
}

void CheckAcceptedHead(std::string_view head) {
  for (std::size_t i = 0; i < head.size(); ++i) {
    Check(head[i] != '\0');
    if (head[i] == '\n') Check(i > 0 && head[i - 1] == '\r');
    if (head[i] == '\r') Check(i + 1 < head.size() && head[i + 1] == '\n');
  }
}

void TrackChunks(std::string_view body) {
  voip::ChunkedBodyTracker tracker;
  std::size_t at = 0;
  while (at < body.size() && tracker.MaxNext() > 0) {
    const std::size_t size = std::min(tracker.MaxNext(), body.size() - at);
    const bool accepted = tracker.Accept(body.data() + at, size);
    Check(accepted != tracker.broken());
    if (!accepted) break;
    at += size;
  }
  Check(!(tracker.done() && tracker.broken()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t piece = 1 + data[0] % 64;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  voip::HeadLimits limits;
  limits.max_head_bytes = 4096;  // small enough for libFuzzer's inputs to reach
  limits.max_fields = 16;
  limits.max_request_line_bytes = 1024;
  limits.max_field_line_bytes = 1024;
  HeadScanner whole(limits);
  HeadScanner pieces(limits);
  const HeadScanner::State state = whole.Feed(bytes);
  Check(ScanInPieces(pieces, bytes, piece) == state);
  if (state == HeadScanner::State::kRefused) {
    Check(pieces.refusal().status == whole.refusal().status);
    CheckRefusal(whole.refusal());
  }
  if (state != HeadScanner::State::kComplete) return 0;
  Check(pieces.head_begin() == whole.head_begin() && pieces.head_end() == whole.head_end());
  Check(whole.head_end() <= limits.max_head_bytes && bytes[whole.head_end() - 1] == '\n');
  const std::string_view head = bytes.substr(whole.head_begin(), whole.head_end() - whole.head_begin());
  const voip::HeadCheck check = voip::CheckRequestHead(head, limits);
  if (!check.accepted) {
    CheckRefusal(check.refusal);
    return 0;
  }
  CheckAcceptedHead(head);
  if (check.framing == voip::BodyFraming::kChunked) TrackChunks(bytes.substr(whole.head_end()));
  return 0;
}
