// XML 1.0 character rules on what the backends answer, end to end: the adapter
// (JSON face) with one backend a canned loopback server and the other a
// simulator. An order number, a fault's code or message, or MIDAS's update
// reference holding "&#0;" (which gSOAP cuts at), an overlong or otherwise
// invalid UTF-8 sequence, a surrogate or a control character is a malformed
// answer: 502 for the work order (outcome unknown, as for any malformed
// create answer), and for MIDAS a success whose update stays pending (never
// parked as if MIDAS had rejected it). A success body under a status other
// than 2xx is malformed too.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>
#include <tuple>

#include "tests/support/adapter_with_simulators.h"
#include "tests/support/canned_backend.h"

namespace voip {
namespace {

using nlohmann::json;
using testing::CannedResponse;

constexpr const char* kCustomer = "447874384949";
constexpr const char* kWoNs = "http://schemas.cableco.example/fieldops/workorder/migration/v1";
constexpr const char* kMidasNs = "http://schemas.cableco.example/midas/customer/migration/v1";
constexpr const char* kWorkOrderMalformed =
    "The work-order system answered with a response that is not a valid SOAP message";
constexpr const char* kMidasMalformedPending =
    "The work order was created, but the customer's migration status could not be updated in MIDAS yet: MIDAS "
    "answered with a response that is not a valid SOAP message. The update is pending: the adapter keeps it and "
    "will deliver it to MIDAS later";

struct BadCharacter {
  const char* name;
  const char* text;
};

const BadCharacter kBadCharacters[] = {
    {"NulReference", "&#0;"},          {"RawControl", "\x01"},           {"OverlongNul", "\xC0\x80"},
    {"OverlongDigit", "\xE0\x80\xB1"}, {"RawSurrogate", "\xED\xA0\x80"}, {"SurrogateReference", "&#xD800;"},
    {"FFFFRaw", "\xEF\xBF\xBF"},       {"Latin1Byte", "\xE9"},           {"BeyondUnicodeReference", "&#1114112;"},
};

std::string Envelope(const char* ns, const char* prefix, const std::string& body) {
  return std::string("<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:") + prefix +
         "=\"" + ns + "\"><soapenv:Body>" + body + "</soapenv:Body></soapenv:Envelope>";
}

CannedResponse WorkOrderCreated(const std::string& order_number) {
  CannedResponse response;
  response.body = Envelope(kWoNs, "wo",
                           "<wo:CreateMigrationWorkOrderResponse><wo:orderNumber>" + order_number +
                               "</wo:orderNumber></wo:CreateMigrationWorkOrderResponse>");
  return response;
}

CannedResponse TypedFault(const char* ns, const char* prefix, const std::string& code, const std::string& message) {
  const std::string p = prefix;
  const std::string element = p == "wo" ? "WorkOrderFault" : "MidasFault";
  CannedResponse response;
  response.status = 500;
  response.body =
      Envelope(ns, prefix,
               "<soapenv:Fault><faultcode>soapenv:Client</faultcode><faultstring>Rejected</faultstring>"
               "<detail><" +
                   p + ":" + element + "><" + p + ":code>" + code + "</" + p + ":code><" + p + ":message>" + message +
                   "</" + p + ":message><" + p + ":category>BUSINESS</" + p + ":category></" + p + ":" + element +
                   "></detail>"
                   "</soapenv:Fault>");
  return response;
}

CannedResponse MidasAcknowledged(const std::string& reference) {
  CannedResponse response;
  response.body = Envelope(kMidasNs, "midas",
                           "<midas:UpdateCustomerMigrationStatusResponse><midas:acknowledged>true</midas:acknowledged>"
                           "<midas:updateReference>" +
                               reference + "</midas:updateReference></midas:UpdateCustomerMigrationStatusResponse>");
  return response;
}

enum class Place {
  kWorkOrderNumber,
  kWorkOrderFaultCode,
  kWorkOrderFaultMessage,
  kMidasReference,
  kMidasFaultCode,
  kMidasFaultMessage
};

std::string PlaceName(Place place) {
  switch (place) {
    case Place::kWorkOrderNumber: return "WorkOrderNumber";
    case Place::kWorkOrderFaultCode: return "WorkOrderFaultCode";
    case Place::kWorkOrderFaultMessage: return "WorkOrderFaultMessage";
    case Place::kMidasReference: return "MidasUpdateReference";
    case Place::kMidasFaultCode: return "MidasFaultCode";
    case Place::kMidasFaultMessage: return "MidasFaultMessage";
  }
  return "";
}

bool AtMidas(Place place) { return place >= Place::kMidasReference; }

// The answer of the canned backend with `bad` inside the value at `place`.
CannedResponse AnswerWith(Place place, const std::string& bad) {
  switch (place) {
    case Place::kWorkOrderNumber: return WorkOrderCreated("WO" + bad + "1");
    case Place::kWorkOrderFaultCode: return TypedFault(kWoNs, "wo", "WO-" + bad + "4711", "Line not eligible");
    case Place::kWorkOrderFaultMessage: return TypedFault(kWoNs, "wo", "WO-4711", "Line " + bad + "not eligible");
    case Place::kMidasReference: return MidasAcknowledged("UPD" + bad + "77");
    case Place::kMidasFaultCode: return TypedFault(kMidasNs, "midas", "M-" + bad + "404", "Unknown account");
    case Place::kMidasFaultMessage: return TypedFault(kMidasNs, "midas", "M-404", "Unknown " + bad + "account");
  }
  return {};
}

// The adapter with the work-order system or MIDAS replaced by a canned backend.
class BackendXmlCharsFixture : public testing::AdapterWithSimulators {
 protected:
  void SetUp() override {}  // each test calls Serve()

