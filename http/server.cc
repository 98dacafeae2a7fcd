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
#include "http/json_face.h"
#include "http/load_shedding.h"
#include "http/request_pipeline.h"
#include "http/request_record.h"
#include "http/server_settings.h"
#include "http/soap_face.h"
#include "http/status.h"
#include "http/wsdl_document.h"
#include "platform/text.h"

namespace voip {
namespace {

constexpr const char* kJson = "application/json";
constexpr const char* kCorrelationHeader = "X-Correlation-ID";
constexpr const char* kIdempotencyKeyHeader = "Idempotency-Key";
constexpr const char* kSoapPath = "/soap";
constexpr const char* kDrainingReason = "draining";
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

// The request's span (W3C Trace Context): the caller's trace when it sent one
// valid traceparent header (with its tracestate headers, joined), else a new
// trace. Two traceparent headers are malformed (the specification's rule).
TraceContext RequestTrace(const httplib::Request& req) {
  if (req.get_header_value_count("traceparent") != 1) return ContinueOrStartTrace("", "");
  std::string tracestate;
  const auto [first, last] = req.headers.equal_range("tracestate");
  for (auto it = first; it != last; ++it) {
    if (!tracestate.empty()) tracestate += ',';
    tracestate += it->second;
  }
  return ContinueOrStartTrace(WholeHeaderValue(req, "traceparent"), tracestate);
}

// The request's Content-Length (the head was checked: it is plain digits);
// nullopt without one.
std::optional<std::uint64_t> DeclaredLength(const httplib::Request& req) {
  if (!req.has_header("Content-Length")) return std::nullopt;
  return std::strtoull(req.get_header_value("Content-Length").c_str(), nullptr, 10);
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
    if (EqualsIgnoreCase(name, "wsdl")) return true;
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
        logger_(logger),
        pipeline_(flow, idempotency, config.max_in_flight, metrics_),
        authenticator_(config.caller_auth),
        listener_(Listener::Make(config_)),
        server_(listener_->server()) {
    metrics_.WatchBreakers(flow.breakers());
    listener_->set_early_answer_renderer([this](const HeadRefusal& refusal) { return RefuseHead(refusal); });
    RegisterRoutes();
    RegisterHooks();
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
  void Drain() {
    draining_.store(true);
    listener_->StopKeepingAlive();
  }
  std::size_t IdleConnections() const { return listener_->idle_connections(); }

 private:
  using Request = httplib::Request;
  using Response = httplib::Response;
  using HandlerResponse = httplib::Server::HandlerResponse;

  // One request from its first stage to its record.
  struct Exchange {
    Face face = Face::kJson;
    std::chrono::steady_clock::time_point start;
    CallContext context;         // correlation id and deadline
    std::string_view refusal{};  // why the HTTP request itself was refused, for the log
  };

  // ----- routes and hooks ---------------------------------------------------

  void RegisterRoutes() {
    // A content reader, so that the body limit also holds for chunked bodies
    // (cpp-httplib 0.11.4 applies payload_max_length to Content-Length only).
    server_.Post("/CreateVOIPMigrationWorkOrder",
                 [this](const Request& req, Response& res, const httplib::ContentReader& reader) {
                   HandleCreate(req, res, reader);
                 });
    server_.Post(kSoapPath, [this](const Request& req, Response& res, const httplib::ContentReader& reader) {
      HandleSoap(req, res, reader);
    });
    server_.Get(kSoapPath, [this](const Request& req, Response& res) { HandleWsdl(req, res); });
    server_.Get("/health", [](const Request&, Response& res) { HandleHealth(res); });
    server_.Get("/ready", [this](const Request&, Response& res) { HandleReady(res); });
    server_.Get("/metrics", [this](const Request&, Response& res) { HandleMetrics(res); });
  }

  void RegisterHooks() {
    server_.set_pre_routing_handler([this](const Request& req, Response& res) { return HandleShed(req, res); });
    server_.set_expect_100_continue_handler(
        [this](const Request& req, Response& res) { return HandleExpectContinue(req, res); });
    server_.set_error_handler(httplib::Server::HandlerWithResponse(
        [this](const Request& req, Response& res) { return HandleError(req, res); }));
    server_.set_exception_handler(
        [this](const Request& req, Response& res, const std::exception_ptr&) { HandleException(req, res); });
  }

  // ----- the two faces --------------------------------------------------------

  // POST /CreateVOIPMigrationWorkOrder: authenticate -> read body -> decode
  // (JSON) -> claim, validate, admit, flow (RequestPipeline::Run) -> encode
  // (JSON) -> idempotency finish -> record.
  void HandleCreate(const Request& req, Response& res, const httplib::ContentReader& reader) {
    const Metrics::InFlight in_flight(metrics_);
    Exchange exchange = StartExchange(req, Face::kJson);
    std::string body;
    std::optional<MigrationOutcome> refused = AuthenticateApiKey(req, res);
    if (!refused) refused = ReadBody(req, reader, body, exchange);
    if (!refused) refused = CheckJsonMediaType(req);
    if (refused) {
      EncodeJson(*refused, exchange, res);
      Record(exchange, *refused, res.status, nullptr);
      return;
    }
    const DecodedRequest decoded = DecodeJson(req, body);
    CoreResult result = pipeline_.Run(decoded, exchange.context);
    if (result.replay) {
      SendReplay(*result.replay, kJson, exchange, res);
    } else {
      EncodeJson(result.outcome, exchange, res);
    }
    pipeline_.Finish(result, {res.status, res.body});
    Record(exchange, result.outcome, res.status, InputThatRan(result, decoded));
  }

  // POST /soap: read body -> authenticate (a UsernameToken lives in the body)
  // -> decode, the shared stages and encode (ServeSoap around
  // RequestPipeline::Run) -> idempotency finish -> record.
  void HandleSoap(const Request& req, Response& res, const httplib::ContentReader& reader) {
    const Metrics::InFlight in_flight(metrics_);
    Exchange exchange = StartExchange(req, Face::kSoap);
    const std::string content_type = req.get_header_value("Content-Type");
    std::string body;
    std::optional<MigrationOutcome> refused = ReadBody(req, reader, body, exchange);
    if (!refused) refused = AuthenticateSoap(req, body, res);
    if (refused) {
      SendSoapReply(SoapRefusalFor(content_type, *refused), exchange.context.correlation_id, res);
      RecordSoapFault(exchange, res.status);
      return;
    }
    std::optional<DecodedRequest> decoded;
    std::optional<CoreResult> result;
    const SoapCall call{body, content_type, OptionalHeader(req, "SOAPAction")};
    SoapAnswer answer = ServeSoap(
        call,
        [&](const SoapOperation& operation) {
          decoded = DecodeSoap(operation, content_type);
          result = pipeline_.Run(*decoded, exchange.context);
          return CoreAnswer{result->outcome, result->replay};
        },
        soap_limits_);
    SendSoapReply(answer.reply, exchange.context.correlation_id, res);
    if (!result) return RecordSoapFault(exchange, res.status);  // refused with a SOAP Fault: the core never ran
    if (result->replay) res.set_header("Idempotent-Replayed", "true");
    SetRetryAfter(result->outcome, res);
    pipeline_.Finish(*result, {answer.reply.status, answer.reply.body});
    Record(exchange, result->outcome, res.status, InputThatRan(*result, *decoded));
  }

  // ----- the other endpoints and hooks ------------------------------------------

  // GET /soap?wsdl: the WSDL with the endpoint callers should use.
  void HandleWsdl(const Request& req, Response& res) {
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

  // GET /health: the process answers.
  static void HandleHealth(Response& res) { res.set_content(R"({"status":"UP"})", kJson); }

  // GET /ready: 200 when every readiness probe is content and the server is
  // not draining, else 503 with the reasons.
  void HandleReady(Response& res) const {
    nlohmann::json reasons = nlohmann::json::array();
    if (draining_.load()) reasons.push_back(kDrainingReason);
    for (const ReadinessProbe& probe : probes_) {
      if (auto reason = probe()) reasons.push_back(*reason);
    }
    res.status = reasons.empty() ? 200 : 503;
    res.set_content(reasons.empty() ? nlohmann::json{{"status", "READY"}}.dump()
                                    : nlohmann::json{{"status", "NOT_READY"}, {"reasons", reasons}}.dump(),
                    kJson);
  }

  // GET /metrics: the Prometheus text format.
  void HandleMetrics(Response& res) const {
    res.set_content(metrics_.RenderPrometheus(), "text/plain; version=0.0.4; charset=utf-8");
  }

  // A connection the task queue had no room for: a minimal 503 before its
  // body is read, and closed; a SOAP Fault on the SOAP face. The operators'
  // endpoints are still served.
  HandlerResponse HandleShed(const Request& req, Response& res) {
    if (!BoundedTaskQueue::ServingShedConnection() || IsOperatorPath(req.path)) return HandlerResponse::Unhandled;
    metrics_.RecordShed(Metrics::Shed::kConnection);
    res.set_header("Connection", "close");
    const MigrationOutcome overloaded = OverloadedOutcome();
    const std::string correlation_id = CorrelationIdFor(req.get_header_value(kCorrelationHeader));
    if (req.path != kSoapPath) {
      EncodeJson(overloaded, correlation_id, res);
    } else {
      SendSoapReply(SoapRefusalFor(req.get_header_value("Content-Type"), overloaded), correlation_id, res);
      SetRetryAfter(overloaded, res);
    }
    return HandlerResponse::Handled;
  }

  // Expect: 100-continue with a Content-Length already over the limit: the
  // 413 (rendered by HandleError) instead of an invitation to send the body,
  // which is then never read (the connection is closed after the answer).
  int HandleExpectContinue(const Request& req, Response& res) const {
    if (!DeclaredTooLarge(req)) return 100;
    res.status = HttpStatusFor(FailureClass::kBodyTooLarge);
    return res.status;
  }

  // Statuses cpp-httplib sets itself (404, 413, 400 for a broken request line
  // ...) still carry the failure envelope.
  HandlerResponse HandleError(const Request& req, Response& res) {
    if (!res.body.empty()) return HandlerResponse::Unhandled;
    const std::string correlation_id = CorrelationIdFor(req.get_header_value(kCorrelationHeader));
    const bool too_large = res.status == HttpStatusFor(FailureClass::kBodyTooLarge);
    if (req.path == kSoapPath && too_large) {
      SendSoapReply(SoapRefusalFor(req.get_header_value("Content-Type"), TooLarge()), correlation_id, res);
      return HandlerResponse::Handled;
    }
    MigrationOutcome outcome =
        RejectedOutcome(FailureClass::kInvalidRequest,
                        {BusinessFault(res.status == 404 ? "No such resource; use POST /CreateVOIPMigrationWorkOrder"
                                                         : "The HTTP request is not valid")});
    if (too_large) outcome = TooLarge();
    const int status = res.status;  // keep 404/405 as cpp-httplib chose them
    EncodeJson(outcome, correlation_id, res);
    res.status = status;
    return HandlerResponse::Handled;
  }

  // A handler threw: 500 with the failure envelope.
  void HandleException(const Request& req, Response& res) {
    EncodeJson(RejectedOutcome(FailureClass::kInternal, {SystemFault("The adapter failed unexpectedly")}),
               CorrelationIdFor(req.get_header_value(kCorrelationHeader)), res);
  }

  // The answer to a request refused at its head (http/request_framing.h),
  // recorded like any other.
  EarlyAnswer RefuseHead(const HeadRefusal& refusal) {
    const std::string correlation_id = NewUuid();
    const MigrationOutcome outcome = RejectedOutcome(FailureClass::kInvalidRequest, {BusinessFault(refusal.reason)});
    RecordFinishedRequest({Face::kJson,
                           &outcome,
                           refusal.status,
                           correlation_id,
                           nullptr,
                           {},
                           false,
                           refusal.reason,
                           ContinueOrStartTrace("", "")},
                          metrics_, logger_);
    return EarlyAnswer{kJson, RenderJson(outcome), {{kCorrelationHeader, correlation_id}}};
  }

  // ----- stages -----------------------------------------------------------------

  // The request's correlation id, deadline (counted from now) and span.
  Exchange StartExchange(const Request& req, Face face) const {
    const auto start = std::chrono::steady_clock::now();
    return {face, start,
            CallContext{CorrelationIdFor(req.get_header_value(kCorrelationHeader)),
                        start + std::chrono::milliseconds(config_.request_deadline_ms), RequestTrace(req)}};
  }

  // Authenticate (JSON face): an API key in the head. The body of a refused
  // request is not read: the connection is closed after the answer.
  std::optional<MigrationOutcome> AuthenticateApiKey(const Request& req, Response& res) const {
    const AuthVerdict verdict =
        authenticator_.CheckApiKey(WholeHeaderValue(req, "Authorization"), WholeHeaderValue(req, "X-API-Key"));
    if (verdict == AuthVerdict::kAllowed) return std::nullopt;
    res.set_header("WWW-Authenticate", ApiKeyChallenge(verdict));
    return RejectedOutcome(FailureClass::kUnauthenticated, {BusinessFault(UnauthenticatedDetail(verdict))});
  }

  // Authenticate (SOAP face): HTTP Basic, a UsernameToken in the envelope, or an API key.
  std::optional<MigrationOutcome> AuthenticateSoap(const Request& req, const std::string& body, Response& res) {
    const SoapAuthResult auth =
        authenticator_.CheckSoap(WholeHeaderValue(req, "Authorization"), WholeHeaderValue(req, "X-API-Key"), body,
                                 std::chrono::system_clock::now());
    if (auth.verdict == AuthVerdict::kAllowed) return std::nullopt;
    res.set_header("WWW-Authenticate", auth.challenge);
    if (auth.token_verdict == TokenVerdict::kNonceCacheFull) metrics_.RecordNonceCacheFull();
    return RejectedOutcome(FailureClass::kUnauthenticated, {BusinessFault(auth.detail)});
  }

  // Read body within limits; the refusal when it was not read whole.
  std::optional<MigrationOutcome> ReadBody(const Request& req, const httplib::ContentReader& reader, std::string& body,
                                           Exchange& exchange) const {
    const BodyRead read = ReadBodyWithin(
        DeclaredLength(req), config_.max_body_bytes, [&](const BodyReceiver& receive) { return reader(receive); },
        body);
    if (read == BodyRead::kComplete) return std::nullopt;
    if (read == BodyRead::kIncomplete) exchange.refusal = kIncompleteBodyDetail;
    return UnreadBodyOutcome(read, config_.max_body_bytes);
  }

  // Decode (JSON face), first part: the media type.
  static std::optional<MigrationOutcome> CheckJsonMediaType(const Request& req) {
    if (IsJsonContentType(req.get_header_value("Content-Type"))) return std::nullopt;
    return RejectedOutcome(FailureClass::kUnsupportedMedia, {BusinessFault("Content-Type must be application/json")});
  }

  // Decode (JSON face): the body as a request, identified for its
  // Idempotency-Key by its bytes as received.
  static DecodedRequest DecodeJson(const Request& req, const std::string& body) {
    DecodedRequest decoded;
    std::variant<MigrationRequestInput, Fault> parsed = ParseJsonRequest(body);
    if (auto* fault = std::get_if<Fault>(&parsed)) {
      decoded.request = RejectedOutcome(FailureClass::kInvalidRequest, {std::move(*fault)});
    } else {
      decoded.request = std::move(std::get<MigrationRequestInput>(parsed));
    }
    if (req.has_header(kIdempotencyKeyHeader))
      decoded.idempotency_key = std::string(WholeHeaderValue(req, kIdempotencyKeyHeader));
    decoded.fingerprint_text = body;
    decoded.format = AnswerFormat::kJson;
    return decoded;
  }

  // Decode (SOAP face): what ServeSoap read from the envelope, identified for
  // its IdempotencyKey header by its fields (SoapIdempotencyText).
  static DecodedRequest DecodeSoap(const SoapOperation& operation, const std::string& content_type) {
    DecodedRequest decoded;
    decoded.request = operation.input;
    decoded.idempotency_key = operation.idempotency_key;
    if (operation.idempotency_key) decoded.fingerprint_text = SoapIdempotencyText(operation.input);
    decoded.format =
        SoapVersionOf(content_type) == soap::SoapVersion::k12 ? AnswerFormat::kSoap12 : AnswerFormat::kSoap11;
    return decoded;
  }

  // Encode (JSON face): status, correlation id, Retry-After and the envelope.
  static void EncodeJson(const MigrationOutcome& outcome, const std::string& correlation_id, Response& res) {
    res.status = HttpStatusFor(outcome.failure_class, AnswerForm::kJson);
    res.set_header(kCorrelationHeader, correlation_id);
    SetRetryAfter(outcome, res);
    res.set_content(RenderJson(outcome), kJson);
  }
  static void EncodeJson(const MigrationOutcome& outcome, const Exchange& exchange, Response& res) {
    EncodeJson(outcome, exchange.context.correlation_id, res);
  }

  // An idempotent replay: the kept answer, byte for byte.
  static void SendReplay(const StoredAnswer& replay, const char* content_type, const Exchange& exchange,
                         Response& res) {
    res.status = replay.http_status;
    res.set_header(kCorrelationHeader, exchange.context.correlation_id);
    res.set_header("Idempotent-Replayed", "true");
    res.set_content(replay.body, content_type);
  }

  // A SOAP Fault refusing the HTTP request before the core ran (401, 413,
  // 400 for a body cut short, 503 shed), with the status of its outcome.
  static soap::HttpReply SoapRefusalFor(std::string_view content_type, const MigrationOutcome& refused) {
    const int status = HttpStatusFor(refused.failure_class, AnswerForm::kSoapRefusal);
    const std::string& reason = refused.faults.front().detail;
    return refused.failure_class == FailureClass::kOverloaded ? SoapServerRefusal(content_type, status, reason)
                                                              : SoapRefusal(content_type, status, reason);
  }

  // A SOAP answer with the request's correlation id.
  static void SendSoapReply(const soap::HttpReply& reply, const std::string& correlation_id, Response& res) {
    res.status = reply.status;
    res.set_header(kCorrelationHeader, correlation_id);
    res.set_content(reply.body, reply.content_type.c_str());
  }

  static void SetRetryAfter(const MigrationOutcome& outcome, Response& res) {
    if (outcome.retry_after) res.set_header("Retry-After", std::to_string(RetryAfterSeconds(*outcome.retry_after)));
  }

  // The request fields to log: those of a request that reached validation.
  static const MigrationRequestInput* InputThatRan(const CoreResult& result, const DecodedRequest& decoded) {
    return result.ran ? std::get_if<MigrationRequestInput>(&decoded.request) : nullptr;
  }

  // Record: metrics and the request log line.
  void Record(const Exchange& exchange, const MigrationOutcome& outcome, int status, const MigrationRequestInput* input,
              bool soap_fault = false) {
    RecordFinishedRequest({exchange.face, &outcome, status, exchange.context.correlation_id, input,
                           SinceStart(exchange.start), soap_fault, exchange.refusal, exchange.context.trace},
                          metrics_, logger_);
  }
  // Record a SOAP request the core never saw (refused with a SOAP Fault).
  void RecordSoapFault(const Exchange& exchange, int status) {
    Record(exchange, RejectedOutcome(FailureClass::kInvalidRequest, {}), status, nullptr, /*soap_fault=*/true);
  }

  // The request's Content-Length is over max-body-bytes.
  bool DeclaredTooLarge(const Request& req) const {
    const std::optional<std::uint64_t> declared = DeclaredLength(req);
    return declared && *declared > config_.max_body_bytes;
  }

  MigrationOutcome TooLarge() const { return UnreadBodyOutcome(BodyRead::kTooLarge, config_.max_body_bytes); }

  const Config config_;
  const soap::SoapLimits soap_limits_{config_.max_body_bytes};
  Logger& logger_;
  Metrics metrics_;
  RequestPipeline pipeline_;           // claim, validate, admit, flow, finish
  CallerAuthenticator authenticator_;  // remembers UsernameToken nonces; thread-safe
  std::vector<ReadinessProbe> probes_;
  std::atomic<bool> draining_{false};   // Drain() was called
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

AdapterServer::StartFailure AdapterServer::Start() {
  std::string error;
  if (!impl_->Bind(&error, &port_)) return error;
  return std::nullopt;
}
void AdapterServer::Wait() { impl_->Wait(); }
void AdapterServer::AddReadinessProbe(ReadinessProbe probe) { impl_->AddReadinessProbe(std::move(probe)); }
Metrics& AdapterServer::metrics() { return impl_->metrics(); }
void AdapterServer::Stop() { impl_->Stop(); }
void AdapterServer::Drain() { impl_->Drain(); }
std::size_t AdapterServer::IdleConnections() const { return impl_->IdleConnections(); }

}  // namespace voip
