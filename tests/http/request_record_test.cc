#include "http/request_record.h"

#include <gtest/gtest.h>

#include <sstream>
#include <vector>

#include "tests/support/sample_input.h"

namespace voip {
namespace {

std::vector<nlohmann::json> Lines(const std::string& text) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

class RequestRecordTest : public ::testing::Test {
 protected:
  void Record(const MigrationOutcome& outcome, int status) {
    const MigrationRequestInput input = testing::SampleRequestInput();
    RecordFinishedRequest({Face::kSoap, &outcome, status, "corr-7", &input, std::chrono::microseconds(900)}, metrics_,
                          logger_);
  }

  std::ostringstream log_;
  Logger logger_{log_, LogLevel::kInfo};
  Metrics metrics_;
};

// A work order with an unknown outcome gets its own warn line naming the entry, numbers masked.
TEST_F(RequestRecordTest, UnknownOutcomeHasItsOwnEventLine) {
  MigrationOutcome outcome = RejectedOutcome(FailureClass::kBackendTimeout, {SystemFault("timed out")});
  outcome.work_order_called = true;
  outcome.work_order_error = BackendErrorKind::kTimeout;
  outcome.work_order_outcome_unknown = true;
  outcome.outbox_entry = 17;
  Record(outcome, 504);
  const auto lines = Lines(log_.str());
  ASSERT_EQ(lines.size(), 2u) << log_.str();
  EXPECT_EQ(lines[0]["event"], "work_order_outcome_unknown");
  EXPECT_EQ(lines[0]["level"], "warn");
  EXPECT_EQ(lines[0]["entry"], 17);
  EXPECT_EQ(lines[0]["correlationId"], "corr-7");
  EXPECT_EQ(lines[0]["face"], "soap");
  EXPECT_EQ(lines[0]["workOrderError"], "timeout");
  EXPECT_EQ(lines[0]["recorded"], true);
  EXPECT_EQ(lines[0]["telephoneNumber"], "*********949");
  EXPECT_EQ(lines[0]["accountNumber"], "******789");
  EXPECT_EQ(lines[1]["event"], "request");
  EXPECT_EQ(log_.str().find("447874384949"), std::string::npos);
  EXPECT_EQ(log_.str().find("123456789"), std::string::npos);
}

// A created work order writes the request line only.
TEST_F(RequestRecordTest, KnownOutcomeWritesOnlyTheRequestLine) {
  MigrationOutcome outcome;
  outcome.order_number = "WO1";
  outcome.work_order_called = true;
  outcome.outbox_entry = 3;
  Record(outcome, 200);
  const auto lines = Lines(log_.str());
  ASSERT_EQ(lines.size(), 1u) << log_.str();
  EXPECT_EQ(lines[0]["event"], "request");
  EXPECT_EQ(lines[0]["status"], 200);
}

// The request line's message says, in one sentence, which face answered what.
TEST_F(RequestRecordTest, RequestLineHasAMessage) {
  MigrationOutcome created;
  created.order_number = "WO1";
  Record(created, 200);
  Record(RejectedOutcome(FailureClass::kBusinessRejected, {SystemFault("no")}), 422);
  const auto lines = Lines(log_.str());
  ASSERT_EQ(lines.size(), 2u) << log_.str();
  EXPECT_EQ(lines[0]["message"], "SOAP request answered 200: work order created");
  EXPECT_EQ(lines[1]["message"], "SOAP request answered 422: faults");
  EXPECT_EQ(lines[1]["service"], "voip-migration-adapter");
}

}  // namespace
}  // namespace voip
