// Requests served on the adapter's connection loop without cpp-httplib's
// request processing (routes, header maps, content coding, ranges), for a
// server that answers from the method, the path, a few header fields and the
// body: the simulators and the benchmark's chain backend. The loop still
// reads, checks and frames every request (http/request_framing.h); this only
// turns an accepted one into a PlainRequest and writes the PlainAnswer back,
// in one write. Answers are never compressed nor cut to a byte range.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/request_framing.h"

namespace voip {

struct PlainRequest {
  std::string head;  // the request line and header lines as received; the views below point into it
  std::string_view method;
  std::string_view path;                                               // the request target without its query string
  std::vector<std::pair<std::string_view, std::string_view>> headers;  // in arrival order, values trimmed
  std::string body;

  // The first header called `name` (any letter case); empty when absent.
  [[nodiscard]] std::string_view Header(std::string_view name) const;
};

struct [[nodiscard]] PlainAnswer {
  int status = 200;
  std::string content_type;  // no Content-Type header when empty
  std::string body;
};

// Called on a worker thread; may block (a slow answer holds only its worker).
// An exception is answered 500 "server failed".
using PlainHandler = std::function<void(const PlainRequest& request, PlainAnswer& answer)>;

// Serves the request at the front of `stream`, whose head the loop accepted:
// answers `Expect: 100-continue` with an interim 100, reads the body (over
// `max_body_bytes`: 413 without calling `handler`, the rest left unread),
// calls `handler` and writes its answer with a Content-Length (none for
// 204), saying Connection: close when `close_connection`, when the client
// asked (HTTP/1.0 unless it asked for keep-alive) or after a 413; then
// `connection_closed` is set. False when the answer could not be written.
[[nodiscard]] bool ServePlainRequest(FramedRequestStream& stream, bool close_connection, bool& connection_closed,
                                     std::size_t max_body_bytes, const PlainHandler& handler);

}  // namespace voip
