#pragma once
// Helper for query tests: parses JSON text into a simdjson document that stays
// alive as long as the helper.

#include <gtest/gtest.h>

#include <memory>
#include <string_view>

#include <simdjson.h>

namespace ldb::query::testing {

class Document {
 public:
  explicit Document(std::string_view json) : m_parser(std::make_unique<simdjson::dom::parser>()) {
    simdjson::padded_string padded(json);
    EXPECT_EQ(m_parser->parse(padded).get(m_root), simdjson::SUCCESS) << json;
  }
  simdjson::dom::element root() const { return m_root; }

 private:
  std::unique_ptr<simdjson::dom::parser> m_parser;
  simdjson::dom::element m_root;
};

}  // namespace ldb::query::testing
