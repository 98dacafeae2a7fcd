// A throwaway PostgreSQL for a C++ test binary: started once, on first use,
// by tests/support/postgres_sandbox.py (initdb + pg_ctl as the postgres user),
// stopped and deleted by the gtest environment's TearDown at exit, failed
// tests included. A binary that uses it registers the environment in main:
//   ::testing::AddGlobalTestEnvironment(new voip::testing::PostgresSandboxEnvironment(script));
// If the server cannot start, Get() says why and the test that asked FAILS
// (nothing is skipped silently).
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace voip::testing {

struct PostgresServer {
  std::string uri;       // postgresql://adapter@127.0.0.1:PORT/adapter (no password)
  std::string password;  // the adapter role's
  std::string password_file;
};

class PostgresSandboxEnvironment : public ::testing::Environment {
 public:
  // `script` is tests/support/postgres_sandbox.py.
  explicit PostgresSandboxEnvironment(std::string script);
  void TearDown() override;

  // The running server, starting it on first use; nullopt and *error when it cannot start.
  static std::optional<PostgresServer> Get(std::string* error);
  // Stops the server (fast shutdown), keeping its data: a database outage. True when done.
  static bool Halt();
  // Starts a halted server again on the same port. True when done.
  static bool Resume();

 private:
  static bool Script(const std::string& verb, std::string* output);
};

}  // namespace voip::testing
