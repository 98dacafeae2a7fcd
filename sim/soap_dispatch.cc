#include "sim/soap_dispatch.h"

#include <algorithm>
#include <cctype>
#include <istream>
#include <memory>
#include <sstream>
#include <streambuf>

#include "soapH.h"

namespace voip::sim {
namespace {

// Plain XML in and out (no HTTP framing: cpp-httplib does that), strict
// validation, UTF-8 strings kept as UTF-8.
constexpr soap_mode kContextMode = SOAP_ENC_PLAIN | SOAP_XML_STRICT | SOAP_C_UTFSTRING;

constexpr char kSoap11ContentType[] = "text/xml; charset=utf-8";
constexpr char kSoap12ContentType[] = "application/soap+xml; charset=utf-8";

struct SoapContextDeleter {
  void operator()(struct soap* ctx) const {
    soap_destroy(ctx);
    soap_end(ctx);
    soap_free(ctx);
  }
};

struct soap* NewContext() {
  struct soap* ctx = soap_new1(kContextMode);
  // The program's one table (adapter/soap/namespaces.cc); naming it here also
  // makes the static-library link pull that definition in. Generated services
  // install an identical copy when dispatching.
  if (ctx != nullptr) soap_set_namespaces(ctx, namespaces);
  return ctx;
}

// struct soap is ~164 KB: one per thread, on the heap, reused per message.
struct soap* ThreadContext() {
  thread_local std::unique_ptr<struct soap, SoapContextDeleter> ctx(NewContext());
  return ctx.get();
}

// Reads a string_view through std::istream without copying it.
class ViewStreamBuf : public std::streambuf {
 public:
  explicit ViewStreamBuf(std::string_view view) {
    char* begin = const_cast<char*>(view.data());  // never written: get area only
    setg(begin, begin, begin + view.size());
  }
};

// SOAP forbids DTDs (SOAP 1.1 section 3, WS-I BP R1008). gSOAP would skip one
// silently, so look for it before parsing; case-insensitive to be safe.
bool HasDoctype(std::string_view body) {
  constexpr std::string_view kDoctype = "<!doctype";
  auto it = std::search(body.begin(), body.end(), kDoctype.begin(), kDoctype.end(),
                        [](char a, char b) {
                          return std::tolower(static_cast<unsigned char>(a)) == b;
                        });
  return it != body.end();
}

bool IsSenderFault(struct soap* ctx) {
  const char* code = ctx->fault == nullptr ? nullptr : *soap_faultcode(ctx);
  if (code == nullptr) return false;
  std::string_view view(code);
  return view.find("Sender") != std::string_view::npos ||
         view.find("Client") != std::string_view::npos;
}

int FaultStatus(struct soap* ctx) {
  // SOAP 1.1 faults travel with HTTP 500; SOAP 1.2 Sender faults with 400.
  return ctx->version == 2 && IsSenderFault(ctx) ? 400 : 500;
}

const char* ContentType(struct soap* ctx) {
  return ctx->version == 2 ? kSoap12ContentType : kSoap11ContentType;
}

// Answers a SOAP 1.1 Client fault without parsing the body.
SoapDispatchResult Refuse(struct soap* ctx, std::ostringstream& out, int http_status,
                          const char* reason) {
  soap_begin(ctx);
  ctx->version = 1;
  soap_sender_fault(ctx, reason, nullptr);
  SoapDispatchResult result;
  result.soap_error = ctx->error;
  soap_send_fault(ctx);
  result.reply = {http_status, kSoap11ContentType, out.str()};
  return result;
}

// Generated dispatch() re-installs the namespace table, and gSOAP then resets
// soap->version to 1: a SOAP 1.2 request would get its fault built in SOAP 1.1
// fields (faultcode, faultstring, detail) inside a 1.2 envelope. Put the
// version back and move a fault the operation built into the 1.2 fields.
void RestoreSoap12(struct soap* ctx) {
  ctx->version = 2;
  SOAP_ENV__Fault* fault = ctx->fault;
  if (fault == nullptr || fault->faultcode == nullptr) return;
  const bool sender = std::string_view(fault->faultcode).find("Client") != std::string_view::npos;
  soap_fault(ctx);  // allocates Code and Reason for version 2
  if (fault->SOAP_ENV__Code == nullptr || fault->SOAP_ENV__Reason == nullptr) return;
  fault->SOAP_ENV__Code->SOAP_ENV__Value =
      soap_strdup(ctx, sender ? "SOAP-ENV:Sender" : "SOAP-ENV:Receiver");
  fault->SOAP_ENV__Reason->SOAP_ENV__Text = fault->faultstring;
  fault->SOAP_ENV__Detail = fault->detail;
  fault->faultcode = nullptr;
  fault->faultstring = nullptr;
  fault->detail = nullptr;
}

SoapDispatchResult Serve(struct soap* ctx, std::ostringstream& out,
                         const ServiceDispatcher& dispatcher) {
  int error = soap_begin_serve(ctx);  // on failure it usually writes the fault itself
  const bool envelope_opened = error == SOAP_OK;
  const short request_version = ctx->version;  // as read from the envelope
  if (envelope_opened) error = dispatcher(ctx);
  if (request_version == 2 && ctx->version != 2) RestoreSoap12(ctx);

  SoapDispatchResult result;
  result.soap_error = error;
  if (error == SOAP_STOP) {
    result.taken_over = true;
    result.reply = {0, "", ""};
    return result;
  }
  if (error != SOAP_OK) {
    if (envelope_opened) out.str("");  // discard anything half-written
    if (out.tellp() <= 0) soap_send_fault(ctx);
  }
  const int status = error == SOAP_OK ? 200 : FaultStatus(ctx);
  result.reply = {status, ContentType(ctx), out.str()};
  return result;
}

// Detaches the streams and frees everything deserialised for one message,
// also when the operation throws.
class MessageScope {
 public:
  MessageScope(struct soap* ctx, std::istream* in, std::ostream* out) : ctx_(ctx) {
    ctx_->is = in;
    ctx_->os = out;
  }
  ~MessageScope() {
    ctx_->is = nullptr;
    ctx_->os = nullptr;
    soap_destroy(ctx_);
    soap_end(ctx_);
  }
  MessageScope(const MessageScope&) = delete;
  MessageScope& operator=(const MessageScope&) = delete;

