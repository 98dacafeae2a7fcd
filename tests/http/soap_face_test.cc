// The SOAP face without sockets: envelope -> core input, outcome -> response,
// and every envelope that cannot be processed -> a SOAP Fault, core untouched.
#include "http/soap_face.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "http/json_face.h"
#include "tests/support/fake_backends.h"
#include "tests/support/fake_outbox.h"
#include "tests/support/soap_answer.h"
#include "tests/support/soap_xml.h"

namespace voip {
namespace {

using nlohmann::json;
using testing::CreateRequest;
using testing::kSoap11EnvelopeNs;
using testing::kSoap12EnvelopeNs;
using testing::ReadSoapAnswer;
using testing::SoapEnvelope;

constexpr const char* kSoap11 = "text/xml; charset=utf-8";
constexpr const char* kSoap12 = "application/soap+xml; charset=utf-8";
const std::string kQuotedAction = std::string("\"") + kCreateSoapAction + "\"";

class SoapFaceTest : public ::testing::Test {
 protected:
  // Serves `body` with the core recording its input and answering `outcome_`.
  soap::HttpReply Serve(const std::string& body, const std::string& content_type = kSoap11,
                        std::optional<std::string> soap_action = kQuotedAction) {
    const SoapCall call{body, content_type, std::move(soap_action)};
    SoapAnswer answer = ServeSoap(
        call,
        [this](const SoapOperation& operation) -> CoreAnswer {
          inputs_.push_back(operation.input);
          keys_.push_back(operation.idempotency_key);
          return {outcome_, replay_};
        },
        limits_);
    EXPECT_EQ(answer.outcome.has_value(), !inputs_.empty());
    return answer.reply;
  }

  // Serves `body` through the real flow with fakes that fail the test if called.
  soap::HttpReply ServeThroughFlow(const std::string& body, const std::string& content_type = kSoap11) {
    MigrationFlow flow(work_order_, midas_, outbox_);
    const SoapCall call{body, content_type, kQuotedAction};
    return ServeSoap(
               call,
               [&flow](const SoapOperation& operation) -> CoreAnswer {
                 return {flow.Run(operation.input, CallContext{"c-1"}), std::nullopt};
               },
               limits_)
        .reply;
  }

  // What the JSON face answers for `body` when no backend is called.
  static json JsonAnswer(const std::string& body) {
    auto parsed = ParseJsonRequest(body);
    testing::FakeWorkOrderSystem work_order;
    testing::FakeMidas midas;
    testing::FakeOutbox outbox;
    MigrationFlow flow(work_order, midas, outbox);
    return json::parse(RenderJson(flow.Run(std::get<MigrationRequestInput>(parsed), CallContext{"c-1"})));
  }

  // Asserts a refused envelope: status, fault code and words, and no core call.
  void ExpectFault(const soap::HttpReply& reply, int status, const char* envelope_ns, const std::string& code,
                   const std::string& reason) {
    EXPECT_EQ(reply.status, status);
    const auto answer = ReadSoapAnswer(reply.body);
    EXPECT_EQ(answer.envelope_ns, envelope_ns) << reply.body;
    EXPECT_EQ(answer.fault_code, code) << reply.body;
    EXPECT_EQ(answer.fault_reason, reason) << reply.body;
    EXPECT_TRUE(inputs_.empty());
  }

  soap::SoapLimits limits_{4096};
  MigrationOutcome outcome_ = SuccessOutcome();
  std::optional<StoredAnswer> replay_;  // what the core answers as a replay, when set
  std::vector<MigrationRequestInput> inputs_;
  std::vector<std::optional<std::string>> keys_;  // the IdempotencyKey header of each call
  testing::FakeWorkOrderSystem work_order_;
  testing::FakeMidas midas_;
  testing::FakeOutbox outbox_;

