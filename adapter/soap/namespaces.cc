// The program's one global gSOAP namespace table. The three generated .nsmap
// files are identical (one soapcpp2 run); exactly one of them may be included
// anywhere in the program, and this is that place.
//
// Also gSOAP's one-time OpenSSL set-up, as its runtime asks ("the main program
// should call soap_ssl_init() before any threads are started"): the first
// soap_init() would do it and set a global flag without a lock, so two threads
// making their first contexts at once raced on it (ThreadSanitizer saw it once
// the runtime was built here). Every binary that makes a context links this
// file (the runtime refers to `namespaces`), and it runs before main(), so
// before any thread.
#include "WorkOrderBinding.nsmap"
#include "soapH.h"

namespace {
struct GsoapSslInit {
  GsoapSslInit() noexcept { soap_ssl_init(); }
};
const GsoapSslInit kGsoapSslInit;
}  // namespace
