// W3C Trace Context (https://www.w3.org/TR/trace-context/): the traceparent
// and tracestate HTTP headers a caller sends, validated, and the ones the
// adapter sends on to each backend, one new span id per call.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace voip {

// A traceparent value of version 00, read: "00-" TRACE_ID "-" PARENT_ID "-"
// FLAGS, 32, 16 and 2 lowercase hex digits, the ids not all zeros.
struct TraceParent {
  std::string trace_id;
  std::string parent_id;
  std::string flags;
};

// The parsed value, or nullopt when it is not exactly that (another version,
// upper case, wrong lengths, all-zero ids, anything more).
[[nodiscard]] std::optional<TraceParent> ParseTraceparent(std::string_view value);

// The tracestate value when it can be passed on as it came: at most 512
// characters of printable ASCII (list members are not otherwise checked);
// nullopt otherwise (it is then dropped).
[[nodiscard]] std::optional<std::string> AcceptableTracestate(std::string_view value);

// One span of the adapter's (a request, or one backend call) in its trace.
// An empty trace_id means "no trace": nothing is sent.
struct TraceContext {
  std::string trace_id;  // 32 lowercase hex
  std::string span_id;   // 16 lowercase hex: this span's id
  std::string flags = "00";
  std::string tracestate;  // passed on as received; empty: none

  bool empty() const { return trace_id.empty(); }
  // "00-TRACE_ID-SPAN_ID-FLAGS": the traceparent of a call made in this span.
  std::string Traceparent() const;
};

// The request's span: in the caller's trace, with the caller's flags and
// tracestate, when `traceparent` is valid; else in a new trace (flags 00, the
// tracestate dropped, as the specification says). Either way a new span id.
[[nodiscard]] TraceContext ContinueOrStartTrace(std::string_view traceparent, std::string_view tracestate);

// A call made from `parent`'s span: the same trace, flags and tracestate, a
// new span id. An empty parent gives an empty child.
[[nodiscard]] TraceContext ChildSpan(const TraceContext& parent);

// How a trace context is kept with an outbox entry: "TRACEPARENT" or
// "TRACEPARENT TRACESTATE" (a traceparent holds no space), empty for none;
// and back (an empty context when the text is not that).
[[nodiscard]] std::string StoredTraceContext(const TraceContext& context);
[[nodiscard]] TraceContext TraceContextFromStored(std::string_view stored);

}  // namespace voip
