// parse(print(t)) is same_tree(t): over real queries, and over random trees
// of every shape parse() can produce.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "sito/query/parser.hpp"
#include "sito/query/printer.hpp"

namespace sito::query {
namespace {

const char* const queries[] = {
    "flowwow",
    "flowwow OR фловвов OR флоувау",
    "(flowwow | фловвов) -вакансия -работа",
    "flowwow NEAR/3 (доставка OR курьер) -вакансия",
    "\"доставка цветов\" -\"вакансия курьера\"",
    "\"не пришел заказ\"~5 (озон, ozon)",
    "!доставка +цветов",
    "интернет-магазин цветов",
    "флор* OR цвет* OR букет*",
    "colo?r OR colour",
    "{Apple} -яблоко -яблоки",
    "#flowwow OR @flowwow_ru",
    "😡 flowwow",
    "flowwow😡 OR 👎",
    "contains:\"wow\" flowwow",
    "title:(скидка OR акция) text:промокод",
    "image:(flowwow OR фловвов)",
    "lang:ru source:vk type:review flowwow",
    "channel:club123 place:-1001234 author:id42",
    "site:example.ru url:/catalog/ flowwow",
    "country:RU city:\"Нижний Новгород\" gender:f доставка",
    "followers:>=1000 flowwow",
    "followers:>1000 flowwow",
    "followers:<=1000 flowwow",
    "followers:<1000 flowwow",
    "followers:=1000 flowwow",
    "followers:1000 flowwow",
    "followers:[1000 TO 50000] flowwow",
    "followers:[* TO 50000] flowwow",
    "followers:[1000 TO *] flowwow",
    "has:image has:link is:reply is:repost flowwow",
    "flowwow <<< бренд >>> доставка",
    "a AND b AND c",
    "a && b & c",
    "a || b | c, d",
    "a NOT b",
    "a AND NOT b",
    "a ~b ~~c",
    "a NEAR/0 b",
    "a /5 b",
    "a ONEAR/2 b",
    "a NEAR/2f b",
    "a NEAR/2 b NEAR/3 c",
    "(a NEAR/2 b) NEAR/3 (c OR d)",
    "a OR b AND c",
    "(a OR b) AND (c OR d)",
    "((a))",
    "NOT NOT a b",
    "title:a NEAR/3 b",
    "title:(a title:(b c))",
    "сбер* NEAR/5 (кредит*, ипотек*) -реклама lang:ru",
    "(МТС, MTS) ~~\"МТС Банк\" ~~mtsbank",
    "(\"Яндекс Go\" OR \"Яндекс Такси\") NEAR/4 (водитель OR таксист) (хам* OR груб*)",
    "(Apple OR iPhone) ONEAR/2 (broken OR cracked OR \"stopped working\") -ad",
    "\"Пятёрочка\" (просрочк* OR тухл* OR \"истек срок\") -вакансия source:vk",
    "(Сбер | Сбербанк | Sber) && (приложение || app) && (не работает | сбой | упал*)",
    "wildberries OR вайлдберриз OR ВБ NEAR/3 (пвз OR пункт*) -\"работа в\"",
    "rock and roll or near not",
    "10:30 встреча",
    "C# OR c++ OR .NET",
    "a \"say \\\"hi\\\"\" b",
    "city:\"a \\\"b\\\" c\" x",
    "contains:flow x",
    "-spam a",
    "Title:x LANG:ru",
    "!title:abcd* x",
    "!NEAR/hs!%!* x",  // fuzz find: a wildcard that starts like NEAR/
    "a\n OR b\n -c",
};

TEST(RoundTrip, RealQueries) {
  size_t count = 0;
  for (const char* q : queries) {
    auto first = parse(q);
    ASSERT_TRUE(first.ok()) << q << ": " << (first.diagnostics.empty() ? "" : first.diagnostics[0].message);
    std::string printed = print(*first.root);
    auto second = parse(printed);
    ASSERT_TRUE(second.ok()) << q << " printed as " << printed;
    EXPECT_TRUE(same_tree(*first.root, *second.root)) << q << " printed as " << printed;
    EXPECT_EQ(print(*second.root), printed) << q;
    ++count;
  }
  EXPECT_GE(count, 60u);
}

/// Random trees of every shape parse() can produce (fixed seed, so failures
/// reproduce). The rules it follows are parse()'s rules: NEAR takes only
/// positional operands, field scopes do not nest different fields or hold
/// filters, AND/OR have two or more children, NOT and scopes have one.
class tree_generator {
 public:
  explicit tree_generator(uint32_t seed) : rng_(seed) {}