 private:
  static MigrationOutcome SuccessOutcome() {
    MigrationOutcome outcome;
    outcome.order_number = "WO1000000007";
    return outcome;
  }
};

// A SOAP 1.1 request reaches the core with its three values as text.
TEST_F(SoapFaceTest, Soap11RequestReachesTheCore) {
  const auto reply = Serve(SoapEnvelope(CreateRequest("447874384949", "123456789", "42"), kSoap11EnvelopeNs));
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.content_type, "text/xml; charset=utf-8");
  ASSERT_EQ(inputs_.size(), 1u);
  EXPECT_EQ(inputs_[0].telephone_number.kind, FieldInput::Kind::kText);
  EXPECT_EQ(inputs_[0].telephone_number.text, "447874384949");
  EXPECT_EQ(inputs_[0].account_identification.kind, FieldInput::Kind::kObject);
  EXPECT_EQ(inputs_[0].account_number.text, "123456789");
  EXPECT_EQ(inputs_[0].site_reference.kind, FieldInput::Kind::kText);
  EXPECT_EQ(inputs_[0].site_reference.text, "42");
  const auto answer = ReadSoapAnswer(reply.body);
  EXPECT_EQ(answer.envelope_ns, kSoap11EnvelopeNs);
  EXPECT_EQ(answer.response, json::parse(R"({"CreateVOIPMigrationWorkOrder":{"success":{
      "orderNumber":"WO1000000007","fault":[]}}})"));
}

// A SOAP 1.2 request is answered in SOAP 1.2 with application/soap+xml.
TEST_F(SoapFaceTest, Soap12RequestIsAnsweredInSoap12) {
  const auto reply = Serve(SoapEnvelope(CreateRequest("447874384949"), kSoap12EnvelopeNs), kSoap12, std::nullopt);
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.content_type, "application/soap+xml; charset=utf-8");
  EXPECT_EQ(inputs_.size(), 1u);
  const auto answer = ReadSoapAnswer(reply.body);
  EXPECT_EQ(answer.envelope_ns, kSoap12EnvelopeNs);
  EXPECT_EQ(answer.response["CreateVOIPMigrationWorkOrder"]["success"]["orderNumber"], "WO1000000007");
}

// A success with a fault entry renders every field, origin included, as JSON does.
TEST_F(SoapFaceTest, SuccessFaultsHaveEveryJsonField) {
  Fault midas = SystemFault("The work order was created, but MIDAS failed");
  midas.origin = FaultOrigin{"MIDAS", "MIDAS-5003", "Customer record locked"};
  outcome_.faults = {midas};
  const auto reply = Serve(SoapEnvelope(CreateRequest("447874384949"), kSoap11EnvelopeNs));
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(ReadSoapAnswer(reply.body).response, json::parse(RenderJson(outcome_)));
}

// A failure (here a business rejection) is a normal 200 response holding `failure`, not a SOAP Fault.
TEST_F(SoapFaceTest, FailureIsANormalResponse) {
  Fault rejected = BusinessFault("The work-order system rejected the work order: Site reference not known");
  rejected.origin = FaultOrigin{"WorkOrderSystem", "WO-2001", "Site reference not known"};
  outcome_ = RejectedOutcome(FailureClass::kBusinessRejected, {rejected, SystemFault("and MIDAS failed")});
  const auto reply = Serve(SoapEnvelope(CreateRequest("447700900001"), kSoap11EnvelopeNs));
  EXPECT_EQ(reply.status, 200);
  const auto answer = ReadSoapAnswer(reply.body);
  EXPECT_EQ(answer.fault_code, "");
  EXPECT_EQ(answer.response, json::parse(RenderJson(outcome_)));
}

