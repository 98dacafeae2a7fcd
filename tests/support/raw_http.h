// A raw HTTP/1.1 client connection for hostile-input tests: writes exactly
// the bytes it is given, over plain TCP or TLS, and reads answers one at a
// time, every wait bounded. Not thread-safe.
#pragma once

#include <openssl/ssl.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace voip::testing {

struct RawAnswer {
  int status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;

  // The value of header `lower_case_name`, empty when absent.
  std::string header(const std::string& lower_case_name) const {
    const auto found = headers.find(lower_case_name);
    return found == headers.end() ? std::string() : found->second;
  }
};

class RawHttpConnection {
 public:
  // Connects to 127.0.0.1:`port`; with `tls`, completes a TLS handshake
  // without verifying the certificate. ok() is false when that failed.
  RawHttpConnection(int port, bool tls);
  ~RawHttpConnection();
  RawHttpConnection(const RawHttpConnection&) = delete;
  RawHttpConnection& operator=(const RawHttpConnection&) = delete;

  bool ok() const { return fd_ >= 0; }
  // Writes all of `bytes`; false when the connection failed first.
  bool Send(const std::string& bytes);
  // Reads one answer (head, then a Content-Length body) within `limit`;
  // nothing when the connection ended or the time passed first.
  std::optional<RawAnswer> ReadAnswer(std::chrono::milliseconds limit = std::chrono::milliseconds(5000));
  // True when the server closed the connection (end of stream or reset)
  // within `limit` and sent nothing more before that.
  bool ClosedByServer(std::chrono::milliseconds limit = std::chrono::milliseconds(3000));
  // True when the server ended the connection cleanly (end of stream: TCP
  // FIN, or a TLS close_notify) within `limit` and sent nothing more before
  // that; false on a reset, more bytes, or the time passing first.
  bool ClosedCleanlyByServer(std::chrono::milliseconds limit = std::chrono::milliseconds(3000));
  // Half-close: no more bytes from this side (TCP FIN; TLS: close_notify too).
  void ShutdownWrite();
  // Closes with a TCP reset (SO_LINGER 0).
  void Reset();

 private:
  // Reads more into buffer_; 0 at end of stream, <0 on error or time-out.
  long ReadSome(std::chrono::steady_clock::time_point until);

  int fd_ = -1;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  std::string buffer_;
};

}  // namespace voip::testing
