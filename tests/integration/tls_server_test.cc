// TLS on the adapter's own listener: certificates from throwaway CAs made
// with openssl at test time; the backends are strict fakes.
#include <gtest/gtest.h>
#include <httplib.h>
#include <openssl/ssl.h>

#include <memory>
#include <sstream>
#include <string>

#include "adapter/config.h"
#include "adapter/log.h"
#include "adapter/migration_flow.h"
#include "http/server.h"
#include "http/server_settings.h"
#include "tests/support/fake_backends.h"
#include "tests/support/fake_outbox.h"
#include "tests/support/throwaway_ca.h"

namespace voip {
namespace {

using testing::IssuedCertificate;
using testing::ThrowawayCa;

constexpr const char* kBody =
    R"({"telephoneNumber":"447874384949","accountIdentification":{"accountNumber":"123456789","siteReference":42}})";

class TlsServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    trusted_ = new ThrowawayCa(::testing::TempDir(), "adapter-ca");
    other_ = new ThrowawayCa(::testing::TempDir(), "other-ca");
    cert_ = trusted_->Issue("adapter.internal", "DNS:adapter.internal,IP:127.0.0.1");
    foreign_cert_ = other_->Issue("intruder", "DNS:intruder");
  }
  static void TearDownTestSuite() {
    delete trusted_;
    delete other_;
  }

  void SetUp() override {
    ASSERT_TRUE(trusted_->ok() && other_->ok() && !cert_.cert_file.empty()) << "openssl failed";
    config_.listen_port = 0;
    config_.threads = 2;
    config_.caller_auth.mode = AuthMode::kNone;
    config_.tls_cert_file = cert_.cert_file;
    config_.tls_key_file = cert_.key_file;
  }

  void StartServer() {
    server_ = std::make_unique<AdapterServer>(config_, flow_, logger_);
    std::string error;
    ASSERT_TRUE(server_->Start(&error)) << error;
  }

  std::unique_ptr<httplib::SSLClient> ClientTrusting(const std::string& ca_file) {
    auto client = std::make_unique<httplib::SSLClient>("127.0.0.1", server_->port());
    client->set_ca_cert_path(ca_file.c_str());
    client->enable_server_certificate_verification(true);
    client->set_connection_timeout(5, 0);
    client->set_read_timeout(5, 0);
    return client;
  }

  static ThrowawayCa* trusted_;
  static ThrowawayCa* other_;
  static IssuedCertificate cert_;
  static IssuedCertificate foreign_cert_;
  testing::FakeWorkOrderSystem work_order_;
  testing::FakeMidas midas_;
  testing::FakeOutbox outbox_;
  MigrationFlow flow_{work_order_, midas_, outbox_};
  std::ostringstream log_;
  Logger logger_{log_, LogLevel::kInfo};
  Config config_;
  std::unique_ptr<AdapterServer> server_;
};

ThrowawayCa* TlsServerTest::trusted_ = nullptr;
ThrowawayCa* TlsServerTest::other_ = nullptr;
IssuedCertificate TlsServerTest::cert_;
IssuedCertificate TlsServerTest::foreign_cert_;

// A client trusting the adapter's CA completes the handshake and gets the order number.
TEST_F(TlsServerTest, GoodHandshakeServesTheCall) {
  work_order_.WillAnswer(WorkOrderCreated{"WO-TLS-7"});
  midas_.WillAnswer(MidasAcknowledged{"UPD-1"});
  StartServer();
  auto result = ClientTrusting(trusted_->cert_file())->Post("/CreateVOIPMigrationWorkOrder", kBody, "application/json");
  ASSERT_TRUE(result) << httplib::to_string(result.error());
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->body, R"({"CreateVOIPMigrationWorkOrder":{"success":{"fault":[],"orderNumber":"WO-TLS-7"}}})");
  ASSERT_EQ(work_order_.requests().size(), 1u);
  EXPECT_EQ(work_order_.requests()[0].telephone_number, "447874384949");
}

// A client that trusts only another CA refuses the adapter's certificate; nothing reaches a backend.
TEST_F(TlsServerTest, ClientWithAnotherCaRefuses) {
  StartServer();
  auto result = ClientTrusting(other_->cert_file())->Post("/CreateVOIPMigrationWorkOrder", kBody, "application/json");
  EXPECT_FALSE(result);
  EXPECT_EQ(result.error(), httplib::Error::SSLServerVerification);
  EXPECT_TRUE(work_order_.requests().empty());
}

// Plain HTTP to the TLS port gets no HTTP answer: there is no downgrade.
TEST_F(TlsServerTest, PlainHttpGetsNoAnswer) {
  StartServer();
  httplib::Client plain("127.0.0.1", server_->port());
  plain.set_read_timeout(2, 0);
  auto result = plain.Post("/CreateVOIPMigrationWorkOrder", kBody, "application/json");
  EXPECT_FALSE(result && result->status == 200);
  EXPECT_TRUE(work_order_.requests().empty());
}

// The listener offers TLS 1.2 at least, and a client capped at TLS 1.1 cannot connect.
TEST_F(TlsServerTest, TlsOneDotTwoMinimum) {
  const std::unique_ptr<Listener> listener = Listener::Make(config_);
  ASSERT_TRUE(listener->ok());
  EXPECT_TRUE(listener->tls());
  auto& ssl_server = dynamic_cast<httplib::SSLServer&>(listener->server());
  EXPECT_EQ(SSL_CTX_get_min_proto_version(ssl_server.ssl_context()), TLS1_2_VERSION);

  StartServer();
  auto client = ClientTrusting(trusted_->cert_file());
  client->set_ca_cert_path(trusted_->cert_file().c_str());
  SSL_CTX* ctx = client->ssl_context();
  SSL_CTX_set_security_level(ctx, 0);  // so the client itself would allow TLS 1.1
  SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
  SSL_CTX_set_max_proto_version(ctx, TLS1_1_VERSION);
  auto result = client->Get("/health");
  EXPECT_FALSE(result);
}

// A key that does not belong to the certificate stops Start() with a message naming the settings.
TEST_F(TlsServerTest, MismatchedKeyFailsToStart) {
  config_.tls_key_file = foreign_cert_.key_file;
  server_ = std::make_unique<AdapterServer>(config_, flow_, logger_);
  std::string error;
  EXPECT_FALSE(server_->Start(&error));
  EXPECT_NE(error.find("tls-cert-file"), std::string::npos) << error;
  EXPECT_NE(error.find("tls-key-file"), std::string::npos) << error;
}

}  // namespace
}  // namespace voip
