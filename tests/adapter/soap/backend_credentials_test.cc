// Outbound credentials: each backend gets its own HTTP Basic credentials on
// every call, and none when none are configured (checked at a canned backend).
#include <gtest/gtest.h>

#include <string>

#include "adapter/soap/midas_client.h"
#include "adapter/soap/work_order_client.h"
#include "tests/support/canned_backend.h"

namespace voip {
namespace {

using testing::CannedBackend;
using testing::CannedResponse;

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
  BackendEndpoint endpoint;
  endpoint.url = url;
  endpoint.connect_timeout_ms = 500;
  endpoint.timeout_ms = 2000;
  endpoint.max_idle_connections = 2;
  endpoint.username = username;
  endpoint.password = password;
  return endpoint;
}

WorkOrderRequest Request() {
  WorkOrderRequest request;
  request.telephone_number = "447874384949";
  request.account_number = "123456789";
  request.site_reference = 42;
  return request;
}

MigrationStatusUpdate Update() {
  MigrationStatusUpdate update;
  update.account_number = "123456789";
  update.site_reference = 42;
  update.telephone_number = "447874384949";
  update.status = MigrationStatus::kWorkOrderCreated;
  update.order_number = "WO-1";
  return update;
}

// The work-order system receives `Authorization: Basic base64(user:password)` on every call,
// also on a kept-alive connection.
TEST(BackendCredentialsTest, WorkOrderCallsCarryBasicCredentials) {
  CannedBackend backend;
  backend.SetDefault(WorkOrderCreatedAnswer());
  GsoapWorkOrderSystem client(Endpoint(backend.Url("/workorder"), "spm-adapter", "wo-pa:ss"));
  ASSERT_TRUE(std::holds_alternative<WorkOrderCreated>(client.CreateMigrationWorkOrder(Request(), {"c1"})));
  ASSERT_TRUE(std::holds_alternative<WorkOrderCreated>(client.CreateMigrationWorkOrder(Request(), {"c2"})));
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
  ASSERT_TRUE(std::holds_alternative<MidasAcknowledged>(client.UpdateCustomerMigrationStatus(Update(), {"c1"})));
  const auto requests = backend.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].Header("Authorization"), "Basic bWlkYXMtdXNlcjptMWRhcw==");  // midas-user:m1das
}

// Without a username, no Authorization header is sent at all.
TEST(BackendCredentialsTest, NoCredentialsNoAuthorizationHeader) {
  CannedBackend backend;
  backend.SetDefault(WorkOrderCreatedAnswer());
  GsoapWorkOrderSystem client(Endpoint(backend.Url("/workorder"), "", ""));
  ASSERT_TRUE(std::holds_alternative<WorkOrderCreated>(client.CreateMigrationWorkOrder(Request(), {"c1"})));
  const auto requests = backend.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_FALSE(requests[0].headers.count("Authorization"));
}

}  // namespace
}  // namespace voip
