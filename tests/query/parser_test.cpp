// Tests of sito::query::parse: every spelling of DESIGN §3, precedence,
// node fields and spans, and every error with its exact offset.
#include <gtest/gtest.h>

#include <string>

#include "sito/query/parser.hpp"
#include "sito/query/printer.hpp"

namespace sito::query {
namespace {

/// Canonical text of a query that must parse.
std::string canon(std::string_view q) {
  auto r = parse(q);
  if (!r.ok()) {
    std::string msg = "parse failed:";
    for (auto& d : r.diagnostics) msg += " [" + std::to_string(d.offset) + "] " + d.message;
    return msg;
  }
  return print(*r.root);
}

/// The root of a query that must parse.
node root_of(std::string_view q) {
  auto r = parse(q);
  EXPECT_TRUE(r.ok()) << q;
  return r.ok() ? *r.root : node{};
}

/// The first error of a query that must fail.
diagnostic first_error(std::string_view q, bool allow_without_positive = false) {
  auto r = parse(q, allow_without_positive);
  EXPECT_FALSE(r.ok()) << q << " parsed as " << (r.ok() ? print(*r.root) : "");
  for (auto& d : r.diagnostics) {
    if (d.level == severity::error) return d;
  }
  ADD_FAILURE() << "no error for " << q;
  return {};
}

void expect_error(std::string_view q, uint32_t offset, std::string_view message) {
  diagnostic d = first_error(q);
  EXPECT_EQ(d.offset, offset) << q << ": " << d.message;
  EXPECT_EQ(d.message, message) << q;
}

size_t warning_count(std::string_view q) {
  auto r = parse(q);
  size_t n = 0;
  for (auto& d : r.diagnostics) n += d.level == severity::warning;
  return n;
}

// ---- terms and leaves -------------------------------------------------------

TEST(Parser, PlainTermKeepsTextAndSpan) {
  node n = root_of("  доставка ");
  EXPECT_EQ(n.kind, node_kind::term);
  EXPECT_EQ(n.text, "доставка");
  EXPECT_FALSE(n.exact);
  EXPECT_EQ(n.begin, 2u);
  EXPECT_EQ(n.end, 2u + 16u);
}

TEST(Parser, ExactFormWithBangAndPlus) {
  for (const char* q : {"!доставка", "+доставка"}) {
    node n = root_of(q);
    EXPECT_EQ(n.kind, node_kind::term) << q;
    EXPECT_EQ(n.text, "доставка") << q;
    EXPECT_TRUE(n.exact) << q;
    EXPECT_EQ(n.begin, 0u);
  }
  EXPECT_EQ(canon("+доставка"), "!доставка");
}

TEST(Parser, HyphenatedWordStaysOneTerm) {
  node n = root_of("интернет-магазин");
  EXPECT_EQ(n.kind, node_kind::term);
  EXPECT_EQ(n.text, "интернет-магазин");
  EXPECT_EQ(canon("купить интернет-магазин -отзывы"), "(купить AND интернет-магазин AND NOT отзывы)");
}

TEST(Parser, LowerCaseOperatorWordsAreTerms) {
  EXPECT_EQ(canon("rock and roll"), "(rock AND and AND roll)");
  EXPECT_EQ(canon("this or that"), "(this AND or AND that)");
  EXPECT_EQ(canon("near not"), "(near AND not)");
  EXPECT_EQ(canon("NEARBY"), "NEARBY");
}

TEST(Parser, EmojiIsATerm) {
  node n = root_of("😡");
  EXPECT_EQ(n.kind, node_kind::term);
  EXPECT_EQ(n.text, "😡");
  EXPECT_EQ(canon("flowwow 😡"), "(flowwow AND 😡)");
  EXPECT_EQ(root_of("brand😡").text, "brand😡");
}

TEST(Parser, ColonInsideTermIsText) {
  EXPECT_EQ(root_of("10:30").text, "10:30");
  EXPECT_EQ(canon("встреча 10:30"), "(встреча AND 10:30)");
}

TEST(Parser, PhraseResolvesEscapes) {
  node n = root_of(R"("доставка цветов")");
  EXPECT_EQ(n.kind, node_kind::phrase);
  EXPECT_EQ(n.text, "доставка цветов");
  EXPECT_EQ(n.begin, 0u);
  EXPECT_EQ(n.end, 31u);
  node e = root_of(R"("магазин \"Цветы\" и \\ слэш")");
  EXPECT_EQ(e.text, R"(магазин "Цветы" и \ слэш)");
  EXPECT_EQ(root_of(R"("a \n b")").text, R"(a \n b)");
}

TEST(Parser, ProximityPhrase) {
  node n = root_of(R"("доставка цветов быстро"~5)");
  EXPECT_EQ(n.kind, node_kind::proximity_phrase);
  EXPECT_EQ(n.text, "доставка цветов быстро");
  EXPECT_EQ(n.distance, 5u);
  EXPECT_EQ(canon(R"("a b"~0)"), R"("a b"~0)");
  // `~` after a space is NOT.
  EXPECT_EQ(canon(R"("a b" ~c)"), R"(("a b" AND NOT c))");
}

TEST(Parser, Wildcards) {
  node n = root_of("флор*");
  EXPECT_EQ(n.kind, node_kind::wildcard);
  EXPECT_EQ(n.text, "флор*");
  node q = root_of("colo?r");
  EXPECT_EQ(q.kind, node_kind::wildcard);
  EXPECT_EQ(q.text, "colo?r");
  EXPECT_EQ(root_of("!флор*").kind, node_kind::wildcard);
  EXPECT_FALSE(root_of("!флор*").exact);
}

TEST(Parser, WildcardPrefixRules) {
  expect_error("фл*", 0, "a wildcard needs at least 3 letters before '*'");
  expect_error("a OR ab*c", 5, "a wildcard needs at least 3 letters before '*'");
  expect_error("co?*", 0, "a wildcard needs at least 3 letters before '*'");
  auto r = parse("цве*");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].level, severity::warning);
  EXPECT_EQ(r.diagnostics[0].message, "short wildcard prefix: only 3 letters before '*'");
  EXPECT_EQ(warning_count("цвет*"), 0u);
  EXPECT_EQ(warning_count("a?b"), 0u);
}

