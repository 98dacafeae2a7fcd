// A mutex per key, for serialising work per customer identity (the outbox's
// MIDAS deliveries: adapter/outbox.h, DeliveryClaim). Holders of different
// keys never wait for each other; holders of one key take turns. A key's
// state exists only while someone holds or waits for it, so the map stays as
// small as the number of keys in use.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace voip {

class KeyedMutex {
 public:
  // Holds one key's turn until destroyed (or moved from). Must not outlive
  // the KeyedMutex that granted it.
  class [[nodiscard]] Hold {
   public:
    Hold(Hold&& other) noexcept : owner_(other.owner_), key_(std::move(other.key_)) { other.owner_ = nullptr; }
    Hold& operator=(Hold&&) = delete;
    Hold(const Hold&) = delete;
    Hold& operator=(const Hold&) = delete;
    ~Hold();

   private:
    friend class KeyedMutex;
    Hold(KeyedMutex* owner, std::string key) : owner_(owner), key_(std::move(key)) {}
    KeyedMutex* owner_;
    std::string key_;
  };

  // Blocks until no other Hold on `key` exists, then returns this caller's.
  // Not reentrant: a thread that holds `key` and asks again waits forever.
  // Thread-safe.
  Hold Lock(const std::string& key);

  // Keys held or waited for now (tests: the map does not grow).
  std::size_t KeysInUse() const;
  // The holder and the waiters of `key` now (tests: someone is waiting).
  int Users(const std::string& key) const;

 private:
  struct Turn {
    bool held = false;
    int users = 0;  // the holder and the waiters
    std::condition_variable released;
  };
  void Unlock(const std::string& key);

  mutable std::mutex mutex_;  // guards turns_; held only briefly, never across a holder's work
  std::unordered_map<std::string, std::unique_ptr<Turn>> turns_;
};

}  // namespace voip
