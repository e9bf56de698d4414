// The official JMESPath compliance suite (testdata/jmespath-compliance/*.json),
// read at test time and run through Dialect::jmespath. Each failing case is
// reported by file, group and expression. Cases with "bench" only need to run
// without crashing. ldb's own cases in the same format live in
// tests/unit/query/cases/*.json and run through the dialect named in the file
// name (ldb_*.json: Dialect::ldb, otherwise Dialect::jmespath). In ldb_*.json an
// "error" of "missing" means the ldb dialect's missing-key outcome (the object
// is dropped); any other error text means a runtime or syntax error.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <simdjson.h>
#include <nlohmann/json.hpp>

#include "query/expression.hpp"

namespace ldb::query {
namespace {

namespace fs = std::filesystem;

// Compares JSON values with numbers compared numerically (1 == 1.0).
bool same_json(const nlohmann::json& a, const nlohmann::json& b) {
  if (a.is_number() && b.is_number()) return a.get<double>() == b.get<double>();
  if (a.type() != b.type()) return false;
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!same_json(a[i], b[i])) return false;
    }
    return true;
  }
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto it = a.begin(); it != a.end(); ++it) {
      if (!b.contains(it.key()) || !same_json(it.value(), b.at(it.key()))) return false;
    }
    return true;
  }
  return a == b;
}

struct SuiteResult {
  int cases = 0;
  int checked = 0;
  std::vector<std::string> failures;
};

void run_file(const fs::path& path, Dialect dialect, SuiteResult& result) {
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  nlohmann::json groups = nlohmann::json::parse(in);
  simdjson::dom::parser parser;
  int group_index = 0;
  for (const auto& group : groups) {
    ++group_index;
    std::string given = group.at("given").dump();
    simdjson::dom::element document;
    ASSERT_EQ(parser.parse(given).get(document), simdjson::SUCCESS) << path << " group " << group_index;
    for (const auto& test_case : group.at("cases")) {
      ++result.cases;
      std::string expression = test_case.at("expression").get<std::string>();
      std::string where = fmt::format("{} group {}: {}", path.filename().string(), group_index, expression);
      auto parsed = Expression::parse(expression, dialect);
      std::optional<std::string> json;
      std::string error;
      std::optional<Expression::Outcome> outcome;
      if (!parsed) {
        error = parsed.error().message;
      } else {
        auto evaluated = parsed->evaluate_json(document);
        if (evaluated) {
          json = *evaluated;
        } else {
          error = evaluated.error().message;
        }
        // test() must agree with evaluate_json() about errors and never crash.
        std::string why;
        outcome = parsed->test(document, &why);
        if ((outcome == Expression::Outcome::error || outcome == Expression::Outcome::missing) != !evaluated) {
          result.failures.push_back(where + " -> test() and evaluate_json() disagree");
        }
      }
      if (test_case.contains("result")) {
        ++result.checked;
        if (!json) {
          result.failures.push_back(
              fmt::format("{} -> error '{}', expected {}", where, error, test_case["result"].dump()));
          continue;
        }
        nlohmann::json actual = nlohmann::json::parse(*json, nullptr, false);
        if (actual.is_discarded()) {
          result.failures.push_back(fmt::format("{} -> invalid JSON output {}", where, *json));
        } else if (!same_json(actual, test_case["result"])) {
          result.failures.push_back(fmt::format("{} -> {}, expected {}", where, *json, test_case["result"].dump()));
        }
      } else if (test_case.contains("error")) {
        ++result.checked;
        std::string expected = test_case["error"].get<std::string>();
        if (json) {
          result.failures.push_back(fmt::format("{} -> {}, expected error {}", where, *json, expected));
        } else if (dialect == Dialect::ldb && outcome &&
                   (expected == "missing") != (*outcome == Expression::Outcome::missing)) {
          // ldb's own cases tell a missing key ("missing": the object is
          // dropped silently) from a runtime error (reported as skipped).
          result.failures.push_back(fmt::format("{} -> error '{}', expected {}", where, error, expected));
        }
      }
    }
  }
}

TEST(JmespathCompliance, AllCasesPass) {
  fs::path dir = fs::path(LDB_TESTDATA_DIR) / "jmespath-compliance";
  ASSERT_TRUE(fs::is_directory(dir)) << dir;
  SuiteResult result;
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    ++files;
    run_file(entry.path(), Dialect::jmespath, result);
  }
  EXPECT_GE(files, 16);
  EXPECT_EQ(result.cases, 908);
  EXPECT_EQ(result.checked, 902);
  for (const auto& failure : result.failures) ADD_FAILURE() << failure;
}

TEST(LdbCases, AllCasesPass) {
  fs::path dir = fs::path(LDB_SOURCE_DIR) / "tests/unit/query/cases";
  ASSERT_TRUE(fs::is_directory(dir)) << dir;
  SuiteResult result;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    Dialect dialect = entry.path().filename().string().starts_with("ldb_") ? Dialect::ldb : Dialect::jmespath;
    run_file(entry.path(), dialect, result);
  }
  EXPECT_GT(result.checked, 50);
  for (const auto& failure : result.failures) ADD_FAILURE() << failure;
}

}  // namespace
}  // namespace ldb::query