// xsi:nil, empty and absent fields get exactly the 10685 faults JSON gives for null, "" and absent.
TEST_F(SoapFaceTest, NilEmptyAndAbsentFieldsFaultLikeJson) {
  const std::string nil = "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:nil=\"true\"";
  const auto reply = ServeThroughFlow(
      SoapEnvelope("<v:CreateVOIPMigrationWorkOrder><v:telephoneNumber " + nil +
                       "/><v:accountIdentification><v:accountNumber>  </v:accountNumber></v:accountIdentification>"
                       "</v:CreateVOIPMigrationWorkOrder>",
                   kSoap11EnvelopeNs));
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(ReadSoapAnswer(reply.body).response,
            JsonAnswer(R"({"telephoneNumber":null,"accountIdentification":{"accountNumber":"  "}})"));
  EXPECT_EQ(ReadSoapAnswer(reply.body).response["CreateVOIPMigrationWorkOrder"]["failure"]["fault"].size(), 3u);
  EXPECT_TRUE(work_order_.requests().empty());
  EXPECT_TRUE(midas_.updates().empty());
}

// An empty operation element and a nil accountIdentification fault like JSON's {} and null.
TEST_F(SoapFaceTest, EmptyOperationFaultsLikeEmptyJsonObject) {
  const auto empty = ServeThroughFlow(SoapEnvelope("<v:CreateVOIPMigrationWorkOrder/>", kSoap11EnvelopeNs));
  EXPECT_EQ(empty.status, 200);
  EXPECT_EQ(ReadSoapAnswer(empty.body).response, JsonAnswer("{}"));
  const auto nil_account = ServeThroughFlow(
      SoapEnvelope("<v:CreateVOIPMigrationWorkOrder><v:telephoneNumber>447874384949</v:telephoneNumber>"
                   "<v:accountIdentification xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:nil=\"true\"/>"
                   "</v:CreateVOIPMigrationWorkOrder>",
                   kSoap11EnvelopeNs));
  EXPECT_EQ(ReadSoapAnswer(nil_account.body).response,
            JsonAnswer(R"({"telephoneNumber":"447874384949","accountIdentification":null})"));
  EXPECT_TRUE(work_order_.requests().empty());
}

// siteReference empty, not an integer, or beyond 32 bits: the JSON face's 10685 words, not a SOAP Fault.
TEST_F(SoapFaceTest, BadSiteReferencesFaultLikeJson) {
  for (const auto& [site, json_site] : std::vector<std::pair<std::string, std::string>>{
           {"", R"("")"}, {"abc", R"("abc")"}, {"4294967296", "4294967296"}}) {
    const auto reply = ServeThroughFlow(SoapEnvelope(CreateRequest("447874384949", "1", site), kSoap11EnvelopeNs));
    EXPECT_EQ(reply.status, 200) << site;
    EXPECT_EQ(ReadSoapAnswer(reply.body).response,
              JsonAnswer(R"({"telephoneNumber":"447874384949","accountIdentification":{"accountNumber":"1",)"
                         R"("siteReference":)" +
                         json_site + "}}"))
        << site;
  }
  EXPECT_TRUE(work_order_.requests().empty());
}

// Not well-formed XML (a mismatched end tag) is a SOAP 1.1 Client fault, HTTP 500.
TEST_F(SoapFaceTest, NotWellFormedIsClientFault) {
  ExpectFault(Serve(SoapEnvelope("<v:CreateVOIPMigrationWorkOrder><v:telephoneNumber>1</v:foo>"
                                 "</v:CreateVOIPMigrationWorkOrder>",
                                 kSoap11EnvelopeNs)),
              500, kSoap11EnvelopeNs, "Client", "The message is not well-formed XML or not a SOAP envelope");
}

// Not XML at all, announced as SOAP 1.2: a SOAP 1.2 Sender fault, HTTP 400.
TEST_F(SoapFaceTest, NotXmlIsSoap12SenderFault) {
  ExpectFault(Serve("telephoneNumber=447874384949", kSoap12, std::nullopt), 400, kSoap12EnvelopeNs, "Sender",
              "The message is not well-formed XML or not a SOAP envelope");
}

// An empty body is a Client fault.
TEST_F(SoapFaceTest, EmptyBodyIsClientFault) {
  ExpectFault(Serve(""), 500, kSoap11EnvelopeNs, "Client", "The message is not well-formed XML or not a SOAP envelope");
}

