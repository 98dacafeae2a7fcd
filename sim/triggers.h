// The simulators' deterministic triggers: a telephone number in the UK Ofcom
// drama range (4477009000xx, never a real customer) selects an outcome.
// Documented for users in docs/simulators.md; tests use these constants.
#pragma once

#include <string_view>

namespace voip::sim {

// Telephone numbers that trigger something other than success.
inline constexpr std::string_view kWorkOrderBusinessFaultNumber = "447700900001";
inline constexpr std::string_view kWorkOrderSystemFaultNumber = "447700900002";
inline constexpr std::string_view kWorkOrderSlowNumber = "447700900003";
inline constexpr std::string_view kWorkOrderMalformedNumber = "447700900004";
inline constexpr std::string_view kWorkOrderHtmlErrorNumber = "447700900005";
inline constexpr std::string_view kWorkOrderForeignFaultNumber = "447700900006";
inline constexpr std::string_view kMidasSystemFaultNumber = "447700900007";
inline constexpr std::string_view kMidasSlowNumber = "447700900008";
inline constexpr std::string_view kMidasBusinessFaultNumber = "447700900009";

// Fault details the simulators answer with (the backend's own vocabulary).
inline constexpr std::string_view kWorkOrderBusinessFaultCode = "WO-2001";
inline constexpr std::string_view kWorkOrderBusinessFaultMessage = "Site reference not known to the work-order system";
inline constexpr std::string_view kWorkOrderSystemFaultCode = "WO-5001";
inline constexpr std::string_view kWorkOrderSystemFaultMessage = "Scheduling engine unavailable";
inline constexpr std::string_view kForeignFaultNamespace = "http://schemas.esb-platform.example/errors/v2";
inline constexpr std::string_view kForeignFaultCode = "ESB-9001";
inline constexpr std::string_view kForeignFaultMessage = "Upstream dispatcher failure";
inline constexpr std::string_view kMidasSystemFaultCode = "MIDAS-5003";
inline constexpr std::string_view kMidasSystemFaultMessage = "Customer record locked";
inline constexpr std::string_view kMidasBusinessFaultCode = "MIDAS-2004";
inline constexpr std::string_view kMidasBusinessFaultMessage = "Account not found";

// Numbering of what the simulators hand out: "WO" / "UPD" + 10 digits, from a
// per-simulator counter starting here.
inline constexpr long long kFirstSequenceNumber = 1000000001;

enum class WorkOrderOutcome {
  kCreated,        // success with a new order number
  kBusinessFault,  // SOAP Client fault, typed WorkOrderFault detail, category BUSINESS
  kSystemFault,    // SOAP Server fault, typed WorkOrderFault detail, category SYSTEM
  kSlowCreated,    // waits SimOptions::slow_ms, then success
  kMalformed,      // HTTP 200 text/xml, body not well-formed (truncated envelope)
  kHtmlError,      // HTTP 500 text/html error page
  kForeignFault,   // SOAP Server fault whose detail is an undeclared element
};

enum class MidasOutcome {
  kAcknowledged,      // acknowledged with an update reference
  kSystemFault,       // SOAP Server fault, typed MidasFault detail, category SYSTEM
  kSlowAcknowledged,  // waits SimOptions::slow_ms, then acknowledged
  kBusinessFault,     // SOAP Client fault, typed MidasFault detail, category BUSINESS
};

constexpr WorkOrderOutcome WorkOrderOutcomeFor(std::string_view telephone_number) {
  if (telephone_number == kWorkOrderBusinessFaultNumber) return WorkOrderOutcome::kBusinessFault;
  if (telephone_number == kWorkOrderSystemFaultNumber) return WorkOrderOutcome::kSystemFault;
  if (telephone_number == kWorkOrderSlowNumber) return WorkOrderOutcome::kSlowCreated;
  if (telephone_number == kWorkOrderMalformedNumber) return WorkOrderOutcome::kMalformed;
  if (telephone_number == kWorkOrderHtmlErrorNumber) return WorkOrderOutcome::kHtmlError;
  if (telephone_number == kWorkOrderForeignFaultNumber) return WorkOrderOutcome::kForeignFault;
  return WorkOrderOutcome::kCreated;
}

constexpr MidasOutcome MidasOutcomeFor(std::string_view telephone_number) {
  if (telephone_number == kMidasSystemFaultNumber) return MidasOutcome::kSystemFault;
  if (telephone_number == kMidasSlowNumber) return MidasOutcome::kSlowAcknowledged;
  if (telephone_number == kMidasBusinessFaultNumber) return MidasOutcome::kBusinessFault;
  return MidasOutcome::kAcknowledged;
}

}  // namespace voip::sim
