// Differential test: the engine (term index + Hyperscan + programs + triggers)
// against the reference evaluator, on random queries over real text.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <random>
#include <set>

#include "reference/reference_evaluator.hpp"
#include "sito/compile/compiler.hpp"
#include "sito/query/parser.hpp"
#include "sito/query/printer.hpp"
#include "sito/rules/sentiment_lexicon.hpp"
#include "sito/scan/batch_scanner.hpp"
#include "support/corpus.hpp"

namespace sito {
namespace {

using query::node;
using query::node_kind;

size_t env_or(const char* name, size_t fallback) {
  const char* v = std::getenv(name);
  return v ? static_cast<size_t>(std::strtoull(v, nullptr, 10)) : fallback;
}

/// Hand-written posts for the corners of DESIGN §3.
std::vector<std::string> edge_texts() {
  return {
      "Заказала в интернет-магазине Flowwow, доставка цветов за 30 минут! #flowwow_ru @flowwow",
      "Ёлка и елка: ёжик ЁЖИК ежик. Всё ещё жду доставок...",
      "Курьер опоздал 😡😡 а букет 👍🏽 норм, 👨‍👩‍👧 семья довольна 🇷🇺",
      "don't stop-believing: rock'n'roll, e-mail me at test@example.com or visit https://flowwow.com/ru",
      "Flowwow фловвов ФЛОВВОВУ фловвова фловву Фловвовом — один бренд, разные формы",
      "Қазақстанда гүл жеткізу өте жылдам! Рақмет, Flowwow. Әдемі гүлдер.",
      "ＦＬＯＷＷＯＷ ﬁne ﬂowers ½ price — NFKC forms; café cafe\u0301 naïve",
      "#доставка_цветов #Flowwow2024 @курьер_москва и снова #доставка",
      "Apple apple APPLE iPhone-15 iphone 15 {Apple} MacBook",
      "цветы цветов цветами цветочки цветочек; доставка доставки доставкой доставку",
      "a a a b b a c a b",
      "Title-like: Отзыв о сервисе: всё плохо, курьер грубил, цветы завяли.",
  };
}

struct random_post_source {
  std::vector<std::string> ru, en;
};

class query_generator {
 public:
  query_generator(std::mt19937_64& rng, std::vector<reference::ref_field> fields) : rng_(rng), fields_(std::move(fields)) {
    for (const auto& f : fields_)
      for (const auto& t : f.tokens)
        if (!t.emoji) words_.push_back(t.text);
    std::sort(words_.begin(), words_.end());
    words_.erase(std::unique(words_.begin(), words_.end()), words_.end());
  }

  /// A tag condition: anything, negative or filter-only included.
  node make_condition() { return gen(1); }

  node make_topic_query() {
    node q = gen(0);
    if (!query::is_anchored(q)) {
      node a;
      a.kind = node_kind::and_;
      a.children.push_back(positional(2));
      a.children.push_back(std::move(q));
      return a;
    }
    return q;
  }

 private:
  size_t pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }

  const reference::ref_field& some_field() {
    for (;;) {
      const auto& f = fields_[pick(fields_.size())];
      if (!f.tokens.empty()) return f;
    }
  }
  std::string word() { return words_[pick(words_.size())]; }

  static bool plain_word(const std::string& w) {
    for (unsigned char c : w)
      if (c < 0x80 && !std::isalnum(c)) return false;
    return !w.empty();
  }

  node leaf_term() {
    node n;
    n.kind = node_kind::term;
    const auto& f = some_field();
    size_t i = pick(f.tokens.size());
    if (chance(0.15) && i + 1 < f.tokens.size() && !f.tokens[i].emoji && !f.tokens[i + 1].emoji) {
      n.text = f.tokens[i].text + "-" + f.tokens[i + 1].text;  // hyphenated: adjacent tokens
    } else {
      n.text = f.tokens[i].text;
    }
    n.exact = chance(0.2) && !f.tokens[i].emoji;
    return n;
  }

