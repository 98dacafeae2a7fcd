// GsoapWorkOrderSystem against a canned backend: what it sends, and how every
// kind of answer (or non-answer) is classified.
#include "adapter/soap/work_order_client.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <pugixml.hpp>
#include <string>
#include <thread>
#include <vector>

#include "adapter/soap/soap_fault_reader.h"
#include "tests/support/backend_calls.h"
#include "tests/support/canned_backend.h"
#include "tests/support/canned_connection.h"
#include "tests/support/soap_xml.h"

namespace voip {
namespace {

using testing::CannedBackend;
using testing::CannedResponse;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::SampleWorkOrderRequest;

constexpr const char* kWoNs = "http://schemas.cableco.example/fieldops/workorder/migration/v1";
constexpr const char* kSoapAction =
    "http://schemas.cableco.example/fieldops/workorder/migration/v1/CreateMigrationWorkOrder";

std::string Envelope(const std::string& body) {
  return std::string(
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
             "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" "
             "xmlns:wo=\"") +
         kWoNs + "\"><soapenv:Body>" + body + "</soapenv:Body></soapenv:Envelope>";
}

CannedResponse Created(const std::string& order_number_xml) {
  CannedResponse response;
  response.body = Envelope("<wo:CreateMigrationWorkOrderResponse><wo:orderNumber>" + order_number_xml +
                           "</wo:orderNumber><wo:scheduledDate>2024-05-01</wo:scheduledDate>"
                           "</wo:CreateMigrationWorkOrderResponse>");
  return response;
}

CannedResponse Fault(const std::string& faultcode, const std::string& detail) {
  CannedResponse response;
  response.status = 500;
  response.body = Envelope("<soapenv:Fault><faultcode>" + faultcode +
                           "</faultcode><faultstring>Request rejected</faultstring>" + detail + "</soapenv:Fault>");
  return response;
}

CannedResponse WorkOrderFault(const std::string& category) {
  return Fault("soapenv:Client",
               "<detail><wo:WorkOrderFault><wo:code>WO-4711</wo:code>"
               "<wo:message>Line not eligible for VoC</wo:message><wo:category>" +
                   category + "</wo:category></wo:WorkOrderFault></detail>");
}

CallContext Context() { return CallContext{"corr-0001"}; }

BackendError ErrorOf(const BackendResult<WorkOrderCreated>& result) {
  EXPECT_TRUE(std::holds_alternative<BackendError>(result)) << "expected a failure";

  return std::holds_alternative<BackendError>(result) ? std::get<BackendError>(result) : BackendError{};
}

class soapWorkOrderClient : public ::testing::Test {
 protected:
  // A create the backend answers 3 s late, past every time-out here.
  BackendError SlowCreate(const CallContext& context) {
    CannedResponse response = Created("WO-1");
    response.delay_ms = 3000;
    backend_.Enqueue(response);
    return ErrorOf(client_.CreateMigrationWorkOrder(SampleWorkOrderRequest(), context));
  }

  CannedBackend backend_;
  GsoapWorkOrderSystem client_{testing::QuickEndpoint(backend_.Url("/workorder"))};
};

// A successful answer yields the order number.
TEST_F(soapWorkOrderClient, SuccessReturnsOrderNumber) {
  backend_.Enqueue(Created("WO-0000123"));
  auto result = client_.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context());
  ASSERT_TRUE(std::holds_alternative<WorkOrderCreated>(result));
  EXPECT_EQ(std::get<WorkOrderCreated>(result).order_number, "WO-0000123");
}

// The work-order system sees the adapter and its version as the User-Agent, not gSOAP.
TEST_F(soapWorkOrderClient, UserAgentNamesTheAdapterAndItsVersion) {
  backend_.Enqueue(Created("WO-1"));
  ASSERT_TRUE(
      std::holds_alternative<WorkOrderCreated>(client_.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context())));
  const auto requests = backend_.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].Header("User-Agent"), std::string("voip-migration-adapter/") + VOIP_PROJECT_VERSION);
}

// The request is one SOAP 1.1 POST with the contract's elements, namespace,
// SOAPAction and the correlation id in the body and in X-Correlation-ID.
TEST_F(soapWorkOrderClient, SendsContractRequest) {
  backend_.Enqueue(Created("WO-1"));
  EXPECT_TRUE(
      std::holds_alternative<WorkOrderCreated>(client_.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context())));
  const auto requests = backend_.Requests();
  ASSERT_EQ(requests.size(), 1u);
  const auto& sent = requests[0];
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.path, "/workorder");
  EXPECT_THAT(sent.Header("Content-Type"), HasSubstr("text/xml"));
  EXPECT_EQ(sent.Header("SOAPAction"), std::string("\"") + kSoapAction + "\"");
  EXPECT_EQ(sent.Header("X-Correlation-ID"), "corr-0001");

  pugi::xml_document document;
  ASSERT_TRUE(document.load_string(sent.body.c_str()));
  const pugi::xml_node payload = testing::SoapBodyPayload(document);
  ASSERT_TRUE(payload);
  EXPECT_EQ(testing::LocalName(payload), "CreateMigrationWorkOrderRequest");
  EXPECT_EQ(testing::NamespaceUri(payload), kWoNs);
  const std::string ns = std::string("{") + kWoNs + "}";
  EXPECT_THAT(testing::ChildNames(payload),
              ElementsAre(ns + "telephoneNumber", ns + "accountNumber", ns + "siteReference", ns + "migrationType",
                          ns + "requestingSystem", ns + "correlationId"));
  auto text = [&](const char* local) {
    for (pugi::xml_node child : payload.children()) {
      if (testing::LocalName(child) == local) return std::string(child.text().get());
    }
    return std::string("<absent>");
  };
  EXPECT_EQ(text("telephoneNumber"), "447874384949");
  EXPECT_EQ(text("accountNumber"), "123456789");
  EXPECT_EQ(text("siteReference"), "42");
  EXPECT_EQ(text("migrationType"), "TDM_TO_VOC");
  EXPECT_EQ(text("requestingSystem"), "SPM-VOIP-MIGRATION-ADAPTER");
  EXPECT_EQ(text("correlationId"), "corr-0001");
}