// XXE: an external entity naming a canary file is refused before parsing; the file's content never appears.
TEST_F(SoapFaceTest, ExternalEntityIsRefusedAndFileNeverRead) {
  const std::string canary_path = ::testing::TempDir() + "soap_face_xxe_canary.txt";
  std::ofstream(canary_path) << "CANARY-7f3a";
  const std::string body = "<?xml version=\"1.0\"?>\n<!DOCTYPE env:Envelope [<!ENTITY xxe SYSTEM \"file://" +
                           canary_path + "\">]>\n" + SoapEnvelope(CreateRequest("&xxe;"), kSoap11EnvelopeNs).substr(39);
  const auto reply = Serve(body);
  ExpectFault(reply, 500, kSoap11EnvelopeNs, "Client", "DTDs are not allowed in SOAP messages");
  EXPECT_EQ(reply.body.find("CANARY"), std::string::npos);
  std::remove(canary_path.c_str());
}

// Billion laughs: entity declarations are refused before any expansion.
TEST_F(SoapFaceTest, BillionLaughsIsRefused) {
  std::string dtd = "<!DOCTYPE lolz [<!ENTITY lol \"lol\">";
  for (int i = 1; i <= 9; ++i) {
    dtd += "<!ENTITY lol" + std::to_string(i) + " \"" + std::string(10, '&') + "\">";
    std::string refs;
    for (int k = 0; k < 10; ++k) refs += "&lol" + (i == 1 ? std::string() : std::to_string(i - 1)) + ";";
    dtd.replace(dtd.rfind(std::string(10, '&')), 10, refs);
  }
  dtd += "]>";
  const auto reply =
      Serve("<?xml version=\"1.0\"?>" + dtd + SoapEnvelope(CreateRequest("&lol9;"), kSoap11EnvelopeNs).substr(39));
  ExpectFault(reply, 500, kSoap11EnvelopeNs, "Client", "DTDs are not allowed in SOAP messages");
  EXPECT_LT(reply.body.size(), 2048u);
}

// A DOCTYPE announced as SOAP 1.2 is a Sender fault, HTTP 400.
TEST_F(SoapFaceTest, DoctypeInSoap12IsSenderFault) {
  ExpectFault(Serve("<!doctype x>" + SoapEnvelope(CreateRequest("447874384949"), kSoap12EnvelopeNs).substr(39), kSoap12,
                    std::nullopt),
              400, kSoap12EnvelopeNs, "Sender", "DTDs are not allowed in SOAP messages");
}

// Nesting deeper than the limit (in a header nobody asked for) is a Client fault.
TEST_F(SoapFaceTest, DeepNestingIsClientFault) {
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "<x:a xmlns:x=\"urn:deep\">";
  for (int i = 0; i < 40; ++i) deep += "</x:a>";
  ExpectFault(Serve(SoapEnvelope(CreateRequest("447874384949"), kSoap11EnvelopeNs, deep)), 500, kSoap11EnvelopeNs,
              "Client", "The message is nested deeper than 32 elements");
}

// A body over the limit is a 413 Client fault, unparsed.
TEST_F(SoapFaceTest, OversizedBodyIs413) {
  limits_.max_bytes = 256;
  ExpectFault(Serve(SoapEnvelope(CreateRequest("447874384949", std::string(300, '1')), kSoap11EnvelopeNs)), 413,
              kSoap11EnvelopeNs, "Client", "SOAP message larger than the allowed size");
}

// The server's refusals of a body it did not read (413, 401) speak the announced SOAP version.
TEST_F(SoapFaceTest, RefusalFollowsContentType) {
  const auto reply = SoapRefusal(kSoap12, 413, "The request body is larger than 4096 bytes");
  EXPECT_EQ(reply.status, 413);
  EXPECT_EQ(reply.content_type, "application/soap+xml; charset=utf-8");
  const auto answer = ReadSoapAnswer(reply.body);
  EXPECT_EQ(answer.envelope_ns, kSoap12EnvelopeNs);
  EXPECT_EQ(answer.fault_code, "Sender");
  EXPECT_EQ(answer.fault_reason, "The request body is larger than 4096 bytes");
  EXPECT_EQ(ReadSoapAnswer(SoapRefusal("", 401, "no").body).envelope_ns, kSoap11EnvelopeNs);
}