  node positional(int depth) {
    const int kind = static_cast<int>(pick(depth >= 3 ? 7 : 9));
    const auto& f = some_field();
    node n;
    switch (kind) {
      case 0:
      case 1:
        return leaf_term();
      case 2: {  // phrase of consecutive tokens
        n.kind = node_kind::phrase;
        size_t i = pick(f.tokens.size()), len = 2 + pick(2);
        for (size_t k = i; k < std::min(f.tokens.size(), i + len); ++k) n.text += (k > i ? " " : "") + f.tokens[k].text;
        return n;
      }
      case 3: {  // proximity phrase
        n.kind = node_kind::proximity_phrase;
        n.distance = static_cast<uint32_t>(1 + pick(8));
        size_t count = 2 + pick(2);
        for (size_t k = 0; k < count; ++k) {
          size_t i = pick(f.tokens.size());
          if (f.tokens[i].emoji) continue;
          n.text += (n.text.empty() ? "" : " ") + f.tokens[i].text;
        }
        if (n.text.empty()) return leaf_term();
        return n;
      }
      case 4: {  // wildcard
        std::string w = word();
        std::u32string w32;
        for (size_t i = 0; i < w.size();) {
          char32_t cp;
          if (!utf8::decode(w, i, cp)) return leaf_term();
          w32.push_back(cp);
        }
        if (w32.size() < 4 || !plain_word(w)) return leaf_term();
        std::string out;
        if (chance(0.6)) {
          size_t keep = 3 + pick(std::min<size_t>(3, w32.size() - 3));
          for (size_t k = 0; k < keep; ++k) utf8::append(out, w32[k]);
          out += "*";
        } else {
          size_t q = 3 + pick(w32.size() - 3);
          for (size_t k = 0; k < w32.size(); ++k) {
            if (k == q) out += "?";
            else utf8::append(out, w32[k]);
          }
        }
        n.kind = node_kind::wildcard;
        n.text = out;
        return n;
      }
      case 5: {  // {Case}
        const auto& t = f.tokens[pick(f.tokens.size())];
        if (t.emoji || !plain_word(t.original) || t.original.find('}') != std::string::npos) return leaf_term();
        n.kind = node_kind::case_sensitive;
        n.text = t.original;
        return n;
      }
      case 6: {  // #tag / @mention
        std::vector<const reference::ref_token*> tags;
        for (const auto& t : f.tokens)
          if (!t.tag.empty()) tags.push_back(&t);
        n.kind = node_kind::tag;
        n.text = tags.empty() ? "#" + word() : tags[pick(tags.size())]->tag;
        if (!plain_word(n.text.substr(1))) {
          bool ok = true;
          for (unsigned char c : n.text.substr(1)) ok = ok && (c >= 0x80 || std::isalnum(c) || c == '_');
          if (!ok) return leaf_term();
        }
        return n;
      }
      case 7: {  // OR of positional
        n.kind = node_kind::or_;
        n.children.push_back(positional(depth + 1));
        n.children.push_back(positional(depth + 1));
        return n;
      }
      default: {  // NEAR / ONEAR, often over two tokens of one real text near each other
        n.kind = node_kind::near;
        n.ordered = chance(0.3);
        if (chance(0.7)) {
          const size_t i = pick(f.tokens.size());
          const size_t d = pick(6);
          const size_t j = std::min(f.tokens.size() - 1, i + d);
          node a, b;
          a.kind = b.kind = node_kind::term;
          a.text = f.tokens[i].text;
          b.text = f.tokens[j].text;
          a.exact = b.exact = true;
          if (chance(0.3)) std::swap(a, b);
          const int64_t dist = std::max<int64_t>(n.ordered ? 1 : 0, int64_t(j - i) + int64_t(pick(3)) - 1);
          n.distance = static_cast<uint32_t>(dist);
          n.children.push_back(std::move(a));
          n.children.push_back(std::move(b));
          return n;
        }
        n.distance = static_cast<uint32_t>((n.ordered ? 1 : 0) + pick(6));
        n.children.push_back(positional(depth + 1));
        n.children.push_back(positional(depth + 1));
        return n;
      }
    }
  }

  node filter() {
    static const std::vector<std::pair<query::filter_field, std::vector<std::string>>> values = {
        {query::filter_field::lang, {"ru", "en"}},
        {query::filter_field::source, {"vk", "telegram", "otzovik"}},
        {query::filter_field::type, {"social", "review"}},
        {query::filter_field::channel, {"otzovik:flowwow", "vk:club1"}},
        {query::filter_field::site, {"flowwow.com", "example.ru"}},
        {query::filter_field::url, {"flowwow"}},
        {query::filter_field::city, {"Москва", "almaty"}},
        {query::filter_field::author, {"u1", "u7"}},
        {query::filter_field::has_image, {""}},
        {query::filter_field::has_link, {""}},
        {query::filter_field::is_reply, {""}},
        {query::filter_field::is_repost, {""}},
        {query::filter_field::followers, {""}},
    };
    node n;
    n.kind = node_kind::filter;
    const auto& [field, vals] = values[pick(values.size())];
    n.filter.field = field;
    n.filter.value = vals[pick(vals.size())];
    if (field == query::filter_field::followers) {
      n.filter.value.clear();
      int64_t a = static_cast<int64_t>(pick(5000)), b = a + static_cast<int64_t>(pick(50000));
      int form = static_cast<int>(pick(3));
      if (form == 0) n.filter.lo = a;
      else if (form == 1) n.filter.hi = b;
      else { n.filter.lo = a; n.filter.hi = b; }
    }
    return n;
  }

