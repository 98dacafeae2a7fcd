// Slow clients (slowloris): a client that stops sending in the middle of its
// headers or body is cut off at read-timeout-s, one that drips them at
// request-read-timeout-s, and either frees its worker thread.
// Raw loopback sockets, bounded to a few seconds each; the backends are fakes.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <sstream>
#include <string>
#include <thread>

#include "adapter/migration_flow.h"
#include "http/server.h"
#include "platform/config.h"
#include "platform/log.h"
#include "tests/support/fake_backends.h"
#include "tests/support/fake_outbox.h"

namespace voip {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kBody =
    R"({"telephoneNumber":"447874384949","accountIdentification":{"accountNumber":"123456789","siteReference":42}})";

class SlowClientTest : public ::testing::Test {
 protected:
  SlowClientTest() {
    config_.listen_port = 0;
    config_.threads = 1;  // one slow client would starve everyone if it were never cut off
    config_.read_timeout_s = 1;
    config_.caller_auth.mode = AuthMode::kNone;
  }

  void SetUp() override {
    server_ = std::make_unique<AdapterServer>(config_, flow_, logger_);
    ASSERT_EQ(server_->Start(), std::nullopt);
  }

  int Connect() const {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(server_->port()));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    return fd;
  }

  // Writes `text`, then one more byte every `interval` until the server closes
  // the connection or `limit` passes. Returns how long the connection lasted.
  static Clock::duration DripUntilClosed(int fd, const std::string& text, std::chrono::milliseconds interval,
                                         std::chrono::seconds limit) {
    const auto start = Clock::now();
    ::send(fd, text.data(), text.size(), MSG_NOSIGNAL);
    while (Clock::now() - start < limit) {
      pollfd readable{fd, POLLIN, 0};
      if (::poll(&readable, 1, static_cast<int>(interval.count())) > 0) {
        char buffer[512];
        if (::recv(fd, buffer, sizeof buffer, 0) <= 0) break;  // closed by the server
        continue;
      }
      if (::send(fd, "x", 1, MSG_NOSIGNAL) < 0) break;
    }
    return Clock::now() - start;
  }

  void ExpectServesNormalRequestAfterwards() {
    work_order_.WillAnswer(WorkOrderCreated{"WO-AFTER"});
    midas_.WillAnswer(MidasAcknowledged{""});
    httplib::Client client("127.0.0.1", server_->port());
    client.set_read_timeout(5, 0);
    auto result = client.Post("/CreateVOIPMigrationWorkOrder", kBody, "application/json");
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 200);
    EXPECT_EQ(work_order_.requests().size(), 1u);
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

// Headers dripped one byte per 1.5 s (slower than read-timeout-s = 1): cut off within a few
// seconds, no backend called, and the only worker thread then serves a normal request.
TEST_F(SlowClientTest, DrippedHeadersAreCutOff) {
  const int fd = Connect();
  const auto lasted = DripUntilClosed(fd, "POST /CreateVOIPMigrationWorkOrder HTTP/1.1\r\nHost: a\r\nX-Slow: ",
                                      std::chrono::milliseconds(1500), std::chrono::seconds(8));
  ::close(fd);
  EXPECT_LT(lasted, std::chrono::seconds(5));
  EXPECT_TRUE(work_order_.requests().empty());
  ExpectServesNormalRequestAfterwards();
}

// A body that stops half-way (Content-Length promises more): cut off, nothing reaches a backend.
TEST_F(SlowClientTest, StalledBodyIsCutOff) {
  const int fd = Connect();
  const std::string head =
      "POST /CreateVOIPMigrationWorkOrder HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
      "Content-Length: 200\r\n\r\n{\"telephoneNumber\":";
  const auto lasted = DripUntilClosed(fd, head, std::chrono::milliseconds(1500), std::chrono::seconds(8));
  ::close(fd);
  EXPECT_LT(lasted, std::chrono::seconds(5));
  EXPECT_TRUE(work_order_.requests().empty());
  ExpectServesNormalRequestAfterwards();
}

// A client dripping a byte every 2 s (0.5 byte/s) never trips the 5 s read-timeout-s of each
// read; request-read-timeout-s = 2 bounds the whole request.
class SlowDripTest : public SlowClientTest {
 protected:
  void SetUp() override {
    config_.read_timeout_s = 5;
    config_.request_read_timeout_s = 2;
    SlowClientTest::SetUp();
  }
};

// Headers dripped at 0.5 byte/s: cut off at the request's read time-out, well before the test's
// 10 s limit; no backend called, and the only worker thread then serves a normal request.
TEST_F(SlowDripTest, DrippedHeadersAreCutAtTheRequestReadTimeout) {
  const int fd = Connect();
  const auto lasted = DripUntilClosed(fd, "POST /CreateVOIPMigrationWorkOrder HTTP/1.1\r\nHost: a\r\nX-Slow: ",
                                      std::chrono::milliseconds(2000), std::chrono::seconds(10));
  ::close(fd);
  EXPECT_LT(lasted, std::chrono::seconds(8));
  EXPECT_TRUE(work_order_.requests().empty());
  ExpectServesNormalRequestAfterwards();
}

// A body dripped at 0.5 byte/s: cut off at the request's read time-out; no backend called, and
// the worker thread is free again.
TEST_F(SlowDripTest, DrippedBodyIsCutAtTheRequestReadTimeout) {
  const int fd = Connect();
  const std::string head =
      "POST /CreateVOIPMigrationWorkOrder HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
      "Content-Length: 200\r\n\r\n{\"telephoneNumber\":";
  const auto lasted = DripUntilClosed(fd, head, std::chrono::milliseconds(2000), std::chrono::seconds(10));
  ::close(fd);
  EXPECT_LT(lasted, std::chrono::seconds(8));
  EXPECT_TRUE(work_order_.requests().empty());
  ExpectServesNormalRequestAfterwards();
}

}  // namespace
}  // namespace voip