// CR/LF in the correlation id cannot inject an HTTP header.
TEST_F(soapWorkOrderClient, CorrelationIdCannotInjectHeaders) {
  backend_.Enqueue(Created("WO-1"));
  EXPECT_TRUE(std::holds_alternative<WorkOrderCreated>(
      client_.CreateMigrationWorkOrder(SampleWorkOrderRequest(), CallContext{"abc\r\nX-Injected: 1"})));
  const auto requests = backend_.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].Header("X-Injected"), "");
  EXPECT_EQ(requests[0].Header("X-Correlation-ID"), "abcX-Injected: 1");
}

// A typed WorkOrderFault with category BUSINESS is a business fault with the backend's code and message.
TEST_F(soapWorkOrderClient, TypedBusinessFault) {
  backend_.Enqueue(WorkOrderFault("BUSINESS"));
  const BackendError error = ErrorOf(client_.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context()));
  EXPECT_EQ(error.kind, BackendErrorKind::kBusinessFault);
  EXPECT_EQ(error.backend_code, "WO-4711");
  EXPECT_EQ(error.backend_message, "Line not eligible for VoC");
  EXPECT_THAT(error.diagnostic, HasSubstr("gSOAP error 12,"));  // measured: SOAP_FAULT
  EXPECT_FALSE(error.NothingWasDone());
}

// A typed fault's code and message are cut to kMaxFaultFieldBytes (on a UTF-8
// boundary), as those read from an undeclared detail are. Found by the
// backend answer fuzzer: they reached the consumer's answer whole.
TEST_F(soapWorkOrderClient, TypedFaultFieldsAreBounded) {
  std::string long_message;
  for (int i = 0; i < 3000; ++i) long_message += "\xC3\xA9";  // é, two bytes
  CannedResponse fault = WorkOrderFault("BUSINESS");
  fault.body.replace(fault.body.find("WO-4711"), 7, std::string(5000, 'C'));
  fault.body.replace(fault.body.find("Line not eligible for VoC"), 25, long_message);
  backend_.Enqueue(fault);
  const BackendError error = ErrorOf(client_.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context()));
  EXPECT_EQ(error.kind, BackendErrorKind::kBusinessFault);
  EXPECT_EQ(error.backend_code, std::string(soap::kMaxFaultFieldBytes, 'C'));
  EXPECT_EQ(error.backend_message, long_message.substr(0, soap::kMaxFaultFieldBytes));
  EXPECT_EQ(backend_.Requests().size(), 1u);
}

// A typed WorkOrderFault with category SYSTEM is a system fault.
TEST_F(soapWorkOrderClient, TypedSystemFault) {
  CannedResponse fault = WorkOrderFault("SYSTEM");
  fault.body.replace(fault.body.find("soapenv:Client"), 14, "soapenv:Server");
  backend_.Enqueue(fault);
  const BackendError error = ErrorOf(client_.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context()));
  EXPECT_EQ(error.kind, BackendErrorKind::kSystemFault);
  EXPECT_EQ(error.backend_code, "WO-4711");
  EXPECT_THAT(error.diagnostic, HasSubstr("gSOAP error 12,"));  // measured: SOAP_FAULT
}

// A fault with an undeclared detail is untyped, with code and message read from that detail.
TEST_F(soapWorkOrderClient, UnknownDetailFaultIsUntypedWithExtractedFields) {
  backend_.Enqueue(Fault("soapenv:Server",
                         "<detail><err:ErrorInfo xmlns:err=\"urn:legacy:errors\">"
                         "<err:errorCode>DB-17</err:errorCode>"
                         "<err:errorMessage>Database unavailable</err:errorMessage>"
                         "</err:ErrorInfo></detail>"));
  const BackendError error = ErrorOf(client_.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context()));
  EXPECT_EQ(error.kind, BackendErrorKind::kUntypedFault);
  EXPECT_EQ(error.backend_code, "DB-17");
  EXPECT_EQ(error.backend_message, "Database unavailable");
  EXPECT_THAT(error.diagnostic, HasSubstr("gSOAP error 12,"));  // measured: SOAP_FAULT
}

// A fault without detail is untyped, falling back to faultcode and faultstring.
TEST_F(soapWorkOrderClient, FaultWithoutDetailFallsBackToFaultString) {
  backend_.Enqueue(Fault("soapenv:Server", ""));
  const BackendError error = ErrorOf(client_.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context()));
  EXPECT_EQ(error.kind, BackendErrorKind::kUntypedFault);
  EXPECT_EQ(error.backend_message, "Request rejected");
  EXPECT_THAT(error.backend_code, HasSubstr("Server"));
}

// An HTML error page with status 500 is an HTTP error carrying the status.
TEST_F(soapWorkOrderClient, Http500HtmlPageIsHttpError) {
  CannedResponse page;
  page.status = 500;
  page.content_type = "text/html";
  page.body = "<!DOCTYPE html><html><body><h1>Internal Server Error</h1></body></html>";
  backend_.Enqueue(page);
  const BackendError error = ErrorOf(client_.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context()));
  EXPECT_EQ(error.kind, BackendErrorKind::kHttpError);
  EXPECT_EQ(error.http_status, 500);
}

// A 503 with a plain-text body is an HTTP error 503.
TEST_F(soapWorkOrderClient, Http503IsHttpError) {
  CannedResponse page;
  page.status = 503;
  page.content_type = "text/plain";
  page.body = "Service Unavailable";
  backend_.Enqueue(page);
  const BackendError error = ErrorOf(client_.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context()));
  EXPECT_EQ(error.kind, BackendErrorKind::kHttpError);
  EXPECT_EQ(error.http_status, 503);
}

