// Tests of sito::query::print and leaf_label: the canonical form of every node kind.
#include <gtest/gtest.h>

#include <string>

#include "sito/query/parser.hpp"
#include "sito/query/printer.hpp"

namespace sito::query {
namespace {

node leaf(node_kind kind, std::string text) {
  node n;
  n.kind = kind;
  n.text = std::move(text);
  return n;
}

node list(node_kind kind, std::vector<node> children) {
  node n;
  n.kind = kind;
  n.children = std::move(children);
  return n;
}

node filter(filter_field f, std::string value = {}, int64_t lo = INT64_MIN, int64_t hi = INT64_MAX) {
  node n;
  n.kind = node_kind::filter;
  n.filter.field = f;
  n.filter.value = std::move(value);
  n.filter.lo = lo;
  n.filter.hi = hi;
  return n;
}

TEST(Printer, Leaves) {
  node exact = leaf(node_kind::term, "доставка");
  exact.exact = true;
  EXPECT_EQ(print(leaf(node_kind::term, "доставка")), "доставка");
  EXPECT_EQ(print(exact), "!доставка");
  EXPECT_EQ(print(leaf(node_kind::phrase, "доставка цветов")), "\"доставка цветов\"");
  EXPECT_EQ(print(leaf(node_kind::phrase, "say \"hi\" \\o/")), R"("say \"hi\" \\o/")");
  node prox = leaf(node_kind::proximity_phrase, "a b c");
  prox.distance = 4;
  EXPECT_EQ(print(prox), "\"a b c\"~4");
  EXPECT_EQ(print(leaf(node_kind::wildcard, "флор*")), "флор*");
  EXPECT_EQ(print(leaf(node_kind::case_sensitive, "Apple")), "{Apple}");
  EXPECT_EQ(print(leaf(node_kind::tag, "#flowwow")), "#flowwow");
  EXPECT_EQ(print(leaf(node_kind::tag, "@flowwow")), "@flowwow");
  EXPECT_EQ(print(leaf(node_kind::contains, "wow \"x\"")), R"(contains:"wow \"x\"")");
}

TEST(Printer, WildcardThatWouldLexDifferentlyGetsBang) {
  EXPECT_EQ(print(leaf(node_kind::wildcard, "title:abcd*")), "!title:abcd*");
  EXPECT_EQ(print(leaf(node_kind::wildcard, "-abcd*")), "!-abcd*");
  EXPECT_EQ(print(leaf(node_kind::wildcard, "#abcd*")), "!#abcd*");
  EXPECT_EQ(print(leaf(node_kind::wildcard, "10:3?")), "10:3?");
  EXPECT_EQ(print(leaf(node_kind::wildcard, "NEAR/hs!%!*")), "!NEAR/hs!%!*");
  EXPECT_EQ(print(leaf(node_kind::wildcard, "ONEAR/5?")), "!ONEAR/5?");
  auto r = parse("!title:abcd*");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.root->kind, node_kind::wildcard);
  EXPECT_EQ(r.root->text, "title:abcd*");
}

TEST(Printer, Operators) {
  node a = leaf(node_kind::term, "a"), b = leaf(node_kind::term, "b"), c = leaf(node_kind::term, "c");
  EXPECT_EQ(print(list(node_kind::and_, {a, b, c})), "(a AND b AND c)");
  EXPECT_EQ(print(list(node_kind::or_, {a, b})), "(a OR b)");
  EXPECT_EQ(print(list(node_kind::not_, {a})), "NOT a");
  EXPECT_EQ(print(list(node_kind::not_, {list(node_kind::or_, {a, b})})), "NOT (a OR b)");
  node near = list(node_kind::near, {a, b});
  near.distance = 3;
  EXPECT_EQ(print(near), "(a NEAR/3 b)");
  near.ordered = true;
  EXPECT_EQ(print(near), "(a ONEAR/3 b)");
  node scope = list(node_kind::field_scope, {list(node_kind::or_, {a, b})});
  scope.scope = field::title;
  EXPECT_EQ(print(scope), "title:((a OR b))");
  scope.scope = field::image;
  scope.children = {a};
  EXPECT_EQ(print(scope), "image:(a)");
}

TEST(Printer, Filters) {
  EXPECT_EQ(print(filter(filter_field::lang, "ru")), "lang:ru");
  EXPECT_EQ(print(filter(filter_field::source, "vk")), "source:vk");
  EXPECT_EQ(print(filter(filter_field::type, "review")), "type:review");
  EXPECT_EQ(print(filter(filter_field::channel, "-100123")), "channel:-100123");
  EXPECT_EQ(print(filter(filter_field::place, "club1")), "place:club1");
  EXPECT_EQ(print(filter(filter_field::author, "id1")), "author:id1");
  EXPECT_EQ(print(filter(filter_field::site, "example.ru")), "site:example.ru");
  EXPECT_EQ(print(filter(filter_field::url, "https://x.ru/a?b=c")), "url:https://x.ru/a?b=c");
  EXPECT_EQ(print(filter(filter_field::country, "RU")), "country:RU");
  EXPECT_EQ(print(filter(filter_field::city, "Нижний Новгород")), "city:\"Нижний Новгород\"");
  EXPECT_EQ(print(filter(filter_field::city, "a(b)")), "city:\"a(b)\"");
  EXPECT_EQ(print(filter(filter_field::city, "x,y")), "city:\"x,y\"");
  EXPECT_EQ(print(filter(filter_field::city, "a<<<b")), "city:\"a<<<b\"");
  EXPECT_EQ(print(filter(filter_field::city, "say \"x\"")), R"(city:"say \"x\"")");
  EXPECT_EQ(print(filter(filter_field::gender, "f")), "gender:f");
  EXPECT_EQ(print(filter(filter_field::followers, {}, 1000, 50000)), "followers:[1000 TO 50000]");
  EXPECT_EQ(print(filter(filter_field::followers, {}, 1000)), "followers:[1000 TO *]");
  EXPECT_EQ(print(filter(filter_field::followers, {}, INT64_MIN, 5)), "followers:[* TO 5]");
  EXPECT_EQ(print(filter(filter_field::has_image)), "has:image");
  EXPECT_EQ(print(filter(filter_field::has_link)), "has:link");
  EXPECT_EQ(print(filter(filter_field::is_reply)), "is:reply");
  EXPECT_EQ(print(filter(filter_field::is_repost)), "is:repost");
}

TEST(Printer, HeaderExample) {
  auto r = parse("a b, c");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(print(*r.root), "((a AND b) OR c)");
}

TEST(Printer, LeafLabels) {
  node exact = leaf(node_kind::term, "доставка");
  exact.exact = true;
  EXPECT_EQ(leaf_label(leaf(node_kind::term, "доставка")), "доставка");
  EXPECT_EQ(leaf_label(exact), "!доставка");
  EXPECT_EQ(leaf_label(leaf(node_kind::phrase, "доставка цветов")), "\"доставка цветов\"");
  node prox = leaf(node_kind::proximity_phrase, "a b");
  prox.distance = 3;
  EXPECT_EQ(leaf_label(prox), "\"a b\"~3");
  EXPECT_EQ(leaf_label(leaf(node_kind::wildcard, "флор*")), "флор*");
  EXPECT_EQ(leaf_label(leaf(node_kind::wildcard, "title:abcd*")), "title:abcd*");
  EXPECT_EQ(leaf_label(leaf(node_kind::case_sensitive, "Apple")), "{Apple}");
  EXPECT_EQ(leaf_label(leaf(node_kind::tag, "#flowwow")), "#flowwow");
  EXPECT_EQ(leaf_label(leaf(node_kind::contains, "wow")), "contains:\"wow\"");
  EXPECT_EQ(leaf_label(filter(filter_field::lang, "ru")), "lang:ru");
}

TEST(Printer, PrintIsAFixedPoint) {
  for (const char* q : {"a b, c", "title:(x y) -z", "(a OR b) NEAR/3 ccc*c", "lang:ru followers:>10 x"}) {
    auto r = parse(q);
    ASSERT_TRUE(r.ok()) << q;
    std::string once = print(*r.root);
    auto again = parse(once);
    ASSERT_TRUE(again.ok()) << once;
    EXPECT_EQ(print(*again.root), once);
  }
}

}  // namespace
}  // namespace sito::query
