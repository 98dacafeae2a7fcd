#include "http/idempotency_gate.h"

#include "http/json_face.h"
#include "http/soap_face.h"
#include "http/status.h"
#include "platform/secret.h"

namespace voip {
namespace {

IdempotencyGate::Decision Refuse(FailureClass failure_class, Fault fault) {
  IdempotencyGate::Decision decision;
  decision.refusal = RejectedOutcome(failure_class, {std::move(fault)});
  return decision;
}

constexpr const char* kKeyRule =
    "Idempotency-Key must be 1 to 255 characters, each a visible ASCII character (letters, digits and "
    "punctuation: no spaces, control characters or non-ASCII)";

// 1 to kMaxIdempotencyKeyLength bytes, each visible ASCII (0x21 to 0x7E), so
// that bytes and characters are the same count. An HTTP field value is ASCII
// (RFC 9110 section 5.5: other bytes are opaque, in no declared charset), so a
// key with anything else could not be written the same way on the JSON face's
// header and in the SOAP face's spm:IdempotencyKey, which share one key space.
bool IsValidKey(std::string_view key) {
  if (key.empty() || key.size() > kMaxIdempotencyKeyLength) return false;
  for (const unsigned char c : key) {
    if (c < 0x21 || c > 0x7E) return false;
  }
  return true;
}

constexpr std::string_view kSoap11Mark = "soap11:";
constexpr std::string_view kSoap12Mark = "soap12:";

// JSON fingerprints carry no mark (as before there was a SOAP face).
std::string FingerprintOf(std::string_view request, AnswerFormat format) {
  std::string digest = Sha256Hex(Sha256(request));
  switch (format) {
    case AnswerFormat::kSoap11: return std::string(kSoap11Mark) + digest;
    case AnswerFormat::kSoap12: return std::string(kSoap12Mark) + digest;
    case AnswerFormat::kJson: break;
  }
  return digest;
}

}  // namespace

AnswerFormat AnswerFormatOf(const std::string& fingerprint) {
  if (fingerprint.rfind(kSoap11Mark, 0) == 0) return AnswerFormat::kSoap11;
  if (fingerprint.rfind(kSoap12Mark, 0) == 0) return AnswerFormat::kSoap12;
  return AnswerFormat::kJson;
}

IdempotencyGate::Decision IdempotencyGate::Begin(const std::string& key, std::string_view request,
                                                 AnswerFormat format) {
  if (!IsValidKey(key)) return Refuse(FailureClass::kInvalidRequest, BusinessFault(kKeyRule));
  if (store_ == nullptr) {
    Decision decision;
    decision.refusal = StoreUnavailableOutcome();
    return decision;
  }
  StoreResult<Claim> claimed = store_->ClaimKey(key, FingerprintOf(request, format));
  if (std::holds_alternative<StoreError>(claimed)) {
    Decision decision;
    decision.refusal = StoreUnavailableOutcome();
    decision.refusal->store_error = std::get<StoreError>(claimed).message;
    return decision;
  }
  const Claim& claim = std::get<Claim>(claimed);
  switch (claim.result) {
    case ClaimResult::kClaimed: {
      Decision decision;
      decision.run = true;
      return decision;
    }
    case ClaimResult::kReplay: {
      Decision decision;
      decision.replay = claim.answer;
      return decision;
    }
    case ClaimResult::kMismatch:
      return Refuse(FailureClass::kIdempotencyKeyReused,
                    BusinessFault("This Idempotency-Key was already used with a different request; use a new key "
                                  "for a new request"));
    case ClaimResult::kInFlight: break;
  }
  return Refuse(FailureClass::kIdempotencyKeyInFlight,
                BusinessFault("A request with this Idempotency-Key is still being processed; retry later to get "
                              "its answer"));
}

std::optional<std::string> IdempotencyGate::Finish(const std::string& key, const MigrationOutcome& outcome,
                                                   const StoredAnswer& answer) {
  const StoreFailure status = InvitesRetry(outcome) ? store_->Release(key) : store_->Complete(key, answer);
  if (status) return status->message;
  return std::nullopt;
}

MigrationOutcome InterruptedIdempotentOutcome() {
  return RejectedOutcome(FailureClass::kInternal,
                         {SystemFault("The adapter stopped while this request was being processed; whether the work "
                                      "order was created is unknown, check before retrying with a new key")});
}

StoredAnswer InterruptedAnswerFor(const std::string& fingerprint) {
  const MigrationOutcome outcome = InterruptedIdempotentOutcome();
  const AnswerFormat format = AnswerFormatOf(fingerprint);
  if (format == AnswerFormat::kJson) return {HttpStatusFor(outcome.failure_class), RenderJson(outcome)};
  const soap::HttpReply reply =
      RenderSoapOutcome(format == AnswerFormat::kSoap12 ? soap::SoapVersion::k12 : soap::SoapVersion::k11, outcome);
  return {reply.status, reply.body};
}

}  // namespace voip