TEST(Parser, CaseSensitive) {
  node n = root_of("{Apple}");
  EXPECT_EQ(n.kind, node_kind::case_sensitive);
  EXPECT_EQ(n.text, "Apple");
  EXPECT_EQ(n.end, 7u);
  EXPECT_EQ(canon("{МТС} связь"), "({МТС} AND связь)");
}

TEST(Parser, HashtagsAndMentions) {
  node h = root_of("#flowwow_ru");
  EXPECT_EQ(h.kind, node_kind::tag);
  EXPECT_EQ(h.text, "#flowwow_ru");
  node m = root_of("@flowwow");
  EXPECT_EQ(m.kind, node_kind::tag);
  EXPECT_EQ(m.text, "@flowwow");
  // `#` inside a word is text.
  EXPECT_EQ(root_of("C#").kind, node_kind::term);
}

TEST(Parser, Contains) {
  node n = root_of(R"(contains:"wow")");
  EXPECT_EQ(n.kind, node_kind::contains);
  EXPECT_EQ(n.text, "wow");
  EXPECT_EQ(root_of("contains:flow").text, "flow");
  EXPECT_EQ(root_of(R"(contains:"flow wow")").text, "flow wow");
}

// ---- operators -------------------------------------------------------------

TEST(Parser, EveryAndSpelling) {
  for (const char* q : {"a AND b", "a && b", "a & b", "a b", "a&&b", "a&b"}) {
    EXPECT_EQ(canon(q), "(a AND b)") << q;
  }
}