// SOAP 1.1 without a SOAPAction header is dispatched on the Body's element, as CXF, Axis2, gSOAP and
// spyne do: the operation runs.
TEST_F(SoapFaceTest, MissingSoapActionIsDispatchedOnTheBody) {
  const soap::HttpReply reply =
      Serve(SoapEnvelope(CreateRequest("447874384949"), kSoap11EnvelopeNs), kSoap11, std::nullopt);
  EXPECT_EQ(reply.status, 200) << reply.body;
  ASSERT_EQ(inputs_.size(), 1u);
  EXPECT_EQ(inputs_[0].telephone_number.text, "447874384949");
}

// Without a SOAPAction, a Body that is not the operation is still refused (by its element).
TEST_F(SoapFaceTest, MissingSoapActionWithAnotherBodyElementIsClientFault) {
  ExpectFault(Serve(SoapEnvelope("<v:Other/>", kSoap11EnvelopeNs), kSoap11, std::nullopt), 500, kSoap11EnvelopeNs,
              "Client",
              "The SOAP Body does not hold a CreateVOIPMigrationWorkOrder element in namespace "
              "http://schemas.cableco.example/spm/voip-migration/v1");
}

// A SOAPAction naming something else is a Client fault.
TEST_F(SoapFaceTest, MismatchedSoapActionIsClientFault) {
  ExpectFault(
      Serve(SoapEnvelope(CreateRequest("447874384949"), kSoap11EnvelopeNs), kSoap11, "\"urn:DeleteEverything\""), 500,
      kSoap11EnvelopeNs, "Client", "The SOAPAction does not name an operation of this service");
}

// SOAPAction "" (SOAP 1.1: intent given by the URI) and an unquoted exact action are accepted.
TEST_F(SoapFaceTest, EmptyOrUnquotedSoapActionIsAccepted) {
  EXPECT_EQ(Serve(SoapEnvelope(CreateRequest("447874384949"), kSoap11EnvelopeNs), kSoap11, "\"\"").status, 200);
  EXPECT_EQ(Serve(SoapEnvelope(CreateRequest("447874384949"), kSoap11EnvelopeNs), kSoap11, kCreateSoapAction).status,
            200);
  EXPECT_EQ(inputs_.size(), 2u);
}

// SOAP 1.2: a matching action parameter is accepted, another one is a Sender fault (400).
TEST_F(SoapFaceTest, Soap12ActionParameterIsChecked) {
  const std::string body = SoapEnvelope(CreateRequest("447874384949"), kSoap12EnvelopeNs);
  ExpectFault(Serve(body, std::string(kSoap12) + "; action=\"urn:Other\"", std::nullopt), 400, kSoap12EnvelopeNs,
              "Sender", "The action parameter does not name an operation of this service");
  EXPECT_EQ(Serve(body, std::string(kSoap12) + "; action=\"" + kCreateSoapAction + "\"", std::nullopt).status, 200);
}

// A Body element that is not the operation is a Client fault that does not quote it.
TEST_F(SoapFaceTest, UnknownOperationIsClientFault) {
  ExpectFault(Serve(SoapEnvelope("<v:DeleteVOIPMigrationWorkOrder/>", kSoap11EnvelopeNs)), 500, kSoap11EnvelopeNs,
              "Client",
              "The SOAP Body does not hold a CreateVOIPMigrationWorkOrder element in namespace "
              "http://schemas.cableco.example/spm/voip-migration/v1");
}

