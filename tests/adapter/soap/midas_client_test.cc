// GsoapMidas against a canned backend: what it sends, fault mapping and the one
// bounded retry on a kept connection the backend had closed.
#include "adapter/soap/midas_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <list>
#include <pugixml.hpp>
#include <string>

#include "adapter/soap/soap_fault_reader.h"
#include "tests/support/backend_calls.h"
#include "tests/support/canned_backend.h"
#include "tests/support/soap_xml.h"

namespace voip {
namespace {

using testing::CannedBackend;
using testing::CannedResponse;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr const char* kMidasNs = "http://schemas.cableco.example/midas/customer/migration/v1";
constexpr const char* kSoapAction =
    "http://schemas.cableco.example/midas/customer/migration/v1/UpdateCustomerMigrationStatus";

std::string Envelope(const std::string& body) {
  return std::string(
             "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" "
             "xmlns:midas=\"") +
         kMidasNs + "\"><soapenv:Body>" + body + "</soapenv:Body></soapenv:Envelope>";
}

CannedResponse Acknowledged() {
  CannedResponse response;
  response.body = Envelope(
      "<midas:UpdateCustomerMigrationStatusResponse><midas:acknowledged>true</midas:acknowledged>"
      "<midas:updateReference>UPD-77</midas:updateReference>"
      "</midas:UpdateCustomerMigrationStatusResponse>");
  return response;
}

// The text of `payload`'s child `local`, or "<absent>".
std::string ChildText(const pugi::xml_node& payload, const std::string& local) {
  for (pugi::xml_node child : payload.children()) {
    if (testing::LocalName(child) == local) return child.text().get();
  }
  return "<absent>";
}

class soapMidasClient : public ::testing::Test {
 protected:
  pugi::xml_node SentPayload(std::size_t index) {
    const auto requests = backend_.Requests();
    if (index >= requests.size()) return {};
    documents_.emplace_back();
    documents_.back().load_string(requests[index].body.c_str());
    return testing::SoapBodyPayload(documents_.back());
  }

  CannedBackend backend_;
  GsoapMidas client_{testing::QuickEndpoint(backend_.Url("/midas"))};
  std::list<pugi::xml_document> documents_;
};

// An acknowledged update returns the update reference.
TEST_F(soapMidasClient, AcknowledgedUpdateReturnsReference) {
  backend_.Enqueue(Acknowledged());
  auto result = client_.UpdateCustomerMigrationStatus(testing::SampleStatusUpdate(), CallContext{"corr-9"});
  ASSERT_TRUE(std::holds_alternative<MidasAcknowledged>(result));
  EXPECT_EQ(std::get<MidasAcknowledged>(result).update_reference, "UPD-77");
}

// MIDAS sees the adapter and its version as the User-Agent, not gSOAP.
TEST_F(soapMidasClient, UserAgentNamesTheAdapterAndItsVersion) {
  backend_.Enqueue(Acknowledged());
  ASSERT_TRUE(std::holds_alternative<MidasAcknowledged>(
      client_.UpdateCustomerMigrationStatus(testing::SampleStatusUpdate(), CallContext{"corr-9"})));
  const auto requests = backend_.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].Header("User-Agent"), std::string("voip-migration-adapter/") + VOIP_PROJECT_VERSION);
}

// WORK_ORDER_CREATED is sent with the order number, no reason, the contract's
// element order and namespace, SOAPAction and X-Correlation-ID.
TEST_F(soapMidasClient, SendsCreatedStatusWithOrderNumber) {
  backend_.Enqueue(Acknowledged());
  EXPECT_TRUE(std::holds_alternative<MidasAcknowledged>(
      client_.UpdateCustomerMigrationStatus(testing::SampleStatusUpdate(), CallContext{"corr-9"})));
  const auto requests = backend_.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].Header("SOAPAction"), std::string("\"") + kSoapAction + "\"");
  EXPECT_EQ(requests[0].Header("X-Correlation-ID"), "corr-9");
  const pugi::xml_node payload = SentPayload(0);
  ASSERT_TRUE(payload);
  EXPECT_EQ(testing::LocalName(payload), "UpdateCustomerMigrationStatusRequest");
  EXPECT_EQ(testing::NamespaceUri(payload), kMidasNs);
  const std::string ns = std::string("{") + kMidasNs + "}";
  EXPECT_THAT(testing::ChildNames(payload),
              ElementsAre(ns + "accountNumber", ns + "siteReference", ns + "telephoneNumber", ns + "migrationStatus",
                          ns + "orderNumber", ns + "correlationId"));
  EXPECT_EQ(ChildText(payload, "accountNumber"), "123456789");
  EXPECT_EQ(ChildText(payload, "siteReference"), "42");
  EXPECT_EQ(ChildText(payload, "telephoneNumber"), "447874384949");
  EXPECT_EQ(ChildText(payload, "migrationStatus"), "WORK_ORDER_CREATED");
  EXPECT_EQ(ChildText(payload, "orderNumber"), "WO-1");
}

