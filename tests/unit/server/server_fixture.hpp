#pragma once
// A Server started in-process on port 0 over an instance in a temporary
// folder, asked with httplib's client: the test writes its files under
// data/ (pairs NAME.EXT + NAME.json) and calls start(), which indexes them
// as bare pairs.

#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/index.hpp"
#include "app/instance.hpp"
#include "app/session.hpp"
#include "app/storage.hpp"
#include "server/server.hpp"
#include "test_support.hpp"

namespace ldb::server {

class ServerFixture : public ::testing::Test {
 protected:
  ServerFixture() {
    m_context.env.set("HOME", (m_dir.path() / "home").string());
    m_context.env.set("LDB_DIR", (m_dir.path() / "instance").string());
    m_context.env.set("LDB_CACHE_DIR", "none");
    m_context.cwd = m_dir.path();
  }

  void start() {
    ASSERT_OK(app::init_instance(m_context, "instance", false, false));
    m_session = std::make_unique<app::Session>(m_context);
    ASSERT_OK(app::add_storage(*m_session, {"data", std::nullopt, {}, false}));
    app::IndexSettings settings;
    settings.format = "bare-pairs";
    ASSERT_OK(app::index(*m_session, {{"data"}, settings}));
    auto server = Server::start(*m_session, {});
    ASSERT_OK(server);
    m_server = std::move(*server);
  }

  httplib::Client client() {
    httplib::Client c("127.0.0.1", m_server->port());
    c.set_url_encode(false);
    return c;
  }
  // GET with the token's cookie (as a browser sends it after the first visit).
  httplib::Result get(const std::string& path, httplib::Headers headers = {}) {
    headers.emplace("Cookie", fmt::format("ldb_token_{}={}", m_server->port(), m_server->token()));
    return client().Get(path, headers);
  }
  nlohmann::json get_json(const std::string& path, int status = 200) {
    auto res = get(path);
    EXPECT_TRUE(res) << path;
    if (!res) return {};
    EXPECT_EQ(res->status, status) << path << ": " << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
    return nlohmann::json::parse(res->body);
  }

  ldb::testing::TempDir m_dir;
  app::Context m_context;
  std::unique_ptr<app::Session> m_session;
  std::unique_ptr<Server> m_server;
};

}  // namespace ldb::server