// The operation's name in another namespace is not the operation.
TEST_F(SoapFaceTest, OperationInWrongNamespaceIsClientFault) {
  ExpectFault(Serve(SoapEnvelope("<o:CreateVOIPMigrationWorkOrder xmlns:o=\"urn:other\"/>", kSoap11EnvelopeNs)), 500,
              kSoap11EnvelopeNs, "Client",
              "The SOAP Body does not hold a CreateVOIPMigrationWorkOrder element in namespace "
              "http://schemas.cableco.example/spm/voip-migration/v1");
}

// A field in the wrong namespace is a schema violation: Client fault.
TEST_F(SoapFaceTest, FieldInWrongNamespaceIsClientFault) {
  ExpectFault(Serve(SoapEnvelope("<v:CreateVOIPMigrationWorkOrder><o:telephoneNumber xmlns:o=\"urn:other\">"
                                 "447874384949</o:telephoneNumber></v:CreateVOIPMigrationWorkOrder>",
                                 kSoap11EnvelopeNs)),
              500, kSoap11EnvelopeNs, "Client",
              "The request does not match the WSDL: an element is unknown, repeated, misplaced or in the wrong "
              "namespace, or a value is not of its type");
}

// A SOAP 1.2 envelope sent as text/xml: SOAP 1.1 VersionMismatch fault, HTTP 500.
TEST_F(SoapFaceTest, Soap12EnvelopeAsTextXmlIsVersionMismatch) {
  ExpectFault(Serve(SoapEnvelope(CreateRequest("447874384949"), kSoap12EnvelopeNs)), 500, kSoap11EnvelopeNs,
              "VersionMismatch", "The message is not a SOAP 1.1 envelope, as Content-Type text/xml announces");
}

// A SOAP 1.1 envelope sent as application/soap+xml: SOAP 1.2 VersionMismatch fault, HTTP 500.
TEST_F(SoapFaceTest, Soap11EnvelopeAsSoap12IsVersionMismatch) {
  ExpectFault(Serve(SoapEnvelope(CreateRequest("447874384949"), kSoap11EnvelopeNs), kSoap12, std::nullopt), 500,
              kSoap12EnvelopeNs, "VersionMismatch",
              "The message is not a SOAP 1.2 envelope, as Content-Type application/soap+xml announces");
}

// A Content-Type that is not SOAP is a 415 Client fault.
TEST_F(SoapFaceTest, NonSoapContentTypeIs415) {
  ExpectFault(Serve("{}", "application/json"), 415, kSoap11EnvelopeNs, "Client",
              "Content-Type must be text/xml (SOAP 1.1) or application/soap+xml (SOAP 1.2)");
}

// A header marked mustUnderstand that the service does not know is a fault.
TEST_F(SoapFaceTest, UnknownMustUnderstandHeaderIsFault) {
  ExpectFault(Serve(SoapEnvelope(CreateRequest("447874384949"), kSoap11EnvelopeNs,
                                 "<x:Security xmlns:x=\"urn:sec\" env:mustUnderstand=\"1\"/>")),
              500, kSoap11EnvelopeNs, "MustUnderstand",
              "A SOAP header marked mustUnderstand is not understood by this service");
}

// Content types are recognised with parameters and in any letter case.
TEST(SoapVersionOfTest, RecognisesBothSoapMediaTypes) {
  EXPECT_EQ(SoapVersionOf("text/xml"), soap::SoapVersion::k11);
  EXPECT_EQ(SoapVersionOf("Text/XML; charset=UTF-8"), soap::SoapVersion::k11);
  EXPECT_EQ(SoapVersionOf("application/soap+xml;charset=utf-8;action=\"x\""), soap::SoapVersion::k12);
  EXPECT_EQ(SoapVersionOf("application/xml"), std::nullopt);
  EXPECT_EQ(SoapVersionOf(""), std::nullopt);
}

