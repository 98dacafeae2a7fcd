// The simulators' HTTP serving: the adapter's own connection loop
// (TunedHttpServer with SimServerConfig), driven with raw bytes over loopback
// so that keep-alive, pipelining, chunked bodies, 100-continue, refusals and
// time-outs are seen exactly as a client sees them, and what the simulators
// recorded is checked beside every answer.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>

#include "sim/simulators.h"
#include "sim/triggers.h"
#include "tests/sim/sim_test_clients.h"
#include "tests/support/raw_http.h"

namespace voip::sim {
namespace {

using testing::StartSimulators;
using voip::testing::RawAnswer;
using voip::testing::RawHttpConnection;

std::string WorkOrderBody(std::string_view telephone) {
  return "<?xml version=\"1.0\"?><s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" "
         "xmlns:wo=\"http://schemas.cableco.example/fieldops/workorder/migration/v1\"><s:Body>"
         "<wo:CreateMigrationWorkOrderRequest><wo:telephoneNumber>" +
         std::string(telephone) +
         "</wo:telephoneNumber><wo:accountNumber>1</wo:accountNumber>"
         "<wo:siteReference>1</wo:siteReference><wo:migrationType>TDM_TO_VOC</wo:migrationType>"
         "</wo:CreateMigrationWorkOrderRequest></s:Body></s:Envelope>";
}

std::string PostWorkOrder(const std::string& body, const std::string& extra_headers = "") {
  return "POST /workorder HTTP/1.1\r\nHost: sim\r\nContent-Type: text/xml\r\n" + extra_headers +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

constexpr char kGetReceived[] = "GET /__sim/received HTTP/1.1\r\nHost: sim\r\n\r\n";

// Two requests on one connection are both answered, and the connection stays open.
TEST(simServing, KeepAliveCarriesSeveralRequests) {
  auto sims = StartSimulators();
  RawHttpConnection client(sims->port(), false);
  ASSERT_TRUE(client.Send(PostWorkOrder(WorkOrderBody(testing::kCustomerNumber))));
  const std::optional<RawAnswer> first = client.ReadAnswer();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  EXPECT_NE(first->body.find("WO1000000001"), std::string::npos) << first->body;
  ASSERT_TRUE(client.Send(kGetReceived));
  const std::optional<RawAnswer> second = client.ReadAnswer();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 200);
  EXPECT_NE(second->body.find("WO1000000001"), std::string::npos) << second->body;
  EXPECT_NE(second->header("connection"), "close");
  EXPECT_EQ(sims->WorkOrderRequests().size(), 1u);
}

// Requests sent back to back before any answer are answered in order.
TEST(simServing, PipelinedRequestsAreAnsweredInOrder) {
  auto sims = StartSimulators();
  RawHttpConnection client(sims->port(), false);
  ASSERT_TRUE(client.Send(PostWorkOrder(WorkOrderBody(testing::kCustomerNumber)) +
                          "DELETE /__sim/received HTTP/1.1\r\nHost: sim\r\n\r\n" + kGetReceived));
  const std::optional<RawAnswer> created = client.ReadAnswer();
  const std::optional<RawAnswer> deleted = client.ReadAnswer();
  const std::optional<RawAnswer> listed = client.ReadAnswer();
  ASSERT_TRUE(created && deleted && listed);
  EXPECT_EQ(created->status, 200);
  EXPECT_EQ(deleted->status, 204);
  EXPECT_EQ(listed->status, 200);
  EXPECT_EQ(listed->body.find("WO1000000001"), std::string::npos) << listed->body;
  EXPECT_TRUE(sims->WorkOrderRequests().empty());
}

// A chunked body reaches the simulator decoded, chunk extensions ignored.
TEST(simServing, ChunkedBodyIsDecoded) {
  auto sims = StartSimulators();
  const std::string body = WorkOrderBody(testing::kCustomerNumber);
  const std::size_t half = body.size() / 2;
  char sizes[64];
  std::snprintf(sizes, sizeof sizes, "%zx;ext=1\r\n", half);
  std::string chunked = sizes + body.substr(0, half) + "\r\n";
  std::snprintf(sizes, sizeof sizes, "%zx\r\n", body.size() - half);
  chunked += sizes + body.substr(half) + "\r\n0\r\n\r\n";
  RawHttpConnection client(sims->port(), false);
  ASSERT_TRUE(client.Send("POST /workorder HTTP/1.1\r\nHost: sim\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked));
  const std::optional<RawAnswer> answer = client.ReadAnswer();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 200);
  ASSERT_EQ(sims->WorkOrderRequests().size(), 1u);
  EXPECT_EQ(sims->WorkOrderRequests().front().raw_xml, body);
}

// `Expect: 100-continue` gets the interim 100 answer before the body is sent.
TEST(simServing, ExpectContinueGetsInterimAnswer) {
  auto sims = StartSimulators();
  const std::string body = WorkOrderBody(testing::kCustomerNumber);
  RawHttpConnection client(sims->port(), false);
  ASSERT_TRUE(client.Send("POST /workorder HTTP/1.1\r\nHost: sim\r\nExpect: 100-continue\r\nContent-Length: " +
                          std::to_string(body.size()) + "\r\n\r\n"));
  const std::optional<RawAnswer> interim = client.ReadAnswer();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  EXPECT_TRUE(sims->WorkOrderRequests().empty());
  ASSERT_TRUE(client.Send(body));
  const std::optional<RawAnswer> answer = client.ReadAnswer();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 200);
  EXPECT_EQ(sims->WorkOrderRequests().size(), 1u);
}

// A declared body over 1 MiB is answered 413 without being read or recorded, and the connection closes.
TEST(simServing, OversizedBodyIs413AndCloses) {
  auto sims = StartSimulators();
  RawHttpConnection client(sims->port(), false);
  ASSERT_TRUE(client.Send("POST /workorder HTTP/1.1\r\nHost: sim\r\nContent-Length: 1048577\r\n\r\n<x/>"));
  const std::optional<RawAnswer> answer = client.ReadAnswer();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 413);
  EXPECT_TRUE(client.ClosedByServer());
  EXPECT_TRUE(sims->WorkOrderRequests().empty());
}

// A chunked body that grows over 1 MiB is refused the same way, before it is all sent.
TEST(simServing, OversizedChunkedBodyIs413) {
  auto sims = StartSimulators();
  RawHttpConnection client(sims->port(), false);
  ASSERT_TRUE(client.Send("POST /midas HTTP/1.1\r\nHost: sim\r\nTransfer-Encoding: chunked\r\n\r\n100001\r\n" +
                          std::string(0x100001, 'x') + "\r\n"));
  const std::optional<RawAnswer> answer = client.ReadAnswer();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 413);
  EXPECT_TRUE(client.ClosedByServer());
  EXPECT_TRUE(sims->MidasUpdates().empty());
}

