// File: bench/support/firehose_generator.cpp
#include "support/firehose_generator.hpp"

#include <cmath>
#include <fstream>

#include "sito/base/utf8.hpp"
#include "support/corpus.hpp"

namespace sito::bench {

namespace {

// Only the engine's own bit-exact operations on mt19937_64 output are used
// (no std::*_distribution, whose results differ between standard libraries).
double unit(std::mt19937_64& rng) { return double(rng() >> 11) * (1.0 / 9007199254740992.0); }
bool chance(std::mt19937_64& rng, double p) { return unit(rng) < p; }
size_t below(std::mt19937_64& rng, size_t n) { return n ? size_t(rng() % n) : 0; }
double normal(std::mt19937_64& rng) {
  const double u1 = std::max(unit(rng), 1e-12), u2 = unit(rng);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

std::vector<std::string> kazakh_word_list(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path, std::ios::binary);
  std::string line;
  bool first = true;
  while (std::getline(in, line)) {
    if (first) {  // the count line, after an optional BOM
      first = false;
      continue;
    }
    if (auto slash = line.find('/'); slash != std::string::npos) line.resize(slash);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.size() >= 2 && utf8::find_invalid(line) == std::string::npos) out.push_back(line);
  }
  return out;
}

/// Cuts `s` to at most `max_bytes` at the last space before it (never inside
/// a UTF-8 sequence); keeps it whole when it has no space there.
void cut_at_word(std::string& s, size_t max_bytes) {
  if (s.size() <= max_bytes) return;
  auto sp = s.rfind(' ', max_bytes);
  if (sp != std::string::npos && sp > 0) s.resize(sp);
}

struct source_kind {
  const char* source;
  const char* type;
  double weight;
};
// Rough shares of a Russian-language monitoring stream.
constexpr source_kind sources[] = {
    {"vk", "social", 0.30},         {"telegram", "messenger", 0.20}, {"x", "social", 0.08},
    {"instagram", "social", 0.08},  {"youtube", "video", 0.06},      {"dzen", "blog", 0.05},
    {"ria", "news", 0.04},          {"pikabu", "forum", 0.04},       {"otzovik", "review", 0.05},
    {"irecommend", "review", 0.03}, {"ozon", "marketplace", 0.03},   {"google_play", "app_store", 0.02},
    {"app_store", "app_store", 0.01}, {"yandex_maps", "maps", 0.01},
};

const char* emoji[] = {"😡", "😂", "👍", "👍🏽", "❤️", "🔥", "😭", "🙏", "🤡", "💐", "🌹", "👨‍👩‍👧", "🇷🇺", "🇰🇿", "😊", "🤬"};
const char* cities[] = {"Москва", "Санкт-Петербург", "Казань", "Новосибирск", "Алматы", "Астана", "Екатеринбург", "London"};
const char* countries[] = {"RU", "RU", "RU", "RU", "KZ", "KZ", "BY", "GB"};

}  // namespace

const text_corpus& text_corpus::get() {
  static const text_corpus c = [] {
    text_corpus k;
    k.russian = testing::russian_fortunes();
    k.english = testing::english_fortunes();
    k.kazakh_words = kazakh_word_list("/usr/share/hunspell/kk_KZ.dic");
    return k;
  }();
  return c;
}

firehose_generator::firehose_generator(firehose_options options, std::vector<std::string> brand_spellings)
    : options_(options), brands_(std::move(brand_spellings)), corpus_(text_corpus::get()), rng_(options.seed) {
  clock_ = options_.start_time;
}

const std::string& firehose_generator::pick(const std::vector<std::string>& v) { return v[below(rng_, v.size())]; }

std::string firehose_generator::body(std::string& lang) {
  // Target length: log-normal around the median, sigma 0.8 (a few percent of
  // posts are over 1 000 characters, a fifth under 70).
  const double target_chars = std::clamp(options_.median_chars * std::exp(0.8 * normal(rng_)), 15.0, 4000.0);
  const double r = unit(rng_);
  std::string out;
  if (r < options_.kazakh_share && !corpus_.kazakh_words.empty()) {
    lang = "kk";
    // Cyrillic Kazakh runs about 2 bytes per character, 8 characters a word.
    const size_t words = std::max<size_t>(3, size_t(target_chars / 8));
    for (size_t i = 0; i < words; ++i) {
      if (i) out += (i % 9 == 0) ? ". " : " ";
      out += pick(corpus_.kazakh_words);
    }
    out += '.';
    return out;
  }
  const bool english = r < options_.kazakh_share + options_.english_share && !corpus_.english.empty();
  const auto& texts = english ? corpus_.english : corpus_.russian;
  lang = english ? "en" : "ru";
  if (texts.empty()) return "пустой корпус";  // fortunes not installed: still a valid post
  const size_t bytes_per_char = english ? 1 : 2;
  const size_t target_bytes = size_t(target_chars) * bytes_per_char;
  out = pick(texts);
  while (out.size() < target_bytes * 8 / 10) out += ' ' + pick(texts);  // long posts: several texts
  cut_at_word(out, target_bytes * 12 / 10);                               // short ones: a cut
  for (auto& ch : out)
    if (ch == '\n' && chance(rng_, 0.7)) ch = ' ';  // fortunes are line-wrapped; posts mostly are not
  return out;
}

