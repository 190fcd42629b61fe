// Differential test: the engine (term index + Hyperscan + programs + triggers)
// against the reference evaluator, on random queries over real text.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <set>

#include "reference/reference_evaluator.hpp"
#include "sito/compile/compiler.hpp"
#include "sito/morph/dictionary.hpp"
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

/// Emoji that posts carry and queries ask for: single code points, skin
/// tones, ZWJ sequences, flags, a tag sequence, a keycap, with and without
/// the emoji variation selector.
const std::vector<std::string>& emoji_pool() {
  static const std::vector<std::string> pool = {
      "\U0001F621",                                                  // 😡
      "\U0001F60D",                                                  // 😍
      "\U0001F44D", "\U0001F44D\U0001F3FD", "\U0001F44E\U0001F3FF",  // 👍 👍🏽 👎🏿
      "\u2764\uFE0F", "\u2764",                                     // ❤️ ❤
      "\U0001F525", "\U0001F62D",                                    // 🔥 😭
      "\U0001F468\u200D\U0001F469\u200D\U0001F467",                 // 👨‍👩‍👧
      "\U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466",  // 👨‍👩‍👧‍👦
      "\U0001F9D1\u200D\U0001F91D\u200D\U0001F9D1",                 // 🧑‍🤝‍🧑
      "\U0001F469\U0001F3FB\u200D\U0001F4BB",                       // 👩🏻‍💻
      "\U0001F3F3\uFE0F\u200D\U0001F308",                           // 🏳️‍🌈
      "\u2764\uFE0F\u200D\U0001F525",                               // ❤️‍🔥
      "\U0001F1F7\U0001F1FA", "\U0001F1F0\U0001F1FF",                // 🇷🇺 🇰🇿
      "\U0001F3F4\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F",  // 🏴 Scotland
      "1\uFE0F\u20E3",                                               // 1️⃣ (a digit and a mark: a word)
      "\u263A\uFE0F", "\u263A",                                     // ☺️ ☺
  };
  return pool;
}

/// Puts emoji, hashtags and mentions into a text at word boundaries, some
/// glued to the word before them: tags made from the post's own words (so
/// tag queries drawn from posts find them), fixed brand tags, ad markers and
/// a few malformed ones (`#_x`, `#😍`, `a#b`).
std::string decorate(std::mt19937_64& rng, std::string text) {
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  std::vector<std::string> words;
  for (const auto& t : reference::analyze(text).tokens)
    if (!t.emoji && t.tag.empty()) words.push_back(t.original);
  static const char* const fixed[] = {"#flowwow_ru", "@Flowwow", "#Flowwow2024", "#доставка_цветов", "@курьер_москва",
                                      "#реклама", "erid", "#ad", "#тег_", "#_тег", "#\U0001F60D", "a#b", "@@двойной",
                                      "#ЁЛКА", "@Brand_Official"};
  // Sentiment constructions around the lexicon (engine/data/sentiment_lexicon.txt):
  // negators before and after, intensifiers, a polar term that blocks, emoji
  // that are not negated, the tenant's words; so the mood depends on the arithmetic.
  static const char* const moods[] = {
      "не плохо", "совсем не понравилось", "очень хорошо", "не очень хорошо", "нет, не отлично", "хорошо емес",
      "not bad", "don't like it", "very good", "не \U0001F60D", "не хорошо, ужасно", "очень очень плохо",
      "не быстро", "дорого", "спасибо \U0001F44D", "крайне недоволен", "не , ну  плохо", "жизнь хорошая",
      "не любить", "самый худший", "ни хорошо ни плохо", "never amazing"};
  const size_t count = 1 + pick(4);
  for (size_t k = 0; k < count; ++k) {
    std::string extra;
    const size_t kind = pick(9);
    if (kind >= 7) {
      extra = moods[pick(std::size(moods))];
    } else if (kind <= 1 || words.empty()) {
      extra = emoji_pool()[pick(emoji_pool().size())];
      if (pick(4) == 0) extra += emoji_pool()[pick(emoji_pool().size())];  // a run of emoji
    } else if (kind == 2) {
      extra = "#" + words[pick(words.size())];
    } else if (kind == 3) {
      extra = "#" + words[pick(words.size())] + "_" + words[pick(words.size())];
    } else if (kind == 4) {
      extra = "@" + words[pick(words.size())];
    } else {
      extra = fixed[pick(std::size(fixed))];
    }
    std::vector<size_t> gaps;
    for (size_t i = 0; i < text.size(); ++i)
      if (text[i] == ' ' || text[i] == '\n') gaps.push_back(i);
    const size_t at = gaps.empty() ? text.size() : gaps[pick(gaps.size())];
    text.insert(at, pick(3) == 0 ? extra : " " + extra);  // glued to the word before, or on its own
  }
  return text;
}

