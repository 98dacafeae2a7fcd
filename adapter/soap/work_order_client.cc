#include "adapter/soap/work_order_client.h"

#include <string>
#include <utility>

#include "soapWorkOrderBindingProxy.h"

namespace voip {
namespace {

constexpr const char* kRequestingSystem = "SPM-VOIP-MIGRATION-ADAPTER";
constexpr std::size_t kMaxCorrelationIdBytes = 64;  // wo:CorrelationId maxLength

BackendError TypedFault(const _wo__WorkOrderFault& fault, const soap::ContextLease& lease) {
  BackendError result;
  result.kind = fault.category == wo__FaultCategory__BUSINESS ? BackendErrorKind::kBusinessFault
                                                              : BackendErrorKind::kSystemFault;
  result.backend_code = fault.code;
  result.backend_message = fault.message;
  result.diagnostic = soap::Diagnostic(lease, "work-order fault");
  return result;
}

const _wo__WorkOrderFault* TypedDetail(const struct soap* soap) {
  const SOAP_ENV__Fault* fault = soap->fault;
  if (fault == nullptr) return nullptr;
  const SOAP_ENV__Detail* detail = fault->detail != nullptr ? fault->detail : fault->SOAP_ENV__Detail;
  return detail == nullptr ? nullptr : detail->wo__WorkOrderFault;
}

}  // namespace

GsoapWorkOrderSystem::GsoapWorkOrderSystem(BackendEndpoint endpoint) : pool_(std::move(endpoint)) {}

BackendResult<WorkOrderCreated> GsoapWorkOrderSystem::CreateMigrationWorkOrder(
    const WorkOrderRequest& request, const CallContext& context) {
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
  if (!lease.BeginExchange(correlation_id.empty() ? "" : "X-Correlation-ID: " + correlation_id,
                           context.deadline)) {
    return soap::SecurityHeaderError();
  }
  if (proxy.send_CreateMigrationWorkOrder(nullptr, nullptr, &body) != SOAP_OK) {
    return soap::ClassifyExchangeFailure(lease, soap::ExchangePhase::kSend);
  }
  _wo__CreateMigrationWorkOrderResponse response;
  const int error = proxy.recv_CreateMigrationWorkOrder(response);
  if (error == SOAP_OK) {
    if (lease.trace().doctype_in_body) return soap::DoctypeRejected(lease);
    if (response.orderNumber.empty()) {
      BackendError malformed;
      malformed.kind = BackendErrorKind::kMalformedResponse;
      malformed.diagnostic = "work-order answer without an order number";
      return malformed;
    }
    return WorkOrderCreated{response.orderNumber};
  }
  if ((error == SOAP_CLI_FAULT || error == SOAP_SVR_FAULT || error == SOAP_FAULT) &&
      lease.soap()->fault != nullptr && !lease.trace().doctype_in_body) {
    const _wo__WorkOrderFault* typed = TypedDetail(lease.soap());
    return typed != nullptr ? TypedFault(*typed, lease) : soap::UntypedFault(lease);
  }
  return soap::ClassifyExchangeFailure(lease, soap::ExchangePhase::kReceive);
}

}  // namespace voip
