#include "tests/support/soap_xml.h"

#include <string_view>

namespace voip::testing {

std::string LocalName(const pugi::xml_node& element) {
  const std::string_view name(element.name());
  const std::size_t colon = name.find(':');
  return std::string(colon == std::string_view::npos ? name : name.substr(colon + 1));
}

std::string NamespaceUri(const pugi::xml_node& element) {
  const std::string_view name(element.name());
  const std::size_t colon = name.find(':');
  const std::string attribute =
      colon == std::string_view::npos ? "xmlns" : "xmlns:" + std::string(name.substr(0, colon));
  for (pugi::xml_node node = element; node; node = node.parent()) {
    const pugi::xml_attribute declaration = node.attribute(attribute.c_str());
    if (declaration) return declaration.value();
  }
  return "";
}

pugi::xml_node SoapBodyPayload(const pugi::xml_document& document) {
  const pugi::xml_node envelope = document.document_element();
  if (LocalName(envelope) != "Envelope" || NamespaceUri(envelope) != kSoap11EnvelopeNs) return {};
  for (pugi::xml_node child : envelope.children()) {
    if (child.type() == pugi::node_element && LocalName(child) == "Body" && NamespaceUri(child) == kSoap11EnvelopeNs) {
      for (pugi::xml_node payload : child.children()) {
        if (payload.type() == pugi::node_element) return payload;
      }
    }
  }
  return {};
}

std::vector<std::string> ChildNames(const pugi::xml_node& parent) {
  std::vector<std::string> names;
  for (pugi::xml_node child : parent.children()) {
    if (child.type() == pugi::node_element) {
      names.push_back("{" + NamespaceUri(child) + "}" + LocalName(child));
    }
  }
  return names;
}

}  // namespace voip::testing
