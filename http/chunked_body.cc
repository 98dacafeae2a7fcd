#include "http/chunked_body.h"

#include <algorithm>
#include <limits>

namespace voip {
namespace {

constexpr int kMaxSizeDigits = 15;
constexpr std::size_t kMaxSizeLineBytes = 1024;  // digits and extensions

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// What a chunk extension may hold: HTAB, SP, VCHAR, obs-text.
bool IsExtensionChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u == '\t' || (u >= 0x20 && u != 0x7F);
}

}  // namespace

std::size_t ChunkedBodyTracker::MaxNext() const {
  if (state_ == State::kDone || state_ == State::kBroken) return 0;
  if (state_ != State::kData) return 1;
  return static_cast<std::size_t>(std::min<std::uint64_t>(data_left_, std::numeric_limits<std::size_t>::max()));
}

bool ChunkedBodyTracker::Accept(const char* data, std::size_t size) {
  if (size > MaxNext()) {
    state_ = State::kBroken;
    return false;
  }
  if (state_ == State::kData) {
    data_left_ -= size;
    if (data_left_ == 0) state_ = State::kDataCr;
    return true;
  }
  for (std::size_t i = 0; i < size; ++i) {
    if (!Step(data[i])) {
      state_ = State::kBroken;
      return false;
    }
  }
  return true;
}

bool ChunkedBodyTracker::StepSizeLine(char c) {
  if (++line_bytes_ > kMaxSizeLineBytes) return false;
  if (c == '\r') {
    if (state_ == State::kSize && digits_ == 0) return false;
    state_ = State::kSizeLf;
    return true;
  }
  switch (state_) {
    case State::kSize:
      if (const int value = HexValue(c); value >= 0) {
        if (++digits_ > kMaxSizeDigits) return false;
        size_ = size_ * 16 + static_cast<std::uint64_t>(value);
        return true;
      }
      if (digits_ == 0) return false;
      [[fallthrough]];
    case State::kSizeSpace:
      if (c == ';') {
        state_ = State::kExtension;
        return true;
      }
      state_ = State::kSizeSpace;
      return c == ' ' || c == '\t';
    default:  // kExtension
      return IsExtensionChar(c);
  }
}

bool ChunkedBodyTracker::Step(char c) {
  switch (state_) {
    case State::kSize:
    case State::kSizeSpace:
    case State::kExtension: return StepSizeLine(c);
    case State::kSizeLf:
      if (c != '\n') return false;
      data_left_ = size_;
      state_ = size_ == 0 ? State::kLastCr : State::kData;
      size_ = 0;
      digits_ = 0;
      line_bytes_ = 0;
      return true;
    case State::kDataCr: state_ = State::kDataLf; return c == '\r';
    case State::kDataLf: state_ = State::kSize; return c == '\n';
    case State::kLastCr: state_ = State::kLastLf; return c == '\r';
    case State::kLastLf: state_ = State::kDone; return c == '\n';
    default: return false;
  }
}

}  // namespace voip