post firehose_generator::next() {
  post p;
  const uint64_t n = generated_++;
  p.id = "f" + std::to_string(options_.seed) + "-" + std::to_string(n);
  clock_ += int64_t(below(rng_, 3));  // a few posts per second of stream time
  p.published_at = clock_;

  double w = unit(rng_), acc = 0;
  const source_kind* s = &sources[0];
  for (const auto& k : sources) {
    acc += k.weight;
    s = &k;
    if (w < acc) break;
  }
  p.source = s->source;
  p.source_type = s->type;
  const std::string type = s->type;
  if (type == "review" || type == "marketplace" || type == "app_store" || type == "maps")
    p.channel = p.source + ":card" + std::to_string(below(rng_, 2000));
  else if (type == "social" || type == "messenger" || type == "forum")
    p.place = p.source + ":group" + std::to_string(below(rng_, 5000));

  // Authors: a Zipf-like id, followers with a heavy tail (median ~150).
  const uint64_t author = uint64_t(std::pow(unit(rng_) + 1e-9, -1.3)) % 1000000;
  p.author.id = p.source + ":u" + std::to_string(author);
  p.author.handle = "user" + std::to_string(author);
  p.author.followers = int64_t(150.0 * std::exp(1.6 * normal(rng_)));
  p.author.verified = *p.author.followers > 100000 && chance(rng_, 0.5);
  if (chance(rng_, 0.6)) p.author.gender = chance(rng_, 0.55) ? "f" : "m";
  if (chance(rng_, 0.5)) {
    const size_t c = below(rng_, std::size(cities));
    p.author.city = cities[c];
    p.author.country = countries[c];
  }
  if (chance(rng_, 0.3)) p.author.age = int32_t(16 + below(rng_, 50));

  std::string lang;
  std::string text = body(lang);
  p.lang = chance(rng_, 0.9) ? lang : "";  // vendors do not always detect it

  // Brand injection: a spelling at a word boundary, as people write it.
  if (!brands_.empty() && chance(rng_, options_.brand_rate)) {
    const std::string& b = pick(brands_);
    auto sp = text.find(' ', below(rng_, text.size() + 1));
    if (sp == std::string::npos) text += ' ' + b;
    else text.insert(sp, " " + b);
    ++injected_;
  }
  if (chance(rng_, options_.hashtag_rate)) {
    const size_t k = 1 + below(rng_, 3);
    for (size_t i = 0; i < k; ++i) {
      // The hashtag body is a word of the post itself or a brand (real tags reuse both).
      std::string tag;
      if (!brands_.empty() && chance(rng_, 0.2)) tag = pick(brands_);
      else {
        auto a = text.find(' ', below(rng_, text.size()));
        auto b = a == std::string::npos ? a : text.find(' ', a + 1);
        if (a != std::string::npos && b != std::string::npos && b > a + 1) tag = text.substr(a + 1, b - a - 1);
      }
      std::string clean;
      for (unsigned char ch : tag)
        if (ch >= 0x80 || std::isalnum(ch) || ch == '_') clean.push_back(char(ch));
      if (clean.size() >= 2 && utf8::find_invalid(clean) == std::string::npos && clean[0] != '#' && clean[0] != '@')
        text += " #" + clean;
    }
  }
  if (chance(rng_, options_.mention_rate))
    text = "@user" + std::to_string(below(rng_, 100000)) + " " + text;
  if (chance(rng_, options_.emoji_rate)) {
    const size_t k = 1 + below(rng_, 3);
    for (size_t i = 0; i < k; ++i) text += std::string(" ") + emoji[below(rng_, std::size(emoji))];
  }
  if (chance(rng_, options_.link_rate)) {
    p.url = "https://" + std::string(chance(rng_, 0.5) ? "example.ru" : "news.example.kz") + "/p/" +
            std::to_string(rng_() % 1000000);
    text += " " + p.url;
  } else if (type != "messenger") {
    p.url = "https://" + p.source + ".example/" + p.id;
  }
  if (n > 0 && chance(rng_, options_.reply_rate))
    p.parent_id = "f" + std::to_string(options_.seed) + "-" + std::to_string(below(rng_, n));
  p.is_repost = chance(rng_, options_.repost_rate);
  if (type == "news" || type == "blog" || type == "review") {
    // Title: the first words of the text, as news and review sites show.
    std::string title = text.substr(0, std::min<size_t>(text.size(), 120));
    cut_at_word(title, 60);
    if (utf8::find_invalid(title) == std::string::npos) p.title = std::move(title);
  }
  p.text = std::move(text);
  p.reach = *p.author.followers / 10 + int64_t(below(rng_, 100));
  p.engagement = int64_t(below(rng_, 50));
  return p;
}

std::vector<post> firehose_generator::take(size_t n) {
  std::vector<post> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.push_back(next());
  return out;
}

}  // namespace sito::bench
