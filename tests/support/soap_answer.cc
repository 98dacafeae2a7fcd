#include "tests/support/soap_answer.h"

#include <pugixml.hpp>

#include "tests/support/soap_xml.h"

namespace voip::testing {
namespace {

using nlohmann::json;

std::string Qualified(const pugi::xml_node& element) { return "{" + NamespaceUri(element) + "}" + LocalName(element); }

pugi::xml_node Child(const pugi::xml_node& parent, const std::string& local_name) {
  for (pugi::xml_node child : parent.children()) {
    if (child.type() == pugi::node_element && LocalName(child) == local_name) return child;
  }
  return {};
}

pugi::xml_node FirstElement(const pugi::xml_node& parent) {
  for (pugi::xml_node child : parent.children()) {
    if (child.type() == pugi::node_element) return child;
  }
  return {};
}

std::string WithoutPrefix(const std::string& qname) {
  const std::size_t colon = qname.find(':');
  return colon == std::string::npos ? qname : qname.substr(colon + 1);
}

json FaultEntry(const pugi::xml_node& fault) {
  json entry = json::object();
  for (pugi::xml_node field : fault.children()) {
    if (field.type() != pugi::node_element || NamespaceUri(field) != kSpmNs) continue;
    if (LocalName(field) == "origin") {
      json origin = json::object();
      for (pugi::xml_node part : field.children()) {
        if (part.type() == pugi::node_element) origin[LocalName(part)] = part.text().get();
      }
      entry["origin"] = origin;
    } else {
      entry[LocalName(field)] = field.text().get();
    }
  }
  return entry;
}

json Faults(const pugi::xml_node& parent) {
  json faults = json::array();
  for (pugi::xml_node child : parent.children()) {
    if (child.type() == pugi::node_element && LocalName(child) == "fault") faults.push_back(FaultEntry(child));
  }
  return faults;
}

json ResponseAsJson(const pugi::xml_node& response) {
  const pugi::xml_node choice = FirstElement(response);
  if (!choice || NamespaceUri(choice) != kSpmNs) return nullptr;
  if (LocalName(choice) == "success") {
    return {{"CreateVOIPMigrationWorkOrder",
             {{"success", {{"orderNumber", Child(choice, "orderNumber").text().get()}, {"fault", Faults(choice)}}}}}};
  }
  if (LocalName(choice) == "failure") {
    return {{"CreateVOIPMigrationWorkOrder", {{"failure", {{"fault", Faults(choice)}}}}}};
  }
  return nullptr;
}

}  // namespace

std::string SoapEnvelope(const std::string& body, const char* envelope_ns, const std::string& header) {
  return std::string("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<env:Envelope xmlns:env=\"") + envelope_ns +
         "\" xmlns:v=\"" + kSpmNs + "\">" + (header.empty() ? "" : "<env:Header>" + header + "</env:Header>") +
         "<env:Body>" + body + "</env:Body></env:Envelope>";
}

std::string CreateRequest(const std::string& telephone, const std::string& account, const std::string& site) {
  return "<v:CreateVOIPMigrationWorkOrder><v:telephoneNumber>" + telephone +
         "</v:telephoneNumber><v:accountIdentification><v:accountNumber>" + account +
         "</v:accountNumber><v:siteReference>" + site +
         "</v:siteReference></v:accountIdentification></v:CreateVOIPMigrationWorkOrder>";
}

SoapAnswer ReadSoapAnswer(const std::string& xml) {
  SoapAnswer answer;
  pugi::xml_document document;
  if (!document.load_buffer(xml.data(), xml.size())) return answer;
  const pugi::xml_node envelope = document.document_element();
  if (LocalName(envelope) != "Envelope") return answer;
  answer.envelope_ns = NamespaceUri(envelope);
  const pugi::xml_node payload = FirstElement(Child(envelope, "Body"));
  if (!payload) return answer;
  answer.payload = Qualified(payload);
  if (LocalName(payload) == "Fault") {
    if (answer.envelope_ns == kSoap12EnvelopeNs) {
      answer.fault_code = WithoutPrefix(Child(Child(payload, "Code"), "Value").text().get());
      answer.fault_reason = Child(Child(payload, "Reason"), "Text").text().get();
      answer.has_fault_detail = Child(payload, "Detail");
      answer.fault_detail_entries = Faults(Child(payload, "Detail"));
    } else {
      answer.fault_code = WithoutPrefix(Child(payload, "faultcode").text().get());
      answer.fault_reason = Child(payload, "faultstring").text().get();
      answer.has_fault_detail = Child(payload, "detail");
      answer.fault_detail_entries = Faults(Child(payload, "detail"));
    }
  } else if (LocalName(payload) == "CreateVOIPMigrationWorkOrderResponse" && NamespaceUri(payload) == kSpmNs) {
    answer.response = ResponseAsJson(payload);
  }
  return answer;
}

}  // namespace voip::testing
