// libFuzzer, structure-aware: the fuzzer's bytes choose a topics file
// (tenant, topics with queries, channels, own accounts, auto-tags and rules,
// a lexicon, perhaps one misspelt key or one invalid value) from a grammar,
// and the target writes that same file as YAML and as JSON. Then:
//   * both texts read to exactly what was generated (defaults applied: a
//     topic's name is its id, a rule's name its position), or both fail
//     with the error the generator planted, naming the file and the key;
//   * what reads compiles: compile_topics fails only on a library error,
//     every topic is compiled or reported (tenant, id, a message), and the
//     snapshot scans posts made of the same words without a crash and with
//     matches only of its own topics.
// The byte-level target (topics_file_fuzz.cpp) covers broken syntax; this
// one reaches the compiler and the scanner with files that parse.
// Seeds: tests/fuzz/corpus/topics_structured.
#include <fuzzer/FuzzedDataProvider.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sito/compile/compiler.hpp"
#include "sito/model/post.hpp"
#include "sito/model/topic.hpp"
#include "sito/scan/batch_scanner.hpp"

namespace {

using ordered = nlohmann::ordered_json;

/// The file of the input being checked, printed when a check fails.
std::string g_yaml, g_json;

[[noreturn]] void fail(const char* why, const std::string& detail = {}) {
  std::fprintf(stderr, "topics_structured_fuzz: %s %s\n--- YAML\n%s\n--- JSON\n%s\n", why, detail.c_str(),
               g_yaml.c_str(), g_json.c_str());
  std::abort();
}

// Terms, filters and operators of the query language, and fragments that
// break it (the compiler must report those, not crash).
constexpr const char* k_terms[] = {
    "доставка", "курьер*", "опозда?", "\"так и\"", "contains:\"ошибк\"", "flowwow", "фловвов", "#скидка",
    "@acme", "😀", "👍🏽", "lang:ru", "type:review", "followers:>=1000", "country:RU", "gender:f", "place:\"чат\"",
    "title:(курьер AND NOT вовремя)", "{Курьер}", "is:own", "sentiment:negative", "tag:\"Риск\"", "жизнь",
    "бог*", "к*р", "Қазақстан", "ёлка", "a NEAR b", "((", "\"unterminated", "title:", "followers:>=x", "*", "NOT",
    "text:(доставка, курьер)", "source:vk", "channel:\"otzovik:acme\""};
constexpr const char* k_words[] = {"доставка", "курьер", "опоздал", "так и", "ошибка", "flowwow", "фловвов",
                                   "#скидка", "@acme", "😀", "жизнь", "богатство", "Қазақстан", "ёлка", "вовремя",
                                   "Курьер", "кор", "кар"};
constexpr const char* k_sentiments[] = {"negative", "neutral", "positive", "", "злой"};
constexpr const char* k_paths[] = {"Тачпоинт/Доставка", "Риск", "NPS/Критик", "Субъект/Курьер/Опоздание", "a/b"};

template <size_t N>
const char* pick(FuzzedDataProvider& in, const char* const (&pool)[N]) {
  return pool[in.ConsumeIntegralInRange<size_t>(0, N - 1)];
}

/// A string over a safe alphabet (letters, Cyrillic, digits, punctuation
/// YAML and JSON both quote, the single quote included), or a pool entry.
std::string free_string(FuzzedDataProvider& in, size_t max_len = 12) {
  static const std::vector<std::string> alphabet = {"a", "b", "z", "A", "0", "7", " ", "-", "_", "'", "\"", ":",
                                                    "#", "{", "}", "[", "]", ",", "д", "Ж", "ё", "қ", "😀", "/"};
  std::string out;
  const size_t n = in.ConsumeIntegralInRange<size_t>(0, max_len);
  for (size_t i = 0; i < n; ++i) out += alphabet[in.ConsumeIntegralInRange<size_t>(0, alphabet.size() - 1)];
  return out;
}

std::string query(FuzzedDataProvider& in, int depth = 0) {
  const int kind = depth > 3 ? 0 : in.ConsumeIntegralInRange(0, 6);
  switch (kind) {
    case 1: return query(in, depth + 1) + " AND " + query(in, depth + 1);
    case 2: return query(in, depth + 1) + " OR " + query(in, depth + 1);
    case 3: return query(in, depth + 1) + " AND NOT " + query(in, depth + 1);
    case 4:
      return query(in, depth + 1) + " NEAR/" + std::to_string(in.ConsumeIntegralInRange(0, 12)) + " " +
             query(in, depth + 1);
    case 5: return "(" + query(in, depth + 1) + ", " + query(in, depth + 1) + ")";
    case 6: return in.ConsumeBool() ? free_string(in) : "title:(" + query(in, depth + 1) + ")";
    default: return pick(in, k_terms);
  }
}

/// The generated file: what it must read to, and its two texts.
struct generated {
  sito::tenant_file expected;
  ordered doc;
  /// The planted errors (a part of each message); empty when valid. The
  /// reader stops at the first it meets, in its own order of checks.
  std::vector<std::string> errors;
};

void plant(generated& g, const std::string& needle) { g.errors.push_back(needle); }

bool names_one(const std::string& message, const std::vector<std::string>& needles) {
  for (const auto& n : needles)
    if (message.find(n) != std::string::npos) return true;
  return false;
}

generated generate(FuzzedDataProvider& in) {
  generated g;
  ordered& doc = g.doc;
  const bool misspell = in.ConsumeIntegralInRange(0, 9) == 0;  // one unknown key somewhere
  g.expected.tenant = "default";
  if (in.ConsumeBool()) {
    g.expected.tenant = in.ConsumeBool() ? std::string("acme") : free_string(in);
    doc["tenant"] = g.expected.tenant;
  }
  if (in.ConsumeIntegralInRange(0, 3) == 0) {
    g.expected.sentiment_lexicon = "neg треш 2\npos огонь 1\n";
    doc["sentiment_lexicon"] = g.expected.sentiment_lexicon;
  }
  doc["topics"] = ordered::array();
  const size_t topics = in.ConsumeIntegralInRange<size_t>(0, 5);
  for (size_t i = 0; i < topics; ++i) {
    sito::topic_spec t;
    ordered n = ordered::object();
    t.tenant = g.expected.tenant;
    if (in.ConsumeIntegralInRange(0, 7) == 0) {
      t.tenant = "other";
      n["tenant"] = t.tenant;
    }
    t.id = in.ConsumeIntegralInRange(0, 15) == 0 ? std::string() : "t" + std::to_string(in.ConsumeIntegralInRange(0, 6));
    if (t.id.empty()) plant(g, "missing 'id'");
    n["id"] = t.id;
    t.name = t.id;
    if (in.ConsumeBool()) {
      t.name = free_string(in);
      n["name"] = t.name;
    }
    if (in.ConsumeIntegralInRange(0, 5) != 0) {
      t.query = query(in);
      n["query"] = t.query;
    }
    if (in.ConsumeIntegralInRange(0, 3) == 0) {
      t.channels = {in.ConsumeBool() ? std::string("otzovik:acme") : free_string(in)};
      n["channels"] = t.channels;
    }
    if (in.ConsumeIntegralInRange(0, 5) == 0) {
      t.own_accounts = {"vk:acme", free_string(in)};
      n["own_accounts"] = t.own_accounts;
    }
    const size_t tags = in.ConsumeIntegralInRange<size_t>(0, 3);
    if (tags > 0) n["tags"] = ordered::array();
    for (size_t k = 0; k < tags; ++k) {
      sito::tag_spec tag{pick(in, k_paths), query(in)};
      if (in.ConsumeIntegralInRange(0, 20) == 0) tag.query.clear();
      ordered tn = {{"path", tag.path}};
      if (!tag.query.empty() || in.ConsumeBool()) tn["query"] = tag.query;
      // A semantic tag (issue 12): examples, counter-examples and a
      // threshold, valid or not, in the reader's order of checks.
      if (in.ConsumeIntegralInRange(0, 3) == 0) {
        auto phrases = [&](size_t max) {
          std::vector<std::string> out(in.ConsumeIntegralInRange<size_t>(0, max));
          for (auto& p : out) p = in.ConsumeBool() ? std::string(pick(in, k_words)) + " " + pick(in, k_words)
                                                   : free_string(in);
          return out;
        };
        tag.examples = phrases(3);
        tag.counter_examples = in.ConsumeBool() ? phrases(2) : std::vector<std::string>{};
        if (!tag.examples.empty() || in.ConsumeBool()) tn["examples"] = tag.examples;
        if (!tag.counter_examples.empty()) tn["counter_examples"] = tag.counter_examples;
        bool planted = false;
        if (in.ConsumeBool()) {
          const int hundredths = in.ConsumeIntegralInRange(-10, 120);
          tag.min_similarity = static_cast<float>(hundredths) / 100.0f;
          tn["min_similarity"] = tag.min_similarity;
          if (hundredths <= 0 || hundredths > 100) {
            plant(g, "'min_similarity' must be in (0, 1]");
            planted = true;
          } else if (tag.examples.empty()) {
            plant(g, "'min_similarity' needs 'examples'");
            planted = true;
          }
        }
        if (!planted && !tag.counter_examples.empty() && tag.examples.empty()) {
          plant(g, "'counter_examples' need 'examples'");
          planted = true;
        }
        if (!planted && tag.query.empty() && tag.examples.empty()) plant(g, "a tag needs a 'query'");
      } else if (tag.query.empty()) {
        plant(g, "a tag needs a 'query'");
      }
      n["tags"].push_back(tn);
      t.tags.push_back(tag);
    }
    const size_t rules = in.ConsumeIntegralInRange<size_t>(0, 3);
    if (rules > 0) n["rules"] = ordered::array();
    for (size_t k = 0; k < rules; ++k) {
      sito::rule_spec r;
      ordered rn = ordered::object();
      r.name = std::to_string(k + 1);
      if (in.ConsumeBool()) {
        r.name = "r" + free_string(in, 6);
        rn["name"] = r.name;
      }
      if (in.ConsumeIntegralInRange(0, 4) != 0) {
        r.when = query(in);
        rn["when"] = r.when;
      }
      ordered then = ordered::object();
      if (in.ConsumeBool()) {
        r.then.add_tags = {pick(in, k_paths)};
        then["add_tags"] = r.then.add_tags;
      }
      if (in.ConsumeBool()) {
        r.then.sentiment = pick(in, k_sentiments);
        then["sentiment"] = r.then.sentiment;
      }
      if (in.ConsumeIntegralInRange(0, 2) == 0) {
        const int p = in.ConsumeIntegralInRange(-5, 105);
        if (p < 0 || p > 100) plant(g, "'priority' must be a number from 0 to 100");
        r.then.priority = p;
        then["priority"] = p;
      }
      if (in.ConsumeIntegralInRange(0, 3) == 0) {
        r.then.processed = in.ConsumeBool();
        then["processed"] = r.then.processed;
      }
      if (in.ConsumeIntegralInRange(0, 5) == 0) {
        r.then.drop = in.ConsumeBool();
        then["drop"] = r.then.drop;
      }
      if (then.empty()) plant(g, "'then' has no action");
      rn["then"] = then;
      n["rules"].push_back(rn);
      t.rules.push_back(r);
    }
    if (misspell && i + 1 == topics) {
      // The last topic gets one misspelt key, in the topic or in one of its parts.
      switch (in.ConsumeIntegralInRange(0, 2)) {
        case 0: n["tagz"] = ordered::array(); plant(g, "'tagz'"); break;
        case 1:
          if (n.contains("tags")) {
            n["tags"][0]["qurey"] = "x";
            plant(g, "'qurey'");
          } else {
            n["qeury"] = "x";
            plant(g, "'qeury'");
          }
          break;
        default:
          if (n.contains("rules")) {
            n["rules"][0]["wen"] = "x";
            plant(g, "'wen'");
          } else {
            n["chanels"] = ordered::array();
            plant(g, "'chanels'");
          }
      }
    }
    doc["topics"].push_back(n);
    g.expected.topics.push_back(std::move(t));
  }
  return g;
}

/// YAML block style: scalars single-quoted (only ' needs doubling), those
/// with a line break double-quoted with escapes (a single-quoted one folds).
std::string quote(const std::string& s) {
  if (s.find('\n') != std::string::npos) {
    std::string out = "\"";
    for (char c : s) {
      if (c == '\n') out += "\\n";
      else if (c == '"' || c == '\\') out += std::string("\\") + c;
      else out += c;
    }
    return out + "\"";
  }
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

void yaml(const ordered& v, int indent, std::string& out);

void yaml_value(const ordered& v, int indent, std::string& out) {
  if (v.is_object() && !v.empty()) {
    out += "\n";
    yaml(v, indent + 2, out);
  } else if (v.is_array() && !v.empty()) {
    out += "\n";
    yaml(v, indent + 2, out);
  } else if (v.is_object()) {
    out += " {}\n";
  } else if (v.is_array()) {
    out += " []\n";
  } else if (v.is_string()) {
    out += " " + quote(v.get<std::string>()) + "\n";
  } else {
    out += " " + v.dump() + "\n";  // numbers and booleans read the same in YAML
  }
}

void yaml(const ordered& v, int indent, std::string& out) {
  const std::string pad(static_cast<size_t>(indent), ' ');
  if (v.is_object()) {
    for (const auto& [key, value] : v.items()) {
      out += pad + key + ":";
      yaml_value(value, indent, out);
    }
  } else {
    for (const auto& e : v) {
      if (e.is_object() && !e.empty()) {
        // "- " then the map's first key on the same line, the rest below.
        std::string inner;
        yaml(e, indent + 2, inner);
        out += pad + "- " + inner.substr(static_cast<size_t>(indent) + 2);
      } else {
        out += pad + "-";
        yaml_value(e, indent, out);
      }
    }
  }
}

bool same_topics(const sito::tenant_file& a, const sito::tenant_file& b) {
  if (a.tenant != b.tenant || a.sentiment_lexicon != b.sentiment_lexicon || a.topics.size() != b.topics.size())
    return false;
  for (size_t i = 0; i < a.topics.size(); ++i) {
    const auto &x = a.topics[i], &y = b.topics[i];
    if (x.tenant != y.tenant || x.id != y.id || x.name != y.name || x.query != y.query || x.channels != y.channels ||
        x.own_accounts != y.own_accounts || x.tags.size() != y.tags.size() || x.rules.size() != y.rules.size())
      return false;
    for (size_t k = 0; k < x.tags.size(); ++k)
      if (x.tags[k].path != y.tags[k].path || x.tags[k].query != y.tags[k].query ||
          x.tags[k].examples != y.tags[k].examples || x.tags[k].counter_examples != y.tags[k].counter_examples ||
          (x.tags[k].min_similarity != y.tags[k].min_similarity &&
           std::abs(x.tags[k].min_similarity - y.tags[k].min_similarity) > 1e-6f))
        return false;
    for (size_t k = 0; k < x.rules.size(); ++k) {
      const auto &r = x.rules[k], &s = y.rules[k];
      if (r.name != s.name || r.when != s.when || r.then.add_tags != s.then.add_tags ||
          r.then.sentiment != s.then.sentiment || r.then.priority != s.then.priority ||
          r.then.processed != s.then.processed || r.then.drop != s.then.drop)
        return false;
    }
  }
  return true;
}

void compile_and_scan(const sito::tenant_file& file, FuzzedDataProvider& in) {
  sito::compile_report report;
  auto snap = sito::compile_topics(file.topics, {}, &report);
  if (!snap.ok()) fail("compile_topics failed (only a library failure may):", snap.error().message());
  std::set<std::pair<std::string, std::string>> given, reported;
  for (const auto& t : file.topics) given.insert({t.tenant, t.id});
  for (const auto& e : report.errors) {
    if (e.diagnostic.message.empty()) fail("every error says why");
    if (!given.count({e.tenant, e.topic})) fail("an error that names no topic of the file:", e.topic);
    reported.insert({e.tenant, e.topic});
  }
  std::set<std::pair<std::string, std::string>> compiled;
  for (const auto& t : (*snap)->topics) {
    if (!given.count({t.tenant, t.id})) fail("a compiled topic that is not in the file:", t.id);
    compiled.insert({t.tenant, t.id});
  }
  for (const auto& key : given)
    if (!compiled.count(key) && !reported.count(key)) fail("left out without a word");
  std::vector<sito::post> posts(2);
  for (auto& p : posts) {
    p.id = "p";
    p.source = "vk";
    p.lang = "ru";
    for (int w = in.ConsumeIntegralInRange(0, 8); w > 0; --w) p.text += std::string(pick(in, k_words)) + " ";
    p.title = pick(in, k_words);
  }
  sito::batch_scanner scanner(*snap);
  sito::scan_output out;
  scanner.scan(posts, out);
  for (const auto& m : out.matches)
    if (m.topic >= (*snap)->topics.size() || m.post >= posts.size()) fail("a match out of range");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  generated g = generate(in);
  std::string yaml_text;
  yaml(g.doc, 0, yaml_text);
  const std::string json_text = g.doc.dump();
  g_yaml = yaml_text;
  g_json = json_text;
  auto from_yaml = sito::parse_tenant_file(yaml_text, "fuzz.yaml");
  auto from_json = sito::parse_tenant_file(json_text, "fuzz.json");
  if (!g.errors.empty()) {
    // A planted error, named with the file, from both forms.
    if (from_yaml.ok() || from_json.ok()) fail("a planted error was read as valid:", g.errors.front());
    if (from_yaml.error().message().rfind("fuzz.yaml:", 0) != 0) fail("error without the file:", from_yaml.error().message());
    if (from_json.error().message().rfind("fuzz.json:", 0) != 0) fail("error without the file:", from_json.error().message());
    if (!names_one(from_yaml.error().message(), g.errors)) fail("not a planted error:", from_yaml.error().message());
    if (!names_one(from_json.error().message(), g.errors)) fail("not a planted error:", from_json.error().message());
    return 0;
  }
  if (!from_yaml.ok() || !from_json.ok())
    fail("a valid file failed:", (from_yaml.ok() ? from_json : from_yaml).error().message());
  if (!same_topics(*from_yaml, g.expected) || !same_topics(*from_json, g.expected)) fail("read differently from what was written");
  compile_and_scan(*from_yaml, in);
  return 0;
}
