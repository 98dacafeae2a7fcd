// DispatchSoap, the in-memory gSOAP service driver, without any socket.
#include "adapter/soap/soap_dispatch.h"

#include <gtest/gtest.h>

#include <string>

#include "soapH.h"
#include "soapWorkOrderBindingService.h"

namespace voip::soap {
namespace {

constexpr char kEnvelope11[] = "http://schemas.xmlsoap.org/soap/envelope/";
constexpr char kEnvelope12[] = "http://www.w3.org/2003/05/soap-envelope";

std::string Envelope(const std::string& request_children, const char* envelope_ns = kEnvelope11,
                     const std::string& prolog = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n") {
  return prolog + "<env:Envelope xmlns:env=\"" + envelope_ns +
         "\" xmlns:wo=\"http://schemas.cableco.example/fieldops/workorder/migration/v1\">"
         "<env:Body><wo:CreateMigrationWorkOrderRequest>" +
         request_children + "</wo:CreateMigrationWorkOrderRequest></env:Body></env:Envelope>";
}

std::string Request(const std::string& telephone, const std::string& account = "123456789") {
  return "<wo:telephoneNumber>" + telephone + "</wo:telephoneNumber><wo:accountNumber>" + account +
         "</wo:accountNumber><wo:siteReference>42</wo:siteReference>"
         "<wo:migrationType>TDM_TO_VOC</wo:migrationType>";
}

// A work-order service that echoes the account number as the order number,
// faults for telephone "fault" and takes the reply over for "stop".
class EchoService : public WorkOrderBindingService {
 public:
  EchoService(struct soap* ctx, int* calls) : WorkOrderBindingService(ctx), calls_(calls) {}
  WorkOrderBindingService* copy() override { return nullptr; }
  int CreateMigrationWorkOrder(_wo__CreateMigrationWorkOrderRequest* request,
                               _wo__CreateMigrationWorkOrderResponse& response) override {
    ++*calls_;
    if (request->telephoneNumber == "fault") return soap_senderfault("rejected", nullptr);
    if (request->telephoneNumber == "stop") return SOAP_STOP;
    response.orderNumber = request->accountNumber;
    return SOAP_OK;
  }

