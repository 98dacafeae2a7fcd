#include "http/soap_face.h"

#include <cctype>
#include <string>
#include <utility>

#include "adapter/soap/xml_chars.h"
#include "http/status.h"
#include "platform/text.h"
#include "soapH.h"
#include "soapVOIPMigrationWorkOrderBindingService.h"

namespace voip {
namespace {

using soap::HttpReply;
using soap::SoapVersion;

std::string_view Unquoted(std::string_view text) {
  text = Trim(text);
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') text = text.substr(1, text.size() - 2);
  return text;
}

// The value of a Content-Type parameter (`action` for SOAP 1.2), unquoted;
// nullopt when absent.
std::optional<std::string> ContentTypeParameter(std::string_view content_type, std::string_view name) {
  std::size_t start = content_type.find(';');
  while (start != std::string_view::npos) {
    const std::size_t end = content_type.find(';', start + 1);
    const std::string_view parameter =
        content_type.substr(start + 1, end == std::string_view::npos ? std::string_view::npos : end - start - 1);
    const std::size_t eq = parameter.find('=');
    if (eq != std::string_view::npos && EqualsIgnoreCase(Trim(parameter.substr(0, eq)), name)) {
      return std::string(Unquoted(parameter.substr(eq + 1)));
    }
    start = end;
  }
  return std::nullopt;
}

// Why the action a caller announced does not fit the operation; empty when it
// does. Without one (no SOAPAction header in SOAP 1.1, no `action` parameter
// in SOAP 1.2) or with an empty one (""), the Body's element decides, as CXF,
// Axis2, gSOAP and spyne do; only an action naming something else is refused.
const char* ActionProblem(SoapVersion version, const SoapCall& call) {
  std::optional<std::string> action;
  if (version == SoapVersion::k11) {
    if (call.soap_action) action = std::string(Unquoted(*call.soap_action));
  } else {
    action = ContentTypeParameter(call.content_type, "action");
  }
  if (action && !action->empty() && *action != kCreateSoapAction) {
    return version == SoapVersion::k11 ? "The SOAPAction does not name an operation of this service"
                                       : "The action parameter does not name an operation of this service";
  }
  return "";
}

// The fault string of an envelope gSOAP could not read, in the adapter's words
// (gSOAP's own quote the caller's elements and name parser internals).
std::string FaultReasonFor(int soap_error, SoapVersion version, unsigned max_depth) {
  switch (soap_error) {
    case SOAP_VERSIONMISMATCH:
      return version == SoapVersion::k11
                 ? "The message is not a SOAP 1.1 envelope, as Content-Type text/xml announces"
                 : "The message is not a SOAP 1.2 envelope, as Content-Type application/soap+xml announces";
    case SOAP_NO_METHOD:
      return "The SOAP Body does not hold a CreateVOIPMigrationWorkOrder element in namespace "
             "http://schemas.cableco.example/spm/voip-migration/v1";
    case SOAP_TAG_MISMATCH:
    case SOAP_OCCURS:
    case SOAP_TYPE:
    case SOAP_EMPTY:
    case SOAP_LENGTH:
    case SOAP_NULL:
    case SOAP_FIXED:
      return "The request does not match the WSDL: an element is unknown, repeated, misplaced or in "
             "the wrong namespace, or a value is not of its type";
    case SOAP_LEVEL: return "The message is nested deeper than " + std::to_string(max_depth) + " elements";
    case SOAP_MUSTUNDERSTAND: return "A SOAP header marked mustUnderstand is not understood by this service";
    case SOAP_EOM: return "The adapter could not process the message";
    default: return "The message is not well-formed XML or not a SOAP envelope";
  }
}

std::string XmlEscaped(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '<') {
      out += "&lt;";
    } else if (c == '&') {
      out += "&amp;";
    } else if (c == '>') {
      out += "&gt;";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// `fault` as an spm:fault element (the WSDL's spm:Fault), for a SOAP Fault's detail.
std::string FaultElement(const Fault& fault) {
  return std::string("<spm:fault xmlns:spm=\"http://schemas.cableco.example/spm/voip-migration/v1\">") + "<spm:type>" +
         fault.TypeName() + "</spm:type><spm:code>" + fault.Code() + "</spm:code><spm:description>" +
         fault.Description() + "</spm:description><spm:severity>" + fault.Severity() +
         "</spm:severity><spm:sourceSystem>" + Fault::kSourceSystem + "</spm:sourceSystem><spm:detail>" +
         XmlEscaped(fault.detail) + "</spm:detail></spm:fault>";
}

// A message breaking XML 1.0's character rules: a Client/Sender fault whose
// detail holds one BUSINESS 10685 entry saying what and where (no data).
HttpReply CharacterRefusal(SoapVersion version, const soap::XmlCharError& error) {
  const std::string reason = std::string("The message holds ") + soap::XmlCharProblemText(error.problem) + " at byte " +
                             std::to_string(error.offset) + "; it was not processed";
  return soap::SoapSenderFaultReply(version, 0, reason.c_str(), FaultElement(BusinessFault(reason)));
}

const char* ContentTypeOf(SoapVersion version) {
  return version == SoapVersion::k12 ? "application/soap+xml; charset=utf-8" : "text/xml; charset=utf-8";
}

FieldInput TextField(const std::string* value) {
  return value == nullptr ? FieldInput::Null() : FieldInput::Text(*value);
}

// The generated request as the core's input, without applying any rule: an
// absent or nil element is null (both give the same fault), an empty one is
// blank text. siteReference arrives as text (wsdl/typemap.dat).
MigrationRequestInput ToInput(const _spm__CreateVOIPMigrationWorkOrder& request) {
  MigrationRequestInput input;
  input.telephone_number = TextField(request.telephoneNumber);
  const spm__AccountIdentification* account = request.accountIdentification;
  if (account == nullptr) return input;  // account fields stay absent
  input.account_identification = {FieldInput::Kind::kObject, {}};
  input.account_number = TextField(account->accountNumber);
  input.site_reference = TextField(account->siteReference);  // the validator reads the integer
  return input;
}

spm__Fault* ToSoapFault(struct soap* ctx, const Fault& fault) {
  spm__Fault* entry = soap_new_spm__Fault(ctx);
  entry->type = fault.type == FaultType::kBusiness ? spm__FaultType__BUSINESS : spm__FaultType__SYSTEM;
  entry->code = fault.Code();
  entry->description = fault.Description();
  entry->severity = fault.Severity();
  entry->sourceSystem = Fault::kSourceSystem;
  entry->detail = soap_new_std__string(ctx);
  *entry->detail = fault.detail;
  if (fault.origin) {
    entry->origin = soap_new_spm__FaultOrigin(ctx);
    entry->origin->system = fault.origin->system;
    if (!fault.origin->code.empty()) {
      entry->origin->code = soap_new_std__string(ctx);
      *entry->origin->code = fault.origin->code;
    }
    if (!fault.origin->message.empty()) {
      entry->origin->message = soap_new_std__string(ctx);
      *entry->origin->message = fault.origin->message;
    }
  }
  return entry;
}

void ToResponse(struct soap* ctx, const MigrationOutcome& outcome,
                _spm__CreateVOIPMigrationWorkOrderResponse& response) {
  if (outcome.order_number) {
    auto* success = soap_new_spm__Success(ctx);
    success->orderNumber = *outcome.order_number;
    for (const Fault& fault : outcome.faults) success->fault.push_back(ToSoapFault(ctx, fault));
    response.__union_CreateVOIPMigrationWorkOrderResponse =
        SOAP_UNION__spm__union_CreateVOIPMigrationWorkOrderResponse_success;
    response.union_CreateVOIPMigrationWorkOrderResponse.success = success;
  } else {
    auto* failure = soap_new_spm__Failure(ctx);
    for (const Fault& fault : outcome.faults) failure->fault.push_back(ToSoapFault(ctx, fault));
    response.__union_CreateVOIPMigrationWorkOrderResponse =
        SOAP_UNION__spm__union_CreateVOIPMigrationWorkOrderResponse_failure;
    response.union_CreateVOIPMigrationWorkOrderResponse.failure = failure;
  }
}

// The generated service with the one operation: input -> core -> response.
// One instance per message, built on the thread's gSOAP context.
class FaceService final : public VOIPMigrationWorkOrderBindingService {
 public:
  FaceService(struct soap* ctx, const MigrationCore& core, std::optional<MigrationOutcome>& outcome,
              std::optional<StoredAnswer>& replay)
      : VOIPMigrationWorkOrderBindingService(ctx), core_(core), outcome_(outcome), replay_(replay) {}

  VOIPMigrationWorkOrderBindingService* copy() override { return nullptr; }  // never copied

  int CreateVOIPMigrationWorkOrder(_spm__CreateVOIPMigrationWorkOrder* request,
                                   _spm__CreateVOIPMigrationWorkOrderResponse& response) override {
    if (request == nullptr) return soap_senderfault("The request element is missing", nullptr);
    SoapOperation operation{ToInput(*request), std::nullopt};
    if (soap->header != nullptr && soap->header->spm__IdempotencyKey != nullptr) {
      operation.idempotency_key = *soap->header->spm__IdempotencyKey;
    }
    soap->header = nullptr;  // the response carries no header (gSOAP would echo the request's)
    CoreAnswer answer = core_(operation);
    outcome_ = std::move(answer.outcome);
    if (answer.replay) {
      replay_ = std::move(answer.replay);
      return SOAP_STOP;  // nothing serialised: ServeSoap sends the kept bytes
    }
    ToResponse(soap, *outcome_, response);
    return SOAP_OK;
  }

 private:
  const MigrationCore& core_;
  std::optional<MigrationOutcome>& outcome_;
  std::optional<StoredAnswer>& replay_;
};

}  // namespace

std::optional<SoapVersion> SoapVersionOf(std::string_view content_type) {
  const std::string media = AsciiLower(Trim(content_type.substr(0, content_type.find(';'))));
  if (media == "text/xml") return SoapVersion::k11;
  if (media == "application/soap+xml") return SoapVersion::k12;
  return std::nullopt;
}

SoapAnswer ServeSoap(const SoapCall& call, const MigrationCore& core, const soap::SoapLimits& limits) {
  SoapAnswer answer;
  const std::optional<SoapVersion> version = SoapVersionOf(call.content_type);
  if (!version) {
    answer.reply = soap::SoapSenderFaultReply(
        SoapVersion::k11, HttpStatusFor(FailureClass::kUnsupportedMedia, AnswerForm::kSoapRefusal),
        "Content-Type must be text/xml (SOAP 1.1) or application/soap+xml (SOAP 1.2)");
    return answer;
  }
  if (const char* problem = ActionProblem(*version, call); *problem != '\0') {
    answer.reply = soap::SoapSenderFaultReply(*version, 0, problem);
    return answer;
  }
  // Before gSOAP reads it: gSOAP would cut a value at "&#0;" or pass bad characters on.
  if (call.body.size() <= limits.max_bytes) {
    if (const auto bad = soap::FindXmlCharError(call.body)) {
      answer.reply = CharacterRefusal(*version, *bad);
      return answer;
    }
  }
  std::optional<StoredAnswer> replay;
  soap::SoapDispatchResult result = soap::DispatchSoap(
      call.body,
      [&](struct soap* ctx) {
        FaceService service(ctx, core, answer.outcome, replay);
        return service.dispatch();
      },
      limits, *version, [&](int soap_error) { return FaultReasonFor(soap_error, *version, limits.max_depth); });
  if (result.taken_over && replay) {
    answer.reply = HttpReply{replay->http_status, ContentTypeOf(*version), std::move(replay->body)};
    return answer;
  }
  answer.reply = std::move(result.reply);
  if (answer.outcome && result.soap_error == SOAP_OK) {
    answer.reply.status = HttpStatusFor(answer.outcome->failure_class, AnswerForm::kSoapResponse);
  }
  return answer;
}

std::string SoapIdempotencyText(const MigrationRequestInput& input) {
  // One line per field: its kind, then its text; a newline in a value cannot
  // shift the lines, since each value is length-prefixed.
  std::string text = "soap-request\n";
  for (const FieldInput* field :
       {&input.telephone_number, &input.account_identification, &input.account_number, &input.site_reference}) {
    text += std::to_string(static_cast<int>(field->kind)) + ':' + std::to_string(field->text.size()) + ':' +
            field->text + '\n';
  }
  return text;
}

HttpReply RenderSoapOutcome(SoapVersion version, const MigrationOutcome& outcome) {
  const bool v12 = version == SoapVersion::k12;
  const std::string envelope =
      std::string("<e:Envelope xmlns:e=\"") +
      (v12 ? "http://www.w3.org/2003/05/soap-envelope" : "http://schemas.xmlsoap.org/soap/envelope/") +
      "\"><e:Body><spm:CreateVOIPMigrationWorkOrder "
      "xmlns:spm=\"http://schemas.cableco.example/spm/voip-migration/v1\"/></e:Body></e:Envelope>";
  const SoapCall call{envelope, v12 ? "application/soap+xml; charset=utf-8" : "text/xml; charset=utf-8",
                      std::string(kCreateSoapAction)};
  return ServeSoap(call, [&](const SoapOperation&) { return CoreAnswer{outcome, std::nullopt}; }, {}).reply;
}

HttpReply SoapRefusal(std::string_view content_type, int http_status, const std::string& reason) {
  return soap::SoapSenderFaultReply(SoapVersionOf(content_type).value_or(SoapVersion::k11), http_status,
                                    reason.c_str());
}

HttpReply SoapServerRefusal(std::string_view content_type, int http_status, const std::string& reason) {
  return soap::SoapReceiverFaultReply(SoapVersionOf(content_type).value_or(SoapVersion::k11), http_status,
                                      reason.c_str());
}

}  // namespace voip