TEST(Parser, EveryOrSpelling) {
  for (const char* q : {"a OR b", "a || b", "a | b", "a, b", "a,b", "a||b", "a|b"}) {
    EXPECT_EQ(canon(q), "(a OR b)") << q;
  }
}

TEST(Parser, EveryNotSpelling) {
  for (const char* q : {"a NOT b", "a AND NOT b", "a -b", "a ~b", "a ~~b", "a && NOT b"}) {
    EXPECT_EQ(canon(q), "(a AND NOT b)") << q;
  }
  EXPECT_EQ(canon("a NOT NOT b"), "(a AND NOT NOT b)");
  EXPECT_EQ(canon("a -(b OR c)"), "(a AND NOT (b OR c))");
  EXPECT_EQ(canon("a -\"b c\""), "(a AND NOT \"b c\")");
}

TEST(Parser, EveryNearSpelling) {
  EXPECT_EQ(canon("a NEAR/3 b"), "(a NEAR/3 b)");
  EXPECT_EQ(canon("a /3 b"), "(a NEAR/3 b)");
  EXPECT_EQ(canon("a NEAR/0 b"), "(a NEAR/0 b)");
  EXPECT_EQ(canon("a ONEAR/3 b"), "(a ONEAR/3 b)");
  EXPECT_EQ(canon("a NEAR/3f b"), "(a ONEAR/3 b)");
  node n = root_of("flowwow NEAR/7f доставка");
  EXPECT_EQ(n.kind, node_kind::near);
  EXPECT_TRUE(n.ordered);
  EXPECT_EQ(n.distance, 7u);
  EXPECT_FALSE(root_of("a NEAR/7 b").ordered);
}

TEST(Parser, SameOperatorChainsFlatten) {
  node a = root_of("a AND b AND c");
  EXPECT_EQ(a.kind, node_kind::and_);
  EXPECT_EQ(a.children.size(), 3u);
  node o = root_of("a OR b | c, d");
  EXPECT_EQ(o.kind, node_kind::or_);
  EXPECT_EQ(o.children.size(), 4u);
  node j = root_of("a b AND c && d");
  EXPECT_EQ(j.children.size(), 4u);
  // Grouping the user wrote stays.
  EXPECT_EQ(canon("(a AND b) AND c"), "((a AND b) AND c)");
}

TEST(Parser, NearChainsAreLeftAssociative) {
  node n = root_of("a NEAR/2 b NEAR/3 c");
  ASSERT_EQ(n.kind, node_kind::near);
  EXPECT_EQ(n.distance, 3u);
  ASSERT_EQ(n.children.size(), 2u);
  EXPECT_EQ(n.children[0].kind, node_kind::near);
  EXPECT_EQ(n.children[0].distance, 2u);
  EXPECT_EQ(n.children[1].text, "c");
  EXPECT_EQ(canon("a NEAR/2 b NEAR/3 c"), "((a NEAR/2 b) NEAR/3 c)");
}

TEST(Parser, PrecedenceNotNearAndOr) {
  EXPECT_EQ(canon("a b, c"), "((a AND b) OR c)");
  EXPECT_EQ(canon("a OR b AND c"), "(a OR (b AND c))");
  EXPECT_EQ(canon("a AND b OR c AND d"), "((a AND b) OR (c AND d))");
  EXPECT_EQ(canon("a NEAR/5 b c"), "((a NEAR/5 b) AND c)");
  EXPECT_EQ(canon("a NEAR/5 b OR c"), "((a NEAR/5 b) OR c)");
  EXPECT_EQ(canon("a OR b NEAR/5 c"), "(a OR (b NEAR/5 c))");
  EXPECT_EQ(canon("a -b OR c"), "((a AND NOT b) OR c)");
  EXPECT_EQ(canon("(a OR b) NEAR/5 c"), "((a OR b) NEAR/5 c)");
  EXPECT_EQ(canon("flowwow NEAR/3 (доставка OR курьер) -вакансия"),
            "((flowwow NEAR/3 (доставка OR курьер)) AND NOT вакансия)");
}

