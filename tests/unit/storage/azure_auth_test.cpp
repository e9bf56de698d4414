#include <gtest/gtest.h>

#include <cstdlib>

#include "storage/azure_auth.hpp"
#include "storage/crypto.hpp"
#include "test_support.hpp"

namespace ldb::storage {
namespace {

class AzureEnv : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name :
         {"AZURE_STORAGE_ACCOUNT", "AZURE_STORAGE_KEY", "AZURE_STORAGE_SAS_TOKEN", "AZURE_STORAGE_CONNECTION_STRING"}) {
      const char* old = std::getenv(name);
      m_saved.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
      ::unsetenv(name);
    }
  }
  void TearDown() override {
    for (auto& [name, value] : m_saved) {
      if (value)
        ::setenv(name.c_str(), value->c_str(), 1);
      else
        ::unsetenv(name.c_str());
    }
  }
  std::vector<std::pair<std::string, std::optional<std::string>>> m_saved;
};

TEST(AzureAuth, StringToSignFollowsTheSharedKeyLayout) {
  HeaderList headers{{"x-ms-version", "2021-08-06"},
                     {"X-MS-Date", "Fri, 26 Jun 2015 23:39:12 GMT"},
                     {"Content-Length", "0"},
                     {"x-ms-range", "bytes=0-9"}};
  std::string text = azure_string_to_sign("GET", headers, "myaccount", "/mycontainer",
                                          {{"restype", "container"}, {"comp", "list"}, {"prefix", "a b"}});
  EXPECT_EQ(text,
            "GET\n\n\n\n\n\n\n\n\n\n\n\n"
            "x-ms-date:Fri, 26 Jun 2015 23:39:12 GMT\nx-ms-range:bytes=0-9\nx-ms-version:2021-08-06\n"
            "/myaccount/mycontainer\ncomp:list\nprefix:a b\nrestype:container");
  // A body's length is signed; repeated parameters join sorted values with commas.
  HeaderList put{{"Content-Length", "11"}, {"Content-MD5", "abc=="}, {"x-ms-blob-type", "BlockBlob"}};
  EXPECT_EQ(azure_string_to_sign("PUT", put, "acct", "/acct/c/b%20x", {{"b", "2"}, {"B", "1"}}),
            "PUT\n\n\n11\nabc==\n\n\n\n\n\n\n\nx-ms-blob-type:BlockBlob\n/acct/acct/c/b%20x\nb:1,2");
}

TEST(AzureAuth, AuthorizationIsTheBase64HmacUnderTheDecodedKey) {
  std::string key = "secret-key-bytes";
  std::string expected = "SharedKey acct:" + base64_encode(hmac_sha256(key, "to sign"));
  EXPECT_EQ(azure_authorization("acct", key, "to sign"), expected);
}

TEST(AzureAuth, ConnectionStrings) {
  auto fields =
      parse_connection_string("DefaultEndpointsProtocol=http;AccountName=a;AccountKey=k==;BlobEndpoint=http://h:1/a;");
  ASSERT_EQ(fields.size(), 4u);
  EXPECT_EQ(fields[2].first, "AccountKey");
  EXPECT_EQ(fields[2].second, "k==");
  EXPECT_EQ(fields[3].second, "http://h:1/a");
}

TEST_F(AzureEnv, ConfigFromTheConnectionString) {
  ::setenv("AZURE_STORAGE_CONNECTION_STRING", "AccountName=dev;AccountKey=a2V5;EndpointSuffix=core.example", 1);
  auto config = make_azure_config({}, "az://c/p", {}, ldb::testing::process_environment());
  ASSERT_OK(config);
  EXPECT_EQ(config->account, "dev");
  EXPECT_EQ(config->endpoint, "https://dev.blob.core.example");
  EXPECT_EQ(config->account_key, "key");
}

TEST_F(AzureEnv, ConfigFromOptionsAndEnvironment) {
  ::setenv("AZURE_STORAGE_ACCOUNT", "envacct", 1);
  ::setenv("AZURE_STORAGE_SAS_TOKEN", "?sv=1&sig=x", 1);
  auto config = make_azure_config({{"account", "optacct"}, {"endpoint", "http://127.0.0.1:10000/optacct/"}}, "az://c",
                                  {}, ldb::testing::process_environment());
  ASSERT_OK(config);
  EXPECT_EQ(config->account, "optacct");
  EXPECT_EQ(config->endpoint, "http://127.0.0.1:10000/optacct");
  EXPECT_EQ(config->sas_token, "sv=1&sig=x");
  EXPECT_TRUE(config->account_key.empty());
}

TEST_F(AzureEnv, MissingAccountCredentialsOrBadKeysAreNamed) {
  auto no_account = make_azure_config({}, "az://c/p", {}, ldb::testing::process_environment());
  ASSERT_FALSE(no_account.has_value());
  EXPECT_NE(no_account.error().message.find("az://c/p"), std::string::npos);
  EXPECT_NE(no_account.error().hint.find("-o account"), std::string::npos);
  ::setenv("AZURE_STORAGE_ACCOUNT", "a", 1);
  auto no_credentials = make_azure_config({}, "az://c/p", {}, ldb::testing::process_environment());
  ASSERT_FALSE(no_credentials.has_value());
  EXPECT_NE(no_credentials.error().hint.find("AZURE_STORAGE_KEY"), std::string::npos);
  EXPECT_OK(make_azure_config({{"anon", "true"}}, "az://c/p", {}, ldb::testing::process_environment()));
  ::setenv("AZURE_STORAGE_KEY", "not base64!", 1);
  auto bad_key = make_azure_config({}, "az://c/p", {}, ldb::testing::process_environment());
  ASSERT_FALSE(bad_key.has_value());
  EXPECT_EQ(bad_key.error().message.find("not base64!"), std::string::npos);
}

TEST(AzureAuth, HttpDateShape) {
  std::string date = http_date_now();
  EXPECT_EQ(date.size(), 29u);
  EXPECT_TRUE(date.ends_with(" GMT"));
}

}  // namespace
}  // namespace ldb::storage
