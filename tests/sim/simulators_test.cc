// Simulators: the HTTP server around both simulators (start, routes,
// /__sim/received, stop), over real loopback sockets.
#include "sim/simulators.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <future>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "sim/triggers.h"
#include "tests/sim/sim_test_clients.h"
#include "tests/support/results.h"

namespace voip::sim {
namespace {

using testing::MidasCall;
using testing::StartSimulators;
using testing::WorkOrderCall;
using Clock = std::chrono::steady_clock;

// Port 0 binds a free port, and the URLs name it.
TEST(simSimulators, BindsFreePortAndPublishesUrls) {
  auto sims = StartSimulators();
  ASSERT_GT(sims->port(), 0);
  const std::string base = "http://127.0.0.1:" + std::to_string(sims->port());
  EXPECT_EQ(sims->WorkOrderUrl(), base + "/workorder");
  EXPECT_EQ(sims->MidasUrl(), base + "/midas");
}

// A port already in use: Start returns nullptr and says why.
TEST(simSimulators, StartFailsOnPortInUse) {
  auto first = StartSimulators();
  SimOptions options;
  options.port = first->port();
  const std::string error = voip::testing::ResultError(Simulators::Start(options)).message;
  EXPECT_NE(error.find(std::to_string(first->port())), std::string::npos) << error;
}

// GET /__sim/received lists what both simulators received, in camelCase.
TEST(simSimulators, ReceivedEndpointListsBothSimulators) {
  auto sims = StartSimulators();
  WorkOrderCall create(sims->WorkOrderUrl());
  MidasCall update(sims->MidasUrl());
  ASSERT_EQ(create.Create(testing::kCustomerNumber, "hdr-7"), SOAP_OK);
  ASSERT_EQ(update.Update(std::string(kMidasSystemFaultNumber)), SOAP_SVR_FAULT);

  httplib::Client client("127.0.0.1", sims->port());
  httplib::Result result = client.Get("/__sim/received");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  const nlohmann::json json = nlohmann::json::parse(result->body);
  ASSERT_EQ(json["workOrders"].size(), 1u);
  const nlohmann::json& order = json["workOrders"][0];
  EXPECT_EQ(order["telephoneNumber"], testing::kCustomerNumber);
  EXPECT_EQ(order["accountNumber"], "123456789");
  EXPECT_EQ(order["siteReference"], 42);
  EXPECT_EQ(order["migrationType"], "TDM_TO_VOC");
  EXPECT_EQ(order["correlationId"], "corr-body-1");
  EXPECT_EQ(order["correlationHeader"], "hdr-7");
  EXPECT_EQ(order["orderNumber"], "WO1000000001");
  EXPECT_TRUE(order["soapAction"].is_string());
  EXPECT_TRUE(order["rawXml"].is_string());
  ASSERT_EQ(json["midasUpdates"].size(), 1u);
  const nlohmann::json& update_json = json["midasUpdates"][0];
  EXPECT_EQ(update_json["migrationStatus"], "WORK_ORDER_CREATED");
  EXPECT_EQ(update_json["orderNumber"], "WO1000000001");
  EXPECT_TRUE(update_json["reason"].is_null());
  EXPECT_EQ(update_json["faulted"], true);
}

// DELETE /__sim/received forgets everything received.
TEST(simSimulators, DeleteReceivedResets) {
  auto sims = StartSimulators();
  WorkOrderCall create(sims->WorkOrderUrl());
  MidasCall update(sims->MidasUrl());
  ASSERT_EQ(create.Create(testing::kCustomerNumber), SOAP_OK);
  ASSERT_EQ(update.Update(testing::kCustomerNumber), SOAP_OK);
  httplib::Client client("127.0.0.1", sims->port());
  httplib::Result result = client.Delete("/__sim/received");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 204);
  EXPECT_TRUE(sims->WorkOrderRequests().empty());
  EXPECT_TRUE(sims->MidasUpdates().empty());
}

// Reset() forgets what was received but order numbers keep counting (never reused).
TEST(simSimulators, ResetKeepsOrderNumbersCounting) {
  auto sims = StartSimulators();
  WorkOrderCall first(sims->WorkOrderUrl());
  ASSERT_EQ(first.Create(testing::kCustomerNumber), SOAP_OK);
  sims->Reset();
  EXPECT_TRUE(sims->WorkOrderRequests().empty());
  WorkOrderCall second(sims->WorkOrderUrl());
  ASSERT_EQ(second.Create(testing::kCustomerNumber), SOAP_OK);
  EXPECT_EQ(second.response.orderNumber, "WO1000000002");
}

// With a latency, every work-order and MIDAS answer comes no earlier than that, and still succeeds.
TEST(simSimulators, LatencyDelaysEveryAnswer) {
  SimOptions options;
  options.latency_ms = 300;
  options.threads = 4;
  auto sims = voip::testing::ResultValue(Simulators::Start(options));
  ASSERT_NE(sims, nullptr);
  WorkOrderCall create(sims->WorkOrderUrl());
  MidasCall update(sims->MidasUrl());

  auto start = Clock::now();
  ASSERT_EQ(create.Create(testing::kCustomerNumber), SOAP_OK);
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(300));
  EXPECT_EQ(create.response.orderNumber, "WO1000000001");

