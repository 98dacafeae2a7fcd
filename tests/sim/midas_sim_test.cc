// The MIDAS simulator over real loopback sockets, called with the generated
// gSOAP proxy as the adapter calls it.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "sim/triggers.h"
#include "tests/sim/sim_test_clients.h"

namespace voip::sim {
namespace {

using testing::MidasCall;
using testing::StartSimulators;
using Clock = std::chrono::steady_clock;

// A number with no trigger is acknowledged with update references UPD1000000001, UPD1000000002, ...
TEST(simMidas, AcknowledgesWithUpdateReference) {
  auto sims = StartSimulators();
  MidasCall first(sims->MidasUrl());
  MidasCall second(sims->MidasUrl());
  ASSERT_EQ(first.Update(testing::kCustomerNumber), SOAP_OK);
  ASSERT_EQ(second.Update(testing::kCustomerNumber), SOAP_OK);
  EXPECT_TRUE(first.response.acknowledged);
  ASSERT_NE(first.response.updateReference, nullptr);
  EXPECT_EQ(*first.response.updateReference, "UPD1000000001");
  ASSERT_NE(second.response.updateReference, nullptr);
  EXPECT_EQ(*second.response.updateReference, "UPD1000000002");
}

// 447700900007: SOAP Server fault with a typed MidasFault (MIDAS-5003, SYSTEM).
TEST(simMidas, SystemTriggerAnswersTypedServerFault) {
  auto sims = StartSimulators();
  MidasCall call(sims->MidasUrl());
  EXPECT_EQ(call.Update(std::string(kMidasSystemFaultNumber)), SOAP_SVR_FAULT);
  EXPECT_EQ(call.FaultCode(), "SOAP-ENV:Server");
  const _midas__MidasFault* fault = call.TypedFault();
  ASSERT_NE(fault, nullptr);
  EXPECT_EQ(fault->code, kMidasSystemFaultCode);
  EXPECT_EQ(fault->message, kMidasSystemFaultMessage);
  EXPECT_EQ(fault->category, midas__FaultCategory__SYSTEM);
}

// 447700900009: SOAP Client fault with a typed MidasFault (MIDAS-2004, BUSINESS).
TEST(simMidas, BusinessTriggerAnswersTypedClientFault) {
  auto sims = StartSimulators();
  MidasCall call(sims->MidasUrl());
  EXPECT_EQ(call.Update(std::string(kMidasBusinessFaultNumber)), SOAP_CLI_FAULT);
  EXPECT_EQ(call.FaultCode(), "SOAP-ENV:Client");
  const _midas__MidasFault* fault = call.TypedFault();
  ASSERT_NE(fault, nullptr);
  EXPECT_EQ(fault->code, kMidasBusinessFaultCode);
  EXPECT_EQ(fault->message, kMidasBusinessFaultMessage);
  EXPECT_EQ(fault->category, midas__FaultCategory__BUSINESS);
}

// 447700900008: acknowledged, but only after slow_ms.
TEST(simMidas, SlowTriggerAcknowledgesAfterSlowMs) {
  auto sims = StartSimulators(testing::kTestSlowMs);
  MidasCall call(sims->MidasUrl());
  const auto start = Clock::now();
  ASSERT_EQ(call.Update(std::string(kMidasSlowNumber)), SOAP_OK);
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(testing::kTestSlowMs));
  EXPECT_TRUE(call.response.acknowledged);
}

// Every field of a WORK_ORDER_CREATED update is recorded, with the order number and no reason.
TEST(simMidas, RecordsCreatedUpdate) {
  auto sims = StartSimulators();
  MidasCall call(sims->MidasUrl());
  ASSERT_EQ(call.Update(testing::kCustomerNumber, /*created=*/true), SOAP_OK);
  const auto received = sims->MidasUpdates();
  ASSERT_EQ(received.size(), 1u);
  const ReceivedStatusUpdate& update = received[0];
  EXPECT_EQ(update.account_number, "123456789");
  EXPECT_EQ(update.site_reference, 42);
  EXPECT_EQ(update.telephone_number, testing::kCustomerNumber);
  EXPECT_EQ(update.migration_status, "WORK_ORDER_CREATED");
  EXPECT_EQ(update.order_number, std::optional<std::string>("WO1000000001"));
  EXPECT_EQ(update.reason, std::nullopt);
  EXPECT_EQ(update.correlation_id, "");
  EXPECT_EQ(update.soap_action,
            "http://schemas.cableco.example/midas/customer/migration/v1/UpdateCustomerMigrationStatus");
  EXPECT_FALSE(update.faulted);
  EXPECT_NE(update.raw_xml.find("<midas:migrationStatus>WORK_ORDER_CREATED</midas:migrationStatus>"), std::string::npos)
      << update.raw_xml;
}

// A WORK_ORDER_FAILED update is recorded with its reason and no order number.
TEST(simMidas, RecordsFailedUpdateWithReason) {
  auto sims = StartSimulators();
  MidasCall call(sims->MidasUrl());
  ASSERT_EQ(call.Update(testing::kCustomerNumber, /*created=*/false), SOAP_OK);
  const auto received = sims->MidasUpdates();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].migration_status, "WORK_ORDER_FAILED");
  EXPECT_EQ(received[0].order_number, std::nullopt);
  EXPECT_EQ(received[0].reason, std::optional<std::string>("Site reference not known"));
}

// Updates the simulator faults are recorded too, flagged faulted.
TEST(simMidas, RecordsFaultedUpdatesFlagged) {
  auto sims = StartSimulators();
  MidasCall system_fault(sims->MidasUrl());
  MidasCall business_fault(sims->MidasUrl());
  system_fault.Update(std::string(kMidasSystemFaultNumber));
  business_fault.Update(std::string(kMidasBusinessFaultNumber));
  const auto received = sims->MidasUpdates();
  ASSERT_EQ(received.size(), 2u);
  EXPECT_TRUE(received[0].faulted);
  EXPECT_TRUE(received[1].faulted);
}

}  // namespace
}  // namespace voip::sim
