// Simulator of the legacy work-order system (WorkOrderService.wsdl, operation
// CreateMigrationWorkOrder), served from the generated gSOAP service. The
// outcome is chosen by the request's telephone number (sim/triggers.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "adapter/soap/soap_dispatch.h"
#include "sim/received_log.h"
#include "sim/simulators.h"
#include "sim/stop_signal.h"

namespace voip::sim {

// Thread-safe: Serve() may run on many threads at once; a slow answer blocks
// only the thread serving it.
class WorkOrderSim {
 public:
  // Only the newest records are kept, so a long load run does not grow memory.
  static constexpr std::size_t kMaxRecords = ReceivedLog<ReceivedWorkOrder>::kMaxRecords;

  // `stop` must outlive this object; stopping it cuts slow answers short.
  WorkOrderSim(int slow_ms, const StopSignal* stop, soap::SoapLimits limits = {});
  WorkOrderSim(const WorkOrderSim&) = delete;
  WorkOrderSim& operator=(const WorkOrderSim&) = delete;

  // Answers one POSTed envelope. Envelopes that reach the operation are
  // recorded (before any slow wait) with the order number answered, empty
  // when the answer was not a success; envelopes gSOAP rejects are answered
  // with a SOAP fault and not recorded.
  soap::HttpReply Serve(const soap::InboundSoapMessage& message);

  // Snapshot of the recorded requests, in arrival order.
  std::vector<ReceivedWorkOrder> Received() const;

  // Forgets the recorded requests. Order numbers keep counting, so a number
  // is never handed out twice by one simulator.
  void Reset();

 private:
  class Service;  // the generated service's subclass, see work_order_sim.cc

  // Appends `record`, first giving it the next order number when asked to;
  // returns the order number given (empty when none).
  std::string Record(ReceivedWorkOrder record, bool assign_order_number);

  const int slow_ms_;
  const StopSignal* const stop_;
  const soap::SoapLimits limits_;

  ReceivedLog<ReceivedWorkOrder> received_;
};

}  // namespace voip::sim
