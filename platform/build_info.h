// What this binary is: the project's version (CMakeLists.txt, project(... VERSION)), the git
// commit it was built from and the gSOAP it was built against, baked in by the build
// (cmake/build_info.cmake). Behind --version, the voip_build_info metric and the User-Agent
// sent to the backends.
#pragma once

#include <string>
#include <string_view>

namespace voip {

struct BuildInfo {
  const char* version;  // "0.1.0"
  const char* commit;   // 12 hex digits, "-dirty" appended for uncommitted changes; "unknown" outside a checkout
  const char* gsoap;    // "2.8.124"
};

// This build's identity; the same object for the life of the process.
const BuildInfo& ThisBuild();

// What `program --version` prints: "program VERSION" on the first line (the form help2man
// reads), then the commit and the gSOAP version, one line each.
std::string VersionText(std::string_view program);

// The User-Agent of every backend call: "voip-migration-adapter/VERSION".
const std::string& BackendUserAgent();

}  // namespace voip
