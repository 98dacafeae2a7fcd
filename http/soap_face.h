// The SOAP face (wsdl/VOIPMigrationWorkOrder.wsdl): one POSTed envelope ->
// MigrationRequestInput -> the core -> CreateVOIPMigrationWorkOrderResponse.
// Parsing and rendering use the gSOAP-generated (de)serialisers over
// in-memory streams; no sockets here (http/server.cc calls this). The only
// file besides adapter/soap/ that includes generated headers is soap_face.cc.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "adapter/idempotency.h"
#include "adapter/migration_flow.h"
#include "adapter/migration_request.h"
#include "adapter/soap/soap_dispatch.h"

namespace voip {

// The soapAction the WSDL declares for CreateVOIPMigrationWorkOrder.
inline constexpr const char* kCreateSoapAction =
    "http://schemas.cableco.example/spm/voip-migration/v1/CreateVOIPMigrationWorkOrder";

// What the server hands over about one POST /soap.
struct SoapCall {
  std::string_view body;                   // must outlive ServeSoap()
  std::string content_type;                // Content-Type header, empty when absent
  std::optional<std::string> soap_action;  // SOAPAction header as sent, nullopt when absent
};

// The SOAP version a Content-Type announces: text/xml is SOAP 1.1,
// application/soap+xml is SOAP 1.2 (any parameters); nullopt otherwise.
[[nodiscard]] std::optional<soap::SoapVersion> SoapVersionOf(std::string_view content_type);

// What the operation read from one envelope: the request, and the value of
// the IdempotencyKey SOAP header when the caller sent one (possibly empty).
struct SoapOperation {
  MigrationRequestInput input;
  std::optional<std::string> idempotency_key;
};

// What the core made of it: the outcome to render; or, for an idempotent
// replay, the answer kept for the key, sent byte for byte (`outcome` then
// only records the replay, for logs and metrics).
struct CoreAnswer {
  MigrationOutcome outcome;
  std::optional<StoredAnswer> replay;
};

// Runs the operation for a request that reached it. Called at most once.
using MigrationCore = std::function<CoreAnswer(const SoapOperation&)>;

struct SoapAnswer {
  soap::HttpReply reply;
  // Set when the envelope held a CreateVOIPMigrationWorkOrder request and the
  // core ran; nullopt when the envelope was refused with a SOAP Fault.
  std::optional<MigrationOutcome> outcome;
};

// What identifies one SOAP request for its idempotency key: its fields as
// read (not the envelope's bytes, which carry a fresh UsernameToken nonce on
// every retry), in a form no JSON body can take.
std::string SoapIdempotencyText(const MigrationRequestInput& input);

// Answers one POST /soap:
//  - HTTP 200 with CreateVOIPMigrationWorkOrderResponse holding `success` or
//    `failure` whenever the core ran, whatever its outcome (WS-I BP: a SOAP
//    response that is not a Fault travels with 200);
//  - a SOAP Fault (never the core) for a message that cannot be processed:
//    415 (SOAP 1.1 Client fault) for a Content-Type that is not SOAP; a
//    SOAPAction / action parameter naming another operation (a missing or
//    empty one is accepted: the Body's element decides); a
//    character XML 1.0 does not allow, bytes that are not UTF-8 or a bad
//    character reference anywhere in the message (adapter/soap/xml_chars.h;
//    the fault's detail then holds one BUSINESS 10685 spm:fault entry); not
//    well-formed XML, a DTD, nesting deeper than limits.max_depth, not an
//    envelope, content after the envelope, a Body that is not the operation,
//    a schema violation; an envelope of the other SOAP version
//    (VersionMismatch). SOAP 1.1 faults
//    are HTTP 500; SOAP 1.2 Sender faults 400, others 500. Fault strings
//    are the adapter's own words, never gSOAP's or the program's internals.
// Thread-safe (each thread parses on its own gSOAP context).
// A replay is sent with the stored status and body, in the Content-Type of
// the call's SOAP version.
SoapAnswer ServeSoap(const SoapCall& call, const MigrationCore& core, const soap::SoapLimits& limits);

// The response envelope of `outcome` in `version` (k11 or k12), as ServeSoap
// would answer a request the core answered with it: HTTP 200.
soap::HttpReply RenderSoapOutcome(soap::SoapVersion version, const MigrationOutcome& outcome);

// A Client (1.1) / Sender (1.2) fault saying `reason` with `http_status`, in
// the SOAP version `content_type` announces (1.1 when it announces none), for
// a request refused before its body is read: 401 without a valid API key,
// 413 for a body larger than max-body-bytes.
soap::HttpReply SoapRefusal(std::string_view content_type, int http_status, const std::string& reason);

// A Server (1.1) / Receiver (1.2) fault saying `reason` with `http_status`,
// in the SOAP version `content_type` announces (1.1 when it announces none),
// for a request the adapter refuses before its body is read for a reason of
// its own: 503 on a connection shed because every worker is busy and the
// queue is full (http/load_shedding.h).
soap::HttpReply SoapServerRefusal(std::string_view content_type, int http_status, const std::string& reason);

}  // namespace voip
