#include "index/xml.hpp"

#include <string>

#include "test_support.hpp"

namespace ldb::index {
namespace {

Error xml_error(std::string_view text) {
  auto r = parse_xml(text, "/d/a.xml");
  EXPECT_FALSE(r) << "expected an error for: " << text;
  if (r) return Error{};
  EXPECT_EQ(r.error().code, ErrorCode::invalid_argument);
  EXPECT_FALSE(r.error().hint.empty());
  EXPECT_NE(r.error().message.find("'/d/a.xml':"), std::string::npos) << r.error().message;
  return r.error();
}

TEST(XmlTest, ElementsTextAndEntities) {
  auto root = parse_xml(
      "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!-- top -->\n"
      "<annotation verified=\"no\" x='1'>\n"
      "  <name>a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos; &#65;&#x42;&#xe9;</name>\n"
      "  <empty/><empty a=\"1\" />\n"
      "  <!-- inside --><?pi stuff?>\n"
      "  <data><![CDATA[<raw & text>]]></data>\n"
      "</annotation >\n<!-- after -->\n",
      "/d/a.xml");
  ASSERT_OK(root);
  EXPECT_EQ(root->name, "annotation");
  EXPECT_EQ(root->line, 3u);
  ASSERT_EQ(root->children.size(), 4u);
  EXPECT_EQ(root->child("name")->text, "a <b> & \"c\" 'd' AB\xC3\xA9");
  EXPECT_EQ(root->child("name")->line, 4u);
  EXPECT_EQ(root->child("empty")->text, "");
  EXPECT_EQ(root->child("data")->text, "<raw & text>");
  EXPECT_EQ(root->child("missing"), nullptr);
}

TEST(XmlTest, MalformedDocumentsNameTheLine) {
  EXPECT_NE(xml_error("<a>\n<b>\n</c>\n</a>").message.find("':3: malformed XML: </c> closes <b>"), std::string::npos);
  EXPECT_NE(xml_error("<a>\n<b>").message.find("':2: malformed XML: <b> is never closed"), std::string::npos);
  EXPECT_NE(xml_error("<a>&foo;</a>").message.find("unknown entity '&foo;'"), std::string::npos);
  EXPECT_NE(xml_error("<!DOCTYPE a [<!ENTITY x \"y\">]><a/>").message.find("DOCTYPE"), std::string::npos);
  EXPECT_NE(xml_error("<a/><b/>").message.find("content after the root element"), std::string::npos);
  xml_error("");
  xml_error("just text");
  xml_error("<a>&#0;</a>");
  xml_error("<a>&#xD800;</a>");
  xml_error("<a>&#99999999;</a>");
  xml_error("<a>& b</a>");
  xml_error("<a x=1/>");
  xml_error("<a x=\"1\"y=\"2\"/>");
  xml_error("<a x=\"<\"/>");
  xml_error("<a><!-- open</a>");
  xml_error("<a><![CDATA[open</a>");
  xml_error("<a>\x01</a>");
  xml_error("<a><!ELEMENT x></a>");
  xml_error("<a></a");
  xml_error("<1a/>");
}

TEST(XmlTest, LimitsAreEnforced) {
  std::string deep;
  for (std::size_t i = 0; i <= k_max_xml_depth; ++i) deep += "<a>";
  EXPECT_NE(xml_error(deep).message.find("deeper than"), std::string::npos);
  std::string ok_depth;
  for (std::size_t i = 0; i < k_max_xml_depth; ++i) ok_depth += "<a>";
  for (std::size_t i = 0; i < k_max_xml_depth; ++i) ok_depth += "</a>";
  EXPECT_OK(parse_xml(ok_depth, "/d/a.xml"));
  std::string big(k_max_xml_bytes + 1, ' ');
  auto r = parse_xml(big, "/d/a.xml");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("bytes"), std::string::npos);
  std::string many = "<a>";
  for (std::size_t i = 0; i < k_max_xml_elements; ++i) many += "<b/>";
  many += "</a>";
  EXPECT_NE(xml_error(many).message.find("more than"), std::string::npos);
}

TEST(XmlTest, RootElementName) {
  EXPECT_EQ(root_element_name("<?xml version='1.0'?>\n<!-- c --><annotation><x/>"), "annotation");
  EXPECT_EQ(root_element_name("\xEF\xBB\xBF  <annotation>"), "annotation");
  EXPECT_EQ(root_element_name("<svg xmlns='x'>"), "svg");
  EXPECT_EQ(root_element_name("{\"a\": 1}"), "");
  EXPECT_EQ(root_element_name("<!-- never closed"), "");
  EXPECT_EQ(root_element_name(""), "");
}

}  // namespace
}  // namespace ldb::index