// An HTML page with status 200 is a malformed response.
TEST_F(soapWorkOrderClient, Html200IsMalformed) {
  CannedResponse page;
  page.content_type = "text/html";
  page.body = "<html><body>Welcome to the portal</body></html>";
  backend_.Enqueue(page);
  const BackendError error = ErrorOf(client_.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context()));
  EXPECT_EQ(error.kind, BackendErrorKind::kMalformedResponse);
  EXPECT_THAT(error.diagnostic, HasSubstr("gSOAP error 3:"));  // measured: SOAP_TAG_MISMATCH
}

// XML with a mismatched end tag is a malformed response (strict mode).
TEST_F(soapWorkOrderClient, MismatchedEndTagIsMalformed) {
  CannedResponse response = Created("WO-1");
  response.body.replace(response.body.find("</wo:orderNumber>"), 17, "</wo:orderNumbr>");
  backend_.Enqueue(response);
  const BackendError error = ErrorOf(client_.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context()));
  EXPECT_EQ(error.kind, BackendErrorKind::kMalformedResponse);
}

// A response element other than the declared one is a malformed response.
TEST_F(soapWorkOrderClient, WrongResponseElementIsMalformed) {
  CannedResponse response;
  response.body = Envelope("<wo:SomethingElse><wo:orderNumber>WO-1</wo:orderNumber></wo:SomethingElse>");
  backend_.Enqueue(response);
  const BackendError error = ErrorOf(client_.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context()));
  EXPECT_EQ(error.kind, BackendErrorKind::kMalformedResponse);
}

// A response without the required orderNumber is a malformed response.
TEST_F(soapWorkOrderClient, MissingOrderNumberIsMalformed) {
  CannedResponse response;
  response.body = Envelope("<wo:CreateMigrationWorkOrderResponse/>");
  backend_.Enqueue(response);
  const BackendError error = ErrorOf(client_.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context()));
  EXPECT_EQ(error.kind, BackendErrorKind::kMalformedResponse);
}

// A response carrying a DOCTYPE is rejected as malformed, even if otherwise valid.
TEST_F(soapWorkOrderClient, DoctypeIsRejected) {
  CannedResponse response = Created("WO-1");
  response.body.insert(response.body.find("<soapenv:Envelope"), "<!DOCTYPE x [<!ENTITY e \"boom\">]>");
  backend_.Enqueue(response);
  const BackendError error = ErrorOf(client_.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context()));
  EXPECT_EQ(error.kind, BackendErrorKind::kMalformedResponse);
  EXPECT_THAT(error.diagnostic, HasSubstr("DOCTYPE"));
}

// A plain answer whose Content-Length ends it inside the XML is malformed at once: the client
// does not read past the framing waiting for the rest (it would end as a time-out instead).
TEST_F(soapWorkOrderClient, AnswerCutByItsContentLengthIsMalformed) {
  CannedResponse response = Created("WO-1");
  response.body = response.body.substr(0, response.body.find("</wo:orderNumber>"));
  backend_.Enqueue(response);
  const BackendError error = ErrorOf(client_.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context()));
  EXPECT_EQ(error.kind, BackendErrorKind::kMalformedResponse) << error.diagnostic;
  EXPECT_THAT(error.diagnostic, HasSubstr("ended inside the XML"));
  EXPECT_EQ(backend_.Requests().size(), 1u);
}

// A DOCTYPE in any letter case, after many other elements, is found too.
TEST_F(soapWorkOrderClient, MixedCaseDoctypeIsRejected) {
  CannedResponse response = Created("WO-1");
  std::string padding;
  for (int i = 0; i < 200; ++i) padding += "<!-- < <! <!D <!doc -->";
  response.body.insert(response.body.find("<soapenv:Envelope"), padding + "<!DocType x>");
  backend_.Enqueue(response);
  const BackendError error = ErrorOf(client_.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context()));
  EXPECT_EQ(error.kind, BackendErrorKind::kMalformedResponse);
  EXPECT_THAT(error.diagnostic, HasSubstr("DOCTYPE"));
}

// Text that only resembles a DOCTYPE ("<!doc", "<!DOCTYP") is not refused.
TEST_F(soapWorkOrderClient, NearDoctypeIsAccepted) {
  CannedResponse response = Created("WO-3");
  response.body.insert(response.body.find("<soapenv:Envelope"), "<!-- <!doc <!DOCTYP -->");
  backend_.Enqueue(response);
  auto result = client_.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context());
  ASSERT_TRUE(std::holds_alternative<WorkOrderCreated>(result)) << std::get<BackendError>(result).diagnostic;
}

// The client does not ask for compression (it costs more than it saves on small answers).
TEST_F(soapWorkOrderClient, DoesNotAskForCompression) {
  backend_.Enqueue(Created("WO-1"));
  ASSERT_TRUE(
      std::holds_alternative<WorkOrderCreated>(client_.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context())));
  ASSERT_EQ(backend_.Requests().size(), 1u);
  EXPECT_EQ(backend_.Requests()[0].Header("Accept-Encoding"), "");
  EXPECT_EQ(backend_.Requests()[0].Header("Content-Type"), "text/xml; charset=utf-8");
}

// A gzip-compressed answer the client did not ask for is still read.
TEST_F(soapWorkOrderClient, UnaskedCompressedAnswerIsRead) {
  CannedResponse response = Created("WO-77");
  response.gzip = true;
  backend_.Enqueue(response);
  auto result = client_.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context());
  ASSERT_TRUE(std::holds_alternative<WorkOrderCreated>(result)) << std::get<BackendError>(result).diagnostic;
  EXPECT_EQ(std::get<WorkOrderCreated>(result).order_number, "WO-77");
}

