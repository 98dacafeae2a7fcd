// Outbound WS-Security: each backend gets a fresh UsernameToken (PasswordDigest)
// in the SOAP Header of every call, verified by simulators that require one
// with the verifier the adapter's SOAP face uses (platform/username_token.h).
#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <string>
#include <variant>

#include "adapter/soap/midas_client.h"
#include "adapter/soap/work_order_client.h"
#include "platform/username_token.h"
#include "sim/simulators.h"
#include "tests/support/backend_calls.h"
#include "tests/support/results.h"

namespace voip {
namespace {

using testing::SampleStatusUpdate;
using testing::SampleWorkOrderRequest;

BackendEndpoint Endpoint(const std::string& url, const std::string& user, const std::string& password) {
  BackendEndpoint endpoint = testing::SampleEndpoint(url);
  endpoint.wsse_user = user;
  endpoint.wsse_password = password;
  return endpoint;
}

class BackendWsseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sim::SimOptions options;
    options.wsse_users = {{"spm-adapter", "wo-s3cret"}, {"midas-adapter", "m1das"}};
    simulators_ = voip::testing::ResultValue(sim::Simulators::Start(options));
    ASSERT_TRUE(simulators_);
  }
  void TearDown() override {
    if (simulators_) simulators_->Stop();
  }

  BackendError RefusedCreate(const BackendEndpoint& endpoint) {
    GsoapWorkOrderSystem client(endpoint);
    auto result = client.CreateMigrationWorkOrder(SampleWorkOrderRequest(), {"c1"});
    EXPECT_TRUE(std::holds_alternative<BackendError>(result));
    return std::holds_alternative<BackendError>(result) ? std::get<BackendError>(result) : BackendError{};
  }

  std::unique_ptr<sim::Simulators> simulators_;
};

// With the right user and password, the work order is created and the simulator saw one request.
TEST_F(BackendWsseTest, CorrectTokenIsAccepted) {
  GsoapWorkOrderSystem client(Endpoint(simulators_->WorkOrderUrl(), "spm-adapter", "wo-s3cret"));
  const auto result = client.CreateMigrationWorkOrder(SampleWorkOrderRequest(), {"c1"});
  ASSERT_TRUE(std::holds_alternative<WorkOrderCreated>(result));
  EXPECT_FALSE(std::get<WorkOrderCreated>(result).order_number.empty());
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 1u);
  EXPECT_EQ(simulators_->RefusedTokens(), 0u);
}

// Each call carries its own nonce, so calls on one kept-alive connection are not replays.
TEST_F(BackendWsseTest, EveryCallCarriesAFreshToken) {
  GsoapWorkOrderSystem client(Endpoint(simulators_->WorkOrderUrl(), "spm-adapter", "wo-s3cret"));
  for (const char* id : {"c1", "c2", "c3"}) {
    ASSERT_TRUE(
        std::holds_alternative<WorkOrderCreated>(client.CreateMigrationWorkOrder(SampleWorkOrderRequest(), {id})));
  }
  const auto received = simulators_->WorkOrderRequests();
  ASSERT_EQ(received.size(), 3u);
  const auto first = ExtractUsernameToken(received[0].raw_xml);
  const auto second = ExtractUsernameToken(received[1].raw_xml);
  ASSERT_TRUE(first && second);
  EXPECT_NE(first->nonce, second->nonce);
  EXPECT_EQ(simulators_->RefusedTokens(), 0u);
}

