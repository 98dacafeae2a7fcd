// The SOAP face end to end over real sockets: SOAP 1.1 / 1.2 POST /soap ->
// adapter -> gSOAP clients -> simulated work-order system and MIDAS -> SOAP
// answer; and GET /soap?wsdl. One port serves both faces, so every trigger is
// also sent as JSON and the two answers are compared.
#include "http/soap_face.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <sstream>
#include <string>

#include "tests/support/adapter_with_simulators.h"
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

constexpr int kSlowMs = 1500;
constexpr const char* kSoap11 = "text/xml; charset=utf-8";
constexpr const char* kSoap12 = "application/soap+xml; charset=utf-8";

std::string SourceFile(const std::string& relative) {
  std::ifstream file(std::string(VOIP_SOURCE_DIR) + "/" + relative);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

// The adapter wired to the simulators (tests/support/adapter_with_simulators.h);
// their slow triggers outlast the 400 ms backend time-out.
class SoapFaceFixture : public testing::AdapterWithSimulators {
 protected:
  void SetUp() override {
    sim_options_.slow_ms = kSlowMs;
    ASSERT_TRUE(Start());
  }
};

// SOAP 1.1: 200 text/xml, the order number the work-order system gave, and both backends told.
TEST_F(SoapFaceFixture, Soap11SuccessReturnsOrderNumberAndUpdatesMidas) {
  auto result = PostSoap11(SoapEnvelope(CreateRequest("447874384949"), kSoap11EnvelopeNs));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->get_header_value("Content-Type"), "text/xml; charset=utf-8");
  const auto orders = simulators_->WorkOrderRequests();
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].telephone_number, "447874384949");
  EXPECT_EQ(orders[0].account_number, "123456789");
  EXPECT_EQ(orders[0].site_reference, 42);
  const auto answer = ReadSoapAnswer(result->body);
  EXPECT_EQ(answer.envelope_ns, kSoap11EnvelopeNs);
  EXPECT_EQ(answer.response,
            json({{"CreateVOIPMigrationWorkOrder",
                   {{"success", {{"orderNumber", orders[0].order_number}, {"fault", json::array()}}}}}}));
  const auto updates = simulators_->MidasUpdates();
  ASSERT_EQ(updates.size(), 1u);
  EXPECT_EQ(updates[0].migration_status, "WORK_ORDER_CREATED");
  EXPECT_EQ(updates[0].order_number, orders[0].order_number);
}

// SOAP 1.2 on the same port: 200 application/soap+xml with a SOAP 1.2 envelope.
TEST_F(SoapFaceFixture, Soap12SuccessIsAnsweredInSoap12) {
  auto result = PostSoap12(SoapEnvelope(CreateRequest("447874384949"), kSoap12EnvelopeNs));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->get_header_value("Content-Type"), "application/soap+xml; charset=utf-8");
  const auto answer = ReadSoapAnswer(result->body);
  EXPECT_EQ(answer.envelope_ns, kSoap12EnvelopeNs);
  ASSERT_EQ(simulators_->WorkOrderRequests().size(), 1u);
  EXPECT_EQ(answer.response["CreateVOIPMigrationWorkOrder"]["success"]["orderNumber"],
            simulators_->WorkOrderRequests()[0].order_number);
  EXPECT_EQ(simulators_->MidasUpdates().size(), 1u);
}

// SOAP 1.1 without a SOAPAction header: dispatched on the Body's element (as CXF, Axis2, gSOAP and
// spyne do), so the work order is created and MIDAS told.
TEST_F(SoapFaceFixture, Soap11WithoutSoapActionRunsTheOperation) {
  auto result = client_->Post("/soap", SoapEnvelope(CreateRequest("447874384949"), kSoap11EnvelopeNs), kSoap11);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200) << result->body;
  const auto orders = simulators_->WorkOrderRequests();
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(ReadSoapAnswer(result->body).response["CreateVOIPMigrationWorkOrder"]["success"]["orderNumber"],
            orders[0].order_number);
  EXPECT_EQ(simulators_->MidasUpdates().size(), 1u);
}

