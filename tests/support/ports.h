// Loopback port helpers for tests.
#pragma once

namespace voip::testing {

// A loopback TCP port that nothing listens on (bound once, then closed), so a
// connection to it is refused.
int ClosedLoopbackPort();

}  // namespace voip::testing
