// One request's framing on a connection served by ServeConnection
// (http/server_settings.h): its head read and checked before cpp-httplib
// parses it (http/request_head.h), refused there with an answer of our own,
// and its body bounded to exactly what the head declared, so that
// cpp-httplib can neither read into the next request nor leave part of this
// one to be taken for the next.
//
// Not thread-safe: one connection, one worker thread.
#pragma once

#include <httplib.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/chunked_body.h"
#include "http/request_head.h"
#include "http/request_read_deadline.h"

namespace voip {

// What reading the next request head on a connection gave.
struct [[nodiscard]] HeadRead {
  enum class Outcome {
    kHead,     // an accepted head, at the front of the read-ahead
    kRefused,  // answer `refusal`, then close
    kGone,     // nothing to answer: the client closed, the read failed or ran out of time
  };
  Outcome outcome = Outcome::kGone;
  HeadCheck check;             // with kHead
  std::size_t head_bytes = 0;  // with kHead: the head's length in the read-ahead
  HeadRefusal refusal;         // with kRefused
};

// Reads until the read-ahead holds a whole head, refusing it as soon as it
// passes `limits`; drops empty lines before it. On kHead the head is left
// unread for cpp-httplib.
[[nodiscard]] HeadRead ReadRequestHead(DeadlineStream& stream, ReadAhead& read_ahead, const HeadLimits& limits);

// The answer to a request refused before cpp-httplib saw it: its body and
// content type, and extra headers (a correlation id). Rendered by the
// adapter (http/server.cc) so that it carries its usual failure envelope.
struct [[nodiscard]] EarlyAnswer {
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};
using EarlyAnswerRenderer = std::function<EarlyAnswer(const HeadRefusal& refusal)>;

// The reason phrase of an HTTP status the project's servers answer ("Status"
// for others).
const char* ReasonPhrase(int status);

// Writes all of `text`; false when the stream failed first.
[[nodiscard]] bool WriteAll(httplib::Stream& stream, std::string_view text);

// Writes `refusal`'s answer, saying Connection: close. False when it could
// not be written whole.
[[nodiscard]] bool WriteEarlyAnswer(httplib::Stream& stream, const HeadRefusal& refusal,
                                    const EarlyAnswerRenderer& render);

// cpp-httplib's view of one request: the head, then the body exactly as the
// head framed it (Content-Length bytes, or chunks up to the last one, whose
// syntax is checked: a read that breaks it fails), then end of stream (0).
// A connection that ends before the body does is a failed read (-1), never
// an end of stream: a body cut short is never taken for a whole one.
// While it exists, it is the worker thread's current request, so that
// AnnounceClose can see it.
class FramedRequestStream : public httplib::Stream {
 public:
  // `connection` must outlive this; `head_bytes` of it are the head.
  FramedRequestStream(DeadlineStream& connection, std::size_t head_bytes, const HeadCheck& head);
  ~FramedRequestStream() override;
  FramedRequestStream(const FramedRequestStream&) = delete;
  FramedRequestStream& operator=(const FramedRequestStream&) = delete;

  bool is_readable() const override;
  bool is_writable() const override { return connection_.is_writable(); }
  ssize_t read(char* ptr, std::size_t size) override;
  ssize_t write(const char* ptr, std::size_t size) override { return connection_.write(ptr, size); }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    connection_.get_remote_ip_and_port(ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override { connection_.get_local_ip_and_port(ip, port); }
  socket_t socket() const override { return connection_.socket(); }

  // The head was read whole: the next read() gives the body.
  bool head_read() const { return head_left_ == 0; }
  // The head and the whole body were read: the next byte on the connection
  // starts the next request.
  bool complete() const;
  // The answer said Connection: close (AnnounceClose).
  bool close_announced() const { return close_announced_; }

  // The worker thread's current request, or null.
  static FramedRequestStream* Current();

  // For cpp-httplib's post-routing handler, just before an answer is
  // written: when the request was not read whole, or a handler set
  // Connection: close, the answer says Connection: close (and no
  // Keep-Alive), and the connection is closed after it.
  static void AnnounceClose(httplib::Response& res);

 private:
  ssize_t ReadBody(char* ptr, std::size_t size);

  DeadlineStream& connection_;
  std::size_t head_left_;
  const BodyFraming framing_;
  std::uint64_t length_left_;
  ChunkedBodyTracker chunks_;
  bool close_announced_ = false;
  FramedRequestStream* const previous_;
};

}  // namespace voip
