#include "http/request_framing.h"

#include <algorithm>

namespace voip {
namespace {

thread_local FramedRequestStream* current_request = nullptr;

}  // namespace

const char* ReasonPhrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

bool WriteAll(httplib::Stream& stream, std::string_view text) {
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t wrote = stream.write(text.data() + written, text.size() - written);
    if (wrote <= 0) return false;
    written += static_cast<std::size_t>(wrote);
  }
  return true;
}

HeadRead ReadRequestHead(DeadlineStream& stream, ReadAhead& read_ahead, const HeadLimits& limits) {
  HeadScanner scanner(limits);
  HeadRead read;
  for (;;) {
    switch (scanner.Feed(read_ahead.unread())) {
      case HeadScanner::State::kComplete:
        read_ahead.Consume(scanner.head_begin());
        read.head_bytes = scanner.head_end() - scanner.head_begin();
        read.check = CheckRequestHead(read_ahead.unread().substr(0, read.head_bytes), limits);
        read.outcome = read.check.accepted ? HeadRead::Outcome::kHead : HeadRead::Outcome::kRefused;
        read.refusal = read.check.refusal;
        return read;
      case HeadScanner::State::kRefused:
        read.outcome = HeadRead::Outcome::kRefused;
        read.refusal = scanner.refusal();
        return read;
      case HeadScanner::State::kIncomplete:
        // The client closed, the read failed or the head did not arrive in time.
        if (!stream.ReadMore()) return read;
        break;
    }
  }
}

bool WriteEarlyAnswer(httplib::Stream& stream, const HeadRefusal& refusal, const EarlyAnswerRenderer& render) {
  const EarlyAnswer answer = render ? render(refusal) : EarlyAnswer{"text/plain", refusal.reason + "\n", {}};
  std::string text = "HTTP/1.1 " + std::to_string(refusal.status) + " " + ReasonPhrase(refusal.status) + "\r\n";
  text += "Content-Type: " + answer.content_type + "\r\n";
  text += "Content-Length: " + std::to_string(answer.body.size()) + "\r\n";
  text += "Connection: close\r\n";
  for (const auto& [name, value] : answer.headers) text.append(name).append(": ").append(value).append("\r\n");
  text += "\r\n";
  text += answer.body;
  return WriteAll(stream, text);
}

FramedRequestStream::FramedRequestStream(DeadlineStream& connection, std::size_t head_bytes, const HeadCheck& head)
    : connection_(connection),
      head_left_(head_bytes),
      framing_(head.framing),
      length_left_(head.framing == BodyFraming::kLength ? head.content_length : 0),
      previous_(current_request) {
  current_request = this;
}

FramedRequestStream::~FramedRequestStream() { current_request = previous_; }

FramedRequestStream* FramedRequestStream::Current() { return current_request; }

bool FramedRequestStream::is_readable() const {
  if (head_left_ == 0 && complete()) return true;  // the next read says end of stream at once
  return connection_.is_readable();
}

ssize_t FramedRequestStream::read(char* ptr, std::size_t size) {
  if (head_left_ == 0) return ReadBody(ptr, size);
  const ssize_t got = connection_.read(ptr, std::min(size, head_left_));
  if (got > 0) head_left_ -= static_cast<std::size_t>(got);
  return got;
}

ssize_t FramedRequestStream::ReadBody(char* ptr, std::size_t size) {
  switch (framing_) {
    case BodyFraming::kNone: return 0;
    case BodyFraming::kLength: {
      if (length_left_ == 0) return 0;
      const ssize_t got = connection_.read(ptr, static_cast<std::size_t>(std::min<std::uint64_t>(size, length_left_)));
      if (got == 0) return -1;  // the connection ended before the body did: not the end of the body
      if (got > 0) length_left_ -= static_cast<std::uint64_t>(got);
      return got;
    }
    case BodyFraming::kChunked: {
      if (chunks_.done()) return 0;
      if (chunks_.broken()) return -1;
      const ssize_t got = connection_.read(ptr, std::min(size, chunks_.MaxNext()));
      if (got == 0) return -1;  // the connection ended before the last chunk
      if (got > 0 && !chunks_.Accept(ptr, static_cast<std::size_t>(got))) return -1;
      return got;
    }
  }
  return -1;
}

bool FramedRequestStream::complete() const {
  if (head_left_ > 0) return false;
  switch (framing_) {
    case BodyFraming::kNone: return true;
    case BodyFraming::kLength: return length_left_ == 0;
    case BodyFraming::kChunked: return chunks_.done();
  }
  return false;
}

void FramedRequestStream::AnnounceClose(httplib::Response& res) {
  FramedRequestStream* request = Current();
  if (request == nullptr) return;
  if (request->complete() && res.get_header_value("Connection") != "close") return;
  res.headers.erase("Connection");
  res.headers.erase("Keep-Alive");
  res.set_header("Connection", "close");
  request->close_announced_ = true;
}

}  // namespace voip
