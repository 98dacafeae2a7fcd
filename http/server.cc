#include "http/server.h"

#include <httplib.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <optional>
#include <random>
#include <thread>

#include "adapter/metrics.h"
#include "http/caller_auth.h"
#include "http/idempotency_gate.h"
#include "http/json_face.h"
#include "http/load_shedding.h"
#include "http/request_record.h"
#include "http/server_settings.h"
#include "http/soap_face.h"
#include "http/status.h"
#include "http/wsdl_document.h"

namespace voip {
namespace {

constexpr const char* kJson = "application/json";
constexpr const char* kCorrelationHeader = "X-Correlation-ID";
constexpr const char* kIdempotencyKeyHeader = "Idempotency-Key";
constexpr const char* kSoapPath = "/soap";
constexpr const char* kIncompleteBodyDetail =
    "The request body did not arrive whole as its head framed it (cut short, too late, or malformed chunks)";

// How reading a request body went.
enum class BodyRead { kComplete, kTooLarge, kIncomplete };

bool IsCorrelationChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' || c == ':';
}

std::string NewUuid() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  const std::uint64_t high = (random() & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;
  const std::uint64_t low = (random() & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;
  char text[37];
  std::snprintf(text, sizeof text, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(high >> 32),
                static_cast<unsigned>((high >> 16) & 0xFFFF), static_cast<unsigned>(high & 0xFFFF),
                static_cast<unsigned>(low >> 48), static_cast<unsigned long long>(low & 0xFFFFFFFFFFFFULL));
  return text;
}

std::chrono::microseconds SinceStart(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
}

// The whole value of the first `name` header, every byte of it ("" when
// absent). Request::get_header_value hands it over as a C string, which ends
// at the first NUL: "X-API-Key: KEY\0junk" would read as "KEY". Credentials
// and keys are read with this.
std::string_view WholeHeaderValue(const httplib::Request& req, const char* name) {
  const auto found = req.headers.find(name);
  return found == req.headers.end() ? std::string_view() : std::string_view(found->second);
}

std::optional<std::string> OptionalHeader(const httplib::Request& req, const char* name) {
  if (!req.has_header(name)) return std::nullopt;
  return req.get_header_value(name);
}

// What a caller without a valid API key is told, on either face.
const char* UnauthenticatedDetail(AuthVerdict verdict) {
  return verdict == AuthVerdict::kMissingCredentials
             ? "Authentication required: send an API key as 'Authorization: Bearer KEY' or 'X-API-Key: KEY'"
             : "The API key is not valid";
}

// "?wsdl", in any letter case, as SOAP toolkits ask for it.
bool AsksForWsdl(const httplib::Request& req) {
  for (const auto& [name, value] : req.params) {
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "wsdl") return true;
  }
  return false;
}

}  // namespace

std::string CorrelationIdFor(const std::string& offered) {
  if (offered.empty() || offered.size() > 64) return NewUuid();
  for (char c : offered) {
    if (!IsCorrelationChar(c)) return NewUuid();
  }
  return offered;
}