// A caller's X-Correlation-ID is echoed and reaches both backends, as for JSON.
TEST_F(SoapFaceFixture, CorrelationIdIsEchoedAndPropagated) {
  auto result =
      PostSoap11(SoapEnvelope(CreateRequest("447874384949"), kSoap11EnvelopeNs), {{"X-Correlation-ID", "soap-42"}});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->get_header_value("X-Correlation-ID"), "soap-42");
  EXPECT_EQ(simulators_->WorkOrderRequests().at(0).correlation_id, "soap-42");
  EXPECT_EQ(simulators_->WorkOrderRequests().at(0).correlation_header, "soap-42");
  EXPECT_EQ(simulators_->MidasUpdates().at(0).correlation_id, "soap-42");
  EXPECT_EQ(simulators_->MidasUpdates().at(0).correlation_header, "soap-42");
}

// Validation problems: 200 with `failure` (10685 per problem, as JSON), and no backend hears anything.
TEST_F(SoapFaceFixture, ValidationFailureIsFailureAndCallsNoBackend) {
  auto soap = PostSoap11(SoapEnvelope(CreateRequest(" ", "123456789", "abc"), kSoap11EnvelopeNs));
  ASSERT_TRUE(soap);
  EXPECT_EQ(soap->status, 200);
  auto json_result = client_->Post(
      "/CreateVOIPMigrationWorkOrder",
      R"({"telephoneNumber":" ","accountIdentification":{"accountNumber":"123456789","siteReference":"abc"}})",
      "application/json");
  ASSERT_TRUE(json_result);
  EXPECT_EQ(json_result->status, 400);
  EXPECT_EQ(ReadSoapAnswer(soap->body).response, json::parse(json_result->body));
  EXPECT_EQ(ReadSoapAnswer(soap->body).response["CreateVOIPMigrationWorkOrder"]["failure"]["fault"].size(), 2u);
  EXPECT_TRUE(NoBackendCalled());
}

// Every simulator trigger, SOAP 1.1 and 1.2: HTTP 200 and the very answer the JSON face gives
// (order numbers aside), after the same calls to both backends.
class SoapTriggerTest : public SoapFaceFixture, public ::testing::WithParamInterface<const char*> {
 protected:
  // The answer with its order number (which counts up per request) blanked.
  static json WithoutOrderNumber(json answer) {
    json& body = answer["CreateVOIPMigrationWorkOrder"];
    if (body.contains("success")) body["success"]["orderNumber"] = "";
    return answer;
  }
};

