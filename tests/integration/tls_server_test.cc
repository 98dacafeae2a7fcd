// TLS on the adapter's own listener: certificates from throwaway CAs made
// with openssl at test time; the backends are strict fakes.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <memory>
#include <sstream>
#include <string>

#include "adapter/migration_flow.h"
#include "http/server.h"
#include "http/server_settings.h"
#include "platform/config.h"
#include "platform/log.h"
#include "tests/support/fake_backends.h"
#include "tests/support/fake_outbox.h"
#include "tests/support/throwaway_ca.h"

namespace voip {
namespace {

using testing::IssuedCertificate;
using testing::ThrowawayCa;
using Clock = std::chrono::steady_clock;

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
    ASSERT_EQ(server_->Start(), std::nullopt);
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
  const std::string error = server_->Start().value_or("");
  EXPECT_NE(error.find("tls-cert-file"), std::string::npos) << error;
  EXPECT_NE(error.find("tls-key-file"), std::string::npos) << error;
}

// A client dripping a byte every 2 s (0.5 byte/s) never trips the 5 s read-timeout-s of each
// read; request-read-timeout-s = 2 bounds the handshake and the whole request. One worker thread,
// so a client that were never cut off would starve everyone.
class TlsDripTest : public TlsServerTest {
 protected:
  static constexpr std::chrono::milliseconds kInterval{2000};
  static constexpr std::chrono::seconds kLimit{10};
  static constexpr const char* kHead = "POST /CreateVOIPMigrationWorkOrder HTTP/1.1\r\nHost: a\r\nX-Slow: ";

  void SetUp() override {
    TlsServerTest::SetUp();
    config_.threads = 1;
    config_.read_timeout_s = 5;
    config_.request_read_timeout_s = 2;
    client_ctx_ = SSL_CTX_new(TLS_client_method());
    ASSERT_NE(client_ctx_, nullptr);
    ASSERT_EQ(SSL_CTX_load_verify_locations(client_ctx_, trusted_->cert_file().c_str(), nullptr), 1);
    SSL_CTX_set_verify(client_ctx_, SSL_VERIFY_PEER, nullptr);
  }
  void TearDown() override {
    if (ssl_ != nullptr) SSL_free(ssl_);
    if (fd_ >= 0) ::close(fd_);
    SSL_CTX_free(client_ctx_);
  }

