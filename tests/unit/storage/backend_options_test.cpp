#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "storage/backend_options.hpp"
#include "storage/routing_file_system.hpp"
#include "storage/s3_file_system.hpp"
#include "test_support.hpp"

namespace ldb::storage {
namespace {

// Sets environment variables for one test and restores them after.
class ScopedEnv {
 public:
  void set(const char* name, const std::string& value) {
    remember(name);
    ::setenv(name, value.c_str(), 1);
  }
  void unset(const char* name) {
    remember(name);
    ::unsetenv(name);
  }
  ~ScopedEnv() {
    for (auto& [name, value] : m_saved) {
      if (value)
        ::setenv(name.c_str(), value->c_str(), 1);
      else
        ::unsetenv(name.c_str());
    }
  }

 private:
  void remember(const char* name) {
    const char* old = std::getenv(name);
    m_saved.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
  }
  std::vector<std::pair<std::string, std::optional<std::string>>> m_saved;
};

class BackendOptionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                             "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3",
                             "GS_ACCESS_KEY_ID", "GS_SECRET_ACCESS_KEY"}) {
      m_env.unset(name);
    }
    m_env.set("AWS_SHARED_CREDENTIALS_FILE", (m_dir.path() / "credentials").string());
    m_env.set("AWS_CONFIG_FILE", (m_dir.path() / "config").string());
  }
  void write(const std::string& name, const std::string& text) { std::ofstream(m_dir.path() / name) << text; }

  ldb::testing::TempDir m_dir;
  ScopedEnv m_env;
};

TEST_F(BackendOptionsTest, SecretsAreRefusedWithTheVariableToUse) {
  auto refused = validate_options("s3", {{"secret_access_key", "hunter2"}});
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(refused.error().message.find("hunter2"), std::string::npos);
  EXPECT_NE(refused.error().hint.find("AWS_SECRET_ACCESS_KEY"), std::string::npos);
  auto sas = validate_options("az", {{"sas", "sv=2020&sig=abc"}});
  ASSERT_FALSE(sas.has_value());
  EXPECT_NE(sas.error().hint.find("AZURE_STORAGE_SAS_TOKEN"), std::string::npos);
}

TEST_F(BackendOptionsTest, UnknownKeysAndBadValuesAreNamed) {
  auto unknown = validate_options("s3", {{"regoin", "eu"}});
  ASSERT_FALSE(unknown.has_value());
  EXPECT_NE(unknown.error().message.find("regoin"), std::string::npos);
  EXPECT_NE(unknown.error().hint.find("region"), std::string::npos);
  EXPECT_FALSE(validate_options("s3", {{"anon", "maybe"}}).has_value());
  EXPECT_FALSE(validate_options("s3", {{"endpoint", "127.0.0.1:9000"}}).has_value());
  EXPECT_FALSE(validate_options("s3", {{"addressing", "dns"}}).has_value());
  EXPECT_FALSE(validate_options("file", {{"region", "x"}}).has_value());
  EXPECT_OK(validate_options("s3", {{"endpoint", "http://127.0.0.1:9000"},
                                    {"region", "eu-west-1"},
                                    {"anon", "true"},
                                    {"addressing", "virtual"},
                                    {"timeout", "5"}}));
}

TEST_F(BackendOptionsTest, EnvironmentCredentialsComeFirst) {
  write("credentials", "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = FILESECRET\n");
  m_env.set("AWS_ACCESS_KEY_ID", "ENVKEY");
  m_env.set("AWS_SECRET_ACCESS_KEY", "ENVSECRET");
  m_env.set("AWS_SESSION_TOKEN", "ENVTOKEN");
  auto found = find_aws_credentials("s3", {}, "s3://b", ldb::testing::process_environment());
  ASSERT_OK(found);
  EXPECT_EQ(found->access_key_id, "ENVKEY");
  EXPECT_EQ(found->session_token, "ENVTOKEN");
}

