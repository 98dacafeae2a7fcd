// The request model of CreateVOIPMigrationWorkOrder and its validation. No I/O.
//
// A face (JSON or SOAP) reads what the caller sent into MigrationRequestInput
// without applying any rule; Validate applies every rule of the service
// description and reports all problems together, one fault each.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "adapter/fault.h"

namespace voip {

// What a face read for one field, before any rule is applied.
struct FieldInput {
  enum class Kind {
    kAbsent,   // not present at all
    kNull,     // present, explicitly null (JSON null, xsi:nil)
    kText,     // a string; `text` holds it
    kInteger,  // a number without fraction or exponent; `text` holds the literal
    kNumber,   // any other number; `text` holds the literal
    kBoolean,  // true/false
    kObject,   // an object / element with children
    kArray,    // an array
  };
  Kind kind = Kind::kAbsent;
  std::string text;

  static FieldInput Absent() { return {}; }
  static FieldInput Null() { return {Kind::kNull, {}}; }
  static FieldInput Text(std::string s) { return {Kind::kText, std::move(s)}; }
  static FieldInput Integer(std::string literal) { return {Kind::kInteger, std::move(literal)}; }
};

struct MigrationRequestInput {
  FieldInput telephone_number;        // telephoneNumber
  FieldInput account_identification;  // accountIdentification (kObject when present as one)
  FieldInput account_number;          // accountIdentification.accountNumber
  FieldInput site_reference;          // accountIdentification.siteReference
};

// A request that passed validation: trimmed, typed, safe to send.
struct MigrationRequest {
  std::string telephone_number;  // 7 to 15 digits
  std::string account_number;    // 1 to 32 characters, no control characters
  std::int32_t site_reference = 0;
};

// Limits from the contracts (wsdl/), enforced before any backend is called.
inline constexpr std::size_t kTelephoneMinDigits = 7;
inline constexpr std::size_t kTelephoneMaxDigits = 15;
inline constexpr std::size_t kAccountNumberMaxLength = 32;

using ValidationResult = std::variant<MigrationRequest, std::vector<Fault>>;

// Applies every rule; on failure returns one BUSINESS fault per problem, each
// `detail` naming the field by its JSON path.
[[nodiscard]] ValidationResult Validate(const MigrationRequestInput& input);

}  // namespace voip
