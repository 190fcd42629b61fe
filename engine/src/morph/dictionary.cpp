// File: morph/dictionary.cpp
//
// Loads a hunspell .aff/.dic pair and expands every entry into its forms.
//
// Supported .aff subset (all that ru_RU.aff uses):
//   - `SET UTF-8` (required; any other encoding is rejected);
//   - `FLAG UTF-8` or no FLAG line: one flag is one character. `FLAG long`
//     and `FLAG num` are rejected;
//   - `SFX <flag> <cross> <count>` headers followed by `count` rules
//     `SFX <flag> <strip> <add>[/<flags>] <condition> [morphology...]`.
//     `0` as strip or add means empty. Continuation flags after `/` in <add>
//     (twofold suffixes) are IGNORED: a form is the entry word plus one
//     suffix. ru_RU.aff has none;
//   - `FULLSTRIP` (a rule may strip the whole word);
//   - `PFX` is rejected (a prefix would change what a "form" is);
//   - every other directive (TRY, KEY, REP, ...) does not affect forms and is
//     skipped.
// Rule semantics follow hunspell's SfxEntry::add(): the word must be longer
// than <strip> (unless FULLSTRIP), end with <strip>, and its last characters
// must match <condition> (a sequence of characters, `.`, `[...]`, `[^...]`).
//
// Memory layout (≈146k entries, ≈1.3M distinct forms for ru_RU):
//   - every distinct normalized form is stored once in a chunked arena that
//     never moves, and a flat_hash_map<string_view, uint32_t> maps it to
//     either one entry id (top bit clear, the common case) or, with the top
//     bit set, an offset into `overflow_` where [count, id, id, ...] lives;
//   - per-entry form lists are not stored: forms_of() re-applies the entry's
//     rules (a few microseconds), which costs far less memory.
#include "sito/morph/dictionary.hpp"

#include <absl/container/flat_hash_map.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>

#ifndef SITO_HUNSPELL_DIR
#define SITO_HUNSPELL_DIR "/usr/share/hunspell"
#endif

namespace sito::morph {
namespace {

constexpr uint32_t k_multi = 0x8000'0000u;

// Decodes UTF-8 into code points and the byte offset where each one starts
// (offsets has one extra element: the total length). Invalid bytes decode as
// themselves (Latin-1), which keeps offsets consistent for any input.
void decode(std::string_view s, std::vector<char32_t>& cps, std::vector<uint32_t>& offsets) {
  cps.clear();
  offsets.clear();
  size_t i = 0;
  while (i < s.size()) {
    offsets.push_back(static_cast<uint32_t>(i));
    const auto b0 = static_cast<unsigned char>(s[i]);
    size_t len = 1;
    char32_t cp = b0;
    if (b0 >= 0xC0 && b0 < 0xE0) {
      len = 2;
      cp = b0 & 0x1F;
    } else if (b0 >= 0xE0 && b0 < 0xF0) {
      len = 3;
      cp = b0 & 0x0F;
    } else if (b0 >= 0xF0 && b0 < 0xF8) {
      len = 4;
      cp = b0 & 0x07;
    }
    if (len > 1) {
      bool ok = i + len <= s.size();
      for (size_t k = 1; ok && k < len; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        ok = (b & 0xC0) == 0x80;
        cp = (cp << 6) | (b & 0x3F);
      }
      if (!ok) {
        len = 1;
        cp = b0;
      }
    }
    cps.push_back(cp);
    i += len;
  }
  offsets.push_back(static_cast<uint32_t>(s.size()));
}

std::u32string decode32(std::string_view s) {
  std::vector<char32_t> cps;
  std::vector<uint32_t> offsets;
  decode(s, cps, offsets);
  return {cps.begin(), cps.end()};
}

// Lower case of one code point for the scripts a Russian dictionary can
// contain (ASCII, Latin-1, Cyrillic incl. the extended block), then ё→е.
// Every mapping keeps the UTF-8 length, which lets normalized forms share
// byte offsets with the raw ones.
char32_t fold(char32_t c) {
  if (c >= U'A' && c <= U'Z') return c + 0x20;
  if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return c + 0x20;
  if (c == 0x0401 || c == 0x0451) return 0x0435;          // Ё ё → е
  if (c >= 0x0400 && c <= 0x040F) return c + 0x50;        // Ѐ..Џ
  if (c >= 0x0410 && c <= 0x042F) return c + 0x20;        // А..Я
  if ((c >= 0x0460 && c <= 0x0481) || (c >= 0x048A && c <= 0x04BF) ||
      (c >= 0x04D0 && c <= 0x052F)) {
    return (c % 2 == 0) ? c + 1 : c;                      // Ѡ/ѡ, Ғ/ғ, Ә/ә, ...
  }
  if (c == 0x04C0) return 0x04CF;                         // Ӏ
  if (c >= 0x04C1 && c <= 0x04CE) return (c % 2 == 1) ? c + 1 : c;
  return c;
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

// Normalizes UTF-8 text (lower case, ё→е). Well-formed input keeps its byte
// length; malformed bytes are copied through unchanged.
std::string normalize(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::vector<char32_t> cps;
  std::vector<uint32_t> offsets;
  decode(s, cps, offsets);
  for (size_t i = 0; i < cps.size(); ++i) {
    const size_t len = offsets[i + 1] - offsets[i];
    const char32_t f = fold(cps[i]);
    if (f == cps[i] || (len == 1 && cps[i] >= 0x80)) {
      out.append(s.substr(offsets[i], len));
    } else {
      append_utf8(out, f);
    }
  }
  return out;
}

std::vector<std::string_view> split_ws(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) fields.push_back(line.substr(start, i - start));
  }
  return fields;
}

result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return not_found("cannot open " + path);
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return unavailable("cannot read " + path);
  return std::move(buf).str();
}

