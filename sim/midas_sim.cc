#include "sim/midas_sim.h"

#include <chrono>
#include <string_view>
#include <utility>

#include "sim/triggers.h"
#include "sim/typed_fault.h"
#include "soapH.h"
#include "soapMidasCustomerBindingService.h"

namespace voip::sim {

using soap::DispatchSoap;
using soap::HttpReply;
using soap::InboundSoapMessage;
using soap::SoapDispatchResult;
using soap::SoapLimits;

namespace {

std::string FormatUpdateReference(std::int64_t sequence) { return "UPD" + std::to_string(sequence); }

std::optional<std::string> Optional(const std::string* value) {
  if (value == nullptr) return std::nullopt;
  return *value;
}

// A Client (BUSINESS) or Server (SYSTEM) fault with a typed midas:MidasFault detail.
int MidasFault(struct soap* ctx, midas__FaultCategory category, std::string_view code, std::string_view message) {
  return TypedSoapFault<_midas__MidasFault, &SOAP_ENV__Detail::midas__MidasFault, &soap_new__midas__MidasFault>(
      ctx, category == midas__FaultCategory__BUSINESS, category, code, message);
}

}  // namespace

// One instance per message, built on the thread's gSOAP context.
class MidasSim::Service final : public MidasCustomerBindingService {
 public:
  Service(struct soap* ctx, MidasSim* sim, const InboundSoapMessage* message)
      : MidasCustomerBindingService(ctx), sim_(sim), message_(message) {}

  MidasCustomerBindingService* copy() override { return nullptr; }  // never copied

  int UpdateCustomerMigrationStatus(_midas__UpdateCustomerMigrationStatusRequest* request,
                                    _midas__UpdateCustomerMigrationStatusResponse& response) override {
    if (request == nullptr) {
      return soap_senderfault("UpdateCustomerMigrationStatusRequest missing", nullptr);
    }
    const MidasOutcome outcome = MidasOutcomeFor(request->telephoneNumber);
    ReceivedStatusUpdate record = ToRecord(*request);
    record.faulted = outcome == MidasOutcome::kSystemFault || outcome == MidasOutcome::kBusinessFault;
    const std::string update_reference = sim_->Record(std::move(record));

    switch (outcome) {
      case MidasOutcome::kSystemFault:
        return MidasFault(soap, midas__FaultCategory__SYSTEM, kMidasSystemFaultCode, kMidasSystemFaultMessage);
      case MidasOutcome::kBusinessFault:
        return MidasFault(soap, midas__FaultCategory__BUSINESS, kMidasBusinessFaultCode, kMidasBusinessFaultMessage);
      case MidasOutcome::kSlowAcknowledged:
        // Answers after slow_ms, or at once when the simulators stop.
        sim_->stop_->WaitFor(std::chrono::milliseconds(sim_->slow_ms_));
        [[fallthrough]];
      case MidasOutcome::kAcknowledged:
        response.acknowledged = true;
        response.updateReference = soap_new_std__string(soap);
        if (response.updateReference == nullptr) return soap->error = SOAP_EOM;
        *response.updateReference = update_reference;
        return SOAP_OK;
    }
    return soap_receiverfault("Simulator has no answer for this trigger", nullptr);
  }

 private:
  ReceivedStatusUpdate ToRecord(const _midas__UpdateCustomerMigrationStatusRequest& request) const {
    ReceivedStatusUpdate record;
    record.account_number = request.accountNumber;
    record.site_reference = request.siteReference;
    record.telephone_number = request.telephoneNumber;
    record.migration_status = soap_midas__MigrationStatus2s(soap, request.migrationStatus);
    record.order_number = Optional(request.orderNumber);
    record.reason = Optional(request.reason);
    record.correlation_id = request.correlationId ? *request.correlationId : "";
    record.correlation_header = message_->correlation_header;
    record.traceparent = message_->traceparent;
    record.tracestate = message_->tracestate;
    record.soap_action = message_->soap_action;
    record.raw_xml = std::string(message_->body);
    return record;
  }

  MidasSim* const sim_;
  const InboundSoapMessage* const message_;
};

MidasSim::MidasSim(int slow_ms, const StopSignal* stop, SoapLimits limits)
    : slow_ms_(slow_ms), stop_(stop), limits_(limits), received_(kFirstSequenceNumber) {}

HttpReply MidasSim::Serve(const InboundSoapMessage& message) {
  SoapDispatchResult result = DispatchSoap(
      message.body,
      [&](struct soap* ctx) {
        Service service(ctx, this, &message);
        return service.dispatch();
      },
      limits_);
  return std::move(result.reply);
}

std::string MidasSim::Record(ReceivedStatusUpdate record) {
  const bool numbered = !record.faulted;
  const auto number = received_.Append(std::move(record), numbered, [](ReceivedStatusUpdate&, std::int64_t) {});
  return number ? FormatUpdateReference(*number) : std::string();
}

std::vector<ReceivedStatusUpdate> MidasSim::Received() const { return received_.All(); }

void MidasSim::Reset() { received_.Clear(); }

}  // namespace voip::sim
