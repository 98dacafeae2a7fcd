#include "tests/support/backend_calls.h"

namespace voip::testing {

BackendEndpoint SampleEndpoint(const std::string& url) {
  BackendEndpoint endpoint;
  endpoint.url = url;
  endpoint.connect_timeout_ms = 500;
  endpoint.timeout_ms = 2000;
  endpoint.max_idle_connections = 2;
  return endpoint;
}

BackendEndpoint QuickEndpoint(const std::string& url) {
  BackendEndpoint endpoint = SampleEndpoint(url);
  endpoint.connect_timeout_ms = 300;
  endpoint.timeout_ms = 300;
  endpoint.max_idle_connections = 4;
  return endpoint;
}

WorkOrderRequest SampleWorkOrderRequest() {
  WorkOrderRequest request;
  request.telephone_number = "447874384949";
  request.account_number = "123456789";
  request.site_reference = 42;
  return request;
}

MigrationStatusUpdate SampleStatusUpdate() {
  MigrationStatusUpdate update;
  update.account_number = "123456789";
  update.site_reference = 42;
  update.telephone_number = "447874384949";
  update.status = MigrationStatus::kWorkOrderCreated;
  update.order_number = "WO-1";
  return update;
}

}  // namespace voip::testing
