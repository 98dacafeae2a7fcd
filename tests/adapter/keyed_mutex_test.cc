#include "adapter/keyed_mutex.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <optional>
#include <thread>

namespace voip {
namespace {

// Polls `done` for up to 5 s; true once it holds.
template <typename Condition>
bool Eventually(Condition done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

// A second Lock on a held key waits, and gets its turn once the first Hold is released.
TEST(KeyedMutexTest, OneKeyTakesTurns) {
  KeyedMutex turns;
  std::optional<KeyedMutex::Hold> first(turns.Lock("customer-a"));
  std::atomic<bool> second_held{false};
  std::thread second([&] {
    const KeyedMutex::Hold hold = turns.Lock("customer-a");
    second_held = true;
  });
  ASSERT_TRUE(Eventually([&] { return turns.Users("customer-a") == 2; }));  // the second is waiting
  EXPECT_FALSE(second_held.load());
  first.reset();
  second.join();
  EXPECT_TRUE(second_held.load());
}

// A Lock on another key is granted while one key is held.
TEST(KeyedMutexTest, OtherKeysDoNotWait) {
  KeyedMutex turns;
  const KeyedMutex::Hold held = turns.Lock("customer-a");
  auto other = std::async(std::launch::async, [&] { const KeyedMutex::Hold hold = turns.Lock("customer-b"); });
  EXPECT_EQ(other.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_EQ(turns.Users("customer-a"), 1);
}

// A key's state is dropped once nobody holds or waits for it; a moved Hold releases once.
TEST(KeyedMutexTest, ReleasedKeysAreForgotten) {
  KeyedMutex turns;
  {
    KeyedMutex::Hold hold = turns.Lock("customer-a");
    const KeyedMutex::Hold moved = std::move(hold);
    EXPECT_EQ(turns.KeysInUse(), 1u);
  }
  EXPECT_EQ(turns.KeysInUse(), 0u);
  EXPECT_EQ(turns.Users("customer-a"), 0);
}

// Many threads on few keys: each key's holders never overlap, and every Lock is granted.
TEST(KeyedMutexTest, ConcurrentHoldersOfOneKeyNeverOverlap) {
  KeyedMutex turns;
  std::atomic<int> inside[2] = {0, 0};
  std::atomic<int> overlaps{0};
  std::atomic<int> granted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const int key = (t + i) % 2;
        const KeyedMutex::Hold hold = turns.Lock(key == 0 ? "a" : "b");
        if (inside[key].fetch_add(1) != 0) ++overlaps;
        std::this_thread::yield();
        inside[key].fetch_sub(1);
        ++granted;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_EQ(granted.load(), 1600);
  EXPECT_EQ(turns.KeysInUse(), 0u);
}

}  // namespace
}  // namespace voip
