// Helpers for tests that inspect SOAP messages a client sent: namespace-aware
// access to elements with pugixml.
#pragma once

#include <pugixml.hpp>
#include <string>
#include <vector>

namespace voip::testing {

inline constexpr const char* kSoap11EnvelopeNs = "http://schemas.xmlsoap.org/soap/envelope/";

std::string LocalName(const pugi::xml_node& element);
// The namespace URI of `element`, resolved through the xmlns declarations in scope.
std::string NamespaceUri(const pugi::xml_node& element);

// The first element child of soapenv:Envelope/soapenv:Body (SOAP 1.1), or an
// empty node when `document` is not such an envelope.
pugi::xml_node SoapBodyPayload(const pugi::xml_document& document);

// The element children of `parent` as "{namespace}localName", in order.
std::vector<std::string> ChildNames(const pugi::xml_node& parent);

}  // namespace voip::testing