// An answer larger than the 1 MiB receive limit is refused, not read to the end
// (sent gzip-compressed, so that the limit is shown to hold for the inflated size).
// The client waits 2 s, not 300 ms: reading the 1 MiB up to the limit is no
// time-out even through the sanitizer-instrumented gSOAP runtime on a busy machine.
TEST_F(soapWorkOrderClient, OversizedCompressedAnswerIsRefused) {
  CannedResponse response = Created("WO-1");
  response.body.insert(response.body.find("<wo:CreateMigrationWorkOrderResponse>"), std::string(2 * 1024 * 1024, ' '));
  response.gzip = true;
  backend_.Enqueue(response);
  GsoapWorkOrderSystem client(testing::SampleEndpoint(backend_.Url("/workorder")));
  const BackendError error = ErrorOf(client.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context()));
  EXPECT_EQ(error.kind, BackendErrorKind::kMalformedResponse);
  EXPECT_THAT(error.diagnostic, HasSubstr("gSOAP error -1:"));  // measured: SOAP_EOF
}

// A deeply nested unknown fault detail (kept by gSOAP as raw text) is read
// safely: an untyped fault, its code found at depth by the iterative reader.
TEST_F(soapWorkOrderClient, DeeplyNestedUnknownDetailIsReadSafely) {
  std::string nested;
  for (int i = 0; i < 2000; ++i) nested += "<x>";
  nested += "<errorCode>DEEP-1</errorCode>";
  for (int i = 0; i < 2000; ++i) nested += "</x>";
  backend_.Enqueue(Fault("soapenv:Server", "<detail>" + nested + "</detail>"));
  const BackendError error = ErrorOf(client_.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context()));
  EXPECT_EQ(error.kind, BackendErrorKind::kUntypedFault);
  EXPECT_EQ(error.backend_code, "DEEP-1");
}

// The same limit holds for an uncompressed answer (the same 2 s wait).
TEST_F(soapWorkOrderClient, OversizedPlainAnswerIsRefused) {
  CannedResponse response = Created("WO-1");
  response.content_type = "application/soap+xml; charset=utf-8";  // not compressed by cpp-httplib
  response.body.insert(response.body.find("<wo:CreateMigrationWorkOrderResponse>"), std::string(2 * 1024 * 1024, ' '));
  backend_.Enqueue(response);
  GsoapWorkOrderSystem client(testing::SampleEndpoint(backend_.Url("/workorder")));
  const BackendError error = ErrorOf(client.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context()));
  EXPECT_EQ(error.kind, BackendErrorKind::kMalformedResponse);
  EXPECT_THAT(error.diagnostic, HasSubstr("larger than"));
}

// An order number with a control character (legal in gSOAP as &#1;) is a
// malformed answer, not passed on to the consumer and MIDAS. Found by the
// backend answer fuzzer.
TEST_F(soapWorkOrderClient, OrderNumberWithControlCharacterIsMalformed) {
  backend_.Enqueue(Created("WO&#1;17"));
  const BackendError error = ErrorOf(client_.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context()));
  EXPECT_EQ(error.kind, BackendErrorKind::kMalformedResponse);
  EXPECT_THAT(error.diagnostic, HasSubstr("a character XML 1.0 does not allow"));
  EXPECT_EQ(backend_.Requests().size(), 1u);
}

// A C1 control character (U+0085, which XML 1.0 allows) in an order number is still refused: the
// order number must be passable as it is.
TEST_F(soapWorkOrderClient, OrderNumberWithC1ControlCharacterIsMalformed) {
  backend_.Enqueue(Created("WO&#x85;17"));
  const BackendError error = ErrorOf(client_.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context()));
  EXPECT_EQ(error.kind, BackendErrorKind::kMalformedResponse);
  EXPECT_THAT(error.diagnostic, HasSubstr("control characters"));
}

// An order number whose bytes are not UTF-8 (an encoded surrogate, which gSOAP
// lets through) is a malformed answer.
TEST_F(soapWorkOrderClient, OrderNumberThatIsNotUtf8IsMalformed) {
  backend_.Enqueue(
      Created("WO\xED\xA0\x80"
              "17"));
  const BackendError error = ErrorOf(client_.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context()));
  EXPECT_EQ(error.kind, BackendErrorKind::kMalformedResponse);
  EXPECT_THAT(error.diagnostic, HasSubstr("surrogate"));
}

// A blank order number is a malformed answer, like a missing one.
TEST_F(soapWorkOrderClient, BlankOrderNumberIsMalformed) {
  backend_.Enqueue(Created("   "));
  const BackendError error = ErrorOf(client_.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context()));
  EXPECT_EQ(error.kind, BackendErrorKind::kMalformedResponse);
  EXPECT_THAT(error.diagnostic, HasSubstr("blank"));
}

// An order number of 20 characters outside ASCII is accepted as it is.
TEST_F(soapWorkOrderClient, NonAsciiOrderNumberIsAccepted) {
  std::string order_number;
  for (int i = 0; i < 20; ++i) order_number += "\xC3\xA9";
  backend_.Enqueue(Created(order_number));
  const auto result = client_.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context());
  ASSERT_TRUE(std::holds_alternative<WorkOrderCreated>(result));
  EXPECT_EQ(std::get<WorkOrderCreated>(result).order_number, order_number);
}

// An HTTP status below 100 is a malformed answer, not the gSOAP error of the same
// number (20: out of memory, which would be a 500 from the adapter). Found by
// the backend answer fuzzer.
TEST_F(soapWorkOrderClient, StatusTwentyIsMalformedNotOutOfMemory) {
  CannedResponse response = Created("WO-1");
  response.status = 20;
  backend_.Enqueue(response);
  const BackendError error = ErrorOf(client_.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context()));
  EXPECT_EQ(error.kind, BackendErrorKind::kMalformedResponse) << error.diagnostic;
  EXPECT_THAT(error.diagnostic, HasSubstr("HTTP status 20, not valid HTTP"));
  EXPECT_EQ(backend_.Requests().size(), 1u);
}

