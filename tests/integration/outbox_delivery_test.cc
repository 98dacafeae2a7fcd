// End to end over sockets with the real SQLite outbox and relay: MIDAS is down
// while work orders are created, then comes back, and every pending update is
// delivered by the relay.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "tests/support/adapter_with_simulators.h"
#include "tests/support/results.h"

namespace voip {
namespace {

using nlohmann::json;

// The adapter wired to the simulators (tests/support/adapter_with_simulators.h)
// with the SQLite outbox and a fast relay, and MIDAS pointed at a closed port;
// MIDAS comes back later as a second simulator on that port.
class OutboxDeliveryTest : public testing::AdapterWithSimulators {
 protected:
  void SetUp() override {
    UseSqliteOutbox();
    sim_options_.slow_ms = 1000;
    config_.work_order.timeout_ms = 1000;
    config_.midas.timeout_ms = 1000;
    config_.outbox_retry_base_ms = 20;
    config_.outbox_retry_cap_ms = 100;
    config_.outbox_poll_ms = 20;
    config_.midas.breaker_failures = 0;  // the relay retries throughout (breakers: circuit_breaker_test.cc)
    ASSERT_TRUE(StartSimulators());
    PointMidasAtClosedPort();
    ASSERT_TRUE(Wire());
  }
};

// MIDAS down: each request (five customers) is a success with a "pending" fault; once MIDAS is back,
// every update is delivered, each for its own order, and the outbox empties.
TEST_F(OutboxDeliveryTest, PendingUpdatesAreDeliveredWhenMidasIsBack) {
  std::set<std::string> orders;
  for (int i = 0; i < 5; ++i) {
    auto result = PostJson(JsonBody("44787438494" + std::to_string(i)));
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 200);
    const json success = json::parse(result->body)["CreateVOIPMigrationWorkOrder"]["success"];
    orders.insert(success["orderNumber"].get<std::string>());
    ASSERT_EQ(success["fault"].size(), 1u);
    EXPECT_EQ(success["fault"][0]["code"], "10686");
    EXPECT_NE(success["fault"][0]["detail"].get<std::string>().find("The update is pending"), std::string::npos);
  }
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 5u);
  EXPECT_EQ(OutboxEntries().size(), 5u);

  ASSERT_TRUE(StartMidasBack());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline && !OutboxEntries().empty()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(OutboxEntries().empty());
  std::set<std::string> delivered;
  for (const auto& update : midas_back_->MidasUpdates()) {
    EXPECT_EQ(update.migration_status, "WORK_ORDER_CREATED");
    EXPECT_EQ(update.account_number, "123456789");
    delivered.insert(update.order_number.value_or(""));
  }
  EXPECT_EQ(delivered, orders);
  EXPECT_EQ(midas_back_->MidasUpdates().size(), 5u);
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 5u);  // nothing created twice
}

}  // namespace
}  // namespace voip
