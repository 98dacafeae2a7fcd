// Helpers for tests of the SOAP face: request envelopes, and a reading of the
// answer in the JSON face's shape so that both faces can be compared.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace voip::testing {

inline constexpr const char* kSoap12EnvelopeNs = "http://www.w3.org/2003/05/soap-envelope";
inline constexpr const char* kSpmNs = "http://schemas.cableco.example/spm/voip-migration/v1";

// <env:Envelope xmlns:env=ENVELOPE_NS xmlns:v=spm><env:Body>BODY</env:Body></env:Envelope>,
// with `header` (when not empty) as the env:Header's content.
std::string SoapEnvelope(const std::string& body, const char* envelope_ns, const std::string& header = "");

// A v:CreateVOIPMigrationWorkOrder element with the three values as given.
std::string CreateRequest(const std::string& telephone, const std::string& account = "123456789",
                          const std::string& site = "42");

struct SoapAnswer {
  std::string envelope_ns;   // namespace of the root Envelope; empty when not an envelope
  std::string payload;       // "{namespace}localName" of the Body's first element
  std::string fault_code;    // faultcode (1.1) or Code/Value (1.2) text, prefix removed
  std::string fault_reason;  // faultstring (1.1) or Reason/Text (1.2)
  bool has_fault_detail = false;
  // The spm:fault entries in a SOAP Fault's detail, in the JSON face's shape
  // ([{"type":..,"code":..,..}]); empty when there are none.
  nlohmann::json fault_detail_entries = nlohmann::json::array();
  // A CreateVOIPMigrationWorkOrderResponse as the JSON face would render it:
  // {"CreateVOIPMigrationWorkOrder":{"success":{"orderNumber":..,"fault":[..]}}}
  // or {..{"failure":{"fault":[..]}}}; null when the answer is something else.
  nlohmann::json response;
};

// Reads an answer of the SOAP face (namespace-aware, either SOAP version).
SoapAnswer ReadSoapAnswer(const std::string& xml);

}  // namespace voip::testing
