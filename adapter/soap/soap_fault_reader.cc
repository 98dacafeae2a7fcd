#include "adapter/soap/soap_fault_reader.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <pugixml.hpp>
#include <vector>

#include "adapter/soap/doctype_scan.h"
#include "platform/text.h"

namespace voip::soap {
namespace {

constexpr std::array<std::string_view, 3> kCodeNames = {"code", "errorcode", "faultcode"};
constexpr std::array<std::string_view, 3> kMessageNames = {"message", "errormessage", "description"};

template <std::size_t N>
bool NameIsOneOf(std::string_view local_name, const std::array<std::string_view, N>& names) {
  return std::any_of(names.begin(), names.end(), [&](std::string_view n) { return EqualsIgnoreCase(local_name, n); });
}

std::string_view LocalName(const char* qualified) {
  std::string_view name(qualified);
  const std::size_t colon = name.rfind(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

}  // namespace

std::string FaultField(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  const std::size_t first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  text = text.substr(first, text.find_last_not_of(kSpace) - first + 1);
  if (text.size() > kMaxFaultFieldBytes) {
    std::size_t cut = kMaxFaultFieldBytes;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    text = text.substr(0, cut);
  }
  return std::string(text);
}

FaultDetailFields ReadFaultDetail(std::string_view detail_xml) {
  FaultDetailFields fields;
  if (detail_xml.empty() || detail_xml.size() > kMaxFaultDetailBytes || ContainsDoctype(detail_xml)) {
    return fields;
  }
  pugi::xml_document doc;
  const pugi::xml_parse_result parsed = doc.load_buffer(
      detail_xml.data(), detail_xml.size(), pugi::parse_default | pugi::parse_fragment, pugi::encoding_utf8);
  if (!parsed) return fields;

  // Iterative pre-order walk: no recursion, so deep nesting cannot overflow the stack.
  bool have_code = false;
  bool have_message = false;
  std::vector<pugi::xml_node> stack;
  for (pugi::xml_node child = doc.last_child(); child; child = child.previous_sibling()) {
    stack.push_back(child);
  }
  while (!stack.empty() && !(have_code && have_message)) {
    const pugi::xml_node node = stack.back();
    stack.pop_back();
    if (node.type() != pugi::node_element) continue;
    const std::string_view local = LocalName(node.name());
    if (!have_code && NameIsOneOf(local, kCodeNames)) {
      fields.code = FaultField(node.text().get());
      have_code = true;
    } else if (!have_message && NameIsOneOf(local, kMessageNames)) {
      fields.message = FaultField(node.text().get());
      have_message = true;
    }
    for (pugi::xml_node child = node.last_child(); child; child = child.previous_sibling()) {
      stack.push_back(child);
    }
  }
  return fields;
}

}  // namespace voip::soap
