#include "adapter/migration_request.h"

#include <gtest/gtest.h>

#include "tests/support/sample_input.h"

namespace voip {
namespace {

std::vector<std::string> Details(const ValidationResult& result) {
  std::vector<std::string> details;
  if (auto* faults = std::get_if<std::vector<Fault>>(&result)) {
    for (const Fault& f : *faults) {
      EXPECT_EQ(f.type, FaultType::kBusiness);
      details.push_back(f.detail);
    }
  }
  return details;
}

// A complete request passes and is typed.
TEST(ValidateTest, AcceptsTheDocumentedExample) {
  ValidationResult result = Validate(testing::SampleRequestInput());
  ASSERT_TRUE(std::holds_alternative<MigrationRequest>(result));
  const auto& request = std::get<MigrationRequest>(result);
  EXPECT_EQ(request.telephone_number, "447874384949");
  EXPECT_EQ(request.account_number, "123456789");
  EXPECT_EQ(request.site_reference, 42);
}

// Surrounding whitespace is not part of a value.
TEST(ValidateTest, TrimsSurroundingWhitespace) {
  MigrationRequestInput input = testing::SampleRequestInput();
  input.telephone_number = FieldInput::Text("  447874384949\t");
  input.account_number = FieldInput::Text(" 123456789 ");
  input.site_reference = FieldInput::Text(" 42 ");
  const ValidationResult result = Validate(input);
  ASSERT_TRUE(std::holds_alternative<MigrationRequest>(result));
  const auto& request = std::get<MigrationRequest>(result);
  EXPECT_EQ(request.telephone_number, "447874384949");
  EXPECT_EQ(request.account_number, "123456789");
  EXPECT_EQ(request.site_reference, 42);
}

// Every missing field is reported, all together, one fault each.
TEST(ValidateTest, ReportsAllMissingFieldsTogether) {
  EXPECT_EQ(Details(Validate(MigrationRequestInput{})),
            (std::vector<std::string>{"telephoneNumber must not be null or blank",
                                      "accountIdentification.accountNumber must not be null or blank",
                                      "accountIdentification.siteReference must not be null or blank"}));
}

// Null is treated like missing.
TEST(ValidateTest, RejectsNulls) {
  MigrationRequestInput input = testing::SampleRequestInput();
  input.telephone_number = FieldInput::Null();
  input.site_reference = FieldInput::Null();
  EXPECT_EQ(Details(Validate(input)),
            (std::vector<std::string>{"telephoneNumber must not be null or blank",
                                      "accountIdentification.siteReference must not be null or blank"}));
}

// Whitespace-only strings are blank.
TEST(ValidateTest, RejectsBlankStrings) {
  MigrationRequestInput input = testing::SampleRequestInput();
  input.telephone_number = FieldInput::Text(" \t ");
  input.account_number = FieldInput::Text("");
  input.site_reference = FieldInput::Text("   ");
  EXPECT_EQ(Details(Validate(input)).size(), 3u);
}

// A telephone number is digits only.
TEST(ValidateTest, RejectsTelephoneNumberWithNonDigits) {
  MigrationRequestInput input = testing::SampleRequestInput();
  input.telephone_number = FieldInput::Text("+44 7874 384949");
  EXPECT_EQ(Details(Validate(input)),
            (std::vector<std::string>{
                "telephoneNumber must contain digits only (E.164 without '+', for example 447874384949)"}));
}

// A telephone number has 7 to 15 digits (E.164).
TEST(ValidateTest, RejectsTelephoneNumberOfWrongLength) {
  MigrationRequestInput input = testing::SampleRequestInput();
  input.telephone_number = FieldInput::Text("1234567890123456");
  EXPECT_EQ(Details(Validate(input)), (std::vector<std::string>{"telephoneNumber must have 7 to 15 digits"}));
  input.telephone_number = FieldInput::Text("123456");
  EXPECT_EQ(Details(Validate(input)), (std::vector<std::string>{"telephoneNumber must have 7 to 15 digits"}));
}

// A telephone number sent as a JSON number is the wrong type.
TEST(ValidateTest, RejectsTelephoneNumberAsNumber) {
  MigrationRequestInput input = testing::SampleRequestInput();
  input.telephone_number = FieldInput::Integer("447874384949");
  EXPECT_EQ(Details(Validate(input)), (std::vector<std::string>{"telephoneNumber must be a string"}));
}

// siteReference text that is not a number is rejected.
TEST(ValidateTest, RejectsNonNumericSiteReference) {
  MigrationRequestInput input = testing::SampleRequestInput();
  input.site_reference = FieldInput::Text("forty-two");
  EXPECT_EQ(Details(Validate(input)),
            (std::vector<std::string>{"accountIdentification.siteReference must be an integer"}));
}

// siteReference given as numeric text is accepted.
TEST(ValidateTest, AcceptsNumericTextSiteReference) {
  MigrationRequestInput input = testing::SampleRequestInput();
  input.site_reference = FieldInput::Text("-7");
  EXPECT_EQ(std::get<MigrationRequest>(Validate(input)).site_reference, -7);
}

// A float is not an integer.
TEST(ValidateTest, RejectsFloatSiteReference) {
  MigrationRequestInput input = testing::SampleRequestInput();
  input.site_reference = {FieldInput::Kind::kNumber, "42.5"};
  EXPECT_EQ(Details(Validate(input)),
            (std::vector<std::string>{"accountIdentification.siteReference must be an integer"}));
}

// siteReference must fit in 32 bits, as the contracts declare xs:int.
TEST(ValidateTest, RejectsSiteReferenceOutOfInt32Range) {
  MigrationRequestInput input = testing::SampleRequestInput();
  input.site_reference = FieldInput::Integer("2147483648");
  EXPECT_EQ(Details(Validate(input)),
            (std::vector<std::string>{
                "accountIdentification.siteReference must be an integer between -2147483648 and 2147483647"}));
  input.site_reference = FieldInput::Integer("99999999999999999999999");
  EXPECT_EQ(Details(Validate(input)).size(), 1u);
  input.site_reference = FieldInput::Integer("2147483647");
  EXPECT_EQ(std::get<MigrationRequest>(Validate(input)).site_reference, 2147483647);
}

// Booleans, arrays and objects are wrong types for every field.
TEST(ValidateTest, RejectsWrongTypes) {
  MigrationRequestInput input = testing::SampleRequestInput();
  input.account_number = {FieldInput::Kind::kBoolean, "true"};
  input.site_reference = {FieldInput::Kind::kArray, {}};
  EXPECT_EQ(Details(Validate(input)),
            (std::vector<std::string>{"accountIdentification.accountNumber must be a string",
                                      "accountIdentification.siteReference must be an integer"}));
}

// accountIdentification that is not an object is one fault, not two.
TEST(ValidateTest, RejectsAccountIdentificationThatIsNotAnObject) {
  MigrationRequestInput input = testing::SampleRequestInput();
  input.account_identification = FieldInput::Text("123456789/42");
  input.account_number = FieldInput::Absent();
  input.site_reference = FieldInput::Absent();
  EXPECT_EQ(Details(Validate(input)), (std::vector<std::string>{"accountIdentification must be an object"}));
}

// Account numbers longer than the contracts allow never reach a backend.
TEST(ValidateTest, RejectsAccountNumberLongerThan32Characters) {
  MigrationRequestInput input = testing::SampleRequestInput();
  input.account_number = FieldInput::Text(std::string(33, '1'));
  EXPECT_EQ(Details(Validate(input)),
            (std::vector<std::string>{"accountIdentification.accountNumber must be at most 32 characters"}));
}

// Length counts characters, not bytes.
TEST(ValidateTest, CountsAccountNumberLengthInCharacters) {
  MigrationRequestInput input = testing::SampleRequestInput();
  std::string thirty_two_characters;
  for (int i = 0; i < 32; ++i) thirty_two_characters += "\xC3\xA9";  // é
  input.account_number = FieldInput::Text(thirty_two_characters);
  EXPECT_TRUE(std::holds_alternative<MigrationRequest>(Validate(input)));
}

// Control characters and invalid UTF-8 are refused.
TEST(ValidateTest, RejectsControlCharactersAndInvalidUtf8InAccountNumber) {
  MigrationRequestInput input = testing::SampleRequestInput();
  input.account_number = FieldInput::Text("123\r\n456");
  EXPECT_EQ(Details(Validate(input)),
            (std::vector<std::string>{"accountIdentification.accountNumber must not contain control characters"}));
  input.account_number = FieldInput::Text("123\xFF");
  EXPECT_EQ(Details(Validate(input)),
            (std::vector<std::string>{"accountIdentification.accountNumber must be valid UTF-8"}));
}

// XML-special characters are allowed: escaping is the SOAP layer's job.
TEST(ValidateTest, AcceptsXmlSpecialCharactersInAccountNumber) {
  MigrationRequestInput input = testing::SampleRequestInput();
  input.account_number = FieldInput::Text("A<&]]>1");
  EXPECT_EQ(std::get<MigrationRequest>(Validate(input)).account_number, "A<&]]>1");
}

}  // namespace
}  // namespace voip
