#include "core/time.hpp"

#include <gtest/gtest.h>

namespace ldb::core {
namespace {

TEST(TimeTest, FormatsUtc) {
  EXPECT_EQ(format_utc(0, "%Y-%m-%d %H:%M:%S"), "1970-01-01 00:00:00");
  EXPECT_EQ(iso_utc(1700000000), "2023-11-14T22:13:20+00:00");
  EXPECT_EQ(format_utc(86399, "%H:%M:%S"), "23:59:59");
}

}  // namespace
}  // namespace ldb::core