/// Where a generated condition goes: mention filters only in tag and rule
/// conditions, `tag:` only in rule conditions (planner condition contexts).
enum class condition_for { topic, tag, rule };

class query_generator {
 public:
  query_generator(std::mt19937_64& rng, std::vector<reference::ref_field> fields) : rng_(rng), fields_(std::move(fields)) {
    for (const auto& f : fields_)
      for (const auto& t : f.tokens)
        if (!t.emoji) words_.push_back(t.text);
    std::sort(words_.begin(), words_.end());
    words_.erase(std::unique(words_.begin(), words_.end()), words_.end());
  }

  /// A tag or rule condition: anything, negative or filter-only included.
  node make_condition(condition_for where) {
    context_ = where;
    node n = gen(1, query::field::any);
    context_ = condition_for::topic;
    return n;
  }

  /// Positive per the documented definition (reference::anchored), which
  /// query::is_anchored does not follow for a field scope over a negation:
  /// see the disabled test FieldScopedNegationIsNotPositive below.
  node make_topic_query() {
    node q = gen(0, query::field::any);
    if (!reference::anchored(q)) {
      node a;
      a.kind = node_kind::and_;
      a.children.push_back(positional(2, query::field::any));
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

  static std::u32string code_points(const std::string& w) {
    std::u32string out;
    for (size_t i = 0; i < w.size();) {
      char32_t cp;
      if (!utf8::decode(w, i, cp)) return {};
      out.push_back(cp);
    }
    return out;
  }

  /// Upper-cases ASCII and basic Cyrillic letters (queries are case-insensitive).
  static char32_t upper(char32_t c) {
    if (c >= U'a' && c <= U'z') return c - 0x20;
    if (c >= U'а' && c <= U'я') return c - 0x20;
    return c;
  }

  node scoped(query::field scope, node child) {
    node n;
    n.kind = node_kind::field_scope;
    n.scope = scope;
    n.children.push_back(std::move(child));
    return n;
  }
  query::field some_scope(query::field outer) {
    const query::field fs[] = {query::field::title, query::field::text, query::field::image};
    return outer != query::field::any ? outer : fs[pick(3)];
  }

  node leaf_term() {
    node n;
    n.kind = node_kind::term;
    const auto& f = some_field();
    size_t i = pick(f.tokens.size());
    if (chance(0.25) && dictionary_ && !f.tokens[i].emoji) {
      // Another form of the token's dictionary entry (доставок → доставка):
      // morphology beyond equal stems. The engine's dictionary only picks
      // the input; the reference decides with hunspell.
      std::vector<std::string> forms;
      for (uint32_t e : dictionary_->entries_of(f.tokens[i].text))
        for (auto& form : dictionary_->forms_of(e)) forms.push_back(std::move(form));
      if (!forms.empty()) {
        n.text = forms[pick(forms.size())];
        return n;
      }
    }
    if (chance(0.15) && i + 1 < f.tokens.size() && !f.tokens[i].emoji && !f.tokens[i + 1].emoji) {
      n.text = f.tokens[i].text + "-" + f.tokens[i + 1].text;  // hyphenated: adjacent tokens
    } else {
      n.text = f.tokens[i].text;
    }
    n.exact = chance(0.2) && !f.tokens[i].emoji;
    return n;
  }

  /// An emoji term: from the pool (ZWJ sequences, skin tones, flags), with or
  /// without its variation selector, sometimes glued to a word before it.
  node emoji_term() {
    node n;
    n.kind = node_kind::term;
    n.text = emoji_pool()[pick(emoji_pool().size())];
    if (chance(0.2)) n.text = word() + n.text;
    return n;
  }

  /// A wildcard made from a real word: `*` at the end or in the middle, `?`
  /// anywhere, several of them; at least 3 letters before the first `*`.
  node wildcard() {
    const std::string w = word();
    const std::u32string w32 = code_points(w);
    const size_t n = w32.size();
    if (n < 4 || !plain_word(w)) return leaf_term();
    std::u32string p;
    switch (pick(5)) {
      case 0:  // prefix*, the whole word* too (the star matches nothing)
        p = w32.substr(0, 3 + pick(n - 2));
        p += U'*';
        break;
      case 1:  // one ? anywhere
        p = w32;
        p[pick(n)] = U'?';
        break;
      case 2: {  // a star in the middle: дост*ка
        const size_t a = 3 + pick(n - 3);
        p = w32.substr(0, a) + U"*" + w32.substr(a + pick(n - a + 1));
        if (p.back() == U'*') p += w32.back();
        break;
      }
      case 3:  // ?s, then a star: до?та?*
        p = w32.substr(0, n - 1 - pick(n - 3));
        for (size_t k = 3; k < p.size(); ++k)
          if (chance(0.3)) p[k] = U'?';
        p += U'*';
        if (chance(0.5)) p += w32.back();
        break;
      default: {  // two stars and a ?: дос*ав?*
        p = w32;
        p[3 + pick(n - 3)] = U'?';
        const size_t a = 3 + pick(n - 3);
        p.insert(a, U"*");
        p.insert(a + 1 + pick(p.size() - a), U"*");
        break;
      }
    }
    if (chance(0.2)) p[0] = upper(p[0]);
    node out;
    out.kind = node_kind::wildcard;
    for (char32_t c : p) utf8::append(out.text, c);
    if (chance(0.1)) out.text = word() + "-" + out.text;  // a hyphenated wildcard: two segments
    return out;
  }

  node positional(int depth, query::field scope) {
    const int kind = static_cast<int>(pick(depth >= 3 ? 9 : 12));
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
      case 4:
        return wildcard();
      case 5: {  // {Case}
        const auto& t = f.tokens[pick(f.tokens.size())];
        if (t.emoji || !plain_word(t.original) || t.original.find('}') != std::string::npos) return leaf_term();
        n.kind = node_kind::case_sensitive;
        n.text = t.original;
        return n;
      }
      case 6: {  // #tag / @mention, mostly one the posts carry
        std::vector<const reference::ref_token*> tags;
        for (const auto& t : f.tokens)
          if (!t.tag.empty()) tags.push_back(&t);
        if (tags.empty()) {
          const auto& g = some_field();
          for (const auto& t : g.tokens)
            if (!t.tag.empty()) tags.push_back(&t);
        }
        n.kind = node_kind::tag;
        n.text = tags.empty() ? "#" + word() : tags[pick(tags.size())]->tag;
        bool ok = true;
        for (unsigned char c : n.text.substr(1)) ok = ok && (c >= 0x80 || std::isalnum(c) || c == '_');
        if (!ok) return leaf_term();
        if (chance(0.3)) {  // written in another case
          std::u32string t32 = code_points(n.text);
          for (auto& c : t32)
            if (chance(0.5)) c = upper(c);
          n.text.clear();
          for (char32_t c : t32) utf8::append(n.text, c);
        }
        return n;
      }
      case 7:
        return emoji_term();
      case 8:  // a field scope inside NEAR or OR: title:(a OR b) NEAR/3 c
        if (depth >= 3) return leaf_term();
        {
          const query::field fs = some_scope(scope);
          return scoped(fs, positional(depth + 1, fs));
        }
      case 9: {  // OR of positional
        n.kind = node_kind::or_;
        n.children.push_back(positional(depth + 1, scope));
        n.children.push_back(positional(depth + 1, scope));
        return n;
      }
      default: {  // NEAR / ONEAR, often over two tokens of one real text near each other
        n.kind = node_kind::near;
        n.ordered = chance(0.3);
        if (chance(0.6)) {
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
          if (chance(0.2)) {  // one operand scoped
            const query::field fs = some_scope(scope);
            const size_t k = pick(2);
            n.children[k] = scoped(fs, std::move(n.children[k]));
          }
          return n;
        }
        n.distance = static_cast<uint32_t>((n.ordered ? 1 : 0) + pick(6));
        n.children.push_back(positional(depth + 1, scope));
        n.children.push_back(positional(depth + 1, scope));
        return n;
      }
    }
  }

  node filter() {
    using query::filter_field;
    static const std::vector<std::pair<filter_field, std::vector<std::string>>> post_filters = {
        {filter_field::lang, {"ru", "en"}},
        {filter_field::source, {"vk", "telegram", "otzovik"}},
        {filter_field::type, {"social", "review"}},
        {filter_field::channel, {"otzovik:flowwow", "vk:club1"}},
        {filter_field::place, {"club1", "chat_flowers", "Сообщество", "nowhere"}},
        {filter_field::site, {"flowwow.com", "example.ru"}},
        {filter_field::url, {"flowwow"}},
        {filter_field::country, {"RU", "kz", "de"}},
        {filter_field::city, {"Москва", "almaty"}},
        {filter_field::gender, {"f", "M"}},
        {filter_field::author, {"u1", "u7"}},
        {filter_field::has_image, {""}},
        {filter_field::has_link, {""}},
        {filter_field::is_reply, {""}},
        {filter_field::is_repost, {""}},
        {filter_field::followers, {""}},
    };
    static const std::vector<std::pair<filter_field, std::vector<std::string>>> mention_filters = {
        {filter_field::is_own, {""}},
        {filter_field::is_wom, {""}},
        {filter_field::is_processed, {""}},
        {filter_field::sentiment, {"negative", "neutral", "positive", "Negative"}},
    };
    static const std::vector<std::string> tag_paths = {"Tag", "Tag/0", "Tag/1", "Rule", "Rule/0", "Rule/2", "tag"};
    node n;
    n.kind = node_kind::filter;
    if (context_ != condition_for::topic && chance(0.35)) {
      if (context_ == condition_for::rule && chance(0.3)) {
        n.filter.field = filter_field::tag;
        n.filter.value = tag_paths[pick(tag_paths.size())];
        return n;
      }
      const auto& [field, vals] = mention_filters[pick(mention_filters.size())];
      n.filter.field = field;
      n.filter.value = vals[pick(vals.size())];
      return n;
    }
    const auto& [field, vals] = post_filters[pick(post_filters.size())];
    n.filter.field = field;
    n.filter.value = vals[pick(vals.size())];
    if (field == filter_field::followers) {
      n.filter.value.clear();
      int64_t a = static_cast<int64_t>(pick(5000)), b = a + static_cast<int64_t>(pick(50000));
      int form = static_cast<int>(pick(3));
      if (form == 0) n.filter.lo = a;
      else if (form == 1) n.filter.hi = b;
      else { n.filter.lo = a; n.filter.hi = b; }
    }
    return n;
  }

  node contains(int depth, query::field scope) {
    const auto& f = some_field();
    const std::string& s = f.normalized;
    if (s.size() < 8) return positional(depth, scope);
    size_t at = pick(s.size() - 6);
    while (at > 0 && (static_cast<unsigned char>(s[at]) & 0xC0) == 0x80) --at;
    size_t len = 3 + pick(4);
    size_t end = at + len;
    while (end < s.size() && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) ++end;
    std::string needle = s.substr(at, end - at);
    if (needle.find_first_of("\"\\\n\r\t") != std::string::npos || needle.find_first_not_of(' ') == std::string::npos)
      return positional(depth, scope);
    node n;
    n.kind = node_kind::contains;
    n.text = needle;
    return n;
  }

  /// `scope`: the field scope this node stands in (no filters there, and a
  /// nested scope must name the same field).
  node gen(int depth, query::field scope) {
    const int kind = static_cast<int>(pick(depth >= 3 ? 4 : 10));
    node n;
    switch (kind) {
      case 0:
      case 1:
      case 2:
        return positional(depth, scope);
      case 3:
        if (scope == query::field::any && chance(0.5)) return filter();
        return contains(depth, scope);
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
        n.children.push_back(gen(depth + 1, scope));
        return n;
      default: {  // a field scope over a leaf or a whole group: title:(a AND NOT b), text:(contains:"x" OR c)
        const query::field fs = some_scope(scope);
        return scoped(fs, chance(0.3) ? positional(depth + 1, fs) : gen(depth + 1, fs));
      }
    }
    size_t count = 2 + pick(2);
    for (size_t k = 0; k < count; ++k) n.children.push_back(gen(depth + 1, scope));
    return n;
  }

  std::mt19937_64& rng_;
  std::vector<reference::ref_field> fields_;
  std::vector<std::string> words_;
  condition_for context_ = condition_for::topic;
  std::shared_ptr<const morph::dictionary> dictionary_ = morph::dictionary::default_russian();
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
    const char* places[] = {"", "club1", "Chat_Flowers", "сообщество"};
    const char* countries[] = {"", "RU", "kz", "Ru"};
    const char* genders[] = {"", "f", "m", "F"};
    p.place = places[rng() % 4];
    p.author.country = countries[rng() % 4];
    p.author.gender = genders[rng() % 4];
    if (rng() % 4 == 0) p.url = rng() % 2 ? "https://www.flowwow.com/r/1" : "http://example.ru/x";
    if (rng() % 5 == 0) p.parent_id = "p0";
    p.is_repost = rng() % 7 == 0;
    // Split long texts: first line as title sometimes, a second text as OCR.
    // Random texts get emoji, hashtags and mentions; the edge texts stay as written.
    const std::string t = i >= edge_texts().size() && rng() % 2 ? decorate(rng, texts[i]) : texts[i];
    size_t nl = t.find('\n');
    if (rng() % 3 == 0 && nl != std::string::npos) {
      p.title = t.substr(0, nl);
      p.text = t.substr(nl + 1);
    } else {
      p.text = t;
    }
    if (rng() % 6 == 0) {
      p.image_text = texts[rng() % texts.size()];
      if (rng() % 2) p.image_text = decorate(rng, p.image_text);
      p.image_count = 1;
    }
    posts.push_back(std::move(p));
  }
  return posts;
}

