#include "sim/work_order_sim.h"

#include <chrono>
#include <string_view>
#include <utility>

#include "sim/triggers.h"
#include "sim/typed_fault.h"
#include "soapH.h"
#include "soapWorkOrderBindingService.h"

namespace voip::sim {

using soap::DispatchSoap;
using soap::HttpReply;
using soap::InboundSoapMessage;
using soap::SoapDispatchResult;
using soap::SoapLimits;

namespace {

// The first part of a real success envelope, cut off mid-element.
constexpr std::string_view kTruncatedEnvelope =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<SOAP-ENV:Envelope xmlns:SOAP-ENV=\"http://schemas.xmlsoap.org/soap/envelope/\" "
    "xmlns:wo=\"http://schemas.cableco.example/fieldops/workorder/migration/v1\">"
    "<SOAP-ENV:Body><wo:CreateMigrationWorkOrderResponse><wo:orderNumber>WO10000";

// What a load balancer or application server in front of the real system
// answers when the application behind it has failed.
constexpr std::string_view kHtmlErrorPage =
    "<!DOCTYPE html>\n<html><head><title>500 Internal Server Error</title></head>"
    "<body><h1>Internal Server Error</h1>"
    "<p>The server encountered an internal error and was unable to complete your request.</p>"
    "<hr><address>Apache/2.4.57 (Unix) Server at workorders.cableco.example Port 443</address>"
    "</body></html>\n";

std::string ForeignFaultDetailXml() {
  return "<esb:PlatformError xmlns:esb=\"" + std::string(kForeignFaultNamespace) + "\">" + "<esb:code>" +
         std::string(kForeignFaultCode) + "</esb:code>" + "<esb:message>" + std::string(kForeignFaultMessage) +
         "</esb:message>" + "</esb:PlatformError>";
}

std::string FormatOrderNumber(std::int64_t sequence) { return "WO" + std::to_string(sequence); }

// A Client (BUSINESS) or Server (SYSTEM) fault with a typed wo:WorkOrderFault detail.
int WorkOrderFault(struct soap* ctx, wo__FaultCategory category, std::string_view code, std::string_view message) {
  return TypedSoapFault<_wo__WorkOrderFault, &SOAP_ENV__Detail::wo__WorkOrderFault, &soap_new__wo__WorkOrderFault>(
      ctx, category == wo__FaultCategory__BUSINESS, category, code, message);
}

}  // namespace

// One instance per message, built on the thread's gSOAP context.
class WorkOrderSim::Service final : public WorkOrderBindingService {
 public:
  Service(struct soap* ctx, WorkOrderSim* sim, const InboundSoapMessage* message, HttpReply* takeover)
      : WorkOrderBindingService(ctx), sim_(sim), message_(message), takeover_(takeover) {}

  WorkOrderBindingService* copy() override { return nullptr; }  // never copied

  int CreateMigrationWorkOrder(_wo__CreateMigrationWorkOrderRequest* request,
                               _wo__CreateMigrationWorkOrderResponse& response) override {
    if (request == nullptr) return soap_senderfault("CreateMigrationWorkOrderRequest missing", nullptr);
    const WorkOrderOutcome outcome = WorkOrderOutcomeFor(request->telephoneNumber);
    const bool creates = outcome == WorkOrderOutcome::kCreated || outcome == WorkOrderOutcome::kSlowCreated;
    const std::string order_number = sim_->Record(ToRecord(*request), creates);

    switch (outcome) {
      case WorkOrderOutcome::kBusinessFault:
        return WorkOrderFault(soap, wo__FaultCategory__BUSINESS, kWorkOrderBusinessFaultCode,
                              kWorkOrderBusinessFaultMessage);
      case WorkOrderOutcome::kSystemFault:
        return WorkOrderFault(soap, wo__FaultCategory__SYSTEM, kWorkOrderSystemFaultCode, kWorkOrderSystemFaultMessage);
      case WorkOrderOutcome::kForeignFault: {
        const std::string detail = ForeignFaultDetailXml();
        return soap_receiverfault("Unhandled platform error", detail.c_str());
      }
      case WorkOrderOutcome::kMalformed:
        *takeover_ = {200, "text/xml; charset=utf-8", std::string(kTruncatedEnvelope)};
        return SOAP_STOP;
      case WorkOrderOutcome::kHtmlError:
        *takeover_ = {500, "text/html; charset=utf-8", std::string(kHtmlErrorPage)};
        return SOAP_STOP;
      case WorkOrderOutcome::kSlowCreated:
        // Answers after slow_ms, or at once when the simulators stop.
        sim_->stop_->WaitFor(std::chrono::milliseconds(sim_->slow_ms_));
        [[fallthrough]];
      case WorkOrderOutcome::kCreated: response.orderNumber = order_number; return SOAP_OK;
    }
    return soap_receiverfault("Simulator has no answer for this trigger", nullptr);
  }

 private:
  ReceivedWorkOrder ToRecord(const _wo__CreateMigrationWorkOrderRequest& request) const {
    ReceivedWorkOrder record;
    record.telephone_number = request.telephoneNumber;
    record.account_number = request.accountNumber;
    record.site_reference = request.siteReference;
    record.migration_type = soap_wo__MigrationType2s(soap, request.migrationType);
    record.correlation_id = request.correlationId ? *request.correlationId : "";
    record.correlation_header = message_->correlation_header;
    record.traceparent = message_->traceparent;
    record.tracestate = message_->tracestate;
    record.soap_action = message_->soap_action;
    record.raw_xml = std::string(message_->body);
    return record;
  }

  WorkOrderSim* const sim_;
  const InboundSoapMessage* const message_;
  HttpReply* const takeover_;
};

WorkOrderSim::WorkOrderSim(int slow_ms, const StopSignal* stop, SoapLimits limits)
    : slow_ms_(slow_ms), stop_(stop), limits_(limits), received_(kFirstSequenceNumber) {}

HttpReply WorkOrderSim::Serve(const InboundSoapMessage& message) {
  HttpReply takeover;
  SoapDispatchResult result = DispatchSoap(
      message.body,
      [&](struct soap* ctx) {
        Service service(ctx, this, &message, &takeover);
        return service.dispatch();
      },
      limits_);
  return result.taken_over ? std::move(takeover) : std::move(result.reply);
}

std::string WorkOrderSim::Record(ReceivedWorkOrder record, bool assign_order_number) {
  const auto number = received_.Append(
      std::move(record), assign_order_number,
      [](ReceivedWorkOrder& numbered, std::int64_t sequence) { numbered.order_number = FormatOrderNumber(sequence); });
  return number ? FormatOrderNumber(*number) : std::string();
}

std::vector<ReceivedWorkOrder> WorkOrderSim::Received() const { return received_.All(); }

void WorkOrderSim::Reset() { received_.Clear(); }

}  // namespace voip::sim
