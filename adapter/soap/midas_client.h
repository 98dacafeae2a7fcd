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
class GsoapMidas : public Midas {
 public:
  // `connector` replaces gSOAP's TCP connect (see soap::Connector); null: gSOAP's.
  explicit GsoapMidas(BackendEndpoint endpoint, soap::Connector connector = nullptr);

  BackendResult<MidasAcknowledged> UpdateCustomerMigrationStatus(const MigrationStatusUpdate& update,
                                                                 const CallContext& context) override;

  // TCP connections opened to the backend so far (see ContextPool).
  std::uint64_t ConnectionsOpened() const { return pool_.ConnectionsOpened(); }
  // Kept connections MIDAS had closed while idle, replaced before sending.
  std::uint64_t StaleConnectionsReplaced() const { return pool_.StaleConnectionsReplaced(); }

 private:
  soap::ContextPool pool_;
};

}  // namespace voip