  node any(int depth, field scope) {
    if (depth <= 0 || chance(35)) return leaf(scope);
    switch (pick(5)) {
      case 0: return list(node_kind::and_, depth, scope);
      case 1: return list(node_kind::or_, depth, scope);
      case 2: {
        node n;
        n.kind = node_kind::not_;
        n.children.push_back(any(depth - 1, scope));
        return n;
      }
      case 3: return near(depth, scope);
      default: return field_scope(depth, scope, false);
    }
  }

 private:
  bool chance(int percent) { return int(rng_() % 100) < percent; }
  size_t pick(size_t n) { return rng_() % n; }
  template <size_t N>
  std::string from(const char* const (&pool)[N]) { return pool[pick(N)]; }

  node list(node_kind kind, int depth, field scope) {
    node n;
    n.kind = kind;
    size_t k = 2 + pick(3);
    for (size_t i = 0; i < k; ++i) n.children.push_back(any(depth - 1, scope));
    return n;
  }

  node near(int depth, field scope) {
    node n;
    n.kind = node_kind::near;
    n.ordered = chance(40);
    n.distance = uint32_t(n.ordered ? 1 + pick(10000) : pick(10001));
    if (chance(70)) n.distance %= 20;
    if (n.ordered && n.distance == 0) n.distance = 1;
    n.children.push_back(positional(depth - 1, scope));
    n.children.push_back(positional(depth - 1, scope));
    return n;
  }

  node field_scope(int depth, field scope, bool positional_only) {
    node n;
    n.kind = node_kind::field_scope;
    n.scope = scope != field::any ? scope : field(1 + pick(3));
    n.children.push_back(positional_only ? positional(depth - 1, n.scope) : any(depth - 1, n.scope));
    return n;
  }

  node positional(int depth, field scope) {
    if (depth <= 0 || chance(50)) return positional_leaf();
    switch (pick(3)) {
      case 0: {
        node n;
        n.kind = node_kind::or_;
        size_t k = 2 + pick(3);
        for (size_t i = 0; i < k; ++i) n.children.push_back(positional(depth - 1, scope));
        return n;
      }
      case 1: return near(depth, scope);
      default: return field_scope(depth, scope, true);
    }
  }

  node leaf(field scope) {
    int r = int(pick(100));
    if (r < 60) return positional_leaf();
    if (r < 70) {
      node n;
      n.kind = node_kind::contains;
      static const char* const needles[] = {"wow", "flow wow", "say \"hi\"", "a\\b", " x ", "))", "<<<", "😡"};
      n.text = from(needles);
      return n;
    }
    if (scope != field::any) return positional_leaf();  // no filters inside a field scope
    return filter();
  }

