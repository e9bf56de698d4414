#pragma once
// Shared test helpers: ASSERT_OK/EXPECT_OK print an Error's message and hint,
// and TempDir gives each test its own folder, removed afterwards.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace ldb::testing {

template <class T>
std::string describe(const Result<T>& r) {
  if (r) return "ok";
  return std::string(core::to_string(r.error().code)) + ": " + r.error().message + " (hint: " + r.error().hint + ")";
}

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    m_path = std::filesystem::temp_directory_path() /
             ("ldb-test-" + std::to_string(rd()) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(m_path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(m_path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return m_path; }

  // Writes a file below the folder (creating parents) and returns its path.
  std::filesystem::path write(std::string_view relative, std::string_view content) const {
    auto p = m_path / relative;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary);
    out << content;
    return p;
  }

 private:
  std::filesystem::path m_path;
};

}  // namespace ldb::testing

#define ASSERT_OK(expr)                                                          \
  do {                                                                           \
    const auto& ldb_assert_result_ = (expr);                                     \
    ASSERT_TRUE(ldb_assert_result_.has_value()) << ::ldb::testing::describe(ldb_assert_result_); \
  } while (false)

#define EXPECT_OK(expr)                                                          \
  do {                                                                           \
    const auto& ldb_expect_result_ = (expr);                                     \
    EXPECT_TRUE(ldb_expect_result_.has_value()) << ::ldb::testing::describe(ldb_expect_result_); \
  } while (false)