  ::testing::AssertionResult Serve(bool canned_work_order) {
    auto started = StartSimulators();
    if (!started) return started;
    (canned_work_order ? config_.work_order : config_.midas).url = canned_.Url();
    return Wire();
  }

  void TearDown() override {
    AdapterWithSimulators::TearDown();
    canned_.Stop();
  }

  static json Body(const httplib::Result& result) { return json::parse(result->body)["CreateVOIPMigrationWorkOrder"]; }

  testing::CannedBackend canned_;
};

class BackendXmlCharsTest : public BackendXmlCharsFixture,
                            public ::testing::WithParamInterface<std::tuple<Place, BadCharacter>> {};

// Work order: 502, one SYSTEM 10686 "not a valid SOAP message", MIDAS told the outcome is unknown.
// MIDAS: 200 with the order number and one pending fault; the update stays pending, not parked.
TEST_P(BackendXmlCharsTest, IsAMalformedAnswer) {
  const auto& [place, bad] = GetParam();
  ASSERT_TRUE(Serve(!AtMidas(place)));
  canned_.Enqueue(AnswerWith(place, bad.text));
  auto result = PostJson(JsonBody(kCustomer));
  ASSERT_TRUE(result);
  EXPECT_EQ(canned_.Requests().size(), 1u);
  const auto entries = OutboxEntries();
  ASSERT_EQ(entries.size(), 1u);
  if (!AtMidas(place)) {
    EXPECT_EQ(result->status, 502) << result->body;
    const json faults = Body(result)["failure"]["fault"];
    ASSERT_EQ(faults.size(), 1u) << result->body;
    EXPECT_EQ(faults[0]["code"], "10686");
    EXPECT_EQ(faults[0]["detail"], kWorkOrderMalformed);
    EXPECT_FALSE(faults[0].contains("origin"));  // nothing of the garbled fault is passed on
    ASSERT_EQ(simulators_->MidasUpdates().size(), 1u);
    EXPECT_EQ(simulators_->MidasUpdates()[0].migration_status, "WORK_ORDER_OUTCOME_UNKNOWN");
    EXPECT_EQ(entries[0].work_order, WorkOrderState::kUnknown);
  } else {
    EXPECT_EQ(result->status, 200) << result->body;
    const json success = Body(result)["success"];
    ASSERT_EQ(simulators_->WorkOrderRequests().size(), 1u);
    EXPECT_EQ(success["orderNumber"], simulators_->WorkOrderRequests()[0].order_number);
    ASSERT_EQ(success["fault"].size(), 1u) << result->body;
    EXPECT_EQ(success["fault"][0]["code"], "10686");
    EXPECT_EQ(success["fault"][0]["detail"], kMidasMalformedPending);
    EXPECT_EQ(entries[0].delivery, DeliveryState::kPending);
  }
}

INSTANTIATE_TEST_SUITE_P(EveryPlaceAndClass, BackendXmlCharsTest,
                         ::testing::Combine(::testing::Values(Place::kWorkOrderNumber, Place::kWorkOrderFaultCode,
                                                              Place::kWorkOrderFaultMessage, Place::kMidasReference,
                                                              Place::kMidasFaultCode, Place::kMidasFaultMessage),
                                            ::testing::ValuesIn(kBadCharacters)),
                         [](const ::testing::TestParamInfo<std::tuple<Place, BadCharacter>>& info) {
                           return PlaceName(std::get<0>(info.param)) + "_" + std::get<1>(info.param).name;
                         });

// A work-order success body under HTTP 500 is malformed: 502, outcome unknown, not a success.
TEST_F(BackendXmlCharsFixture, WorkOrderSuccessUnderHttp500IsMalformed) {
  ASSERT_TRUE(Serve(/*canned_work_order=*/true));
  CannedResponse response = WorkOrderCreated("WO-1");
  response.status = 500;
  canned_.Enqueue(response);
  auto result = PostJson(JsonBody(kCustomer));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 502) << result->body;
  EXPECT_EQ(Body(result)["failure"]["fault"][0]["detail"], kWorkOrderMalformed);
  ASSERT_EQ(simulators_->MidasUpdates().size(), 1u);
  EXPECT_EQ(simulators_->MidasUpdates()[0].migration_status, "WORK_ORDER_OUTCOME_UNKNOWN");
}

// A MIDAS acknowledgement under status 1000 is malformed: the update stays pending.
TEST_F(BackendXmlCharsFixture, MidasAcknowledgementUnderStatus1000IsMalformed) {
  ASSERT_TRUE(Serve(/*canned_work_order=*/false));
  CannedResponse response = MidasAcknowledged("UPD-1");
  response.status = 1000;
  canned_.Enqueue(response);
  auto result = PostJson(JsonBody(kCustomer));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(Body(result)["success"]["fault"][0]["detail"], kMidasMalformedPending);
  const auto entries = OutboxEntries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].delivery, DeliveryState::kPending);
}

}  // namespace
}  // namespace voip