// One position of a hunspell condition: any character, or a (negated) class.
struct cond_pos {
  bool any = false;
  bool negate = false;
  std::u32string chars;

  bool matches(char32_t c) const {
    if (any) return true;
    const bool in = chars.find(c) != std::u32string::npos;
    return in != negate;
  }
};

struct sfx_rule {
  std::u32string strip;
  std::string add_raw;   // as in the .aff
  std::string add_norm;  // normalized
  std::vector<cond_pos> cond;
};

}  // namespace

struct dictionary::impl {
  // Rules, grouped by flag: flag → [begin, end) in rules.
  std::vector<sfx_rule> rules;
  absl::flat_hash_map<char32_t, std::pair<uint32_t, uint32_t>> flag_rules;
  bool fullstrip = false;

  // Entries: raw word, normalized word (same byte offsets) and flags.
  std::string raw_words;
  std::string norm_words;
  std::vector<uint32_t> word_off;  // entry_count + 1
  std::u32string flags;
  std::vector<uint32_t> flag_off;  // entry_count + 1

  // Forms.
  std::vector<std::unique_ptr<char[]>> arena_blocks;
  size_t arena_used = 0;
  size_t arena_cap = 0;
  absl::flat_hash_map<std::string_view, uint32_t> forms;
  std::vector<uint32_t> overflow;

  std::string_view raw_word(uint32_t e) const {
    return std::string_view(raw_words).substr(word_off[e], word_off[e + 1] - word_off[e]);
  }
  std::string_view norm_word(uint32_t e) const {
    return std::string_view(norm_words).substr(word_off[e], word_off[e + 1] - word_off[e]);
  }

  std::string_view store(std::string_view s) {
    constexpr size_t k_block = size_t{1} << 20;
    if (arena_used + s.size() > arena_cap) {
      const size_t cap = std::max(k_block, s.size());
      arena_blocks.push_back(std::make_unique<char[]>(cap));
      arena_used = 0;
      arena_cap = cap;
    }
    char* p = arena_blocks.back().get() + arena_used;
    std::memcpy(p, s.data(), s.size());
    arena_used += s.size();
    return {p, s.size()};
  }

  // Scratch for expand(); one per caller.
  struct scratch {
    std::vector<char32_t> cps;
    std::vector<uint32_t> offsets;
  };