// Likewise status 28 is a malformed answer, not a time-out (gSOAP's 28).
TEST_F(soapWorkOrderClient, StatusTwentyEightIsMalformedNotTimeout) {
  CannedResponse response = Created("WO-1");
  response.status = 28;
  backend_.Enqueue(response);
  const BackendError error = ErrorOf(client_.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context()));
  EXPECT_EQ(error.kind, BackendErrorKind::kMalformedResponse) << error.diagnostic;
  EXPECT_THAT(error.diagnostic, HasSubstr("HTTP status 28, not valid HTTP"));
  EXPECT_EQ(backend_.Requests().size(), 1u);
}

// An answer whose first line is not an HTTP status line is malformed: gSOAP reads
// it as a request and refuses it with a 405 of its own, which the backend never
// sent, so it must not be reported as the backend's HTTP status. Found by the
// backend answer fuzzer.
TEST(soapWorkOrderClientRawAnswer, AnswerWithoutStatusLineIsMalformedNotHttp405) {
  GsoapWorkOrderSystem client(testing::SampleEndpoint("http://work-order.invalid/workorder"),
                              testing::ConnectToCannedAnswer);
  const std::string envelope = Created("WO-1").body;
  const std::string answer =
      "HTTP/1.1 abc\r\nContent-Type: text/xml\r\nContent-Length: " + std::to_string(envelope.size()) + "\r\n\r\n" +
      envelope;
  testing::SetNextAnswer(answer);
  const BackendError error = ErrorOf(client.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context()));
  testing::CloseCannedConnections();
  EXPECT_EQ(error.kind, BackendErrorKind::kMalformedResponse) << error.diagnostic;
  EXPECT_EQ(error.http_status, 0);
  EXPECT_THAT(error.diagnostic, HasSubstr("without a valid HTTP status line"));
  EXPECT_EQ(client.ConnectionsOpened(), 1u);
}

// An answer cut off mid-body (connection closed) is malformed, not a time-out: the backend
// answered, badly; the outcome is unknown all the same.
TEST_F(soapWorkOrderClient, TruncatedAnswerIsMalformed) {
  CannedResponse response = Created("WO-1");
  response.ending = CannedResponse::Ending::kCloseMidResponse;
  backend_.Enqueue(response);
  const BackendError error = ErrorOf(client_.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context()));
  EXPECT_EQ(error.kind, BackendErrorKind::kMalformedResponse);
  EXPECT_THAT(error.diagnostic, HasSubstr("gSOAP error -1:"));  // measured: SOAP_EOF
  EXPECT_THAT(error.diagnostic, HasSubstr("answer cut short"));
  EXPECT_FALSE(error.NothingWasDone());
}

// An answer slower than timeout_ms is a time-out, returned within a bound.
TEST_F(soapWorkOrderClient, SlowAnswerTimesOut) {
  CannedResponse response = Created("WO-1");
  response.delay_ms = 3000;
  backend_.Enqueue(response);
  const auto start = std::chrono::steady_clock::now();
  const BackendError error = ErrorOf(client_.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context()));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(error.kind, BackendErrorKind::kTimeout);
  EXPECT_THAT(error.diagnostic, HasSubstr("gSOAP error -1:"));  // measured: SOAP_EOF
  EXPECT_GE(elapsed, std::chrono::milliseconds(250));
  EXPECT_LT(elapsed, std::chrono::milliseconds(2500));  // below the answer's 3 s: the time-out ended it
}

// A time-out at the request's deadline, shorter than the endpoint's own 300 ms, is marked as
// cut short by it.
TEST_F(soapWorkOrderClient, TimeOutAtTheRequestDeadlineIsMarkedCutShort) {
  const CallContext context{"corr-0001", std::chrono::steady_clock::now() + std::chrono::milliseconds(100)};
  const BackendError error = SlowCreate(context);
  EXPECT_EQ(error.kind, BackendErrorKind::kTimeout);
  EXPECT_TRUE(error.cut_by_request_deadline);
  EXPECT_EQ(backend_.Requests().size(), 1u);
}

// A time-out at the endpoint's own 300 ms, well before the request's deadline, is the backend's.
TEST_F(soapWorkOrderClient, TimeOutAtItsOwnLimitIsNotMarkedCutShort) {
  const CallContext context{"corr-0001", std::chrono::steady_clock::now() + std::chrono::seconds(10)};
  const BackendError error = SlowCreate(context);
  EXPECT_EQ(error.kind, BackendErrorKind::kTimeout);
  EXPECT_FALSE(error.cut_by_request_deadline);
  EXPECT_EQ(backend_.Requests().size(), 1u);
}

// A closed port is a connect failure: nothing was sent, so it is safe to retry.
TEST(soapWorkOrderClientConnect, ConnectionRefusedIsConnectFailed) {
  GsoapWorkOrderSystem client(
      testing::QuickEndpoint("http://127.0.0.1:" + std::to_string(testing::ClosedLoopbackPort()) + "/wo"));
  const BackendError error = ErrorOf(client.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context()));
  EXPECT_EQ(error.kind, BackendErrorKind::kConnectFailed);
  EXPECT_TRUE(error.NothingWasDone());
  EXPECT_THAT(error.diagnostic, HasSubstr("gSOAP error 28:"));  // measured: SOAP_TCP_ERROR
}

// An unresolvable host name is a connect failure.
TEST(soapWorkOrderClientConnect, UnknownHostIsConnectFailed) {
  GsoapWorkOrderSystem client(testing::QuickEndpoint("http://no-such-host.invalid:8080/wo"));
  const BackendError error = ErrorOf(client.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context()));
  EXPECT_EQ(error.kind, BackendErrorKind::kConnectFailed);
  EXPECT_THAT(error.diagnostic, HasSubstr("gSOAP error 28:"));
}

