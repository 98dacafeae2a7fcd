#include "adapter/soap/work_order_client.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "adapter/soap/soap_fault_reader.h"
#include "soapWorkOrderBindingProxy.h"

namespace voip {
namespace {

constexpr const char* kRequestingSystem = "SPM-VOIP-MIGRATION-ADAPTER";
constexpr std::size_t kMaxCorrelationIdBytes = 64;  // wo:CorrelationId maxLength

BackendError TypedFault(const _wo__WorkOrderFault& fault, const soap::ContextLease& lease) {
  BackendError result;
  result.kind =
      fault.category == wo__FaultCategory__BUSINESS ? BackendErrorKind::kBusinessFault : BackendErrorKind::kSystemFault;
  result.backend_code = soap::FaultField(fault.code);
  result.backend_message = soap::FaultField(fault.message);
  result.diagnostic = soap::Diagnostic(lease, "work-order fault");
  return result;
}

const _wo__WorkOrderFault* TypedDetail(const struct soap* soap) {
  const SOAP_ENV__Detail* detail = soap::ReceivedFaultDetail(soap);
  return detail == nullptr ? nullptr : detail->wo__WorkOrderFault;
}

// Whether an order number can be passed on as it is (to the consumer, to
// MIDAS, into the outbox and the logs): UTF-8 (shortest forms, no surrogates)
// without control characters, and not blank. gSOAP has checked its length
// (wo:OrderNumber: 1 to 20 characters) but lets through character references
// to control characters (&#1;) and bytes that are not UTF-8.
bool UsableOrderNumber(std::string_view text) {
  bool blank = true;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const std::size_t length = lead < 0x80           ? 1
                               : (lead >> 5) == 0x06 ? 2
                               : (lead >> 4) == 0x0E ? 3
                               : (lead >> 3) == 0x1E ? 4
                                                     : 0;
    if (length == 0 || text.size() - i < length) return false;
    std::uint32_t code = length == 1 ? lead : lead & (0xFF >> (length + 1));
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    static constexpr std::uint32_t kShortest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (length > 1 && code < kShortest[length]) return false;
    if (code > 0x10FFFF || (code >= 0xD800 && code < 0xE000)) return false;
    if (code < 0x20 || (code >= 0x7F && code < 0xA0)) return false;
    if (code != ' ') blank = false;
    i += length;
  }
  return !blank;
}

}  // namespace

GsoapWorkOrderSystem::GsoapWorkOrderSystem(BackendEndpoint endpoint, soap::Connector connector)
    : PooledClient(std::move(endpoint), connector) {}

BackendResult<WorkOrderCreated> GsoapWorkOrderSystem::CreateMigrationWorkOrder(const WorkOrderRequest& request,
                                                                               const CallContext& context) {
  soap::ContextLease lease = pool_.Acquire();
  if (!lease) return soap::NoContextError();
  std::string correlation_id = context.correlation_id.substr(0, kMaxCorrelationIdBytes);
  std::string requesting_system = kRequestingSystem;

  _wo__CreateMigrationWorkOrderRequest body;
  body.telephoneNumber = request.telephone_number;
  body.accountNumber = request.account_number;
  body.siteReference = request.site_reference;
  body.migrationType = wo__MigrationType__TDM_USCORETO_USCOREVOC;
  body.requestingSystem = &requesting_system;
  body.correlationId = correlation_id.empty() ? nullptr : &correlation_id;

  WorkOrderBindingProxy proxy(lease.soap(), lease.endpoint());
  // X-Correlation-ID, and traceparent with this call's own new span id.
  if (!lease.BeginExchange(soap::CallHeaderLines(context, kMaxCorrelationIdBytes), context.deadline)) {
    return soap::SecurityHeaderError();
  }
  if (proxy.send_CreateMigrationWorkOrder(nullptr, nullptr, &body) != SOAP_OK) {
    return soap::ClassifyExchangeFailure(lease, soap::ExchangePhase::kSend);
  }
  _wo__CreateMigrationWorkOrderResponse response;
  const int error = proxy.recv_CreateMigrationWorkOrder(response);
  if (error == SOAP_OK) {
    if (auto rejected = soap::RejectedAnswer(lease, /*success=*/true)) return std::move(*rejected);
    if (!UsableOrderNumber(response.orderNumber)) {
      BackendError malformed;
      malformed.kind = BackendErrorKind::kMalformedResponse;
      malformed.diagnostic = response.orderNumber.empty()
                                 ? "work-order answer without an order number"
                                 : "work-order answer with an order number that is blank, not UTF-8 or holds "
                                   "control characters";
      return malformed;
    }
    return WorkOrderCreated{response.orderNumber};
  }
  if ((error == SOAP_CLI_FAULT || error == SOAP_SVR_FAULT || error == SOAP_FAULT) && lease.soap()->fault != nullptr &&
      !lease.trace().doctype_in_body) {
    if (auto rejected = soap::RejectedAnswer(lease, /*success=*/false)) return std::move(*rejected);
    const _wo__WorkOrderFault* typed = TypedDetail(lease.soap());
    return typed != nullptr ? TypedFault(*typed, lease) : soap::UntypedFault(lease);
  }
  return soap::ClassifyExchangeFailure(lease, soap::ExchangePhase::kReceive);
}

}  // namespace voip
