// Idle and slow connections hold no worker thread (http/connection_parking.h):
// with more of them than threads, the operators' endpoints are answered within
// 1 s throughout; a new connection that sends nothing is closed at
// first-request-timeout-s; beyond max-connections the longest-idle kept-alive
// connection is closed to make room. Raw loopback sockets, each test bounded
// to a few seconds; the backends are fakes that record every call.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "adapter/migration_flow.h"
#include "http/server.h"
#include "platform/config.h"
#include "platform/log.h"
#include "tests/support/fake_backends.h"
#include "tests/support/fake_outbox.h"

namespace voip {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kHealthRequest = "GET /health HTTP/1.1\r\nHost: a\r\n\r\n";

// A raw client socket, closed on destruction.
class RawConnection {
 public:
  explicit RawConnection(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~RawConnection() { ::close(fd_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }
  bool Send(const std::string& text) {
    return ::send(fd_, text.data(), text.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(text.size());
  }

  // True once `received` holds `count` 200 answers, the last one with its whole body (its
  // Content-Length counted), so a pipelined answer's body is never cut off by a short read.
  static bool AnswersComplete(const std::string& received, int count) {
    if (Occurrences(received, "HTTP/1.1 200 OK\r\n") < count) return false;
    const auto last = received.rfind("HTTP/1.1 200 OK\r\n");
    const auto head_end = received.find("\r\n\r\n", last);
    if (head_end == std::string::npos) return false;
    const auto length_at = received.find("Content-Length: ", last);
    if (length_at == std::string::npos || length_at > head_end) return true;
    const auto length = std::stoul(received.substr(length_at + 16, head_end - length_at - 16));
    return received.size() >= head_end + 4 + length;
  }

  // Reads until `count` answers with status 200 have arrived whole, the server
  // closes, or `limit` passes; returns everything read.
  std::string ReadAnswers(int count, std::chrono::seconds limit) {
    std::string received;
    const auto until = Clock::now() + limit;
    while (!AnswersComplete(received, count) && Clock::now() < until) {
      pollfd readable{fd_, POLLIN, 0};
      if (::poll(&readable, 1, 50) <= 0) continue;
      char buffer[4096];
      const ssize_t got = ::recv(fd_, buffer, sizeof buffer, 0);
      if (got <= 0) break;
      received.append(buffer, static_cast<std::size_t>(got));
    }
    return received;
  }

  // Reads until an answer's head has arrived, the server closes, or `limit`
  // passes; returns everything read.
  std::string ReadHead(std::chrono::seconds limit) {
    std::string received;
    const auto until = Clock::now() + limit;
    while (received.find("\r\n\r\n") == std::string::npos && Clock::now() < until) {
      pollfd readable{fd_, POLLIN, 0};
      if (::poll(&readable, 1, 50) <= 0) continue;
      char buffer[4096];
      const ssize_t got = ::recv(fd_, buffer, sizeof buffer, 0);
      if (got <= 0) break;
      received.append(buffer, static_cast<std::size_t>(got));
    }
    return received;
  }

  // True when the server closed the connection within `limit`.
  bool ClosedWithin(std::chrono::milliseconds limit) {
    const auto until = Clock::now() + limit;
    while (Clock::now() < until) {
      pollfd readable{fd_, POLLIN, 0};
      if (::poll(&readable, 1, 50) <= 0) continue;
      char buffer[512];
      if (::recv(fd_, buffer, sizeof buffer, 0) <= 0) return true;
    }
    return false;
  }

  static int Occurrences(const std::string& text, const std::string& what) {
    int found = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++found;
    return found;
  }

 private:
  int fd_;
  bool connected_ = false;
};

class IdleConnectionsTest : public ::testing::Test {
 protected:
  IdleConnectionsTest() {
    config_.listen_port = 0;
    config_.threads = 2;
    config_.max_queued_connections = 2;
    config_.read_timeout_s = 5;
    config_.request_read_timeout_s = 10;
    config_.keep_alive_timeout_s = 30;
    config_.caller_auth.mode = AuthMode::kNone;
  }

  void StartServer() {
    server_ = std::make_unique<AdapterServer>(config_, flow_, logger_);
    ASSERT_EQ(server_->Start(), std::nullopt);
  }

  // True once `count` connections are parked idle, within 3 s.
  bool WaitForIdleConnections(std::size_t count) {
    for (const auto until = Clock::now() + std::chrono::seconds(3); Clock::now() < until;) {
      if (server_->IdleConnections() == count) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return false;
  }

  std::vector<std::unique_ptr<RawConnection>> Open(int count, const std::string& first_bytes) {
    std::vector<std::unique_ptr<RawConnection>> opened;
    for (int i = 0; i < count; ++i) {
      opened.push_back(std::make_unique<RawConnection>(server_->port()));
      EXPECT_TRUE(opened.back()->connected());
      if (!first_bytes.empty()) {
        EXPECT_TRUE(opened.back()->Send(first_bytes));
      }
    }
    return opened;
  }

  // GET `path` on a new connection; fails the test unless it is answered 200
  // within 1 s.
  void ExpectAnsweredWithinOneSecond(const std::string& path, const std::string& body_part) {
    httplib::Client client("127.0.0.1", server_->port());
    client.set_connection_timeout(3, 0);
    client.set_read_timeout(3, 0);
    const auto start = Clock::now();
    auto result = client.Get(path.c_str());
    const auto took = Clock::now() - start;
    ASSERT_TRUE(result) << path << ": " << httplib::to_string(result.error());
    EXPECT_EQ(result->status, 200) << path;
    EXPECT_NE(result->body.find(body_part), std::string::npos) << path << ": " << result->body;
    EXPECT_LT(took, std::chrono::seconds(1))
        << path << " took " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms";
  }

  testing::FakeWorkOrderSystem work_order_;
  testing::FakeMidas midas_;
  testing::FakeOutbox outbox_;
  MigrationFlow flow_{work_order_, midas_, outbox_};
  std::ostringstream log_;
  Logger logger_{log_, LogLevel::kInfo};
  Config config_;
  std::unique_ptr<AdapterServer> server_;
};

// 2 worker threads (and 2 queued), both held by bodies dripped a byte every 200 ms, plus 16
// connections that send nothing and 16 that drip their head: /health, /ready and /metrics on new
// connections are each answered 200 within 1 s, every 100 ms for 3 s; no backend is called.
TEST_F(IdleConnectionsTest, OperatorsEndpointsAnswerWithinOneSecondWhileConnectionsOutnumberThreads) {
  StartServer();
  const auto idle = Open(16, "");
  const auto slow_heads = Open(16, "GET /health HTTP/1.1\r\nHost: a\r\nX-Slow: ");
  const auto slow_bodies = Open(config_.threads,
                                "POST /CreateVOIPMigrationWorkOrder HTTP/1.1\r\nHost: a\r\n"
                                "Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{");
  std::atomic<bool> dripping{true};
  std::thread dripper([&] {
    while (dripping) {
      for (const auto& connection : slow_heads) connection->Send("x");
      for (const auto& connection : slow_bodies) connection->Send(" ");
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  });
  const char* const paths[] = {"/health", "/ready", "/metrics"};
  const char* const body_parts[] = {"UP", "READY", "voip_"};
  const auto until = Clock::now() + std::chrono::seconds(3);
  for (int i = 0; Clock::now() < until && !HasFailure(); ++i) {
    ExpectAnsweredWithinOneSecond(paths[i % 3], body_parts[i % 3]);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  dripping = false;
  dripper.join();
  EXPECT_TRUE(work_order_.requests().empty());
  EXPECT_TRUE(midas_.updates().empty());
}

// A new connection that sends nothing is closed at first-request-timeout-s (1 s here), not held
// for keep-alive-timeout-s (30 s).
TEST_F(IdleConnectionsTest, SilentNewConnectionIsClosedAtTheFirstRequestTimeout) {
  config_.first_request_timeout_s = 1;
  StartServer();
  RawConnection silent(server_->port());
  ASSERT_TRUE(silent.connected());
  EXPECT_TRUE(silent.ClosedWithin(std::chrono::milliseconds(3000)));
}

// A head that stops half-way on a new connection is closed at first-request-timeout-s too, and
// reaches no backend.
TEST_F(IdleConnectionsTest, HalfHeadOnANewConnectionIsClosedAtTheFirstRequestTimeout) {
  config_.first_request_timeout_s = 1;
  StartServer();
  RawConnection half(server_->port());
  ASSERT_TRUE(half.Send("POST /CreateVOIPMigrationWorkOrder HTTP/1.1\r\nHost: a\r\n"));
  EXPECT_TRUE(half.ClosedWithin(std::chrono::milliseconds(3000)));
  EXPECT_TRUE(work_order_.requests().empty());
}

// A kept-alive connection is not held to first-request-timeout-s: idle for 1.5 s after its
// first answer (first-request-timeout-s = 1), it still serves a second request.
TEST_F(IdleConnectionsTest, KeptAliveConnectionWaitsItsKeepAliveTimeout) {
  config_.first_request_timeout_s = 1;
  StartServer();
  RawConnection kept(server_->port());
  ASSERT_TRUE(kept.Send(kHealthRequest));
  ASSERT_EQ(RawConnection::Occurrences(kept.ReadAnswers(1, std::chrono::seconds(2)), "HTTP/1.1 200 OK"), 1);
  EXPECT_FALSE(kept.ClosedWithin(std::chrono::milliseconds(1500)));
  ASSERT_TRUE(kept.Send(kHealthRequest));
  EXPECT_EQ(RawConnection::Occurrences(kept.ReadAnswers(1, std::chrono::seconds(2)), "HTTP/1.1 200 OK"), 1);
}

// max-connections = 2, both kept alive and idle: a third connection is served, and the one idle
// the longest is closed to make room; the other still serves requests. Only a parked connection
// can be closed to make room, and a worker may hold a connection a while after its answer was
// read (kNextRequestWait, or simply not scheduled on a loaded machine: the test failed about 7 %
// of runs when it did not wait): the third connects once the server shows both parked.
TEST_F(IdleConnectionsTest, LongestIdleKeptAliveConnectionMakesRoom) {
  config_.max_connections = 2;
  StartServer();
  RawConnection oldest(server_->port());
  ASSERT_TRUE(oldest.Send(kHealthRequest));
  ASSERT_EQ(RawConnection::Occurrences(oldest.ReadAnswers(1, std::chrono::seconds(2)), "HTTP/1.1 200 OK"), 1);
  ASSERT_TRUE(WaitForIdleConnections(1));
  RawConnection newer(server_->port());
  ASSERT_TRUE(newer.Send(kHealthRequest));
  ASSERT_EQ(RawConnection::Occurrences(newer.ReadAnswers(1, std::chrono::seconds(2)), "HTTP/1.1 200 OK"), 1);
  ASSERT_TRUE(WaitForIdleConnections(2));
  httplib::Client third("127.0.0.1", server_->port());
  third.set_read_timeout(2, 0);
  const auto answer = third.Get("/health");
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 200);
  EXPECT_TRUE(oldest.ClosedWithin(std::chrono::milliseconds(2000)));
  ASSERT_TRUE(newer.Send(kHealthRequest));
  EXPECT_EQ(RawConnection::Occurrences(newer.ReadAnswers(1, std::chrono::seconds(2)), "HTTP/1.1 200 OK"), 1);
}

// max-connections = 4 and 8 new connections that send nothing: the silent ones are closed,
// oldest first, to make room, so /health on a ninth is answered 200 within 1 s.
TEST_F(IdleConnectionsTest, SilentConnectionsBeyondTheLimitMakeRoom) {
  config_.max_connections = 4;
  StartServer();
  const auto silent = Open(8, "");
  ExpectAnsweredWithinOneSecond("/health", "UP");
  EXPECT_TRUE(silent.front()->ClosedWithin(std::chrono::milliseconds(2000)));
}

// A head with more header lines than max-request-headers (100), its end not sent: answered
// 431 at once from what has arrived, as the worker's head reader refuses it, not held in the
// waiting room until first-request-timeout-s.
TEST_F(IdleConnectionsTest, HeadOverTheLineCountIsRefusedWithoutWaitingForItsEnd) {
  StartServer();
  RawConnection many(server_->port());
  std::string head = "GET /health HTTP/1.1\r\nHost: a\r\n";
  for (int i = 0; i < 101; ++i) head += "X-Line: x\r\n";
  ASSERT_TRUE(many.Send(head));
  const std::string answer = many.ReadHead(std::chrono::seconds(3));
  EXPECT_EQ(answer.rfind("HTTP/1.1 431", 0), 0u) << answer;
  EXPECT_TRUE(work_order_.requests().empty());
}

// Three requests in one write are all answered, in order, on the same connection.
TEST_F(IdleConnectionsTest, PipelinedRequestsAreAllAnswered) {
  StartServer();
  RawConnection pipelining(server_->port());
  ASSERT_TRUE(pipelining.Send(std::string(kHealthRequest) + "GET /ready HTTP/1.1\r\nHost: a\r\n\r\n" + kHealthRequest));
  const std::string answers = pipelining.ReadAnswers(3, std::chrono::seconds(3));
  EXPECT_EQ(RawConnection::Occurrences(answers, "HTTP/1.1 200 OK"), 3) << answers;
  const auto ready = answers.find("READY");
  EXPECT_NE(ready, std::string::npos);
  EXPECT_LT(answers.find("UP"), ready);
  EXPECT_NE(answers.find("UP", ready), std::string::npos);
}

}  // namespace
}  // namespace voip
