#include "sim/simulators.h"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <utility>

#include "adapter/soap/soap_dispatch.h"
#include "http/plain_request.h"
#include "http/server_settings.h"
#include "http/serving_thread.h"
#include "platform/errno_text.h"
#include "platform/username_token.h"
#include "sim/midas_sim.h"
#include "sim/stop_signal.h"
#include "sim/work_order_sim.h"

namespace voip::sim {

using soap::HttpReply;
using soap::InboundSoapMessage;
using soap::SoapLimits;

namespace {

constexpr std::size_t kMaxBodyBytes = 1 << 20;
// An idle keep-alive connection is closed after this; clients reconnect
// transparently. Stop() closes idle connections at once.
constexpr int kIdleTimeoutS = 2;
// Connections and requests waiting for a worker: never shed, they wait their turn.
constexpr int kUnbounded = 1 << 20;
// After an answer, a worker waits for the connection's next request (up to
// the idle time-out) while other workers are free, as a thread-per-connection
// server would: a backend connection is reused at once, without a trip
// through the waiting room, and the wait ends within a slice once the
// workers run short.
constexpr std::chrono::milliseconds kNextRequestWait{kIdleTimeoutS * 1000};
constexpr std::chrono::milliseconds kNextRequestWaitSlice{250};

std::string Unquote(std::string value) {
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    return value.substr(1, value.size() - 2);
  }
  return value;
}

InboundSoapMessage Inbound(const PlainRequest& request) {
  return {request.body, Unquote(std::string(request.Header("SOAPAction"))),
          std::string(request.Header("X-Correlation-ID")), std::string(request.Header("traceparent")),
          std::string(request.Header("tracestate"))};
}

void Send(HttpReply reply, PlainAnswer& response) {
  response.status = reply.status;
  response.content_type = std::move(reply.content_type);
  response.body = std::move(reply.body);
}

// The WS-Security fault for a refused token (WSS 1.0 section 12: faultcode
// wsse:FailedAuthentication), SOAP 1.1 as the backends' WSDLs declare.
HttpReply TokenRefused(const char* reason) {
  return {
      500, "text/xml; charset=utf-8",
      std::string(R"(<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/" )"
                  R"(xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">)"
                  "<SOAP-ENV:Body><SOAP-ENV:Fault><faultcode>wsse:FailedAuthentication</faultcode><faultstring>") +
          reason + "</faultstring></SOAP-ENV:Fault></SOAP-ENV:Body></SOAP-ENV:Envelope>"};
}

