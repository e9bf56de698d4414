// LDB_TRY and LDB_TRY_ASSIGN (core/error.hpp).

#include "core/error.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace ldb {
namespace {

Result<std::unique_ptr<int>> make(bool ok, int value) {
  if (!ok) return fail(ErrorCode::not_found, "no value", "give one");
  return std::make_unique<int>(value);
}

// Two LDB_TRY_ASSIGNs in one function: each has its own hidden result.
Result<int> sum(bool first_ok, bool second_ok) {
  LDB_TRY_ASSIGN(auto a, make(first_ok, 2));
  LDB_TRY_ASSIGN(std::unique_ptr<int> b, make(second_ok, 3));
  return *a + *b;
}

Status assign_existing(int& out) {
  std::unique_ptr<int> p;
  LDB_TRY_ASSIGN(p, make(true, 7));
  out = *p;
  return {};
}

TEST(ErrorTest, TryAssignMovesTheValueOutOrReturnsTheError) {
  auto ok = sum(true, true);
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(*ok, 5);
  auto first = sum(false, true);
  ASSERT_FALSE(first.has_value());
  EXPECT_EQ(first.error().code, ErrorCode::not_found);
  EXPECT_EQ(first.error().hint, "give one");
  EXPECT_FALSE(sum(true, false).has_value());
  int out = 0;
  ASSERT_TRUE(assign_existing(out).has_value());
  EXPECT_EQ(out, 7);
}

Status check(bool ok) {
  if (!ok) return fail(ErrorCode::conflict, "bad", "");
  return {};
}

Status twice(bool a, bool b, int& reached) {
  LDB_TRY(check(a));
  ++reached;
  LDB_TRY(check(b));
  ++reached;
  return {};
}

TEST(ErrorTest, TryReturnsTheFirstError) {
  int reached = 0;
  auto status = twice(true, false, reached);
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().code, ErrorCode::conflict);
  EXPECT_EQ(reached, 1);
}

}  // namespace
}  // namespace ldb
