#pragma once
// The process environment as a front end hands it down. Library code never
// calls getenv: the CLI copies its environment into one of these, a test or
// the Python module builds its own, so what a command sees is explicit.

#include <map>
#include <string>
#include <string_view>

namespace ldb::core {

class Environment {
 public:
  Environment() = default;
  explicit Environment(std::map<std::string, std::string, std::less<>> variables) : m_vars(std::move(variables)) {}

  // The value of `name`; empty when unset (an empty value counts as unset,
  // as it does for every variable ldb reads).
  std::string get(std::string_view name) const {
    auto it = m_vars.find(name);
    return it == m_vars.end() ? std::string() : it->second;
  }
  void set(std::string name, std::string value) { m_vars[std::move(name)] = std::move(value); }
  void unset(std::string_view name) {
    if (auto it = m_vars.find(name); it != m_vars.end()) m_vars.erase(it);
  }

 private:
  std::map<std::string, std::string, std::less<>> m_vars;
};

}  // namespace ldb::core
