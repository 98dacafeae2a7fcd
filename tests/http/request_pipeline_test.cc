#include "http/request_pipeline.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>

#include "tests/support/fake_backends.h"
#include "tests/support/fake_outbox.h"
#include "tests/support/sample_input.h"

namespace voip {
namespace {

using testing::FakeMidas;
using testing::FakeOutbox;
using testing::FakeWorkOrderSystem;
using testing::SampleRequestInput;

// ----- read body within limits ----------------------------------------------

// A source that hands over `pieces` one by one, then reports `whole`.
BodySource PiecesThen(std::vector<std::string> pieces, bool whole, int* offered = nullptr) {
  return [pieces = std::move(pieces), whole, offered](const BodyReceiver& receive) {
    for (const std::string& piece : pieces) {
      if (offered != nullptr) ++*offered;
      if (!receive(piece.data(), piece.size())) return false;
    }
    return whole;
  };
}

// A body that arrives whole within the limit is read, every piece of it.
TEST(ReadBodyWithinTest, ReadsAWholeBodyWithinTheLimit) {
  std::string body;
  EXPECT_EQ(ReadBodyWithin(9, 9, PiecesThen({"abc", "def", "ghi"}, true), body), BodyRead::kComplete);
  EXPECT_EQ(body, "abcdefghi");
}

// A declared Content-Length over the limit is refused before a byte is read.
TEST(ReadBodyWithinTest, DeclaredLengthOverTheLimitReadsNothing) {
  std::string body;
  int offered = 0;
  EXPECT_EQ(ReadBodyWithin(11, 10, PiecesThen({"abc"}, true, &offered), body), BodyRead::kTooLarge);
  EXPECT_EQ(offered, 0);
  EXPECT_TRUE(body.empty());
}

// Without a length (chunked), reading stops at the first piece that crosses the limit.
TEST(ReadBodyWithinTest, StopsAtThePieceThatCrossesTheLimit) {
  std::string body;
  int offered = 0;
  EXPECT_EQ(ReadBodyWithin(std::nullopt, 5, PiecesThen({"abc", "def", "ghi"}, true, &offered), body),
            BodyRead::kTooLarge);
  EXPECT_EQ(offered, 2);
  EXPECT_EQ(body, "abc");
}

// A body that did not arrive whole is incomplete, whatever part of it was read.
TEST(ReadBodyWithinTest, ABodyCutShortIsIncomplete) {
  std::string body;
  EXPECT_EQ(ReadBodyWithin(10, 10, PiecesThen({"abc"}, false), body), BodyRead::kIncomplete);
}

// A body too large is a BUSINESS 10685 naming the limit (413); one cut short names the cut (400).
TEST(UnreadBodyOutcomeTest, SaysWhyTheBodyWasNotRead) {
  const MigrationOutcome too_large = UnreadBodyOutcome(BodyRead::kTooLarge, 1024);
  EXPECT_EQ(too_large.failure_class, FailureClass::kBodyTooLarge);
  EXPECT_EQ(too_large.faults.at(0), BusinessFault("The request body is larger than 1024 bytes"));
  const MigrationOutcome cut = UnreadBodyOutcome(BodyRead::kIncomplete, 1024);
  EXPECT_EQ(cut.failure_class, FailureClass::kInvalidRequest);
  EXPECT_EQ(cut.faults.at(0), BusinessFault(kIncompleteBodyDetail));
}

// ----- claim, validate, admit, flow, finish ----------------------------------

// A scripted store: answers ClaimKey with `next`, records what was kept or released.
class ScriptedStore : public IdempotencyStore {
 public:
  StoreResult<Claim> ClaimKey(const std::string& key, const std::string&) override {
    claimed.push_back(key);
    return next;
  }
  StoreFailure Complete(const std::string& key, const StoredAnswer& answer) override {
    completed[key] = answer;
    return fail_writes ? StoreFailure(StoreError{"disk full"}) : std::nullopt;
  }
  StoreFailure Release(const std::string& key) override {
    released.push_back(key);
    return std::nullopt;
  }
  Claim next{ClaimResult::kClaimed, {}};
  bool fail_writes = false;
  std::vector<std::string> claimed;
  std::map<std::string, StoredAnswer> completed;
  std::vector<std::string> released;
};

// A work-order system that runs `during_call` while its call is in progress.
class ReentrantWorkOrder : public FakeWorkOrderSystem {
 public:
  BackendResult<WorkOrderCreated> CreateMigrationWorkOrder(const WorkOrderRequest& request,
                                                           const CallContext& context) override {
    if (during_call) during_call();
    return FakeWorkOrderSystem::CreateMigrationWorkOrder(request, context);
  }
  std::function<void()> during_call;
};

class RequestPipelineTest : public ::testing::Test {
 protected:
  DecodedRequest Decoded(std::optional<std::string> key = std::nullopt) const {
    return DecodedRequest{SampleRequestInput(), std::move(key), "{\"the\":\"body\"}", AnswerFormat::kJson};
  }
  void WorkOrderSucceeds() {
    work_order_.WillAnswer(WorkOrderCreated{"WO1"});
    midas_.WillAnswer(MidasAcknowledged{"U1"});
  }

