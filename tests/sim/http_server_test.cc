// The simulators' HTTP/1.1 server over real loopback sockets, driven with raw
// bytes so that framing (keep-alive, pipelining, chunked bodies, 100-continue)
// and refusals are seen exactly as a client sees them.
#include "sim/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>

namespace voip::sim {
namespace {

// Echoes the method, path, the X-Tag header and the body; counts the calls.
struct EchoServer {
  explicit EchoServer(int threads = 2)
      : server(HttpServerOptions{threads, 64, std::chrono::seconds(2)},
               [this](const HttpRequest& request, HttpResponse& response) {
                 ++calls;
                 response.content_type = "text/plain";
                 response.body = request.method + " " + request.path + " " + std::string(request.Header("x-tag")) +
                                 " " + request.body;
               }) {
    std::string error;
    port = server.Bind("127.0.0.1", 0, &error);
    EXPECT_GT(port, 0) << error;
    server.Start();
  }

  std::atomic<int> calls{0};
  HttpServer server;
  int port = -1;
};

// A raw client socket with a 5 s receive time-out, so no test can hang.
class RawClient {
 public:
  explicit RawClient(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~RawClient() { ::close(fd_); }

  bool connected() const { return connected_; }
  void Send(const std::string& bytes) {
    ASSERT_EQ(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
  }

  // Everything until the server closes the connection (or 5 s pass).
  std::string ReadToEnd() {
    std::string all;
    char buffer[4096];
    ssize_t got;
    while ((got = ::recv(fd_, buffer, sizeof buffer, 0)) > 0) all.append(buffer, static_cast<std::size_t>(got));
    return all;
  }

  // True when the next read finds the end of the stream (not a time-out).
  bool ClosedByServer() {
    char byte;
    return ::recv(fd_, &byte, 1, 0) == 0;
  }

  // Reads until `text` has arrived (or the connection ends); returns all read so far.
  std::string ReadUntil(const std::string& text) {
    char buffer[4096];
    ssize_t got;
    while (received_.find(text) == std::string::npos && (got = ::recv(fd_, buffer, sizeof buffer, 0)) > 0) {
      received_.append(buffer, static_cast<std::size_t>(got));
    }
    return received_;
  }

 private:
  int fd_;
  bool connected_ = false;
  std::string received_;
};

int Count(const std::string& text, const std::string& part) {
  int count = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++count;
  return count;
}

// Two requests on one connection are both answered, and the connection stays open.
TEST(simHttpServer, KeepAliveCarriesSeveralRequests) {
  EchoServer echo;
  RawClient client(echo.port);
  ASSERT_TRUE(client.connected());
  client.Send("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\none");
  EXPECT_NE(client.ReadUntil("POST /a  one").find("HTTP/1.1 200 OK\r\n"), std::string::npos);
  client.Send("POST /b HTTP/1.1\r\nHost: x\r\nX-Tag: t\r\nContent-Length: 3\r\n\r\ntwo");
  const std::string answers = client.ReadUntil("POST /b t two");
  EXPECT_EQ(Count(answers, "HTTP/1.1 200 OK\r\n"), 2);
  EXPECT_EQ(Count(answers, "Connection: close"), 0);
  EXPECT_EQ(echo.calls, 2);
}

// Requests sent back to back before any answer are answered in order.
TEST(simHttpServer, PipelinedRequestsAreAnsweredInOrder) {
  EchoServer echo;
  RawClient client(echo.port);
  client.Send("POST /first HTTP/1.1\r\nContent-Length: 1\r\n\r\n1POST /second HTTP/1.1\r\nContent-Length: 1\r\n\r\n2");
  const std::string answers = client.ReadUntil("POST /second  2");
  ASSERT_NE(answers.find("POST /first  1"), std::string::npos);
  EXPECT_LT(answers.find("POST /first  1"), answers.find("POST /second  2")) << answers;
  EXPECT_EQ(echo.calls, 2) << answers;
}

// A chunked body reaches the handler decoded, chunk extensions and trailers ignored.
TEST(simHttpServer, ChunkedBodyIsDecoded) {
  EchoServer echo;
  RawClient client(echo.port);
  client.Send(
      "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: x\r\n\r\n");
  const std::string answer = client.ReadUntil("POST /c  abcde");
  EXPECT_NE(answer.find("HTTP/1.1 200 OK\r\n"), std::string::npos);
  EXPECT_NE(answer.find("Content-Length: 14\r\n"), std::string::npos);
  EXPECT_EQ(echo.calls, 1);
}

// `Expect: 100-continue` gets the interim 100 answer before the body is sent.
TEST(simHttpServer, ExpectContinueGetsInterimAnswer) {
  EchoServer echo;
  RawClient client(echo.port);
  client.Send("POST /e HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
  EXPECT_EQ(client.ReadUntil("\r\n\r\n"), "HTTP/1.1 100 Continue\r\n\r\n");
  client.Send("body");
  EXPECT_NE(client.ReadUntil("POST /e  body").find("HTTP/1.1 200 OK\r\n"), std::string::npos);
  EXPECT_EQ(echo.calls, 1);
}

// A body over the limit is answered 413 without calling the handler, and the connection closes.
TEST(simHttpServer, OversizedBodyIs413AndCloses) {
  EchoServer echo;  // limit: 64 bytes
  RawClient client(echo.port);
  client.Send("POST /big HTTP/1.1\r\nContent-Length: 65\r\n\r\n" + std::string(65, 'x'));
  const std::string answer = client.ReadToEnd();
  EXPECT_EQ(answer.rfind("HTTP/1.1 413 Payload Too Large\r\n", 0), 0u) << answer;
  EXPECT_NE(answer.find("Connection: close\r\n"), std::string::npos);
  EXPECT_EQ(echo.calls, 0);
}

// A chunked body that grows over the limit is refused the same way.
TEST(simHttpServer, OversizedChunkedBodyIs413) {
  EchoServer echo;
  RawClient client(echo.port);
  client.Send("POST /big HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n41\r\n" + std::string(65, 'x') +
              "\r\n0\r\n\r\n");
  EXPECT_EQ(client.ReadToEnd().rfind("HTTP/1.1 413 ", 0), 0u);
  EXPECT_EQ(echo.calls, 0);
}

// A request line that is not HTTP/1.x is answered 400, the handler is not called, the connection closes.
TEST(simHttpServer, MalformedRequestIs400AndCloses) {
  EchoServer echo;
  RawClient client(echo.port);
  client.Send("HELLO\r\n\r\n");
  const std::string answer = client.ReadToEnd();
  EXPECT_EQ(answer.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << answer;
  EXPECT_NE(answer.find("Connection: close\r\n"), std::string::npos);
  EXPECT_EQ(echo.calls, 0);
}

// A transfer coding other than chunked is 501, not guessed at.
TEST(simHttpServer, UnknownTransferCodingIs501) {
  EchoServer echo;
  RawClient client(echo.port);
  client.Send("POST /g HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n");
  EXPECT_EQ(client.ReadToEnd().rfind("HTTP/1.1 501 Not Implemented\r\n", 0), 0u);
  EXPECT_EQ(echo.calls, 0);
}

// `Connection: close` is honoured: the answer says so and the server closes.
TEST(simHttpServer, ConnectionCloseIsHonoured) {
  EchoServer echo;
  RawClient client(echo.port);
  client.Send("GET /x HTTP/1.1\r\nConnection: close\r\n\r\n");
  const std::string answer = client.ReadToEnd();  // returns only because the server closed
  EXPECT_NE(answer.find("Connection: close\r\n"), std::string::npos);
  EXPECT_NE(answer.find("GET /x  "), std::string::npos);
  EXPECT_EQ(echo.calls, 1);
}

// HTTP/1.0 closes after the answer unless it asked for keep-alive.
TEST(simHttpServer, Http10ClosesByDefault) {
  EchoServer echo;
  RawClient client(echo.port);
  client.Send("GET /old HTTP/1.0\r\n\r\n");
  EXPECT_NE(client.ReadToEnd().find("Connection: close\r\n"), std::string::npos);
  EXPECT_EQ(echo.calls, 1);
}

// Stop() closes an idle keep-alive connection at once: the client reads the end of the stream.
TEST(simHttpServer, StopClosesIdleConnections) {
  auto echo = std::make_unique<EchoServer>();
  RawClient client(echo->port);
  client.Send("GET /idle HTTP/1.1\r\n\r\n");
  client.ReadUntil("GET /idle");
  echo->server.Stop();
  EXPECT_TRUE(client.ClosedByServer());
  EXPECT_EQ(echo->calls, 1);
}

// With one worker, a second connection is served once the first one closes.
TEST(simHttpServer, ConnectionsBeyondTheWorkersWaitTheirTurn) {
  EchoServer echo(1);
  RawClient first(echo.port);
  first.Send("GET /1 HTTP/1.1\r\n\r\n");
  first.ReadUntil("GET /1");
  RawClient second(echo.port);
  second.Send("GET /2 HTTP/1.1\r\nConnection: close\r\n\r\n");
  first.Send("GET /3 HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_NE(first.ReadToEnd().find("GET /3"), std::string::npos);
  EXPECT_NE(second.ReadToEnd().find("GET /2"), std::string::npos);
  EXPECT_EQ(echo.calls, 3);
}

// A port already in use cannot be bound (no SO_REUSEPORT sharing).
TEST(simHttpServer, PortInUseFailsToBind) {
  EchoServer first;
  HttpServer second(HttpServerOptions{}, [](const HttpRequest&, HttpResponse&) {});
  std::string error;
  EXPECT_EQ(second.Bind("127.0.0.1", first.port, &error), -1);
  EXPECT_FALSE(error.empty());
}

}  // namespace
}  // namespace voip::sim