  // Calls `fn(prefix_bytes, rule*)` for the base word (rule == nullptr) and
  // for every applicable rule of entry `e`; the form is the word's first
  // `prefix_bytes` bytes followed by the rule's add string.
  template <typename Fn>
  void expand(uint32_t e, scratch& s, Fn&& fn) const {
    const std::string_view word = raw_word(e);
    fn(word.size(), static_cast<const sfx_rule*>(nullptr));
    if (flag_off[e] == flag_off[e + 1]) return;
    decode(word, s.cps, s.offsets);
    const size_t n = s.cps.size();
    for (uint32_t fi = flag_off[e]; fi < flag_off[e + 1]; ++fi) {
      const auto it = flag_rules.find(flags[fi]);
      if (it == flag_rules.end()) continue;  // flag without rules (unused or non-SFX)
      for (uint32_t ri = it->second.first; ri < it->second.second; ++ri) {
        const sfx_rule& r = rules[ri];
        const size_t ns = r.strip.size();
        if (!(n > ns || (fullstrip && n == ns)) || n < r.cond.size()) continue;
        if (!std::equal(r.strip.begin(), r.strip.end(), s.cps.begin() + (n - ns))) continue;
        const size_t base = n - r.cond.size();
        bool ok = true;
        for (size_t k = 0; ok && k < r.cond.size(); ++k) ok = r.cond[k].matches(s.cps[base + k]);
        if (!ok) continue;
        fn(static_cast<size_t>(s.offsets[n - ns]), &r);
      }
    }
  }

  status parse_aff(std::string_view text, const std::string& path);
  status parse_dic(std::string_view text, const std::string& path);
  void build_forms();
};

