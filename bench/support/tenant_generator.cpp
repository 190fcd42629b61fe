// File: bench/support/tenant_generator.cpp
#include "support/tenant_generator.hpp"

#include <random>
#include <set>

#include "sito/query/parser.hpp"
#include "support/workload.hpp"

namespace sito::bench {

namespace {

size_t below(std::mt19937_64& rng, size_t n) { return n ? size_t(rng() % n) : 0; }

/// The first `n` code points of UTF-8 `s`.
std::string utf8_prefix(const std::string& s, size_t n) {
  size_t i = 0;
  for (size_t cps = 0; i < s.size() && cps < n; ++cps) {
    ++i;
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
  }
  return s.substr(0, i);
}

size_t code_points(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

bool all_letters(const std::string& s) {
  for (unsigned char c : s)
    if (c < 0x80 && !std::isalpha(c)) return false;
  return true;
}

size_t leaves(const query::node& n) {
  switch (n.kind) {
    case query::node_kind::phrase:
    case query::node_kind::proximity_phrase: {
      size_t words = 1;
      for (char c : n.text) words += c == ' ';
      return words;
    }
    case query::node_kind::term:
    case query::node_kind::wildcard:
    case query::node_kind::case_sensitive:
    case query::node_kind::tag:
    case query::node_kind::contains:
    case query::node_kind::filter:
      return 1;
    default: {
      size_t s = 0;
      for (auto& c : n.children) s += leaves(c);
      return s;
    }
  }
}

struct tag_shape {
  const char* path;
  int kind;  ///< 0: word list, 1: NEAR, 2: a fixed filter query
  const char* fixed;
};
// A tag tree like the sample tenant's: who writes, about what, where.
constexpr tag_shape tag_tree[] = {
    {"Субъект/Клиент", 0, nullptr},         {"Субъект/Курьер", 0, nullptr},
    {"Субъект/Селлер", 0, nullptr},         {"Тачпоинт/Доставка", 1, nullptr},
    {"Тачпоинт/Сервис/Поддержка", 1, nullptr}, {"Тачпоинт/Товар", 0, nullptr},
    {"NPS/Промоутер", 0, nullptr},          {"NPS/Критик", 1, nullptr},
    {"Источник/Отзывы", 2, "type:review"},  {"Источник/Лидеры мнений", 2, "followers:>=10000"},
    {"Источник/Ответы", 2, "is:reply"},     {"Гео/Казахстан", 2, "country:KZ OR lang:kk"},
};

}  // namespace

const std::vector<std::string>& corpus_vocabulary() {
  static const std::vector<std::string> v = vocabulary(fortune_posts());
  return v;
}

size_t count_leaf_terms(const std::string& q) {
  auto parsed = query::parse(q, true);
  return parsed.ok() ? leaves(*parsed.root) : 0;
}

tenant_set generate_tenants(const tenant_options& options, const std::vector<std::string>& vocab) {
  std::mt19937_64 rng(options.seed);
  tenant_set out;
  std::set<std::string> brands;
  const size_t common = std::min<size_t>(vocab.size(), 5000);
  auto word = [&] { return vocab[below(rng, common)]; };
  auto rare = [&] { return vocab.size() > common ? vocab[common + below(rng, vocab.size() - common)] : word(); };
  auto word_list = [&](size_t k, const char* sep) {
    std::string s = "(";
    for (size_t i = 0; i < k; ++i) s += (i ? sep : "") + word();
    return s + ")";
  };
  auto wildcard_of = [&] {  // a word cut to 4–5 letters plus `*`
    for (int tries = 0; tries < 8; ++tries) {
      const std::string w = word();
      if (code_points(w) >= 6 && all_letters(w)) return utf8_prefix(w, 4 + below(rng, 2)) + "*";
    }
    return word();
  };

  // match_scale: a draw's high bits decide whether an incidental-match
  // feature is kept (always at scale 1, without consuming the generator).
  auto scaled = [&](uint64_t draw) {
    return options.match_scale >= 1 || double((draw >> 32) % 1000) < options.match_scale * 1000;
  };
  auto chance_of = [&](double p) { return double(rng() >> 11) * (1.0 / 9007199254740992.0) < p; };

  for (size_t i = 0; i < options.topics; ++i) {
    auto [lat, cyr] = brand_name(rng);
    // Short made-up names collide with ordinary word forms through
    // morphology (каками stems to как) and repeat at 100k topics; below
    // scale 1 a name may get a tail that no Russian ending strips and that
    // makes it unique enough.
    if (options.match_scale < 1 && !chance_of(options.match_scale)) {
      static constexpr const char* tail_lat[] = {"dr", "gv", "pt", "zk", "vd", "bz"};
      static constexpr const char* tail_cyr[] = {"др", "гв", "пт", "зк", "вд", "бз"};
      const size_t k1 = rng() % 6, k2 = rng() % 6;
      lat += std::string(tail_lat[k1]) + "o" + tail_lat[k2];
      cyr += std::string(tail_cyr[k1]) + "о" + tail_cyr[k2];
    }
    // One brand in ten is an ordinary word (times match_scale). At scale 1
    // no extra draw is taken, so the stress workload stays what it was.
    const uint64_t brand_draw = rng();
    const bool real_word_brand = brand_draw % 10 == 0 && scaled(brand_draw);
    const std::string brand = real_word_brand ? rare() : lat;
    brands.insert(brand);
    brands.insert(cyr);
    // Spelling variants as analysts list them (the comma is the BA list).
    std::string b = "(" + brand + ", " + cyr + ", " + cyr + "ф, #" + lat + ", @" + lat;
    // A four-letter prefix wildcard (it matches ordinary English words too).
    if (const uint64_t w = rng(); w % 5 == 0 && scaled(w)) b += ", " + utf8_prefix(lat, 4) + "*";
    if (rng() % 8 == 0) {  // the capitalised brand, case-sensitive
      std::string cap = lat;
      cap[0] = char(std::toupper(static_cast<unsigned char>(cap[0])));
      b += ", {" + cap + "}";
    }
    b += ")";

    std::string q;
    const size_t shape = below(rng, 20);
    switch (shape) {
      case 0: case 1: case 2:  // brand AND an OR-list of products / service words
        q = b + " AND " + word_list(4 + below(rng, 6), " OR ");
        break;
      case 3: case 4:  // brand near a complaint list
        q = b + " NEAR/" + std::to_string(3 + below(rng, 6)) + " " + word_list(3, ", ");
        break;
      case 5:  // ordered proximity
        q = b + " ONEAR/" + std::to_string(2 + below(rng, 4)) + " " + word_list(2, ", ");
        break;
      case 6: case 7:  // a phrase next to the brand
        q = b + " \"" + word() + " " + word() + "\"";
        break;
      case 8:  // proximity phrase: all words, any order, in a window
        q = b + " AND \"" + word() + " " + word() + "\"~" + std::to_string(4 + below(rng, 4));
        break;
      case 9: case 10: case 11: case 12:  // exclusions
        q = b + " -" + word() + " -" + word() + " -(" + word() + ", " + wildcard_of() + ")";
        break;
      case 13:  // exact forms and a wildcard among products
        q = b + " AND (!" + word() + " OR " + wildcard_of() + " OR " + word() + ")";
        break;
      case 14:  // metadata filters: reviews or opinion leaders only
        q = b + (rng() % 2 ? " AND (type:review OR source:otzovik)" : " AND followers:>=1000");
        break;
      case 15:  // source and language scoped
        q = b + " AND (lang:ru OR lang:kk) AND NOT is:repost";
        break;
      case 16:  // generic industry topic: no brand needed
        q = "(" + b + ") OR (" + rare() + " AND " + (options.match_scale >= 1 || chance_of(options.match_scale) ? word() : rare()) + ")";
        break;
      case 17:  // title-scoped news monitoring
        q = "title:" + b + " OR (" + b + " AND " + word_list(3, ", ") + ")";
        break;
      case 18:  // brand plus an emoji of anger near it
        q = b + " NEAR/6 (😡, 🤬, " + word() + ")";
        break;
      default:  // plain brand monitoring with a product list and exclusions
        q = b + " AND " + word_list(6 + below(rng, 10), ", ") + " -" + word();
        break;
    }
    topic_spec t;
    t.tenant = "tenant" + std::to_string(i / std::max<size_t>(1, options.topics_per_tenant));
    t.id = "topic" + std::to_string(i);
    t.name = "Бренд " + cyr;
    t.own_accounts = {"vk:u" + std::to_string(i)};
    const double r = double(rng() >> 11) * (1.0 / 9007199254740992.0);
    if (r < options.channel_share) {
      t.channels.push_back("otzovik:card" + std::to_string(below(rng, 2000)));
      if (rng() % 2) q = "-" + word() + " -" + word();  // a pure channel topic with exclusions
    }
    t.query = q;
    if (double(rng() >> 11) * (1.0 / 9007199254740992.0) < options.tagged_share) {
      const size_t k = 1 + below(rng, 4);
      for (size_t j = 0; j < k; ++j) {
        const auto& s = tag_tree[below(rng, std::size(tag_tree))];
        std::string tq = s.kind == 0   ? word_list(2 + below(rng, 3), " OR ")
                         : s.kind == 1 ? word() + " NEAR/5 " + word_list(2, ", ")
                                       : std::string(s.fixed);
        bool dup = false;
        for (auto& existing : t.tags) dup = dup || existing.path == s.path;
        if (dup) continue;
        out.tag_terms += count_leaf_terms(tq);
        t.tags.push_back({s.path, std::move(tq)});
      }
      if (double(rng() >> 11) * (1.0 / 9007199254740992.0) < options.ruled_share) {
        const std::string risk = word_list(2 + below(rng, 2), ", ");
        out.tag_terms += count_leaf_terms(risk);
        t.rules = {{"our-answers", "is:own", {{}, "", std::nullopt, /*processed=*/true}},
                   {"escalate", "sentiment:negative AND (type:review OR type:app_store) AND NOT is:processed",
                    {{"Эскалация/Поддержка"}, "", 85.0}},
                   {"risk", "(" + risk + ") AND NOT is:own", {{"Риск"}, "negative"}}};
        out.rules += t.rules.size();
      }
    }
    out.terms += count_leaf_terms(t.query);
    out.topics.push_back(std::move(t));
  }
  out.brand_spellings.assign(brands.begin(), brands.end());
  return out;
}

}  // namespace sito::bench
