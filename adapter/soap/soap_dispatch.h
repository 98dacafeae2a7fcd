// Runs a gSOAP generated service (soapcpp2 -j style: a class constructed from
// a `struct soap*`, with dispatch()) over one in-memory request body and gives
// back the HTTP answer to send. No sockets: the caller owns the HTTP server.
// Used by the adapter's SOAP face (http/soap_face.cc) and the simulators.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

struct soap;
struct SOAP_ENV__Detail;  // NOLINT(bugprone-reserved-identifier): gSOAP's generated name (soapStub.h)

namespace voip::soap {

// Bounds applied to every inbound envelope.
struct SoapLimits {
  std::size_t max_bytes = 1 << 20;  // larger bodies are refused before parsing (HTTP 413)
  unsigned max_depth = 32;          // XML nesting depth (gSOAP maxlevel)
  std::size_t max_occurs = 1000;    // items of one repeated element (gSOAP maxoccurs)
};

// The SOAP version an HTTP request announced with its Content-Type.
//   kAny: whatever the envelope says (the simulators);
//   k11 (text/xml) / k12 (application/soap+xml): an envelope of the other
//   version gets a VersionMismatch fault, and every fault is written in the
//   announced version, also for bodies that are not envelopes at all.
enum class SoapVersion { kAny, k11, k12 };

// What the HTTP layer hands over about one inbound SOAP message.
struct InboundSoapMessage {
  std::string_view body;           // the raw request XML; must outlive the call it is passed to
  std::string soap_action;         // SOAPAction header, surrounding quotes removed
  std::string correlation_header;  // X-Correlation-ID header, empty when absent
  std::string traceparent{};       // W3C Trace Context headers, empty when absent (the simulators record them)
  std::string tracestate{};
};

// An HTTP answer ready to send.
struct [[nodiscard]] HttpReply {
  int status = 200;
  std::string content_type;
  std::string body;
};

struct [[nodiscard]] SoapDispatchResult {
  // 200 with the response envelope; 500 with a SOAP fault envelope (SOAP 1.1,
  // and SOAP 1.2 Receiver faults); 400 for SOAP 1.2 Sender faults; 413 when
  // the body exceeds SoapLimits::max_bytes. Empty when taken_over.
  HttpReply reply;
  // gSOAP error code of the exchange: 0 (SOAP_OK), SOAP_FAULT when the
  // operation returned a fault, a parse/validation error code otherwise.
  int soap_error = 0;
  // The operation returned SOAP_STOP: nothing was serialised and the caller
  // provides the HTTP answer itself (used to simulate non-SOAP answers).
  bool taken_over = false;
};

// Builds the service on the given context and dispatches the request that is
// open on it, returning the gSOAP error code, for example:
//   [&](struct soap* ctx) { MyService service(ctx, ...); return service.dispatch(); }
// The service MUST be constructed on `ctx`: generated dispatch() re-initialises
// the context it was built with.
using ServiceDispatcher = std::function<int(struct soap* ctx)>;

// Words for the fault string of a message gSOAP could not read (the argument
// is the gSOAP error code), instead of gSOAP's own text, which quotes the
// caller's element names.
using FaultReason = std::function<std::string(int soap_error)>;

// The fault string of an envelope followed by anything but whitespace,
// comments and processing instructions (a second envelope, stray bytes).
inline constexpr const char* kContentAfterEnvelope =
    "The message continues after the end of the SOAP envelope; send one envelope per request";

// Parses `body` as a SOAP envelope and dispatches it. DTDs are refused, depth,
// size and repetition are bounded, content after the envelope is refused
// (kContentAfterEnvelope), parsing is strict (unknown or missing
// elements are faults) and strings are UTF-8. Never throws for bad input:
// every problem becomes a SOAP fault in the result.
//
// Thread-safe: each calling thread uses its own heap-allocated gSOAP context
// (created on first use, freed at thread exit); all data deserialised for a
// message is freed before returning, so memory does not grow per message.
// Pointers into the request that the operation keeps past its return dangle.
// `fault_reason`, when given, words every fault the operation did not raise
// itself.
SoapDispatchResult DispatchSoap(std::string_view body, const ServiceDispatcher& dispatcher,
                                const SoapLimits& limits = {}, SoapVersion version = SoapVersion::kAny,
                                const FaultReason& fault_reason = nullptr);

// A Client (SOAP 1.1) or Sender (SOAP 1.2; kAny means 1.1) fault envelope
// saying `reason`, for a message refused before parsing (too large, wrong
// media type, wrong action). `http_status` is sent as given; 0 means the
// status the SOAP HTTP binding gives a sender fault (1.1: 500, 1.2: 400).
HttpReply SoapSenderFaultReply(SoapVersion version, int http_status, const char* reason);
// The same with `detail_xml` as the fault's detail (SOAP 1.1 `detail`, SOAP
// 1.2 `Detail`), written byte for byte: complete elements that declare their
// own namespaces.
HttpReply SoapSenderFaultReply(SoapVersion version, int http_status, const char* reason, std::string_view detail_xml);

// A Server (SOAP 1.1) or Receiver (SOAP 1.2; kAny means 1.1) fault envelope
// saying `reason`, for a message refused before parsing for a reason of the
// service's own (it is overloaded). `http_status` is sent as given.
HttpReply SoapReceiverFaultReply(SoapVersion version, int http_status, const char* reason);

// For an operation building a fault: after soap_sender_fault() or
// soap_receiver_fault(), returns the fault's detail (SOAP 1.1 `detail` or
// SOAP 1.2 `Detail`, following the request's version), allocating it on the
// context when absent, so typed detail members can be set. Never null unless
// the context is out of memory.
SOAP_ENV__Detail* FaultDetail(struct soap* ctx);

}  // namespace voip::soap
