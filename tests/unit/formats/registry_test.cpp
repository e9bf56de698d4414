// The format registry (index/format_registry.hpp) with its writer half
// (formats/layout.hpp): here rather than in the index tests because only the
// formats layer can see both.

#include <algorithm>
#include <set>
#include <string>

#include <fmt/format.h>

#include "formats/instantiate.hpp"
#include "formats/layout.hpp"
#include "index/format_registry.hpp"
#include "index/plan.hpp"
#include "test_support.hpp"

namespace ldb::formats {
namespace {

using index::FormatRole;

TEST(RegistryTest, NamesAndAliasesAreUnique) {
  std::set<std::string_view> names;
  std::set<index::Format> formats;
  for (const auto& info : index::format_registry()) {
    EXPECT_TRUE(formats.insert(info.format).second) << info.name;
    EXPECT_TRUE(names.insert(info.name).second) << info.name;
    for (auto alias : info.aliases) EXPECT_TRUE(names.insert(alias).second) << alias;
  }
}

TEST(RegistryTest, EveryFormatValueHasItsEntry) {
  for (auto format : {index::Format::auto_detect, index::Format::strict_pairs, index::Format::bare_pairs,
                      index::Format::tensorflow_inferred, index::Format::annotation_only, index::Format::coco,
                      index::Format::yolo, index::Format::voc, index::Format::label_studio}) {
    EXPECT_EQ(index::format_info(format).format, format);
  }
}

TEST(RegistryTest, NamesAndAliasesResolveForTheirRoles) {
  for (const auto& info : index::format_registry()) {
    for (auto role : {FormatRole::read, FormatRole::write}) {
      bool has_role = role == FormatRole::read ? info.readable : info.writable;
      EXPECT_EQ(index::find_format(info.name, role), has_role ? &info : nullptr) << info.name;
      for (auto alias : info.aliases) {
        EXPECT_EQ(index::find_format(alias, role), has_role ? &info : nullptr) << alias;
      }
    }
    if (info.readable) {
      EXPECT_EQ(index::parse_format(info.name).value(), info.format);
    }
    if (info.writable) {
      EXPECT_EQ(parse_format(info.name).value(), info.format);
    } else {
      EXPECT_FALSE(parse_format(info.name)) << info.name;
    }
  }
}

TEST(RegistryTest, ReadableFormatsHaveAReaderAndWritableOnesAWriter) {
  for (const auto& info : index::format_registry()) {
    // auto is resolved to another format before reading.
    if (info.readable && info.format != index::Format::auto_detect) {
      EXPECT_NE(info.read, nullptr) << info.name;
    }
    if (info.detect) {
      EXPECT_TRUE(info.readable) << info.name;
      EXPECT_NE(info.read, nullptr) << info.name;
    }
    EXPECT_EQ(has_writer(info.format), info.writable) << info.name;
  }
  EXPECT_EQ(index::format_info(index::Format::auto_detect).read, nullptr);
}

TEST(RegistryTest, DetectorsHaveDistinctOrders) {
  std::set<int> orders;
  for (const auto& info : index::format_registry()) {
    if (info.detect) {
      EXPECT_TRUE(orders.insert(info.detect_order).second) << info.name;
    }
  }
  EXPECT_EQ(orders.size(), 4u);  // coco, label-studio, voc, yolo
}

TEST(RegistryTest, NameListsPutTheDefaultFirst) {
  auto read = index::format_names(FormatRole::read);
  ASSERT_FALSE(read.empty());
  EXPECT_EQ(read.front(), "auto");
  EXPECT_EQ(read, index::format_names());
  auto write = index::format_names(FormatRole::write);
  ASSERT_FALSE(write.empty());
  EXPECT_EQ(write.front(), "strict-pairs");
  EXPECT_EQ(write, format_names());
  EXPECT_EQ(std::find(write.begin(), write.end(), "auto"), write.end());
  EXPECT_EQ(index::describe_format_names(FormatRole::read).substr(0, 36), "auto (auto-detect), strict-pairs (st");
}

TEST(RegistryTest, HelpListsEveryParameter) {
  for (const auto& info : index::format_registry()) {
    for (auto role : {FormatRole::read, FormatRole::write}) {
      const auto& params = role == FormatRole::read ? info.read_params : info.write_params;
      std::string help = index::param_help(info, role);
      std::string keys = index::param_keys(info, role);
      EXPECT_EQ(help.empty(), params.empty()) << info.name;
      for (const auto& param : params) {
        EXPECT_FALSE(param.help.empty()) << info.name << " " << param.key;
        EXPECT_NE(help.find(fmt::format("-p {}={}\n", param.key, param.help)), std::string::npos) << help;
        EXPECT_NE(keys.find(param.key), std::string::npos) << keys;
      }
    }
  }
  EXPECT_EQ(index::param_keys(index::format_info(index::Format::tensorflow_inferred), FormatRole::read),
            "label-key, base-label");
}

TEST(RegistryTest, ParametersTheRegistryListsAreAcceptedAndOthersRefused) {
  // Every -p key an index format lists passes check_params (values are the
  // readers' business); a key it does not list is refused, naming the valid ones.
  for (const auto& info : index::format_registry()) {
    if (!info.readable) continue;
    for (const auto& param : info.read_params) {
      std::pair<std::string, std::string> p{std::string(param.key), "x"};
      EXPECT_OK(index::check_params(info.format, std::span(&p, 1), false));
    }
    std::pair<std::string, std::string> unknown{"no-such-key", "x"};
    auto refused = index::check_params(info.format, std::span(&unknown, 1), false);
    ASSERT_FALSE(refused) << info.name;
    EXPECT_NE(refused.error().message.find("no-such-key"), std::string::npos);
  }
}

}  // namespace
}  // namespace ldb::formats
