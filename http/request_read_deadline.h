// A whole-request read deadline for cpp-httplib 0.11.4, whose own streams
// apply the read time-out to each read: a client dripping a byte just under
// that time-out would hold a worker thread for as long as it likes.
//
// DeadlineStream is a cpp-httplib Stream over one connection (plain TCP or
// TLS, through a small ConnectionIo primitive) that reads like the library's
// own (buffered, each wait at most the read time-out) and, in addition,
// never waits past a deadline: from when the first byte of a request
// arrives, its request line, headers and body must all have arrived within
// `request_read_timeout`. Past it, reads fail and the connection is closed.
// Writes wait at most the write time-out each. All socket I/O is
// non-blocking with poll() waits, so a TLS client dripping one byte per
// record, or one byte of a record at a time, cannot hold a read past the
// deadline either.
//
// Not thread-safe (one connection, one worker thread).
#pragma once

#include <httplib.h>
#include <openssl/ssl.h>

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace voip {

using DeadlineClock = std::chrono::steady_clock;

// What one non-blocking read or write attempt did.
struct [[nodiscard]] IoAttempt {
  enum class Outcome { kDone, kClosed, kWantRead, kWantWrite, kFailed };
  Outcome outcome;
  std::size_t bytes = 0;  // with kDone: how many bytes were read or written (> 0)
};

// One connection's transport, one non-blocking attempt at a time. Does not
// own the socket.
class ConnectionIo {
 public:
  virtual ~ConnectionIo() = default;
  virtual socket_t socket() const = 0;
  virtual IoAttempt TryRead(char* ptr, std::size_t size) = 0;
  virtual IoAttempt TryWrite(const char* ptr, std::size_t size) = 0;
  // One non-blocking step of the transport's own handshake (TLS): kDone once
  // it is complete (at once for plain TCP), kWantRead or kWantWrite to be
  // called again when the socket is ready, kFailed.
  virtual IoAttempt TryHandshake() { return {IoAttempt::Outcome::kDone}; }
  // True when bytes already received are waiting to be read without the
  // socket becoming readable (decrypted TLS records).
  virtual bool HasPending() const { return false; }
};

// Plain TCP: recv/send with MSG_DONTWAIT (the socket's own mode is left alone).
class PlainSocketIo : public ConnectionIo {
 public:
  explicit PlainSocketIo(socket_t sock) : sock_(sock) {}
  socket_t socket() const override { return sock_; }
  IoAttempt TryRead(char* ptr, std::size_t size) override;
  IoAttempt TryWrite(const char* ptr, std::size_t size) override;

 private:
  const socket_t sock_;
};

// TLS over an SSL* whose socket is non-blocking (SetNonBlocking). Neither is
// owned. failed() is true once OpenSSL reported a fatal error, after which
// the connection must not be shut down with close_notify.
class TlsIo : public ConnectionIo {
 public:
  TlsIo(SSL* ssl, socket_t sock) : ssl_(ssl), sock_(sock) {}
  socket_t socket() const override { return sock_; }
  IoAttempt TryRead(char* ptr, std::size_t size) override;
  IoAttempt TryWrite(const char* ptr, std::size_t size) override;
  IoAttempt TryHandshake() override;
  bool HasPending() const override;
  bool failed() const { return failed_; }

 private:
  IoAttempt Classify(int returned);

  SSL* const ssl_;
  const socket_t sock_;
  bool failed_ = false;
};

// Puts `sock` in non-blocking mode; false when fcntl fails.
[[nodiscard]] bool SetNonBlocking(socket_t sock);

// The bytes received on one connection and not consumed yet. They belong to
// the connection, not to one request: a request sent in the same write as
// the previous one (pipelining) keeps its bytes. Grows by at most
// kReadChunk beyond what is unread.
class ReadAhead {
 public:
  static constexpr std::size_t kReadChunk = 16 * 1024;

  std::string_view unread() const { return std::string_view(bytes_).substr(from_, to_ - from_); }
  bool empty() const { return from_ == to_; }
  void Consume(std::size_t size);
  // Room for kReadChunk more bytes after the unread ones; Commit() says how
  // many were written there.
  char* Room();
  void Commit(std::size_t size) { to_ += size; }

 private:
  std::string bytes_;
  std::size_t from_ = 0;
  std::size_t to_ = 0;
};

class DeadlineStream : public httplib::Stream {
 public:
  using Clock = DeadlineClock;

  // `io` and `read_ahead` (the connection's) must outlive the stream.
  DeadlineStream(ConnectionIo& io, ReadAhead& read_ahead, std::chrono::microseconds read_timeout,
                 std::chrono::microseconds write_timeout, Clock::time_point read_deadline);

  // Appends what the connection has next to the read-ahead, waiting as
  // read() does. False at end of stream, on an error or past the deadline.
  [[nodiscard]] bool ReadMore();

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, std::size_t size) override;
  ssize_t write(const char* ptr, std::size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return io_.socket(); }

  // True once a read found the deadline passed: the request did not arrive
  // in time and the connection must not be kept.
  bool read_deadline_passed() const { return read_deadline_passed_; }
  // True once a read found the end of the stream (the client closed or
  // half-closed the connection).
  bool peer_closed() const { return peer_closed_; }

 private:
  // Waits for `events` at most the read time-out and never past the
  // deadline; false (and read_deadline_passed_ set if it passed) otherwise.
  bool WaitToRead(short events) const;

  ConnectionIo& io_;
  const std::chrono::microseconds read_timeout_;
  const std::chrono::microseconds write_timeout_;
  const Clock::time_point read_deadline_;
  mutable bool read_deadline_passed_ = false;
  bool peer_closed_ = false;
  ReadAhead& read_ahead_;
};

}  // namespace voip
