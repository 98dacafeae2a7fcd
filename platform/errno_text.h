// The text of an errno value, safe to call from any thread (std::strerror may
// return a buffer it shares between threads).
#pragma once

#include <cstring>
#include <string>

namespace voip {

// strerror_r's text for `error` ("Unknown error N" for a value it does not know).
inline std::string ErrnoText(int error) {
  char buffer[256];
  // GNU strerror_r (g++ defines _GNU_SOURCE): returns the text, in `buffer` or a static string.
  return ::strerror_r(error, buffer, sizeof(buffer));
}

}  // namespace voip
