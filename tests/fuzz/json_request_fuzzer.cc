// libFuzzer harness: any bytes as a JSON request body through the JSON face's
// parser, then the validator, then the failure rendering. Must never crash,
// leak or hit undefined behaviour (built with ASan and UBSan), and every
// rejection must carry at least one fault.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "adapter/migration_request.h"
#include "http/json_face.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  auto parsed = voip::ParseJsonRequest(body);
  if (const auto* input = std::get_if<voip::MigrationRequestInput>(&parsed)) {
    const voip::ValidationResult result = voip::Validate(*input);
    if (const auto* faults = std::get_if<std::vector<voip::Fault>>(&result)) {
      if (faults->empty()) std::abort();  // a rejection without a reason
      voip::MigrationOutcome outcome;
      outcome.failure_class = voip::FailureClass::kInvalidRequest;
      outcome.faults = *faults;
      if (voip::RenderJson(outcome).empty()) std::abort();
    }
  } else if (std::get<voip::Fault>(parsed).detail.empty()) {
    std::abort();
  }
  return 0;
}
