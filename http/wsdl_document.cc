#include "http/wsdl_document.h"

#include <cstddef>

#include "platform/public_url.h"

namespace voip {

// Defined in the build tree (embedded/adapter_wsdl.cc, see CMakeLists.txt).
extern const char kAdapterWsdl[];
extern const std::size_t kAdapterWsdlSize;

std::string AdapterWsdl(std::string_view endpoint_url) {
  constexpr std::string_view kLocation = ":address location=\"";
  const std::string_view source(kAdapterWsdl, kAdapterWsdlSize);
  std::string wsdl;
  wsdl.reserve(source.size() + 2 * endpoint_url.size());
  std::size_t copied = 0;
  for (std::size_t at = source.find(kLocation); at != std::string_view::npos; at = source.find(kLocation, copied)) {
    const std::size_t value_start = at + kLocation.size();
    const std::size_t value_end = source.find('"', value_start);
    if (value_end == std::string_view::npos) break;
    wsdl.append(source.substr(copied, value_start - copied));
    wsdl.append(endpoint_url);
    copied = value_end;
  }
  wsdl.append(source.substr(copied));
  return wsdl;
}

std::string PublicBaseUrlFor(const std::string& configured, const char* scheme, std::string_view host_header,
                             const std::string& local_addr, int local_port) {
  if (!configured.empty()) return configured;
  const std::string origin = std::string(scheme) + "://";
  if (IsValidHostAndPort(host_header)) return origin + std::string(host_header);
  const bool ipv6 = local_addr.find(':') != std::string::npos;
  return origin + (ipv6 ? "[" + local_addr + "]" : local_addr) + ":" + std::to_string(local_port);
}

}  // namespace voip
