// Helpers for the simulator tests: start the simulators on a free loopback
// port, and call them the way the adapter does, with the generated gSOAP
// proxies (each on its own context). Header-only; not a test binary.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "sim/simulators.h"
#include "soapH.h"
#include "soapMidasCustomerBindingProxy.h"
#include "soapWorkOrderBindingProxy.h"
#include "tests/support/results.h"

namespace voip::sim::testing {

inline constexpr char kCustomerNumber[] = "447700900123";  // no trigger: success
inline constexpr int kTestSlowMs = 400;

inline std::unique_ptr<Simulators> StartSimulators(int slow_ms = kTestSlowMs, int threads = 8) {
  SimOptions options;
  options.port = 0;
  options.slow_ms = slow_ms;
  options.threads = threads;
  std::unique_ptr<Simulators> simulators = voip::testing::ResultValue(Simulators::Start(options));
  EXPECT_NE(simulators, nullptr);
  return simulators;
}

// Polls `condition` every 5 ms for up to 5 s; returns its last value.
template <class Condition>
bool WaitUntil(Condition condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!condition() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return condition();
}

inline void ConfigureClientContext(struct soap* ctx) {
  soap_set_mode(ctx, SOAP_C_UTFSTRING | SOAP_XML_STRICT);
  ctx->connect_timeout = 5;
  ctx->send_timeout = 5;
  ctx->recv_timeout = 5;
  ctx->transfer_timeout = 10;
}

// One CreateMigrationWorkOrder call per object: the response and the fault
// stay readable until the object is destroyed.
class WorkOrderCall {
 public:
  explicit WorkOrderCall(std::string url) : url_(std::move(url)), proxy_(url_.c_str()) {
    ConfigureClientContext(proxy_.soap);
  }

  // Returns the gSOAP error code (0 on success).
  int Create(const std::string& telephone_number, const char* correlation_header = nullptr) {
    if (correlation_header != nullptr) {
      header_ = std::string("X-Correlation-ID: ") + correlation_header;
      proxy_.soap->http_extra_header = header_.c_str();
    }
    _wo__CreateMigrationWorkOrderRequest request;
    request.telephoneNumber = telephone_number;
    request.accountNumber = "123456789";
    request.siteReference = 42;
    request.migrationType = wo__MigrationType__TDM_USCORETO_USCOREVOC;
    correlation_id_ = "corr-body-1";
    request.correlationId = &correlation_id_;
    return proxy_.CreateMigrationWorkOrder(&request, response);
  }

  const _wo__WorkOrderFault* TypedFault() const {
    const SOAP_ENV__Detail* detail = proxy_.soap->fault ? proxy_.soap->fault->detail : nullptr;
    return detail ? detail->wo__WorkOrderFault : nullptr;
  }
  std::string FaultCode() const { return Str(soap_fault_subcode(proxy_.soap)); }
  std::string FaultDetailXml() const { return Str(soap_fault_detail(proxy_.soap)); }
  struct soap* soap() {
    return proxy_.soap;
  }

  _wo__CreateMigrationWorkOrderResponse response;

 private:
  static std::string Str(const char* text) { return text ? text : ""; }

  std::string url_;  // the proxy keeps a raw pointer to it
  WorkOrderBindingProxy proxy_;
  std::string header_;
  std::string correlation_id_;
};

// One UpdateCustomerMigrationStatus call per object.
class MidasCall {
 public:
  explicit MidasCall(std::string url) : url_(std::move(url)), proxy_(url_.c_str()) {
    ConfigureClientContext(proxy_.soap);
  }

  // Returns the gSOAP error code (0 on success). Sends a WORK_ORDER_CREATED
  // update with an order number, or WORK_ORDER_FAILED with a reason.
  int Update(const std::string& telephone_number, bool created = true) {
    _midas__UpdateCustomerMigrationStatusRequest request;
    request.accountNumber = "123456789";
    request.siteReference = 42;
    request.telephoneNumber = telephone_number;
    if (created) {
      request.migrationStatus = midas__MigrationStatus__WORK_USCOREORDER_USCORECREATED;
      optional_ = "WO1000000001";
      request.orderNumber = &optional_;
    } else {
      request.migrationStatus = midas__MigrationStatus__WORK_USCOREORDER_USCOREFAILED;
      optional_ = "Site reference not known";
      request.reason = &optional_;
    }
    return proxy_.UpdateCustomerMigrationStatus(&request, response);
  }

  const _midas__MidasFault* TypedFault() const {
    const SOAP_ENV__Detail* detail = proxy_.soap->fault ? proxy_.soap->fault->detail : nullptr;
    return detail ? detail->midas__MidasFault : nullptr;
  }
  std::string FaultCode() const {
    const char* code = soap_fault_subcode(proxy_.soap);
    return code ? code : "";
  }

  _midas__UpdateCustomerMigrationStatusResponse response;

 private:
  std::string url_;
  MidasCustomerBindingProxy proxy_;
  std::string optional_;
};

}  // namespace voip::sim::testing