nlohmann::json OptionalJson(const std::optional<std::string>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

nlohmann::json ToJson(const ReceivedWorkOrder& received) {
  return {{"telephoneNumber", received.telephone_number},
          {"accountNumber", received.account_number},
          {"siteReference", received.site_reference},
          {"migrationType", received.migration_type},
          {"correlationId", received.correlation_id},
          {"correlationHeader", received.correlation_header},
          {"traceparent", received.traceparent},
          {"tracestate", received.tracestate},
          {"soapAction", received.soap_action},
          {"orderNumber", received.order_number},
          {"rawXml", received.raw_xml}};
}

nlohmann::json ToJson(const ReceivedStatusUpdate& received) {
  return {{"accountNumber", received.account_number},
          {"siteReference", received.site_reference},
          {"telephoneNumber", received.telephone_number},
          {"migrationStatus", received.migration_status},
          {"orderNumber", OptionalJson(received.order_number)},
          {"reason", OptionalJson(received.reason)},
          {"correlationId", received.correlation_id},
          {"correlationHeader", received.correlation_header},
          {"traceparent", received.traceparent},
          {"tracestate", received.tracestate},
          {"soapAction", received.soap_action},
          {"faulted", received.faulted},
          {"rawXml", received.raw_xml}};
}

std::string UrlHost(const std::string& host) { return host.find(':') == std::string::npos ? host : "[" + host + "]"; }

class SimulatorsImpl final : public Simulators {
 public:
  explicit SimulatorsImpl(const SimOptions& options)
      : options_(options),
        work_orders_(options.slow_ms, &stop_signal_, SoapLimits{kMaxBodyBytes}),
        midas_(options.slow_ms, &stop_signal_, SoapLimits{kMaxBodyBytes}),
        token_verifier_(options.wsse_users, options.wsse_window),
        server_(SimHttpServer(
            options, [this](const PlainRequest& request, PlainAnswer& response) { Handle(request, response); })) {}

  ~SimulatorsImpl() override { Stop(); }

  // Binds and starts serving; why not when the address cannot be bound.
  [[nodiscard]] std::optional<SimStartError> Serve() {
    errno = 0;
    port_ = server_->Bind(SimServerConfig(options_));
    if (port_ <= 0) {
      return SimStartError{"cannot bind " + options_.host + ":" + std::to_string(options_.port) + " (" +
                           (errno != 0 ? ErrnoText(errno) : std::string("no address")) + ")"};
    }
    serving_ = std::make_unique<ServingThread>(*server_);
    return std::nullopt;
  }

  int port() const override { return port_; }
  std::string WorkOrderUrl() const override { return BaseUrl() + "/workorder"; }
  std::string MidasUrl() const override { return BaseUrl() + "/midas"; }

  std::vector<ReceivedWorkOrder> WorkOrderRequests() const override { return work_orders_.Received(); }
  std::vector<ReceivedStatusUpdate> MidasUpdates() const override { return midas_.Received(); }

  void Reset() override {
    work_orders_.Reset();
    midas_.Reset();
    refused_tokens_.store(0);
  }

  std::uint64_t RefusedTokens() const override { return refused_tokens_.load(); }

  void Stop() override {
    std::lock_guard<std::mutex> lock(stop_mutex_);
    stop_signal_.Stop();  // first, so slow answers return and the workers can finish
    serving_.reset();     // closes idle connections, answers what was routed, joins
  }

 private:
  void Handle(const PlainRequest& request, PlainAnswer& response) {
    const bool soap_post = request.method == "POST" && (request.path == "/workorder" || request.path == "/midas");
    if (soap_post && !options_.wsse_users.empty()) {
      const char* refusal = TokenRefusal(request.body);
      if (refusal != nullptr) {
        refused_tokens_.fetch_add(1);
        Send(TokenRefused(refusal), response);
        return;
      }
    }
    if (request.method == "POST" && request.path == "/workorder") {
      HttpReply reply = work_orders_.Serve(Inbound(request));
      WaitLatency();
      Send(std::move(reply), response);
    } else if (request.method == "POST" && request.path == "/midas") {
      HttpReply reply = midas_.Serve(Inbound(request));
      WaitLatency();
      Send(std::move(reply), response);
    } else if (request.method == "GET" && request.path == "/__sim/received") {
      response.content_type = "application/json";
      response.body = ReceivedJson().dump();
    } else if (request.method == "DELETE" && request.path == "/__sim/received") {
      Reset();
      response.status = 204;
    } else {
      response.status = 404;
    }
  }

  // Why the message's UsernameToken is refused, or nullptr when it is accepted.
  const char* TokenRefusal(std::string_view body) {
    const std::optional<UsernameToken> token = ExtractUsernameToken(body);
    if (!token) return "A WS-Security UsernameToken is required";
    const TokenVerdict verdict = token_verifier_.Verify(*token, std::chrono::system_clock::now());
    return verdict == TokenVerdict::kAccepted ? nullptr : TokenVerdictText(verdict);
  }

  // The configured backend latency, after the request was recorded and
  // answered; cut short when the simulators stop.
  void WaitLatency() const {
    if (options_.latency_ms > 0) stop_signal_.WaitFor(std::chrono::milliseconds(options_.latency_ms));
  }

  nlohmann::json ReceivedJson() const {
    nlohmann::json work_orders = nlohmann::json::array();
    for (const ReceivedWorkOrder& received : work_orders_.Received()) {
      work_orders.push_back(ToJson(received));
    }
    nlohmann::json midas_updates = nlohmann::json::array();
    for (const ReceivedStatusUpdate& received : midas_.Received()) {
      midas_updates.push_back(ToJson(received));
    }
    return {{"workOrders", std::move(work_orders)},
            {"midasUpdates", std::move(midas_updates)},
            {"refusedTokens", refused_tokens_.load()}};
  }

  std::string BaseUrl() const { return "http://" + UrlHost(options_.host) + ":" + std::to_string(port_); }

  const SimOptions options_;
  StopSignal stop_signal_;
  WorkOrderSim work_orders_;
  MidasSim midas_;
  UsernameTokenVerifier token_verifier_;
  std::atomic<std::uint64_t> refused_tokens_{0};
  const std::unique_ptr<TunedHttpServer> server_;
  std::unique_ptr<ServingThread> serving_;  // set while serving
  int port_ = -1;
  std::mutex stop_mutex_;
};

}  // namespace

Config SimServerConfig(const SimOptions& options) {
  Config config;
  config.listen_host = options.host;
  config.listen_port = options.port;
  config.threads = options.threads;
  config.max_queued_connections = kUnbounded;
  config.max_connections = kUnbounded;
  config.keep_alive_max_count = kUnbounded;
  config.first_request_timeout_s = kIdleTimeoutS;
  config.keep_alive_timeout_s = kIdleTimeoutS;
  config.read_timeout_s = kIdleTimeoutS;
  config.max_body_bytes = kMaxBodyBytes;
  return config;
}

std::unique_ptr<TunedHttpServer> SimHttpServer(const SimOptions& options, PlainHandler handler) {
  auto server = std::make_unique<TunedHttpServer>(SimServerConfig(options));
  server->set_next_request_wait(kNextRequestWait, kNextRequestWaitSlice);
  server->set_plain_handler(kMaxBodyBytes, std::move(handler));
  return server;
}

SimStartResult Simulators::Start(const SimOptions& options) {
  auto simulators = std::make_unique<SimulatorsImpl>(options);
  if (std::optional<SimStartError> failure = simulators->Serve()) return *failure;
  return simulators;
}

}  // namespace voip::sim
