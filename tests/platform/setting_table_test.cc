#include "platform/setting_table.h"

#include <gtest/gtest.h>

namespace voip {
namespace {

struct Target {
  long number = 0;
  bool on = false;
  std::string text;
};

SettingTable<Target> Table() {
  return SettingTable<Target>({
      {"number", "N", "a number",
       [](Target& t, const std::string& v) -> SettingProblem {
         const auto n = ParseIntegerIn(v, 0, 9);
         if (!n) return "must be 0 to 9, got '" + v + "'";
         t.number = *n;
         return std::nullopt;
       }},
      {"on", "", "a switch",
       [](Target& t, const std::string& v) -> SettingProblem {
         t.on = v == "true";
         return std::nullopt;
       }},
      {"text", "TEXT", "some text",
       [](Target& t, const std::string& v) -> SettingProblem {
         t.text = v;
         return std::nullopt;
       }},
  });
}

const FlagWording kWording{[](const FlagArgument& a) { return (a.dashed ? "unknown " : "stray ") + a.flag; },
                           [](const std::string& flag, const std::string& hint) { return flag + " wants " + hint; },
                           ": "};

// --name value, --name=value and a bare switch are each applied to the target.
TEST(SettingTableTest, AppliesEveryFlagForm) {
  Target target;
  EXPECT_FALSE(Table().ParseFlags({"--number", "7", "--text=a=b", "--on"}, target, kWording));
  EXPECT_EQ(target.number, 7);
  EXPECT_EQ(target.text, "a=b");
  EXPECT_TRUE(target.on);
}

// A flag the table does not hold, dashed or not, is worded by the program and stops parsing.
TEST(SettingTableTest, UnknownFlagIsWordedByTheProgram) {
  Target target;
  EXPECT_EQ(Table().ParseFlags({"--bogus=1", "--number", "3"}, target, kWording), "unknown --bogus");
  EXPECT_EQ(target.number, 0);
  EXPECT_EQ(Table().ParseFlags({"plain"}, target, kWording), "stray plain");
}

// A flag that needs a value and comes last names the flag and its value hint.
TEST(SettingTableTest, MissingValueNamesHint) {
  Target target;
  EXPECT_EQ(Table().ParseFlags({"--number"}, target, kWording), "--number wants N");
}

// A setting's problem follows the flag as given, after the program's separator; what came before stays applied.
TEST(SettingTableTest, ProblemFollowsTheFlag) {
  Target target;
  EXPECT_EQ(Table().ParseFlags({"--text", "x", "--number=12"}, target, kWording), "--number: must be 0 to 9, got '12'");
  EXPECT_EQ(target.text, "x");
}

// A skipped flag is passed over with its value, in both forms.
TEST(SettingTableTest, SkippedFlagTakesItsValue) {
  Target target;
  EXPECT_FALSE(Table().ParseFlags({"--config", "f", "--config=g", "--number", "2"}, target, kWording, {"config"}));
  EXPECT_EQ(target.number, 2);
}

// Find returns the named setting, or null.
TEST(SettingTableTest, FindsByName) {
  const SettingTable<Target> table = Table();
  ASSERT_NE(table.Find("text"), nullptr);
  EXPECT_EQ(table.Find("text")->value_hint, "TEXT");
  EXPECT_EQ(table.Find("nope"), nullptr);
}

// Usage lines pad the flag to the column; a longer flag gets one space.
TEST(UsageLineTest, PadsToColumnOrOneSpace) {
  EXPECT_EQ(UsageLine("n", "N", "help", UsageLayout{8, false}), "  --n N   help\n");
  EXPECT_EQ(UsageLine("longer", "N", "help", UsageLayout{8, false}), "  --longer N help\n");
}

// With long_flag_on_own_line, a long flag's help starts on the next line; continuation lines are indented.
TEST(UsageLineTest, LongFlagOnOwnLineAndContinuations) {
  EXPECT_EQ(UsageLine("longer", "N", "one\ntwo", UsageLayout{8, true}), "  --longer N\n          one\n          two\n");
}

// The table's lines follow its order.
TEST(UsageLineTest, TableOrder) {
  EXPECT_EQ(Table().UsageLines(UsageLayout{12, false}),
            "  --number N  a number\n  --on        a switch\n  --text TEXT some text\n");
}

// ParseIntegerIn takes whole integers within the bounds only.
TEST(ParseIntegerInTest, BoundsAndSyntax) {
  EXPECT_EQ(ParseIntegerIn("5", 1, 5), 5);
  EXPECT_EQ(ParseIntegerIn("-1", -1, 5), -1);
  EXPECT_FALSE(ParseIntegerIn("6", 1, 5));
  EXPECT_FALSE(ParseIntegerIn("", 1, 5));
  EXPECT_FALSE(ParseIntegerIn("3x", 1, 5));
  EXPECT_FALSE(ParseIntegerIn("99999999999999999999", 1, 5));
}

}  // namespace
}  // namespace voip
