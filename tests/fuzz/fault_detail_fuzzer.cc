// libFuzzer harness: any bytes as the raw detail XML of a backend's SOAP fault
// (what gSOAP hands over for an undeclared detail) through the fault reader.
// Must never crash or hit undefined behaviour, and the fields it returns stay
// within their documented bound.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "adapter/soap/soap_fault_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view detail(reinterpret_cast<const char*>(data), size);
  const voip::soap::FaultDetailFields fields = voip::soap::ReadFaultDetail(detail);
  if (fields.code.size() > voip::soap::kMaxFaultFieldBytes) std::abort();
  if (fields.message.size() > voip::soap::kMaxFaultFieldBytes) std::abort();
  return 0;
}