// Five calls reuse one keep-alive TCP connection.
TEST_F(soapWorkOrderClient, KeepAliveReusesOneConnection) {
  for (int i = 0; i < 5; ++i) {
    backend_.Enqueue(Created("WO-" + std::to_string(i)));
    auto result = client_.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context());
    ASSERT_TRUE(std::holds_alternative<WorkOrderCreated>(result)) << i;
  }
  EXPECT_EQ(backend_.Requests().size(), 5u);
  EXPECT_EQ(backend_.ConnectionCount(), 1u);
}

// The client counts the TCP connections it opened: one for five calls on a kept connection,
// one more after an answer that forced the connection closed (an HTML error page).
TEST_F(soapWorkOrderClient, CountsConnectionsOpened) {
  EXPECT_EQ(client_.ConnectionsOpened(), 0u);
  for (int i = 0; i < 5; ++i) {
    backend_.Enqueue(Created("WO-" + std::to_string(i)));
    ASSERT_TRUE(
        std::holds_alternative<WorkOrderCreated>(client_.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context())))
        << i;
  }
  EXPECT_EQ(client_.ConnectionsOpened(), 1u);
  CannedResponse html;
  html.status = 500;
  html.content_type = "text/html";
  html.body = "<html><body>Internal Server Error</body></html>";
  backend_.Enqueue(html);
  EXPECT_EQ(ErrorOf(client_.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context())).kind,
            BackendErrorKind::kHttpError);
  backend_.Enqueue(Created("WO-6"));
  ASSERT_TRUE(
      std::holds_alternative<WorkOrderCreated>(client_.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context())));
  EXPECT_EQ(client_.ConnectionsOpened(), 2u);
  EXPECT_EQ(backend_.ConnectionCount(), 2u);
}

// A refused connect is not counted as a connection opened.
TEST(soapWorkOrderClientConnect, RefusedConnectIsNotCounted) {
  GsoapWorkOrderSystem client(
      testing::QuickEndpoint("http://127.0.0.1:" + std::to_string(testing::ClosedLoopbackPort()) + "/wo"));
  EXPECT_EQ(ErrorOf(client.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context())).kind,
            BackendErrorKind::kConnectFailed);
  EXPECT_EQ(client.ConnectionsOpened(), 0u);
}

// Concurrent calls on one client all succeed; idle connections are reused up to max_idle_connections.
TEST_F(soapWorkOrderClient, ConcurrentCallsAreSafe) {
  backend_.SetDefault(Created("WO-9"));
  // Generous time-outs: a burst of connects may meet the listen backlog of 5.
  BackendEndpoint endpoint = testing::QuickEndpoint(backend_.Url("/workorder"));
  endpoint.connect_timeout_ms = 5000;
  endpoint.timeout_ms = 5000;
  GsoapWorkOrderSystem client(endpoint);
  std::vector<std::thread> threads;
  std::atomic<int> successes{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        auto result = client.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context());
        if (std::holds_alternative<WorkOrderCreated>(result))
          ++successes;
        else
          ADD_FAILURE() << std::get<BackendError>(result).diagnostic;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(successes.load(), 160);
  EXPECT_LE(backend_.ConnectionCount(), 8u + 160u / 2);  // bounded, mostly reused
}

// A kept connection closed by the backend without an answer is NOT retried for a create; the
// close is not a time-out: kConnectionClosed (outcome unknown).
TEST_F(soapWorkOrderClient, CreateIsNeverRetriedOnClosedKeptConnection) {
  backend_.Enqueue(Created("WO-1"));
  CannedResponse drop;
  drop.ending = CannedResponse::Ending::kCloseWithoutAnswer;
  backend_.Enqueue(drop);
  backend_.Enqueue(Created("WO-2"));
  ASSERT_TRUE(
      std::holds_alternative<WorkOrderCreated>(client_.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context())));
  const BackendError error = ErrorOf(client_.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context()));
  EXPECT_EQ(error.kind, BackendErrorKind::kConnectionClosed);
  EXPECT_THAT(error.diagnostic, HasSubstr("connection closed by the backend"));
  EXPECT_FALSE(error.NothingWasDone());
  EXPECT_EQ(backend_.Requests().size(), 2u);
}

// A loopback backend that answers each request with keep-alive, then closes
// the connection once it has been idle for 100 ms (as servers with a short
// keep-alive time-out do). Counts connections, requests and idle closes.
class IdleClosingBackend {
 public:
  explicit IdleClosingBackend(std::string answer) : answer_(std::move(answer)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    ::listen(listener_, 8);
    thread_ = std::thread([this] { Serve(); });
  }
  ~IdleClosingBackend() {
    ::shutdown(listener_, SHUT_RDWR);
    ::close(listener_);
    thread_.join();
  }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/workorder"; }
  int connections() const { return connections_; }
  int requests() const { return requests_; }
  int idle_closes() const { return idle_closes_; }

 private:
  // One request: the head, then Content-Length bytes of body. False when the
  // connection was idle for 100 ms (or closed) before a whole request came.
  static bool ReadRequest(int connection) {
    std::string received;
    char buffer[4096];
    for (;;) {
      const std::size_t head_end = received.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        const std::size_t at = received.find("Content-Length: ");
        const std::size_t body = at == std::string::npos ? 0 : std::stoul(received.substr(at + 16));
        if (received.size() >= head_end + 4 + body) return true;
      }
      const ssize_t n = ::recv(connection, buffer, sizeof buffer, 0);
      if (n <= 0) return false;
      received.append(buffer, static_cast<std::size_t>(n));
    }
  }

  void Serve() {
    for (;;) {
      const int connection = ::accept(listener_, nullptr, nullptr);
      if (connection < 0) return;
      ++connections_;
      timeval idle{0, 100 * 1000};
      ::setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &idle, sizeof idle);
      while (ReadRequest(connection)) {
        ++requests_;
        const std::string reply = "HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: " +
                                  std::to_string(answer_.size()) + "\r\n\r\n" + answer_;
        ::send(connection, reply.data(), reply.size(), MSG_NOSIGNAL);
      }
      ::close(connection);
      ++idle_closes_;
    }
  }

  const std::string answer_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<int> connections_{0};
  std::atomic<int> requests_{0};
  std::atomic<int> idle_closes_{0};
  std::thread thread_;
};

