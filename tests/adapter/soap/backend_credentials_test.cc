// Outbound credentials: each backend gets its own HTTP Basic credentials on
// every call, and none when none are configured (checked at a canned backend).
#include <gtest/gtest.h>

#include <string>

#include "adapter/soap/midas_client.h"
#include "adapter/soap/work_order_client.h"
#include "tests/support/backend_calls.h"
#include "tests/support/canned_backend.h"

namespace voip {
namespace {

using testing::CannedBackend;
using testing::CannedResponse;
using testing::SampleStatusUpdate;
using testing::SampleWorkOrderRequest;

CannedResponse WorkOrderCreatedAnswer() {
  CannedResponse response;
  response.body =
      "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" "
      "xmlns:wo=\"http://schemas.cableco.example/fieldops/workorder/migration/v1\"><soapenv:Body>"
      "<wo:CreateMigrationWorkOrderResponse><wo:orderNumber>WO-1</wo:orderNumber>"
      "</wo:CreateMigrationWorkOrderResponse></soapenv:Body></soapenv:Envelope>";
  return response;
}

CannedResponse MidasAcknowledgedAnswer() {
  CannedResponse response;
  response.body =
      "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" "
      "xmlns:midas=\"http://schemas.cableco.example/midas/customer/migration/v1\"><soapenv:Body>"
      "<midas:UpdateCustomerMigrationStatusResponse><midas:acknowledged>true</midas:acknowledged>"
      "</midas:UpdateCustomerMigrationStatusResponse></soapenv:Body></soapenv:Envelope>";
  return response;
}

BackendEndpoint Endpoint(const std::string& url, const std::string& username, const std::string& password) {
  BackendEndpoint endpoint = testing::SampleEndpoint(url);
  endpoint.username = username;
  endpoint.password = password;
  return endpoint;
}

// The work-order system receives `Authorization: Basic base64(user:password)` on every call,
// also on a kept-alive connection.
TEST(BackendCredentialsTest, WorkOrderCallsCarryBasicCredentials) {
  CannedBackend backend;
  backend.SetDefault(WorkOrderCreatedAnswer());
  GsoapWorkOrderSystem client(Endpoint(backend.Url("/workorder"), "spm-adapter", "wo-pa:ss"));
  ASSERT_TRUE(
      std::holds_alternative<WorkOrderCreated>(client.CreateMigrationWorkOrder(SampleWorkOrderRequest(), {"c1"})));
  ASSERT_TRUE(
      std::holds_alternative<WorkOrderCreated>(client.CreateMigrationWorkOrder(SampleWorkOrderRequest(), {"c2"})));
  const auto requests = backend.Requests();
  ASSERT_EQ(requests.size(), 2u);
  // base64("spm-adapter:wo-pa:ss")
  EXPECT_EQ(requests[0].Header("Authorization"), "Basic c3BtLWFkYXB0ZXI6d28tcGE6c3M=");
  EXPECT_EQ(requests[1].Header("Authorization"), "Basic c3BtLWFkYXB0ZXI6d28tcGE6c3M=");
  EXPECT_EQ(backend.ConnectionCount(), 1u);
}

// MIDAS receives its own credentials, not the work-order system's.
TEST(BackendCredentialsTest, MidasCallsCarryTheirOwnCredentials) {
  CannedBackend backend;
  backend.SetDefault(MidasAcknowledgedAnswer());
  GsoapMidas client(Endpoint(backend.Url("/midas"), "midas-user", "m1das"));
  ASSERT_TRUE(
      std::holds_alternative<MidasAcknowledged>(client.UpdateCustomerMigrationStatus(SampleStatusUpdate(), {"c1"})));
  const auto requests = backend.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].Header("Authorization"), "Basic bWlkYXMtdXNlcjptMWRhcw==");  // midas-user:m1das
}

// Without a username, no Authorization header is sent at all.
TEST(BackendCredentialsTest, NoCredentialsNoAuthorizationHeader) {
  CannedBackend backend;
  backend.SetDefault(WorkOrderCreatedAnswer());
  GsoapWorkOrderSystem client(Endpoint(backend.Url("/workorder"), "", ""));
  ASSERT_TRUE(
      std::holds_alternative<WorkOrderCreated>(client.CreateMigrationWorkOrder(SampleWorkOrderRequest(), {"c1"})));
  const auto requests = backend.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_FALSE(requests[0].headers.count("Authorization"));
}

}  // namespace
}  // namespace voip