// The IdempotencyKey SOAP header reaches the core with the request; without it the core gets none.
TEST_F(SoapFaceTest, IdempotencyKeyHeaderReachesTheCore) {
  EXPECT_EQ(
      Serve(SoapEnvelope(CreateRequest("447874384949"), kSoap11EnvelopeNs, "<v:IdempotencyKey>k-1</v:IdempotencyKey>"))
          .status,
      200);
  EXPECT_EQ(Serve(SoapEnvelope(CreateRequest("447874384949"), kSoap11EnvelopeNs)).status, 200);
  ASSERT_EQ(keys_.size(), 2u);
  EXPECT_EQ(keys_[0], "k-1");
  EXPECT_EQ(keys_[1], std::nullopt);
}

// A caller may mark the IdempotencyKey block mustUnderstand: it is understood, so no MustUnderstand fault.
TEST_F(SoapFaceTest, IdempotencyKeyMarkedMustUnderstandIsUnderstood) {
  const auto reply = Serve(SoapEnvelope(CreateRequest("447874384949"), kSoap11EnvelopeNs,
                                        "<v:IdempotencyKey env:mustUnderstand=\"1\">k-4</v:IdempotencyKey>"));
  EXPECT_EQ(reply.status, 200) << reply.body;
  ASSERT_EQ(keys_.size(), 1u);
  EXPECT_EQ(keys_[0], "k-4");
}

// A replay from the core is sent as kept, in the call's SOAP version's Content-Type, and nothing is rendered.
TEST_F(SoapFaceTest, ReplayIsSentAsKept) {
  replay_ = StoredAnswer{200, "<kept answer/>"};
  const auto reply =
      Serve(SoapEnvelope(CreateRequest("447874384949"), kSoap12EnvelopeNs, "<v:IdempotencyKey>k-2</v:IdempotencyKey>"),
            kSoap12);
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.content_type, "application/soap+xml; charset=utf-8");
  EXPECT_EQ(reply.body, "<kept answer/>");
  EXPECT_EQ(inputs_.size(), 1u);
}

// The answer to a keyed request carries no SOAP header (gSOAP would echo the request's).
TEST_F(SoapFaceTest, AnswerEchoesNoHeader) {
  const auto reply =
      Serve(SoapEnvelope(CreateRequest("447874384949"), kSoap11EnvelopeNs, "<v:IdempotencyKey>k-3</v:IdempotencyKey>"));
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body.find("IdempotencyKey"), std::string::npos) << reply.body;
  EXPECT_EQ(reply.body.find("Header"), std::string::npos) << reply.body;
}

// Requests are told apart by their fields as read: same fields give the same text, another value or kind another.
TEST(SoapIdempotencyTextTest, DependsOnTheFieldsOnly) {
  MigrationRequestInput a;
  a.telephone_number = FieldInput::Text("447874384949");
  a.account_identification = {FieldInput::Kind::kObject, {}};
  a.account_number = FieldInput::Text("123456789");
  a.site_reference = FieldInput::Text("42");
  MigrationRequestInput b = a;
  EXPECT_EQ(SoapIdempotencyText(a), SoapIdempotencyText(b));
  b.account_number = FieldInput::Text("123456780");
  EXPECT_NE(SoapIdempotencyText(a), SoapIdempotencyText(b));
  b = a;
  b.telephone_number = FieldInput::Null();
  MigrationRequestInput c = a;
  c.telephone_number = FieldInput::Text("");
  EXPECT_NE(SoapIdempotencyText(b), SoapIdempotencyText(c));
}

// RenderSoapOutcome gives the envelope ServeSoap answers for that outcome.
TEST_F(SoapFaceTest, RenderSoapOutcomeMatchesServedAnswer) {
  const auto served = Serve(SoapEnvelope(CreateRequest("447874384949"), kSoap11EnvelopeNs));
  const auto rendered = RenderSoapOutcome(soap::SoapVersion::k11, outcome_);
  EXPECT_EQ(rendered.status, 200);
  EXPECT_EQ(rendered.content_type, served.content_type);
  EXPECT_EQ(rendered.body, served.body);
}

}  // namespace
}  // namespace voip
