#pragma once
// Shared test helpers: ASSERT_OK/EXPECT_OK print an Error's message and hint,
// and TempDir gives each test its own folder, removed afterwards.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <string_view>

#include "core/environment.hpp"
#include "core/error.hpp"

extern char** environ;

namespace ldb::testing {

template <class T>
std::string describe(const Result<T>& r) {
  if (r) return "ok";
  return std::string(core::to_string(r.error().code)) + ": " + r.error().message + " (hint: " + r.error().hint + ")";
}

// The test process's environment now (tests setenv, then hand it down as a
// front end would).
inline core::Environment process_environment() {
  std::map<std::string, std::string, std::less<>> vars;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    auto eq = entry.find('=');
    if (eq != std::string_view::npos) vars.emplace(entry.substr(0, eq), entry.substr(eq + 1));
  }
  return core::Environment(std::move(vars));
}

// The whole content of a file ("" when it cannot be read).
inline std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    m_path = std::filesystem::temp_directory_path() / ("ldb-test-" + std::to_string(rd()) + "-" + std::to_string(rd()));
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

#define ASSERT_OK(expr)                                                                          \
  do {                                                                                           \
    const auto& ldb_assert_result_ = (expr);                                                     \
    ASSERT_TRUE(ldb_assert_result_.has_value()) << ::ldb::testing::describe(ldb_assert_result_); \
  } while (false)

#define EXPECT_OK(expr)                                                                          \
  do {                                                                                           \
    const auto& ldb_expect_result_ = (expr);                                                     \
    EXPECT_TRUE(ldb_expect_result_.has_value()) << ::ldb::testing::describe(ldb_expect_result_); \
  } while (false)