// Each status maps to its schema enumeration value.
TEST_F(soapMidasClient, StatusEnumerationValues) {
  const MigrationStatus statuses[] = {MigrationStatus::kWorkOrderCreated, MigrationStatus::kWorkOrderFailed,
                                      MigrationStatus::kWorkOrderOutcomeUnknown};
  for (MigrationStatus status : statuses) {
    backend_.Enqueue(Acknowledged());
    MigrationStatusUpdate update = testing::SampleStatusUpdate();
    update.status = status;
    EXPECT_TRUE(
        std::holds_alternative<MidasAcknowledged>(client_.UpdateCustomerMigrationStatus(update, CallContext{"c"})));
  }
  EXPECT_EQ(ChildText(SentPayload(0), "migrationStatus"), "WORK_ORDER_CREATED");
  EXPECT_EQ(ChildText(SentPayload(1), "migrationStatus"), "WORK_ORDER_FAILED");
  EXPECT_EQ(ChildText(SentPayload(2), "migrationStatus"), "WORK_ORDER_OUTCOME_UNKNOWN");
}

// A reason longer than 512 characters is cut to 512 characters (not bytes),
// escaped, and the absent order number is omitted.
TEST_F(soapMidasClient, ReasonIsTruncatedAndEscaped) {
  backend_.Enqueue(Acknowledged());
  MigrationStatusUpdate update = testing::SampleStatusUpdate();
  update.status = MigrationStatus::kWorkOrderFailed;
  update.order_number.reset();
  std::string reason = "<&]]>";
  while (reason.size() < 2000) reason += "Ü€";
  update.reason = reason;
  EXPECT_TRUE(
      std::holds_alternative<MidasAcknowledged>(client_.UpdateCustomerMigrationStatus(update, CallContext{"c"})));
  const pugi::xml_node payload = SentPayload(0);
  EXPECT_EQ(ChildText(payload, "orderNumber"), "<absent>");
  const std::string sent = ChildText(payload, "reason");
  EXPECT_EQ(sent.substr(0, 5), "<&]]>");
  std::size_t characters = 0;
  for (unsigned char c : sent) characters += (c & 0xC0) != 0x80;
  EXPECT_EQ(characters, 512u);
  EXPECT_EQ(sent, reason.substr(0, sent.size()));
}

// A typed MidasFault with category BUSINESS is a business fault with its code and message.
TEST_F(soapMidasClient, TypedBusinessFault) {
  CannedResponse fault;
  fault.status = 500;
  fault.body = Envelope(
      "<soapenv:Fault><faultcode>soapenv:Client</faultcode><faultstring>No such customer"
      "</faultstring><detail><midas:MidasFault><midas:code>M-404</midas:code>"
      "<midas:message>Unknown account</midas:message><midas:category>BUSINESS</midas:category>"
      "</midas:MidasFault></detail></soapenv:Fault>");
  backend_.Enqueue(fault);
  auto result = client_.UpdateCustomerMigrationStatus(testing::SampleStatusUpdate(), CallContext{"c"});
  ASSERT_TRUE(std::holds_alternative<BackendError>(result));
  const BackendError& error = std::get<BackendError>(result);
  EXPECT_EQ(error.kind, BackendErrorKind::kBusinessFault);
  EXPECT_EQ(error.backend_code, "M-404");
  EXPECT_EQ(error.backend_message, "Unknown account");
}

