// Outbound TLS: the gSOAP clients against a TLS backend (cpp-httplib
// SSLServer) whose certificates come from throwaway CAs made at test time.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "adapter/soap/work_order_client.h"
#include "tests/support/throwaway_ca.h"

namespace voip {
namespace {

using testing::IssuedCertificate;
using testing::ThrowawayCa;

constexpr const char* kCreated =
    "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" "
    "xmlns:wo=\"http://schemas.cableco.example/fieldops/workorder/migration/v1\"><soapenv:Body>"
    "<wo:CreateMigrationWorkOrderResponse><wo:orderNumber>WO-TLS-1</wo:orderNumber>"
    "</wo:CreateMigrationWorkOrderResponse></soapenv:Body></soapenv:Envelope>";

// A TLS work-order backend on 127.0.0.1 and a free port; counts the requests
// that got through the handshake.
class TlsBackend {
 public:
  TlsBackend(const IssuedCertificate& cert, const char* client_ca_file = nullptr)
      : server_(cert.cert_file.c_str(), cert.key_file.c_str(), client_ca_file) {
    server_.Post("/workorder", [this](const httplib::Request&, httplib::Response& res) {
      ++requests_;
      res.set_content(kCreated, "text/xml; charset=utf-8");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (port_ > 0 && !server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~TlsBackend() {
    server_.stop();
    thread_.join();
  }
  bool valid() const { return server_.is_valid() && port_ > 0; }
  std::string Url(const std::string& host) const {
    return "https://" + host + ":" + std::to_string(port_) + "/workorder";
  }
  int requests() const { return requests_; }

 private:
  httplib::SSLServer server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<int> requests_{0};
};

class TlsClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string dir = ::testing::TempDir();
    trusted_ = new ThrowawayCa(dir, "trusted-ca");
    other_ = new ThrowawayCa(dir, "other-ca");
    server_cert_ = trusted_->Issue("localhost", "DNS:localhost,IP:127.0.0.1");
    wrong_host_cert_ = trusted_->Issue("elsewhere.example", "DNS:elsewhere.example");
    client_cert_ = trusted_->Issue("spm-adapter", "DNS:spm-adapter");
  }
  static void TearDownTestSuite() {
    delete trusted_;
    delete other_;
  }
  void SetUp() override {
    ASSERT_TRUE(trusted_->ok() && other_->ok() && !server_cert_.cert_file.empty()) << "openssl failed";
  }

  static BackendEndpoint Endpoint(const std::string& url, const std::string& ca_file) {
    BackendEndpoint endpoint;
    endpoint.url = url;
    endpoint.connect_timeout_ms = 2000;
    endpoint.timeout_ms = 2000;
    endpoint.max_idle_connections = 1;
    endpoint.ca_file = ca_file;
    return endpoint;
  }

  static BackendResult<WorkOrderCreated> Create(const BackendEndpoint& endpoint) {
    GsoapWorkOrderSystem client(endpoint);
    WorkOrderRequest request{"447874384949", "123456789", 42};
    return client.CreateMigrationWorkOrder(request, CallContext{"tls-1"});
  }

  static ThrowawayCa* trusted_;
  static ThrowawayCa* other_;
  static IssuedCertificate server_cert_;
  static IssuedCertificate wrong_host_cert_;
  static IssuedCertificate client_cert_;
};

ThrowawayCa* TlsClientTest::trusted_ = nullptr;
ThrowawayCa* TlsClientTest::other_ = nullptr;
IssuedCertificate TlsClientTest::server_cert_;
IssuedCertificate TlsClientTest::wrong_host_cert_;
IssuedCertificate TlsClientTest::client_cert_;

// A server certificate from the configured CA, for the host in the URL: the call succeeds.
TEST_F(TlsClientTest, GoodHandshakeSucceeds) {
  TlsBackend backend(server_cert_);
  ASSERT_TRUE(backend.valid());
  auto result = Create(Endpoint(backend.Url("127.0.0.1"), trusted_->cert_file()));
  ASSERT_TRUE(std::holds_alternative<WorkOrderCreated>(result)) << std::get<BackendError>(result).diagnostic;
  EXPECT_EQ(std::get<WorkOrderCreated>(result).order_number, "WO-TLS-1");
  EXPECT_EQ(backend.requests(), 1);
}

// A certificate from a CA that is not the configured one: refused at the handshake, nothing sent.
TEST_F(TlsClientTest, WrongCaIsRefused) {
  TlsBackend backend(server_cert_);
  ASSERT_TRUE(backend.valid());
  auto result = Create(Endpoint(backend.Url("127.0.0.1"), other_->cert_file()));
  ASSERT_TRUE(std::holds_alternative<BackendError>(result));
  EXPECT_EQ(std::get<BackendError>(result).kind, BackendErrorKind::kConnectFailed)
      << std::get<BackendError>(result).diagnostic;
  EXPECT_EQ(backend.requests(), 0);
}

// A certificate from the right CA but for another host name: refused, nothing sent.
TEST_F(TlsClientTest, HostNameMismatchIsRefused) {
  TlsBackend backend(wrong_host_cert_);
  ASSERT_TRUE(backend.valid());
  auto result = Create(Endpoint(backend.Url("127.0.0.1"), trusted_->cert_file()));
  ASSERT_TRUE(std::holds_alternative<BackendError>(result));
  EXPECT_EQ(std::get<BackendError>(result).kind, BackendErrorKind::kConnectFailed)
      << std::get<BackendError>(result).diagnostic;
  EXPECT_EQ(backend.requests(), 0);
}

// With no CA file, only the system's CAs are trusted: a private CA's certificate is refused.
TEST_F(TlsClientTest, SystemCasDoNotTrustAPrivateCa) {
  TlsBackend backend(server_cert_);
  ASSERT_TRUE(backend.valid());
  auto result = Create(Endpoint(backend.Url("127.0.0.1"), ""));
  ASSERT_TRUE(std::holds_alternative<BackendError>(result));
  EXPECT_EQ(std::get<BackendError>(result).kind, BackendErrorKind::kConnectFailed);
  EXPECT_EQ(backend.requests(), 0);
}

// Mutual TLS: a backend that requires a client certificate refuses a client without one and
// accepts the configured one.
TEST_F(TlsClientTest, ClientCertificateForMutualTls) {
  TlsBackend backend(server_cert_, trusted_->cert_file().c_str());
  ASSERT_TRUE(backend.valid());
  BackendEndpoint endpoint = Endpoint(backend.Url("127.0.0.1"), trusted_->cert_file());
  auto without = Create(endpoint);
  ASSERT_TRUE(std::holds_alternative<BackendError>(without));
  EXPECT_EQ(backend.requests(), 0);
  endpoint.client_cert_file = client_cert_.combined_file;
  auto with = Create(endpoint);
  ASSERT_TRUE(std::holds_alternative<WorkOrderCreated>(with)) << std::get<BackendError>(with).diagnostic;
  EXPECT_EQ(backend.requests(), 1);
}

}  // namespace
}  // namespace voip
