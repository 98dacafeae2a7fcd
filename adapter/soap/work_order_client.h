// WorkOrderSystem over SOAP (gSOAP proxy of wsdl/WorkOrderService.wsdl).
#pragma once

#include "adapter/backends.h"
#include "adapter/soap/gsoap_context.h"
#include "platform/config.h"

namespace voip {

// Creates TDM to VoC migration work orders at the legacy work-order system.
// Thread-safe: each call checks a context out of an internal pool (keep-alive
// connections are reused). Never throws; every outcome is a value:
//   typed WorkOrderFault  -> kBusinessFault / kSystemFault by its category
//   other SOAP fault      -> kUntypedFault (code and message read from the detail)
//   connect failed        -> kConnectFailed (the only case where nothing was sent)
//   no answer in time     -> kTimeout (the order may exist: outcome unknown)
//   connection reset, or closed without an answer, after the request was sent
//                         -> kConnectionReset / kConnectionClosed (outcome unknown)
//   HTTP error page       -> kHttpError;  anything else unreadable, an answer cut
//                            short included, a body breaking XML 1.0's
//                            character rules, a success under a non-2xx
//                            status, or an order number that is blank, not
//                            UTF-8 or holds control characters ->
//                            kMalformedResponse (outcome unknown too)
// A create is never retried by this class.
class GsoapWorkOrderSystem : public WorkOrderSystem, public soap::PooledClient {
 public:
  // `connector` replaces gSOAP's TCP connect (see soap::Connector); null: gSOAP's.
  explicit GsoapWorkOrderSystem(BackendEndpoint endpoint, soap::Connector connector = nullptr);

  [[nodiscard]] BackendResult<WorkOrderCreated> CreateMigrationWorkOrder(const WorkOrderRequest& request,
                                                                         const CallContext& context) override;
};

}  // namespace voip
