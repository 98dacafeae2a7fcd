#include "http/request_record.h"

namespace voip {
namespace {

double Millis(std::chrono::microseconds us) { return static_cast<double>(us.count()) / 1000.0; }

void AddMasked(nlohmann::json& fields, const char* name, const FieldInput& field) {
  if (field.kind == FieldInput::Kind::kText || field.kind == FieldInput::Kind::kInteger) {
    fields[name] = Mask(field.text);
  }
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

}  // namespace

void RecordFinishedRequest(const FinishedRequest& request, Metrics& metrics, Logger& logger) {
  const MigrationOutcome& outcome = *request.outcome;
  metrics.RecordRequest(request.face, outcome, request.http_status, request.total);
  const LogLevel level = request.soap_fault ? LogLevel::kInfo : LevelFor(outcome, request.http_status);
  if (!logger.Enabled(level)) return;

  nlohmann::json codes = nlohmann::json::array();
  for (const Fault& fault : outcome.faults) codes.push_back(fault.Code());
  nlohmann::json fields = {{"correlationId", request.correlation_id},
                           {"face", FaceName(request.face)},
                           {"outcome", request.soap_fault ? "soapFault" : outcome.order_number ? "success" : "failure"},
                           {"status", request.http_status},
                           {"faultCodes", std::move(codes)},
                           {"totalMs", Millis(request.total)}};
  if (request.input != nullptr) {
    AddMasked(fields, "telephoneNumber", request.input->telephone_number);
    AddMasked(fields, "accountNumber", request.input->account_number);
  }
  if (outcome.work_order_called) fields["workOrderMs"] = Millis(outcome.work_order_time);
  if (outcome.midas_called) fields["midasMs"] = Millis(outcome.midas_time);
  if (outcome.work_order_error) {
    fields["workOrderError"] = BackendErrorKindName(*outcome.work_order_error);
    fields["workOrderDiagnostic"] = outcome.work_order_diagnostic;
  }
  if (outcome.midas_error) {
    fields["midasError"] = BackendErrorKindName(*outcome.midas_error);
    fields["midasDiagnostic"] = outcome.midas_diagnostic;
    fields["midasUpdate"] = MidasFollowUpName(outcome.midas_follow_up);
  }
  if (outcome.work_order_circuit_open) fields["workOrderCircuit"] = "open";
  if (outcome.midas_deadline_passed) {
    fields["midasSkipped"] = "deadline";
    fields["midasUpdate"] = MidasFollowUpName(outcome.midas_follow_up);
  }
  if (outcome.midas_circuit_open) {
    fields["midasCircuit"] = "open";
    fields["midasUpdate"] = MidasFollowUpName(outcome.midas_follow_up);
  }
  if (outcome.store_error) fields["storeError"] = *outcome.store_error;
  if (outcome.idempotent_replay) fields["idempotentReplay"] = true;
  if (outcome.work_order_outcome_unknown && logger.Enabled(LogLevel::kWarn)) {
    // Its own event, so that operators can alert on it: the work order may or
    // may not exist until someone checks (docs/delivery.md, outbox resolve).
    nlohmann::json unknown = {{"correlationId", request.correlation_id},
                              {"face", FaceName(request.face)},
                              {"workOrderError", fields.value("workOrderError", "")},
                              {"recorded", !outcome.store_error.has_value()}};
    if (outcome.outbox_entry) unknown["entry"] = *outcome.outbox_entry;
    if (fields.contains("telephoneNumber")) unknown["telephoneNumber"] = fields["telephoneNumber"];
    if (fields.contains("accountNumber")) unknown["accountNumber"] = fields["accountNumber"];
    logger.Log(LogLevel::kWarn, "work_order_outcome_unknown", std::move(unknown));
  }
  logger.Log(level, "request", std::move(fields));
}

}  // namespace voip
