// What the backend-client tests send (adapter/soap/*_test.cc): one work-order
// request, one migration status update, and an endpoint to send them to.
#pragma once

#include <string>

#include "adapter/backends.h"
#include "platform/config.h"

namespace voip::testing {

// An endpoint at `url` with a 500 ms connect and a 2 s exchange time-out, 2
// idle connections kept, no credentials.
BackendEndpoint SampleEndpoint(const std::string& url);

// SampleEndpoint with 300 ms connect and exchange time-outs and 4 idle
// connections: for tests whose backend stalls or refuses on purpose.
BackendEndpoint QuickEndpoint(const std::string& url);

// A work order for 447874384949, account 123456789, site 42.
WorkOrderRequest SampleWorkOrderRequest();

// "Work order created" (WO-1) for the customer of SampleWorkOrderRequest().
MigrationStatusUpdate SampleStatusUpdate();

}  // namespace voip::testing
