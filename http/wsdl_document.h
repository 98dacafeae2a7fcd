// The adapter's own WSDL (wsdl/VOIPMigrationWorkOrder.wsdl), built into the
// binary at build time, served at GET /soap?wsdl with its endpoint address
// set for the caller.
#pragma once

#include <string>
#include <string_view>

namespace voip {

// The WSDL with the location of every soap:address and soap12:address set to
// `endpoint_url`, which must be a URL NormalisePublicBaseUrl accepts (plus
// "/soap"): it is inserted as is.
std::string AdapterWsdl(std::string_view endpoint_url);

// The base URL for the WSDL of one request: `configured` when set; otherwise
// `scheme` ("http" or "https", as the listener serves) + "://" + `host_header`
// when that is a valid host[:port]; otherwise the scheme and the local address
// and port the request arrived on.
std::string PublicBaseUrlFor(const std::string& configured, const char* scheme, std::string_view host_header,
                             const std::string& local_addr, int local_port);

}  // namespace voip