// A kept connection the backend closed while idle is detected and replaced before sending:
// the next create succeeds on a new connection, and each call sent exactly one create.
TEST(soapWorkOrderClientKeepAlive, ConnectionClosedWhileIdleIsReplacedBeforeSending) {
  IdleClosingBackend backend(Created("WO-1").body);
  GsoapWorkOrderSystem client(testing::QuickEndpoint(backend.Url()));
  ASSERT_TRUE(
      std::holds_alternative<WorkOrderCreated>(client.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context())));
  for (int i = 0; i < 500 && backend.idle_closes() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // until the backend closed it
  }
  ASSERT_EQ(backend.idle_closes(), 1);
  const auto second = client.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context());
  ASSERT_TRUE(std::holds_alternative<WorkOrderCreated>(second)) << ErrorOf(second).diagnostic;
  EXPECT_EQ(backend.requests(), 2);
  EXPECT_EQ(backend.connections(), 2);
  EXPECT_EQ(client.StaleConnectionsReplaced(), 1u);
}

// Markup characters and non-ASCII text are escaped on the way out and decoded on the way in.
TEST_F(soapWorkOrderClient, SpecialCharactersRoundTrip) {
  backend_.Enqueue(Created("WO&lt;&amp;]]&gt;Ü€"));
  WorkOrderRequest request = SampleWorkOrderRequest();
  request.account_number = "A<&]]>\"'Zoë€";
  auto result = client_.CreateMigrationWorkOrder(request, CallContext{"ctx-<&]]>"});
  ASSERT_TRUE(std::holds_alternative<WorkOrderCreated>(result));
  EXPECT_EQ(std::get<WorkOrderCreated>(result).order_number, "WO<&]]>Ü€");

  const auto requests = backend_.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_THAT(requests[0].body, Not(HasSubstr("<&]]>")));
  pugi::xml_document document;
  ASSERT_TRUE(document.load_string(requests[0].body.c_str()));
  const pugi::xml_node payload = testing::SoapBodyPayload(document);
  EXPECT_EQ(std::string(payload.child("wo:accountNumber").text().get()), "A<&]]>\"'Zoë€");
  EXPECT_EQ(std::string(payload.child("wo:correlationId").text().get()), "ctx-<&]]>");
}

// ----- XML 1.0 character rules on answers (adapter/soap/xml_chars.h) -------------

// What gSOAP would otherwise cut or pass on, in the order number: each is a malformed answer.
class soapWorkOrderClientBadCharacter : public soapWorkOrderClient,
                                        public ::testing::WithParamInterface<const char*> {};

TEST_P(soapWorkOrderClientBadCharacter, InOrderNumberIsMalformed) {
  backend_.Enqueue(Created(std::string("WO") + GetParam() + "1"));
  const BackendError error = ErrorOf(client_.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context()));
  EXPECT_EQ(error.kind, BackendErrorKind::kMalformedResponse) << error.diagnostic;
  EXPECT_THAT(error.diagnostic, HasSubstr("answer holds "));
  EXPECT_EQ(backend_.Requests().size(), 1u);
}

// The same in a typed fault's code and message: malformed, not the backend's fault.
TEST_P(soapWorkOrderClientBadCharacter, InFaultCodeOrMessageIsMalformed) {
  for (const char* field : {"code", "message"}) {
    const std::string code = std::string(field) == "code" ? std::string("WO-") + GetParam() + "1" : "WO-4711";
    const std::string message = std::string(field) == "message" ? std::string("Line ") + GetParam() + "x" : "Line";
    backend_.Enqueue(Fault("soapenv:Client", "<detail><wo:WorkOrderFault><wo:code>" + code + "</wo:code><wo:message>" +
                                                 message +
                                                 "</wo:message><wo:category>BUSINESS</wo:category>"
                                                 "</wo:WorkOrderFault></detail>"));
    const BackendError error = ErrorOf(client_.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context()));
    EXPECT_EQ(error.kind, BackendErrorKind::kMalformedResponse) << field << ": " << error.diagnostic;
    EXPECT_TRUE(error.backend_code.empty());
  }
}

INSTANTIATE_TEST_SUITE_P(EveryClass, soapWorkOrderClientBadCharacter,
                         ::testing::Values("&#0;", "&#x0;", "\x01", "&#27;", "\xEF\xBF\xBF", "&#xFFFE;", "\xED\xA0\x80",
                                           "&#55296;", "\xC0\x80", "\xE0\x80\xB1", "\xE9", "&#1114112;", "&#X41;"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           return "Case" + std::to_string(info.index);
                         });

// A chunked answer is checked as gSOAP reads it: a character split by the chunk framing is fine...
TEST(soapWorkOrderClientRawAnswer, ChunkedAnswerWithCharacterSplitByChunksIsRead) {
  GsoapWorkOrderSystem client(testing::SampleEndpoint("http://work-order.invalid/workorder"),
                              testing::ConnectToCannedAnswer);
  const std::string envelope = Created(
                                   "WO\xE2\x82\xAC"
                                   "1")
                                   .body;                       // WO€1
  const std::size_t split = envelope.find("\xE2\x82\xAC") + 1;  // inside the €
  auto chunk = [](const std::string& data) {
    char size[16];
    std::snprintf(size, sizeof size, "%zx", data.size());
    return std::string(size) + "\r\n" + data + "\r\n";
  };
  const std::string answer = "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n" +
                             chunk(envelope.substr(0, split)) + chunk(envelope.substr(split)) + "0\r\n\r\n";
  testing::SetNextAnswer(answer);
  const auto result = client.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context());
  testing::CloseCannedConnections();
  ASSERT_TRUE(std::holds_alternative<WorkOrderCreated>(result)) << std::get<BackendError>(result).diagnostic;
  EXPECT_EQ(std::get<WorkOrderCreated>(result).order_number,
            "WO\xE2\x82\xAC"
            "1");
}

