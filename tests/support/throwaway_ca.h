// A throwaway certificate authority made with the openssl command at test
// time (EC P-256 keys, valid one day), and certificates it signs.
#pragma once

#include <string>

namespace voip::testing {

struct IssuedCertificate {
  std::string cert_file;      // PEM certificate
  std::string key_file;       // PEM private key (unencrypted)
  std::string combined_file;  // certificate then key in one PEM (what gSOAP wants for a client)
};

class ThrowawayCa {
 public:
  // Creates the CA's key and self-signed certificate (subject CN=`name`) in a
  // new directory of its own under `dir`. ok() is false when openssl failed.
  // The destructor removes the directory.
  ThrowawayCa(const std::string& dir, const std::string& name);
  ~ThrowawayCa();
  ThrowawayCa(const ThrowawayCa&) = delete;
  ThrowawayCa& operator=(const ThrowawayCa&) = delete;

  bool ok() const { return ok_; }
  const std::string& cert_file() const { return cert_file_; }

  // A leaf certificate for `common_name` with subjectAltName `san` (for example
  // "DNS:localhost,IP:127.0.0.1"), usable by servers and clients. Empty file
  // names when openssl failed.
  IssuedCertificate Issue(const std::string& common_name, const std::string& san) const;

 private:
  std::string dir_;
  std::string cert_file_;
  std::string key_file_;
  bool ok_ = false;
};

}  // namespace voip::testing