TEST(Parser, GroupsSpanTheirParentheses) {
  node n = root_of("x (a OR b)");
  ASSERT_EQ(n.children.size(), 2u);
  EXPECT_EQ(n.children[1].begin, 2u);
  EXPECT_EQ(n.children[1].end, 10u);
  // A parenthesized leaf keeps its own span.
  node leaf = root_of("( a )");
  EXPECT_EQ(leaf.begin, 2u);
  EXPECT_EQ(leaf.end, 3u);
}

TEST(Parser, CommentsAreSkipped) {
  EXPECT_EQ(canon("flowwow <<< бренд, 2024 >>> доставка"), "(flowwow AND доставка)");
  EXPECT_EQ(canon("a<<<x>>>b"), "(a AND b)");
  EXPECT_EQ(canon("<<< only note >>> a"), "a");
  EXPECT_EQ(root_of("<<<c>>> a").begin, 8u);
}

TEST(Parser, MultiLineQueries) {
  EXPECT_EQ(canon("flowwow\n  OR фловвов\n\t-вакансия"), "(flowwow OR (фловвов AND NOT вакансия))");
}

// ---- field scopes and filters ---------------------------------------------

TEST(Parser, FieldScopes) {
  node n = root_of("title:(доставка OR курьер)");
  EXPECT_EQ(n.kind, node_kind::field_scope);
  EXPECT_EQ(n.scope, field::title);
  EXPECT_EQ(n.begin, 0u);
  ASSERT_EQ(n.children.size(), 1u);
  EXPECT_EQ(n.children[0].kind, node_kind::or_);
  EXPECT_EQ(canon("text:(a b)"), "text:((a AND b))");
  EXPECT_EQ(canon("image:скидка"), "image:(скидка)");
  EXPECT_EQ(canon("title:\"a b\" c"), "(title:(\"a b\") AND c)");
  EXPECT_EQ(canon("Title:x"), "title:(x)");
  EXPECT_EQ(canon("title:x NEAR/2 y"), "(title:(x) NEAR/2 y)");
  EXPECT_EQ(canon("title:(a title:b)"), "title:((a AND title:(b)))");
}

TEST(Parser, StringFilters) {
  struct c { const char* q; filter_field f; const char* v; };
  for (auto [q, f, v] : {c{"lang:ru", filter_field::lang, "ru"}, c{"source:vk", filter_field::source, "vk"},
                         c{"type:review", filter_field::type, "review"},
                         c{"channel:club123", filter_field::channel, "club123"},
                         c{"place:-1001234", filter_field::place, "-1001234"},
                         c{"author:id42", filter_field::author, "id42"},
                         c{"site:example.ru", filter_field::site, "example.ru"},
                         c{"url:https://vk.com/wall-1_2", filter_field::url, "https://vk.com/wall-1_2"},
                         c{"country:RU", filter_field::country, "RU"},
                         c{"city:Казань", filter_field::city, "Казань"},
                         c{"city:\"Нижний Новгород\"", filter_field::city, "Нижний Новгород"},
                         c{"gender:f", filter_field::gender, "f"}}) {
    node n = root_of(q);
    EXPECT_EQ(n.kind, node_kind::filter) << q;
    EXPECT_EQ(n.filter.field, f) << q;
    EXPECT_EQ(n.filter.value, v) << q;
    EXPECT_EQ(n.begin, 0u) << q;
    EXPECT_EQ(n.end, std::string_view(q).size()) << q;
  }
}

