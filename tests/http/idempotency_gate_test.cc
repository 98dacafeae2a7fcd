#include "http/idempotency_gate.h"

#include <gtest/gtest.h>

#include <map>

namespace voip {
namespace {

// A scripted store: answers ClaimKey with `next`, records what was kept or released.
class ScriptedStore : public IdempotencyStore {
 public:
  StoreResult<Claim> ClaimKey(const std::string& key, const std::string& fingerprint) override {
    claimed_key = key;
    claimed_fingerprint = fingerprint;
    if (fail) return StoreError{"disk full"};
    return next;
  }
  StoreFailure Complete(const std::string& key, const StoredAnswer& answer) override {
    completed[key] = answer;
    return std::nullopt;
  }
  StoreFailure Release(const std::string& key) override {
    released.push_back(key);
    return std::nullopt;
  }
  Claim next;
  bool fail = false;
  std::string claimed_key, claimed_fingerprint;
  std::map<std::string, StoredAnswer> completed;
  std::vector<std::string> released;
};

class IdempotencyGateTest : public ::testing::Test {
 protected:
  ScriptedStore store_;
  IdempotencyGate gate_{&store_};
};

// A SOAP request's fingerprint is marked with its SOAP version; a JSON one is the bare SHA-256.
TEST_F(IdempotencyGateTest, SoapFingerprintsAreMarkedWithTheirVersion) {
  gate_.Begin("k", "abc", AnswerFormat::kSoap12);
  EXPECT_EQ(store_.claimed_fingerprint, "soap12:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(AnswerFormatOf(store_.claimed_fingerprint), AnswerFormat::kSoap12);
  gate_.Begin("k", "abc", AnswerFormat::kSoap11);
  EXPECT_EQ(AnswerFormatOf(store_.claimed_fingerprint), AnswerFormat::kSoap11);
  gate_.Begin("k", "abc");
  EXPECT_EQ(AnswerFormatOf(store_.claimed_fingerprint), AnswerFormat::kJson);
}

// A key cut short by a crash is answered in its face's form: JSON 500, or a SOAP failure envelope.
TEST(InterruptedAnswerTest, AnswersInTheFormOfTheFingerprint) {
  const StoredAnswer json = InterruptedAnswerFor("ba7816bf");
  EXPECT_EQ(json.http_status, 500);
  EXPECT_EQ(json.body.rfind("{\"CreateVOIPMigrationWorkOrder\":{\"failure\"", 0), 0u) << json.body;
  const StoredAnswer soap12 = InterruptedAnswerFor("soap12:ba7816bf");
  EXPECT_EQ(soap12.http_status, 200);
  EXPECT_NE(soap12.body.find("http://www.w3.org/2003/05/soap-envelope"), std::string::npos) << soap12.body;
  EXPECT_NE(soap12.body.find("The adapter stopped while this request was being processed"), std::string::npos);
  EXPECT_NE(soap12.body.find(":failure>"), std::string::npos);
  const StoredAnswer soap11 = InterruptedAnswerFor("soap11:ba7816bf");
  EXPECT_NE(soap11.body.find("http://schemas.xmlsoap.org/soap/envelope/"), std::string::npos) << soap11.body;
}

constexpr const char* kKeyRule =
    "Idempotency-Key must be 1 to 255 characters, each a visible ASCII character (letters, digits and "
    "punctuation: no spaces, control characters or non-ASCII)";

// An empty key is a 400 BUSINESS fault and the store is not asked.
TEST_F(IdempotencyGateTest, EmptyKeyIsInvalid) {
  const auto decision = gate_.Begin("", "{}");
  ASSERT_TRUE(decision.refusal.has_value());
  EXPECT_EQ(decision.refusal->failure_class, FailureClass::kInvalidRequest);
  EXPECT_EQ(decision.refusal->faults.at(0), BusinessFault(kKeyRule));
  EXPECT_TRUE(store_.claimed_key.empty());
}

// 255 visible ASCII characters, every one of them (0x21 to 0x7E) allowed, are a key; 256 are not.
TEST_F(IdempotencyGateTest, LengthIsCountedInCharactersOfVisibleAscii) {
  std::string every_visible;
  for (char c = 0x21; c <= 0x7E; ++c) every_visible += c;
  const std::string longest = every_visible + every_visible + std::string(255 - 2 * every_visible.size(), 'k');
  EXPECT_TRUE(gate_.Begin(longest, "{}").run);
  EXPECT_EQ(store_.claimed_key, longest);
  const auto decision = gate_.Begin(longest + "k", "{}");
  ASSERT_TRUE(decision.refusal.has_value());
  EXPECT_EQ(decision.refusal->faults.at(0), BusinessFault(kKeyRule));
}

// A key with a byte outside visible ASCII (space, tab, NUL, DEL, UTF-8, Latin-1) is refused, store not asked.
TEST_F(IdempotencyGateTest, KeyOutsideVisibleAsciiIsInvalid) {
  for (const std::string& key : {std::string("a b"), std::string("a\tb"), std::string("a\0b", 3), std::string("a\x7f"),
                                 std::string("cl\xC3\xA9"), std::string("cl\xE9")}) {
    const auto decision = gate_.Begin(key, "{}");
    ASSERT_TRUE(decision.refusal.has_value()) << key;
    EXPECT_EQ(decision.refusal->failure_class, FailureClass::kInvalidRequest);
    EXPECT_EQ(decision.refusal->faults.at(0), BusinessFault(kKeyRule));
  }
  EXPECT_TRUE(store_.claimed_key.empty());
}

// The fingerprint is the SHA-256 of the body as received.
TEST_F(IdempotencyGateTest, FingerprintIsSha256OfBody) {
  const auto decision = gate_.Begin("k", "abc");
  EXPECT_TRUE(decision.run);
  EXPECT_EQ(store_.claimed_fingerprint, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// A store failure refuses the request as 503 (nothing was sent).
TEST_F(IdempotencyGateTest, StoreFailureIs503) {
  store_.fail = true;
  const auto decision = gate_.Begin("k", "{}");
  ASSERT_TRUE(decision.refusal.has_value());
  EXPECT_EQ(decision.refusal->failure_class, FailureClass::kStoreUnavailable);
  EXPECT_EQ(decision.refusal->store_error, "disk full");
}

// Mismatch and in-flight map to their own classes (422, 409).
TEST_F(IdempotencyGateTest, MismatchAndInFlightAreRefused) {
  store_.next.result = ClaimResult::kMismatch;
  EXPECT_EQ(gate_.Begin("k", "{}").refusal->failure_class, FailureClass::kIdempotencyKeyReused);
  store_.next.result = ClaimResult::kInFlight;
  EXPECT_EQ(gate_.Begin("k", "{}").refusal->failure_class, FailureClass::kIdempotencyKeyInFlight);
}

// A finished answer is kept; an answer that did nothing and invites a retry releases the key.
TEST_F(IdempotencyGateTest, FinishKeepsOrReleases) {
  MigrationOutcome done;
  EXPECT_EQ(gate_.Finish("kept", done, {200, "body"}), std::nullopt);
  EXPECT_EQ(store_.completed.at("kept").body, "body");
  MigrationOutcome unreachable = RejectedOutcome(FailureClass::kBackendUnavailable, {SystemFault("x")});
  EXPECT_EQ(gate_.Finish("released", unreachable, {503, "b"}), std::nullopt);
  EXPECT_EQ(store_.released, std::vector<std::string>{"released"});
  EXPECT_EQ(store_.completed.count("released"), 0u);
}

}  // namespace
}  // namespace voip