class AdapterServer::Impl {
 public:
  Impl(const Config& config, const MigrationFlow& flow, Logger& logger, IdempotencyStore* idempotency)
      : config_(config),
        flow_(flow),
        logger_(logger),
        idempotency_(idempotency),
        authenticator_(config.caller_auth),
        listener_(Listener::Make(config_)),
        server_(listener_->server()) {
    metrics_.WatchBreakers(flow.breakers());
    listener_->set_early_answer_renderer([this](const HeadRefusal& refusal) { return RefuseHead(refusal); });
    // A content reader, so that the body limit also holds for chunked bodies
    // (cpp-httplib 0.11.4 applies payload_max_length to Content-Length only).
    server_.Post("/CreateVOIPMigrationWorkOrder",
                 [this](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
                   HandleCreate(req, res, reader);
                 });
    server_.Post(kSoapPath, [this](const httplib::Request& req, httplib::Response& res,
                                   const httplib::ContentReader& reader) { HandleSoap(req, res, reader); });
    server_.Get(kSoapPath, [this](const httplib::Request& req, httplib::Response& res) { HandleWsdl(req, res); });
    server_.Get("/health",
                [](const httplib::Request&, httplib::Response& res) { res.set_content(R"({"status":"UP"})", kJson); });
    server_.Get("/ready", [this](const httplib::Request&, httplib::Response& res) {
      nlohmann::json reasons = nlohmann::json::array();
      for (const ReadinessProbe& probe : probes_) {
        if (auto reason = probe()) reasons.push_back(*reason);
      }
      res.status = reasons.empty() ? 200 : 503;
      res.set_content(reasons.empty() ? nlohmann::json{{"status", "READY"}}.dump()
                                      : nlohmann::json{{"status", "NOT_READY"}, {"reasons", reasons}}.dump(),
                      kJson);
    });
    server_.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(metrics_.RenderPrometheus(), "text/plain; version=0.0.4; charset=utf-8");
    });
    // A connection the task queue had no room for: a minimal 503 before its
    // body is read, and closed; a SOAP Fault on the SOAP face. The operators'
    // endpoints are still served.
    server_.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (!BoundedTaskQueue::ServingShedConnection() || IsOperatorPath(req.path)) {
        return httplib::Server::HandlerResponse::Unhandled;
      }
      metrics_.RecordShed(Metrics::Shed::kConnection);
      res.set_header("Connection", "close");
      const MigrationOutcome overloaded = OverloadedOutcome();
      const std::string correlation_id = CorrelationIdFor(req.get_header_value(kCorrelationHeader));
      if (req.path != kSoapPath) {
        Answer(req, res, overloaded, correlation_id);
      } else {
        SendSoapReply(SoapServerRefusal(req.get_header_value("Content-Type"), HttpStatusFor(overloaded.failure_class),
                                        overloaded.faults.front().detail),
                      correlation_id, res);
        SetRetryAfter(overloaded, res);
      }
      return httplib::Server::HandlerResponse::Handled;
    });
    // Expect: 100-continue with a Content-Length already over the limit: the
    // 413 (rendered by HandleError) instead of an invitation to send the body,
    // which is then never read (the connection is closed after the answer).
    server_.set_expect_100_continue_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (!DeclaredTooLarge(req)) return 100;
      res.status = 413;
      return 413;
    });
    server_.set_error_handler(httplib::Server::HandlerWithResponse(
        [this](const httplib::Request& req, httplib::Response& res) { return HandleError(req, res); }));
    server_.set_exception_handler(
        [this](const httplib::Request& req, httplib::Response& res, const std::exception_ptr&) {
          Answer(req, res, RejectedOutcome(FailureClass::kInternal, {SystemFault("The adapter failed unexpectedly")}),
                 CorrelationIdFor(req.get_header_value(kCorrelationHeader)));
        });
  }

  bool Bind(std::string* error, int* port) {
    if (!listener_->ok()) {
      *error = "cannot set up TLS from tls-cert-file '" + config_.tls_cert_file + "' and tls-key-file '" +
               config_.tls_key_file + "' (unreadable, not PEM, wrong key password, or key and certificate differ)";
      return false;
    }
    *port = listener_->Bind(config_);
    if (*port <= 0) {
      *error = "cannot listen on " + config_.listen_host + ":" + std::to_string(config_.listen_port);
      return false;
    }
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() is a no-op until the accept loop runs: wait for it, so that a
    // Stop() right after Start() cannot be lost.
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return true;
  }

  void Wait() {
    if (thread_.joinable()) thread_.join();
  }
  void AddReadinessProbe(ReadinessProbe probe) { probes_.push_back(std::move(probe)); }
  Metrics& metrics() { return metrics_; }
  void Stop() { server_.stop(); }

 private:
  // Reads the body up to the limit. kTooLarge as soon as it is larger (the
  // rest is left unread: the connection is closed after the answer),
  // kIncomplete when it did not arrive whole (the client closed or stalled,
  // or the chunks were malformed): nothing may run on part of a request.
  [[nodiscard]] BodyRead ReadBody(const httplib::Request& req, const httplib::ContentReader& reader,
                                  std::string& body) const {
    if (DeclaredTooLarge(req)) return BodyRead::kTooLarge;
    bool too_large = false;
    const bool whole = reader([&](const char* data, std::size_t length) {
      too_large = body.size() + length > config_.max_body_bytes;
      if (!too_large) body.append(data, length);
      return !too_large;
    });
    if (too_large) return BodyRead::kTooLarge;
    return whole ? BodyRead::kComplete : BodyRead::kIncomplete;
  }

  // The request's Content-Length is over max-body-bytes (the head was
  // checked: it is plain digits).
  bool DeclaredTooLarge(const httplib::Request& req) const {
    return req.has_header("Content-Length") &&
           std::strtoull(req.get_header_value("Content-Length").c_str(), nullptr, 10) > config_.max_body_bytes;
  }

  // The answer to a request refused at its head (http/request_framing.h),
  // recorded like any other.
  EarlyAnswer RefuseHead(const HeadRefusal& refusal) {
    const std::string correlation_id = NewUuid();
    const MigrationOutcome outcome = RejectedOutcome(FailureClass::kInvalidRequest, {BusinessFault(refusal.reason)});
    RecordFinishedRequest({Face::kJson, &outcome, refusal.status, correlation_id, nullptr, {}, false, refusal.reason},
                          metrics_, logger_);
    return EarlyAnswer{kJson, RenderJson(outcome), {{kCorrelationHeader, correlation_id}}};
  }

  std::string TooLargeDetail() const {
    return "The request body is larger than " + std::to_string(config_.max_body_bytes) + " bytes";
  }

  MigrationOutcome TooLarge() const {
    return RejectedOutcome(FailureClass::kBodyTooLarge, {BusinessFault(TooLargeDetail())});
  }

  static MigrationOutcome Unauthenticated(AuthVerdict verdict) {
    return RejectedOutcome(FailureClass::kUnauthenticated, {BusinessFault(UnauthenticatedDetail(verdict))});
  }

  void HandleCreate(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
    const auto start = std::chrono::steady_clock::now();
    const Metrics::InFlight in_flight(metrics_);
    const CallContext context{CorrelationIdFor(req.get_header_value(kCorrelationHeader)), Deadline(start)};
    MigrationOutcome outcome;
    std::string body;
    std::variant<MigrationRequestInput, Fault> parsed = Fault{};
    std::string_view refusal;
    const AuthVerdict verdict =
        authenticator_.CheckApiKey(WholeHeaderValue(req, "Authorization"), WholeHeaderValue(req, "X-API-Key"));
    if (verdict != AuthVerdict::kAllowed) {
      outcome = Unauthenticated(verdict);
      res.set_header("WWW-Authenticate", ApiKeyChallenge(verdict));
      // The body is not read: the connection is closed after the answer.
    } else if (const BodyRead read = ReadBody(req, reader, body); read != BodyRead::kComplete) {
      if (read == BodyRead::kIncomplete) refusal = kIncompleteBodyDetail;
      outcome = read == BodyRead::kTooLarge
                    ? TooLarge()
                    : RejectedOutcome(FailureClass::kInvalidRequest, {BusinessFault(kIncompleteBodyDetail)});
    } else if (!IsJsonContentType(req.get_header_value("Content-Type"))) {
      outcome =
          RejectedOutcome(FailureClass::kUnsupportedMedia, {BusinessFault("Content-Type must be application/json")});
    } else if (!req.has_header(kIdempotencyKeyHeader)) {
      outcome = Run(body, parsed, context);
    } else {
      const std::string key(WholeHeaderValue(req, kIdempotencyKeyHeader));
      IdempotencyGate::Decision decision = idempotency_.Begin(key, body);
      if (decision.replay) {
        res.status = decision.replay->http_status;
        res.set_header(kCorrelationHeader, context.correlation_id);
        res.set_header("Idempotent-Replayed", "true");
        res.set_content(decision.replay->body, kJson);
        outcome.idempotent_replay = true;
        RecordFinishedRequest({Face::kJson, &outcome, res.status, context.correlation_id, nullptr, SinceStart(start)},
                              metrics_, logger_);
        return;
      }
      outcome = decision.run ? Run(body, parsed, context) : std::move(*decision.refusal);
      if (decision.run) {
        Answer(req, res, outcome, context.correlation_id);
        if (auto problem = idempotency_.Finish(key, outcome, {res.status, res.body})) outcome.store_error = problem;
      }
    }
    if (res.body.empty()) Answer(req, res, outcome, context.correlation_id);
    RecordFinishedRequest({Face::kJson, &outcome, res.status, context.correlation_id,
                           std::get_if<MigrationRequestInput>(&parsed), SinceStart(start), false, refusal},
                          metrics_, logger_);
  }

  MigrationOutcome Run(const std::string& body, std::variant<MigrationRequestInput, Fault>& parsed,
                       const CallContext& context) {
    parsed = ParseJsonRequest(body);
    if (auto* fault = std::get_if<Fault>(&parsed)) return RejectedOutcome(FailureClass::kInvalidRequest, {*fault});
    return RunCore(std::get<MigrationRequestInput>(parsed), context);
  }

  // Validates, then runs the flow if there is room (max-in-flight) and sheds
  // the request otherwise: invalid input still gets its 400.
  MigrationOutcome RunCore(const MigrationRequestInput& input, const CallContext& context) {
    ValidationResult validated = Validate(input);
    if (auto* faults = std::get_if<std::vector<Fault>>(&validated)) {
      return RejectedOutcome(FailureClass::kInvalidRequest, std::move(*faults));
    }
    const InFlightLimit::Slot slot = in_flight_limit_.TryEnter();
    if (!slot) {
      metrics_.RecordShed(Metrics::Shed::kRequest);
      return OverloadedOutcome();
    }
    return flow_.Run(std::get<MigrationRequest>(validated), context);
  }

  // The SOAP face: parse -> the same core -> render, all in http/soap_face.
  void HandleSoap(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
    const auto start = std::chrono::steady_clock::now();
    const Metrics::InFlight in_flight(metrics_);
    const CallContext context{CorrelationIdFor(req.get_header_value(kCorrelationHeader)), Deadline(start)};
    const std::string content_type = req.get_header_value("Content-Type");
    std::string body;
    std::optional<MigrationRequestInput> input;
    SoapAnswer answer;
    // The body is read (bounded) before authenticating: a UsernameToken lives in it.
    SoapAuthResult auth;
    std::string_view refusal;
    if (const BodyRead read = ReadBody(req, reader, body); read != BodyRead::kComplete) {
      if (read == BodyRead::kIncomplete) refusal = kIncompleteBodyDetail;
      answer.reply = read == BodyRead::kTooLarge ? SoapRefusal(content_type, 413, TooLargeDetail())
                                                 : SoapRefusal(content_type, 400, kIncompleteBodyDetail);
    } else if (auth =
                   authenticator_.CheckSoap(WholeHeaderValue(req, "Authorization"), WholeHeaderValue(req, "X-API-Key"),
                                            body, std::chrono::system_clock::now());
               auth.verdict != AuthVerdict::kAllowed) {
      answer.reply = SoapRefusal(content_type, 401, auth.detail);
      res.set_header("WWW-Authenticate", auth.challenge);
      if (auth.token_verdict == TokenVerdict::kNonceCacheFull) metrics_.RecordNonceCacheFull();
    } else {
      const SoapCall call{body, content_type, OptionalHeader(req, "SOAPAction")};
      std::optional<std::string> claimed_key;
      answer = ServeSoap(
          call,
          [&](const SoapOperation& operation) -> CoreAnswer {
            input = operation.input;
            if (!operation.idempotency_key) return {RunCore(*input, context), std::nullopt};
            // The same gate and store as the JSON face's Idempotency-Key.
            const AnswerFormat format =
                SoapVersionOf(content_type) == soap::SoapVersion::k12 ? AnswerFormat::kSoap12 : AnswerFormat::kSoap11;
            IdempotencyGate::Decision decision =
                idempotency_.Begin(*operation.idempotency_key, SoapIdempotencyText(*input), format);
            if (decision.replay) {
              MigrationOutcome replayed;
              replayed.idempotent_replay = true;
              return {std::move(replayed), std::move(decision.replay)};
            }
            if (!decision.run) return {std::move(*decision.refusal), std::nullopt};
            claimed_key = operation.idempotency_key;
            return {RunCore(*input, context), std::nullopt};
          },
          soap_limits_);
      if (answer.outcome && answer.outcome->idempotent_replay) {
        res.set_header("Idempotent-Replayed", "true");
        input.reset();  // nothing ran: the replay line names no customer, as on the JSON face
      }
      if (claimed_key && answer.outcome) {
        const StoredAnswer kept{answer.reply.status, answer.reply.body};
        if (auto problem = idempotency_.Finish(*claimed_key, *answer.outcome, kept))
          answer.outcome->store_error = problem;
      }
    }
    SendSoapReply(answer.reply, context.correlation_id, res);
    if (answer.outcome) SetRetryAfter(*answer.outcome, res);
    const MigrationOutcome refused = RejectedOutcome(FailureClass::kInvalidRequest, {});
    RecordFinishedRequest(
        {Face::kSoap, answer.outcome ? &*answer.outcome : &refused, res.status, context.correlation_id,
         input ? &*input : nullptr, SinceStart(start), !answer.outcome, refusal},
        metrics_, logger_);
  }

  // GET /soap?wsdl: the WSDL with the endpoint callers should use.
  void HandleWsdl(const httplib::Request& req, httplib::Response& res) {
    if (!AsksForWsdl(req)) {
      res.status = 405;
      res.set_header("Allow", "POST");
      res.set_content("POST a SOAP envelope here; the WSDL is at GET /soap?wsdl\n", "text/plain; charset=utf-8");
      return;
    }
    const std::string base = PublicBaseUrlFor(config_.public_base_url, config_.tls_cert_file.empty() ? "http" : "https",
                                              req.get_header_value("Host"), req.local_addr, req.local_port);
    res.set_content(AdapterWsdl(base + kSoapPath), "text/xml; charset=utf-8");
  }

  // Statuses cpp-httplib sets itself (404, 413, 400 for a broken request line
  // ...) still carry the failure envelope.
  httplib::Server::HandlerResponse HandleError(const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    const std::string correlation_id = CorrelationIdFor(req.get_header_value(kCorrelationHeader));
    if (req.path == kSoapPath && res.status == 413) {
      SendSoapReply(SoapRefusal(req.get_header_value("Content-Type"), 413, TooLargeDetail()), correlation_id, res);
      return httplib::Server::HandlerResponse::Handled;
    }
    MigrationOutcome outcome;
    if (res.status == 413) {
      outcome = TooLarge();
    } else if (res.status == 404) {
      outcome = RejectedOutcome(FailureClass::kInvalidRequest,
                                {BusinessFault("No such resource; use POST /CreateVOIPMigrationWorkOrder")});
    } else {
      outcome = RejectedOutcome(FailureClass::kInvalidRequest, {BusinessFault("The HTTP request is not valid")});
    }
    const int status = res.status;  // keep 404/405 as cpp-httplib chose them
    Answer(req, res, outcome, correlation_id);
    res.status = status;
    return httplib::Server::HandlerResponse::Handled;
  }

  void Answer(const httplib::Request&, httplib::Response& res, const MigrationOutcome& outcome,
              const std::string& correlation_id) {
    res.status = HttpStatusFor(outcome.failure_class);
    res.set_header(kCorrelationHeader, correlation_id);
    SetRetryAfter(outcome, res);
    res.set_content(RenderJson(outcome), kJson);
  }

  // A SOAP answer with the request's correlation id.
  static void SendSoapReply(const soap::HttpReply& reply, const std::string& correlation_id, httplib::Response& res) {
    res.status = reply.status;
    res.set_header(kCorrelationHeader, correlation_id);
    res.set_content(reply.body, reply.content_type.c_str());
  }

  // The request's deadline, counted from when its handler started.
  std::chrono::steady_clock::time_point Deadline(std::chrono::steady_clock::time_point start) const {
    return start + std::chrono::milliseconds(config_.request_deadline_ms);
  }

  static void SetRetryAfter(const MigrationOutcome& outcome, httplib::Response& res) {
    if (outcome.retry_after) res.set_header("Retry-After", std::to_string(RetryAfterSeconds(*outcome.retry_after)));
  }

  const Config config_;
  const soap::SoapLimits soap_limits_{config_.max_body_bytes};
  const MigrationFlow& flow_;
  Logger& logger_;
  IdempotencyGate idempotency_;
  CallerAuthenticator authenticator_;  // remembers UsernameToken nonces; thread-safe
  Metrics metrics_;
  InFlightLimit in_flight_limit_{config_.max_in_flight};
  std::vector<ReadinessProbe> probes_;
  std::unique_ptr<Listener> listener_;  // plain HTTP or TLS, from the configuration
  httplib::Server& server_;             // listener_'s server
  std::thread thread_;
};

AdapterServer::AdapterServer(const Config& config, const MigrationFlow& flow, Logger& logger,
                             IdempotencyStore* idempotency)
    : impl_(std::make_unique<Impl>(config, flow, logger, idempotency)) {}

AdapterServer::~AdapterServer() {
  Stop();
  Wait();
}

bool AdapterServer::Start(std::string* error) { return impl_->Bind(error, &port_); }
void AdapterServer::Wait() { impl_->Wait(); }
void AdapterServer::AddReadinessProbe(ReadinessProbe probe) { impl_->AddReadinessProbe(std::move(probe)); }
Metrics& AdapterServer::metrics() { return impl_->metrics(); }
void AdapterServer::Stop() { impl_->Stop(); }

}  // namespace voip