// ...and a "&#0;" split by the chunk framing is still found.
TEST(soapWorkOrderClientRawAnswer, ChunkedAnswerWithSplitNulReferenceIsMalformed) {
  GsoapWorkOrderSystem client(testing::SampleEndpoint("http://work-order.invalid/workorder"),
                              testing::ConnectToCannedAnswer);
  const std::string envelope = Created("WO&#0;1").body;
  const std::size_t split = envelope.find("&#0;") + 2;
  auto chunk = [](const std::string& data) {
    char size[16];
    std::snprintf(size, sizeof size, "%zx", data.size());
    return std::string(size) + "\r\n" + data + "\r\n";
  };
  const std::string answer = "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nTransfer-Encoding: chunked\r\n\r\n" +
                             chunk(envelope.substr(0, split)) + chunk(envelope.substr(split)) + "0\r\n\r\n";
  testing::SetNextAnswer(answer);
  const BackendError error = ErrorOf(client.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context()));
  testing::CloseCannedConnections();
  EXPECT_EQ(error.kind, BackendErrorKind::kMalformedResponse) << error.diagnostic;
  EXPECT_THAT(error.diagnostic, HasSubstr("XML 1.0 does not allow"));
}

// HTTP headers whose lines end with LF alone (which gSOAP reads): the body is checked all the same...
TEST(soapWorkOrderClientRawAnswer, AnswerWithLfOnlyHeadersIsChecked) {
  GsoapWorkOrderSystem client(testing::SampleEndpoint("http://work-order.invalid/workorder"),
                              testing::ConnectToCannedAnswer);
  const std::string envelope = Created("WO&#0;1").body;
  const std::string answer =
      "HTTP/1.1 200 OK\nContent-Type: text/xml\nContent-Length: " + std::to_string(envelope.size()) + "\n\n" + envelope;
  testing::SetNextAnswer(answer);
  const BackendError error = ErrorOf(client.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context()));
  testing::CloseCannedConnections();
  EXPECT_EQ(error.kind, BackendErrorKind::kMalformedResponse) << error.diagnostic;
  EXPECT_THAT(error.diagnostic, HasSubstr("XML 1.0 does not allow"));
}

// ...and a good one is read right.
TEST(soapWorkOrderClientRawAnswer, GoodAnswerWithLfOnlyHeadersIsRead) {
  GsoapWorkOrderSystem client(testing::SampleEndpoint("http://work-order.invalid/workorder"),
                              testing::ConnectToCannedAnswer);
  const std::string envelope = Created("WO-7").body;
  const std::string answer =
      "HTTP/1.1 200 OK\nContent-Type: text/xml\nContent-Length: " + std::to_string(envelope.size()) + "\n\n" + envelope;
  testing::SetNextAnswer(answer);
  const auto result = client.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context());
  testing::CloseCannedConnections();
  ASSERT_TRUE(std::holds_alternative<WorkOrderCreated>(result)) << std::get<BackendError>(result).diagnostic;
  EXPECT_EQ(std::get<WorkOrderCreated>(result).order_number, "WO-7");
}

// A compressed answer is checked after inflating: "&#0;" inside it is found.
TEST_F(soapWorkOrderClient, CompressedAnswerWithNulReferenceIsMalformed) {
  CannedResponse response = Created("WO&#0;1");
  response.gzip = true;
  backend_.Enqueue(response);
  const BackendError error = ErrorOf(client_.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context()));
  EXPECT_EQ(error.kind, BackendErrorKind::kMalformedResponse) << error.diagnostic;
  EXPECT_THAT(error.diagnostic, HasSubstr("XML 1.0 does not allow"));
}

// On a kept connection each answer is checked on its own: a bad one between two good ones.
TEST_F(soapWorkOrderClient, EachKeptAliveAnswerIsCheckedOnItsOwn) {
  backend_.Enqueue(Created("WO-1"));
  backend_.Enqueue(Created("WO&#0;2"));
  backend_.Enqueue(Created("WO-3"));
  EXPECT_TRUE(
      std::holds_alternative<WorkOrderCreated>(client_.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context())));
  EXPECT_EQ(ErrorOf(client_.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context())).kind,
            BackendErrorKind::kMalformedResponse);
  const auto third = client_.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context());
  ASSERT_TRUE(std::holds_alternative<WorkOrderCreated>(third));
  EXPECT_EQ(std::get<WorkOrderCreated>(third).order_number, "WO-3");
}

// A success body under an HTTP status other than 2xx is malformed, not a success.
class soapWorkOrderClientSuccessStatus : public soapWorkOrderClient, public ::testing::WithParamInterface<int> {};

TEST_P(soapWorkOrderClientSuccessStatus, SuccessBodyUnderNon2xxIsMalformed) {
  CannedResponse response = Created("WO-1");
  response.status = GetParam();
  backend_.Enqueue(response);
  const BackendError error = ErrorOf(client_.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context()));
  EXPECT_EQ(error.kind, BackendErrorKind::kMalformedResponse) << error.diagnostic;
  EXPECT_EQ(backend_.Requests().size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Statuses, soapWorkOrderClientSuccessStatus, ::testing::Values(500, 1000));

// 200 and the other 2xx statuses still carry a success.
TEST_F(soapWorkOrderClient, SuccessBodyUnder2xxIsSuccess) {
  CannedResponse response = Created("WO-1");
  response.status = 202;
  backend_.Enqueue(response);
  EXPECT_TRUE(
      std::holds_alternative<WorkOrderCreated>(client_.CreateMigrationWorkOrder(SampleWorkOrderRequest(), Context())));
}

}  // namespace
}  // namespace voip