  node positional_leaf() {
    static const char* const words[] = {
        "доставка", "flowwow", "фловвов", "интернет-магазин", "brand😡", "😡", "10:30", "c++", "wow!",
        "and", "or", "near", "not", "NEARBY", "ORDER", "/5x", "a~b", "a-b", "a!b", "x>>>", "<<x", "Ёлка",
        "қазақ", "ﬁne", "5", "a]", "[a", "_a", "1a:b", "a//b"};
    static const char* const exact_words[] = {"доставка", "AND", "OR", "NOT", "NEAR/5", "/5", "title:x",
                                              "lang:ru", "#tag", "!x", "-x", "+x", "~x", "@x", "x"};
    static const char* const phrases[] = {"доставка цветов", "a", "say \"hi\"", "back\\slash", "a\\", "(x)",
                                          "a <<< b >>> c", "{x}", "title:x", "line\nbreak", "😡 👍", "x ~ y"};
    static const char* const wildcards[] = {"флор*", "colo?r", "abc*", "цвет*ы", "title:abcd*", "-abcd*",
                                            "!abcd*", "#abcd*", "a?", "?a", "10:3?", "abc**", "wow!*",
                                            "NEAR/abc*", "ONEAR/5?", "NEAR?", "/555*", "AND?"};
    static const char* const cases[] = {"Apple", "МТС", "iPhone 15", "a{b", "(x)", "\"q\"", "A B"};
    static const char* const tags[] = {"#flowwow", "@flowwow", "#flowwow_ru", "#a:b", "@AND", "#😡", "@a!",
                                       "#title:x", "##a", "#a#b"};
    node n;
    switch (pick(7)) {
      case 0:
        n.kind = node_kind::term;
        n.text = from(words);
        break;
      case 1:
        n.kind = node_kind::term;
        n.exact = true;
        n.text = chance(50) ? from(exact_words) : from(words);
        break;
      case 2:
        n.kind = node_kind::phrase;
        n.text = from(phrases);
        break;
      case 3:
        n.kind = node_kind::proximity_phrase;
        n.text = from(phrases);
        n.distance = uint32_t(chance(80) ? pick(20) : pick(10001));
        break;
      case 4:
        n.kind = node_kind::wildcard;
        n.text = from(wildcards);
        break;
      case 5:
        n.kind = node_kind::case_sensitive;
        n.text = from(cases);
        break;
      default:
        n.kind = node_kind::tag;
        n.text = from(tags);
        break;
    }
    return n;
  }

  node filter() {
    static const char* const values[] = {"ru", "vk", "Нижний Новгород", "example.ru", "https://x.ru/a?b=c",
                                         "-100123", "a(b)", "x,y", "a|b", "a&b", "say \"x\"", "a\\b",
                                         "a<<<b", "AND", "NEAR/5", "title:x", "[1 TO 2]", "\"", "a b\tc",
                                         "😡", "{x}"};
    node n;
    n.kind = node_kind::filter;
    size_t f = pick(16);
    n.filter.field = filter_field(f);
    if (n.filter.field == filter_field::followers) {
      static const int64_t bounds[] = {INT64_MIN, -1000000000000000000, -5, 0, 1, 999, 1000, 50000,
                                       1000000000000000000, INT64_MAX};
      int64_t a = bounds[pick(10)];
      int64_t b = bounds[pick(10)];
      if (a > b) std::swap(a, b);
      if (a == INT64_MAX) a = 0;
      if (b == INT64_MIN) b = 0;
      n.filter.lo = a;
      n.filter.hi = b;
    } else if (n.filter.field < filter_field::followers) {
      n.filter.value = from(values);
    }
    return n;
  }

  std::mt19937 rng_;
};

TEST(RoundTrip, RandomTrees) {
  tree_generator gen(20240917);
  int checked = 0;
  for (int i = 0; i < 2000; ++i) {
    node tree = gen.any(1 + i % 7, field::any);
    std::string printed = print(tree);
    auto parsed = parse(printed, /*allow_without_positive=*/true);
    ASSERT_TRUE(parsed.ok()) << "tree #" << i << " printed as " << printed << ": "
                             << parsed.diagnostics[0].message << " at " << parsed.diagnostics[0].offset;
    ASSERT_TRUE(same_tree(tree, *parsed.root)) << "tree #" << i << " printed as " << printed
                                               << " re-printed as " << print(*parsed.root);
    ++checked;
  }
  EXPECT_EQ(checked, 2000);
}

TEST(RoundTrip, SameTreeIgnoresOffsetsButNotContent) {
  auto a = parse("a OR b");
  auto b = parse("   a   |   b");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a.root->children[1].begin, b.root->children[1].begin);
  EXPECT_TRUE(same_tree(*a.root, *b.root));
  auto c = parse("a OR c");
  EXPECT_FALSE(same_tree(*a.root, *c.root));
  auto d = parse("a NEAR/2 b");
  auto e = parse("a NEAR/3 b");
  auto f = parse("a ONEAR/2 b");
  EXPECT_FALSE(same_tree(*d.root, *e.root));
  EXPECT_FALSE(same_tree(*d.root, *f.root));
  EXPECT_FALSE(same_tree(*parse("!a").root, *parse("a").root));
  EXPECT_FALSE(same_tree(*parse("title:a").root, *parse("text:a").root));
  EXPECT_FALSE(same_tree(*parse("followers:>5").root, *parse("followers:>=5").root));
}

}  // namespace
}  // namespace sito::query
