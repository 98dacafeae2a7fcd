#include "platform/log.h"

#include <gtest/gtest.h>

#include <sstream>

namespace voip {
namespace {

class LogTest : public ::testing::Test {
 protected:
  // The one line written, parsed.
  nlohmann::json OnlyLine() {
    const std::string text = out_.str();
    EXPECT_EQ(text.find('\n'), text.size() - 1) << text;  // exactly one line
    return nlohmann::json::parse(text);
  }

  std::ostringstream out_;
  Logger logger_{out_, LogLevel::kInfo};
};

// Quotes, backslashes, CR, LF and other control characters in a value are escaped: one line, value intact.
TEST_F(LogTest, ControlCharactersAndQuotesAreEscaped) {
  const std::string hostile = "a\"b\\c\r\n{\"forged\":1}\x01\t";
  logger_.Log(LogLevel::kInfo, "request", "A request", LogFields().Add("detail", hostile));
  const nlohmann::json line = OnlyLine();
  EXPECT_EQ(line["detail"], hostile);
  EXPECT_EQ(line.size(), 6u) << out_.str();  // time, level, event, message, service, detail: nothing forged
}

// Invalid UTF-8 is replaced (U+FFFD), as nlohmann::json's replace handler does, instead of breaking the line.
TEST_F(LogTest, InvalidUtf8IsReplaced) {
  logger_.Log(LogLevel::kInfo, "request", "A request", LogFields().Add("detail", std::string("ok\xff")));
  EXPECT_EQ(OnlyLine()["detail"], "ok\xEF\xBF\xBD");
}

// The direct writer gives the same value text as nlohmann::json for every kind of field.
TEST_F(LogTest, FieldsOfEveryKind) {
  logger_.Log(LogLevel::kInfo, "request", "A request",
              LogFields()
                  .Add("status", 502)
                  .Add("entry", std::int64_t{9007199254740993})
                  .Add("recorded", false)
                  .Add("faultCodes", std::vector<std::string>{"10686", "10685"})
                  .Add("none", std::vector<std::string>{})
                  .AddMillis("totalMs", std::chrono::microseconds(1234567))
                  .AddMillis("midasMs", std::chrono::microseconds(900))
                  .Add("config", nlohmann::json{{"threads", 8}}));
  const nlohmann::json line = OnlyLine();
  EXPECT_EQ(line["status"], 502);
  EXPECT_EQ(line["entry"], std::int64_t{9007199254740993});
  EXPECT_EQ(line["recorded"], false);
  EXPECT_EQ(line["faultCodes"], (nlohmann::json{"10686", "10685"}));
  EXPECT_EQ(line["none"], nlohmann::json::array());
  EXPECT_DOUBLE_EQ(line["totalMs"].get<double>(), 1234.567);
  EXPECT_DOUBLE_EQ(line["midasMs"].get<double>(), 0.9);
  EXPECT_EQ(line["config"]["threads"], 8);
}

// A line starts with time, level, event, message and service, then the fields in the order they were added.
TEST_F(LogTest, TimeLevelEventMessageServiceFirstThenFieldsInOrder) {
  logger_.Log(LogLevel::kWarn, "request", "A request failed", LogFields().Add("zeta", 1).Add("alpha", 2));
  const std::string text = out_.str();
  EXPECT_EQ(text.rfind(R"({"time":")", 0), 0u) << text;
  EXPECT_NE(text.find(R"(Z","level":"warn","event":"request","message":"A request failed",)"
                      R"("service":"voip-migration-adapter","zeta":1,"alpha":2})"),
            std::string::npos)
      << text;
}

// The service named at construction is on every line; a message is escaped like any value.
TEST_F(LogTest, ServiceAndMessageOnEveryLine) {
  std::ostringstream out;
  Logger logger(out, LogLevel::kInfo, "voip-migration-sim");
  logger.Log(LogLevel::kInfo, "start", "Say \"hi\"\n");
  const nlohmann::json line = nlohmann::json::parse(out.str());
  EXPECT_EQ(line["service"], "voip-migration-sim");
  EXPECT_EQ(line["message"], "Say \"hi\"\n");
  EXPECT_EQ(out.str().find('\n'), out.str().size() - 1);
}

// Lines given as a JSON object come out the same way (the object's members after the event).
TEST_F(LogTest, JsonObjectFields) {
  logger_.Log(LogLevel::kError, "outbox_store_failed", "The store failed", {{"error", "disk full\n"}, {"attempts", 3}});
  const nlohmann::json line = OnlyLine();
  EXPECT_EQ(line["level"], "error");
  EXPECT_EQ(line["event"], "outbox_store_failed");
  EXPECT_EQ(line["error"], "disk full\n");
  EXPECT_EQ(line["attempts"], 3);
}

// Below the minimum level nothing is written.
TEST_F(LogTest, BelowTheMinimumLevelNothingIsWritten) {
  logger_.Log(LogLevel::kDebug, "request", "A request", LogFields().Add("status", 200));
  EXPECT_EQ(out_.str(), "");
}

}  // namespace
}  // namespace voip