/// How many generated trees use each construct the generator is meant to
/// cover, printed with the counts so a thin spot shows.
struct construct_counts {
  std::map<std::string, size_t> trees;

  void count(const node& root) {
    std::set<std::string> seen;
    walk(root, false, false, seen);
    for (const auto& s : seen) ++trees[s];
  }
  void walk(const node& n, bool in_scope, bool in_near, std::set<std::string>& seen) {
    using query::filter_field;
    switch (n.kind) {
      case node_kind::field_scope: {
        const node_kind c = n.children[0].kind;
        if (c == node_kind::and_ || c == node_kind::or_ || c == node_kind::not_) seen.insert("scope over a group");
        if (in_near) seen.insert("scope inside NEAR");
        in_scope = true;
        break;
      }
      case node_kind::near: in_near = true; break;
      case node_kind::contains:
        if (in_scope) seen.insert("contains in a scope");
        break;
      case node_kind::wildcard: {
        const size_t stars = std::count(n.text.begin(), n.text.end(), '*');
        const size_t marks = std::count(n.text.begin(), n.text.end(), '?');
        if (stars + marks > 1) seen.insert("wildcard, several * ?");
        if (n.text.find('*') != std::string::npos && n.text.back() != '*') seen.insert("wildcard, inner *");
        break;
      }
      case node_kind::tag: seen.insert(n.text[0] == '@' ? "@mention" : "#tag"); break;
      case node_kind::filter:
        switch (n.filter.field) {
          case filter_field::place: seen.insert("place:"); break;
          case filter_field::country: seen.insert("country:"); break;
          case filter_field::gender: seen.insert("gender:"); break;
          case filter_field::tag: seen.insert("tag:"); break;
          default:
            if (query::is_mention_filter(n.filter.field)) seen.insert("is:own/wom/processed, sentiment:");
            break;
        }
        break;
      default: break;
    }
    if (n.kind == node_kind::term || n.kind == node_kind::phrase) {
      if (n.text.find("\u200D") != std::string::npos) seen.insert("emoji ZWJ sequence");
      else if (n.text.find("\xF0\x9F") != std::string::npos) seen.insert("emoji");
    }
    for (const auto& c : n.children) walk(c, in_scope, in_near, seen);
  }
  std::string to_string() const {
    std::string out;
    for (const auto& [name, count] : trees) out += (out.empty() ? "" : ", ") + name + " " + std::to_string(count);
    return out;
  }
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
  // What the generator produced and the parser rejected: a rejected query
  // or condition is left out, counted, and fails the test above a small share.
  size_t queries_generated = 0, queries_rejected = 0, conditions_generated = 0, conditions_rejected = 0;
  auto rejected = [&](const char* what, const std::string& text, const query::parse_result& parsed) {
    if (queries_rejected + conditions_rejected <= 5)
      std::cout << "[differential] the parser rejects a generated " << what << ": " << text << "\n  "
                << (parsed.diagnostics.empty() ? "" : query::format_one_line(parsed.diagnostics[0])) << "\n";
  };
  while (topics.size() < query_count) {
    query::node q = gen.make_topic_query();
    std::string text = query::print(q);
    topic_spec t;
    t.tenant = "t";
    t.id = "q" + std::to_string(topics.size());
    t.query = text;
    if (rng() % 10 == 0) t.channels.push_back("otzovik:flowwow");
    auto parsed = query::parse(text, !t.channels.empty());
    ++queries_generated;
    if (!parsed.ok()) {
      ++queries_rejected;
      rejected("topic query", text, parsed);
      ASSERT_LT(queries_rejected, 50 + query_count / 20) << "the generator mostly produces unparsable queries";
      continue;
    }
    // A third of the topics carry one or two tags with random conditions.
    std::vector<query::node> troots;
    if (rng() % 3 == 0) {
      const int count = 1 + static_cast<int>(rng() % 2);
      for (int k = 0; k < count; ++k) {
        query::node cond = gen.make_condition(condition_for::tag);
        const std::string ctext = query::print(cond);
        auto cparsed = query::parse(ctext, /*allow_without_positive=*/true);
        ++conditions_generated;
        if (!cparsed.ok()) {
          ++conditions_rejected;
          rejected("tag condition", ctext, cparsed);
          continue;
        }
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
          default: when = query::print(gen.make_condition(condition_for::rule)); break;
        }
        if (!when.empty() && rng() % 3 == 0)
          when = "(" + when + ") AND " + query::print(gen.make_condition(condition_for::rule));
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
          ++conditions_generated;
          if (!rp.ok()) {
            ++conditions_rejected;
            rejected("rule condition", when, rp);
            continue;
          }
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
  // A topic whose query, tag condition or rule condition does not compile is
  // left out as a whole; count them by cause. Errors without a topic are the
  // lexicons'.
  std::set<std::string> failed_topics;
  size_t failed_by_query = 0, failed_by_tag = 0, failed_by_rule = 0, shown = 0;
  for (const auto& e : report.errors) {
    EXPECT_FALSE(e.topic.empty()) << "lexicon error: " << e.diagnostic.message;
    if (e.topic.empty() || !failed_topics.insert(e.topic).second) continue;
    const std::string& m = e.diagnostic.message;
    (m.starts_with("tag '") ? failed_by_tag : m.starts_with("rule '") ? failed_by_rule : failed_by_query)++;
    if (++shown <= 5) {
      auto it = std::find_if(topics.begin(), topics.end(), [&](const topic_spec& t) { return t.id == e.topic; });
      std::cout << "[differential] topic " << e.topic << " does not compile: " << query::format_one_line(e.diagnostic)
                << "\n  query: " << (it == topics.end() ? "" : it->query) << "\n";
    }
  }
  // The generator writes what the grammar allows: at most 2% of what it
  // generates may be rejected by the parser, and 2% of topics by the compiler.
  construct_counts queries, tag_conditions, rule_conditions;
  for (const auto& r : roots) queries.count(r);
  for (const auto& tr : tag_roots)
    for (const auto& r : tr) tag_conditions.count(r);
  for (const auto& rr : rule_roots)
    for (const auto& r : rr)
      if (r) rule_conditions.count(*r);
  std::cout << "[differential] topic queries with: " << queries.to_string() << "\n"
            << "[differential] tag conditions with: " << tag_conditions.to_string() << "\n"
            << "[differential] rule conditions with: " << rule_conditions.to_string() << "\n";
  const double allowed_share = 0.02;
  const size_t generated = queries_generated + conditions_generated;
  std::cout << "[differential] generated " << queries_generated << " topic queries (" << queries_rejected
            << " rejected by the parser) and " << conditions_generated << " tag/rule conditions ("
            << conditions_rejected << " rejected); " << failed_topics.size() << " of " << topics.size()
            << " topics do not compile (" << failed_by_query << " by the query, " << failed_by_tag << " by a tag, "
            << failed_by_rule << " by a rule)\n";
  EXPECT_LE(double(queries_rejected + conditions_rejected), allowed_share * double(generated))
      << "the parser rejects more than 2% of the generated queries and conditions";
  EXPECT_LE(double(failed_topics.size()), allowed_share * double(topics.size()))
      << "more than 2% of the generated topics do not compile";

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
  struct engine_mention {
    const scan_output::match* m;
    const ruleset_snapshot* snap;  ///< whose labels it carries
  };
  std::map<std::pair<uint32_t, std::string>, engine_mention> engine_mentions;
  auto collect = [&](const ruleset_snapshot& sn, const scan_output& o) {
    for (const auto& m : o.matches) {
      const std::pair<uint32_t, std::string> key{m.post, sn.topics[m.topic].id};
      engine_mentions[key] = {&m, &sn};
      for (uint32_t tag : o.tags_of(m)) engine_tags[key].push_back(std::string(sn.label(tag)));
      std::vector<reference::ref_highlight> hl;
      for (const auto& h : o.highlights_of(m))
        hl.push_back({static_cast<int>(h.field), h.begin, h.end, std::string(sn.label(h.label))});
      std::sort(hl.begin(), hl.end());  // the engine orders equal ranges by label id, not text
      engine[key] = hl;
    }
  };
  // SITO_DIFF_GROUP=n: the topics are compiled n at a time, each group its own
  // ruleset, so that most posts fire nothing in most rulesets (the scanner's
  // early exits: no trigger, metadata built only when something fired, hits
  // written only then); 0, the default, compiles them all together.
  const size_t group = env_or("SITO_DIFF_GROUP", 0);
  std::vector<std::shared_ptr<const ruleset_snapshot>> group_snaps;
  std::vector<std::unique_ptr<scan_output>> group_outs;
  if (group == 0) {
    collect(**snap, out);
  } else {
    for (size_t g = 0; g < topics.size(); g += group) {
      std::vector<topic_spec> part(topics.begin() + static_cast<long>(g),
                                   topics.begin() + static_cast<long>(std::min(topics.size(), g + group)));
      auto ps = compile_topics(part, options);
      ASSERT_TRUE(ps.ok()) << ps.error().to_string();
      batch_scanner gs(*ps);
      group_outs.push_back(std::make_unique<scan_output>());
      gs.scan(posts, *group_outs.back());
      group_snaps.push_back(*ps);
      collect(*group_snaps.back(), *group_outs.back());
    }
    std::cout << "[differential] " << group_snaps.size() << " rulesets of up to " << group << " topics\n";
  }

  reference::evaluator ref;
  size_t mismatches = 0, reference_matches = 0, mentions_compared = 0, tags_checked = 0, dropped = 0, by_rule = 0;
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
        ++mentions_compared;
        tags_checked += want.tags.size();
        ++moods[static_cast<int>(want.mood)];
        if (want.sentiment_source != "model") ++by_rule;
        auto et = engine_tags.find({pi, topics[ti].id});
        const std::vector<std::string> got_tags = et == engine_tags.end() ? std::vector<std::string>{} : et->second;
        const engine_mention& em = engine_mentions.at({pi, topics[ti].id});
        const scan_output::match& m = *em.m;
        const std::string got_source =
            m.sentiment_rule == scan_output::no_label ? "model" : std::string(em.snap->label(m.sentiment_rule));
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
                               "\nreference: " + (expected ? std::to_string(expected->size()) + " highlights"
                                                   : want.dropped ? "dropped by a rule" : "no match");
          for (const auto& tag : topics[ti].tags) detail += "\n tag " + tag.path + ": " + tag.query;
          for (const auto& r : topics[ti].rules)
            detail += "\n rule " + r.name + " when: " + r.when + (r.then.drop ? " (drop)" : "");
          if (want.dropped)
            detail += std::string("\n reference mention: sentiment ") + reference::mood_name(want.mood) + " own " +
                      std::to_string(want.own) + " wom " + std::to_string(want.wom);
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
            << reference_matches << " matches, " << mentions_compared << " mentions compared (" << tags_checked << " tags set, " << dropped << " dropped by rules, "
            << by_rule << " sentiments set by rules; model+rules: " << moods[1] << " negative, " << moods[0]
            << " neutral, " << moods[2] << " positive), " << mismatches << " mismatches\n";
  EXPECT_EQ(mismatches, 0u);
  EXPECT_GT(reference_matches, posts.size()) << "the generator should produce queries that match";
  EXPECT_GT(tags_checked, 100u) << "the generator should produce tags that are set";
  EXPECT_GT(dropped, 10u) << "the generator should produce rules that drop";
  EXPECT_GT(by_rule, 10u) << "the generator should produce rules that set sentiment";
  EXPECT_GT(moods[1], 20u) << "the lexicon should find negative posts";
  EXPECT_GT(moods[2], 20u) << "the lexicon should find positive posts";
}

// Engine discrepancy found by this test (not fixed here): query::is_anchored
// calls every field scope anchored, also one over a negation. So the parser
// accepts `text:(NOT ❤)` as a topic query without channels (DESIGN §3: "a
// topic query needs at least one positive term, channel or filter"), and a
// topic with channels and that query means `channel OR query` (every post
// without ❤) instead of `channel AND query`. The random generator avoids the
// construct in topic queries (make_topic_query); enable this when fixed.
TEST(Differential, FieldScopedNegationIsNotPositive) {
  EXPECT_FALSE(query::parse("text:(NOT ❤)", false).ok());
  EXPECT_FALSE(query::parse("title:(NOT a OR NOT b)", false).ok());

  std::vector<topic_spec> topics = {{"t", "neg", "", "text:(NOT ❤)", {"otzovik:flowwow"}, {}}};
  auto snap = compile_topics(topics, {});
  ASSERT_TRUE(snap.ok());
  std::vector<post> posts(2);
  posts[0].id = "from the channel";
  posts[0].channel = "otzovik:flowwow";
  posts[0].text = "цветы";
  posts[1].id = "elsewhere";
  posts[1].channel = "vk:club1";
  posts[1].text = "цветы";
  batch_scanner scanner(*snap);
  scan_output out;
  scanner.scan(posts, out);
  ASSERT_EQ(out.matches.size(), 1u) << "channel AND query: only the channel's post";
  EXPECT_EQ(out.matches[0].post, 0u);
}

}  // namespace
}  // namespace sito
