// XML 1.0 character rules on the SOAP face, end to end over loopback: every
// class of bad character, raw or as a character reference, in each request
// field and in the IdempotencyKey header, is refused with a SOAP Client fault
// carrying one BUSINESS 10685 entry, and neither backend hears anything (gSOAP
// would have cut "123&#0;456" to "123" and created a work order). Content
// after the envelope is refused too.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>
#include <tuple>

#include "adapter/soap/soap_dispatch.h"
#include "http/soap_face.h"
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

struct BadCharacter {
  const char* name;
  std::string text;  // placed in the middle of a valid value
};

const BadCharacter kBadCharacters[] = {
    {"RawNul", std::string(1, '\0')},
    {"NulReference", "&#0;"},
    {"NulHexReference", "&#x0;"},
    {"RawControl", "\x01"},
    {"ControlReference", "&#x1B;"},
    {"RawFFFE", "\xEF\xBF\xBE"},
    {"FFFFReference", "&#65535;"},
    {"RawSurrogate", "\xED\xA0\x80"},
    {"SurrogateReference", "&#55296;"},
    {"OverlongNul", "\xC0\x80"},
    {"OverlongDigit", "\xE0\x80\xB1"},
    {"Latin1Byte", "\xE9"},
    {"BeyondUnicodeReference", "&#1114112;"},
    {"BeyondUnicodeRaw", "\xF4\x90\x80\x80"},
};

enum class Field { kTelephoneNumber, kAccountNumber, kSiteReference, kIdempotencyKey };

std::string FieldName(Field field) {
  switch (field) {
    case Field::kTelephoneNumber: return "TelephoneNumber";
    case Field::kAccountNumber: return "AccountNumber";
    case Field::kSiteReference: return "SiteReference";
    case Field::kIdempotencyKey: return "IdempotencyKey";
  }
  return "";
}

// A valid request with `bad` inside the value of `field`.
std::string EnvelopeWith(Field field, const std::string& bad, const char* envelope_ns) {
  const std::string telephone = field == Field::kTelephoneNumber ? "4478743" + bad + "84949" : "447874384949";
  const std::string account = field == Field::kAccountNumber ? "123" + bad + "456" : "123456789";
  const std::string site = field == Field::kSiteReference ? "4" + bad + "2" : "42";
  const std::string header =
      field == Field::kIdempotencyKey ? "<v:IdempotencyKey>key-" + bad + "-1</v:IdempotencyKey>" : "";
  return SoapEnvelope(CreateRequest(telephone, account, site), envelope_ns, header);
}

class SoapXmlCharsTest : public testing::AdapterWithSimulators,
                         public ::testing::WithParamInterface<std::tuple<Field, BadCharacter>> {};

// SOAP 1.1: HTTP 500, faultcode Client, one BUSINESS 10685 entry in the detail, no backend call.
TEST_P(SoapXmlCharsTest, IsClientFaultWith10685AndCallsNoBackend) {
  const auto& [field, bad] = GetParam();
  auto result = PostSoap11(EnvelopeWith(field, bad.text, kSoap11EnvelopeNs));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 500);
  const auto answer = ReadSoapAnswer(result->body);
  EXPECT_EQ(answer.envelope_ns, kSoap11EnvelopeNs) << result->body;
  EXPECT_EQ(answer.fault_code, "Client") << result->body;
  EXPECT_EQ(answer.fault_reason.rfind("The message holds ", 0), 0u) << answer.fault_reason;
  ASSERT_EQ(answer.fault_detail_entries.size(), 1u) << result->body;
  const json& entry = answer.fault_detail_entries[0];
  EXPECT_EQ(entry["type"], "BUSINESS");
  EXPECT_EQ(entry["code"], "10685");
  EXPECT_EQ(entry["description"], "Business Exception");
  EXPECT_EQ(entry["severity"], "ERROR");
  EXPECT_EQ(entry["sourceSystem"], "Middleware");
  EXPECT_EQ(entry["detail"], answer.fault_reason);
  EXPECT_TRUE(NoBackendCalled());
  EXPECT_NE(Log().find(R"("outcome":"soapFault")"), std::string::npos) << Log();
}

