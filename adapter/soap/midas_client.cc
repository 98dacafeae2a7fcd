#include "adapter/soap/midas_client.h"

#include <optional>
#include <string>
#include <utility>

#include "adapter/soap/soap_fault_reader.h"
#include "platform/text.h"
#include "soapMidasCustomerBindingProxy.h"

namespace voip {
namespace {

constexpr std::size_t kMaxCorrelationIdBytes = 64;  // midas:CorrelationId maxLength
constexpr std::size_t kMaxReasonChars = 512;        // midas:Reason maxLength
// Less than this left of the request's deadline: no repeat on a new connection.
constexpr std::chrono::milliseconds kMinRepeatTime{100};

midas__MigrationStatus ToWire(MigrationStatus status) {
  switch (status) {
    case MigrationStatus::kWorkOrderCreated: return midas__MigrationStatus__WORK_USCOREORDER_USCORECREATED;
    case MigrationStatus::kWorkOrderFailed: return midas__MigrationStatus__WORK_USCOREORDER_USCOREFAILED;
    case MigrationStatus::kWorkOrderOutcomeUnknown:
      return midas__MigrationStatus__WORK_USCOREORDER_USCOREOUTCOME_USCOREUNKNOWN;
  }
  return midas__MigrationStatus__WORK_USCOREORDER_USCOREOUTCOME_USCOREUNKNOWN;
}

const _midas__MidasFault* TypedDetail(const struct soap* soap) {
  const SOAP_ENV__Detail* detail = soap::ReceivedFaultDetail(soap);
  return detail == nullptr ? nullptr : detail->midas__MidasFault;
}

BackendError TypedFault(const _midas__MidasFault& fault, const soap::ContextLease& lease) {
  BackendError result;
  result.kind = fault.category == midas__FaultCategory__BUSINESS ? BackendErrorKind::kBusinessFault
                                                                 : BackendErrorKind::kSystemFault;
  result.backend_code = soap::FaultField(fault.code);
  result.backend_message = soap::FaultField(fault.message);
  result.diagnostic = soap::Diagnostic(lease, "MIDAS fault");
  return result;
}

// The backend had closed a kept connection: nothing was answered, and repeating
// an idempotent update on a new connection is safe.
bool StaleKeptConnection(const soap::CallTrace& trace, soap::ExchangePhase phase) {
  if (trace.opened_connection) return false;
  return phase == soap::ExchangePhase::kSend || (trace.bytes_received == 0 && trace.peer_closed);
}

struct Attempt {
  std::optional<BackendResult<MidasAcknowledged>> result;  // empty: repeat on a new connection
};

Attempt UpdateOnce(soap::ContextLease& lease, _midas__UpdateCustomerMigrationStatusRequest& body,
                   const std::vector<std::string>& header_lines, const CallContext& context, bool may_repeat) {
  MidasCustomerBindingProxy proxy(lease.soap(), lease.endpoint());
  if (!lease.BeginExchange(header_lines, context.deadline)) return {soap::SecurityHeaderError()};
  if (proxy.send_UpdateCustomerMigrationStatus(nullptr, nullptr, &body) != SOAP_OK) {
    if (may_repeat && StaleKeptConnection(lease.trace(), soap::ExchangePhase::kSend)) return {};
    return {soap::ClassifyExchangeFailure(lease, soap::ExchangePhase::kSend)};
  }
  _midas__UpdateCustomerMigrationStatusResponse response;
  const int error = proxy.recv_UpdateCustomerMigrationStatus(response);
  if (error == SOAP_OK) {
    if (auto rejected = soap::RejectedAnswer(lease, /*success=*/true)) return {std::move(*rejected)};
    MidasAcknowledged acknowledged;
    if (response.updateReference != nullptr) acknowledged.update_reference = *response.updateReference;
    if (!response.acknowledged) {
      BackendError refused;
      refused.kind = BackendErrorKind::kSystemFault;
      refused.backend_message = "update not acknowledged";
      refused.diagnostic = "MIDAS answered acknowledged=false";
      return {refused};
    }
    return {acknowledged};
  }
  if ((error == SOAP_CLI_FAULT || error == SOAP_SVR_FAULT || error == SOAP_FAULT) && lease.soap()->fault != nullptr &&
      !lease.trace().doctype_in_body) {
    if (auto rejected = soap::RejectedAnswer(lease, /*success=*/false)) return {std::move(*rejected)};
    const _midas__MidasFault* typed = TypedDetail(lease.soap());
    return {typed != nullptr ? TypedFault(*typed, lease) : soap::UntypedFault(lease)};
  }
  if (may_repeat && StaleKeptConnection(lease.trace(), soap::ExchangePhase::kReceive)) return {};
  return {soap::ClassifyExchangeFailure(lease, soap::ExchangePhase::kReceive)};
}

}  // namespace

GsoapMidas::GsoapMidas(BackendEndpoint endpoint, soap::Connector connector)
    : PooledClient(std::move(endpoint), connector) {}

BackendResult<MidasAcknowledged> GsoapMidas::UpdateCustomerMigrationStatus(const MigrationStatusUpdate& update,
                                                                           const CallContext& context) {
  soap::ContextLease lease = pool_.Acquire();
  if (!lease) return soap::NoContextError();
  std::string correlation_id = context.correlation_id.substr(0, kMaxCorrelationIdBytes);
  std::optional<std::string> order_number = update.order_number;
  std::optional<std::string> reason;
  if (update.reason) reason = TruncateUtf8Chars(*update.reason, kMaxReasonChars);

  _midas__UpdateCustomerMigrationStatusRequest body;
  body.accountNumber = update.account_number;
  body.siteReference = update.site_reference;
  body.telephoneNumber = update.telephone_number;
  body.migrationStatus = ToWire(update.status);
  body.orderNumber = order_number ? &*order_number : nullptr;
  body.reason = reason ? &*reason : nullptr;
  body.correlationId = correlation_id.empty() ? nullptr : &correlation_id;

  // X-Correlation-ID, and traceparent with this call's own new span id.
  const std::vector<std::string> header_lines = soap::CallHeaderLines(context, kMaxCorrelationIdBytes);
  // The repeat on a new connection only when the request's deadline leaves
  // time for it.
  const auto remaining = context.Remaining();
  const bool may_repeat = !remaining || *remaining >= kMinRepeatTime;
  Attempt attempt = UpdateOnce(lease, body, header_lines, context, may_repeat);
  if (!attempt.result) {
    lease.CloseConnection();
    soap_destroy(lease.soap());
    soap_end(lease.soap());
    attempt = UpdateOnce(lease, body, header_lines, context, /*may_repeat=*/false);
  }
  return std::move(*attempt.result);
}

}  // namespace voip