  start = Clock::now();
  ASSERT_EQ(update.Update(testing::kCustomerNumber), SOAP_OK);
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(300));
  EXPECT_EQ(sims->WorkOrderRequests().size(), 1u);
  EXPECT_EQ(sims->MidasUpdates().size(), 1u);
}

// A request waiting out its latency is recorded on arrival, and Stop() cuts the wait short.
TEST(simSimulators, LatencyIsCutShortByStop) {
  SimOptions options;
  options.latency_ms = 30000;
  options.threads = 4;
  auto sims = voip::testing::ResultValue(Simulators::Start(options));
  ASSERT_NE(sims, nullptr);
  auto pending = std::async(std::launch::async, [&] {
    WorkOrderCall call(sims->WorkOrderUrl());
    return call.Create(testing::kCustomerNumber);
  });
  ASSERT_TRUE(testing::WaitUntil([&] { return sims->WorkOrderRequests().size() == 1; }));
  const auto start = Clock::now();
  sims->Stop();
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(10));  // far below the 30 s latency
  ASSERT_EQ(pending.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(pending.get(), SOAP_OK);
}

// Stop() returns promptly while a slow answer is pending (30 s slow period).
TEST(simSimulators, StopReturnsPromptlyWithSlowRequestPending) {
  auto sims = StartSimulators(30000);
  auto slow = std::async(std::launch::async, [&] {
    WorkOrderCall call(sims->WorkOrderUrl());
    return call.Create(std::string(kWorkOrderSlowNumber));
  });
  ASSERT_TRUE(testing::WaitUntil([&] { return !sims->WorkOrderRequests().empty(); }));
  const auto start = Clock::now();
  sims->Stop();
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(10));  // far below the 30 s slow period
  EXPECT_EQ(slow.wait_for(std::chrono::seconds(5)), std::future_status::ready);
}

// With an idle keep-alive client connection open, Stop() closes it at once instead of waiting for
// its idle time-out (2 s).
TEST(simSimulators, StopClosesIdleKeepAliveConnectionsAtOnce) {
  auto sims = StartSimulators();
  WorkOrderCall call(sims->WorkOrderUrl());
  soap_set_mode(call.soap(), SOAP_IO_KEEPALIVE);
  ASSERT_EQ(call.Create(testing::kCustomerNumber), SOAP_OK);
  const auto idle_since = Clock::now();
  sims->Stop();
  // Before the server's idle time-out (2 s from its answer, which came before idle_since) could fire.
  EXPECT_LT(Clock::now() - idle_since, std::chrono::milliseconds(1900));
  EXPECT_EQ(sims->WorkOrderRequests().size(), 1u);
}

// Stop() may be called more than once; the destructor after it is harmless.
TEST(simSimulators, StopIsIdempotent) {
  auto sims = StartSimulators();
  sims->Stop();
  sims->Stop();
  httplib::Client client("127.0.0.1", sims->port());
  EXPECT_FALSE(client.Get("/__sim/received"));
}

// Paths other than the documented ones are 404.
TEST(simSimulators, UnknownPathIs404) {
  auto sims = StartSimulators();
  httplib::Client client("127.0.0.1", sims->port());
  httplib::Result result = client.Post("/nowhere", "<x/>", "text/xml");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 404);
}

// A body over 1 MiB is refused by the HTTP layer with 413 before any parsing.
TEST(simSimulators, OversizedBodyIs413) {
  auto sims = StartSimulators();
  httplib::Client client("127.0.0.1", sims->port());
  httplib::Result result = client.Post("/workorder", std::string((1 << 20) + 1, 'x'), "text/xml");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 413);
  EXPECT_TRUE(sims->WorkOrderRequests().empty());
}

}  // namespace
}  // namespace voip::sim