namespace {

result<std::vector<cond_pos>> parse_condition(std::string_view text) {
  std::vector<cond_pos> out;
  const std::u32string c = decode32(text);
  for (size_t i = 0; i < c.size(); ++i) {
    cond_pos p;
    if (c[i] == U'.') {
      p.any = true;
    } else if (c[i] == U'[') {
      size_t j = i + 1;
      if (j < c.size() && c[j] == U'^') {
        p.negate = true;
        ++j;
      }
      const size_t close = c.find(U']', j);
      if (close == std::u32string::npos) return invalid_argument("unterminated '[' in condition");
      p.chars = c.substr(j, close - j);
      i = close;
    } else if (c[i] == U']') {
      return invalid_argument("stray ']' in condition");
    } else {
      p.chars = std::u32string(1, c[i]);
    }
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace

status dictionary::impl::parse_aff(std::string_view text, const std::string& path) {
  bool utf8 = false;
  // Rules collected per flag in order of appearance, then laid out grouped.
  std::vector<std::pair<char32_t, sfx_rule>> collected;
  char32_t cur_flag = 0;
  long remaining = 0;
  size_t line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line_no == 1 && line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);
    const auto f = split_ws(line);
    if (f.empty() || f[0].front() == '#') continue;
    const std::string where = path + ":" + std::to_string(line_no) + ": ";
    if (f[0] == "SET") {
      if (f.size() < 2 || (f[1] != "UTF-8" && f[1] != "utf-8")) {
        return invalid_argument(where + "only `SET UTF-8` dictionaries are supported");
      }
      utf8 = true;
    } else if (f[0] == "FLAG") {
      if (f.size() < 2 || f[1] != "UTF-8") {
        return invalid_argument(where + "only single-character flags are supported");
      }
    } else if (f[0] == "FULLSTRIP") {
      fullstrip = true;
    } else if (f[0] == "PFX") {
      return invalid_argument(where + "prefix (PFX) rules are not supported");
    } else if (f[0] == "SFX") {
      if (f.size() < 4) return invalid_argument(where + "malformed SFX line");
      const std::u32string flag = decode32(f[1]);
      if (flag.size() != 1) return invalid_argument(where + "flag must be one character");
      if (remaining > 0 && flag[0] == cur_flag) {
        // A rule: SFX flag strip add[/flags] condition [morphology...]
        sfx_rule r;
        if (f[2] != "0") r.strip = decode32(f[2]);
        std::string_view add = f[3];
        if (const size_t slash = add.find('/'); slash != std::string_view::npos) {
          add = add.substr(0, slash);  // continuation flags ignored (see top)
        }
        if (add != "0") r.add_raw = std::string(add);
        r.add_norm = normalize(r.add_raw);
        const std::string_view cond = f.size() >= 5 ? f[4] : std::string_view(".");
        auto parsed = parse_condition(cond);
        if (!parsed.ok()) return invalid_argument(where + parsed.error().message());
        r.cond = std::move(parsed).value();
        collected.emplace_back(cur_flag, std::move(r));
        --remaining;
      } else {
        // A header: SFX flag cross count
        if (remaining > 0) {
          return invalid_argument(where + "SFX header before the previous block's " +
                                  std::to_string(remaining) + " rules");
        }
        char* end = nullptr;
        const std::string count(f[3]);
        remaining = std::strtol(count.c_str(), &end, 10);
        if (end == count.c_str() || *end != '\0' || remaining < 0) {
          return invalid_argument(where + "bad SFX rule count '" + count + "'");
        }
        cur_flag = flag[0];
      }
    }
  }
  if (!utf8) return invalid_argument(path + ": missing `SET UTF-8`");
  if (remaining > 0) return invalid_argument(path + ": SFX block ends early");
  std::stable_sort(collected.begin(), collected.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  rules.reserve(collected.size());
  for (auto& [flag, rule] : collected) {
    const auto i = static_cast<uint32_t>(rules.size());
    auto [it, inserted] = flag_rules.try_emplace(flag, i, i);
    it->second.second = i + 1;
    rules.push_back(std::move(rule));
  }
  return ok_status();
}

status dictionary::impl::parse_dic(std::string_view text, const std::string& path) {
  size_t pos = 0;
  size_t line_no = 0;
  bool header = true;
  word_off.push_back(0);
  flag_off.push_back(0);
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line_no == 1 && line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);
    if (header) {
      // The approximate entry count.
      header = false;
      const auto f = split_ws(line);
      if (f.empty() || f[0].find_first_not_of("0123456789") != std::string_view::npos) {
        return invalid_argument(path + ":1: the first line must be the entry count");
      }
      const size_t n = std::strtoul(std::string(f[0]).c_str(), nullptr, 10);
      word_off.reserve(n + 1);
      flag_off.reserve(n + 1);
      raw_words.reserve(text.size());
      continue;
    }
    // Morphological fields follow the first whitespace.
    if (const size_t ws = line.find_first_of(" \t"); ws != std::string_view::npos) {
      line = line.substr(0, ws);
    }
    if (line.empty()) continue;
    // word[/FLAGS]; `\/` escapes a slash inside the word.
    std::string word;
    std::string_view flag_text;
    for (size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == '/') {
        word.push_back('/');
        ++i;
      } else if (line[i] == '/') {
        flag_text = line.substr(i + 1);
        break;
      } else {
        word.push_back(line[i]);
      }
    }
    if (word.empty()) continue;
    if (word_off.size() > k_multi - 1) return out_of_range(path + ": too many entries");
    raw_words += word;
    word_off.push_back(static_cast<uint32_t>(raw_words.size()));
    flags += decode32(flag_text);
    flag_off.push_back(static_cast<uint32_t>(flags.size()));
  }
  norm_words = normalize(raw_words);
  if (norm_words.size() != raw_words.size()) {
    return invalid_argument(path + ": normalization changed the byte length of a word");
  }
  return ok_status();
}

void dictionary::impl::build_forms() {
  const auto n_entries = static_cast<uint32_t>(word_off.size() - 1);
  forms.reserve(size_t{n_entries} * 10);
  std::vector<std::vector<uint32_t>> multi;
  scratch s;
  std::string form;
  for (uint32_t e = 0; e < n_entries; ++e) {
    const std::string_view word = norm_word(e);
    expand(e, s, [&](size_t prefix, const sfx_rule* r) {
      form.assign(word.substr(0, prefix));
      if (r != nullptr) form += r->add_norm;
      if (form.empty()) return;
      auto it = forms.lazy_emplace(form, [&](const auto& ctor) { ctor(store(form), e); });
      uint32_t& v = it->second;
      if (v == e) return;  // just inserted, or repeated within this entry
      if ((v & k_multi) == 0) {
        multi.push_back({v, e});
        v = k_multi | static_cast<uint32_t>(multi.size() - 1);
      } else if (auto& list = multi[v & ~k_multi]; list.back() != e) {
        list.push_back(e);
      }
    });
  }
  // Flatten the multi-entry lists into [count, ids...] runs.
  for (auto& [key, v] : forms) {
    if ((v & k_multi) == 0) continue;
    const auto& list = multi[v & ~k_multi];
    v = k_multi | static_cast<uint32_t>(overflow.size());
    overflow.push_back(static_cast<uint32_t>(list.size()));
    overflow.insert(overflow.end(), list.begin(), list.end());
  }
}

