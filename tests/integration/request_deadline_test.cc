// The request-wide deadline over real sockets, against the simulators' slow
// answers (1.5 s): with request-deadline-ms 600 and backend time-outs of 5 s,
// the clamp is what cuts each call short. Outcomes and counts are asserted,
// not timings.
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <sstream>

#include "adapter/config.h"
#include "adapter/log.h"
#include "adapter/migration_flow.h"
#include "adapter/soap/midas_client.h"
#include "adapter/soap/work_order_client.h"
#include "http/server.h"
#include "sim/simulators.h"
#include "sim/triggers.h"
#include "tests/support/fake_outbox.h"

namespace voip {
namespace {

using nlohmann::json;

constexpr int kSlowMs = 1500;
constexpr int kBackendTimeoutMs = 5000;
constexpr int kRequestDeadlineMs = 600;

class RequestDeadlineFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    sim::SimOptions options;
    options.slow_ms = kSlowMs;
    std::string error;
    simulators_ = sim::Simulators::Start(options, &error);
    ASSERT_TRUE(simulators_) << error;
    config_.listen_port = 0;
    config_.threads = 4;
    config_.caller_auth.mode = AuthMode::kNone;
    config_.request_deadline_ms = kRequestDeadlineMs;
    config_.work_order = BackendEndpoint{simulators_->WorkOrderUrl(), 300, kBackendTimeoutMs, 4};
    config_.midas = BackendEndpoint{simulators_->MidasUrl(), 300, kBackendTimeoutMs, 4};
    work_order_ = std::make_unique<GsoapWorkOrderSystem>(config_.work_order);
    midas_ = std::make_unique<GsoapMidas>(config_.midas);
    flow_ = std::make_unique<MigrationFlow>(*work_order_, *midas_, outbox_);
    server_ = std::make_unique<AdapterServer>(config_, *flow_, logger_);
    ASSERT_TRUE(server_->Start(&error)) << error;
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_read_timeout(10, 0);
  }

  void TearDown() override {
    client_.reset();
    server_.reset();
    if (simulators_) simulators_->Stop();
  }

  httplib::Result Post(std::string_view telephone) {
    const std::string body =
        json{{"telephoneNumber", telephone},
             {"accountIdentification", {{"accountNumber", "123456789"}, {"siteReference", 42}}}}
            .dump();
    return client_->Post("/CreateVOIPMigrationWorkOrder", body, "application/json");
  }

  std::unique_ptr<sim::Simulators> simulators_;
  Config config_;
  testing::FakeOutbox outbox_;
  std::ostringstream log_;
  Logger logger_{log_, LogLevel::kInfo};
  std::unique_ptr<GsoapWorkOrderSystem> work_order_;
  std::unique_ptr<GsoapMidas> midas_;
  std::unique_ptr<MigrationFlow> flow_;
  std::unique_ptr<AdapterServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

// A work-order answer that would come within its own 5 s time-out but after the request's
// deadline: 504 with the unknown outcome, one create, and MIDAS (no time left) left to the relay.
TEST_F(RequestDeadlineFixture, WorkOrderCallIsCutAtTheRequestDeadline) {
  auto result = Post(sim::kWorkOrderSlowNumber);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 504);
  const json faults = json::parse(result->body)["CreateVOIPMigrationWorkOrder"]["failure"]["fault"];
  ASSERT_EQ(faults.size(), 2u);
  EXPECT_NE(faults[0]["detail"].get<std::string>().find("did not answer in time"), std::string::npos);
  EXPECT_EQ(faults[1]["detail"], MidasDeadlineFault(false, MidasFollowUp::kPending).detail);
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 1u);
  EXPECT_TRUE(simulators_->MidasUpdates().empty());
  const auto entries = outbox_.entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].work_order, WorkOrderState::kUnknown);
  EXPECT_EQ(entries[0].delivery, DeliveryState::kPending);
}

// A slow MIDAS is cut at what the request has left: success with the order number and a
// pending update; MIDAS received the update once (a time-out is never repeated).
TEST_F(RequestDeadlineFixture, MidasCallIsCutAtTheRequestDeadline) {
  auto result = Post(sim::kMidasSlowNumber);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  const json success = json::parse(result->body)["CreateVOIPMigrationWorkOrder"]["success"];
  EXPECT_EQ(success["orderNumber"], simulators_->WorkOrderRequests().at(0).order_number);
  ASSERT_EQ(success["fault"].size(), 1u);
  EXPECT_NE(success["fault"][0]["detail"].get<std::string>().find("The update is pending"), std::string::npos);
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 1u);
  EXPECT_EQ(simulators_->MidasUpdates().size(), 1u);
  EXPECT_EQ(outbox_.entries().at(0).delivery, DeliveryState::kPending);
}

// Within the deadline nothing changes: success, both backends called once, no fault.
TEST_F(RequestDeadlineFixture, FastBackendsFinishWithinTheDeadline) {
  auto result = Post("447874384949");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_TRUE(json::parse(result->body)["CreateVOIPMigrationWorkOrder"]["success"]["fault"].empty());
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 1u);
  EXPECT_EQ(simulators_->MidasUpdates().size(), 1u);
}

}  // namespace
}  // namespace voip
