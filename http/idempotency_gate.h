// The Idempotency-Key rules of both faces, around the core: a key of 1 to
// 255 visible ASCII characters (0x21 to 0x7E; anything else is refused, 400);
// the same key and request replay the stored answer (no
// backend call); the same key with another request is refused (422); the same
// key while the first request runs is refused (409). Answers that did nothing
// and invite a retry (503) are not kept, so the retry runs.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "adapter/idempotency.h"
#include "adapter/migration_flow.h"

namespace voip {

// The form a face's answers take; part of a key's fingerprint, so that a key
// used on one face is "another request" on the other, and an answer is only
// ever replayed in the form it was given.
enum class AnswerFormat { kJson, kSoap11, kSoap12 };

// The format a stored fingerprint was made for.
AnswerFormat AnswerFormatOf(const std::string& fingerprint);

class IdempotencyGate {
 public:
  // `store` must outlive the gate; nullptr: no store, and a request with a
  // key is refused (503).
  explicit IdempotencyGate(IdempotencyStore* store) : store_(store) {}

  struct Decision {
    bool run = false;                         // claimed: run the request, then Finish
    std::optional<StoredAnswer> replay;       // send these bytes as they are
    std::optional<MigrationOutcome> refusal;  // answer this (400, 409, 422, 503)
  };

  // Before the request runs. `request` identifies the request: the JSON body
  // as received, or the SOAP face's SoapIdempotencyText (never the envelope's
  // bytes: a UsernameToken makes each retry's differ). Its SHA-256, marked
  // with `format`, is the request's fingerprint.
  Decision Begin(const std::string& key, std::string_view request, AnswerFormat format = AnswerFormat::kJson);

  // After a claimed request ran and `answer` was rendered: stores it, or
  // releases the key when the outcome did nothing and asks for a retry
  // (InvitesRetry, adapter/migration_flow.h).
  // Returns the store's error for logs, if any.
  [[nodiscard]] std::optional<std::string> Finish(const std::string& key, const MigrationOutcome& outcome,
                                                  const StoredAnswer& answer);

 private:
  IdempotencyStore* store_;
};

// The answer kept for keys whose request was cut short by a crash: the
// outcome is unknown (SYSTEM 10686; JSON: 500, SOAP: 200 with `failure`).
MigrationOutcome InterruptedIdempotentOutcome();
// That outcome rendered as the face of `fingerprint` answers.
StoredAnswer InterruptedAnswerFor(const std::string& fingerprint);

}  // namespace voip
