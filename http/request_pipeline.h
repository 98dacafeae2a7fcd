// The stages one request goes through, from either face (docs/architecture.md,
// "One request pipeline"):
//
//   authenticate -> read body within limits -> decode (JSON or SOAP) ->
//   idempotency claim -> validate -> admit (in-flight bound) -> core flow ->
//   encode (JSON or SOAP) -> idempotency finish -> record (log + metrics)
//
// The faces (http/json_face.*, http/soap_face.*) only decode and encode;
// http/server.cc runs the stages in this order and owns nothing else but
// cpp-httplib. Authentication is http/caller_auth.*, recording
// http/request_record.*; the stages in between are here. Idempotency finish
// follows encode because what it keeps is the encoded answer. The work-order
// breaker is consulted by the flow itself (adapter/migration_flow.h), which
// refuses without a call when it is open.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "adapter/idempotency.h"
#include "adapter/metrics.h"
#include "adapter/migration_flow.h"
#include "adapter/migration_request.h"
#include "http/idempotency_gate.h"
#include "http/load_shedding.h"

namespace voip {

// ----- read body within limits ----------------------------------------------

// How reading a request body went.
enum class [[nodiscard]] BodyRead{kComplete, kTooLarge, kIncomplete};

// Hands the body over in pieces to `receive` (which returns false to stop
// reading); returns false when the body did not arrive whole. The shape of
// cpp-httplib's ContentReader, so that any reader (or a test's) fits.
using BodyReceiver = std::function<bool(const char* data, std::size_t length)>;
using BodySource = std::function<bool(const BodyReceiver& receive)>;

// Reads the body into `body` up to `max_bytes`. kTooLarge at once when the
// declared Content-Length is over the limit (nothing is read) or as soon as
// what arrived is (the rest is left unread: the connection must be closed
// after the answer); kIncomplete when it did not arrive whole (the client
// closed or stalled, or the chunks were malformed): nothing may run on part
// of a request.
[[nodiscard]] BodyRead ReadBodyWithin(std::optional<std::uint64_t> declared_length, std::size_t max_bytes,
                                      const BodySource& source, std::string& body);

// What a body that did not arrive whole is told (and logged as `refusal`).
inline constexpr const char* kIncompleteBodyDetail =
    "The request body did not arrive whole as its head framed it (cut short, too late, or malformed chunks)";

// The outcome of a body that was not read whole: kBodyTooLarge or kInvalidRequest.
[[nodiscard]] MigrationOutcome UnreadBodyOutcome(BodyRead read, std::size_t max_bytes);

// ----- from the decoded request to the outcome ------------------------------

// What a face decoded from one request, handed to the shared stages.
struct [[nodiscard]] DecodedRequest {
  // The request's fields, or the outcome of a body the face could not read as
  // a request (JSON that is not an object...): with an Idempotency-Key, that
  // outcome is claimed and kept like any other.
  std::variant<MigrationRequestInput, MigrationOutcome> request;
  std::optional<std::string> idempotency_key;  // as sent, possibly empty or invalid
  std::string fingerprint_text;                // what identifies the request for its key
  AnswerFormat format = AnswerFormat::kJson;   // the form its answer is kept in
};

// What the shared stages made of it.
struct [[nodiscard]] CoreResult {
  // The outcome to encode; for a replay, only a record of it (logs, metrics).
  MigrationOutcome outcome;
  // An idempotent replay: the answer kept for the key, sent byte for byte.
  std::optional<StoredAnswer> replay;
  // The key this request claimed: FinishRequest must follow the encoding.
  std::optional<std::string> claimed_key;
  // The decoded request reached validation (no replay, no refusal of its key):
  // the request log names its (masked) customer.
  bool ran = false;
};

class RequestPipeline {
 public:
  // `flow`, `store` (may be null: a request with a key is then refused, 503)
  // and `metrics` must outlive the pipeline. At most `max_in_flight` requests
  // run the flow at once. Thread-safe.
  RequestPipeline(const MigrationFlow& flow, IdempotencyStore* store, int max_in_flight, Metrics& metrics)
      : flow_(flow), idempotency_(store), in_flight_(max_in_flight), metrics_(metrics) {}

  // Idempotency claim (when the request carries a key) -> validate -> admit
  // -> the core flow. A replay or a refusal of the key runs nothing.
  [[nodiscard]] CoreResult Run(const DecodedRequest& request, const CallContext& context);

  // Idempotency finish, once `encoded` is the answer sent for a request whose
  // key was claimed: keeps it, or releases the key when the outcome did
  // nothing and invites a retry (InvitesRetry). A store failure is noted in
  // result.outcome.store_error. Does nothing when no key was claimed.
  void Finish(CoreResult& result, const StoredAnswer& encoded);

  // Validate -> admit (max-in-flight; shed with 503 beyond it) -> the flow.
  // Invalid input gets its 400 even when the adapter is full.
  [[nodiscard]] MigrationOutcome RunCore(const MigrationRequestInput& input, const CallContext& context);

 private:
  const MigrationFlow& flow_;
  IdempotencyGate idempotency_;
  InFlightLimit in_flight_;
  Metrics& metrics_;
};

}  // namespace voip
