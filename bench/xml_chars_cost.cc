// voip-bench-xml-chars: the cost of the XML 1.0 character check
// (adapter/soap/xml_chars.h) on one message, for callgrind: runs
// FindXmlCharError over FILE's bytes N times. Instructions per check are the
// difference between a run with N and one with 0, divided by N
// (docs/performance.md).
//
//   valgrind --tool=callgrind voip-bench-xml-chars FILE N
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "adapter/soap/xml_chars.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: voip-bench-xml-chars FILE N\n");
    return 2;
  }
  std::ifstream file(argv[1], std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  const std::string message = text.str();
  const int n = std::atoi(argv[2]);
  int refused = 0;
  for (int i = 0; i < n; ++i) refused += voip::soap::FindXmlCharError(message).has_value() ? 1 : 0;
  std::printf("%zu bytes, checked %d times, refused %d\n", message.size(), n, refused);
  return 0;
}
