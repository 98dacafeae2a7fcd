#include "adapter/migration_request.h"

#include <cerrno>
#include <cstdlib>
#include <limits>

#include "platform/text.h"

namespace voip {
namespace {

using Kind = FieldInput::Kind;

constexpr const char* kTelephone = "telephoneNumber";
constexpr const char* kAccountIdentification = "accountIdentification";
constexpr const char* kAccountNumber = "accountIdentification.accountNumber";
constexpr const char* kSiteReference = "accountIdentification.siteReference";

bool AllDigits(const std::string& s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return !s.empty();
}

bool HasControlCharacter(const std::string& s) {
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) return true;
  }
  return false;
}

std::string MustNotBeNullOrBlank(const char* field) { return std::string(field) + " must not be null or blank"; }

// Returns the trimmed text of a required string field, or adds a fault.
bool RequiredText(const FieldInput& input, const char* field, std::vector<Fault>& faults, std::string& out) {
  switch (input.kind) {
    case Kind::kAbsent:
    case Kind::kNull: faults.push_back(BusinessFault(MustNotBeNullOrBlank(field))); return false;
    case Kind::kText:
      out = std::string(Trim(input.text));
      if (out.empty()) {
        faults.push_back(BusinessFault(MustNotBeNullOrBlank(field)));
        return false;
      }
      return true;
    default: faults.push_back(BusinessFault(std::string(field) + " must be a string")); return false;
  }
}

void ValidateTelephoneNumber(const FieldInput& input, std::vector<Fault>& faults, MigrationRequest& request) {
  std::string text;
  if (!RequiredText(input, kTelephone, faults, text)) return;
  if (!AllDigits(text)) {
    faults.push_back(BusinessFault(std::string(kTelephone) +
                                   " must contain digits only (E.164 without '+', for example 447874384949)"));
    return;
  }
  if (text.size() < kTelephoneMinDigits || text.size() > kTelephoneMaxDigits) {
    faults.push_back(BusinessFault(std::string(kTelephone) + " must have " + std::to_string(kTelephoneMinDigits) +
                                   " to " + std::to_string(kTelephoneMaxDigits) + " digits"));
    return;
  }
  request.telephone_number = std::move(text);
}

void ValidateAccountNumber(const FieldInput& input, std::vector<Fault>& faults, MigrationRequest& request) {
  std::string text;
  if (!RequiredText(input, kAccountNumber, faults, text)) return;
  const long length = Utf8Length(text);
  if (length < 0) {
    faults.push_back(BusinessFault(std::string(kAccountNumber) + " must be valid UTF-8"));
    return;
  }
  if (static_cast<std::size_t>(length) > kAccountNumberMaxLength) {
    faults.push_back(BusinessFault(std::string(kAccountNumber) + " must be at most " +
                                   std::to_string(kAccountNumberMaxLength) + " characters"));
    return;
  }
  if (HasControlCharacter(text)) {
    faults.push_back(BusinessFault(std::string(kAccountNumber) + " must not contain control characters"));
    return;
  }
  request.account_number = std::move(text);
}

// Parses an optionally signed decimal integer that must fit in 32 bits.
enum class IntParse { kOk, kNotInteger, kOutOfRange };
IntParse ParseInt32(const std::string& literal, std::int32_t& out) {
  std::size_t i = (!literal.empty() && (literal[0] == '-' || literal[0] == '+')) ? 1 : 0;
  if (!AllDigits(literal.substr(i))) return IntParse::kNotInteger;
  errno = 0;
  char* end = nullptr;
  const long long value = std::strtoll(literal.c_str(), &end, 10);
  if (errno == ERANGE || value < std::numeric_limits<std::int32_t>::min() ||
      value > std::numeric_limits<std::int32_t>::max()) {
    return IntParse::kOutOfRange;
  }
  out = static_cast<std::int32_t>(value);
  return IntParse::kOk;
}

void ValidateSiteReference(const FieldInput& input, std::vector<Fault>& faults, MigrationRequest& request) {
  std::string literal;
  switch (input.kind) {
    case Kind::kAbsent:
    case Kind::kNull: faults.push_back(BusinessFault(MustNotBeNullOrBlank(kSiteReference))); return;
    case Kind::kText:
    case Kind::kInteger:
      literal = std::string(Trim(input.text));
      if (literal.empty()) {
        faults.push_back(BusinessFault(MustNotBeNullOrBlank(kSiteReference)));
        return;
      }
      break;
    default: faults.push_back(BusinessFault(std::string(kSiteReference) + " must be an integer")); return;
  }
  switch (ParseInt32(literal, request.site_reference)) {
    case IntParse::kOk: return;
    case IntParse::kNotInteger:
      faults.push_back(BusinessFault(std::string(kSiteReference) + " must be an integer"));
      return;
    case IntParse::kOutOfRange:
      faults.push_back(
          BusinessFault(std::string(kSiteReference) + " must be an integer between -2147483648 and 2147483647"));
      return;
  }
}

}  // namespace

ValidationResult Validate(const MigrationRequestInput& input) {
  std::vector<Fault> faults;
  MigrationRequest request;
  ValidateTelephoneNumber(input.telephone_number, faults, request);
  const Kind parent = input.account_identification.kind;
  if (parent == Kind::kObject || parent == Kind::kAbsent || parent == Kind::kNull) {
    ValidateAccountNumber(input.account_number, faults, request);
    ValidateSiteReference(input.site_reference, faults, request);
  } else {
    faults.push_back(BusinessFault(std::string(kAccountIdentification) + " must be an object"));
  }
  if (!faults.empty()) return faults;
  return request;
}

}  // namespace voip