 private:
  struct soap* ctx_;
};

}  // namespace

SOAP_ENV__Detail* FaultDetail(struct soap* ctx) {
  if (soap_faultdetail(ctx) == nullptr) return nullptr;  // allocates fault and detail
  return ctx->version == 2 ? ctx->fault->SOAP_ENV__Detail : ctx->fault->detail;
}

SoapDispatchResult DispatchSoap(std::string_view body, const ServiceDispatcher& dispatcher,
                                const SoapLimits& limits) {
  struct soap* ctx = ThreadContext();
  if (ctx == nullptr) {
    SoapDispatchResult result;
    result.soap_error = SOAP_EOM;
    result.reply = {500, "text/plain; charset=utf-8", "out of memory for a SOAP context\n"};
    return result;
  }
  ctx->maxlevel = limits.max_depth;
  ctx->maxoccurs = limits.max_occurs;
  ctx->recv_maxlength = limits.max_bytes;

  ViewStreamBuf in_buffer(body);
  std::istream in(&in_buffer);
  std::ostringstream out;
  MessageScope scope(ctx, &in, &out);

  if (body.size() > limits.max_bytes) {
    return Refuse(ctx, out, 413, "SOAP message larger than the allowed size");
  }
  if (HasDoctype(body)) {
    return Refuse(ctx, out, 500, "DTDs are not allowed in SOAP messages");
  }
  return Serve(ctx, out, dispatcher);
}

}  // namespace voip::sim
