// Midas over SOAP (gSOAP proxy of wsdl/MidasCustomerService.wsdl).
#pragma once

#include "adapter/backends.h"
#include "adapter/soap/gsoap_context.h"
#include "platform/config.h"

namespace voip {

// Sets customers' migration status in MIDAS. Thread-safe: each call checks a
// context out of an internal pool (keep-alive connections are reused). Never
// throws; outcomes are classified like GsoapWorkOrderSystem's (typed MidasFault
// -> kBusinessFault / kSystemFault, and so on). Because an update is idempotent,
// a call that failed on a reused keep-alive connection before any answer byte
// arrived (the backend had closed it) is repeated once on a new connection; no
// other retry happens here. `reason` is cut to 512 characters (schema maxLength).
class GsoapMidas : public Midas, public soap::PooledClient {
 public:
  // `connector` replaces gSOAP's TCP connect (see soap::Connector); null: gSOAP's.
  explicit GsoapMidas(BackendEndpoint endpoint, soap::Connector connector = nullptr);

  [[nodiscard]] BackendResult<MidasAcknowledged> UpdateCustomerMigrationStatus(const MigrationStatusUpdate& update,
                                                                               const CallContext& context) override;
};

}  // namespace voip