  ReentrantWorkOrder work_order_;
  FakeMidas midas_;
  FakeOutbox outbox_;
  ScriptedStore store_;
  Metrics metrics_;
  MigrationFlow flow_{work_order_, midas_, outbox_};
  RequestPipeline pipeline_{flow_, &store_, /*max_in_flight=*/1, metrics_};
  CallContext context_{"corr-1"};
};

// Without a key, a valid request runs the flow: order number, one create, one MIDAS update, no claim.
TEST_F(RequestPipelineTest, RequestWithoutKeyRunsTheFlow) {
  WorkOrderSucceeds();
  CoreResult result = pipeline_.Run(Decoded(), context_);
  EXPECT_EQ(result.outcome.order_number, "WO1");
  EXPECT_TRUE(result.ran);
  EXPECT_FALSE(result.claimed_key.has_value());
  EXPECT_EQ(work_order_.requests().size(), 1u);
  EXPECT_EQ(midas_.updates().size(), 1u);
  EXPECT_TRUE(store_.claimed.empty());
}

// Invalid input is rejected once, with every fault, before admission: nothing journalled, no backend called.
TEST_F(RequestPipelineTest, InvalidInputIsRejectedWithoutABackendCall) {
  const MigrationOutcome outcome = pipeline_.RunCore(MigrationRequestInput{}, context_);
  EXPECT_EQ(outcome.failure_class, FailureClass::kInvalidRequest);
  EXPECT_EQ(outcome.faults.size(), 3u);
  EXPECT_TRUE(outbox_.calls().empty());
  EXPECT_TRUE(work_order_.requests().empty());
}

// Beyond max-in-flight a valid request is shed (503, Retry-After 1 s, counted) without a backend call.
TEST_F(RequestPipelineTest, RequestBeyondTheInFlightBoundIsShed) {
  WorkOrderSucceeds();
  MigrationOutcome nested;
  work_order_.during_call = [&] { nested = pipeline_.RunCore(SampleRequestInput(), context_); };
  const MigrationOutcome first = pipeline_.RunCore(SampleRequestInput(), context_);
  EXPECT_EQ(first.order_number, "WO1");
  EXPECT_EQ(nested.failure_class, FailureClass::kOverloaded);
  EXPECT_EQ(nested.retry_after, std::chrono::milliseconds(1000));
  EXPECT_EQ(work_order_.requests().size(), 1u);
  EXPECT_NE(metrics_.RenderPrometheus().find("voip_load_shed_total{level=\"request\"} 1\n"), std::string::npos);
}

// Invalid input still gets its 400 while the in-flight bound is reached.
TEST_F(RequestPipelineTest, InvalidInputGets400EvenWhenFull) {
  WorkOrderSucceeds();
  MigrationOutcome nested;
  work_order_.during_call = [&] { nested = pipeline_.RunCore(MigrationRequestInput{}, context_); };
  (void)pipeline_.RunCore(SampleRequestInput(), context_);
  EXPECT_EQ(nested.failure_class, FailureClass::kInvalidRequest);
}

// A claimed key runs the flow, and Finish keeps the encoded answer under it.
TEST_F(RequestPipelineTest, ClaimedKeyKeepsTheEncodedAnswer) {
  WorkOrderSucceeds();
  CoreResult result = pipeline_.Run(Decoded("k1"), context_);
  EXPECT_EQ(result.claimed_key, "k1");
  pipeline_.Finish(result, {200, "encoded"});
  EXPECT_EQ(store_.completed.at("k1").body, "encoded");
  EXPECT_TRUE(store_.released.empty());
  EXPECT_EQ(work_order_.requests().size(), 1u);
}

// A body that could not be decoded is claimed under its key and its 400 kept, with no backend call.
TEST_F(RequestPipelineTest, UndecodableBodyWithKeyIsClaimedAndKept) {
  DecodedRequest decoded = Decoded("k1");
  decoded.request = RejectedOutcome(FailureClass::kInvalidRequest, {BusinessFault("not JSON")});
  CoreResult result = pipeline_.Run(decoded, context_);
  EXPECT_EQ(result.outcome.faults.at(0), BusinessFault("not JSON"));
  pipeline_.Finish(result, {400, "kept"});
  EXPECT_EQ(store_.completed.at("k1").http_status, 400);
  EXPECT_TRUE(outbox_.calls().empty());
}

// A replay hands back the kept answer and runs nothing.
TEST_F(RequestPipelineTest, ReplayRunsNothing) {
  store_.next = Claim{ClaimResult::kReplay, StoredAnswer{201, "first answer"}};
  CoreResult result = pipeline_.Run(Decoded("k1"), context_);
  ASSERT_TRUE(result.replay.has_value());
  EXPECT_EQ(result.replay->body, "first answer");
  EXPECT_TRUE(result.outcome.idempotent_replay);
  EXPECT_FALSE(result.ran);
  EXPECT_FALSE(result.claimed_key.has_value());
  EXPECT_TRUE(outbox_.calls().empty());
}

// A key still in flight is refused with 409's class, runs nothing and claims nothing to finish.
TEST_F(RequestPipelineTest, KeyInFlightIsRefused) {
  store_.next = Claim{ClaimResult::kInFlight, {}};
  CoreResult result = pipeline_.Run(Decoded("k1"), context_);
  EXPECT_EQ(result.outcome.failure_class, FailureClass::kIdempotencyKeyInFlight);
  EXPECT_FALSE(result.ran);
  pipeline_.Finish(result, {409, "refusal"});
  EXPECT_TRUE(store_.completed.empty());
  EXPECT_TRUE(store_.released.empty());
}

// An outcome that did nothing and invites a retry (the journal failed: 503) releases its key.
TEST_F(RequestPipelineTest, OutcomeInvitingARetryReleasesTheKey) {
  outbox_.FailJournal();
  CoreResult result = pipeline_.Run(Decoded("k1"), context_);
  EXPECT_EQ(result.outcome.failure_class, FailureClass::kStoreUnavailable);
  pipeline_.Finish(result, {503, "retry"});
  EXPECT_EQ(store_.released, std::vector<std::string>{"k1"});
  EXPECT_TRUE(store_.completed.empty());
}

// When the answer cannot be kept, the outcome carries the store's error for the log.
TEST_F(RequestPipelineTest, FinishNotesAStoreFailure) {
  WorkOrderSucceeds();
  store_.fail_writes = true;
  CoreResult result = pipeline_.Run(Decoded("k1"), context_);
  pipeline_.Finish(result, {200, "encoded"});
  EXPECT_EQ(result.outcome.store_error, "disk full");
}

}  // namespace
}  // namespace voip