  node gen(int depth) {
    const int kind = static_cast<int>(pick(depth >= 3 ? 4 : 10));
    node n;
    switch (kind) {
      case 0:
      case 1:
      case 2:
        return positional(depth);
      case 3:
        if (chance(0.5)) return filter();
        {
          const auto& f = some_field();
          const std::string& s = f.normalized;
          if (s.size() < 8) return positional(depth);
          size_t at = pick(s.size() - 6);
          while (at > 0 && (static_cast<unsigned char>(s[at]) & 0xC0) == 0x80) --at;
          size_t len = 3 + pick(4);
          size_t end = at + len;
          while (end < s.size() && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) ++end;
          std::string needle = s.substr(at, end - at);
          if (needle.find_first_of("\"\\\n\r\t") != std::string::npos ||
              needle.find_first_not_of(' ') == std::string::npos)
            return positional(depth);
          n.kind = node_kind::contains;
          n.text = needle;
          return n;
        }
      case 4:
      case 5:
        n.kind = node_kind::and_;
        break;
      case 6:
      case 7:
        n.kind = node_kind::or_;
        break;
      case 8:
        n.kind = node_kind::not_;
        n.children.push_back(gen(depth + 1));
        return n;
      default: {
        n.kind = node_kind::field_scope;
        const query::field fs[] = {query::field::title, query::field::text, query::field::image};
        n.scope = fs[pick(3)];
        n.children.push_back(positional(depth + 1));
        return n;
      }
    }
    size_t count = 2 + pick(2);
    for (size_t k = 0; k < count; ++k) n.children.push_back(gen(depth + 1));
    return n;
  }

