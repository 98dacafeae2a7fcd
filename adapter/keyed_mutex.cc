#include "adapter/keyed_mutex.h"

#include <utility>

namespace voip {

KeyedMutex::Hold::~Hold() {
  if (owner_ != nullptr) owner_->Unlock(key_);
}

KeyedMutex::Hold KeyedMutex::Lock(const std::string& key) {
  std::unique_lock<std::mutex> lock(mutex_);
  std::unique_ptr<Turn>& slot = turns_[key];
  if (!slot) slot = std::make_unique<Turn>();
  Turn& turn = *slot;  // stable: erased only when no one uses it, and we do
  ++turn.users;
  turn.released.wait(lock, [&turn] { return !turn.held; });
  turn.held = true;
  return Hold(this, key);
}

void KeyedMutex::Unlock(const std::string& key) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = turns_.find(key);
  if (found == turns_.end()) return;
  Turn& turn = *found->second;
  turn.held = false;
  if (--turn.users == 0) {
    turns_.erase(found);
    return;
  }
  turn.released.notify_one();
}

std::size_t KeyedMutex::KeysInUse() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return turns_.size();
}

int KeyedMutex::Users(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto found = turns_.find(key);
  return found == turns_.end() ? 0 : found->second->users;
}

}  // namespace voip
