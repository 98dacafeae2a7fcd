#include "http/load_shedding.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

namespace voip {
namespace {

// At most `max` slots at once; a released slot can be taken again.
TEST(InFlightLimitTest, RefusesBeyondTheMaximum) {
  InFlightLimit limit(2);
  {
    const InFlightLimit::Slot first = limit.TryEnter();
    const InFlightLimit::Slot second = limit.TryEnter();
    EXPECT_TRUE(first);
    EXPECT_TRUE(second);
    EXPECT_FALSE(limit.TryEnter());
  }
  EXPECT_TRUE(limit.TryEnter());
}

// 0 means no limit.
TEST(InFlightLimitTest, ZeroIsUnlimited) {
  InFlightLimit limit(0);
  std::vector<std::unique_ptr<InFlightLimit::Slot>> held;
  for (int i = 0; i < 1000; ++i) {
    held.push_back(std::make_unique<InFlightLimit::Slot>(limit.TryEnter()));
    ASSERT_TRUE(*held.back());
  }
}

// One worker busy, one connection waiting: the next one goes to a shedding thread, which says so.
TEST(BoundedTaskQueueTest, ShedsBeyondTheQueue) {
  BoundedTaskQueue queue(/*workers=*/1, /*max_queued=*/1);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<bool> first_shed, second_shed, third_shed;
  std::atomic<bool> first_started{false};
  queue.enqueue([&] {
    first_started = true;
    first_shed.set_value(BoundedTaskQueue::ServingShedConnection());
    released.wait();
  });
  // The worker holds the first job (polled for 5 s at most).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!first_started && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  ASSERT_TRUE(first_started) << "the worker never started the first job";
  queue.enqueue([&] { second_shed.set_value(BoundedTaskQueue::ServingShedConnection()); });
  queue.enqueue([&] { third_shed.set_value(BoundedTaskQueue::ServingShedConnection()); });
  // The third runs at once on a shedding thread while the worker is still held.
  auto third = third_shed.get_future();
  ASSERT_EQ(third.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_TRUE(third.get());
  release.set_value();
  auto second = second_shed.get_future();
  ASSERT_EQ(second.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_FALSE(second.get());
  EXPECT_FALSE(first_shed.get_future().get());
  queue.shutdown();
}

// Shutdown runs what is queued, then joins.
TEST(BoundedTaskQueueTest, ShutdownRunsWhatIsQueued) {
  std::atomic<int> ran{0};
  BoundedTaskQueue queue(2, 100);
  for (int i = 0; i < 50; ++i) queue.enqueue([&] { ++ran; });
  queue.shutdown();
  EXPECT_EQ(ran.load(), 50);
}

}  // namespace
}  // namespace voip