TEST(Parser, FollowersForms) {
  struct c { const char* q; int64_t lo; int64_t hi; };
  for (auto [q, lo, hi] : {c{"followers:>=1000", 1000, INT64_MAX}, c{"followers:>1000", 1001, INT64_MAX},
                           c{"followers:<=1000", INT64_MIN, 1000}, c{"followers:<1000", INT64_MIN, 999},
                           c{"followers:=1000", 1000, 1000}, c{"followers:1000", 1000, 1000},
                           c{"followers:[1000 TO 50000]", 1000, 50000},
                           c{"followers:[* TO 50000]", INT64_MIN, 50000},
                           c{"followers:[1000 TO *]", 1000, INT64_MAX},
                           c{"followers:[  5 to 7 ]", 5, 7}, c{"followers:>=-5", -5, INT64_MAX},
                           c{"followers:1000000000000000000", 1000000000000000000, 1000000000000000000}}) {
    node n = root_of(q);
    EXPECT_EQ(n.kind, node_kind::filter) << q;
    EXPECT_EQ(n.filter.field, filter_field::followers) << q;
    EXPECT_EQ(n.filter.lo, lo) << q;
    EXPECT_EQ(n.filter.hi, hi) << q;
    EXPECT_EQ(n.end, std::string_view(q).size()) << q;
  }
  EXPECT_EQ(canon("flowwow followers:[1000 TO 50000] lang:ru"),
            "(flowwow AND followers:[1000 TO 50000] AND lang:ru)");
}

TEST(Parser, FlagFilters) {
  EXPECT_EQ(root_of("has:image").filter.field, filter_field::has_image);
  EXPECT_EQ(root_of("has:link").filter.field, filter_field::has_link);
  EXPECT_EQ(root_of("is:reply").filter.field, filter_field::is_reply);
  EXPECT_EQ(root_of("is:repost").filter.field, filter_field::is_repost);
  EXPECT_EQ(root_of("HAS:Image").filter.field, filter_field::has_image);
}

TEST(Parser, FilterAloneIsAPositiveQuery) {
  EXPECT_TRUE(parse("source:otzovik").ok());
  EXPECT_TRUE(parse("channel:123 -спам").ok());
}

// ---- errors, each at its exact offset -------------------------------------

TEST(ParserErrors, UnbalancedParentheses) {
  expect_error("a OR b)", 6, "unbalanced ')'");
  expect_error(") a", 0, "unbalanced ')'");
  expect_error("(a OR (b c)", 0, "unclosed '('");
  expect_error("x (a OR (b c)", 2, "unclosed '('");
  expect_error("a ()", 2, "empty group '()'");
  expect_error("a }", 2, "unbalanced '}'");
  expect_error("{Apple", 0, "unclosed '{'");
}

TEST(ParserErrors, MissingOperands) {
  expect_error("a OR", 2, "OR needs a right operand");
  expect_error("a OR )", 2, "OR needs a right operand");
  expect_error("(a, )", 2, "OR needs a right operand");
  expect_error("OR a", 0, "OR needs a left operand");
  expect_error("a AND", 2, "AND needs a right operand");
  expect_error("a && || b", 2, "AND needs a right operand");
  expect_error("AND b", 0, "AND needs a left operand");
  expect_error("a NEAR/3", 2, "NEAR needs a right operand");
  expect_error("NEAR/3 a", 0, "NEAR needs a left operand");
  expect_error("a ONEAR/3 )", 2, "ONEAR needs a right operand");
  expect_error("a -", 2, "NOT needs an operand");
  expect_error("a AND NOT", 6, "NOT needs an operand");
  expect_error("title:", 0, "title: needs a term or a group after it");
  expect_error("a (OR b)", 3, "OR needs a left operand");
}