TEST_P(SoapTriggerTest, SoapAnswerEqualsJsonAnswer) {
  const std::string telephone = GetParam();
  auto json_result = client_->Post("/CreateVOIPMigrationWorkOrder", JsonBody(telephone), "application/json");
  ASSERT_TRUE(json_result);
  const auto json_orders = simulators_->WorkOrderRequests();
  const auto json_updates = simulators_->MidasUpdates();
  for (const bool soap12 : {false, true}) {
    simulators_->Reset();
    auto soap = soap12 ? PostSoap12(SoapEnvelope(CreateRequest(telephone), kSoap12EnvelopeNs))
                       : PostSoap11(SoapEnvelope(CreateRequest(telephone), kSoap11EnvelopeNs));
    ASSERT_TRUE(soap);
    EXPECT_EQ(soap->status, 200) << telephone;
    const auto answer = ReadSoapAnswer(soap->body);
    EXPECT_EQ(answer.envelope_ns, soap12 ? kSoap12EnvelopeNs : kSoap11EnvelopeNs);
    EXPECT_EQ(WithoutOrderNumber(answer.response), WithoutOrderNumber(json::parse(json_result->body)))
        << telephone << (soap12 ? " SOAP 1.2" : " SOAP 1.1");
    const auto orders = simulators_->WorkOrderRequests();
    const auto updates = simulators_->MidasUpdates();
    ASSERT_EQ(orders.size(), json_orders.size());
    ASSERT_EQ(updates.size(), json_updates.size());
    EXPECT_EQ(orders.at(0).telephone_number, telephone);
    EXPECT_EQ(updates.at(0).migration_status, json_updates.at(0).migration_status);
    if (answer.response["CreateVOIPMigrationWorkOrder"].contains("success")) {
      EXPECT_EQ(answer.response["CreateVOIPMigrationWorkOrder"]["success"]["orderNumber"], orders.at(0).order_number);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(EveryTrigger, SoapTriggerTest,
                         ::testing::Values("447874384949", "447700900001", "447700900002", "447700900003",
                                           "447700900004", "447700900005", "447700900006", "447700900007",
                                           "447700900008", "447700900009"));

// Envelopes that cannot be processed: a SOAP Fault with the binding's status, and no backend call.
struct BadEnvelope {
  const char* name;
  std::string content_type;
  std::string soap_action;  // "-" for none
  std::string body;
  int status;
  const char* fault_code;
};

class SoapBadEnvelopeTest : public SoapFaceFixture, public ::testing::WithParamInterface<BadEnvelope> {};

TEST_P(SoapBadEnvelopeTest, IsSoapFaultAndCallsNoBackend) {
  const BadEnvelope& bad = GetParam();
  httplib::Headers headers;
  if (bad.soap_action != "-") headers.emplace("SOAPAction", bad.soap_action);
  auto result = client_->Post("/soap", headers, bad.body, bad.content_type.c_str());
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, bad.status);
  const auto answer = ReadSoapAnswer(result->body);
  EXPECT_EQ(answer.fault_code, bad.fault_code) << result->body;
  EXPECT_FALSE(answer.fault_reason.empty());
  EXPECT_TRUE(NoBackendCalled());
  EXPECT_NE(log_.str().find(R"("face":"soap")"), std::string::npos);
}

std::string Deep(int levels) {
  std::string open;
  std::string close;
  for (int i = 0; i < levels; ++i) {
    open += "<x:a xmlns:x=\"urn:deep\">";
    close += "</x:a>";
  }
  return open + close;
}

const std::string kAction = std::string("\"") + kCreateSoapAction + "\"";
const std::string kOk11 = SoapEnvelope(CreateRequest("447874384949"), kSoap11EnvelopeNs);
const std::string kOk12 = SoapEnvelope(CreateRequest("447874384949"), kSoap12EnvelopeNs);

INSTANTIATE_TEST_SUITE_P(
    EveryKind, SoapBadEnvelopeTest,
    ::testing::Values(
        BadEnvelope{"NotWellFormed", kSoap11, kAction, kOk11.substr(0, kOk11.size() - 5) + "Body>", 500, "Client"},
        BadEnvelope{"NotXmlSoap12", kSoap12, "-", "hello", 400, "Sender"},
        BadEnvelope{"Doctype", kSoap11, kAction, "<!DOCTYPE env:Envelope>" + kOk11.substr(39), 500, "Client"},
        BadEnvelope{"DeepHeader", kSoap11, kAction,
                    SoapEnvelope(CreateRequest("447874384949"), kSoap11EnvelopeNs, Deep(64)), 500, "Client"},
        BadEnvelope{"MissingSoapActionOtherBody", kSoap11, "-", SoapEnvelope("<v:Other/>", kSoap11EnvelopeNs), 500,
                    "Client"},
        BadEnvelope{"MismatchedSoapAction", kSoap11, "\"urn:Other\"", kOk11, 500, "Client"},
        BadEnvelope{"NotTheOperation", kSoap11, kAction, SoapEnvelope("<v:Other/>", kSoap11EnvelopeNs), 500, "Client"},
        BadEnvelope{"FieldInWrongNamespace", kSoap11, kAction,
                    SoapEnvelope("<v:CreateVOIPMigrationWorkOrder><o:telephoneNumber xmlns:o=\"urn:o\">1"
                                 "</o:telephoneNumber></v:CreateVOIPMigrationWorkOrder>",
                                 kSoap11EnvelopeNs),
                    500, "Client"},
        BadEnvelope{"Soap12AsTextXml", kSoap11, kAction, kOk12, 500, "VersionMismatch"},
        BadEnvelope{"Soap11AsSoap12", kSoap12, "-", kOk11, 500, "VersionMismatch"},
        BadEnvelope{"Soap12WrongAction", kSoap12 + std::string(";action=\"urn:Other\""), "-", kOk12, 400, "Sender"},
        BadEnvelope{"NotSoapMediaType", "application/xml", "-", kOk11, 415, "Client"}),
    [](const ::testing::TestParamInfo<BadEnvelope>& info) { return info.param.name; });

// A body over max-body-bytes is a 413 SOAP fault before parsing, and no backend hears anything.
TEST_F(SoapFaceFixture, OversizedBodyIs413) {
  auto result = PostSoap11(SoapEnvelope(CreateRequest(std::string(8000, '4')), kSoap11EnvelopeNs));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 413);
  EXPECT_EQ(ReadSoapAnswer(result->body).fault_reason, "The request body is larger than 4096 bytes");
  EXPECT_TRUE(NoBackendCalled());
}

// A chunked body over the limit (no Content-Length) is refused as well, in the announced version.
TEST_F(SoapFaceFixture, OversizedChunkedBodyIs413) {
  const std::string big(config_.max_body_bytes * 4, ' ');
  auto result = client_->Post(
      "/soap",
      [&big](size_t offset, httplib::DataSink& sink) {
        if (offset < big.size()) {
          sink.write(big.data() + offset, std::min<size_t>(1024, big.size() - offset));
        } else {
          sink.done();
        }
        return true;
      },
      kSoap12);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 413);
  EXPECT_EQ(ReadSoapAnswer(result->body).envelope_ns, kSoap12EnvelopeNs);
  EXPECT_TRUE(NoBackendCalled());
}

