// Idempotency-Key end to end over sockets: the JSON face, the SQLite store and
// the simulated backends; counts what the work-order system received.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "sim/triggers.h"
#include "tests/support/adapter_with_simulators.h"

namespace voip {
namespace {

using nlohmann::json;

// The adapter wired to the simulators (tests/support/adapter_with_simulators.h)
// with the SQLite outbox and Idempotency-Key store, sized for 50 parallel callers.
class IdempotencyTest : public testing::AdapterWithSimulators {
 protected:
  void SetUp() override {
    UseIdempotencyStore();
    sim_options_.slow_ms = 600;
    sim_options_.threads = 64;
    config_.threads = 64;
    config_.work_order.timeout_ms = 2000;
    config_.work_order.max_idle_connections = 64;
    config_.midas.timeout_ms = 2000;
    config_.midas.max_idle_connections = 64;
    ASSERT_TRUE(Start());
  }

  // On a client of its own, so that callers can run in parallel.
  httplib::Result Post(const std::string& body, const std::optional<std::string>& key) {
    httplib::Client client("127.0.0.1", server_->port());
    client.set_read_timeout(10, 0);
    httplib::Headers headers;
    if (key) headers.emplace("Idempotency-Key", *key);
    return client.Post("/CreateVOIPMigrationWorkOrder", headers, body, "application/json");
  }

  struct Reply {
    int status = 0;  // 0: no answer
    std::string body;
  };
  Reply PostReply(const std::string& body, const std::string& key) {
    auto result = Post(body, key);
    return result ? Reply{result->status, result->body} : Reply{};
  }

  static std::string FirstDetail(const httplib::Result& result) {
    const json answer = json::parse(result->body)["CreateVOIPMigrationWorkOrder"];
    return answer.contains("failure") ? answer["failure"]["fault"][0]["detail"]
                                      : answer["success"]["fault"][0]["detail"];
  }
};

// Same key, same request: the first answer is replayed byte for byte and no backend is called again.
TEST_F(IdempotencyTest, SameKeySameRequestReplays) {
  auto first = Post(JsonBody("447874384949"), "key-1");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  auto second = Post(JsonBody("447874384949"), "key-1");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(second->body, first->body);
  EXPECT_EQ(second->get_header_value("Idempotent-Replayed"), "true");
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 1u);
  EXPECT_EQ(simulators_->MidasUpdates().size(), 1u);
}

// A failure answer is replayed too: a 422 stays a 422 without asking the work-order system again.
TEST_F(IdempotencyTest, FailureAnswerIsReplayed) {
  const std::string body = JsonBody(std::string(sim::kWorkOrderBusinessFaultNumber));
  EXPECT_EQ(Post(body, "key-2")->status, 422);
  auto again = Post(body, "key-2");
  EXPECT_EQ(again->status, 422);
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 1u);
}

// Same key, another request: 422 with a BUSINESS fault, and no backend call.
TEST_F(IdempotencyTest, SameKeyOtherRequestIs422) {
  ASSERT_EQ(Post(JsonBody("447874384949"), "key-3")->status, 200);
  auto other = Post(JsonBody("447874384949", "987654321"), "key-3");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 422);
  EXPECT_EQ(FirstDetail(other),
            "This Idempotency-Key was already used with a different request; use a new key for a new request");
  EXPECT_EQ(json::parse(other->body)["CreateVOIPMigrationWorkOrder"]["failure"]["fault"][0]["code"], "10685");
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 1u);
}

// Same key while the first request is still running: 409, and no second create.
TEST_F(IdempotencyTest, SameKeyWhileRunningIs409) {
  const std::string body = JsonBody(std::string(sim::kWorkOrderSlowNumber));
  Reply first;
  std::thread slow([&] { first = PostReply(body, "key-4"); });
  for (int i = 0; i < 200 && simulators_->WorkOrderRequests().empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  auto second = Post(body, "key-4");
  slow.join();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 409);
  EXPECT_EQ(FirstDetail(second),
            "A request with this Idempotency-Key is still being processed; retry later to get its answer");
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 1u);
}

constexpr const char* kKeyRule =
    "Idempotency-Key must be 1 to 255 characters, each a visible ASCII character (letters, digits and "
    "punctuation: no spaces, control characters or non-ASCII)";

// A key over 255 characters is refused with 400 and calls no backend; 255 is accepted.
// (An empty header value never reaches the adapter: cpp-httplib drops it; the gate's own test covers "".)
TEST_F(IdempotencyTest, OverlongKeyIs400) {
  auto long_key = Post(JsonBody("447874384949"), std::string(256, 'k'));
  ASSERT_TRUE(long_key);
  EXPECT_EQ(long_key->status, 400);
  EXPECT_EQ(FirstDetail(long_key), kKeyRule);
  EXPECT_TRUE(simulators_->WorkOrderRequests().empty());
  EXPECT_EQ(Post(JsonBody("447874384949"), std::string(255, 'k'))->status, 200);
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 1u);
}

// A key with a non-ASCII character (UTF-8 "clé-1", 5 characters) is refused with 400 and calls no backend.
TEST_F(IdempotencyTest, NonAsciiKeyIs400) {
  auto result = Post(JsonBody("447874384949"), std::string("cl\xC3\xA9-1"));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 400);
  EXPECT_EQ(FirstDetail(result), kKeyRule);
  EXPECT_TRUE(simulators_->WorkOrderRequests().empty());
  EXPECT_TRUE(simulators_->MidasUpdates().empty());
}

// Without a key, two identical requests create two work orders (behaviour unchanged).
TEST_F(IdempotencyTest, WithoutKeyNothingIsReplayed) {
  EXPECT_EQ(Post(JsonBody("447874384949"), std::nullopt)->status, 200);
  EXPECT_EQ(Post(JsonBody("447874384949"), std::nullopt)->status, 200);
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 2u);
}

// 50 parallel requests with one key create exactly one work order; every other answer is 409 or the replay.
TEST_F(IdempotencyTest, FiftyParallelRequestsCreateOneWorkOrder) {
  const std::string body = JsonBody("447874384949");
  std::vector<std::thread> threads;
  std::vector<Reply> results(50);
  std::atomic<bool> go{false};
  for (int i = 0; i < 50; ++i) {
    threads.emplace_back([&, i] {
      while (!go) std::this_thread::yield();
      results[i] = PostReply(body, "one-key");
    });
  }
  go = true;
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(simulators_->WorkOrderRequests().size(), 1u);
  const std::string order = simulators_->WorkOrderRequests().at(0).order_number;
  int successes = 0;
  for (const Reply& reply : results) {
    if (reply.status == 200) {
      ++successes;
      EXPECT_EQ(json::parse(reply.body)["CreateVOIPMigrationWorkOrder"]["success"]["orderNumber"], order);
    } else {
      EXPECT_EQ(reply.status, 409);
    }
  }
  EXPECT_GE(successes, 1);
}

}  // namespace
}  // namespace voip