TEST(ParserErrors, NearDistances) {
  expect_error("a NEAR b", 2, "NEAR needs a distance, e.g. NEAR/5");
  expect_error("a NEAR/ b", 2, "NEAR needs a distance, e.g. NEAR/5");
  expect_error("a NEAR/x b", 2, "NEAR needs a distance, e.g. NEAR/5");
  expect_error("a ONEAR b", 2, "ONEAR needs a distance, e.g. ONEAR/5");
  expect_error("a ONEAR/0 b", 2, "ordered proximity needs a distance of at least 1");
  expect_error("a NEAR/0f b", 2, "ordered proximity needs a distance of at least 1");
  expect_error("a NEAR/10001 b", 2, "distance is too large: at most 10000");
  expect_error("a /99999999999999999999 b", 2, "distance is too large: at most 10000");
  expect_error("\"a b\"~10001", 5, "distance is too large: at most 10000");
  expect_error("\"a b\"~x", 5, "a proximity phrase needs a distance, e.g. \"a b\"~5");
  expect_error("\"a b\"~", 5, "a proximity phrase needs a distance, e.g. \"a b\"~5");
  EXPECT_EQ(canon("x \"a b\"~~c"), "(x AND \"a b\" AND NOT c)");
  EXPECT_TRUE(parse("a NEAR/10000 b").ok());
  auto d = first_error("a NEAR b");
  EXPECT_FALSE(d.hint.empty());
}

TEST(ParserErrors, OnlyPositionalOperandsInsideNear) {
  expect_error("a NEAR/3 -b", 9, "NOT cannot stand inside NEAR");
  expect_error("a NEAR/3 (b c)", 9, "AND cannot stand inside NEAR");
  expect_error("a NEAR/3 (b OR (c AND d))", 15, "AND cannot stand inside NEAR");
  expect_error("a ONEAR/3 lang:ru", 10, "the metadata filter lang:ru cannot stand inside ONEAR");
  expect_error("contains:\"wow\" NEAR/3 b", 0, "contains: cannot stand inside NEAR");
  expect_error("NOT a NEAR/3 b", 0, "NOT cannot stand inside NEAR");
  expect_error("(a NEAR/1 (b c)) NEAR/3 d", 10, "AND cannot stand inside NEAR");
  // Positional operands are fine.
  for (const char* q : {"a NEAR/3 \"b c\"", "a NEAR/3 \"b c\"~4", "a NEAR/3 флор*", "a NEAR/3 {Apple}",
                        "a NEAR/3 #tag", "a NEAR/3 (b OR c OR dddd*)", "(a NEAR/1 b) NEAR/3 c",
                        "title:a NEAR/3 b", "😡 NEAR/2 доставка", "a NEAR/3 (b OR (c NEAR/1 d))"}) {
    EXPECT_TRUE(parse(q).ok()) << q;
  }
  auto d = first_error("a NEAR/3 -b");
  EXPECT_FALSE(d.hint.empty());
  // One report per offending operand, also for nested NEARs.
  EXPECT_EQ(parse("(a NEAR/1 (b c)) NEAR/3 d").diagnostics.size(), 1u);
}

TEST(ParserErrors, FieldsAndFilters) {
  auto d = first_error("foo:bar");
  EXPECT_EQ(d.offset, 0u);
  EXPECT_EQ(d.message, "unknown field 'foo'");
  EXPECT_NE(d.hint.find("title:"), std::string::npos);
  EXPECT_NE(d.hint.find("\"foo:bar\""), std::string::npos);
  expect_error("a http://x.ru", 2, "unknown field 'http'");
  expect_error("title:(a text:b)", 9, "text: cannot stand inside title:(…)");
  expect_error("title:(a lang:ru)", 9, "the metadata filter lang:ru cannot stand inside title:(…)");
  expect_error("a lang:", 2, "lang: needs a value");
  expect_error("a has:video", 2, "unknown value 'video' for has:");
  expect_error("a is:quote", 2, "unknown value 'quote' for is:");
  expect_error("a followers:many", 2, "followers: needs a number, a comparison or a range");
  expect_error("a followers:[1 TO]", 2, "bad followers range");
  expect_error("a followers:[1 TO 5", 12, "unclosed '[' in followers range");
  expect_error("a followers:[9 TO 5]", 2, "followers range is empty: the lower bound is above the upper one");
  expect_error("a followers:>1000000000000000000", 2, "followers bound is out of range");
  expect_error("a followers:9999999999999999999", 2, "followers: needs a number, a comparison or a range");
  expect_error("a followers:[0 TO 99999999999999999999]", 2, "bad followers range");
  expect_error("a contains:\"  \"", 2, "contains: needs a text to look for");
  expect_error("a contains:", 2, "contains: needs a text to look for");
}

