// The work-order simulator over real loopback sockets, called with the
// generated gSOAP proxy (as the adapter calls it) or a raw HTTP client.
#include "sim/work_order_sim.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <future>
#include <pugixml.hpp>
#include <string>

#include "sim/triggers.h"
#include "tests/sim/sim_test_clients.h"

namespace voip::sim {
namespace {

using testing::StartSimulators;
using testing::WorkOrderCall;
using Clock = std::chrono::steady_clock;

std::string RequestBody(std::string_view telephone) {
  return "<?xml version=\"1.0\"?><s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" "
         "xmlns:wo=\"http://schemas.cableco.example/fieldops/workorder/migration/v1\"><s:Body>"
         "<wo:CreateMigrationWorkOrderRequest><wo:telephoneNumber>" +
         std::string(telephone) +
         "</wo:telephoneNumber><wo:accountNumber>1</wo:accountNumber>"
         "<wo:siteReference>1</wo:siteReference><wo:migrationType>TDM_TO_VOC</wo:migrationType>"
         "</wo:CreateMigrationWorkOrderRequest></s:Body></s:Envelope>";
}

httplib::Result PostRaw(const Simulators& sims, std::string_view telephone) {
  httplib::Client client("127.0.0.1", sims.port());
  return client.Post("/workorder", RequestBody(telephone), "text/xml");
}

// A number with no trigger gets order numbers WO1000000001, WO1000000002, ... in turn.
TEST(simWorkOrder, CreatesSequentialOrderNumbers) {
  auto sims = StartSimulators();
  WorkOrderCall first(sims->WorkOrderUrl());
  WorkOrderCall second(sims->WorkOrderUrl());
  ASSERT_EQ(first.Create(testing::kCustomerNumber), SOAP_OK);
  ASSERT_EQ(second.Create(testing::kCustomerNumber), SOAP_OK);
  EXPECT_EQ(first.response.orderNumber, "WO1000000001");
  EXPECT_EQ(second.response.orderNumber, "WO1000000002");
}

// 447700900001: SOAP Client fault with a typed WorkOrderFault (WO-2001, BUSINESS); gSOAP error 1.
TEST(simWorkOrder, BusinessTriggerAnswersTypedClientFault) {
  auto sims = StartSimulators();
  WorkOrderCall call(sims->WorkOrderUrl());
  EXPECT_EQ(call.Create(std::string(kWorkOrderBusinessFaultNumber)), SOAP_CLI_FAULT);
  EXPECT_EQ(call.FaultCode(), "SOAP-ENV:Client");
  const _wo__WorkOrderFault* fault = call.TypedFault();
  ASSERT_NE(fault, nullptr);
  EXPECT_EQ(fault->code, kWorkOrderBusinessFaultCode);
  EXPECT_EQ(fault->message, kWorkOrderBusinessFaultMessage);
  EXPECT_EQ(fault->category, wo__FaultCategory__BUSINESS);
}

// 447700900002: SOAP Server fault with a typed WorkOrderFault (WO-5001, SYSTEM); gSOAP error 2.
TEST(simWorkOrder, SystemTriggerAnswersTypedServerFault) {
  auto sims = StartSimulators();
  WorkOrderCall call(sims->WorkOrderUrl());
  EXPECT_EQ(call.Create(std::string(kWorkOrderSystemFaultNumber)), SOAP_SVR_FAULT);
  EXPECT_EQ(call.FaultCode(), "SOAP-ENV:Server");
  const _wo__WorkOrderFault* fault = call.TypedFault();
  ASSERT_NE(fault, nullptr);
  EXPECT_EQ(fault->code, kWorkOrderSystemFaultCode);
  EXPECT_EQ(fault->message, kWorkOrderSystemFaultMessage);
  EXPECT_EQ(fault->category, wo__FaultCategory__SYSTEM);
}

// 447700900003: the order is created, but only after slow_ms.
TEST(simWorkOrder, SlowTriggerAnswersSuccessAfterSlowMs) {
  auto sims = StartSimulators(testing::kTestSlowMs);
  WorkOrderCall call(sims->WorkOrderUrl());
  const auto start = Clock::now();
  ASSERT_EQ(call.Create(std::string(kWorkOrderSlowNumber)), SOAP_OK);
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(testing::kTestSlowMs));
  EXPECT_EQ(call.response.orderNumber, "WO1000000001");
}

// A pending slow answer holds only its own thread: other requests are answered meanwhile.
TEST(simWorkOrder, SlowTriggerDoesNotBlockOtherRequests) {
  auto sims = StartSimulators(2000);
  auto slow = std::async(std::launch::async, [&] {
    WorkOrderCall call(sims->WorkOrderUrl());
    return call.Create(std::string(kWorkOrderSlowNumber));
  });
  ASSERT_TRUE(testing::WaitUntil([&] { return !sims->WorkOrderRequests().empty(); }));
  WorkOrderCall fast(sims->WorkOrderUrl());
  ASSERT_EQ(fast.Create(testing::kCustomerNumber), SOAP_OK);
  // The event, not a stopwatch: the fast request was answered while the slow one still waits.
  EXPECT_EQ(slow.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  sims->Stop();  // cuts the slow answer short
  EXPECT_EQ(slow.get(), SOAP_OK);
}

// 447700900004: HTTP 200 text/xml whose body is not well-formed XML.
TEST(simWorkOrder, MalformedTriggerAnswersTruncatedXml) {
  auto sims = StartSimulators();
  httplib::Result result = PostRaw(*sims, kWorkOrderMalformedNumber);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->get_header_value("Content-Type"), "text/xml; charset=utf-8");
  pugi::xml_document document;
  EXPECT_FALSE(document.load_string(result->body.c_str()));
}

// What gSOAP's client makes of the malformed answer: an error, never a success.
TEST(simWorkOrder, MalformedTriggerIsAnErrorForTheGsoapClient) {
  auto sims = StartSimulators();
  WorkOrderCall call(sims->WorkOrderUrl());
  const int error = call.Create(std::string(kWorkOrderMalformedNumber));
  EXPECT_NE(error, SOAP_OK);
  EXPECT_TRUE(error == SOAP_EOF || error == SOAP_SYNTAX_ERROR || error == SOAP_NO_TAG) << error;
}

// 447700900005: an HTML error page with HTTP 500, which gSOAP reports as error 500.
TEST(simWorkOrder, HtmlTriggerAnswersHtmlPageWith500) {
  auto sims = StartSimulators();
  httplib::Result result = PostRaw(*sims, kWorkOrderHtmlErrorNumber);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 500);
  EXPECT_EQ(result->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(result->body.find("<html>"), std::string::npos);
  WorkOrderCall call(sims->WorkOrderUrl());
  EXPECT_EQ(call.Create(std::string(kWorkOrderHtmlErrorNumber)), 500);
}

// 447700900006: a Server fault whose detail is an undeclared element: gSOAP error 2 (from the
// faultcode, not 12), no typed detail, the raw detail XML kept.
TEST(simWorkOrder, ForeignFaultTriggerAnswersUntypedDetail) {
  auto sims = StartSimulators();
  WorkOrderCall call(sims->WorkOrderUrl());
  EXPECT_EQ(call.Create(std::string(kWorkOrderForeignFaultNumber)), SOAP_SVR_FAULT);
  EXPECT_EQ(call.TypedFault(), nullptr);
  const std::string detail = call.FaultDetailXml();
  EXPECT_NE(detail.find(std::string(kForeignFaultCode)), std::string::npos) << detail;
  EXPECT_NE(detail.find(std::string(kForeignFaultNamespace)), std::string::npos) << detail;
}

// Every field, both correlation ids, the SOAPAction (unquoted) and the raw XML are recorded.
TEST(simWorkOrder, RecordsEveryFieldOfTheRequest) {
  auto sims = StartSimulators();
  WorkOrderCall call(sims->WorkOrderUrl());
  ASSERT_EQ(call.Create(testing::kCustomerNumber, "corr-header-1"), SOAP_OK);
  const auto received = sims->WorkOrderRequests();
  ASSERT_EQ(received.size(), 1u);
  const ReceivedWorkOrder& order = received[0];
  EXPECT_EQ(order.telephone_number, testing::kCustomerNumber);
  EXPECT_EQ(order.account_number, "123456789");
  EXPECT_EQ(order.site_reference, 42);
  EXPECT_EQ(order.migration_type, "TDM_TO_VOC");
  EXPECT_EQ(order.correlation_id, "corr-body-1");
  EXPECT_EQ(order.correlation_header, "corr-header-1");
  EXPECT_EQ(order.soap_action,
            "http://schemas.cableco.example/fieldops/workorder/migration/v1/CreateMigrationWorkOrder");
  EXPECT_EQ(order.order_number, "WO1000000001");
  EXPECT_NE(order.raw_xml.find("<wo:telephoneNumber>447700900123</wo:telephoneNumber>"), std::string::npos)
      << order.raw_xml;
}

// A faulted create is recorded with an empty order number and uses up no number.
TEST(simWorkOrder, RecordsFaultedRequestWithoutOrderNumber) {
  auto sims = StartSimulators();
  WorkOrderCall faulted(sims->WorkOrderUrl());
  WorkOrderCall created(sims->WorkOrderUrl());
  faulted.Create(std::string(kWorkOrderBusinessFaultNumber));
  ASSERT_EQ(created.Create(testing::kCustomerNumber), SOAP_OK);
  const auto received = sims->WorkOrderRequests();
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[0].order_number, "");
  EXPECT_EQ(received[1].order_number, "WO1000000001");
}

