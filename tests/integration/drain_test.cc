// The drain before a stop, phase by phase, over real loopback sockets against
// the in-process simulators: AdapterServer::Drain() turns /ready to 503
// "draining" while every request is still served (each answer closing its
// connection), and Stop() then finishes the request in flight, closes an idle
// kept-alive connection with a clean end of stream, and refuses new
// connections. What main does on SIGTERM with these (the grace period between
// the two) is tests/crash/drain_test.py. Each test is bounded to a few seconds.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <future>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "sim/triggers.h"
#include "tests/support/adapter_with_simulators.h"
#include "tests/support/raw_http.h"

namespace voip {
namespace {

using nlohmann::json;
using testing::RawAnswer;
using testing::RawHttpConnection;

constexpr int kSlowMs = 800;
constexpr const char* kReadyRequest = "GET /ready HTTP/1.1\r\nHost: a\r\n\r\n";
constexpr const char* kHealthRequest = "GET /health HTTP/1.1\r\nHost: a\r\n\r\n";

// Polls `condition` every 5 ms for at most 5 s; whether it held.
template <class Condition>
bool Eventually(Condition condition) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

std::string JsonPost(const std::string& body) {
  return "POST /CreateVOIPMigrationWorkOrder HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
         "Content-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

// The adapter (tests/support/adapter_with_simulators.h) whose slow work-order trigger answers
// after 800 ms, well inside its 3 s time-out.
class DrainTest : public testing::AdapterWithSimulators {
 protected:
  void SetUp() override {
    sim_options_.slow_ms = kSlowMs;
    config_.work_order.timeout_ms = 3000;
    ASSERT_TRUE(Start());
  }

  // Stops the server and waits until its accept thread has ended.
  void StopServer() {
    server_->Stop();
    server_->Wait();
  }
};

// Drain() turns /ready to 503 NOT_READY with the reason "draining" (it was 200 READY just
// before), /health stays 200, and neither reaches a backend.
TEST_F(DrainTest, ReadyTurnsNotReadyFirst) {
  RawHttpConnection before(server_->port(), false);
  ASSERT_TRUE(before.Send(kReadyRequest));
  const std::optional<RawAnswer> ready = before.ReadAnswer();
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
  EXPECT_EQ(json::parse(ready->body), json({{"status", "READY"}}));

  server_->Drain();
  RawHttpConnection during(server_->port(), false);
  ASSERT_TRUE(during.Send(kReadyRequest));
  const std::optional<RawAnswer> draining = during.ReadAnswer();
  ASSERT_TRUE(draining);
  EXPECT_EQ(draining->status, 503);
  EXPECT_EQ(json::parse(draining->body), json({{"status", "NOT_READY"}, {"reasons", {"draining"}}}));
  RawHttpConnection health(server_->port(), false);
  ASSERT_TRUE(health.Send(kHealthRequest));
  const std::optional<RawAnswer> up = health.ReadAnswer();
  ASSERT_TRUE(up);
  EXPECT_EQ(up->status, 200);
  EXPECT_TRUE(NoBackendCalled());
}

// A connection kept alive from before the drain still has its request served while draining
// (200 with the order number the work-order system gave, MIDAS told), and the answer says
// Connection: close and ends the connection cleanly, so no balancer can reuse it.
TEST_F(DrainTest, RequestOnAKeptAliveConnectionIsServedThenTheConnectionClosed) {
  RawHttpConnection connection(server_->port(), false);
  ASSERT_TRUE(connection.Send(kHealthRequest));
  const std::optional<RawAnswer> health = connection.ReadAnswer();
  ASSERT_TRUE(health);
  EXPECT_NE(health->header("connection"), "close");

  server_->Drain();
  ASSERT_TRUE(connection.Send(JsonPost(JsonBody("447874384949"))));
  const std::optional<RawAnswer> answer = connection.ReadAnswer();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 200);
  EXPECT_EQ(answer->header("connection"), "close");
  const std::string order_number =
      json::parse(answer->body)["CreateVOIPMigrationWorkOrder"]["success"]["orderNumber"].get<std::string>();
  EXPECT_TRUE(connection.ClosedCleanlyByServer());
  ASSERT_EQ(simulators_->WorkOrderRequests().size(), 1u);
  EXPECT_EQ(simulators_->WorkOrderRequests()[0].order_number, order_number);
  EXPECT_EQ(simulators_->MidasUpdates().size(), 1u);
}

// A request in flight when the server stops (its work order being created) finishes: Wait()
// returns only once its flow is over (MIDAS told), and the client gets 200 with the order
// number of the one create.
TEST_F(DrainTest, RequestInFlightCompletesAcrossTheStop) {
  std::future<httplib::Result> in_flight =
      std::async(std::launch::async, [this] { return PostJson(JsonBody(sim::kWorkOrderSlowNumber)); });
  ASSERT_TRUE(Eventually([this] {
    const auto entries = fake_outbox_.entries();
    return entries.size() == 1 && entries[0].work_order == WorkOrderState::kAttempting;
  }));
  server_->Drain();
  StopServer();
  EXPECT_EQ(simulators_->MidasUpdates().size(), 1u);  // the flow was over before Wait() returned
  ASSERT_EQ(in_flight.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  const httplib::Result result = in_flight.get();
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  const json body = json::parse(result->body);
  ASSERT_EQ(simulators_->WorkOrderRequests().size(), 1u);
  EXPECT_EQ(body["CreateVOIPMigrationWorkOrder"]["success"]["orderNumber"],
            simulators_->WorkOrderRequests()[0].order_number);
}

// An idle kept-alive connection (its last request answered, nothing of a next one sent) is
// ended cleanly when the server stops: end of stream, not a reset, and no stray bytes.
TEST_F(DrainTest, IdleKeptAliveConnectionIsClosedCleanlyOnStop) {
  RawHttpConnection idle(server_->port(), false);
  ASSERT_TRUE(idle.Send(kHealthRequest));
  const std::optional<RawAnswer> health = idle.ReadAnswer();
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_NE(health->header("connection"), "close");
  server_->Drain();
  StopServer();
  EXPECT_TRUE(idle.ClosedCleanlyByServer());
  EXPECT_TRUE(NoBackendCalled());
}

// While draining, a new connection is still accepted and served; once stopped, a new connection
// is refused (what lets a balancer retry a POST safely on another instance).
TEST_F(DrainTest, NewConnectionIsRefusedOnceStopped) {
  server_->Drain();
  RawHttpConnection during(server_->port(), false);
  ASSERT_TRUE(during.ok());
  ASSERT_TRUE(during.Send(kHealthRequest));
  const std::optional<RawAnswer> health = during.ReadAnswer();
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  StopServer();
  RawHttpConnection after(server_->port(), false);
  EXPECT_FALSE(after.ok());
  EXPECT_TRUE(NoBackendCalled());
}

}  // namespace
}  // namespace voip