// A request line that is not HTTP/1.x is answered 400 by the adapter's edge, nothing is recorded, the connection
// closes.
TEST(simServing, MalformedRequestIs400AndCloses) {
  auto sims = StartSimulators();
  RawHttpConnection client(sims->port(), false);
  ASSERT_TRUE(client.Send("HELLO\r\n\r\n"));
  const std::optional<RawAnswer> answer = client.ReadAnswer();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 400);
  EXPECT_TRUE(client.ClosedByServer());
  EXPECT_TRUE(sims->WorkOrderRequests().empty());
}

// A body cut short (a whole SOAP envelope, but 10 bytes under its Content-Length, then the
// client's end of stream) is never served: 400, the connection closes, and the simulator records
// nothing (it used to take the end of stream for the end of the body and create the work order).
TEST(simServing, BodyCutShortIsRefusedNotServed) {
  auto sims = StartSimulators();
  RawHttpConnection client(sims->port(), false);
  const std::string body = WorkOrderBody(testing::kCustomerNumber);
  ASSERT_TRUE(client.Send("POST /workorder HTTP/1.1\r\nHost: sim\r\nContent-Type: text/xml\r\nContent-Length: " +
                          std::to_string(body.size() + 10) + "\r\n\r\n" + body));
  client.ShutdownWrite();
  const std::optional<RawAnswer> answer = client.ReadAnswer();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 400);
  EXPECT_TRUE(client.ClosedByServer());
  EXPECT_TRUE(sims->WorkOrderRequests().empty());
}

// Two Content-Length headers that disagree (a smuggling attempt) are refused with 400 before any
// body is read; nothing is recorded, not even the request hidden in the body, and the connection
// closes.
TEST(simServing, ConflictingContentLengthsAreRefused) {
  auto sims = StartSimulators();
  RawHttpConnection client(sims->port(), false);
  const std::string hidden = PostWorkOrder(WorkOrderBody(testing::kCustomerNumber));
  ASSERT_TRUE(
      client.Send("POST /workorder HTTP/1.1\r\nHost: sim\r\nContent-Type: text/xml\r\nContent-Length: 0\r\n"
                  "Content-Length: " +
                  std::to_string(hidden.size()) + "\r\n\r\n" + hidden));
  const std::optional<RawAnswer> answer = client.ReadAnswer();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 400);
  EXPECT_TRUE(client.ClosedByServer());
  EXPECT_TRUE(sims->WorkOrderRequests().empty());
}

// A transfer coding other than chunked is refused (400), not guessed at, and nothing is recorded.
TEST(simServing, UnknownTransferCodingIsRefused) {
  auto sims = StartSimulators();
  RawHttpConnection client(sims->port(), false);
  ASSERT_TRUE(client.Send("POST /workorder HTTP/1.1\r\nHost: sim\r\nTransfer-Encoding: gzip\r\n\r\n"));
  const std::optional<RawAnswer> answer = client.ReadAnswer();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 400);
  EXPECT_TRUE(client.ClosedByServer());
  EXPECT_TRUE(sims->WorkOrderRequests().empty());
}