  std::mt19937_64& rng_;
  std::vector<reference::ref_field> fields_;
  std::vector<std::string> words_;
};

std::vector<post> make_posts(std::mt19937_64& rng, size_t per_language) {
  auto ru = testing::russian_fortunes();
  auto en = testing::english_fortunes();
  std::vector<std::string> texts = edge_texts();
  std::shuffle(ru.begin(), ru.end(), rng);
  std::shuffle(en.begin(), en.end(), rng);
  for (size_t i = 0; i < std::min(per_language, ru.size()); ++i) texts.push_back(ru[i]);
  for (size_t i = 0; i < std::min(per_language / 2, en.size()); ++i) texts.push_back(en[i]);
  std::vector<post> posts;
  const char* sources[] = {"vk", "telegram", "otzovik", "x"};
  const char* types[] = {"social", "messenger", "review", "social"};
  for (size_t i = 0; i < texts.size(); ++i) {
    post p;
    p.id = "p" + std::to_string(i);
    const size_t s = rng() % 4;
    p.source = sources[s];
    p.source_type = rng() % 9 == 0 ? "news" : types[s];
    p.reach = static_cast<int64_t>(rng() % 50000);
    p.author.verified = rng() % 5 == 0;
    p.lang = (i < edge_texts().size() || i < edge_texts().size() + per_language) ? "ru" : "en";
    p.channel = rng() % 5 == 0 ? "otzovik:flowwow" : (rng() % 4 == 0 ? "vk:club1" : "");
    p.author.id = "u" + std::to_string(rng() % 10);
    if (rng() % 4 == 0) p.author.handle = "Brand_Official";
    if (rng() % 3) p.author.followers = static_cast<int64_t>(rng() % 100000);
    p.author.city = rng() % 3 == 0 ? "москва" : "Almaty";
    if (rng() % 4 == 0) p.url = rng() % 2 ? "https://www.flowwow.com/r/1" : "http://example.ru/x";
    if (rng() % 5 == 0) p.parent_id = "p0";
    p.is_repost = rng() % 7 == 0;
    // Split long texts: first line as title sometimes, a second text as OCR.
    const std::string& t = texts[i];
    size_t nl = t.find('\n');
    if (rng() % 3 == 0 && nl != std::string::npos) {
      p.title = t.substr(0, nl);
      p.text = t.substr(nl + 1);
    } else {
      p.text = t;
    }
    if (rng() % 6 == 0) {
      p.image_text = texts[rng() % texts.size()];
      p.image_count = 1;
    }
    posts.push_back(std::move(p));
  }
  return posts;
}

struct engine_match {
  std::vector<reference::ref_highlight> highlights;
};

TEST(Differential, EngineAgreesWithReferenceOnRandomQueries) {
  const size_t query_count = env_or("SITO_DIFF_QUERIES", 1500);
  const size_t per_language = env_or("SITO_DIFF_POSTS", 120);
  const uint64_t seed = env_or("SITO_DIFF_SEED", 20261122);
  std::mt19937_64 rng(seed);
  std::vector<post> posts = make_posts(rng, per_language);
  ASSERT_GT(posts.size(), 100u) << "fortunes-ru / fortunes must be installed (ops/setup)";

  std::vector<reference::ref_field> fields;
  for (const auto& p : posts) {
    fields.push_back(reference::analyze(p.title));
    fields.push_back(reference::analyze(p.text));
  }
  query_generator gen(rng, fields);

  std::vector<topic_spec> topics;
  std::vector<query::node> roots;
  std::vector<std::vector<query::node>> tag_roots;
  std::vector<std::vector<std::optional<query::node>>> rule_roots;
  size_t unparsable = 0;
  while (topics.size() < query_count) {
    query::node q = gen.make_topic_query();
    std::string text = query::print(q);
    topic_spec t;
    t.tenant = "t";
    t.id = "q" + std::to_string(topics.size());
    t.query = text;
    if (rng() % 10 == 0) t.channels.push_back("otzovik:flowwow");
    auto parsed = query::parse(text, !t.channels.empty());
    if (!parsed.ok()) {
      ++unparsable;
      if (unparsable <= 3)
        std::cout << "[differential] skipped generated query: " << text << "\n  "
                  << (parsed.diagnostics.empty() ? "" : query::format_one_line(parsed.diagnostics[0])) << "\n";
      ASSERT_LT(unparsable, 50u) << "generator produced an unparsable query: " << text << "\n"
                                 << (parsed.diagnostics.empty() ? "" : parsed.diagnostics[0].message);
      continue;
    }
    // A third of the topics carry one or two tags with random conditions.
    std::vector<query::node> troots;
    if (rng() % 3 == 0) {
      const int count = 1 + static_cast<int>(rng() % 2);
      for (int k = 0; k < count; ++k) {
        query::node cond = gen.make_condition();
        const std::string ctext = query::print(cond);
        auto cparsed = query::parse(ctext, /*allow_without_positive=*/true);
        if (!cparsed.ok()) continue;
        t.tags.push_back({"Tag/" + std::to_string(k) + "/" + t.id, ctext});
        troots.push_back(*cparsed.root);
      }
    }
    // A third carry own accounts and one to four rules whose conditions mix
    // post terms with the mention's state (tags, sentiment, flags) as the
    // rules above them left it.
    std::vector<std::optional<query::node>> rroots;
    if (rng() % 3 == 0) {
      if (rng() % 2) t.own_accounts = {"@brand_official", "u3"};
      const int count = 1 + static_cast<int>(rng() % 4);
      const char* moods[] = {"negative", "neutral", "positive"};
      for (int k = 0; k < count; ++k) {
        rule_spec r;
        r.name = "r" + std::to_string(k);
        std::string when;
        switch (rng() % 8) {
          case 0: break;  // always
          case 1: when = "sentiment:" + std::string(moods[rng() % 3]); break;
          case 2: when = "is:own"; break;
          case 3: when = "is:wom AND NOT is:processed"; break;
          case 4: when = "tag:\"Tag\""; break;
          case 5: when = "tag:\"Rule/" + std::to_string(rng() % 3) + "\" OR is:processed"; break;
          default: when = query::print(gen.make_condition()); break;
        }
        if (!when.empty() && rng() % 3 == 0) when = "(" + when + ") AND " + query::print(gen.make_condition());
        r.when = when;
        if (rng() % 2) r.then.add_tags.push_back("Rule/" + std::to_string(k));
        if (rng() % 3 == 0) r.then.sentiment = moods[rng() % 3];
        if (rng() % 4 == 0) r.then.priority = static_cast<double>(rng() % 101);
        if (rng() % 3 == 0) r.then.processed = true;
        if (rng() % 9 == 0) r.then.drop = true;
        if (r.then.add_tags.empty() && r.then.sentiment.empty() && !r.then.priority && !r.then.processed &&
            !r.then.drop)
          r.then.processed = true;
        if (when.empty()) {
          rroots.emplace_back(std::nullopt);
        } else {
          auto rp = query::parse(when, /*allow_without_positive=*/true);
          if (!rp.ok()) continue;
          rroots.emplace_back(*rp.root);
        }
        t.rules.push_back(std::move(r));
      }
    }
    roots.push_back(*parsed.root);
    tag_roots.push_back(std::move(troots));
    rule_roots.push_back(std::move(rroots));
    topics.push_back(std::move(t));
  }
  // A channel-only topic too, with a filter tag.
  topics.push_back({"t", "channel-only", "", "", {"otzovik:flowwow"}, {}, {{"Source/Review", "type:review"}}});
  {
    auto cp = query::parse("type:review", true);
    tag_roots.push_back({*cp.root});
    rule_roots.emplace_back();
  }
  // The tenant extends the lexicon: a new word, a built-in word re-weighted
  // and one switched off.
  auto tenant_lexicon = rules::parse_lexicon("pos жизнь 2\nneg хороший 1\npos любить 0\nneg !time 1.5\n", "test");
  ASSERT_TRUE(tenant_lexicon.ok()) << tenant_lexicon.error().to_string();
  compile_options options;
  options.tenant_lexicons["t"] = *tenant_lexicon;

  compile_report report;
  auto snap = compile_topics(topics, options, &report);
  ASSERT_TRUE(snap.ok()) << snap.error().to_string();
  std::set<std::string> failed_topics;
  for (const auto& e : report.errors) failed_topics.insert(e.topic);
  EXPECT_LE(failed_topics.size(), topics.size() / 50) << "too many topics failed to compile; first: "
                                                      << (report.errors.empty() ? "" : report.errors[0].diagnostic.message);

  // Posts with invalid UTF-8 ride along: the engine must reject exactly them,
  // with a message naming the field and byte, and scan the others.
  const size_t valid_posts = posts.size();
  const std::string bad_texts[] = {std::string("доставка \xD0"), std::string("\xFF flowwow"),
                                   std::string("ok \xED\xA0\x80 surrogate"), std::string("overlong \xC0\xAF")};
  for (const auto& bad : bad_texts) {
    post p;
    p.id = "bad" + std::to_string(posts.size());
    p.text = bad;
    posts.push_back(p);
  }
  batch_scanner scanner(*snap);
  scan_output out;
  scanner.scan(posts, out);
  ASSERT_EQ(out.rejected.size(), std::size(bad_texts));
  for (size_t k = 0; k < out.rejected.size(); ++k) {
    EXPECT_EQ(out.rejected[k].post, valid_posts + k);
    EXPECT_NE(out.rejected[k].reason.message().find("field 'text' has invalid UTF-8 at byte"), std::string::npos)
        << out.rejected[k].reason.message();
  }
  for (const auto& m : out.matches) EXPECT_LT(m.post, valid_posts) << "a rejected post produced a mention";
  posts.resize(valid_posts);

  std::map<std::pair<uint32_t, std::string>, std::vector<reference::ref_highlight>> engine;
  std::map<std::pair<uint32_t, std::string>, std::vector<std::string>> engine_tags;
  std::map<std::pair<uint32_t, std::string>, const scan_output::match*> engine_mentions;
  for (const auto& m : out.matches) {
    engine_mentions[{m.post, (*snap)->topics[m.topic].id}] = &m;
    for (uint32_t tag : out.tags_of(m))
      engine_tags[{m.post, (*snap)->topics[m.topic].id}].push_back(std::string((*snap)->label(tag)));
    std::vector<reference::ref_highlight> hl;
    for (const auto& h : out.highlights_of(m))
      hl.push_back({static_cast<int>(h.field), h.begin, h.end, std::string((*snap)->label(h.label))});
    std::sort(hl.begin(), hl.end());  // the engine orders equal ranges by label id, not text
    engine[{m.post, (*snap)->topics[m.topic].id}] = hl;
  }

  reference::evaluator ref;
  size_t mismatches = 0, reference_matches = 0, tags_checked = 0, dropped = 0, by_rule = 0;
  size_t moods[3] = {0, 0, 0};
  for (uint32_t pi = 0; pi < posts.size(); ++pi) {
    ref.set_post(posts[pi]);
    for (size_t ti = 0; ti < topics.size(); ++ti) {
      if (failed_topics.count(topics[ti].id)) continue;
      const query::node* root = ti < roots.size() ? &roots[ti] : nullptr;
      auto expected = ref.evaluate(topics[ti], root);
      auto it = engine.find({pi, topics[ti].id});
      const bool engine_hit = it != engine.end();
      if (expected) ++reference_matches;
      reference::evaluator::mention_result want;
      if (expected) {
        want = ref.mention(topics[ti], tag_roots[ti], rule_roots[ti], rules::builtin_lexicon(), &*tenant_lexicon);
        if (want.dropped) {
          ++dropped;
          expected.reset();  // a dropped mention is not emitted
        }
      }
      bool same = engine_hit == expected.has_value() && (!engine_hit || it->second == *expected);
      if (same && expected) {
        tags_checked += want.tags.size();
        ++moods[static_cast<int>(want.mood)];
        if (want.sentiment_source != "model") ++by_rule;
        auto et = engine_tags.find({pi, topics[ti].id});
        const std::vector<std::string> got_tags = et == engine_tags.end() ? std::vector<std::string>{} : et->second;
        const scan_output::match& m = *engine_mentions.at({pi, topics[ti].id});
        const std::string got_source =
            m.sentiment_rule == scan_output::no_label ? "model" : std::string((*snap)->label(m.sentiment_rule));
        if (got_tags != want.tags || m.sentiment != want.mood || got_source != want.sentiment_source ||
            m.processed != want.processed || m.wom != want.wom || m.own != want.own ||
            std::abs(m.priority - want.priority) > 1e-3f) {
          same = false;
          auto join = [](const std::vector<std::string>& v) {
            std::string out;
            for (const auto& x : v) out += x + ";";
            return out;
          };
          ADD_FAILURE() << "mention differs for topic " << topics[ti].id << " on post " << posts[pi].id
                        << "\n  tags engine [" << join(got_tags) << "] reference [" << join(want.tags) << "]"
                        << "\n  sentiment engine " << rules::to_string(m.sentiment) << " (" << got_source
                        << ") reference " << rules::to_string(want.mood) << " (" << want.sentiment_source << ")"
                        << "\n  processed " << m.processed << "/" << want.processed << " wom " << m.wom << "/"
                        << want.wom << " own " << m.own << "/" << want.own << " priority " << m.priority << "/"
                        << want.priority << "\n  text: " << posts[pi].text;
        }
      }
      if (!same) {
        ++mismatches;
        if (mismatches <= 8) {
          std::string detail = "query: " + topics[ti].query + "\npost title: " + posts[pi].title +
                               "\npost text: " + posts[pi].text + "\nimage: " + posts[pi].image_text +
                               "\nengine: " + (engine_hit ? std::to_string(it->second.size()) + " highlights" : "no match") +
                               "\nreference: " + (expected ? std::to_string(expected->size()) + " highlights" : "no match");
          auto dump = [](const std::vector<reference::ref_highlight>& v) {
            std::string s;
            for (auto& h : v) s += "\n   f" + std::to_string(h.field) + " [" + std::to_string(h.begin) + "," + std::to_string(h.end) + ") " + h.label;
            return s;
          };
          if (engine_hit) detail += "\n engine hl:" + dump(it->second);
          if (expected) detail += "\n reference hl:" + dump(*expected);
          ADD_FAILURE() << detail;
        }
      }
    }
  }
  std::cout << "[differential] " << topics.size() << " topics x " << posts.size() << " posts: "
            << reference_matches << " matches (" << tags_checked << " tags set, " << dropped << " dropped by rules, "
            << by_rule << " sentiments set by rules; model+rules: " << moods[1] << " negative, " << moods[0]
            << " neutral, " << moods[2] << " positive), " << mismatches << " mismatches, " << unparsable
            << " unparsable generated queries\n";
  EXPECT_EQ(mismatches, 0u);
  EXPECT_GT(reference_matches, posts.size()) << "the generator should produce queries that match";
  EXPECT_GT(tags_checked, 100u) << "the generator should produce tags that are set";
  EXPECT_GT(dropped, 10u) << "the generator should produce rules that drop";
  EXPECT_GT(by_rule, 10u) << "the generator should produce rules that set sentiment";
  EXPECT_GT(moods[1], 20u) << "the lexicon should find negative posts";
  EXPECT_GT(moods[2], 20u) << "the lexicon should find positive posts";
}

}  // namespace
}  // namespace sito
