// The build's identity: the project's version and the commit of the checkout it was built from.
#include "platform/build_info.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <string>

namespace voip {
namespace {

// `git rev-parse --short=12 HEAD` of the source tree; "" when it is not a checkout.
std::string SourceHead() {
  if (::access(VOIP_SOURCE_DIR "/.git", F_OK) != 0) return "";
  FILE* pipe = ::popen("git -C '" VOIP_SOURCE_DIR "' rev-parse --short=12 HEAD 2>/dev/null", "r");
  if (pipe == nullptr) return "";
  char line[64] = {};
  const bool read = std::fgets(line, sizeof line, pipe) != nullptr;
  ::pclose(pipe);
  std::string head = read ? line : "";
  while (!head.empty() && (head.back() == '\n' || head.back() == '\r')) head.pop_back();
  return head;
}

// The version is CMakeLists.txt's project(... VERSION), the same the tests were configured with.
TEST(BuildInfoTest, VersionIsTheProjectVersion) { EXPECT_STREQ(ThisBuild().version, VOIP_PROJECT_VERSION); }

// Built from a checkout, the commit is its HEAD (possibly marked -dirty), never "unknown".
TEST(BuildInfoTest, CommitIsTheCheckoutsHead) {
  const std::string head = SourceHead();
  if (head.empty()) GTEST_SKIP() << "the sources are not a git checkout";
  const std::string commit = ThisBuild().commit;
  EXPECT_TRUE(commit == head || commit == head + "-dirty") << commit << " vs HEAD " << head;
}

// The gSOAP version is a dotted version number, as pkg-config reports it.
TEST(BuildInfoTest, GsoapVersionIsDotted) { EXPECT_EQ(std::string(ThisBuild().gsoap).rfind("2.8.", 0), 0u); }

// --version's first line is "PROGRAM VERSION" (what help2man reads), then the commit and gSOAP.
TEST(BuildInfoTest, VersionTextNamesProgramVersionCommitAndGsoap) {
  EXPECT_EQ(VersionText("prog"), std::string("prog ") + VOIP_PROJECT_VERSION + "\ncommit " + ThisBuild().commit +
                                     "\ngSOAP " + ThisBuild().gsoap + "\n");
}

// The backends' User-Agent names the adapter and its version.
TEST(BuildInfoTest, UserAgentNamesAdapterAndVersion) {
  EXPECT_EQ(BackendUserAgent(), std::string("voip-migration-adapter/") + VOIP_PROJECT_VERSION);
}

}  // namespace
}  // namespace voip
