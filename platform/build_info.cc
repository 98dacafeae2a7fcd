#include "platform/build_info.h"

namespace voip {

std::string VersionText(std::string_view program) {
  const BuildInfo& build = ThisBuild();
  return std::string(program) + " " + build.version + "\ncommit " + build.commit + "\ngSOAP " + build.gsoap + "\n";
}

const std::string& BackendUserAgent() {
  static const std::string kUserAgent = std::string("voip-migration-adapter/") + ThisBuild().version;
  return kUserAgent;
}

}  // namespace voip
