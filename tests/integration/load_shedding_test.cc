// Load shedding over real sockets, against slow simulators: more requests or
// connections than the bounds get a fast 503 with Retry-After and reach no
// backend, instead of waiting in an unbounded queue.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "adapter/migration_flow.h"
#include "http/soap_face.h"
#include "sim/triggers.h"
#include "tests/support/adapter_with_simulators.h"
#include "tests/support/raw_http.h"
#include "tests/support/soap_answer.h"
#include "tests/support/soap_xml.h"

namespace voip {
namespace {

using nlohmann::json;
using testing::AdapterWithSimulators;

constexpr int kSlowMs = 1500;  // the slow trigger's answer time

// A TCP connection to the adapter that sends what a test says: it holds one
// of the max-connections places (not a thread) until closed.
class IdleConnection {
 public:
  explicit IdleConnection(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~IdleConnection() { ::close(fd_); }
  bool connected() const { return connected_; }

  void Send(const std::string& text) { ::send(fd_, text.data(), text.size(), MSG_NOSIGNAL); }

  // Reads until the adapter closes the connection or `limit` passes; returns
  // how long that took (at least `limit` when it stayed open).
  std::chrono::steady_clock::duration UntilClosed(std::chrono::seconds limit) {
    const auto start = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - start < limit) {
      pollfd readable{fd_, POLLIN, 0};
      if (::poll(&readable, 1, 100) <= 0) continue;
      char buffer[512];
      if (::recv(fd_, buffer, sizeof buffer, 0) <= 0) break;
    }
    return std::chrono::steady_clock::now() - start;
  }

 private:
  int fd_;
  bool connected_ = false;
};

// The adapter (tests/support/adapter_with_simulators.h) against simulators whose slow trigger
// answers in 1.5 s, with the pool, queue and in-flight bounds each test sets.
class LoadSheddingFixture : public AdapterWithSimulators {
 protected:
  void SetUp() override { sim_options_.slow_ms = kSlowMs; }  // each test starts with Serve()

  void Serve(int threads, int max_queued_connections, int max_in_flight, int max_connections = 512) {
    config_.threads = threads;
    config_.max_connections = max_connections;
    config_.max_queued_connections = max_queued_connections;
    config_.max_in_flight = max_in_flight;
    config_.read_timeout_s = 8;
    config_.keep_alive_timeout_s = 8;
    for (BackendEndpoint* endpoint : {&config_.work_order, &config_.midas}) {
      endpoint->timeout_ms = 5000;
      endpoint->max_idle_connections = 8;
    }
    ASSERT_TRUE(Start());
  }

  // One request on its own connection; by default the client gives up after
  // 4 s, well before a queued connection would be served (8 s read time-out).
  httplib::Result Post(std::string_view telephone, int read_timeout_s = 4) {
    httplib::Client client("127.0.0.1", server_->port());
    client.set_read_timeout(read_timeout_s, 0);
    return client.Post("/CreateVOIPMigrationWorkOrder", JsonBody(telephone), "application/json");
  }

  // Serves at most 3 connections, and fills all three with connections that
  // send half a request head and stop (not silent, so none is closed to make
  // room): the adapter sheds the next connection.
  std::vector<std::unique_ptr<IdleConnection>> ServeFull() {
    Serve(/*threads=*/2, /*max_queued_connections=*/1, /*max_in_flight=*/0, /*max_connections=*/3);
    std::vector<std::unique_ptr<IdleConnection>> held;
    for (int i = 0; i < 3; ++i) {
      held.push_back(std::make_unique<IdleConnection>(server_->port()));
      EXPECT_TRUE(held.back()->connected());
      held.back()->Send("POST /CreateVOIPMigrationWorkOrder HTTP/1.1\r\nHost: a\r\n");
    }
    return held;
  }

  // A SOAP request on its own connection, in the version `content_type` announces.
  httplib::Result PostSoap(const char* envelope_ns, const std::string& content_type) {
    httplib::Client client("127.0.0.1", server_->port());
    client.set_read_timeout(4, 0);
    httplib::Headers headers;
    if (content_type.rfind("text/xml", 0) == 0) {
      headers.emplace("SOAPAction", std::string("\"") + kCreateSoapAction + "\"");
    }
    return client.Post("/soap", headers, testing::SoapEnvelope(testing::CreateRequest("447874384949"), envelope_ns),
                       content_type.c_str());
  }

