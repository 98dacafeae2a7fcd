#include "http/plain_request.h"

#include <algorithm>
#include <cstdlib>

#include "http/chunked_body.h"
#include "platform/text.h"

namespace voip {
namespace {

constexpr std::string_view kBlanks = " \t";

// Whether the comma-separated header value holds `token` (any letter case).
bool HasToken(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    const std::size_t comma = value.find(',');
    if (EqualsIgnoreCase(Trim(value.substr(0, comma), kBlanks), token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

// The head the loop accepted (http/request_head.h), in request.head: the
// request line, then "Name: value" lines, CRLF each. Returns the HTTP version.
std::string_view ParseHead(PlainRequest& request) {
  const std::string_view head = request.head;
  const std::size_t line_end = head.find("\r\n");
  const std::string_view line = head.substr(0, line_end);
  const std::size_t first_space = line.find(' ');
  const std::size_t last_space = line.rfind(' ');
  request.method = line.substr(0, first_space);
  const std::string_view target = line.substr(first_space + 1, last_space - first_space - 1);
  request.path = target.substr(0, target.find('?'));
  std::size_t at = line_end + 2;
  while (at < head.size()) {
    std::size_t end = head.find("\r\n", at);
    if (end == std::string_view::npos) end = head.size();
    const std::string_view field = head.substr(at, end - at);
    const std::size_t colon = field.find(':');
    if (colon != std::string_view::npos) {
      request.headers.emplace_back(field.substr(0, colon), Trim(field.substr(colon + 1), kBlanks));
    }
    at = end + 2;
  }
  return line.substr(last_space + 1);
}

void ReadHead(FramedRequestStream& stream, std::string& head) {
  char buffer[4096];
  while (!stream.head_read()) {
    const ssize_t got = stream.read(buffer, sizeof buffer);
    if (got <= 0) break;
    head.append(buffer, static_cast<std::size_t>(got));
  }
}

enum class BodyRead { kWhole, kTooLarge, kBroken };

// Reads the body into `body` up to `max_bytes`; kBroken when it did not
// arrive whole (the client closed or stalled, or its chunks were malformed).
// A chunked body is decoded: the stream hands over its chunk syntax checked
// but not removed, at most one chunk's data or one syntax byte per read, and
// a tracker of our own says which is which.
BodyRead ReadBody(FramedRequestStream& stream, bool chunked, std::size_t max_bytes, std::string& body) {
  char buffer[16 * 1024];
  ChunkedBodyTracker chunks;
  for (;;) {
    const bool data = !chunked || chunks.in_data();
    const ssize_t got = stream.read(buffer, chunked ? std::min(sizeof buffer, chunks.MaxNext()) : sizeof buffer);
    if (got == 0) return BodyRead::kWhole;
    if (got < 0 || (chunked && !chunks.Accept(buffer, static_cast<std::size_t>(got)))) return BodyRead::kBroken;
    if (!data) continue;
    if (body.size() + static_cast<std::size_t>(got) > max_bytes) return BodyRead::kTooLarge;
    body.append(buffer, static_cast<std::size_t>(got));
  }
}

std::string Render(const PlainAnswer& answer, bool keep_alive) {
  std::string out;
  out.reserve(128 + answer.content_type.size() + answer.body.size());
  out.append("HTTP/1.1 ").append(std::to_string(answer.status)).append(" ").append(ReasonPhrase(answer.status));
  out.append("\r\n");
  if (!answer.content_type.empty()) out.append("Content-Type: ").append(answer.content_type).append("\r\n");
  if (answer.status != 204) out.append("Content-Length: ").append(std::to_string(answer.body.size())).append("\r\n");
  if (!keep_alive) out.append("Connection: close\r\n");
  out.append("\r\n");
  if (answer.status != 204) out.append(answer.body);
  return out;
}

void Call(const PlainHandler& handler, const PlainRequest& request, PlainAnswer& answer) {
  try {
    handler(request, answer);
  } catch (...) {
    answer = PlainAnswer{500, "text/plain; charset=utf-8", "server failed\n"};
  }
}

}  // namespace

std::string_view PlainRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return {};
}

bool ServePlainRequest(FramedRequestStream& stream, bool close_connection, bool& connection_closed,
                       std::size_t max_body_bytes, const PlainHandler& handler) {
  PlainRequest request;
  request.headers.reserve(16);
  ReadHead(stream, request.head);
  const std::string_view version = ParseHead(request);
  const std::string_view connection = request.Header("Connection");
  bool keep_alive = !close_connection &&
                    (version == "HTTP/1.1" ? !HasToken(connection, "close") : HasToken(connection, "keep-alive"));
  // The loop checked that a Content-Length is digits; too many of them saturate.
  const std::string length(request.Header("Content-Length"));
  BodyRead body = std::strtoull(length.c_str(), nullptr, 10) > max_body_bytes ? BodyRead::kTooLarge : BodyRead::kWhole;
  if (body == BodyRead::kWhole) {
    if (EqualsIgnoreCase(request.Header("Expect"), "100-continue") &&
        !WriteAll(stream, "HTTP/1.1 100 Continue\r\n\r\n")) {
      return false;
    }
    const bool chunked = !request.Header("Transfer-Encoding").empty();  // the loop accepts only chunked
    body = ReadBody(stream, chunked, max_body_bytes, request.body);
  }
  PlainAnswer answer;
  if (body == BodyRead::kWhole) {
    Call(handler, request, answer);
  } else {
    answer.status = body == BodyRead::kTooLarge ? 413 : 400;
    keep_alive = false;
  }
  connection_closed = !keep_alive;
  return WriteAll(stream, Render(answer, keep_alive));
}

}  // namespace voip
