#include "sim/simulators.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <utility>

#include "adapter/soap/soap_dispatch.h"
#include "platform/username_token.h"
#include "sim/http_server.h"
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
constexpr std::chrono::seconds kIdleTimeout{2};

std::string Unquote(std::string value) {
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    return value.substr(1, value.size() - 2);
  }
  return value;
}

InboundSoapMessage Inbound(const HttpRequest& request) {
  return {request.body, Unquote(std::string(request.Header("SOAPAction"))),
          std::string(request.Header("X-Correlation-ID"))};
}

void Send(HttpReply reply, HttpResponse& response) {
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
        server_(HttpServerOptions{options.threads, kMaxBodyBytes, kIdleTimeout},
                [this](const HttpRequest& request, HttpResponse& response) { Handle(request, response); }) {}

  ~SimulatorsImpl() override { Stop(); }

  // Binds and starts serving.
  bool Start(std::string* error) {
    std::string reason;
    port_ = server_.Bind(options_.host, options_.port, &reason);
    if (port_ <= 0) {
      if (error != nullptr) {
        *error = "cannot bind " + options_.host + ":" + std::to_string(options_.port) + " (" + reason + ")";
      }
      return false;
    }
    server_.Start();
    return true;
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
    server_.Stop();
  }

 private:
  void Handle(const HttpRequest& request, HttpResponse& response) {
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
  HttpServer server_;
  int port_ = -1;
  std::mutex stop_mutex_;
};

}  // namespace

std::unique_ptr<Simulators> Simulators::Start(const SimOptions& options, std::string* error) {
  auto simulators = std::make_unique<SimulatorsImpl>(options);
  if (!simulators->Start(error)) return nullptr;
  return simulators;
}

}  // namespace voip::sim
