#include "adapter/soap/soap_dispatch.h"

#include <algorithm>
#include <cctype>
#include <istream>
#include <memory>
#include <sstream>
#include <streambuf>

#include "adapter/soap/doctype_scan.h"
#include "soapH.h"

namespace voip::soap {
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
  // The program's one table (adapter/soap/namespaces.cc). Generated services
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
bool HasDoctype(std::string_view body) { return ContainsDoctype(body); }

bool IsSenderFault(struct soap* ctx) {
  const char* code = ctx->fault == nullptr ? nullptr : *soap_faultcode(ctx);
  if (code == nullptr) return false;
  std::string_view view(code);
  return view.find("Sender") != std::string_view::npos || view.find("Client") != std::string_view::npos;
}

int FaultStatus(struct soap* ctx) {
  // SOAP 1.1 faults travel with HTTP 500; SOAP 1.2 Sender faults with 400.
  return ctx->version == 2 && IsSenderFault(ctx) ? 400 : 500;
}

const char* ContentType(struct soap* ctx) { return ctx->version == 2 ? kSoap12ContentType : kSoap11ContentType; }

short VersionNumber(SoapVersion version) { return version == SoapVersion::k12 ? 2 : 1; }

// Switches the context to write SOAP `version` (1 or 2). The context's own
// namespace table may still hold the previous message's envelope namespace
// while soap->version says otherwise, so it is rebuilt from the program's
// table first; soap_set_version() alone would then do nothing.
void UseVersion(struct soap* ctx, short version) {
  soap_set_namespaces(ctx, namespaces);
  ctx->version = 0;
  soap_set_version(ctx, version);
}

// What a scan of the tags of `body` finds (comments, CDATA, processing
// instructions and quoted attribute values skipped). An estimate for text
// that is not well-formed; gSOAP rejects that anyway.
struct DocumentShape {
  unsigned deepest = 0;  // the deepest element nesting
  // Where the first top-level element (the envelope) ends; npos when it does not.
  std::size_t root_end = std::string_view::npos;
};

// Where the markup starting at `at` ('<') ends: just past its '>', or npos.
// Sets `closes` for an end tag, `empty` for an empty-element tag and
// `element` for any tag (not a comment, CDATA, PI or declaration).
std::size_t MarkupEnd(std::string_view body, std::size_t at, bool& element, bool& closes, bool& empty) {
  element = closes = empty = false;
  std::size_t end;
  if (body.compare(at, 4, "<!--") == 0) {
    end = body.find("-->", at + 4);
    return end == std::string_view::npos ? end : end + 3;
  }
  if (body.compare(at, 9, "<![CDATA[") == 0) {
    end = body.find("]]>", at + 9);
    return end == std::string_view::npos ? end : end + 3;
  }
  if (body[at + 1] == '?' || body[at + 1] == '!') {
    end = body.find('>', at + 2);
    return end == std::string_view::npos ? end : end + 1;
  }
  char quote = 0;
  for (end = at + 1; end < body.size(); ++end) {
    const char c = body[end];
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '>') {
      break;
    }
  }
  if (end >= body.size()) return std::string_view::npos;
  element = true;
  closes = body[at + 1] == '/';
  empty = !closes && body[end - 1] == '/';
  return end + 1;
}

DocumentShape ScanShape(std::string_view body) {
  DocumentShape shape;
  unsigned depth = 0;
  std::size_t at = body.find('<');
  while (at != std::string_view::npos && at + 1 < body.size()) {
    bool element = false, closes = false, empty = false;
    const std::size_t end = MarkupEnd(body, at, element, closes, empty);
    if (end == std::string_view::npos) break;
    if (element) {
      if (closes) {
        if (depth > 0) --depth;
      } else {
        shape.deepest = std::max(shape.deepest, depth + 1);
        if (!empty) ++depth;
      }
      if (depth == 0 && shape.root_end == std::string_view::npos) shape.root_end = end;
    }
    at = body.find('<', end);
  }
  return shape;
}

