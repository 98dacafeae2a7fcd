#include "adapter/metrics.h"

#include <gtest/gtest.h>

#include <regex>

#include "platform/build_info.h"

namespace voip {
namespace {

bool Has(const std::string& text, const std::string& line) { return text.find(line + "\n") != std::string::npos; }

MigrationOutcome Succeeded() {
  MigrationOutcome outcome;
  outcome.order_number = "WO1";
  outcome.work_order_called = true;
  outcome.midas_called = true;
  outcome.work_order_time = std::chrono::microseconds(3000);
  outcome.midas_time = std::chrono::microseconds(700);
  return outcome;
}

// A success is counted by face, outcome and status, with both backend latencies.
TEST(MetricsTest, CountsSuccessByFaceOutcomeAndStatus) {
  Metrics metrics;
  metrics.RecordRequest(Face::kJson, Succeeded(), 200, std::chrono::microseconds(4000));
  const std::string text = metrics.RenderPrometheus();
  EXPECT_TRUE(Has(text, R"(voip_requests_total{face="json",outcome="success",status="200"} 1)")) << text;
  EXPECT_TRUE(Has(text, R"(voip_request_duration_seconds_bucket{face="json",le="0.005"} 1)"));
  EXPECT_TRUE(Has(text, R"(voip_request_duration_seconds_bucket{face="json",le="0.0025"} 0)"));
  EXPECT_TRUE(Has(text, R"(voip_request_duration_seconds_count{face="json"} 1)"));
  EXPECT_TRUE(Has(text, R"(voip_request_duration_seconds_sum{face="json"} 0.004)"));
  EXPECT_TRUE(Has(text, R"(voip_backend_call_duration_seconds_count{backend="workorder"} 1)"));
  EXPECT_TRUE(Has(text, R"(voip_backend_call_duration_seconds_bucket{backend="midas",le="0.001"} 1)"));
}

// Faults are counted by type and code; backend errors by kind.
TEST(MetricsTest, CountsFaultsAndBackendErrors) {
  Metrics metrics;
  MigrationOutcome outcome = Succeeded();
  outcome.order_number.reset();
  outcome.work_order_error = BackendErrorKind::kTimeout;
  outcome.faults = {SystemFault("timed out")};
  metrics.RecordRequest(Face::kSoap, outcome, 504, std::chrono::microseconds(1000));
  const std::string text = metrics.RenderPrometheus();
  EXPECT_TRUE(Has(text, R"(voip_requests_total{face="soap",outcome="failure",status="504"} 1)"));
  EXPECT_TRUE(Has(text, R"(voip_faults_total{face="soap",type="SYSTEM",code="10686"} 1)"));
  EXPECT_TRUE(Has(text, R"(voip_faults_total{face="soap",type="BUSINESS",code="10685"} 0)"));
  EXPECT_TRUE(Has(text, R"(voip_backend_errors_total{backend="workorder",kind="timeout"} 1)"));
  EXPECT_TRUE(Has(text, R"(voip_backend_errors_total{backend="midas",kind="timeout"} 0)"));
}

// A rejected request called no backend, so no backend latency is recorded.
TEST(MetricsTest, RejectedRequestRecordsNoBackendCall) {
  Metrics metrics;
  metrics.RecordRequest(Face::kJson, RejectedOutcome(FailureClass::kInvalidRequest, {BusinessFault("x")}), 400,
                        std::chrono::microseconds(50));
  const std::string text = metrics.RenderPrometheus();
  EXPECT_TRUE(Has(text, R"(voip_backend_call_duration_seconds_count{backend="workorder"} 0)"));
  EXPECT_TRUE(Has(text, R"(voip_faults_total{face="json",type="BUSINESS",code="10685"} 1)"));
}

// The in-flight gauge follows the guards' lifetimes.
TEST(MetricsTest, InFlightFollowsGuards) {
  Metrics metrics;
  {
    Metrics::InFlight a(metrics);
    Metrics::InFlight b(metrics);
    EXPECT_EQ(metrics.in_flight(), 2);
    EXPECT_TRUE(Has(metrics.RenderPrometheus(), "voip_requests_in_flight 2"));
  }
  EXPECT_EQ(metrics.in_flight(), 0);
}

// Every family has HELP and TYPE lines (Prometheus text format).
TEST(MetricsTest, EveryFamilyIsDeclared) {
  const std::string text = Metrics().RenderPrometheus();
  for (const char* family : {"voip_requests_total counter", "voip_faults_total counter",
                             "voip_request_duration_seconds histogram", "voip_backend_call_duration_seconds histogram",
                             "voip_backend_errors_total counter", "voip_requests_in_flight gauge"}) {
    EXPECT_NE(text.find(std::string("# TYPE ") + family), std::string::npos) << family;
  }
}

// voip_build_info is 1, labelled with this build's version, commit and gSOAP version.
TEST(MetricsTest, BuildInfoLabelsVersionCommitAndGsoap) {
  const std::string text = Metrics().RenderPrometheus();
  EXPECT_TRUE(Has(text, std::string("voip_build_info{version=\"") + VOIP_PROJECT_VERSION + "\",commit=\"" +
                            ThisBuild().commit + "\",gsoap=\"" + ThisBuild().gsoap + "\"} 1"))
      << text;
  EXPECT_NE(text.find("# TYPE voip_build_info gauge\n"), std::string::npos);
}

// The standard process_* families, named and typed as Prometheus client libraries do, with a value each.
TEST(MetricsTest, ProcessFamiliesAsClientLibrariesName) {
  const std::string text = Metrics().RenderPrometheus();
  for (const char* family :
       {"process_cpu_seconds_total counter", "process_resident_memory_bytes gauge", "process_open_fds gauge",
        "process_max_fds gauge", "process_start_time_seconds gauge", "process_virtual_memory_bytes gauge"}) {
    const std::string name = std::string(family).substr(0, std::string(family).find(' '));
    EXPECT_NE(text.find(std::string("# TYPE ") + family + "\n"), std::string::npos) << family;
    EXPECT_TRUE(std::regex_search(text, std::regex("\n" + name + " [0-9][0-9.e+]*\n"))) << name << "\n" << text;
  }
}

}  // namespace
}  // namespace voip