// A body that is not SOAP is answered with a SOAP fault and not recorded.
TEST(simWorkOrder, AnswersNonSoapWithFaultAndRecordsNothing) {
  auto sims = StartSimulators();
  httplib::Client client("127.0.0.1", sims->port());
  httplib::Result result = client.Post("/workorder", "{\"not\":\"xml\"}", "application/json");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 500);
  EXPECT_NE(result->body.find("SOAP-ENV:Fault"), std::string::npos);
  EXPECT_TRUE(sims->WorkOrderRequests().empty());
}

// Only the newest kMaxRecords requests are kept (oldest dropped first); order numbers keep counting.
TEST(simWorkOrder, KeepsOnlyTheNewestRecords) {
  StopSignal stop;
  WorkOrderSim sim(0, &stop);
  const std::string body = RequestBody(testing::kCustomerNumber);
  for (std::size_t i = 0; i < WorkOrderSim::kMaxRecords + 1; ++i) {
    ASSERT_EQ(sim.Serve({body, "", ""}).status, 200);
  }
  const std::vector<ReceivedWorkOrder> received = sim.Received();
  ASSERT_EQ(received.size(), WorkOrderSim::kMaxRecords);
  EXPECT_EQ(received.front().order_number, "WO1000000002");
  EXPECT_EQ(received.back().order_number, "WO" + std::to_string(1000000001 + WorkOrderSim::kMaxRecords));
}

}  // namespace
}  // namespace voip::sim