TEST_F(BackendOptionsTest, ProfilesComeFromTheCredentialsAndConfigFiles) {
  write("credentials",
        "# comment\n[default]\naws_access_key_id = DEFKEY\naws_secret_access_key = DEFSECRET\n"
        "[team]\naws_access_key_id=TEAMKEY\naws_secret_access_key=TEAMSECRET\n");
  write("config",
        "[profile team]\nregion = eu-west-3\n[profile cfgonly]\naws_access_key_id = C\n"
        "aws_secret_access_key = D\n");
  auto defaults = find_aws_credentials("s3", {}, "s3://b", ldb::testing::process_environment());
  ASSERT_OK(defaults);
  EXPECT_EQ(defaults->access_key_id, "DEFKEY");
  m_env.set("AWS_PROFILE", "team");
  auto team = find_aws_credentials("s3", {}, "s3://b", ldb::testing::process_environment());
  ASSERT_OK(team);
  EXPECT_EQ(team->access_key_id, "TEAMKEY");
  EXPECT_EQ(find_aws_region({}, ldb::testing::process_environment()), "eu-west-3");
  auto config_only =
      find_aws_credentials("s3", {{"profile", "cfgonly"}}, "s3://b", ldb::testing::process_environment());
  ASSERT_OK(config_only);
  EXPECT_EQ(config_only->secret_access_key, "D");
  auto missing =
      find_aws_credentials("s3", {{"profile", "nobody"}}, "s3://bucket/x", ldb::testing::process_environment());
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message.find("nobody"), std::string::npos);
  EXPECT_NE(missing.error().message.find("s3://bucket/x"), std::string::npos);
}

TEST_F(BackendOptionsTest, RegionOrder) {
  EXPECT_EQ(find_aws_region({}, ldb::testing::process_environment()), "us-east-1");
  m_env.set("AWS_DEFAULT_REGION", "ap-south-1");
  EXPECT_EQ(find_aws_region({}, ldb::testing::process_environment()), "ap-south-1");
  m_env.set("AWS_REGION", "eu-central-1");
  EXPECT_EQ(find_aws_region({}, ldb::testing::process_environment()), "eu-central-1");
  EXPECT_EQ(find_aws_region({{"region", "us-west-2"}}, ldb::testing::process_environment()), "us-west-2");
}

TEST_F(BackendOptionsTest, AddressingStyles) {
  auto aws = make_s3_config("s3", {{"anon", "true"}, {"region", "eu-west-1"}}, "s3://b", {},
                            ldb::testing::process_environment());
  ASSERT_OK(aws);
  EXPECT_EQ(s3_request_url(*aws, "b", "a b/c.jpg", ""), "https://b.s3.eu-west-1.amazonaws.com/a%20b/c.jpg");
  auto custom = make_s3_config("s3", {{"anon", "true"}, {"endpoint", "http://127.0.0.1:9000/"}}, "s3://b", {},
                               ldb::testing::process_environment());
  ASSERT_OK(custom);
  EXPECT_EQ(s3_request_url(*custom, "b", "k", "list-type=2"), "http://127.0.0.1:9000/b/k?list-type=2");
  auto vhost =
      make_s3_config("s3", {{"anon", "true"}, {"endpoint", "http://localhost:9000"}, {"addressing", "virtual"}},
                     "s3://b", {}, ldb::testing::process_environment());
  ASSERT_OK(vhost);
  EXPECT_EQ(s3_request_url(*vhost, "b", "k", ""), "http://b.localhost:9000/k");
  auto gs = make_s3_config("gs", {{"anon", "true"}}, "gs://b", {}, ldb::testing::process_environment());
  ASSERT_OK(gs);
  EXPECT_EQ(s3_request_url(*gs, "b", "k", ""), "https://storage.googleapis.com/b/k");
}

TEST_F(BackendOptionsTest, TimeoutAndRetriesOptions) {
  HttpSettings defaults;
  auto settings = http_settings_from({{"timeout", "3"}, {"retries", "0"}}, defaults);
  EXPECT_EQ(settings.low_speed_seconds, 3);
  EXPECT_EQ(settings.connect_timeout_ms, 3000);
  EXPECT_EQ(settings.attempts, 1);
}

TEST_F(BackendOptionsTest, BackendsExistPerProtocol) {
  EXPECT_OK(make_backend("/tmp", {}, {}, ldb::testing::process_environment()));
  EXPECT_OK(make_backend("s3://b/p", {{"anon", "true"}}, {}, ldb::testing::process_environment()));
  EXPECT_OK(make_backend("az://c/p", {{"anon", "true"}, {"account", "a"}}, {}, ldb::testing::process_environment()));
  EXPECT_OK(make_backend("https://h/p", {}, {}, ldb::testing::process_environment()));
  auto unsupported = make_backend("ftp://h/p", {}, {}, ldb::testing::process_environment());
  ASSERT_FALSE(unsupported.has_value());
  EXPECT_EQ(unsupported.error().code, ErrorCode::unsupported);
}

}  // namespace
}  // namespace ldb::storage
