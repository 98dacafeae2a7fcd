// End to end over sockets with the real SQLite outbox and relay: MIDAS is down
// while work orders are created, then comes back, and every pending update is
// delivered by the relay.
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <set>
#include <sstream>
#include <thread>

#include "adapter/outbox_relay.h"
#include "adapter/soap/midas_client.h"
#include "adapter/soap/work_order_client.h"
#include "adapter/store/sqlite_outbox.h"
#include "http/server.h"
#include "sim/simulators.h"
#include "tests/support/ports.h"
#include "tests/support/temp_dir.h"

namespace voip {
namespace {

using nlohmann::json;

std::string Body(const std::string& telephone) {
  return json{{"telephoneNumber", telephone},
              {"accountIdentification", {{"accountNumber", "123456789"}, {"siteReference", 42}}}}
      .dump();
}

class OutboxDeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    sim::SimOptions options;
    options.slow_ms = 1000;
    simulators_ = sim::Simulators::Start(options, &error);
    ASSERT_TRUE(simulators_) << error;
    midas_port_ = testing::ClosedLoopbackPort();
    db_ = store::SqliteDatabase::Open(dir_.File("adapter.db"), store::SyncMode::kNormal, &error);
    ASSERT_TRUE(db_) << error;
    store::SqliteOutboxOptions outbox_options;
    outbox_options.retry = {std::chrono::milliseconds(20), std::chrono::milliseconds(100)};
    outbox_ = store::SqliteOutbox::Open(*db_, outbox_options, &error);
    ASSERT_TRUE(outbox_) << error;

    config_.listen_port = 0;
    config_.threads = 8;
    config_.caller_auth.mode = AuthMode::kNone;
    config_.work_order = BackendEndpoint{simulators_->WorkOrderUrl(), 300, 1000, 4};
    config_.midas = BackendEndpoint{"http://127.0.0.1:" + std::to_string(midas_port_) + "/midas", 300, 1000, 4};
    work_order_ = std::make_unique<GsoapWorkOrderSystem>(config_.work_order);
    midas_ = std::make_unique<GsoapMidas>(config_.midas);
    flow_ = std::make_unique<MigrationFlow>(*work_order_, *midas_, *outbox_);
    OutboxRelayOptions relay_options;
    relay_options.poll_interval = std::chrono::milliseconds(20);
    relay_ = std::make_unique<OutboxRelay>(*outbox_, *midas_, logger_, relay_options);
    relay_->Start();
    server_ = std::make_unique<AdapterServer>(config_, *flow_, logger_);
    ASSERT_TRUE(server_->Start(&error)) << error;
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_read_timeout(10, 0);
  }

  void TearDown() override {
    client_.reset();
    server_.reset();
    relay_.reset();
    if (midas_back_) midas_back_->Stop();
    if (simulators_) simulators_->Stop();
  }

  std::vector<OutboxEntry> Pending() { return std::get<std::vector<OutboxEntry>>(outbox_->List(store::OutboxView::kAll)); }

  testing::TempDir dir_;
  std::ostringstream log_;
  Logger logger_{log_, LogLevel::kInfo};
  Config config_;
  int midas_port_ = 0;
  std::unique_ptr<sim::Simulators> simulators_;
  std::unique_ptr<sim::Simulators> midas_back_;
  std::unique_ptr<store::SqliteDatabase> db_;
  std::unique_ptr<store::SqliteOutbox> outbox_;
  std::unique_ptr<GsoapWorkOrderSystem> work_order_;
  std::unique_ptr<GsoapMidas> midas_;
  std::unique_ptr<MigrationFlow> flow_;
  std::unique_ptr<OutboxRelay> relay_;
  std::unique_ptr<AdapterServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

// MIDAS down: each request is a success with a "pending" fault; once MIDAS is back,
// every update is delivered, each for its own order, and the outbox empties.
TEST_F(OutboxDeliveryTest, PendingUpdatesAreDeliveredWhenMidasIsBack) {
  std::set<std::string> orders;
  for (int i = 0; i < 5; ++i) {
    auto result = client_->Post("/CreateVOIPMigrationWorkOrder", Body("447874384949"), "application/json");
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 200);
    const json success = json::parse(result->body)["CreateVOIPMigrationWorkOrder"]["success"];
    orders.insert(success["orderNumber"].get<std::string>());
    ASSERT_EQ(success["fault"].size(), 1u);
    EXPECT_EQ(success["fault"][0]["code"], "10686");
    EXPECT_NE(success["fault"][0]["detail"].get<std::string>().find("The update is pending"), std::string::npos);
  }
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 5u);
  EXPECT_EQ(Pending().size(), 5u);

  sim::SimOptions back;
  back.port = midas_port_;
  std::string error;
  midas_back_ = sim::Simulators::Start(back, &error);
  ASSERT_TRUE(midas_back_) << error;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline && !Pending().empty()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(Pending().empty());
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
