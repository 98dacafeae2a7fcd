// main() of the store test binaries: the PostgreSQL sandbox is started once
// per binary, on first use, and stopped at exit (tests/support/postgres_sandbox.h).
#include <gtest/gtest.h>

#include "tests/support/postgres_sandbox.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(
      new voip::testing::PostgresSandboxEnvironment(VOIP_SOURCE_DIR "/tests/support/postgres_sandbox.py"));
  return RUN_ALL_TESTS();
}
