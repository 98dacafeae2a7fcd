// A whole-request read deadline for cpp-httplib 0.11.4, whose own socket
// stream applies its read time-out to each read: a client dripping a byte
// just under that time-out would hold a worker thread for as long as it likes.
//
// DeadlineSocketStream is a cpp-httplib Stream over one plain TCP connection
// that reads like the library's own (buffered, each wait at most the read
// time-out) and, in addition, never waits past a deadline: from when the
// first byte of a request arrives, its request line, headers and body must
// all have arrived within `request_read_timeout`. Past it, reads fail and the
// connection is closed. Writes wait at most the write time-out each.
//
// Not thread-safe (one connection, one worker thread).
#pragma once

#include <httplib.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

namespace voip {

class DeadlineSocketStream : public httplib::Stream {
 public:
  using Clock = std::chrono::steady_clock;

  // `sock` stays owned by the caller.
  DeadlineSocketStream(socket_t sock, std::chrono::microseconds read_timeout, std::chrono::microseconds write_timeout,
                       Clock::time_point read_deadline);

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, std::size_t size) override;
  ssize_t write(const char* ptr, std::size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return sock_; }

  // True once a read found the deadline passed: the request did not arrive
  // in time and the connection must not be kept.
  bool read_deadline_passed() const { return read_deadline_passed_; }

 private:
  const socket_t sock_;
  const std::chrono::microseconds read_timeout_;
  const std::chrono::microseconds write_timeout_;
  const Clock::time_point read_deadline_;
  mutable bool read_deadline_passed_ = false;
  std::array<char, 4096> buffer_{};
  std::size_t buffered_from_ = 0;
  std::size_t buffered_to_ = 0;
};

// Waits until `sock` has something to read or was closed by the client
// (true), or `idle_timeout` passes, or `keep_waiting()` turns false (false);
// asks keep_waiting at least every 100 ms.
bool WaitForRequest(socket_t sock, std::chrono::seconds idle_timeout, const std::function<bool()>& keep_waiting);

}  // namespace voip
