// Simulator of MIDAS, the customer system (MidasCustomerService.wsdl,
// operation UpdateCustomerMigrationStatus), served from the generated gSOAP
// service. The outcome is chosen by the request's telephone number
// (sim/triggers.h).
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
class MidasSim {
 public:
  // Only the newest records are kept, so a long load run does not grow memory.
  static constexpr std::size_t kMaxRecords = ReceivedLog<ReceivedStatusUpdate>::kMaxRecords;

  // `stop` must outlive this object; stopping it cuts slow answers short.
  MidasSim(int slow_ms, const StopSignal* stop, soap::SoapLimits limits = {});
  MidasSim(const MidasSim&) = delete;
  MidasSim& operator=(const MidasSim&) = delete;

  // Answers one POSTed envelope. Every update that reaches the operation is
  // recorded (before any slow wait), faulted ones flagged; envelopes gSOAP
  // rejects are answered with a SOAP fault and not recorded.
  soap::HttpReply Serve(const soap::InboundSoapMessage& message);

  // Snapshot of the recorded updates, in arrival order.
  std::vector<ReceivedStatusUpdate> Received() const;

  // Forgets the recorded updates; update references keep counting.
  void Reset();

 private:
  class Service;  // the generated service's subclass, see midas_sim.cc

  // Appends `record`; unless it is faulted, gives it the next update
  // reference and returns that (empty otherwise).
  std::string Record(ReceivedStatusUpdate record);

  const int slow_ms_;
  const StopSignal* const stop_;
  const soap::SoapLimits limits_;

  ReceivedLog<ReceivedStatusUpdate> received_;
};

}  // namespace voip::sim
