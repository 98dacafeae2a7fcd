#include "tests/support/sample_input.h"

namespace voip::testing {

MigrationRequestInput SampleRequestInput() {
  MigrationRequestInput input;
  input.telephone_number = FieldInput::Text("447874384949");
  input.account_identification = {FieldInput::Kind::kObject, {}};
  input.account_number = FieldInput::Text("123456789");
  input.site_reference = FieldInput::Integer("42");
  return input;
}

}  // namespace voip::testing