TEST(ParserErrors, BadTerms) {
  expect_error("a .", 2, "a term needs at least one letter, digit or emoji");
  expect_error("a —", 2, "a term needs at least one letter, digit or emoji");
  expect_error("a \"...\"", 2, "a phrase needs at least one letter, digit or emoji");
  expect_error("a \"\"", 2, "empty phrase");
  expect_error("a {..}", 2, "a case-sensitive term needs at least one letter, digit or emoji");
  expect_error("a # b", 2, "a hashtag needs at least one letter or digit after '#'");
  expect_error("a @", 2, "a mention needs at least one letter or digit after '@'");
  expect_error("a ! b", 2, "'!' must be followed directly by a word");
  expect_error("a \"unterminated", 2, "unterminated quotes: '\"' has no closing '\"'");
  expect_error("a <<< note", 2, "unterminated comment: '<<<' has no closing '>>>'");
}

TEST(ParserErrors, EmptyQuery) {
  expect_error("", 0, "empty query");
  expect_error("   \n\t", 5, "empty query");
  expect_error("<<< nothing >>>", 15, "empty query");
}

TEST(ParserErrors, NeedsAPositiveTerm) {
  const std::string msg = "a topic query needs at least one positive term, channel or filter";
  expect_error("-spam", 0, msg);
  expect_error("NOT a", 0, msg);
  expect_error("a OR NOT b", 0, msg);
  expect_error("  (NOT a) OR lang:ru", 2, msg);
  EXPECT_TRUE(parse("-spam", true).ok());
  EXPECT_TRUE(parse("NOT a OR -b", true).ok());
  EXPECT_TRUE(parse("a -b").ok());
  EXPECT_TRUE(parse("(a OR b) -c").ok());
  EXPECT_TRUE(parse("NOT a AND b").ok());
  EXPECT_TRUE(parse("lang:ru -спам").ok());
}

TEST(ParserErrors, InvalidUtf8AtFirstBadByte) {
  expect_error(std::string("доставка \xff x"), 17, "invalid UTF-8");
  expect_error(std::string("a \xC0\x80"), 2, "invalid UTF-8");        // overlong
  expect_error(std::string("a \xED\xA0\x80"), 2, "invalid UTF-8");    // surrogate
  expect_error(std::string("ab \xD0"), 3, "invalid UTF-8");           // truncated
  expect_error(std::string("\x80"), 0, "invalid UTF-8");              // stray continuation
  expect_error(std::string("a \xF4\x90\x80\x80"), 2, "invalid UTF-8"); // > U+10FFFF
}

TEST(ParserErrors, TooLong) {
  std::string q;
  while (q.size() <= max_query_bytes) q += "доставка ";
  auto d = first_error(q);
  EXPECT_EQ(d.offset, max_query_bytes);
  EXPECT_NE(d.message.find("too long"), std::string::npos);
  std::string exact(max_query_bytes, 'a');
  EXPECT_TRUE(parse(exact).ok());
}

