#include "core/name_table.hpp"

#include <gtest/gtest.h>

#include <array>

namespace ldb::core {
namespace {

enum class Shape { square, circle };

std::string_view shape_name(Shape s) { return s == Shape::square ? "square" : "circle"; }

constexpr std::array k_shapes{
    NamedValue<Shape>{"square", Shape::square},
    NamedValue<Shape>{"sq", Shape::square},
    NamedValue<Shape>{"box", Shape::square},
    NamedValue<Shape>{"circle", Shape::circle},
};

TEST(NameTableTest, NamesAndAliasesParse) {
  EXPECT_EQ(value_named<Shape>(k_shapes, "square"), Shape::square);
  EXPECT_EQ(value_named<Shape>(k_shapes, "box"), Shape::square);
  EXPECT_EQ(value_named<Shape>(k_shapes, "circle"), Shape::circle);
  EXPECT_EQ(value_named<Shape>(k_shapes, "Circle"), std::nullopt);
  EXPECT_EQ(value_named<Shape>(k_shapes, ""), std::nullopt);
}

TEST(NameTableTest, CanonicalNamesLeaveAliasesOut) {
  EXPECT_EQ(canonical_names<Shape>(k_shapes, shape_name), (std::vector<std::string_view>{"square", "circle"}));
}

TEST(NameTableTest, DescribeNamesPutsAliasesAfterTheirName) {
  EXPECT_EQ(describe_names<Shape>(k_shapes, shape_name), "square (sq) (box), circle");
}

}  // namespace
}  // namespace ldb::core