  void Connect() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(server_->port()));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  }

  // Connects and completes a TLS handshake, then makes the socket non-blocking (so that
  // reading the server's session tickets never blocks the drip).
  void ConnectTls() {
    Connect();
    ssl_ = SSL_new(client_ctx_);
    ASSERT_NE(ssl_, nullptr);
    ASSERT_EQ(SSL_set_fd(ssl_, fd_), 1);
    ASSERT_EQ(SSL_connect(ssl_), 1);
    ASSERT_EQ(::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL, 0) | O_NONBLOCK), 0);
  }

  // True when the socket turned readable within `interval` and the server has
  // closed the connection (whatever it answered first is read and dropped).
  bool ClosedWithin(std::chrono::milliseconds interval, bool through_tls) {
    pollfd readable{fd_, POLLIN, 0};
    if (::poll(&readable, 1, static_cast<int>(interval.count())) <= 0) return false;
    char buffer[512];
    for (;;) {
      if (!through_tls) {
        const ssize_t got = ::recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT);
        if (got > 0) continue;
        return got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
      }
      const int got = SSL_read(ssl_, buffer, sizeof buffer);
      if (got > 0) continue;
      const int error = SSL_get_error(ssl_, got);
      return error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE;
    }
  }

  // Sends `head` in one TLS record, then one byte per TLS record every `kInterval` until the
  // server closes the connection or kLimit passes. Returns how long the connection lasted.
  Clock::duration DripRecordsUntilClosed(const std::string& head) {
    const auto start = Clock::now();
    EXPECT_EQ(SSL_write(ssl_, head.data(), static_cast<int>(head.size())), static_cast<int>(head.size()));
    while (Clock::now() - start < kLimit && !ClosedWithin(kInterval, /*through_tls=*/true)) {
      if (SSL_write(ssl_, "x", 1) != 1) break;
    }
    return Clock::now() - start;
  }

  // Sends the raw bytes of `wire` one at a time every `kInterval` until the server closes the
  // connection or kLimit passes. Returns how long the connection lasted.
  Clock::duration DripBytesUntilClosed(const std::string& wire) {
    const auto start = Clock::now();
    for (std::size_t next = 0; Clock::now() - start < kLimit && next < wire.size(); ++next) {
      if (::send(fd_, wire.data() + next, 1, MSG_NOSIGNAL) != 1) break;
      if (ClosedWithin(kInterval, /*through_tls=*/false)) break;
    }
    return Clock::now() - start;
  }

  // What SSL_write makes of `text`: the TLS record(s) as they would go on the wire.
  std::string RecordsOf(const std::string& text) {
    BIO* wire = BIO_new(BIO_s_mem());
    SSL_set0_wbio(ssl_, wire);  // the SSL owns it from here
    EXPECT_EQ(SSL_write(ssl_, text.data(), static_cast<int>(text.size())), static_cast<int>(text.size()));
    char* bytes = nullptr;
    const long length = BIO_get_mem_data(wire, &bytes);
    return std::string(bytes, static_cast<std::size_t>(length));
  }

  void ExpectServesNormalHttpsRequestAfterwards() {
    work_order_.WillAnswer(WorkOrderCreated{"WO-AFTER"});
    midas_.WillAnswer(MidasAcknowledged{""});
    auto result =
        ClientTrusting(trusted_->cert_file())->Post("/CreateVOIPMigrationWorkOrder", kBody, "application/json");
    ASSERT_TRUE(result) << httplib::to_string(result.error());
    EXPECT_EQ(result->status, 200);
    EXPECT_EQ(work_order_.requests().size(), 1u);
  }

  SSL_CTX* client_ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
};

// Headers dripped at 0.5 byte/s, each byte its own TLS record: cut off at the request's read
// time-out, well before the test's 10 s limit; no backend called, and the only worker thread then
// serves a normal HTTPS request.
TEST_F(TlsDripTest, HeadersDrippedOneRecordPerByteAreCut) {
  StartServer();
  ConnectTls();
  const auto lasted = DripRecordsUntilClosed(kHead);
  EXPECT_LT(lasted, std::chrono::seconds(6));
  EXPECT_TRUE(work_order_.requests().empty());
  ExpectServesNormalHttpsRequestAfterwards();
}

// Headers in one TLS record whose bytes are dripped one at a time at 0.5 byte/s (so no record is
// ever complete): cut off at the request's read time-out; the worker thread is free again.
TEST_F(TlsDripTest, OneRecordDrippedByteByByteIsCut) {
  StartServer();
  ConnectTls();
  const auto lasted = DripBytesUntilClosed(RecordsOf(std::string(kHead) + std::string(200, 'x')));
  EXPECT_LT(lasted, std::chrono::seconds(6));
  EXPECT_TRUE(work_order_.requests().empty());
  ExpectServesNormalHttpsRequestAfterwards();
}

// A handshake dripped at 0.5 byte/s (the start of a ClientHello record) is cut off within the
// request's read time-out, not held for as long as each byte comes within read-timeout-s.
TEST_F(TlsDripTest, DrippedHandshakeIsCut) {
  StartServer();
  Connect();
  const auto lasted = DripBytesUntilClosed(std::string("\x16\x03\x01\x02\x00\x01", 6) + std::string(200, 'x'));
  EXPECT_LT(lasted, std::chrono::seconds(6));
  EXPECT_TRUE(work_order_.requests().empty());
  ExpectServesNormalHttpsRequestAfterwards();
}

}  // namespace
}  // namespace voip