// A typed MidasFault's code and message are cut to kMaxFaultFieldBytes.
TEST_F(soapMidasClient, TypedFaultFieldsAreBounded) {
  CannedResponse fault;
  fault.status = 500;
  fault.body = Envelope(
      "<soapenv:Fault><faultcode>soapenv:Client</faultcode><faultstring>No such customer"
      "</faultstring><detail><midas:MidasFault><midas:code>" +
      std::string(3000, 'C') + "</midas:code><midas:message>" + std::string(3000, 'm') +
      "</midas:message><midas:category>SYSTEM</midas:category></midas:MidasFault></detail></soapenv:Fault>");
  backend_.Enqueue(fault);
  auto result = client_.UpdateCustomerMigrationStatus(testing::SampleStatusUpdate(), CallContext{"c"});
  ASSERT_TRUE(std::holds_alternative<BackendError>(result));
  const BackendError& error = std::get<BackendError>(result);
  EXPECT_EQ(error.kind, BackendErrorKind::kSystemFault);
  EXPECT_EQ(error.backend_code, std::string(soap::kMaxFaultFieldBytes, 'C'));
  EXPECT_EQ(error.backend_message, std::string(soap::kMaxFaultFieldBytes, 'm'));
  EXPECT_EQ(backend_.Requests().size(), 1u);
}

// acknowledged=false is not a success.
TEST_F(soapMidasClient, NotAcknowledgedIsSystemFault) {
  CannedResponse response;
  response.body = Envelope(
      "<midas:UpdateCustomerMigrationStatusResponse><midas:acknowledged>false"
      "</midas:acknowledged></midas:UpdateCustomerMigrationStatusResponse>");
  backend_.Enqueue(response);
  auto result = client_.UpdateCustomerMigrationStatus(testing::SampleStatusUpdate(), CallContext{"c"});
  ASSERT_TRUE(std::holds_alternative<BackendError>(result));
  EXPECT_EQ(std::get<BackendError>(result).kind, BackendErrorKind::kSystemFault);
}

// A kept connection the backend closed without answering is retried once, on a new connection.
TEST_F(soapMidasClient, ClosedKeptConnectionIsRetriedOnce) {
  backend_.Enqueue(Acknowledged());
  CannedResponse drop;
  drop.ending = CannedResponse::Ending::kCloseWithoutAnswer;
  backend_.Enqueue(drop);
  backend_.Enqueue(Acknowledged());
  ASSERT_TRUE(std::holds_alternative<MidasAcknowledged>(
      client_.UpdateCustomerMigrationStatus(testing::SampleStatusUpdate(), CallContext{"c"})));
  auto result = client_.UpdateCustomerMigrationStatus(testing::SampleStatusUpdate(), CallContext{"c"});
  EXPECT_TRUE(std::holds_alternative<MidasAcknowledged>(result));
  EXPECT_EQ(backend_.Requests().size(), 3u);
  EXPECT_EQ(backend_.ConnectionCount(), 2u);
}

// The retry is bounded: a new connection closed without an answer is not retried again.
TEST_F(soapMidasClient, RetryIsBoundedToOne) {
  backend_.Enqueue(Acknowledged());
  CannedResponse drop;
  drop.ending = CannedResponse::Ending::kCloseWithoutAnswer;
  backend_.SetDefault(drop);
  ASSERT_TRUE(std::holds_alternative<MidasAcknowledged>(
      client_.UpdateCustomerMigrationStatus(testing::SampleStatusUpdate(), CallContext{"c"})));
  auto result = client_.UpdateCustomerMigrationStatus(testing::SampleStatusUpdate(), CallContext{"c"});
  ASSERT_TRUE(std::holds_alternative<BackendError>(result));
  EXPECT_EQ(std::get<BackendError>(result).kind, BackendErrorKind::kConnectionClosed);
  EXPECT_EQ(backend_.Requests().size(), 3u);
}

// A time-out is not retried (only a closed kept connection is).
TEST_F(soapMidasClient, TimeoutIsNotRetried) {
  CannedResponse slow = Acknowledged();
  slow.delay_ms = 2000;
  backend_.Enqueue(slow);
  auto result = client_.UpdateCustomerMigrationStatus(testing::SampleStatusUpdate(), CallContext{"c"});
  ASSERT_TRUE(std::holds_alternative<BackendError>(result));
  EXPECT_EQ(std::get<BackendError>(result).kind, BackendErrorKind::kTimeout);
  EXPECT_EQ(backend_.Requests().size(), 1u);
}

