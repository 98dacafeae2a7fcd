#include "platform/trace_context.h"

#include <openssl/rand.h>

#include <array>
#include <cstddef>

namespace voip {
namespace {

bool IsLowerHex(std::string_view text) {
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool AllZeros(std::string_view text) { return text.find_first_not_of('0') == std::string_view::npos; }

// `bytes` random bytes as lowercase hex, never all zeros.
std::string RandomHexId(std::size_t bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::array<unsigned char, 16> random{};
  std::string id;
  do {
    if (RAND_bytes(random.data(), static_cast<int>(bytes)) != 1) random.fill(0x5a);  // never expected
    id.clear();
    for (std::size_t i = 0; i < bytes; ++i) {
      id += kDigits[random[i] >> 4];
      id += kDigits[random[i] & 0x0f];
    }
  } while (AllZeros(id));
  return id;
}

}  // namespace

std::optional<TraceParent> ParseTraceparent(std::string_view value) {
  constexpr std::size_t kLength = 2 + 1 + 32 + 1 + 16 + 1 + 2;
  if (value.size() != kLength || value.substr(0, 3) != "00-" || value[35] != '-' || value[52] != '-') {
    return std::nullopt;
  }
  TraceParent parsed{std::string(value.substr(3, 32)), std::string(value.substr(36, 16)),
                     std::string(value.substr(53, 2))};
  if (!IsLowerHex(parsed.trace_id) || !IsLowerHex(parsed.parent_id) || !IsLowerHex(parsed.flags)) return std::nullopt;
  if (AllZeros(parsed.trace_id) || AllZeros(parsed.parent_id)) return std::nullopt;
  return parsed;
}

std::optional<std::string> AcceptableTracestate(std::string_view value) {
  constexpr std::size_t kMaxLength = 512;
  if (value.size() > kMaxLength) return std::nullopt;
  for (const char c : value) {
    if (c < 0x20 || c > 0x7e) return std::nullopt;
  }
  return std::string(value);
}

std::string TraceContext::Traceparent() const { return "00-" + trace_id + "-" + span_id + "-" + flags; }

TraceContext ContinueOrStartTrace(std::string_view traceparent, std::string_view tracestate) {
  TraceContext context;
  context.span_id = RandomHexId(8);
  if (const std::optional<TraceParent> parent = ParseTraceparent(traceparent)) {
    context.trace_id = parent->trace_id;
    context.flags = parent->flags;
    context.tracestate = AcceptableTracestate(tracestate).value_or("");
  } else {
    context.trace_id = RandomHexId(16);
  }
  return context;
}

TraceContext ChildSpan(const TraceContext& parent) {
  if (parent.empty()) return {};
  TraceContext child = parent;
  child.span_id = RandomHexId(8);
  return child;
}

std::string StoredTraceContext(const TraceContext& context) {
  if (context.empty()) return "";
  std::string stored = context.Traceparent();
  if (!context.tracestate.empty()) stored += " " + context.tracestate;
  return stored;
}

TraceContext TraceContextFromStored(std::string_view stored) {
  const std::size_t space = stored.find(' ');
  const std::optional<TraceParent> parent = ParseTraceparent(stored.substr(0, space));
  if (!parent) return {};
  TraceContext context{parent->trace_id, parent->parent_id, parent->flags, ""};
  if (space != std::string_view::npos) context.tracestate = AcceptableTracestate(stored.substr(space + 1)).value_or("");
  return context;
}

}  // namespace voip
