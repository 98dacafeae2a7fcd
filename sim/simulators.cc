#include "sim/simulators.h"

#include <sys/socket.h>

#include <chrono>
#include <mutex>
#include <thread>
#include <utility>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "adapter/soap/soap_dispatch.h"
#include "sim/midas_sim.h"
#include "sim/stop_signal.h"
#include "sim/work_order_sim.h"

namespace voip::sim {

using soap::HttpReply;
using soap::InboundSoapMessage;
using soap::SoapLimits;

namespace {

constexpr std::size_t kMaxBodyBytes = 1 << 20;
// Keep-alive connections may carry many requests (the default is 5, which
// turns a load test into a connect storm).
constexpr std::size_t kKeepAliveMaxRequests = 100000;
// Idle keep-alive connections hold a pool thread, and stop() waits for them
// (cpp-httplib 0.11.4 cannot close them early: process_and_close_socket is
// private), so keep the idle period short; clients reconnect transparently.
constexpr time_t kKeepAliveIdleSeconds = 2;
// Debian's compiled cpp-httplib listens with a backlog of 5; Linux lets a
// listening socket's backlog be raised by calling listen() again.
constexpr int kListenBacklog = SOMAXCONN;
constexpr auto kReadyPollInterval = std::chrono::milliseconds(1);
constexpr auto kReadyTimeout = std::chrono::seconds(5);

// cpp-httplib's server, with access to its listening socket.
class HttpServer : public httplib::Server {
 public:
  void RaiseListenBacklog(int backlog) { ::listen(svr_sock_, backlog); }
};

// cpp-httplib's default also sets SO_REUSEPORT, which lets a second server
// bind a port that is in use and silently share its traffic. Refuse that.
void ReuseAddressOnly(socket_t sock) {
  int yes = 1;
  ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
}

std::string Unquote(std::string value) {
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    return value.substr(1, value.size() - 2);
  }
  return value;
}

InboundSoapMessage Inbound(const httplib::Request& request) {
  return {request.body, Unquote(request.get_header_value("SOAPAction")),
          request.get_header_value("X-Correlation-ID")};
}

void Send(HttpReply reply, httplib::Response& response) {
  response.status = reply.status;
  response.set_content(std::move(reply.body), reply.content_type.c_str());
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

std::string UrlHost(const std::string& host) {
  return host.find(':') == std::string::npos ? host : "[" + host + "]";
}

class SimulatorsImpl final : public Simulators {
 public:
  explicit SimulatorsImpl(const SimOptions& options)
      : options_(options),
        work_orders_(options.slow_ms, &stop_signal_, SoapLimits{kMaxBodyBytes}),
        midas_(options.slow_ms, &stop_signal_, SoapLimits{kMaxBodyBytes}) {}

  ~SimulatorsImpl() override { Stop(); }

  // Binds, starts the accept loop on a thread, waits until it runs.
  bool Start(std::string* error) {
    Configure();
    if (options_.port == 0) {
      port_ = server_.bind_to_any_port(options_.host);
    } else if (server_.bind_to_port(options_.host, options_.port)) {
      port_ = options_.port;
    }
    if (port_ <= 0) {
      if (error != nullptr) {
        *error = "cannot bind " + options_.host + ":" + std::to_string(options_.port);
      }
      return false;
    }
    server_.RaiseListenBacklog(kListenBacklog);
    listener_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() is a no-op until the accept loop runs: wait for it.
    const auto deadline = std::chrono::steady_clock::now() + kReadyTimeout;
    while (!server_.is_running() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(kReadyPollInterval);
    }
    if (!server_.is_running()) {
      if (error != nullptr) *error = "simulator HTTP server did not start";
      return false;  // the destructor joins the thread
    }
    return true;
  }

  int port() const override { return port_; }
  std::string WorkOrderUrl() const override { return BaseUrl() + "/workorder"; }
  std::string MidasUrl() const override { return BaseUrl() + "/midas"; }

  std::vector<ReceivedWorkOrder> WorkOrderRequests() const override {
    return work_orders_.Received();
  }
  std::vector<ReceivedStatusUpdate> MidasUpdates() const override { return midas_.Received(); }

  void Reset() override {
    work_orders_.Reset();
    midas_.Reset();
  }

  void Stop() override {
    std::lock_guard<std::mutex> lock(stop_mutex_);
    stop_signal_.Stop();  // first, so slow answers return and the pool can drain
    if (server_.is_running()) server_.stop();
    if (listener_.joinable()) listener_.join();
  }

 private:
  void Configure() {
    const int threads = options_.threads > 0 ? options_.threads : 1;
    server_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    server_.set_tcp_nodelay(true);
    server_.set_socket_options(ReuseAddressOnly);
    server_.set_keep_alive_max_count(kKeepAliveMaxRequests);
    server_.set_keep_alive_timeout(kKeepAliveIdleSeconds);
    server_.set_payload_max_length(kMaxBodyBytes);

    server_.Post("/workorder", [this](const httplib::Request& request, httplib::Response& response) {
      HttpReply reply = work_orders_.Serve(Inbound(request));
      WaitLatency();
      Send(std::move(reply), response);
    });
    server_.Post("/midas", [this](const httplib::Request& request, httplib::Response& response) {
      HttpReply reply = midas_.Serve(Inbound(request));
      WaitLatency();
      Send(std::move(reply), response);
    });
    server_.Get("/__sim/received", [this](const httplib::Request&, httplib::Response& response) {
      response.set_content(ReceivedJson().dump(), "application/json");
    });
    server_.Delete("/__sim/received", [this](const httplib::Request&, httplib::Response& response) {
      Reset();
      response.status = 204;
    });
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
    return {{"workOrders", std::move(work_orders)}, {"midasUpdates", std::move(midas_updates)}};
  }

  std::string BaseUrl() const {
    return "http://" + UrlHost(options_.host) + ":" + std::to_string(port_);
  }

  const SimOptions options_;
  StopSignal stop_signal_;
  WorkOrderSim work_orders_;
  MidasSim midas_;
  HttpServer server_;
  std::thread listener_;
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
