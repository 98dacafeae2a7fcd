#include "tests/support/throwaway_ca.h"

#include <stdlib.h>

#include <cstdlib>
#include <fstream>

namespace voip::testing {
namespace {

bool Run(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()) == 0; }

// A new directory of its own, so that test processes running in parallel
// never share files.
std::string UniqueDirectory(const std::string& parent, const std::string& name) {
  std::string pattern = parent + "/" + name + "-XXXXXX";
  return ::mkdtemp(pattern.data()) == nullptr ? "" : pattern;
}

constexpr const char* kNewEcKey = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";

}  // namespace

ThrowawayCa::ThrowawayCa(const std::string& dir, const std::string& name)
    : dir_(UniqueDirectory(dir, name)), cert_file_(dir_ + "/ca.pem"), key_file_(dir_ + "/ca.key") {
  ok_ = !dir_.empty() && Run(std::string("openssl req -x509") + kNewEcKey + " -keyout '" + key_file_ + "' -out '" +
                             cert_file_ + "' -days 1 -subj '/CN=" + name + "'");
}

ThrowawayCa::~ThrowawayCa() {
  if (!dir_.empty()) Run("rm -rf '" + dir_ + "'");
}

IssuedCertificate ThrowawayCa::Issue(const std::string& common_name, const std::string& san) const {
  const std::string base = dir_ + "/" + common_name;
  IssuedCertificate issued{base + ".pem", base + ".key", base + ".combined.pem"};
  std::ofstream(base + ".ext") << "subjectAltName=" << san
                               << "\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
                                  "extendedKeyUsage=serverAuth,clientAuth\n";
  const bool ok = Run(std::string("openssl req") + kNewEcKey + " -keyout '" + issued.key_file + "' -out '" + base +
                      ".csr' -subj '/CN=" + common_name + "'") &&
                  Run("openssl x509 -req -in '" + base + ".csr' -CA '" + cert_file_ + "' -CAkey '" + key_file_ +
                      "' -CAcreateserial -out '" + issued.cert_file + "' -days 1 -extfile '" + base + ".ext'");
  if (!ok) return IssuedCertificate{};
  std::ofstream combined(issued.combined_file);
  combined << std::ifstream(issued.cert_file).rdbuf() << std::ifstream(issued.key_file).rdbuf();
  return issued;
}

}  // namespace voip::testing
