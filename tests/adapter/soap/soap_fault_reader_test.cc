// ReadFaultDetail: code and message from fault detail the contracts do not declare.
#include "adapter/soap/soap_fault_reader.h"

#include <gtest/gtest.h>

#include <string>

namespace voip::soap {
namespace {

// errorCode / errorMessage in a foreign namespace are found.
TEST(soapFaultReader, ReadsNamespacedErrorCodeAndMessage) {
  const auto fields = ReadFaultDetail(
      "<e:Info xmlns:e=\"urn:x\"><e:errorCode> E-1 </e:errorCode>"
      "<e:errorMessage>Broken &amp; down</e:errorMessage></e:Info>");
  EXPECT_EQ(fields.code, "E-1");
  EXPECT_EQ(fields.message, "Broken & down");
}

// faultCode and description, unprefixed and nested deeper, are found.
TEST(soapFaultReader, ReadsFaultCodeAndDescriptionAtAnyDepth) {
  const auto fields =
      ReadFaultDetail("<a><b><FaultCode>F9</FaultCode></b><c><d><Description>Down</Description></d></c></a>");
  EXPECT_EQ(fields.code, "F9");
  EXPECT_EQ(fields.message, "Down");
}

// The first match in document order wins, across several top-level elements.
TEST(soapFaultReader, FirstMatchInDocumentOrderAcrossFragments) {
  const auto fields = ReadFaultDetail(
      "<x><code>first</code></x><y><code>second</code><message>m1</message></y>"
      "<message>m2</message>");
  EXPECT_EQ(fields.code, "first");
  EXPECT_EQ(fields.message, "m1");
}

// Missing elements leave the fields empty.
TEST(soapFaultReader, NothingFoundGivesEmptyFields) {
  const auto fields = ReadFaultDetail("<other>text</other>");
  EXPECT_EQ(fields.code, "");
  EXPECT_EQ(fields.message, "");
}

// Malformed XML gives empty fields, no failure.
TEST(soapFaultReader, MalformedXmlGivesEmptyFields) {
  EXPECT_EQ(ReadFaultDetail("<code>1</cod>").code, "");
  EXPECT_EQ(ReadFaultDetail("").code, "");
}

// A DOCTYPE is refused outright (no entity processing at all).
TEST(soapFaultReader, DoctypeIsRefused) {
  const auto fields = ReadFaultDetail("<!DOCTYPE a [<!ENTITY x \"y\">]><a><code>1</code><message>&x;</message></a>");
  EXPECT_EQ(fields.code, "");
  EXPECT_EQ(fields.message, "");
}

// Input beyond the size cap is not parsed.
TEST(soapFaultReader, OversizedInputIsNotParsed) {
  std::string big = "<a><code>1</code>";
  big += std::string(kMaxFaultDetailBytes, ' ');
  big += "</a>";
  EXPECT_EQ(ReadFaultDetail(big).code, "");
}

// Very deep nesting within the cap is handled without recursion.
TEST(soapFaultReader, DeepNestingIsHandled) {
  std::string deep;
  for (int i = 0; i < 5000; ++i) deep += "<n>";
  deep += "<code>deep</code>";
  for (int i = 0; i < 5000; ++i) deep += "</n>";
  EXPECT_EQ(ReadFaultDetail(deep).code, "deep");
}

// A long field is cut to kMaxFaultFieldBytes without splitting a UTF-8 character.
TEST(soapFaultReader, LongFieldIsCutOnCharacterBoundary) {
  std::string text;
  while (text.size() < 3 * kMaxFaultFieldBytes) text += "€";
  const auto fields = ReadFaultDetail("<message>" + text + "</message>");
  EXPECT_LE(fields.message.size(), kMaxFaultFieldBytes);
  EXPECT_EQ(fields.message.size() % 3, 0u);
  EXPECT_EQ(fields.message, text.substr(0, fields.message.size()));
}

}  // namespace
}  // namespace voip::soap