// GET /soap?wsdl: the source WSDL, well-formed, with the address the request came to.
TEST_F(SoapFaceFixture, WsdlCarriesTheAddressItWasFetchedFrom) {
  auto result = client_->Get("/soap?wsdl");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->get_header_value("Content-Type"), "text/xml; charset=utf-8");
  pugi::xml_document wsdl;
  ASSERT_TRUE(wsdl.load_string(result->body.c_str()));
  const std::string address = "http://127.0.0.1:" + std::to_string(server_->port()) + "/soap";
  EXPECT_EQ(wsdl.select_node("//*[local-name()='address']").node().attribute("location").value(), address);
  std::string expected = SourceFile("wsdl/VOIPMigrationWorkOrder.wsdl");
  const std::string placeholder = "http://localhost:8080/soap";
  expected.replace(expected.find(placeholder), placeholder.size(), address);
  EXPECT_EQ(result->body, expected);
  EXPECT_TRUE(NoBackendCalled());
}

// The Host header a caller used (behind a proxy, say) becomes the address; ?WSDL works too.
TEST_F(SoapFaceFixture, WsdlAddressFollowsValidHostHeader) {
  auto result = client_->Get("/soap?WSDL", {{"Host", "adapter.cableco.example:8443"}});
  ASSERT_TRUE(result);
  EXPECT_NE(result->body.find("location=\"http://adapter.cableco.example:8443/soap\""), std::string::npos);
}

// A Host header that is not a host[:port] is never reflected: the listening address is used.
TEST_F(SoapFaceFixture, WsdlIgnoresJunkHostHeader) {
  auto result = client_->Get("/soap?wsdl", {{"Host", "evil\"><x y=\""}});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->body.find("evil"), std::string::npos);
  EXPECT_NE(result->body.find("location=\"http://127.0.0.1:" + std::to_string(server_->port()) + "/soap\""),
            std::string::npos);
}

// A configured public-base-url wins over the Host header.
TEST_F(SoapFaceFixture, WsdlAddressFromConfiguredPublicBaseUrl) {
  config_.public_base_url = "https://api.cableco.example/voip";
  ASSERT_TRUE(Wire());
  auto result = client_->Get("/soap?wsdl", {{"Host", "internal:8080"}});
  ASSERT_TRUE(result);
  EXPECT_NE(result->body.find("location=\"https://api.cableco.example/voip/soap\""), std::string::npos);
  EXPECT_EQ(result->body.find("internal"), std::string::npos);
}

// GET /soap without ?wsdl says how to use the endpoint.
TEST_F(SoapFaceFixture, GetWithoutWsdlIs405) {
  auto result = client_->Get("/soap");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 405);
  EXPECT_EQ(result->get_header_value("Allow"), "POST");
}

// The SOAP request log line says "face":"soap" and carries no telephone or account number in full.
TEST_F(SoapFaceFixture, LogLineNamesTheFaceWithoutPersonalData) {
  PostSoap11(SoapEnvelope(CreateRequest("447874384949", "987654321"), kSoap11EnvelopeNs));
  const std::string logs = log_.str();
  EXPECT_NE(logs.find(R"("face":"soap")"), std::string::npos);
  EXPECT_NE(logs.find(R"("outcome":"success")"), std::string::npos);
  EXPECT_EQ(logs.find("447874384949"), std::string::npos);
  EXPECT_EQ(logs.find("987654321"), std::string::npos);
}

}  // namespace
}  // namespace voip