// `Connection: close` is honoured: the answer says so and the server closes.
TEST(simServing, ConnectionCloseIsHonoured) {
  auto sims = StartSimulators();
  RawHttpConnection client(sims->port(), false);
  ASSERT_TRUE(client.Send(PostWorkOrder(WorkOrderBody(testing::kCustomerNumber), "Connection: close\r\n")));
  const std::optional<RawAnswer> answer = client.ReadAnswer();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 200);
  EXPECT_EQ(answer->header("connection"), "close");
  EXPECT_TRUE(client.ClosedByServer());
  EXPECT_EQ(sims->WorkOrderRequests().size(), 1u);
}

// HTTP/1.0 closes after the answer unless it asked for keep-alive.
TEST(simServing, Http10ClosesByDefault) {
  auto sims = StartSimulators();
  RawHttpConnection client(sims->port(), false);
  ASSERT_TRUE(client.Send("GET /__sim/received HTTP/1.0\r\n\r\n"));
  const std::optional<RawAnswer> answer = client.ReadAnswer();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 200);
  EXPECT_NE(answer->body.find("\"workOrders\":[]"), std::string::npos) << answer->body;
  EXPECT_TRUE(client.ClosedByServer());
}

// An idle keep-alive connection is closed by the simulators after 2 s (bounded wait of 5 s).
TEST(simServing, IdleConnectionIsClosedAfterItsTimeOut) {
  auto sims = StartSimulators();
  RawHttpConnection client(sims->port(), false);
  ASSERT_TRUE(client.Send(kGetReceived));
  const std::optional<RawAnswer> answer = client.ReadAnswer();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 200);
  EXPECT_TRUE(client.ClosedByServer(std::chrono::milliseconds(5000)));
}

// With one worker busy on a slow answer, a request on another connection waits its turn and is served, not shed.
TEST(simServing, RequestsBeyondTheWorkersWaitTheirTurn) {
  auto sims = StartSimulators(testing::kTestSlowMs, 1);
  RawHttpConnection slow(sims->port(), false);
  ASSERT_TRUE(slow.Send(PostWorkOrder(WorkOrderBody(kWorkOrderSlowNumber))));
  ASSERT_TRUE(testing::WaitUntil([&] { return sims->WorkOrderRequests().size() == 1; }));
  RawHttpConnection waiting(sims->port(), false);
  ASSERT_TRUE(waiting.Send(PostWorkOrder(WorkOrderBody(testing::kCustomerNumber))));
  const std::optional<RawAnswer> second = waiting.ReadAnswer();
  const std::optional<RawAnswer> first = slow.ReadAnswer();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(second->status, 200);
  EXPECT_NE(second->header("connection"), "close");
  const std::vector<ReceivedWorkOrder> received = sims->WorkOrderRequests();
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[0].order_number, "WO1000000001");
  EXPECT_EQ(received[1].order_number, "WO1000000002");
}

// A caller that accepts gzip still gets the answer uncompressed, byte for byte what the simulator wrote.
TEST(simServing, AnswersAreNeverCompressed) {
  auto sims = StartSimulators();
  RawHttpConnection client(sims->port(), false);
  ASSERT_TRUE(client.Send(PostWorkOrder(WorkOrderBody(testing::kCustomerNumber), "Accept-Encoding: gzip, br\r\n")));
  const std::optional<RawAnswer> answer = client.ReadAnswer();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 200);
  EXPECT_EQ(answer->header("content-encoding"), "");
  EXPECT_EQ(answer->header("content-type"), "text/xml; charset=utf-8");
  EXPECT_NE(answer->body.find("<wo:orderNumber>WO1000000001</wo:orderNumber>"), std::string::npos) << answer->body;
  EXPECT_EQ(sims->WorkOrderRequests().size(), 1u);
}

// A Range header is ignored: the whole answer comes back, 200, as the legacy systems send it.
TEST(simServing, RangeHeaderIsIgnored) {
  auto sims = StartSimulators();
  RawHttpConnection client(sims->port(), false);
  ASSERT_TRUE(client.Send(PostWorkOrder(WorkOrderBody(testing::kCustomerNumber), "Range: bytes=0-9\r\n")));
  const std::optional<RawAnswer> answer = client.ReadAnswer();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 200);
  EXPECT_EQ(answer->header("content-range"), "");
  EXPECT_NE(answer->body.find("<wo:orderNumber>WO1000000001</wo:orderNumber>"), std::string::npos) << answer->body;
  EXPECT_EQ(sims->WorkOrderRequests().size(), 1u);
}

// A method the simulators do not serve on a known path is 404, and nothing is recorded.
TEST(simServing, OtherMethodsAre404) {
  auto sims = StartSimulators();
  RawHttpConnection client(sims->port(), false);
  ASSERT_TRUE(
      client.Send("GET /workorder HTTP/1.1\r\nHost: sim\r\n\r\n"
                  "PUT /__sim/received HTTP/1.1\r\nHost: sim\r\nContent-Length: 2\r\n\r\n{}"));
  const std::optional<RawAnswer> get = client.ReadAnswer();
  const std::optional<RawAnswer> put = client.ReadAnswer();
  ASSERT_TRUE(get && put);
  EXPECT_EQ(get->status, 404);
  EXPECT_EQ(put->status, 404);
  EXPECT_TRUE(sims->WorkOrderRequests().empty());
}

}  // namespace
}  // namespace voip::sim