  std::string Metrics() {
    httplib::Client client("127.0.0.1", server_->port());
    auto result = client.Get("/metrics");
    return result ? result->body : "";
  }
};

// max-in-flight 1: while a slow request runs, a second one is answered 503 with Retry-After
// and the overloaded fault, and only the first reaches the work-order system.
TEST_F(LoadSheddingFixture, RequestBeyondMaxInFlightIsShed) {
  Serve(/*threads=*/4, /*max_queued_connections=*/4, /*max_in_flight=*/1);
  auto slow = std::async(std::launch::async, [this] { return Post(sim::kWorkOrderSlowNumber, 30); });
  while (simulators_->WorkOrderRequests().empty()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto shed = Post("447874384949");
  ASSERT_TRUE(shed);
  EXPECT_EQ(shed->status, 503);
  EXPECT_EQ(shed->get_header_value("Retry-After"), "1");
  const json faults = json::parse(shed->body)["CreateVOIPMigrationWorkOrder"]["failure"]["fault"];
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(faults[0]["code"], "10686");
  EXPECT_EQ(faults[0]["detail"], OverloadedFault().detail);
  auto first = slow.get();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 1u);
  EXPECT_EQ(simulators_->MidasUpdates().size(), 1u);
  EXPECT_NE(Metrics().find("voip_load_shed_total{level=\"request\"} 1\n"), std::string::npos);
}

// The SOAP face sheds the same way: the overloaded fault in a 200 failure response, Retry-After too.
TEST_F(LoadSheddingFixture, SoapRequestBeyondMaxInFlightIsShed) {
  Serve(4, 4, 1);
  auto slow = std::async(std::launch::async, [this] { return Post(sim::kWorkOrderSlowNumber, 30); });
  while (simulators_->WorkOrderRequests().empty()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto shed = PostSoap(testing::kSoap11EnvelopeNs, "text/xml; charset=utf-8");
  ASSERT_TRUE(shed);
  EXPECT_EQ(shed->status, 200);
  EXPECT_EQ(shed->get_header_value("Retry-After"), "1");
  const json faults = testing::ReadSoapAnswer(shed->body).response["CreateVOIPMigrationWorkOrder"]["failure"]["fault"];
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(faults[0]["detail"], OverloadedFault().detail);
  auto first = slow.get();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 1u);
}

// Invalid input is still a 400 when the adapter is full: validation comes before the bound.
TEST_F(LoadSheddingFixture, InvalidRequestGets400EvenWhenFull) {
  Serve(4, 4, 1);
  auto slow = std::async(std::launch::async, [this] { return Post(sim::kWorkOrderSlowNumber, 30); });
  while (simulators_->WorkOrderRequests().empty()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto invalid = Post("");
  ASSERT_TRUE(invalid);
  EXPECT_EQ(invalid->status, 400);
  auto first = slow.get();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
}

// max-connections open and none of them idle after a request: a new connection gets a minimal
// 503 at once and is closed; it reaches no backend. /metrics is still served.
TEST_F(LoadSheddingFixture, ConnectionBeyondPoolAndQueueIsShed) {
  const auto held = ServeFull();
  auto shed = Post("447874384949");
  ASSERT_TRUE(shed) << "the request waited in an unbounded queue: " << httplib::to_string(shed.error());
  EXPECT_EQ(shed->status, 503);
  EXPECT_EQ(shed->get_header_value("Retry-After"), "1");
  EXPECT_EQ(shed->get_header_value("Connection"), "close");
  const json faults = json::parse(shed->body)["CreateVOIPMigrationWorkOrder"]["failure"]["fault"];
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_EQ(faults[0]["detail"], OverloadedFault().detail);
  EXPECT_TRUE(NoBackendCalled());
  const std::string metrics = Metrics();  // on a shed connection too
  EXPECT_NE(metrics.find("voip_load_shed_total{level=\"connection\"} 1\n"), std::string::npos) << metrics;
}

// A shed connection's 503 comes before its body is read: the connection is then closed, and
// the complete creates that body is made of are never taken for requests.
TEST_F(LoadSheddingFixture, ShedConnectionIsClosedAfterItsAnswer) {
  const auto held = ServeFull();
  testing::RawHttpConnection shed(server_->port(), /*tls=*/false);
  ASSERT_TRUE(shed.ok());
  const std::string body =
      R"({"telephoneNumber":"447874384949","accountIdentification":{"accountNumber":"123456789","siteReference":42}})";
  const std::string head =
      "POST /CreateVOIPMigrationWorkOrder HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n";
  const std::string create = head + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  std::string hidden;
  while (hidden.size() < 70000) hidden += create;
  shed.Send(head + "Content-Length: " + std::to_string(hidden.size()) + "\r\n\r\n" + hidden);
  const std::optional<testing::RawAnswer> answer = shed.ReadAnswer();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 503);
  EXPECT_EQ(answer->header("connection"), "close");
  EXPECT_TRUE(shed.ClosedByServer()) << "kept open, or a second answer came";
  EXPECT_TRUE(NoBackendCalled());
}

// A shed connection whose request head stops half-way is closed after the 1 s it is given,
// not after the 8 s read time-out a worker would wait; it reaches no backend.
TEST_F(LoadSheddingFixture, ShedConnectionGetsOneSecondForItsHead) {
  const auto held = ServeFull();
  IdleConnection slow(server_->port());
  ASSERT_TRUE(slow.connected());
  slow.Send("POST /CreateVOIPMigrationWorkOrder HTTP/1.1\r\nHost: a\r\n");
  EXPECT_LT(slow.UntilClosed(std::chrono::seconds(10)), std::chrono::seconds(6));
  EXPECT_TRUE(NoBackendCalled());
}

// A shed SOAP 1.1 connection gets a SOAP 1.1 Server fault saying so, with 503 and Retry-After,
// its envelope unread; it reaches no backend.
TEST_F(LoadSheddingFixture, ShedSoap11ConnectionGetsAServerFault) {
  const auto held = ServeFull();
  auto shed = PostSoap(testing::kSoap11EnvelopeNs, "text/xml; charset=utf-8");
  ASSERT_TRUE(shed) << httplib::to_string(shed.error());
  EXPECT_EQ(shed->status, 503);
  EXPECT_EQ(shed->get_header_value("Retry-After"), "1");
  EXPECT_EQ(shed->get_header_value("Connection"), "close");
  EXPECT_EQ(shed->get_header_value("Content-Type"), "text/xml; charset=utf-8");
  const testing::SoapAnswer answer = testing::ReadSoapAnswer(shed->body);
  EXPECT_EQ(answer.envelope_ns, testing::kSoap11EnvelopeNs);
  EXPECT_EQ(answer.fault_code, "Server");
  EXPECT_EQ(answer.fault_reason, OverloadedFault().detail);
  EXPECT_TRUE(NoBackendCalled());
  EXPECT_NE(Metrics().find("voip_load_shed_total{level=\"connection\"} 1\n"), std::string::npos);
}

// A shed SOAP 1.2 connection gets a SOAP 1.2 Receiver fault, with 503 and Retry-After; it reaches
// no backend.
TEST_F(LoadSheddingFixture, ShedSoap12ConnectionGetsAReceiverFault) {
  const auto held = ServeFull();
  auto shed = PostSoap(testing::kSoap12EnvelopeNs, "application/soap+xml; charset=utf-8");
  ASSERT_TRUE(shed) << httplib::to_string(shed.error());
  EXPECT_EQ(shed->status, 503);
  EXPECT_EQ(shed->get_header_value("Retry-After"), "1");
  EXPECT_EQ(shed->get_header_value("Content-Type"), "application/soap+xml; charset=utf-8");
  const testing::SoapAnswer answer = testing::ReadSoapAnswer(shed->body);
  EXPECT_EQ(answer.envelope_ns, testing::kSoap12EnvelopeNs);
  EXPECT_EQ(answer.fault_code, "Receiver");
  EXPECT_EQ(answer.fault_reason, OverloadedFault().detail);
  EXPECT_TRUE(NoBackendCalled());
}

// Eight clients at once against 2 workers + 2 queued and a slow work-order system: at most four
// are served, the rest are refused with 503 at once; every 200 is one work order, no more.
TEST_F(LoadSheddingFixture, MoreConnectionsThanTheBoundAgainstSlowBackends) {
  Serve(/*threads=*/2, /*max_queued_connections=*/2, /*max_in_flight=*/0);
  std::vector<std::future<int>> clients;
  for (int i = 0; i < 8; ++i) {
    clients.push_back(std::async(std::launch::async, [this] {
      httplib::Client client("127.0.0.1", server_->port());
      client.set_read_timeout(10, 0);  // long enough for the queued ones: 2 rounds of 1.5 s
      auto result =
          client.Post("/CreateVOIPMigrationWorkOrder", JsonBody(sim::kWorkOrderSlowNumber), "application/json");
      return result ? result->status : 0;
    }));
  }
  int served = 0, shed = 0;
  for (auto& client : clients) {
    const int status = client.get();
    if (status == 200) ++served;
    if (status == 503) ++shed;
  }
  EXPECT_EQ(served + shed, 8);
  EXPECT_LE(served, 4);
  EXPECT_GE(shed, 4);
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), static_cast<std::size_t>(served));
}

}  // namespace
}  // namespace voip