TEST(ParserErrors, TooDeepDoesNotOverflow) {
  auto r = parse(std::string(max_query_bytes - 2, '(') + "a");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.diagnostics[0].message, "the query nests too deeply");
  EXPECT_EQ(r.diagnostics[0].offset, uint32_t(max_query_depth));

  std::string nots;
  for (int i = 0; i < 30000; ++i) nots += "-";
  EXPECT_FALSE(parse(nots + "a b").ok());

  std::string chain = "a";
  for (int i = 0; i < 5000; ++i) chain += " NEAR/1 a";
  auto c = parse(chain);
  EXPECT_FALSE(c.ok());
  EXPECT_EQ(c.diagnostics[0].message, "the query nests too deeply");

  std::string ok_depth;
  for (int i = 0; i < 150; ++i) ok_depth += "(x ";
  ok_depth += "y";
  for (int i = 0; i < 150; ++i) ok_depth += ")";
  EXPECT_TRUE(parse(ok_depth).ok());
}

TEST(ParserErrors, AllErrorsCarryLineAndColumn) {
  auto r = parse("flowwow\nOR доставка NEAR b");
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].line, 2u);
  EXPECT_EQ(r.diagnostics[0].column, 13u);
  EXPECT_EQ(r.diagnostics[0].offset, 28u);
}

TEST(ParserErrors, SeveralLexicalErrorsInSourceOrder) {
  auto r = parse("фл* OR foo:x OR .");
  ASSERT_EQ(r.diagnostics.size(), 3u);
  EXPECT_EQ(r.diagnostics[0].offset, 0u);
  EXPECT_EQ(r.diagnostics[1].offset, 9u);
  EXPECT_EQ(r.diagnostics[2].offset, 18u);
}

// ---- warnings ---------------------------------------------------------------

TEST(ParserWarnings, PureSubstringQuery) {
  auto r = parse("contains:\"wow\" OR contains:\"вау\"");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].level, severity::warning);
  EXPECT_EQ(r.diagnostics[0].message, "the query only searches substrings (contains:)");
  EXPECT_EQ(warning_count("contains:\"wow\" flowwow"), 0u);
}

TEST(ParserWarnings, HugeOr) {
  std::string q = "w0";
  for (int i = 1; i <= 1000; ++i) q += " OR w" + std::to_string(i);
  auto r = parse(q);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.root->children.size(), 1001u);
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].level, severity::warning);
  EXPECT_NE(r.diagnostics[0].message.find("1001 alternatives"), std::string::npos);
  std::string small = "w0";
  for (int i = 1; i < 1000; ++i) small += ", w" + std::to_string(i);
  EXPECT_EQ(warning_count(small), 0u);
}

// ---- real analyst queries -------------------------------------------------

TEST(Parser, RealBrandMonitoringQueries) {
  EXPECT_EQ(canon("(flowwow | фловвов | флоувау) -вакансия -работа lang:ru"),
            "((flowwow OR фловвов OR флоувау) AND NOT вакансия AND NOT работа AND lang:ru)");
  EXPECT_EQ(canon("(сбер, сбербанк, sber) NEAR/5 (кредит*, ипотек*) ~~реклама"),
            "(((сбер OR сбербанк OR sber) NEAR/5 (кредит* OR ипотек*)) AND NOT реклама)");
  EXPECT_EQ(canon("{МТС} AND (связь OR интернет) AND NOT \"МТС Банк\" source:vk"),
            "({МТС} AND (связь OR интернет) AND NOT \"МТС Банк\" AND source:vk)");
  EXPECT_EQ(canon("#flowwow OR @flowwow_ru OR flowwow NEAR/3 доставк*"),
            "(#flowwow OR @flowwow_ru OR (flowwow NEAR/3 доставк*))");
  EXPECT_EQ(canon("\"не пришел заказ\"~3 (озон OR ozon) type:review"),
            "(\"не пришел заказ\"~3 AND (озон OR ozon) AND type:review)");
  EXPECT_EQ(canon("(Apple OR iPhone) ONEAR/2 (broken OR cracked) -ad country:US followers:>=1000"),
            "(((Apple OR iPhone) ONEAR/2 (broken OR cracked)) AND NOT ad AND country:US AND "
            "followers:[1000 TO *])");
}

}  // namespace
}  // namespace sito::query
