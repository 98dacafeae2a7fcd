#include "http/request_head.h"

#include <gtest/gtest.h>

#include <string>

namespace voip {
namespace {

using namespace std::string_literals;

const HeadLimits kLimits;

HeadCheck Check(const std::string& head) { return CheckRequestHead(head, kLimits); }

// The status a head is refused with, 0 when accepted.
int RefusalOf(const std::string& head) {
  const HeadCheck check = Check(head);
  return check.accepted ? 0 : check.refusal.status;
}

std::string Post(const std::string& fields) {
  return "POST /CreateVOIPMigrationWorkOrder HTTP/1.1\r\nHost: a\r\n" + fields + "\r\n";
}

// A GET with only a Host is accepted and has no body.
TEST(CheckRequestHeadTest, AcceptsAPlainGet) {
  const HeadCheck check = Check("GET /health HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(check.accepted) << check.refusal.reason;
  EXPECT_EQ(check.framing, BodyFraming::kNone);
}

// Content-Length gives the body's exact length.
TEST(CheckRequestHeadTest, ContentLengthFramesTheBody) {
  const HeadCheck check = Check(Post("Content-Length: 70000\r\n"));
  ASSERT_TRUE(check.accepted) << check.refusal.reason;
  EXPECT_EQ(check.framing, BodyFraming::kLength);
  EXPECT_EQ(check.content_length, 70000u);
}

// Transfer-Encoding: chunked (any letter case, as cpp-httplib reads it) frames a chunked body.
TEST(CheckRequestHeadTest, ChunkedFramesAChunkedBody) {
  EXPECT_EQ(Check(Post("Transfer-Encoding: chunked\r\n")).framing, BodyFraming::kChunked);
  EXPECT_EQ(Check(Post("Transfer-Encoding:Chunked \r\n")).framing, BodyFraming::kChunked);
}

// Two Content-Length lines, equal or not, are refused: readers could take either.
TEST(CheckRequestHeadTest, RefusesTwoContentLengths) {
  EXPECT_EQ(RefusalOf(Post("Content-Length: 0\r\nContent-Length: 120\r\n")), 400);
  EXPECT_EQ(RefusalOf(Post("Content-Length: 5\r\ncontent-length: 5\r\n")), 400);
}

// Content-Length with Transfer-Encoding is refused.
TEST(CheckRequestHeadTest, RefusesContentLengthWithTransferEncoding) {
  EXPECT_EQ(RefusalOf(Post("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n")), 400);
}

// Any Transfer-Encoding other than exactly one 'chunked' is refused.
TEST(CheckRequestHeadTest, RefusesOtherTransferEncodings) {
  EXPECT_EQ(RefusalOf(Post("Transfer-Encoding: gzip, chunked\r\n")), 400);
  EXPECT_EQ(RefusalOf(Post("Transfer-Encoding: xchunked\r\n")), 400);
  EXPECT_EQ(RefusalOf(Post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n")), 400);
  EXPECT_EQ(RefusalOf("POST /soap HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"), 400);
}

// Whitespace between a header name and its colon is refused (RFC 9112 section 5.1).
TEST(CheckRequestHeadTest, RefusesWhitespaceBeforeTheColon) {
  EXPECT_EQ(RefusalOf(Post("Transfer-Encoding : chunked\r\n")), 400);
  EXPECT_EQ(RefusalOf(Post("Content-Length\t: 5\r\n")), 400);
}

// A line folded onto the previous header (obs-fold) is refused.
TEST(CheckRequestHeadTest, RefusesObsFold) {
  EXPECT_EQ(RefusalOf(Post("X-Thing: a\r\n chunked\r\nContent-Length: 5\r\n")), 400);
  EXPECT_EQ(RefusalOf(Post("Content-Length: 5\r\nTransfer-Encoding:\r\n\tchunked\r\n")), 400);
}

// NUL and other control characters in a value are refused; HTAB and obs-text are not.
TEST(CheckRequestHeadTest, RefusesControlCharactersInValues) {
  EXPECT_EQ(RefusalOf(Post("X-API-Key: KEY\0junk\r\nContent-Length: 1\r\n"s)), 400);
  EXPECT_EQ(RefusalOf(Post("X-API-Key: KEY\x01\r\nContent-Length: 1\r\n")), 400);
  EXPECT_EQ(RefusalOf(Post("X-API-Key: KEY\x7f\r\nContent-Length: 1\r\n")), 400);
  EXPECT_EQ(RefusalOf(Post("X-Note: a\tb \xc3\xa9\r\nContent-Length: 1\r\n")), 0);
}

// A line ending in a bare LF, or holding a bare CR, is refused.
TEST(CheckRequestHeadTest, RefusesBareLineFeedsAndCarriageReturns) {
  EXPECT_EQ(RefusalOf("GET /health HTTP/1.1\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(RefusalOf("GET /health HTTP/1.1\r\nHost: a\rX: b\r\n\r\n"), 400);
  EXPECT_EQ(RefusalOf("GET /health HTTP/1.1\r\nHost: a\r\n\n"), 400);
}

// POST, PUT and PATCH with neither Content-Length nor Transfer-Encoding get 411.
TEST(CheckRequestHeadTest, BodyMethodsWithoutALengthGet411) {
  EXPECT_EQ(RefusalOf(Post("")), 411);
  EXPECT_EQ(RefusalOf("PUT /health HTTP/1.1\r\nHost: a\r\n\r\n"), 411);
  EXPECT_EQ(RefusalOf("DELETE /health HTTP/1.1\r\nHost: a\r\n\r\n"), 0);
}

// Content-Length must be plain digits, without sign, spaces inside or overflow.
TEST(CheckRequestHeadTest, RefusesContentLengthsThatAreNotPlainDigits) {
  for (const char* value : {"+5", "-1", "0x5", "5 5", "5,5", "", "1234567890123456789"}) {
    EXPECT_EQ(RefusalOf(Post(std::string("Content-Length: ") + value + "\r\n")), 400) << value;
  }
}

// HTTP/1.1 needs exactly one Host; HTTP/1.0 may go without.
TEST(CheckRequestHeadTest, HostRules) {
  EXPECT_EQ(RefusalOf("GET /health HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(RefusalOf("GET /health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400);
  EXPECT_EQ(RefusalOf("GET /health HTTP/1.0\r\n\r\n"), 0);
}

// The fields the adapter reads as one value may not be repeated.
TEST(CheckRequestHeadTest, RefusesRepeatedSingleValueFields) {
  EXPECT_EQ(RefusalOf(Post("Content-Length: 1\r\nX-API-Key: a\r\nX-API-Key: b\r\n")), 400);
  EXPECT_EQ(RefusalOf(Post("Content-Length: 1\r\nAuthorization: a\r\nauthorization: b\r\n")), 400);
  EXPECT_EQ(RefusalOf(Post("Content-Length: 1\r\nAccept: a\r\nAccept: b\r\n")), 0);
}

// A request line must be exactly METHOD SP target SP HTTP/1.0 or HTTP/1.1.
TEST(CheckRequestHeadTest, RefusesMalformedRequestLines) {
  EXPECT_EQ(RefusalOf("GET  /health HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(RefusalOf("GET /health HTTP/2.0\r\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(RefusalOf("GET /he\x01lth HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
  EXPECT_EQ(RefusalOf("G(T /health HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
}

// The scanner finds a head delivered in pieces, after empty lines, and stops at its end.
TEST(HeadScannerTest, FindsTheEndOfAHeadDeliveredInPieces) {
  HeadScanner scanner(kLimits);
  std::string buffered = "\r\nGET /health HTTP/1.1\r\nHo";
  EXPECT_EQ(scanner.Feed(buffered), HeadScanner::State::kIncomplete);
  buffered += "st: a\r\n\r\nGET /next";
  ASSERT_EQ(scanner.Feed(buffered), HeadScanner::State::kComplete);
  EXPECT_EQ(buffered.substr(scanner.head_begin(), scanner.head_end() - scanner.head_begin()),
            "GET /health HTTP/1.1\r\nHost: a\r\n\r\n");
}

// A request line longer than its limit is refused with 414 before its end arrives.
TEST(HeadScannerTest, RefusesALongRequestLineBeforeItEnds) {
  HeadScanner scanner(kLimits);
  EXPECT_EQ(scanner.Feed("GET /" + std::string(kLimits.max_request_line_bytes, 'a')), HeadScanner::State::kRefused);
  EXPECT_EQ(scanner.refusal().status, 414);
}

// A head larger than max_head_bytes is refused with 431 before its end arrives.
TEST(HeadScannerTest, RefusesALargeHeadBeforeItEnds) {
  HeadScanner scanner(kLimits);
  std::string buffered = "GET /health HTTP/1.1\r\n";
  while (buffered.size() <= kLimits.max_head_bytes) buffered += "X-Filler: " + std::string(1000, 'f') + "\r\n";
  EXPECT_EQ(scanner.Feed(buffered), HeadScanner::State::kRefused);
  EXPECT_EQ(scanner.refusal().status, 431);
}

// max_fields header lines are accepted; one more is refused with 431.
TEST(HeadScannerTest, CountsHeaderLines) {
  std::string head = "GET /health HTTP/1.1\r\n";
  for (std::size_t i = 0; i < kLimits.max_fields; ++i) head += "A: b\r\n";
  HeadScanner accepted(kLimits);
  EXPECT_EQ(accepted.Feed(head + "\r\n"), HeadScanner::State::kComplete);
  HeadScanner refused(kLimits);
  EXPECT_EQ(refused.Feed(head + "A: b\r\n\r\n"), HeadScanner::State::kRefused);
  EXPECT_EQ(refused.refusal().status, 431);
}

// A single header line over max_field_line_bytes is refused with 431.
TEST(HeadScannerTest, RefusesALongHeaderLine) {
  HeadScanner scanner(kLimits);
  EXPECT_EQ(scanner.Feed("GET / HTTP/1.1\r\nX: " + std::string(kLimits.max_field_line_bytes, 'x')),
            HeadScanner::State::kRefused);
  EXPECT_EQ(scanner.refusal().status, 431);
}

}  // namespace
}  // namespace voip
