#include "core/json.hpp"

#include <gtest/gtest.h>

#include <string>

#include "core/hash.hpp"
#include "test_support.hpp"

namespace ldb::core {
namespace {

std::string canon(std::string_view text) {
  auto out = canonical_json(text, "test.json");
  EXPECT_TRUE(out.has_value()) << testing::describe(out);
  return out ? *out : std::string("<error>");
}

TEST(CanonicalJsonTest, Scalars) {
  EXPECT_EQ(canon("null"), "null");
  EXPECT_EQ(canon("true"), "true");
  EXPECT_EQ(canon(" false "), "false");
  EXPECT_EQ(canon("\"x\""), "\"x\"");
  EXPECT_EQ(canon("42"), "42");
}

TEST(CanonicalJsonTest, SortsObjectKeysByBytes) {
  EXPECT_EQ(canon(R"({"b":1,"a":2,"B":3,"_":4})"), R"({"B":3,"_":4,"a":2,"b":1})");
  // A key that is a prefix of another sorts first.
  EXPECT_EQ(canon(R"({"ab":1,"a":2})"), R"({"a":2,"ab":1})");
  // UTF-8 bytes: "é" (0xC3 0xA9) sorts after every ASCII key.
  EXPECT_EQ(canon(R"({"é":1,"z":2})"), R"({"z":2,"é":1})");
}

TEST(CanonicalJsonTest, SortsNestedObjectsAndKeepsArrayOrder) {
  EXPECT_EQ(canon(R"({"z":{"y":[3,1,{"d":1,"c":2}],"x":null},"a":[]})"),
            R"({"a":[],"z":{"x":null,"y":[3,1,{"c":2,"d":1}]}})");
}

TEST(CanonicalJsonTest, RemovesInsignificantWhitespace) {
  EXPECT_EQ(canon("  {\n\t\"a\" :  [ 1 , 2 ] ,\r\n \"b\" : { } }  "), R"({"a":[1,2],"b":{}})");
  // White space inside strings is content.
  EXPECT_EQ(canon(R"({"a b":" x "})"), R"({"a b":" x "})");
}

TEST(CanonicalJsonTest, EqualContentEqualBytesAndHash) {
  auto a = canon(R"({"label": "cat", "box": [1, 2, 3, 4]})");
  auto b = canon("{\"box\":[1,2,3,4],\n \"label\":\"cat\"}");
  EXPECT_EQ(a, b);
  EXPECT_EQ(md5_of(a), md5_of(b));
  EXPECT_NE(a, canon(R"({"label": "dog", "box": [1, 2, 3, 4]})"));
}

TEST(CanonicalJsonTest, EscapesMinimally) {
  EXPECT_EQ(canon(R"("a\"b\\c")"), R"("a\"b\\c")");
  EXPECT_EQ(canon(R"("\n\r\t\b\f")"), R"("\n\r\t\b\f")");
  // A solidus needs no escape; an escaped one is written plainly.
  EXPECT_EQ(canon(R"("a\/b")"), R"("a/b")");
  // Other control characters use \u00XX.
  EXPECT_EQ(canon(R"("\u0001\u001f")"), R"("\u0001\u001f")");
  // \u escapes of printable characters are written as the character.
  EXPECT_EQ(canon(R"("\u0041")"), R"("A")");
}

TEST(CanonicalJsonTest, UnicodePassesThroughAsUtf8) {
  EXPECT_EQ(canon("\"h\xC3\xA9llo \xE2\x9C\x93\""), "\"h\xC3\xA9llo \xE2\x9C\x93\"");
  // Escaped forms decode to the same UTF-8, so they canonicalize equally.
  EXPECT_EQ(canon(R"("h\u00e9llo \u2713")"), "\"h\xC3\xA9llo \xE2\x9C\x93\"");
  // A surrogate pair becomes one 4-byte character (U+1F600).
  EXPECT_EQ(canon(R"("\ud83d\ude00")"), "\"\xF0\x9F\x98\x80\"");
}

TEST(CanonicalJsonTest, Numbers) {
  EXPECT_EQ(canon("0"), "0");
  EXPECT_EQ(canon("-17"), "-17");
  EXPECT_EQ(canon("9223372036854775807"), "9223372036854775807");
  EXPECT_EQ(canon("-9223372036854775808"), "-9223372036854775808");
  EXPECT_EQ(canon("18446744073709551615"), "18446744073709551615");  // max uint64
  EXPECT_EQ(canon("0.5"), "0.5");
  EXPECT_EQ(canon("-0.25"), "-0.25");
  EXPECT_EQ(canon("0.1"), "0.1");
  EXPECT_EQ(canon("1.10"), "1.1");
  EXPECT_EQ(canon("1e3"), "1000");
  EXPECT_EQ(canon("2.5E-1"), "0.25");
  EXPECT_EQ(canon("[1.5e300,1e-7]"), "[1.5e+300,1e-07]");
}

TEST(CanonicalJsonTest, NumbersReadBackToTheSameValue) {
  for (std::string_view text : {"3.141592653589793", "0.30000000000000004", "1e-300", "123456.789", "-2.5e+20"}) {
    auto once = canon(text);
    EXPECT_EQ(std::stod(once), std::stod(std::string(text))) << text << " -> " << once;
    EXPECT_EQ(canon(once), once) << "not a fixed point: " << once;
  }
}

TEST(CanonicalJsonTest, IsIdempotent) {
  auto once = canon(R"({"b":[1,2.5,"\u00e9\n",{"y":true,"x":null}],"a":-3})");
  EXPECT_EQ(canon(once), once);
}

TEST(CanonicalJsonTest, MalformedInputNamesTheOrigin) {
  for (std::string_view bad :
       {"", "{", "{\"a\":}", "[1,2", "{'a':1}", "tru", "{\"a\":1}}", "[1,]", "nan", "\"\xff\""}) {
    auto out = canonical_json(bad, "/data/labels/cat 1.json");
    ASSERT_FALSE(out.has_value()) << "accepted: " << bad;
    EXPECT_EQ(out.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(out.error().message.find("/data/labels/cat 1.json"), std::string::npos) << out.error().message;
    EXPECT_FALSE(out.error().hint.empty());
  }
}

TEST(CanonicalJsonTest, LeadingByteOrderMarkIsSkipped) {
  EXPECT_EQ(canon("\xEF\xBB\xBF{\"b\":1,\"a\":\"\xC3\xA9\"}"), "{\"a\":\"\xC3\xA9\",\"b\":1}");
  EXPECT_EQ(canon("\xEF\xBB\xBF[]"), "[]");
  simdjson::dom::parser parser;
  auto root = parse_json(parser, "\xEF\xBB\xBF {\"images\": []}", "bom.json");
  ASSERT_OK(root);
  EXPECT_TRUE(root->is_object());
  // Only one mark, only at the start: anything else stays malformed.
  for (std::string_view bad :
       {"\xEF\xBB\xBF\xEF\xBB\xBF{}", "{}\xEF\xBB\xBF", " \xEF\xBB\xBF{}", "\xEF\xBB{}", "\xEF\xBB\xBF"}) {
    auto out = canonical_json(bad, "bom.json");
    EXPECT_FALSE(out.has_value()) << "accepted: " << bad;
  }
}

TEST(CanonicalJsonTest, DepthLimit) {
  auto nested = [](std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); };
  auto shallow = nested(100);
  EXPECT_EQ(canon(shallow), shallow);
  auto deep = canonical_json(nested(k_max_json_depth + 10), "deep.json");
  ASSERT_FALSE(deep.has_value());
  EXPECT_EQ(deep.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(deep.error().message.find("deep.json"), std::string::npos);
  // Very deep input is refused, not a stack overflow.
  auto very_deep = canonical_json(nested(200000), "very-deep.json");
  EXPECT_FALSE(very_deep.has_value());
}

TEST(AppendJsonStringTest, QuotesAndEscapes) {
  std::string out = "x=";
  append_json_string("a\"\\\n\x01z", out);
  EXPECT_EQ(out, R"(x="a\"\\\n\u0001z")");
}

TEST(EscapeInvalidUtf8Test, KeepsUtf8AndEscapesEveryOtherByteAsPythonDoes) {
  // Expected values are Python's bytes.decode('utf-8', 'backslashreplace').
  EXPECT_EQ(escape_invalid_utf8("/data/plain.png"), "/data/plain.png");
  EXPECT_EQ(escape_invalid_utf8("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(escape_invalid_utf8("\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80");
  EXPECT_EQ(escape_invalid_utf8("/data/\xff\xfe.png"), R"(/data/\xff\xfe.png)");
  EXPECT_EQ(escape_invalid_utf8("\xe2\x82"
                                "a"),
            R"(\xe2\x82a)");                                                  // truncated sequence
  EXPECT_EQ(escape_invalid_utf8("\xc0\xaf"), R"(\xc0\xaf)");                  // overlong '/'
  EXPECT_EQ(escape_invalid_utf8("\xed\xa0\x80"), R"(\xed\xa0\x80)");          // a surrogate
  EXPECT_EQ(escape_invalid_utf8("\xf4\x90\x80\x80"), R"(\xf4\x90\x80\x80)");  // above U+10FFFF
  EXPECT_EQ(escape_invalid_utf8("\xf0\x9f\x98"), R"(\xf0\x9f\x98)");          // cut at the end
  EXPECT_EQ(escape_invalid_utf8("\x80x\xc3"), R"(\x80x\xc3)");
  EXPECT_EQ(escape_invalid_utf8(std::string_view("a\0b", 3)), std::string_view("a\0b", 3));
  // Every byte value alone: the result is always valid UTF-8 and valid JSON.
  for (int byte = 0; byte < 256; ++byte) {
    std::string one(1, static_cast<char>(byte));
    std::string shown = escape_invalid_utf8(one);
    EXPECT_TRUE(simdjson::validate_utf8(shown.data(), shown.size())) << byte;
    EXPECT_EQ(shown == one, byte < 0x80) << byte;
    std::string json;
    append_json_string(shown, json);
    simdjson::dom::parser parser;
    simdjson::dom::element element;
    EXPECT_EQ(parser.parse(simdjson::padded_string(json)).get(element), simdjson::SUCCESS) << byte;
  }
}

TEST(AppendCanonicalTest, ParsedElement) {
  simdjson::dom::parser parser;
  simdjson::dom::element element;
  ASSERT_EQ(parser.parse(simdjson::padded_string(std::string_view(R"({"b":1,"a":[true]})"))).get(element),
            simdjson::SUCCESS);
  std::string out;
  append_canonical(element, out);
  EXPECT_EQ(out, R"({"a":[true],"b":1})");
}

}  // namespace
}  // namespace ldb::core
