#include "http/json_face.h"

#include <cctype>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "platform/text.h"

namespace voip {
namespace {

using nlohmann::json;

struct RejectedJson : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Parses with a callback that enforces the depth limit and rejects duplicate
// member names (nlohmann/json would silently keep the last one).
json ParseStrict(std::string_view body) {
  std::vector<std::set<std::string>> keys_per_object;
  auto callback = [&keys_per_object](int depth, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        if (depth >= kMaxJsonDepth) throw RejectedJson("nested deeper than " + std::to_string(kMaxJsonDepth));
        if (event == json::parse_event_t::object_start) keys_per_object.emplace_back();
        break;
      case json::parse_event_t::key:
        if (!keys_per_object.back().insert(parsed.get<std::string>()).second) {
          throw RejectedJson("has the member '" + parsed.get<std::string>() + "' more than once");
        }
        break;
      case json::parse_event_t::object_end: keys_per_object.pop_back(); break;
      default: break;
    }
    return true;
  };
  return json::parse(body.begin(), body.end(), callback);
}

FieldInput FieldOf(const json& object, const char* name) {
  const auto it = object.find(name);
  if (it == object.end()) return FieldInput::Absent();
  switch (it->type()) {
    case json::value_t::null: return FieldInput::Null();
    case json::value_t::string: return FieldInput::Text(it->get<std::string>());
    case json::value_t::number_integer: return FieldInput::Integer(std::to_string(it->get<std::int64_t>()));
    case json::value_t::number_unsigned: return FieldInput::Integer(std::to_string(it->get<std::uint64_t>()));
    case json::value_t::number_float: return {FieldInput::Kind::kNumber, it->dump()};
    case json::value_t::boolean: return {FieldInput::Kind::kBoolean, it->dump()};
    case json::value_t::object: return {FieldInput::Kind::kObject, {}};
    default: return {FieldInput::Kind::kArray, {}};
  }
}

json FaultJson(const Fault& fault) {
  json entry = {{"type", fault.TypeName()},
                {"code", fault.Code()},
                {"description", fault.Description()},
                {"severity", fault.Severity()},
                {"sourceSystem", Fault::kSourceSystem},
                {"detail", fault.detail}};
  if (fault.origin) {
    json origin = {{"system", fault.origin->system}};
    if (!fault.origin->code.empty()) origin["code"] = fault.origin->code;
    if (!fault.origin->message.empty()) origin["message"] = fault.origin->message;
    entry["origin"] = std::move(origin);
  }
  return entry;
}

}  // namespace

std::variant<MigrationRequestInput, Fault> ParseJsonRequest(std::string_view body) {
  json document;
  try {
    document = ParseStrict(body);
  } catch (const RejectedJson& rejected) {
    return BusinessFault(std::string("The request body ") + rejected.what());
  } catch (const json::exception&) {
    return BusinessFault("The request body is not valid JSON (RFC 8259, UTF-8)");
  }
  if (!document.is_object()) return BusinessFault("The request body must be a JSON object");

  MigrationRequestInput input;
  input.telephone_number = FieldOf(document, "telephoneNumber");
  input.account_identification = FieldOf(document, "accountIdentification");
  if (input.account_identification.kind == FieldInput::Kind::kObject) {
    const json& account = document["accountIdentification"];
    input.account_number = FieldOf(account, "accountNumber");
    input.site_reference = FieldOf(account, "siteReference");
  }
  return input;
}

bool IsJsonContentType(std::string_view content_type) {
  const std::string media = AsciiLower(Trim(content_type.substr(0, content_type.find(';'))));
  if (media == "application/json") return true;
  return media.rfind("application/", 0) == 0 && media.size() > 5 && media.compare(media.size() - 5, 5, "+json") == 0;
}

std::string RenderJson(const MigrationOutcome& outcome) {
  json faults = json::array();
  for (const Fault& fault : outcome.faults) faults.push_back(FaultJson(fault));
  json body = outcome.order_number
                  ? json{{"success", {{"orderNumber", *outcome.order_number}, {"fault", std::move(faults)}}}}
                  : json{{"failure", {{"fault", std::move(faults)}}}};
  return json{{"CreateVOIPMigrationWorkOrder", std::move(body)}}.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace voip
