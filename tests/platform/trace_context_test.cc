// W3C Trace Context: what traceparent values are accepted, and the spans made from them.
#include "platform/trace_context.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

namespace voip {
namespace {

const std::string kTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
const std::string kValid = "00-" + kTraceId + "-00f067aa0ba902b7-01";

bool IsSpanId(const std::string& id) {
  return std::regex_match(id, std::regex("[0-9a-f]{16}")) && id != std::string(16, '0');
}

// A version-00 traceparent is read into its trace id, parent id and flags.
TEST(TraceContextTest, ParsesAValidTraceparent) {
  const auto parsed = ParseTraceparent(kValid);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->trace_id, kTraceId);
  EXPECT_EQ(parsed->parent_id, "00f067aa0ba902b7");
  EXPECT_EQ(parsed->flags, "01");
}

// Anything but exactly version 00, lowercase hex of the right lengths and non-zero ids is refused.
TEST(TraceContextTest, RefusesMalformedTraceparents) {
  for (const std::string& bad : std::vector<std::string>{
           std::string(""),
           "01-" + kTraceId + "-00f067aa0ba902b7-01",                  // another version
           "ff-" + kTraceId + "-00f067aa0ba902b7-01",                  // the forbidden version
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",  // upper case
           "00-" + std::string(32, '0') + "-00f067aa0ba902b7-01",      // all-zero trace id
           "00-" + kTraceId + "-0000000000000000-01",                  // all-zero parent id
           "00-" + kTraceId + "-00f067aa0ba902b-01",                   // short parent id
           "00-" + kTraceId + "-00f067aa0ba902b7-01-extra",            // trailing data
           "00-" + kTraceId + "-00f067aa0ba902b7-0g",                  // not hex
           "00_" + kTraceId + "_00f067aa0ba902b7_01",                  // wrong separators
       }) {
    EXPECT_FALSE(ParseTraceparent(bad).has_value()) << bad;
  }
}

// A valid traceparent is continued: same trace and flags, the tracestate kept, a new span id.
TEST(TraceContextTest, ContinuesTheCallersTrace) {
  const TraceContext context = ContinueOrStartTrace(kValid, "vendor=abc");
  EXPECT_EQ(context.trace_id, kTraceId);
  EXPECT_EQ(context.flags, "01");
  EXPECT_EQ(context.tracestate, "vendor=abc");
  EXPECT_TRUE(IsSpanId(context.span_id)) << context.span_id;
  EXPECT_NE(context.span_id, "00f067aa0ba902b7");
}

// Absent or malformed: a new trace (valid, not all zeros), flags 00, and the tracestate dropped.
TEST(TraceContextTest, StartsANewTraceWhenAbsentOrMalformed) {
  const TraceContext absent = ContinueOrStartTrace("", "");
  const TraceContext malformed = ContinueOrStartTrace("00-xyz", "vendor=abc");
  for (const TraceContext& context : {absent, malformed}) {
    EXPECT_TRUE(ParseTraceparent(context.Traceparent()).has_value()) << context.Traceparent();
    EXPECT_EQ(context.flags, "00");
    EXPECT_EQ(context.tracestate, "");
  }
  EXPECT_NE(absent.trace_id, malformed.trace_id);
}

// Each child span keeps the trace, flags and tracestate and has its own new span id.
TEST(TraceContextTest, ChildSpansHaveNewSpanIds) {
  const TraceContext parent = ContinueOrStartTrace(kValid, "a=1");
  const TraceContext first = ChildSpan(parent);
  const TraceContext second = ChildSpan(parent);
  EXPECT_EQ(first.trace_id, kTraceId);
  EXPECT_EQ(first.tracestate, "a=1");
  EXPECT_NE(first.span_id, parent.span_id);
  EXPECT_NE(first.span_id, second.span_id);
  EXPECT_TRUE(ChildSpan(TraceContext{}).empty());
}

// A tracestate too long or holding control characters is dropped.
TEST(TraceContextTest, TracestateLimits) {
  EXPECT_EQ(AcceptableTracestate("a=1, b=2"), "a=1, b=2");
  EXPECT_FALSE(AcceptableTracestate(std::string(513, 'a')).has_value());
  EXPECT_FALSE(AcceptableTracestate("a=1\r\nX-Evil: 1").has_value());
}

// The stored form round-trips, tracestate included; anything else reads back as no trace.
TEST(TraceContextTest, StoredFormRoundTrips) {
  const TraceContext context = ContinueOrStartTrace(kValid, "a=1,b=2");
  const TraceContext back = TraceContextFromStored(StoredTraceContext(context));
  EXPECT_EQ(back.Traceparent(), context.Traceparent());
  EXPECT_EQ(back.tracestate, "a=1,b=2");
  EXPECT_EQ(StoredTraceContext(TraceContext{}), "");
  EXPECT_TRUE(TraceContextFromStored("").empty());
  EXPECT_TRUE(TraceContextFromStored("garbage").empty());
}

}  // namespace
}  // namespace voip
