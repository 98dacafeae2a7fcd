// A backend's raw answer without a network, for the gSOAP clients' connect
// hook (soap::Connector): the next connection a client opens is one end of a
// socketpair whose other end already holds the answer and is shut down for
// writing, as a backend that answers and then closes. Everything above the
// socket (gSOAP's HTTP and XML reading, the adapter's hooks and
// classification) runs as with a real backend. Used by the backend answer
// fuzzer and by tests of answers no HTTP server would send.
//
// Not thread-safe: one client call at a time.
#pragma once

#include <string_view>

struct soap;

namespace voip::testing {

// The bytes every following ConnectToCannedAnswer delivers; `answer` must
// outlive those calls. At most 64 KiB (written whole into the socketpair).
void SetNextAnswer(std::string_view answer);

// soap::Connector: a connected socket holding the answer set by SetNextAnswer.
// Aborts when no socketpair can be made or the answer does not fit.
int ConnectToCannedAnswer(struct soap* soap, const char* endpoint, const char* host, int port);

// Closes the backend's ends of the connections made so far (the client's
// ends are the client's to close).
void CloseCannedConnections();

}  // namespace voip::testing
