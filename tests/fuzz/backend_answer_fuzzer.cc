// libFuzzer harness: any bytes as a backend's raw HTTP answer (status line,
// headers, body), sent before the backend closes the connection, to the real
// gSOAP clients: the first byte picks the backend ('M': MIDAS's
// UpdateCustomerMigrationStatus, anything else: the work-order system's
// CreateMigrationWorkOrder), the rest is the answer. Everything above the
// socket is the adapter's own code: the generated stubs, the DOCTYPE scan, the
// depth and size limits, the Content-Length end of stream, the reading of
// fault details, the classification; only the TCP connect is replaced
// (soap::Connector, tests/support/canned_connection.h) by a socketpair that
// already holds the answer, so there is no network and a run takes
// microseconds. The outcome then goes through the
// fault translator and the JSON rendering, as the flow would.
//
// Aborts (besides ASan/UBSan findings) unless:
// - the outcome is a success or one of the failure kinds an answer can cause
//   (never "connect failed" or "nothing was done": the request was delivered;
//   never "internal"; never cut by a request deadline: there is none), and
//   each call opened exactly one connection;
// - an order number is returned only when well-formed (wo:OrderNumber: 1 to 20
//   characters; UTF-8 without control characters; not blank);
// - the backend's code and message are at most kMaxFaultFieldBytes, the
//   diagnostic one line of at most kMaxDiagnosticBytes without the request's
//   telephone or account number;
// - the JSON answer parses and its fault array holds one entry whose code is
//   10685 for a business fault and 10686 otherwise, with the HTTP status the
//   kind calls for;
// - the same client then reads a well-formed answer right (nothing of the bad
//   exchange is left in its pooled context);
// - a success or a SOAP fault comes only from a body that keeps XML 1.0's
//   character rules (checked here on plain Content-Length answers with the
//   whole-message check, against the client's streaming one), and a success
//   only under a 2xx status.
#include <iconv.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "adapter/fault.h"
#include "adapter/migration_flow.h"
#include "adapter/soap/midas_client.h"
#include "adapter/soap/soap_fault_reader.h"
#include "adapter/soap/work_order_client.h"
#include "adapter/soap/xml_chars.h"
#include "http/json_face.h"
#include "http/status.h"
#include "tests/support/backend_calls.h"
#include "tests/support/canned_connection.h"

namespace {

using voip::BackendError;
using voip::BackendErrorKind;

constexpr std::size_t kMaxAnswerBytes = 64 * 1024;    // what canned_connection takes
constexpr const char* kOrderNumber = "WO1000000001";  // in the good answer after the fuzzed one

// Aborts, naming the broken invariant (and the outcome, when there is one) for triage.
void Require(bool condition, const char* invariant, const BackendError* error = nullptr) {
  if (condition) return;
  std::fprintf(stderr, "backend_answer_fuzzer: %s\n", invariant);
  if (error != nullptr) {
    std::fprintf(stderr, "  kind %s, HTTP %d, diagnostic: %s\n", voip::BackendErrorKindName(error->kind),
                 error->http_status, error->diagnostic.c_str());
  }
  std::abort();
}

// Runs one call of `client_call` against `answer`, then closes the backend's end.
template <typename Call>
auto Exchange(std::string_view answer, Call client_call) {
  voip::testing::SetNextAnswer(answer);
  auto result = client_call();
  voip::testing::CloseCannedConnections();
  return result;
}

std::string HttpOk(const std::string& envelope) {
  return "HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: " +
         std::to_string(envelope.size()) + "\r\n\r\n" + envelope;
}

std::string Envelope(const char* ns, const std::string& body) {
  return std::string(
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?><s:Envelope "
             "xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:b=\"") +
         ns + "\"><s:Body>" + body + "</s:Body></s:Envelope>";
}

voip::CallContext Context() { return voip::CallContext{"fuzz-correlation-1"}; }

std::string Lower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  return lower;
}

