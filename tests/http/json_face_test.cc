#include "http/json_face.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace voip {
namespace {

using nlohmann::json;

MigrationRequestInput Parsed(std::string_view body) {
  auto result = ParseJsonRequest(body);
  EXPECT_TRUE(std::holds_alternative<MigrationRequestInput>(result)) << body;
  return std::holds_alternative<MigrationRequestInput>(result) ? std::get<MigrationRequestInput>(result)
                                                               : MigrationRequestInput{};
}

std::string Rejection(std::string_view body) {
  auto result = ParseJsonRequest(body);
  EXPECT_TRUE(std::holds_alternative<Fault>(result)) << body;
  if (!std::holds_alternative<Fault>(result)) return {};
  EXPECT_EQ(std::get<Fault>(result).type, FaultType::kBusiness);
  return std::get<Fault>(result).detail;
}

// The documented example reads into typed field inputs.
TEST(ParseJsonRequestTest, ReadsTheDocumentedExample) {
  const MigrationRequestInput input = Parsed(
      R"({"telephoneNumber":"447874384949","accountIdentification":{"accountNumber":"123456789","siteReference":42}})");
  EXPECT_EQ(input.telephone_number.kind, FieldInput::Kind::kText);
  EXPECT_EQ(input.telephone_number.text, "447874384949");
  EXPECT_EQ(input.account_identification.kind, FieldInput::Kind::kObject);
  EXPECT_EQ(input.account_number.text, "123456789");
  EXPECT_EQ(input.site_reference.kind, FieldInput::Kind::kInteger);
  EXPECT_EQ(input.site_reference.text, "42");
}

// null, floats, booleans and huge integers keep their kind for the validator.
TEST(ParseJsonRequestTest, KeepsKindsOfOddValues) {
  const MigrationRequestInput input =
      Parsed(R"({"telephoneNumber":null,"accountIdentification":{"accountNumber":true,"siteReference":4.5}})");
  EXPECT_EQ(input.telephone_number.kind, FieldInput::Kind::kNull);
  EXPECT_EQ(input.account_number.kind, FieldInput::Kind::kBoolean);
  EXPECT_EQ(input.site_reference.kind, FieldInput::Kind::kNumber);
  EXPECT_EQ(Parsed(R"({"accountIdentification":{"siteReference":18446744073709551615}})").site_reference.text,
            "18446744073709551615");
}

// Not JSON, empty, and invalid UTF-8 are one clear fault.
TEST(ParseJsonRequestTest, RejectsNotJson) {
  EXPECT_EQ(Rejection("telephoneNumber=447874384949"), "The request body is not valid JSON (RFC 8259, UTF-8)");
  EXPECT_EQ(Rejection(""), "The request body is not valid JSON (RFC 8259, UTF-8)");
  EXPECT_EQ(Rejection("{\"telephoneNumber\":\"44\xFF\"}"), "The request body is not valid JSON (RFC 8259, UTF-8)");
}

// A JSON value that is not an object is rejected.
TEST(ParseJsonRequestTest, RejectsNonObject) {
  EXPECT_EQ(Rejection("[1,2]"), "The request body must be a JSON object");
  EXPECT_EQ(Rejection("\"447874384949\""), "The request body must be a JSON object");
}

// Duplicate member names are rejected instead of silently keeping the last.
TEST(ParseJsonRequestTest, RejectsDuplicateKeys) {
  EXPECT_EQ(Rejection(R"({"telephoneNumber":"447874384949","telephoneNumber":"447700900001"})"),
            "The request body has the member 'telephoneNumber' more than once");
  EXPECT_EQ(Rejection(R"({"accountIdentification":{"siteReference":1,"siteReference":2}})"),
            "The request body has the member 'siteReference' more than once");
}

// Equal names in different objects are not duplicates.
TEST(ParseJsonRequestTest, AllowsSameNameInDifferentObjects) {
  Parsed(R"({"a":{"x":1},"b":{"x":2},"accountIdentification":{"accountNumber":"1"}})");
}

// Deep nesting is cut off early, without recursion trouble.
TEST(ParseJsonRequestTest, RejectsDeepNesting) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_EQ(Rejection(deep), "The request body nested deeper than 16");
  const std::string ok_depth = R"({"x":)" + std::string(10, '[') + std::string(10, ']') + "}";
  Parsed(ok_depth);
}

// JSON content types with parameters and +json suffixes are accepted.
TEST(IsJsonContentTypeTest, AcceptsJsonVariants) {
  EXPECT_TRUE(IsJsonContentType("application/json"));
  EXPECT_TRUE(IsJsonContentType("application/json; charset=utf-8"));
  EXPECT_TRUE(IsJsonContentType("Application/JSON"));
  EXPECT_TRUE(IsJsonContentType("application/vnd.cableco+json"));
  EXPECT_FALSE(IsJsonContentType("text/plain"));
  EXPECT_FALSE(IsJsonContentType("application/xml"));
  EXPECT_FALSE(IsJsonContentType(""));
}

// Success renders the documented envelope with an empty fault array.
TEST(RenderJsonTest, RendersSuccess) {
  MigrationOutcome outcome;
  outcome.order_number = "WO1000000001";
  EXPECT_EQ(json::parse(RenderJson(outcome)),
            json::parse(R"({"CreateVOIPMigrationWorkOrder":{"success":{"orderNumber":"WO1000000001","fault":[]}}})"));
}

// Failure renders every published field, plus detail and origin.
TEST(RenderJsonTest, RendersFailureWithOrigin) {
  Fault fault = BusinessFault("The work-order system rejected the work order: Nope");
  fault.origin = FaultOrigin{"WorkOrderSystem", "WO-2001", "Nope"};
  MigrationOutcome outcome = RejectedOutcome(FailureClass::kBusinessRejected, {fault});
  EXPECT_EQ(json::parse(RenderJson(outcome)), json::parse(R"({"CreateVOIPMigrationWorkOrder":{"failure":{"fault":[
      {"type":"BUSINESS","code":"10685","description":"Business Exception","severity":"ERROR",
       "sourceSystem":"Middleware","detail":"The work-order system rejected the work order: Nope",
       "origin":{"system":"WorkOrderSystem","code":"WO-2001","message":"Nope"}}]}}})"));
}

}  // namespace
}  // namespace voip
