#include "http/request_record.h"

#include <optional>
#include <string>
#include <vector>

namespace voip {
namespace {

std::optional<std::string> Masked(const FieldInput& field) {
  if (field.kind == FieldInput::Kind::kText || field.kind == FieldInput::Kind::kInteger) return Mask(field.text);
  return std::nullopt;
}

const char* MidasFollowUpName(MidasFollowUp follow_up) {
  switch (follow_up) {
    case MidasFollowUp::kPending: return "pending";
    case MidasFollowUp::kParked: return "parked";
    case MidasFollowUp::kNotKept: break;
  }
  return "not_kept";
}

LogLevel LevelFor(const MigrationOutcome& outcome, int http_status) {
  if (outcome.store_error) return LogLevel::kError;  // a durability promise could not be kept
  const bool backend_trouble = outcome.work_order_error || outcome.midas_error || outcome.work_order_circuit_open ||
                               outcome.midas_circuit_open || outcome.midas_deadline_passed;
  if (http_status >= 500 && !backend_trouble) return LogLevel::kError;
  if (backend_trouble) return LogLevel::kWarn;
  return LogLevel::kInfo;
}

// "JSON request answered 200: work order created".
std::string RequestMessage(const FinishedRequest& request, const MigrationOutcome& outcome) {
  std::string message = request.face == Face::kSoap ? "SOAP" : "JSON";
  message += " request answered " + std::to_string(request.http_status);
  if (!request.refusal.empty()) return message + ": refused";
  if (request.soap_fault) return message + ": SOAP Fault";
  return message + (outcome.order_number ? ": work order created" : ": faults");
}

// The request line's fields about a backend that failed or was not called.
void AddBackendTrouble(LogFields& fields, const MigrationOutcome& outcome, const char* work_order_error) {
  if (work_order_error != nullptr) {
    fields.Add("workOrderError", work_order_error).Add("workOrderDiagnostic", outcome.work_order_diagnostic);
  }
  // midasUpdate once, after whichever reason MIDAS was not updated.
  const bool midas_not_updated = outcome.midas_error || outcome.midas_deadline_passed || outcome.midas_circuit_open;
  if (outcome.midas_error) {
    fields.Add("midasError", BackendErrorKindName(*outcome.midas_error))
        .Add("midasDiagnostic", outcome.midas_diagnostic);
  }
  if (outcome.work_order_circuit_open) fields.Add("workOrderCircuit", "open");
  if (outcome.midas_deadline_passed) fields.Add("midasSkipped", "deadline");
  if (outcome.midas_circuit_open) fields.Add("midasCircuit", "open");
  if (midas_not_updated) fields.Add("midasUpdate", MidasFollowUpName(outcome.midas_follow_up));
}

}  // namespace

void RecordFinishedRequest(const FinishedRequest& request, Metrics& metrics, Logger& logger) {
  const MigrationOutcome& outcome = *request.outcome;
  metrics.RecordRequest(request.face, outcome, request.http_status, request.total);
  const LogLevel level = request.soap_fault ? LogLevel::kInfo : LevelFor(outcome, request.http_status);
  if (!logger.Enabled(level)) return;

  std::optional<std::string> telephone;
  std::optional<std::string> account;
  if (request.input != nullptr) {
    telephone = Masked(request.input->telephone_number);
    account = Masked(request.input->account_number);
  }
  const char* work_order_error = outcome.work_order_error ? BackendErrorKindName(*outcome.work_order_error) : nullptr;
  if (outcome.work_order_outcome_unknown && logger.Enabled(LogLevel::kWarn)) {
    // Its own event, so that operators can alert on it: the work order may or
    // may not exist until someone checks (docs/delivery.md, outbox resolve).
    LogFields unknown;
    unknown.Add("correlationId", request.correlation_id)
        .Add("traceId", request.trace.trace_id)
        .Add("spanId", request.trace.span_id)
        .Add("face", FaceName(request.face))
        .Add("workOrderError", work_order_error != nullptr ? work_order_error : "")
        .Add("recorded", !outcome.store_error.has_value());
    if (outcome.outbox_entry) unknown.Add("entry", *outcome.outbox_entry);
    if (telephone) unknown.Add("telephoneNumber", *telephone);
    if (account) unknown.Add("accountNumber", *account);
    logger.Log(LogLevel::kWarn, "work_order_outcome_unknown",
               "The work order may or may not exist: check it, then resolve the outbox entry", unknown);
  }

  std::vector<std::string> codes;
  codes.reserve(outcome.faults.size());
  for (const Fault& fault : outcome.faults) codes.push_back(fault.Code());
  LogFields fields;
  fields.Add("correlationId", request.correlation_id)
      .Add("traceId", request.trace.trace_id)
      .Add("spanId", request.trace.span_id)
      .Add("face", FaceName(request.face))
      .Add("outcome", request.soap_fault     ? "soapFault"
                      : outcome.order_number ? "success"
                                             : "failure")
      .Add("status", request.http_status)
      .Add("faultCodes", codes)
      .AddMillis("totalMs", request.total);
  if (telephone) fields.Add("telephoneNumber", *telephone);
  if (account) fields.Add("accountNumber", *account);
  if (outcome.work_order_called) fields.AddMillis("workOrderMs", outcome.work_order_time);
  if (outcome.midas_called) fields.AddMillis("midasMs", outcome.midas_time);
  AddBackendTrouble(fields, outcome, work_order_error);
  if (outcome.store_error) fields.Add("storeError", *outcome.store_error);
  if (outcome.idempotent_replay) fields.Add("idempotentReplay", true);
  if (!request.refusal.empty()) fields.Add("refusal", request.refusal);
  logger.Log(level, "request", RequestMessage(request, outcome), fields);
}

}  // namespace voip
