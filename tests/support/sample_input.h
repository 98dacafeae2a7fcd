// A valid request as a face reads it, for the tests of what follows reading:
// validation, the flow and the request record.
#pragma once

#include "adapter/migration_request.h"

namespace voip::testing {

// Telephone number 447874384949, account 123456789, site reference 42.
MigrationRequestInput SampleRequestInput();

}  // namespace voip::testing
