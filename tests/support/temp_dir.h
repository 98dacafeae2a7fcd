// A fresh temporary directory for one test, removed with everything in it.
#pragma once

#include <string>

namespace voip::testing {

class TempDir {
 public:
  TempDir();   // mkdtemp under $TMPDIR or /tmp; aborts the test binary when it cannot
  ~TempDir();  // removes it recursively
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace voip::testing