// What an answer says of itself when it is plain HTTP/1.x with one
// Content-Length, no Transfer-Encoding or Content-Encoding, and the whole
// body present: its status and its body. nullopt for anything else.
struct PlainAnswer {
  int status = 0;
  std::string_view body;
};
std::optional<PlainAnswer> ReadPlain(std::string_view answer) {
  const std::size_t end = answer.find("\r\n\r\n");
  if (end == std::string_view::npos || answer.substr(0, 9) != "HTTP/1.1 ") return std::nullopt;
  const std::string head = Lower(answer.substr(0, end + 2));
  if (head.find("encoding") != std::string::npos || head.find('\0') != std::string::npos) return std::nullopt;
  const std::size_t length_at = head.find("\r\ncontent-length: ");
  if (length_at == std::string::npos || head.find("content-length", length_at + 3) != std::string::npos) {
    return std::nullopt;
  }
  const std::size_t digits = length_at + 18;
  const std::size_t digits_end = head.find("\r\n", digits);
  if (digits_end == digits || digits_end - digits > 6 || head.find_first_not_of("0123456789", digits) != digits_end) {
    return std::nullopt;
  }
  const std::size_t length = std::stoul(head.substr(digits, digits_end - digits));
  if (answer.size() - (end + 4) < length || answer.size() < 12) return std::nullopt;
  if (answer[12] != ' ' && answer[12] != '\r') return std::nullopt;
  const std::string code(answer.substr(9, 3));
  if (code.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return PlainAnswer{std::stoi(code), answer.substr(end + 4, length)};
}

// An answer the client took (a success, or a SOAP fault of the backend's):
// its body keeps the character rules, and a success came under 2xx.
void CheckTaken(std::string_view answer, bool success) {
  const std::optional<PlainAnswer> plain = ReadPlain(answer);
  if (!plain) return;
  Require(!voip::soap::FindXmlCharError(plain->body), "an answer breaking XML 1.0's character rules was taken");
  if (success) Require(plain->status >= 200 && plain->status <= 299, "a success taken under a non-2xx status");
}

// wo:OrderNumber: 1 to 20 characters; and text the adapter can pass on as it
// is: UTF-8 (iconv refuses what is not: overlong forms, surrogates) without
// control characters, and not blank. Decoded with iconv rather than with the
// client's own check, so that the two can disagree.
bool WellFormedOrderNumber(const std::string& text) {
  static const iconv_t to_utf32 = iconv_open("UTF-32LE", "UTF-8");
  Require(to_utf32 != reinterpret_cast<iconv_t>(-1), "iconv_open failed");
  std::u32string decoded(text.size(), U'\0');
  char* in = const_cast<char*>(text.data());
  std::size_t in_left = text.size();
  char* out = reinterpret_cast<char*>(decoded.data());
  std::size_t out_left = decoded.size() * sizeof(char32_t);
  iconv(to_utf32, nullptr, nullptr, nullptr, nullptr);
  if (iconv(to_utf32, &in, &in_left, &out, &out_left) == static_cast<std::size_t>(-1)) return false;
  decoded.resize(decoded.size() - out_left / sizeof(char32_t));
  if (decoded.empty() || decoded.size() > 20) return false;
  if (decoded.find_first_not_of(U' ') == std::u32string::npos) return false;
  for (const char32_t c : decoded) {
    if (c < 0x20 || (c >= 0x7F && c < 0xA0)) return false;
  }
  return true;
}

// The failure's fields; `sent` is what the client sent (its numbers must not
// reach the diagnostic).
void CheckError(const BackendError& error, const voip::WorkOrderRequest& sent) {
  switch (error.kind) {
    case BackendErrorKind::kBusinessFault:
    case BackendErrorKind::kSystemFault:
    case BackendErrorKind::kUntypedFault:
    case BackendErrorKind::kTimeout:
    case BackendErrorKind::kConnectionReset:
    case BackendErrorKind::kConnectionClosed:
    case BackendErrorKind::kMalformedResponse: break;
    case BackendErrorKind::kHttpError:
      Require(error.http_status >= 300 && error.http_status < 600, "HTTP error without an error status", &error);
      break;
    case BackendErrorKind::kConnectFailed:  // the request was delivered
    case BackendErrorKind::kInternal: Require(false, "an answer classified as connect failed or internal", &error);
  }
  Require(!error.NothingWasDone(), "nothing was done, yet the request was delivered", &error);
  Require(!error.cut_by_request_deadline, "cut by a request deadline, yet the call had none", &error);
  Require(error.backend_code.size() <= voip::soap::kMaxFaultFieldBytes, "backend code too long", &error);
  Require(error.backend_message.size() <= voip::soap::kMaxFaultFieldBytes, "backend message too long", &error);
  const std::string& diagnostic = error.diagnostic;
  Require(!diagnostic.empty() && diagnostic.size() <= voip::soap::kMaxDiagnosticBytes, "diagnostic empty or too long",
          &error);
  Require(diagnostic.find_first_of("\r\n") == std::string::npos, "diagnostic not one line", &error);
  Require(diagnostic.find(sent.telephone_number) == std::string::npos &&
              diagnostic.find(sent.account_number) == std::string::npos,
          "diagnostic holds a telephone or account number", &error);
}

// The HTTP status of a failure of this kind (http/status.h), and its code.
void CheckTranslation(BackendErrorKind kind, const voip::TranslatedFailure& translated) {
  const bool business = kind == BackendErrorKind::kBusinessFault;
  Require(std::string(translated.fault.Code()) == (business ? "10685" : "10686"), "wrong fault code");
  const int status = voip::HttpStatusFor(translated.failure_class);
  Require(status == (business ? 422 : kind == BackendErrorKind::kTimeout ? 504 : 502), "wrong HTTP status");
  const bool from_fault = business || kind == BackendErrorKind::kSystemFault || kind == BackendErrorKind::kUntypedFault;
  Require(translated.fault.origin.has_value() == from_fault, "origin set for anything but a SOAP fault");
}

// The JSON answer of `outcome`: success (with `order_number`) or failure, and
// one fault entry with `code`, or none.
void CheckRendered(const voip::MigrationOutcome& outcome, const char* code) {
  const nlohmann::json answer = nlohmann::json::parse(voip::RenderJson(outcome))["CreateVOIPMigrationWorkOrder"];
  const nlohmann::json& shape = outcome.order_number ? answer.at("success") : answer.at("failure");
  if (outcome.order_number) Require(shape.at("orderNumber") == *outcome.order_number, "order number changed");
  const nlohmann::json& faults = shape.at("fault");
  Require(faults.is_array() && faults.size() == (code == nullptr ? 0 : 1), "wrong number of fault entries");
  if (code != nullptr) {
    Require(faults[0].at("code") == code && faults[0].at("detail").is_string(), "wrong fault entry");
  }
}

void FuzzWorkOrder(std::string_view answer) {
  // The host is never resolved: ConnectToCannedAnswer connects.
  voip::GsoapWorkOrderSystem client(voip::testing::SampleEndpoint("http://work-order.fuzz.invalid/workorder"),
                                    voip::testing::ConnectToCannedAnswer);
  const voip::WorkOrderRequest request = voip::testing::SampleWorkOrderRequest();
  const auto create = [&] { return client.CreateMigrationWorkOrder(request, Context()); };

  const voip::BackendResult<voip::WorkOrderCreated> result = Exchange(answer, create);
  Require(client.ConnectionsOpened() == 1, "a create was repeated");
  voip::MigrationOutcome outcome;
  if (const auto* created = std::get_if<voip::WorkOrderCreated>(&result)) {
    Require(WellFormedOrderNumber(created->order_number), "an order number that is not well-formed");
    CheckTaken(answer, /*success=*/true);
    outcome.order_number = created->order_number;
    CheckRendered(outcome, nullptr);
  } else {
    const BackendError& error = std::get<BackendError>(result);
    CheckError(error, request);
    if (error.kind == BackendErrorKind::kBusinessFault || error.kind == BackendErrorKind::kSystemFault ||
        error.kind == BackendErrorKind::kUntypedFault) {
      CheckTaken(answer, /*success=*/false);
    }
    const voip::TranslatedFailure translated = voip::TranslateBackendError(voip::Backend::kWorkOrder, error);
    CheckTranslation(error.kind, translated);
    outcome.faults = {translated.fault};
    outcome.failure_class = translated.failure_class;
    CheckRendered(outcome, translated.fault.Code());
  }

  static const std::string kCreated =
      HttpOk(Envelope("http://schemas.cableco.example/fieldops/workorder/migration/v1",
                      std::string("<b:CreateMigrationWorkOrderResponse><b:orderNumber>") + kOrderNumber +
                          "</b:orderNumber></b:CreateMigrationWorkOrderResponse>"));
  const voip::BackendResult<voip::WorkOrderCreated> next = Exchange(kCreated, create);
  Require(std::holds_alternative<voip::WorkOrderCreated>(next) &&
              std::get<voip::WorkOrderCreated>(next).order_number == kOrderNumber,
          "a good answer after this one was misread", std::get_if<BackendError>(&next));
  Require(client.ConnectionsOpened() == 2, "the good answer's call did not open one connection");
}

void FuzzMidas(std::string_view answer) {
  voip::GsoapMidas client(voip::testing::SampleEndpoint("http://midas.fuzz.invalid/midas"),
                          voip::testing::ConnectToCannedAnswer);
  const voip::MigrationStatusUpdate update = voip::testing::SampleStatusUpdate();
  const auto send = [&] { return client.UpdateCustomerMigrationStatus(update, Context()); };

  const voip::BackendResult<voip::MidasAcknowledged> result = Exchange(answer, send);
  // A first call has no kept connection to repeat on.
  Require(client.ConnectionsOpened() == 1, "an update was repeated on a new connection");
  // As the flow answers after a created work order: success, with a fault
  // entry for the update when it failed.
  voip::MigrationOutcome outcome;
  outcome.order_number = update.order_number;
  if (const auto* error = std::get_if<BackendError>(&result)) {
    CheckError(*error, voip::WorkOrderRequest{update.telephone_number, update.account_number, update.site_reference});
    if (error->kind == BackendErrorKind::kBusinessFault || error->kind == BackendErrorKind::kSystemFault ||
        error->kind == BackendErrorKind::kUntypedFault) {
      CheckTaken(answer, /*success=*/false);
    }
    CheckTranslation(error->kind, voip::TranslateBackendError(voip::Backend::kMidas, *error));
    outcome.faults = {voip::MidasUpdateFault(*error, /*work_order_created=*/true, voip::MidasFollowUp::kPending)};
    CheckRendered(outcome, error->kind == BackendErrorKind::kBusinessFault ? "10685" : "10686");
  } else {
    CheckTaken(answer, /*success=*/true);
    CheckRendered(outcome, nullptr);
  }

  static const std::string kAcknowledged =
      HttpOk(Envelope("http://schemas.cableco.example/midas/customer/migration/v1",
                      "<b:UpdateCustomerMigrationStatusResponse><b:acknowledged>true</b:acknowledged>"
                      "</b:UpdateCustomerMigrationStatusResponse>"));
  const voip::BackendResult<voip::MidasAcknowledged> next = Exchange(kAcknowledged, send);
  Require(std::holds_alternative<voip::MidasAcknowledged>(next), "a good answer after this one was misread",
          std::get_if<BackendError>(&next));
  Require(client.ConnectionsOpened() == 2, "the good answer's call did not open one connection");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0 || size > kMaxAnswerBytes + 1) return 0;
  const std::string_view answer(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] == 'M') {
    FuzzMidas(answer);
  } else {
    FuzzWorkOrder(answer);
  }
  return 0;
}
