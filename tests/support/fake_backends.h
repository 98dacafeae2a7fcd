// Strict fakes of the two backend interfaces: scripted answers, recorded calls.
#pragma once

#include <deque>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "adapter/backends.h"

namespace voip::testing {

class FakeWorkOrderSystem : public WorkOrderSystem {
 public:
  // Queues the next answer. A call with nothing queued fails the test by throwing.
  void WillAnswer(BackendResult<WorkOrderCreated> answer) {
    std::lock_guard<std::mutex> lock(mutex_);
    answers_.push_back(std::move(answer));
  }
  BackendResult<WorkOrderCreated> CreateMigrationWorkOrder(const WorkOrderRequest& request,
                                                           const CallContext& context) override {
    std::lock_guard<std::mutex> lock(mutex_);
    requests_.push_back(request);
    contexts_.push_back(context);
    if (answers_.empty()) throw std::logic_error("unexpected call to CreateMigrationWorkOrder");
    auto answer = std::move(answers_.front());
    answers_.pop_front();
    return answer;
  }
  std::vector<WorkOrderRequest> requests() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }
  std::vector<CallContext> contexts() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return contexts_;
  }

 private:
  mutable std::mutex mutex_;
  std::deque<BackendResult<WorkOrderCreated>> answers_;
  std::vector<WorkOrderRequest> requests_;
  std::vector<CallContext> contexts_;
};

class FakeMidas : public Midas {
 public:
  void WillAnswer(BackendResult<MidasAcknowledged> answer) {
    std::lock_guard<std::mutex> lock(mutex_);
    answers_.push_back(std::move(answer));
  }
  BackendResult<MidasAcknowledged> UpdateCustomerMigrationStatus(const MigrationStatusUpdate& update,
                                                                 const CallContext& context) override {
    std::lock_guard<std::mutex> lock(mutex_);
    updates_.push_back(update);
    contexts_.push_back(context);
    if (answers_.empty()) throw std::logic_error("unexpected call to UpdateCustomerMigrationStatus");
    auto answer = std::move(answers_.front());
    answers_.pop_front();
    return answer;
  }
  std::vector<MigrationStatusUpdate> updates() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return updates_;
  }
  std::vector<CallContext> contexts() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return contexts_;
  }

 private:
  mutable std::mutex mutex_;
  std::deque<BackendResult<MidasAcknowledged>> answers_;
  std::vector<MigrationStatusUpdate> updates_;
  std::vector<CallContext> contexts_;
};

inline BackendError ErrorOf(BackendErrorKind kind, std::string code = {}, std::string message = {},
                            int http_status = 0) {
  BackendError error;
  error.kind = kind;
  error.backend_code = std::move(code);
  error.backend_message = std::move(message);
  error.http_status = http_status;
  return error;
}

}  // namespace voip::testing