// A closed port is a connect failure (no retry needed: nothing was sent).
TEST(soapMidasClientConnect, ConnectionRefusedIsConnectFailed) {
  GsoapMidas client(
      testing::QuickEndpoint("http://127.0.0.1:" + std::to_string(testing::ClosedLoopbackPort()) + "/midas"));
  auto result = client.UpdateCustomerMigrationStatus(testing::SampleStatusUpdate(), CallContext{"c"});
  ASSERT_TRUE(std::holds_alternative<BackendError>(result));
  EXPECT_EQ(std::get<BackendError>(result).kind, BackendErrorKind::kConnectFailed);
  EXPECT_THAT(std::get<BackendError>(result).diagnostic, HasSubstr("gSOAP error 28:"));
}

// ----- XML 1.0 character rules on answers (adapter/soap/xml_chars.h) -------------

CannedResponse MidasFaultWith(const std::string& code, const std::string& message) {
  CannedResponse fault;
  fault.status = 500;
  fault.body = Envelope(
      "<soapenv:Fault><faultcode>soapenv:Client</faultcode><faultstring>No such customer"
      "</faultstring><detail><midas:MidasFault><midas:code>" +
      code +
      "</midas:code>"
      "<midas:message>" +
      message +
      "</midas:message><midas:category>BUSINESS</midas:category>"
      "</midas:MidasFault></detail></soapenv:Fault>");
  return fault;
}

// "&#0;" (gSOAP would cut there), an overlong NUL or a surrogate in the update reference: malformed.
TEST_F(soapMidasClient, BadCharacterInUpdateReferenceIsMalformed) {
  for (const char* bad : {"&#0;", "\xC0\x80", "&#xD800;"}) {
    CannedResponse response = Acknowledged();
    response.body.replace(response.body.find("UPD-77"), 6, std::string("UPD") + bad + "77");
    backend_.Enqueue(response);
    auto result = client_.UpdateCustomerMigrationStatus(testing::SampleStatusUpdate(), CallContext{"c"});
    ASSERT_TRUE(std::holds_alternative<BackendError>(result)) << bad;
    EXPECT_EQ(std::get<BackendError>(result).kind, BackendErrorKind::kMalformedResponse);
    EXPECT_THAT(std::get<BackendError>(result).diagnostic, HasSubstr("answer holds "));
  }
  EXPECT_EQ(backend_.Requests().size(), 3u);  // not repeated: a malformed answer is an answer
}

// The same in a typed fault's code or message: malformed, not MIDAS's business fault.
TEST_F(soapMidasClient, BadCharacterInFaultCodeOrMessageIsMalformed) {
  backend_.Enqueue(MidasFaultWith("M-&#0;404", "Unknown account"));
  backend_.Enqueue(MidasFaultWith("M-404", "Unknown \x01 account"));
  for (int i = 0; i < 2; ++i) {
    auto result = client_.UpdateCustomerMigrationStatus(testing::SampleStatusUpdate(), CallContext{"c"});
    ASSERT_TRUE(std::holds_alternative<BackendError>(result));
    EXPECT_EQ(std::get<BackendError>(result).kind, BackendErrorKind::kMalformedResponse) << i;
    EXPECT_TRUE(std::get<BackendError>(result).backend_code.empty());
  }
}

// An acknowledgement under HTTP 500 (or a status like 1000) is malformed, not an acknowledgement.
TEST_F(soapMidasClient, AcknowledgementUnderNon2xxIsMalformed) {
  for (int status : {500, 1000}) {
    CannedResponse response = Acknowledged();
    response.status = status;
    backend_.Enqueue(response);
    auto result = client_.UpdateCustomerMigrationStatus(testing::SampleStatusUpdate(), CallContext{"c"});
    ASSERT_TRUE(std::holds_alternative<BackendError>(result)) << status;
    EXPECT_EQ(std::get<BackendError>(result).kind, BackendErrorKind::kMalformedResponse) << status;
  }
}

}  // namespace
}  // namespace voip