INSTANTIATE_TEST_SUITE_P(EveryFieldAndClass, SoapXmlCharsTest,
                         ::testing::Combine(::testing::Values(Field::kTelephoneNumber, Field::kAccountNumber,
                                                              Field::kSiteReference, Field::kIdempotencyKey),
                                            ::testing::ValuesIn(kBadCharacters)),
                         [](const ::testing::TestParamInfo<std::tuple<Field, BadCharacter>>& info) {
                           return FieldName(std::get<0>(info.param)) + "_" + std::get<1>(info.param).name;
                         });

class SoapXmlCharsFixture : public testing::AdapterWithSimulators {};

// SOAP 1.2: HTTP 400 Sender fault with the same 10685 entry in its Detail, no backend call.
TEST_F(SoapXmlCharsFixture, Soap12IsSenderFaultWith10685) {
  auto result = PostSoap12(EnvelopeWith(Field::kAccountNumber, "&#0;", kSoap12EnvelopeNs));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 400);
  const auto answer = ReadSoapAnswer(result->body);
  EXPECT_EQ(answer.envelope_ns, kSoap12EnvelopeNs);
  EXPECT_EQ(answer.fault_code, "Sender") << result->body;
  ASSERT_EQ(answer.fault_detail_entries.size(), 1u) << result->body;
  EXPECT_EQ(answer.fault_detail_entries[0]["code"], "10685");
  EXPECT_TRUE(NoBackendCalled());
}

// The fault says what was wrong and where, never the value itself.
TEST_F(SoapXmlCharsFixture, FaultNamesTheProblemAndOffsetNotTheValue) {
  const std::string envelope = EnvelopeWith(Field::kAccountNumber, "&#0;", kSoap11EnvelopeNs);
  auto result = PostSoap11(envelope);
  ASSERT_TRUE(result);
  const auto answer = ReadSoapAnswer(result->body);
  EXPECT_EQ(answer.fault_reason,
            "The message holds a character XML 1.0 does not allow (NUL, a control character other than TAB, LF and "
            "CR, U+FFFE, U+FFFF, or beyond U+10FFFF) at byte " +
                std::to_string(envelope.find("&#0;")) + "; it was not processed");
  EXPECT_EQ(result->body.find("123"), std::string::npos);
}

// Characters XML allows, raw and as references, still reach the core: the request runs as usual.
TEST_F(SoapXmlCharsFixture, AllowedCharactersStillRun) {
  auto result =
      PostSoap11(SoapEnvelope(CreateRequest("447874384949", "caf\xC3\xA9-&#x20AC;-&#65;"), kSoap11EnvelopeNs));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  ASSERT_EQ(simulators_->WorkOrderRequests().size(), 1u);
  EXPECT_EQ(simulators_->WorkOrderRequests()[0].account_number, "caf\xC3\xA9-\xE2\x82\xAC-A");
}

// A second envelope after the first is refused (gSOAP would ignore it), and nothing runs.
TEST_F(SoapXmlCharsFixture, SecondEnvelopeIsRefused) {
  const std::string one = SoapEnvelope(CreateRequest("447874384949"), kSoap11EnvelopeNs);
  auto result = PostSoap11(one + one.substr(one.find("<env:Envelope")));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 500);
  const auto answer = ReadSoapAnswer(result->body);
  EXPECT_EQ(answer.fault_code, "Client");
  EXPECT_EQ(answer.fault_reason, soap::kContentAfterEnvelope);
  EXPECT_TRUE(NoBackendCalled());
}

// Stray bytes after the envelope are refused, in the announced SOAP version.
TEST_F(SoapXmlCharsFixture, BytesAfterTheEnvelopeAreRefused) {
  auto result = PostSoap12(SoapEnvelope(CreateRequest("447874384949"), kSoap12EnvelopeNs) + "\njunk");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 400);
  const auto answer = ReadSoapAnswer(result->body);
  EXPECT_EQ(answer.fault_code, "Sender");
  EXPECT_EQ(answer.fault_reason, soap::kContentAfterEnvelope);
  EXPECT_TRUE(NoBackendCalled());
}

// What XML allows after the document element (whitespace, comments, processing instructions) is accepted.
TEST_F(SoapXmlCharsFixture, WhitespaceCommentsAndPisAfterTheEnvelopeAreAccepted) {
  auto result =
      PostSoap11(SoapEnvelope(CreateRequest("447874384949"), kSoap11EnvelopeNs) + "\r\n<!-- end -->\n<?done?>\n");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 1u);
}

}  // namespace
}  // namespace voip
