// libFuzzer harness: any bytes as a POST /soap body through the SOAP face
// (DOCTYPE scan, depth bound, gSOAP's generated deserialiser over memory, the
// IdempotencyKey header, the operation, rendering), announced as the SOAP
// version the envelope's namespace suggests (the other one for every fifth
// length, to reach VersionMismatch too), so the fixtures are good seeds. Must never crash or hit undefined behaviour;
// the answer is always one of the documented statuses, 200 exactly when the core ran, with a body; the core runs only
// for a body that keeps XML 1.0's character rules (adapter/soap/xml_chars.h), and a refusal for breaking them is a
// fault carrying BUSINESS 10685.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <variant>

#include "adapter/migration_request.h"
#include "adapter/soap/xml_chars.h"
#include "http/soap_face.h"

namespace {

// The core as far as it needs no backend: validation, then a success or the faults.
voip::CoreAnswer Core(const voip::SoapOperation& operation) {
  voip::CoreAnswer answer;
  voip::ValidationResult validated = voip::Validate(operation.input);
  if (auto* faults = std::get_if<std::vector<voip::Fault>>(&validated)) {
    answer.outcome.faults = std::move(*faults);
    answer.outcome.failure_class = voip::FailureClass::kInvalidRequest;
  } else {
    answer.outcome.order_number = "WO1000000001";
  }
  if (operation.idempotency_key && operation.idempotency_key->size() % 7 == 3) {
    answer.replay = voip::StoredAnswer{200, "<kept/>"};  // exercise the replay path too
  }
  return answer;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const bool soap12 =
      (body.find("http://www.w3.org/2003/05/soap-envelope") != std::string_view::npos) != (size % 5 == 0);
  const voip::SoapCall call{body, soap12 ? "application/soap+xml; charset=utf-8" : "text/xml; charset=utf-8",
                            std::string(voip::kCreateSoapAction)};
  bool core_ran = false;
  const voip::SoapAnswer answer = voip::ServeSoap(
      call,
      [&](const voip::SoapOperation& operation) {
        core_ran = true;
        return Core(operation);
      },
      voip::soap::SoapLimits{64 * 1024, 32, 1000});
  const int status = answer.reply.status;
  if (status != 200 && status != 400 && status != 413 && status != 500) std::abort();
  if (core_ran != (status == 200) || core_ran != answer.outcome.has_value()) std::abort();
  if (answer.reply.body.empty()) std::abort();
  const bool bad_characters = voip::soap::FindXmlCharError(body).has_value();
  if (core_ran && bad_characters) std::abort();  // gSOAP would have cut or passed on a value
  if (bad_characters && size <= 64 * 1024 &&
      answer.reply.body.find("<spm:code>10685</spm:code>") == std::string::npos) {
    std::abort();
  }
  return 0;
}
