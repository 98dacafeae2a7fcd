// The simulators' typed SOAP faults: one builder for the work-order system's
// wo:WorkOrderFault and MIDAS's midas:MidasFault, which have the same shape
// (code, message, category BUSINESS or SYSTEM) in different namespaces.
#pragma once

#include <string>
#include <string_view>

#include "adapter/soap/soap_dispatch.h"
#include "soapH.h"

namespace voip::sim {

// Sets a Client/Sender fault (when `business`) or a Server/Receiver fault,
// whose detail holds one typed fault element (`kSlot` of SOAP_ENV__Detail,
// allocated with `kMake`) carrying `code`, `message` and `category`. Returns
// SOAP_FAULT, or SOAP_EOM (also set as ctx->error) when out of memory.
template <typename Fault, Fault* SOAP_ENV__Detail::*kSlot, Fault* (*kMake)(struct soap*, int), typename Category>
int TypedSoapFault(struct soap* ctx, bool business, Category category, std::string_view code,
                   std::string_view message) {
  const std::string text(message);
  if (business) {
    soap_sender_fault(ctx, text.c_str(), nullptr);
  } else {
    soap_receiver_fault(ctx, text.c_str(), nullptr);
  }
  SOAP_ENV__Detail* detail = soap::FaultDetail(ctx);
  if (detail == nullptr) return ctx->error = SOAP_EOM;
  Fault* fault = kMake(ctx, -1);
  if (fault == nullptr) return ctx->error = SOAP_EOM;
  fault->code = std::string(code);
  fault->message = text;
  fault->category = category;
  detail->*kSlot = fault;
  return SOAP_FAULT;
}

}  // namespace voip::sim