// The header is the profile's: Security marked mustUnderstand, PasswordDigest, a Base64 nonce, the
// user name, and never the password itself.
TEST_F(BackendWsseTest, TokenFollowsTheProfile) {
  GsoapWorkOrderSystem client(Endpoint(simulators_->WorkOrderUrl(), "spm-adapter", "wo-s3cret"));
  ASSERT_TRUE(
      std::holds_alternative<WorkOrderCreated>(client.CreateMigrationWorkOrder(SampleWorkOrderRequest(), {"c1"})));
  const auto received = simulators_->WorkOrderRequests();
  ASSERT_EQ(received.size(), 1u);
  const std::string& xml = received[0].raw_xml;
  EXPECT_NE(xml.find(R"(<wsse:Security SOAP-ENV:mustUnderstand="1">)"), std::string::npos) << xml;
  EXPECT_NE(xml.find(std::string("Type=\"") + kPasswordDigestType + "\""), std::string::npos) << xml;
  EXPECT_NE(xml.find(std::string("EncodingType=\"") + kBase64EncodingType + "\""), std::string::npos) << xml;
  EXPECT_EQ(xml.find("wo-s3cret"), std::string::npos);
  const auto token = ExtractUsernameToken(xml);
  ASSERT_TRUE(token);
  EXPECT_EQ(token->username, "spm-adapter");
  EXPECT_EQ(token->nonce.size(), 24u);  // 16 random bytes in Base64
  EXPECT_EQ(token->password, PasswordDigest(token->nonce, token->created, "wo-s3cret"));
}

// A wrong password is refused by the backend: a fault, and nothing recorded as received.
TEST_F(BackendWsseTest, WrongPasswordIsRefused) {
  const BackendError error = RefusedCreate(Endpoint(simulators_->WorkOrderUrl(), "spm-adapter", "guess"));
  EXPECT_EQ(error.kind, BackendErrorKind::kUntypedFault);
  EXPECT_EQ(error.backend_message, "The user name or password digest is not valid");
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 0u);
  EXPECT_EQ(simulators_->RefusedTokens(), 1u);
}

// Without a configured token, a backend that requires one refuses the call.
TEST_F(BackendWsseTest, MissingTokenIsRefused) {
  const BackendError error = RefusedCreate(Endpoint(simulators_->WorkOrderUrl(), "", ""));
  EXPECT_EQ(error.kind, BackendErrorKind::kUntypedFault);
  EXPECT_EQ(error.backend_message, "A WS-Security UsernameToken is required");
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 0u);
  EXPECT_EQ(simulators_->RefusedTokens(), 1u);
}

// The same message sent again (same nonce) is refused as a replay.
TEST_F(BackendWsseTest, ReplayedMessageIsRefused) {
  GsoapWorkOrderSystem client(Endpoint(simulators_->WorkOrderUrl(), "spm-adapter", "wo-s3cret"));
  ASSERT_TRUE(
      std::holds_alternative<WorkOrderCreated>(client.CreateMigrationWorkOrder(SampleWorkOrderRequest(), {"c1"})));
  const std::string sent = simulators_->WorkOrderRequests().at(0).raw_xml;
  httplib::Client replay("127.0.0.1", simulators_->port());
  replay.set_read_timeout(5, 0);
  const auto answer = replay.Post("/workorder", sent, "text/xml; charset=utf-8");
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 500);
  EXPECT_NE(answer->body.find("<faultcode>wsse:FailedAuthentication</faultcode>"), std::string::npos);
  EXPECT_NE(answer->body.find("already used"), std::string::npos) << answer->body;
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 1u);
  EXPECT_EQ(simulators_->RefusedTokens(), 1u);
}

// MIDAS gets a token with its own credentials and accepts it.
TEST_F(BackendWsseTest, MidasAcceptsItsOwnToken) {
  GsoapMidas client(Endpoint(simulators_->MidasUrl(), "midas-adapter", "m1das"));
  ASSERT_TRUE(
      std::holds_alternative<MidasAcknowledged>(client.UpdateCustomerMigrationStatus(SampleStatusUpdate(), {"c1"})));
  const auto received = simulators_->MidasUpdates();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(ExtractUsernameToken(received[0].raw_xml)->username, "midas-adapter");
  EXPECT_EQ(simulators_->RefusedTokens(), 0u);
}

}  // namespace
}  // namespace voip
