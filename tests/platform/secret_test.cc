#include "platform/secret.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace voip {
namespace {

std::string Resolved(const std::string& reference) {
  auto result = ResolveSecret(reference);
  if (auto* error = std::get_if<SecretError>(&result)) ADD_FAILURE() << error->message;
  return std::holds_alternative<std::string>(result) ? std::get<std::string>(result) : "";
}

std::string ErrorOf(const std::string& reference) {
  auto result = ResolveSecret(reference);
  EXPECT_TRUE(std::holds_alternative<SecretError>(result));
  return std::holds_alternative<SecretError>(result) ? std::get<SecretError>(result).message : "";
}

// env:NAME reads the variable.
TEST(ResolveSecretTest, ReadsEnvironment) {
  ::setenv("VOIP_SECRET_TEST", "s3cret", 1);
  EXPECT_EQ(Resolved("env:VOIP_SECRET_TEST"), "s3cret");
  ::unsetenv("VOIP_SECRET_TEST");
  EXPECT_EQ(ErrorOf("env:VOIP_SECRET_TEST"), "environment variable VOIP_SECRET_TEST is not set");
}

// file:$CREDENTIALS_DIRECTORY/NAME reads NAME from systemd's credentials directory.
TEST(ResolveSecretTest, ReadsFromCredentialsDirectory) {
  const std::string directory = ::testing::TempDir();
  std::ofstream(directory + "/api-keys") << "key-one\n";
  ::setenv("CREDENTIALS_DIRECTORY", directory.c_str(), 1);
  EXPECT_EQ(Resolved("file:$CREDENTIALS_DIRECTORY/api-keys"), "key-one");
  ::unsetenv("CREDENTIALS_DIRECTORY");
  std::remove((directory + "/api-keys").c_str());
}

// Without CREDENTIALS_DIRECTORY (not started by systemd with LoadCredential=), the reference says so.
TEST(ResolveSecretTest, CredentialsDirectoryUnsetIsAClearError) {
  ::unsetenv("CREDENTIALS_DIRECTORY");
  EXPECT_EQ(ErrorOf("file:$CREDENTIALS_DIRECTORY/api-keys"),
            "names $CREDENTIALS_DIRECTORY, which is not set (systemd sets it for a service with LoadCredential=)");
}

// file:PATH reads the file, without its one trailing newline.
TEST(ResolveSecretTest, ReadsFileWithoutTrailingNewline) {
  const std::string path = ::testing::TempDir() + "/secret.txt";
  std::ofstream(path) << "pass word\n";
  EXPECT_EQ(Resolved("file:" + path), "pass word");
  std::remove(path.c_str());
  EXPECT_EQ(ErrorOf("file:" + path), "cannot read the file '" + path + "'");
}

// A literal value and an empty secret are refused, and the literal is not echoed.
TEST(ResolveSecretTest, RefusesLiteralAndEmpty) {
  EXPECT_EQ(ErrorOf("plain-value"), "is a secret: give env:NAME or file:PATH, not the value itself");
  ::setenv("VOIP_SECRET_EMPTY", "", 1);
  EXPECT_EQ(ErrorOf("env:VOIP_SECRET_EMPTY"), "the secret it names is empty");
  ::unsetenv("VOIP_SECRET_EMPTY");
}

// SHA-256 matches the FIPS 180-2 test vector, and hex round-trips.
TEST(Sha256Test, KnownVectorAndHex) {
  const std::string abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  EXPECT_EQ(Sha256Hex(Sha256("abc")), abc);
  ASSERT_TRUE(ParseSha256Hex(abc));
  EXPECT_TRUE(ConstantTimeEquals(*ParseSha256Hex(abc), Sha256("abc")));
  EXPECT_FALSE(ConstantTimeEquals(Sha256("abd"), Sha256("abc")));
  EXPECT_FALSE(ParseSha256Hex("ba78"));
  EXPECT_FALSE(ParseSha256Hex(std::string(64, 'g')));
}

}  // namespace
}  // namespace voip