// Whether anything but whitespace, comments and processing instructions (what
// XML allows after the document's element) follows `from`: a second
// envelope, text, stray bytes.
bool ContentAfter(std::string_view body, std::size_t from) {
  std::size_t at = from;
  while (at < body.size()) {
    const char c = body[at];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      ++at;
    } else if (body.compare(at, 4, "<!--") == 0) {
      const std::size_t end = body.find("-->", at + 4);
      if (end == std::string_view::npos) return true;
      at = end + 3;
    } else if (body.compare(at, 2, "<?") == 0) {
      const std::size_t end = body.find("?>", at + 2);
      if (end == std::string_view::npos) return true;
      at = end + 2;
    } else {
      return true;
    }
  }
  return false;
}

// Writes a Client/Sender fault (or, not `sender`, a Server/Receiver fault) in
// `version` without parsing the body.
// `http_status` 0 means the status the SOAP HTTP binding gives a sender fault.
// `detail_xml`, when not empty, is the fault's detail, written as it is.
SoapDispatchResult Refuse(struct soap* ctx, std::ostringstream& out, SoapVersion version, int http_status,
                          const char* reason, bool sender = true, std::string_view detail_xml = {}) {
  soap_begin(ctx);
  UseVersion(ctx, VersionNumber(version));
  if (sender) {
    soap_sender_fault(ctx, reason, nullptr);
  } else {
    soap_receiver_fault(ctx, reason, nullptr);
  }
  if (!detail_xml.empty()) {
    SOAP_ENV__Detail* detail = FaultDetail(ctx);
    if (detail != nullptr) detail->__any = soap_strdup(ctx, std::string(detail_xml).c_str());
  }
  SoapDispatchResult result;
  result.soap_error = ctx->error;
  soap_send_fault(ctx);
  result.reply = {http_status != 0 ? http_status : FaultStatus(ctx), ContentType(ctx), out.str()};
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
  fault->SOAP_ENV__Code->SOAP_ENV__Value = soap_strdup(ctx, sender ? "SOAP-ENV:Sender" : "SOAP-ENV:Receiver");
  fault->SOAP_ENV__Reason->SOAP_ENV__Text = fault->faultstring;
  fault->SOAP_ENV__Detail = fault->detail;
  fault->faultcode = nullptr;
  fault->faultstring = nullptr;
  fault->detail = nullptr;
}

// Rewrites the fault of a failed exchange in `version`: the announced version
// wins over whatever gSOAP detected (or defaulted to) while reading.
void RewriteFaultIn(struct soap* ctx, short version, int error) {
  soap_begin(ctx);       // drops the request's namespace bindings, which would win again
  ctx->fault = nullptr;  // rebuilt below in the fields of `version`
  UseVersion(ctx, version);
  ctx->error = error;
  soap_set_fault(ctx);
}