 private:
  int* calls_;
};

class SoapDispatchTest : public ::testing::Test {
 protected:
  SoapDispatchResult Dispatch(const std::string& body, SoapLimits limits = {}) {
    return DispatchSoap(
        body,
        [this](struct soap* ctx) {
          EchoService service(ctx, &calls_);
          return service.dispatch();
        },
        limits);
  }
  int calls_ = 0;
};

// A valid SOAP 1.1 request reaches the operation and its answer comes back as 200 text/xml.
TEST_F(SoapDispatchTest, DispatchesValidEnvelopeToTheOperation) {
  SoapDispatchResult result = Dispatch(Envelope(Request("447700900123")));
  EXPECT_EQ(calls_, 1);
  EXPECT_EQ(result.soap_error, SOAP_OK);
  EXPECT_EQ(result.reply.status, 200);
  EXPECT_EQ(result.reply.content_type, "text/xml; charset=utf-8");
  EXPECT_NE(result.reply.body.find("<wo:orderNumber>123456789</wo:orderNumber>"), std::string::npos)
      << result.reply.body;
}

// Truncated XML is answered with a SOAP 1.1 Client fault and HTTP 500, without calling the operation.
TEST_F(SoapDispatchTest, AnswersTruncatedXmlWithClientFault) {
  std::string body = Envelope(Request("447700900123"));
  body.resize(body.size() / 2);
  SoapDispatchResult result = Dispatch(body);
  EXPECT_EQ(calls_, 0);
  EXPECT_NE(result.soap_error, SOAP_OK);
  EXPECT_EQ(result.reply.status, 500);
  EXPECT_NE(result.reply.body.find("<faultcode>SOAP-ENV:Client</faultcode>"), std::string::npos) << result.reply.body;
}

// Strict mode: a mismatched end tag is a fault (gSOAP accepts it without SOAP_XML_STRICT).
TEST_F(SoapDispatchTest, RejectsMismatchedEndTag) {
  std::string body = Envelope(Request("447700900123"));
  const std::string good = "</wo:accountNumber>";
  body.replace(body.find(good), good.size(), "</wo:accountNumbr>");
  SoapDispatchResult result = Dispatch(body);
  EXPECT_EQ(calls_, 0);
  EXPECT_EQ(result.reply.status, 500);
  EXPECT_NE(result.reply.body.find("SOAP-ENV:Fault"), std::string::npos);
}

// Strict mode: an element the schema does not declare is a fault.
TEST_F(SoapDispatchTest, RejectsUndeclaredElement) {
  SoapDispatchResult result = Dispatch(Envelope(Request("447700900123") + "<wo:surprise>1</wo:surprise>"));
  EXPECT_EQ(calls_, 0);
  EXPECT_EQ(result.reply.status, 500);
  EXPECT_NE(result.reply.body.find("SOAP-ENV:Fault"), std::string::npos);
}

// Strict mode: a missing required element is a fault.
TEST_F(SoapDispatchTest, RejectsMissingRequiredElement) {
  SoapDispatchResult result =
      Dispatch(Envelope("<wo:telephoneNumber>447700900123</wo:telephoneNumber><wo:siteReference>42</wo:siteReference>"
                        "<wo:migrationType>TDM_TO_VOC</wo:migrationType>"));
  EXPECT_EQ(calls_, 0);
  EXPECT_EQ(result.reply.status, 500);
}

// A DOCTYPE (here an XXE attempt) is refused before parsing, with a fault naming DTDs.
TEST_F(SoapDispatchTest, RefusesDoctype) {
  const std::string prolog =
      "<?xml version=\"1.0\"?>\n<!DOCTYPE env:Envelope [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n";
  SoapDispatchResult result = Dispatch(Envelope(Request("447700900123", "&xxe;"), kEnvelope11, prolog));
  EXPECT_EQ(calls_, 0);
  EXPECT_EQ(result.reply.status, 500);
  EXPECT_NE(result.reply.body.find("DTDs are not allowed"), std::string::npos) << result.reply.body;
  EXPECT_EQ(result.reply.body.find("root:"), std::string::npos);
}

// A body above SoapLimits::max_bytes is refused with 413 and a Client fault, unparsed.
TEST_F(SoapDispatchTest, RefusesOversizedBodyWith413) {
  SoapLimits limits;
  limits.max_bytes = 256;
  SoapDispatchResult result = Dispatch(Envelope(Request("447700900123")), limits);
  EXPECT_EQ(calls_, 0);
  EXPECT_EQ(result.reply.status, 413);
  EXPECT_NE(result.reply.body.find("<faultcode>SOAP-ENV:Client</faultcode>"), std::string::npos);
}

// SoapLimits::max_depth bounds XML nesting: a depth-3 limit refuses even a valid request.
TEST_F(SoapDispatchTest, RefusesNestingDeeperThanLimit) {
  SoapLimits limits;
  limits.max_depth = 3;
  SoapDispatchResult result = Dispatch(Envelope(Request("447700900123")), limits);
  EXPECT_EQ(calls_, 0);
  EXPECT_EQ(result.soap_error, SOAP_LEVEL);
  EXPECT_EQ(result.reply.status, 500);
}

// 100,000 nested unknown header elements are refused before parsing (gSOAP's
// maxlevel does not cover skipped header blocks), with no operation call.
TEST_F(SoapDispatchTest, RefusesVeryDeepUnknownHeader) {
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "<x>";
  for (int i = 0; i < 100000; ++i) deep += "</x>";
  std::string body = Envelope(Request("447700900123"));
  const std::string body_tag = "<env:Body>";
  body.insert(body.find(body_tag), "<env:Header>" + deep + "</env:Header>");
  SoapDispatchResult result = Dispatch(body);
  EXPECT_EQ(result.reply.status, 500);
  EXPECT_NE(result.reply.body.find("XML nested deeper than the allowed depth"), std::string::npos);
  EXPECT_EQ(calls_, 0);
}

// A body element no operation handles is a fault.
TEST_F(SoapDispatchTest, AnswersUnknownOperationWithFault) {
  SoapDispatchResult result = Dispatch(
      "<env:Envelope xmlns:env=\"http://schemas.xmlsoap.org/soap/envelope/\"><env:Body>"
      "<x:Unknown xmlns:x=\"urn:x\"/></env:Body></env:Envelope>");
  EXPECT_EQ(calls_, 0);
  EXPECT_EQ(result.soap_error, SOAP_NO_METHOD);
  EXPECT_EQ(result.reply.status, 500);
  EXPECT_NE(result.reply.body.find("SOAP-ENV:Fault"), std::string::npos);
}

// A SOAP 1.2 request is answered in SOAP 1.2 with application/soap+xml.
TEST_F(SoapDispatchTest, AnswersSoap12InSoap12) {
  SoapDispatchResult result = Dispatch(Envelope(Request("447700900123"), kEnvelope12));
  EXPECT_EQ(result.reply.status, 200);
  EXPECT_EQ(result.reply.content_type, "application/soap+xml; charset=utf-8");
  EXPECT_NE(result.reply.body.find(kEnvelope12), std::string::npos);
}

// After a SOAP 1.2 message, the thread's context answers the next, unversioned
// garbage in SOAP 1.1 again: nothing of the previous envelope version survives.
TEST_F(SoapDispatchTest, NextMessageDoesNotInheritSoap12) {
  ASSERT_EQ(Dispatch(Envelope(Request("447700900123"), kEnvelope12)).reply.status, 200);
  SoapDispatchResult result = Dispatch("not xml");
  EXPECT_EQ(result.reply.status, 500);
  EXPECT_EQ(result.reply.content_type, "text/xml; charset=utf-8");
  EXPECT_NE(result.reply.body.find(kEnvelope11), std::string::npos);
  EXPECT_EQ(result.reply.body.find(kEnvelope12), std::string::npos);
}

// An announced version wins: a SOAP 1.2 envelope where 1.1 is announced is a
// SOAP 1.1 VersionMismatch fault (HTTP 500), and the operation is not called.
TEST_F(SoapDispatchTest, AnnouncedVersionMismatchIsVersionMismatchFault) {
  SoapDispatchResult result = DispatchSoap(
      Envelope(Request("447700900123"), kEnvelope12),
      [this](struct soap* ctx) {
        EchoService service(ctx, &calls_);
        return service.dispatch();
      },
      {}, SoapVersion::k11);
  EXPECT_EQ(calls_, 0);
  EXPECT_EQ(result.soap_error, SOAP_VERSIONMISMATCH);
  EXPECT_EQ(result.reply.status, 500);
  EXPECT_NE(result.reply.body.find(kEnvelope11), std::string::npos);
  EXPECT_NE(result.reply.body.find("VersionMismatch"), std::string::npos);
}

// SOAP 1.2 Sender faults travel with HTTP 400, SOAP 1.1 Client faults with 500.
TEST_F(SoapDispatchTest, MapsSoap12SenderFaultTo400) {
  EXPECT_EQ(Dispatch(Envelope(Request("fault"), kEnvelope12)).reply.status, 400);
  EXPECT_EQ(Dispatch(Envelope(Request("fault"), kEnvelope11)).reply.status, 500);
}

// An operation's fault on a SOAP 1.2 request is shaped as SOAP 1.2 (Code/Reason), not as 1.1.
TEST_F(SoapDispatchTest, ShapesSoap12FaultsAsSoap12) {
  SoapDispatchResult result = Dispatch(Envelope(Request("fault"), kEnvelope12));
  EXPECT_NE(result.reply.body.find("<SOAP-ENV:Value>SOAP-ENV:Sender</SOAP-ENV:Value>"), std::string::npos)
      << result.reply.body;
  EXPECT_NE(result.reply.body.find("rejected"), std::string::npos);
  EXPECT_EQ(result.reply.body.find("<faultcode>"), std::string::npos);
}

// An operation returning SOAP_STOP leaves the HTTP answer to the caller.
TEST_F(SoapDispatchTest, StopHandsTheReplyToTheCaller) {
  SoapDispatchResult result = Dispatch(Envelope(Request("stop")));
  EXPECT_EQ(calls_, 1);
  EXPECT_TRUE(result.taken_over);
  EXPECT_TRUE(result.reply.body.empty());
}

// Non-ASCII text survives the round trip byte for byte (SOAP_C_UTFSTRING).
TEST_F(SoapDispatchTest, KeepsUtf8Intact) {
  const std::string account = "Zo\xC3\xAB-\xCE\xA9-\xE2\x82\xAC";  // Zoë-Ω-€
  SoapDispatchResult result = Dispatch(Envelope(Request("447700900123", account)));
  EXPECT_NE(result.reply.body.find("<wo:orderNumber>" + account + "</wo:orderNumber>"), std::string::npos)
      << result.reply.body;
}

// The per-thread context is reused: many messages in a row keep working (memory freed per message).
TEST_F(SoapDispatchTest, ServesManyMessagesOnOneThread) {
  const std::string body = Envelope(Request("447700900123"));
  for (int i = 0; i < 2000; ++i) {
    ASSERT_EQ(Dispatch(body).reply.status, 200) << "message " << i;
  }
  EXPECT_EQ(calls_, 2000);
}

}  // namespace
}  // namespace voip::soap
