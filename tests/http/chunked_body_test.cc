#include "http/chunked_body.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace voip {
namespace {

// Feeds `body` as cpp-httplib would read it (never more than MaxNext() at a
// time). Returns the tracker; `taken` is how many bytes it accepted.
ChunkedBodyTracker Feed(const std::string& body, std::size_t* taken = nullptr) {
  ChunkedBodyTracker tracker;
  std::size_t at = 0;
  while (at < body.size() && tracker.MaxNext() > 0) {
    const std::size_t size = std::min(tracker.MaxNext(), body.size() - at);
    if (!tracker.Accept(body.data() + at, size)) break;
    at += size;
  }
  if (taken != nullptr) *taken = at;
  return tracker;
}

// A well-formed body ends exactly after its final CRLF; the next request's bytes are never taken.
TEST(ChunkedBodyTrackerTest, EndsAtTheFinalCrlf) {
  std::size_t taken = 0;
  const std::string body = "5\r\nhello\r\n1a;name=value\r\n" + std::string(26, 'x') + "\r\n0\r\n\r\n";
  const ChunkedBodyTracker tracker = Feed(body + "GET /health HTTP/1.1\r\n", &taken);
  EXPECT_TRUE(tracker.done());
  EXPECT_EQ(taken, body.size());
}

// Chunk sizes readers could understand differently are refused.
TEST(ChunkedBodyTrackerTest, RefusesAmbiguousChunkSizes) {
  for (const char* body : {"0x5\r\nhello\r\n0\r\n\r\n", " 5\r\nhello\r\n0\r\n\r\n", "+5\r\nhello\r\n0\r\n\r\n",
                           "5 6\r\nhello\r\n0\r\n\r\n", "\r\n", "1000000000000000\r\n", "5\nhello\r\n0\r\n\r\n"}) {
    EXPECT_TRUE(Feed(body).broken()) << body;
  }
}

// Data not followed by CRLF is refused (cpp-httplib would end the body there).
TEST(ChunkedBodyTrackerTest, RefusesDataWithoutItsCrlf) { EXPECT_TRUE(Feed("5\r\nhelloX\r\n0\r\n\r\n").broken()); }

// Trailer fields are refused.
TEST(ChunkedBodyTrackerTest, RefusesTrailers) { EXPECT_TRUE(Feed("0\r\nX-Trailer: a\r\n\r\n").broken()); }

// A body cut short is neither done nor broken.
TEST(ChunkedBodyTrackerTest, ACutBodyIsNotDone) {
  const ChunkedBodyTracker tracker = Feed("5\r\nhel");
  EXPECT_FALSE(tracker.done());
  EXPECT_FALSE(tracker.broken());
  EXPECT_EQ(tracker.MaxNext(), 2u);
}

// Whitespace before an extension is accepted (RFC 9112 BWS).
TEST(ChunkedBodyTrackerTest, AcceptsWhitespaceBeforeAnExtension) {
  EXPECT_TRUE(Feed("5 ;a\r\nhello\r\n0\r\n\r\n").done());
}

}  // namespace
}  // namespace voip
