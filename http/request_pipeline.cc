#include "http/request_pipeline.h"

#include <utility>

namespace voip {

BodyRead ReadBodyWithin(std::optional<std::uint64_t> declared_length, std::size_t max_bytes, const BodySource& source,
                        std::string& body) {
  if (declared_length && *declared_length > max_bytes) return BodyRead::kTooLarge;
  bool too_large = false;
  const bool whole = source([&](const char* data, std::size_t length) {
    too_large = body.size() + length > max_bytes;
    if (!too_large) body.append(data, length);
    return !too_large;
  });
  if (too_large) return BodyRead::kTooLarge;
  return whole ? BodyRead::kComplete : BodyRead::kIncomplete;
}

MigrationOutcome UnreadBodyOutcome(BodyRead read, std::size_t max_bytes) {
  if (read == BodyRead::kTooLarge) {
    return RejectedOutcome(FailureClass::kBodyTooLarge,
                           {BusinessFault("The request body is larger than " + std::to_string(max_bytes) + " bytes")});
  }
  return RejectedOutcome(FailureClass::kInvalidRequest, {BusinessFault(kIncompleteBodyDetail)});
}

CoreResult RequestPipeline::Run(const DecodedRequest& request, const CallContext& context) {
  CoreResult result;
  if (request.idempotency_key) {
    IdempotencyGate::Decision decision =
        idempotency_.Begin(*request.idempotency_key, request.fingerprint_text, request.format);
    if (decision.replay) {
      result.outcome.idempotent_replay = true;
      result.replay = std::move(decision.replay);
      return result;
    }
    if (!decision.run) {
      result.outcome = std::move(*decision.refusal);
      return result;
    }
    result.claimed_key = request.idempotency_key;
  }
  result.ran = true;
  if (const auto* undecodable = std::get_if<MigrationOutcome>(&request.request)) {
    result.outcome = *undecodable;
    return result;
  }
  result.outcome = RunCore(std::get<MigrationRequestInput>(request.request), context);
  return result;
}

void RequestPipeline::Finish(CoreResult& result, const StoredAnswer& encoded) {
  if (!result.claimed_key) return;
  if (auto problem = idempotency_.Finish(*result.claimed_key, result.outcome, encoded)) {
    result.outcome.store_error = std::move(problem);
  }
}

MigrationOutcome RequestPipeline::RunCore(const MigrationRequestInput& input, const CallContext& context) {
  std::variant<MigrationRequest, MigrationOutcome> validated = ValidatedOrRejected(input);
  if (auto* rejected = std::get_if<MigrationOutcome>(&validated)) return std::move(*rejected);
  const InFlightLimit::Slot slot = in_flight_.TryEnter();
  if (!slot) {
    metrics_.RecordShed(Metrics::Shed::kRequest);
    return OverloadedOutcome();
  }
  return flow_.Run(std::get<MigrationRequest>(validated), context);
}

}  // namespace voip