dictionary::dictionary() : impl_(std::make_unique<impl>()) {}
dictionary::~dictionary() = default;

result<std::shared_ptr<const dictionary>> dictionary::load(const std::string& aff_path,
                                                           const std::string& dic_path) {
  SITO_ASSIGN_OR_RETURN(const std::string aff, read_file(aff_path));
  SITO_ASSIGN_OR_RETURN(const std::string dic, read_file(dic_path));
  std::shared_ptr<dictionary> d(new dictionary());
  SITO_RETURN_IF_ERROR(d->impl_->parse_aff(aff, aff_path));
  SITO_RETURN_IF_ERROR(d->impl_->parse_dic(dic, dic_path));
  d->impl_->build_forms();
  return std::shared_ptr<const dictionary>(std::move(d));
}

std::shared_ptr<const dictionary> dictionary::default_russian() {
  static const std::shared_ptr<const dictionary> instance = [] {
    const char* env = std::getenv("SITO_HUNSPELL_DIR");
    const std::string dir = (env != nullptr && *env != '\0') ? env : SITO_HUNSPELL_DIR;
    auto loaded = load(dir + "/ru_RU.aff", dir + "/ru_RU.dic");
    return loaded.ok() ? std::move(loaded).value() : nullptr;
  }();
  return instance;
}

std::span<const uint32_t> dictionary::entries_of(std::string_view form) const {
  const auto it = impl_->forms.find(form);
  if (it == impl_->forms.end()) return {};
  const uint32_t& v = it->second;
  if ((v & k_multi) == 0) return {&v, 1};
  const uint32_t* run = impl_->overflow.data() + (v & ~k_multi);
  return {run + 1, run[0]};
}

namespace {

// Base first, then the rest sorted, without duplicates or the base.
void dedupe_keep_first(std::vector<std::string>& v) {
  if (v.size() < 2) return;
  std::sort(v.begin() + 1, v.end());
  v.erase(std::unique(v.begin() + 1, v.end()), v.end());
  auto same = std::find(v.begin() + 1, v.end(), v.front());
  if (same != v.end()) v.erase(same);
}

}  // namespace

std::vector<std::string> dictionary::forms_of(uint32_t entry) const {
  std::vector<std::string> out;
  if (entry >= entry_count()) return out;
  impl::scratch s;
  const std::string_view word = impl_->norm_word(entry);
  impl_->expand(entry, s, [&](size_t prefix, const sfx_rule* r) {
    std::string f(word.substr(0, prefix));
    if (r != nullptr) f += r->add_norm;
    if (!f.empty()) out.push_back(std::move(f));
  });
  dedupe_keep_first(out);
  return out;
}

std::vector<std::string> dictionary::raw_forms_of(uint32_t entry) const {
  std::vector<std::string> out;
  if (entry >= entry_count()) return out;
  impl::scratch s;
  const std::string_view word = impl_->raw_word(entry);
  impl_->expand(entry, s, [&](size_t prefix, const sfx_rule* r) {
    std::string f(word.substr(0, prefix));
    if (r != nullptr) f += r->add_raw;
    if (!f.empty()) out.push_back(std::move(f));
  });
  dedupe_keep_first(out);
  return out;
}

std::string_view dictionary::base_of(uint32_t entry) const {
  if (entry >= entry_count()) return {};
  return impl_->norm_word(entry);
}

size_t dictionary::entry_count() const { return impl_->word_off.size() - 1; }

size_t dictionary::form_count() const { return impl_->forms.size(); }

}  // namespace sito::morph
