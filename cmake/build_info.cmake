# Writes the build's identity (platform/build_info.h) into OUTPUT: the project's version, the
# git commit of SOURCE_DIR when it is a checkout ("unknown" otherwise, e.g. a tarball; "-dirty"
# appended when tracked files differ from it; VOIP_BUILD_COMMIT in the environment overrides
# both) and the gSOAP version built against.
# Run at every build (the `build_info` target); the file is rewritten only when its text
# changes, so an unchanged identity rebuilds nothing.
# usage: cmake -DSOURCE_DIR=... -DOUTPUT=... -DVERSION=... -DGSOAP_VERSION=... -P build_info.cmake
set(commit "unknown")
find_program(GIT_EXECUTABLE git)
# A build from an export of a checkout (the package test's copy of the tree, a release tarball)
# names its commit in VOIP_BUILD_COMMIT; it has no .git to ask.
if(DEFINED ENV{VOIP_BUILD_COMMIT} AND NOT "$ENV{VOIP_BUILD_COMMIT}" STREQUAL "")
  set(commit "$ENV{VOIP_BUILD_COMMIT}")
  set(GIT_EXECUTABLE "")
endif()
# Only SOURCE_DIR's own checkout (.git is a directory, or a file in a worktree): never that
# of a directory the sources were unpacked into.
if(GIT_EXECUTABLE AND EXISTS "${SOURCE_DIR}/.git")
  execute_process(COMMAND "${GIT_EXECUTABLE}" -C "${SOURCE_DIR}" rev-parse --short=12 HEAD
    OUTPUT_VARIABLE head RESULT_VARIABLE head_status OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(head_status EQUAL 0 AND NOT head STREQUAL "")
    set(commit "${head}")
    execute_process(COMMAND "${GIT_EXECUTABLE}" -C "${SOURCE_DIR}" status --porcelain --untracked-files=no
      OUTPUT_VARIABLE changes RESULT_VARIABLE status_status ERROR_QUIET)
    if(status_status EQUAL 0 AND NOT changes STREQUAL "")
      set(commit "${commit}-dirty")
    endif()
  endif()
endif()
set(text "// Written by cmake/build_info.cmake at build time: do not edit.
#include \"platform/build_info.h\"

namespace voip {

const BuildInfo& ThisBuild() {
  static const BuildInfo kThisBuild{\"${VERSION}\", \"${commit}\", \"${GSOAP_VERSION}\"};
  return kThisBuild;
}

}  // namespace voip
")
set(old "")
if(EXISTS "${OUTPUT}")
  file(READ "${OUTPUT}" old)
endif()
if(NOT old STREQUAL text)
  file(WRITE "${OUTPUT}" "${text}")
endif()