SoapDispatchResult Serve(struct soap* ctx, std::ostringstream& out, const ServiceDispatcher& dispatcher,
                         SoapVersion version, const FaultReason& fault_reason) {
  int error = soap_begin_serve(ctx);  // on failure it usually writes the fault itself
  const bool envelope_opened = error == SOAP_OK;
  const short request_version = ctx->version;  // as read from the envelope
  const short envelope_version = request_version == 2 ? short{2} : short{1};
  const short announced = version != SoapVersion::kAny ? VersionNumber(version) : envelope_version;
  if (envelope_opened && request_version != announced) {
    error = ctx->error = SOAP_VERSIONMISMATCH;
  } else if (envelope_opened) {
    error = dispatcher(ctx);
    if (request_version == 2 && ctx->version != 2) RestoreSoap12(ctx);
  }

  SoapDispatchResult result;
  result.soap_error = error;
  if (error == SOAP_STOP) {
    result.taken_over = true;
    result.reply = {0, "", ""};
    return result;
  }
  if (error != SOAP_OK) {
    const bool own_words = fault_reason && error != SOAP_FAULT;
    const bool rewrite =
        own_words || (version != SoapVersion::kAny && (!envelope_opened || request_version != announced));
    if (envelope_opened || rewrite) out.str("");  // discard anything half-written
    if (rewrite) RewriteFaultIn(ctx, announced, error);
    if (own_words) *soap_faultstring(ctx) = soap_strdup(ctx, fault_reason(error).c_str());
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
  // soap_dealloc(), not soap_end(): the hash tables soap_end() would clear
  // are cleared by the next message's soap_begin() anyway (see
  // ContextPool::Return in gsoap_context.cc).
  ~MessageScope() {
    ctx_->is = nullptr;
    ctx_->os = nullptr;
    soap_destroy(ctx_);
    soap_dealloc(ctx_, nullptr);
  }
  MessageScope(const MessageScope&) = delete;
  MessageScope& operator=(const MessageScope&) = delete;

 private:
  struct soap* ctx_;
};

HttpReply FaultReply(SoapVersion version, int http_status, const char* reason, bool sender,
                     std::string_view detail_xml = {}) {
  struct soap* ctx = ThreadContext();
  if (ctx == nullptr) return {500, "text/plain; charset=utf-8", "out of memory for a SOAP context\n"};
  std::ostringstream out;
  MessageScope scope(ctx, nullptr, &out);
  return Refuse(ctx, out, version, http_status, reason, sender, detail_xml).reply;
}

}  // namespace

SOAP_ENV__Detail* FaultDetail(struct soap* ctx) {
  if (soap_faultdetail(ctx) == nullptr) return nullptr;  // allocates fault and detail
  return ctx->version == 2 ? ctx->fault->SOAP_ENV__Detail : ctx->fault->detail;
}

SoapDispatchResult DispatchSoap(std::string_view body, const ServiceDispatcher& dispatcher, const SoapLimits& limits,
                                SoapVersion version, const FaultReason& fault_reason) {
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
    return Refuse(ctx, out, version, 413, "SOAP message larger than the allowed size");
  }
  if (HasDoctype(body)) {
    return Refuse(ctx, out, version, 0, "DTDs are not allowed in SOAP messages");
  }
  // gSOAP applies maxlevel to what it deserialises, not to header blocks it
  // skips: bound the whole document before parsing.
  const DocumentShape shape = ScanShape(body);
  if (shape.deepest > limits.max_depth) {
    const std::string reason = fault_reason ? fault_reason(SOAP_LEVEL) : "XML nested deeper than the allowed depth";
    SoapDispatchResult result = Refuse(ctx, out, version, 0, reason.c_str());
    result.soap_error = SOAP_LEVEL;
    return result;
  }
  // gSOAP stops reading after the envelope: whatever follows (a second
  // envelope, stray bytes) would be ignored silently.
  if (shape.root_end != std::string_view::npos && ContentAfter(body, shape.root_end)) {
    SoapDispatchResult result = Refuse(ctx, out, version, 0, kContentAfterEnvelope);
    result.soap_error = SOAP_SYNTAX_ERROR;
    return result;
  }
  UseVersion(ctx, 1);  // nothing of the previous message's version survives
  return Serve(ctx, out, dispatcher, version, fault_reason);
}

HttpReply SoapSenderFaultReply(SoapVersion version, int http_status, const char* reason) {
  return FaultReply(version, http_status, reason, /*sender=*/true);
}

HttpReply SoapSenderFaultReply(SoapVersion version, int http_status, const char* reason, std::string_view detail_xml) {
  return FaultReply(version, http_status, reason, /*sender=*/true, detail_xml);
}

HttpReply SoapReceiverFaultReply(SoapVersion version, int http_status, const char* reason) {
  return FaultReply(version, http_status, reason, /*sender=*/false);
}

}  // namespace voip::soap
