#include "reference/reference_evaluator.hpp"

#include <unicode/brkiter.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <set>

#include "sito/query/parser.hpp"
#include "sito/query/printer.hpp"

namespace sito::reference {
namespace {

const icu::Normalizer2& nfkc() {
  UErrorCode e = U_ZERO_ERROR;
  return *icu::Normalizer2::getNFKCInstance(e);
}

bool word_char(UChar32 c) { return (U_GET_GC_MASK(c) & (U_GC_L_MASK | U_GC_M_MASK | U_GC_ND_MASK)) != 0; }
bool emoji_start(UChar32 c) {
  return u_hasBinaryProperty(c, UCHAR_EXTENDED_PICTOGRAPHIC) || u_hasBinaryProperty(c, UCHAR_REGIONAL_INDICATOR);
}

void put_utf8(std::string& s, UChar32 c) {
  icu::UnicodeString u(c);
  u.toUTF8String(s);
}

/// Glob over code points: `*` any run, `?` exactly one.
bool glob(const std::u32string& p, size_t pi, const std::u32string& s, size_t si) {
  if (pi == p.size()) return si == s.size();
  if (p[pi] == U'*') {
    for (size_t k = si; k <= s.size(); ++k)
      if (glob(p, pi + 1, s, k)) return true;
    return false;
  }
  if (si == s.size()) return false;
  if (p[pi] != U'?' && p[pi] != s[si]) return false;
  return glob(p, pi + 1, s, si + 1);
}

std::u32string to_u32(const std::string& s) {
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(s);
  std::u32string out;
  for (int32_t i = 0; i < u.length(); i = u.moveIndex32(i, 1)) out.push_back(static_cast<char32_t>(u.char32At(i)));
  return out;
}

}  // namespace

ref_field analyze(const std::string& text) {
  // Decode with original offsets.
  icu::UnicodeString src = icu::UnicodeString::fromUTF8(text);
  std::vector<std::pair<UChar32, uint32_t>> cps;  // (cp, byte offset)
  uint32_t byte = 0;
  for (int32_t i = 0; i < src.length(); i = src.moveIndex32(i, 1)) {
    UChar32 c = src.char32At(i);
    cps.push_back({c, byte});
    byte += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  }
  struct unit {
    UChar32 cp;
    uint32_t nb, ne;  // normalized bytes
    uint32_t ob, oe;  // original bytes
    int32_t u16;      // offset in the normalized UTF-16 string
  };
  std::vector<unit> units;
  ref_field out;
  icu::UnicodeString norm16;
  for (size_t i = 0; i < cps.size();) {
    size_t j = i + 1;
    while (j < cps.size() && !nfkc().hasBoundaryBefore(cps[j].first)) ++j;
    const uint32_t ob = cps[i].second;
    const uint32_t oe = j < cps.size() ? cps[j].second : static_cast<uint32_t>(text.size());
    icu::UnicodeString seg;
    for (size_t k = i; k < j; ++k) seg.append(cps[k].first);
    UErrorCode e = U_ZERO_ERROR;
    icu::UnicodeString n = nfkc().normalize(seg, e);
    const size_t units_before = units.size();
    for (int32_t k = 0; k < n.length(); k = n.moveIndex32(k, 1)) {
      UChar32 c = n.char32At(k);
      if (c == 0xFE0E || c == 0xFE0F) continue;
      c = u_tolower(c);
      if (c == 0x451) c = 0x435;
      unit u{c, static_cast<uint32_t>(out.normalized.size()), 0, ob, oe, norm16.length()};
      put_utf8(out.normalized, c);
      u.ne = static_cast<uint32_t>(out.normalized.size());
      for (uint32_t b = u.nb; b < u.ne; ++b) {
        out.orig_begin_of.push_back(ob);
        out.orig_end_of.push_back(oe);
      }
      norm16.append(c);
      units.push_back(u);
    }
    // A segment that normalizes to nothing (a variation selector) belongs to
    // the units before it.
    if (units.size() == units_before && !units.empty() && units.back().oe == ob) {
      for (size_t k = units.size(); k-- > 0 && units[k].oe == ob;) units[k].oe = oe;
      for (size_t k = out.orig_end_of.size(); k-- > 0 && out.orig_end_of[k] == ob;) out.orig_end_of[k] = oe;
    }
    i = j;
  }
  UErrorCode e = U_ZERO_ERROR;
  std::unique_ptr<icu::BreakIterator> graphemes(icu::BreakIterator::createCharacterInstance(icu::Locale::getRoot(), e));
  graphemes->setText(norm16);

  uint32_t pos = 0;
  auto make = [&](size_t b, size_t en, bool emoji) -> ref_token& {
    ref_token t;
    t.text = out.normalized.substr(units[b].nb, units[en - 1].ne - units[b].nb);
    t.orig_begin = units[b].ob;
    t.orig_end = units[en - 1].oe;
    t.original = text.substr(t.orig_begin, t.orig_end - t.orig_begin);
    t.position = pos++;
    t.emoji = emoji;
    out.tokens.push_back(t);
    return out.tokens.back();
  };
  for (size_t k = 0; k < units.size();) {
    UChar32 c = units[k].cp;
    if (word_char(c)) {
      size_t j = k;
      while (j < units.size() && word_char(units[j].cp)) ++j;
      make(k, j, false);
      k = j;
    } else if ((c == '#' || c == '@') && k + 1 < units.size() && word_char(units[k + 1].cp)) {
      size_t end = k + 1;
      while (end < units.size() && (word_char(units[end].cp) || units[end].cp == '_')) ++end;
      bool first = true;
      for (size_t w = k + 1; w < end;) {
        if (units[w].cp == '_') { ++w; continue; }
        size_t j = w;
        while (j < end && units[j].cp != '_') ++j;
        ref_token& t = make(w, j, false);
        if (first) {
          t.tag = out.normalized.substr(units[k].nb, units[end - 1].ne - units[k].nb);
          t.tag_begin = units[k].ob;
          t.tag_end = units[end - 1].oe;
          first = false;
        }
        w = j;
      }
      k = end;
    } else if (emoji_start(c)) {
      int32_t next16 = graphemes->following(units[k].u16);
      size_t j = k + 1;
      while (j < units.size() && units[j].u16 < next16) ++j;
      make(k, j, true);
      k = j;
    } else {
      ++k;
    }
  }
  return out;
}

bool evaluator::term_matches(const std::string& term, bool exact, const ref_token& w) {
  if (exact) return term == w.text;
  return morph_.matches(term, w.text);
}

std::vector<evaluator::span> evaluator::leaf_spans(const query::node& n, int scope) {
  using query::node_kind;
  const std::string label = query::leaf_label(n);
  // A matcher per consecutive token position.
  std::vector<std::function<bool(const ref_token&)>> parts;
  std::vector<ref_token> qtoks;
  switch (n.kind) {
    case node_kind::term:
    case node_kind::phrase:
    case node_kind::proximity_phrase:
      for (auto& t : analyze(n.text).tokens) {
        const bool exact = n.kind != node_kind::term || n.exact || t.emoji;
        parts.push_back([this, t, exact](const ref_token& w) { return term_matches(t.text, exact, w); });
        qtoks.push_back(t);
      }
      break;
    case node_kind::wildcard: {
      // Segments split at characters that are neither token characters nor * ?.
      std::vector<std::string> segments;
      std::string cur;
      icu::UnicodeString u = icu::UnicodeString::fromUTF8(n.text);
      for (int32_t i = 0; i < u.length(); i = u.moveIndex32(i, 1)) {
        UChar32 c = u.char32At(i);
        if (c == '*' || c == '?' || word_char(c)) put_utf8(cur, c);
        else if (!cur.empty()) { segments.push_back(cur); cur.clear(); }
      }
      if (!cur.empty()) segments.push_back(cur);
      for (const auto& seg : segments) {
        if (seg.find_first_of("*?") != std::string::npos) {
          std::string pattern, run;
          for (char c : seg) {
            if (c == '*' || c == '?') { pattern += normalize(run); run.clear(); pattern.push_back(c); }
            else run.push_back(c);
          }
          pattern += normalize(run);
          std::u32string p32 = to_u32(pattern);
          parts.push_back([p32](const ref_token& w) { return glob(p32, 0, to_u32(w.text), 0); });
        } else {
          for (auto& t : analyze(seg).tokens)
            parts.push_back([t](const ref_token& w) { return w.text == t.text; });
        }
      }
      break;
    }
    case node_kind::case_sensitive:
      for (auto& t : analyze(normalize_keep_case(n.text)).tokens)
        parts.push_back([t](const ref_token& w) { return w.text == t.text && normalize_keep_case(w.original) == t.original; });
      break;
    case node_kind::tag: {
      std::string tag = normalize(n.text);
      std::vector<span> spans;
      for (int f = 0; f < 3; ++f) {
        if (!(scope & (1 << f))) continue;
        for (const auto& t : fields_[f].tokens)
          if (!t.tag.empty() && t.tag == tag)
            spans.push_back({f + 1, t.position, t.position, {{f + 1, t.tag_begin, t.tag_end, label}}});
      }
      return spans;
    }
    default:
      return {};
  }
  std::vector<span> spans;
  if (parts.empty()) return spans;
  for (int f = 0; f < 3; ++f) {
    if (!(scope & (1 << f))) continue;
    const auto& toks = fields_[f].tokens;
    if (n.kind == node_kind::proximity_phrase && parts.size() > 1) {
      // Windows [L, R] between word positions holding every word as often as the phrase does.
      std::vector<int> word_of(toks.size(), -1);
      std::vector<std::string> distinct;
      std::vector<int> need;
      for (auto& q : qtoks) {
        auto it = std::find(distinct.begin(), distinct.end(), q.text);
        if (it == distinct.end()) { distinct.push_back(q.text); need.push_back(1); }
        else ++need[it - distinct.begin()];
      }
      for (size_t i = 0; i < toks.size(); ++i)
        for (size_t d = 0; d < distinct.size(); ++d)
          if (toks[i].text == distinct[d]) word_of[i] = static_cast<int>(d);
      for (size_t l = 0; l < toks.size(); ++l) {
        if (word_of[l] < 0) continue;
        for (size_t r = l; r < toks.size() && r - l <= n.distance; ++r) {
          if (word_of[r] < 0) continue;
          std::vector<int> have(distinct.size(), 0);
          span s{f + 1, static_cast<int64_t>(l), static_cast<int64_t>(r), {}};
          for (size_t k = l; k <= r; ++k)
            if (word_of[k] >= 0) {
              ++have[word_of[k]];
              s.hl.push_back({f + 1, toks[k].orig_begin, toks[k].orig_end, label});
            }
          bool full = true;
          for (size_t d = 0; d < distinct.size(); ++d) full = full && have[d] >= need[d];
          if (full) spans.push_back(std::move(s));
        }
      }
      continue;
    }
    for (size_t s = 0; s + parts.size() <= toks.size(); ++s) {
      bool ok = true;
      for (size_t k = 0; k < parts.size() && ok; ++k) ok = parts[k](toks[s + k]);
      if (!ok) continue;
      const size_t e = s + parts.size() - 1;
      spans.push_back({f + 1, static_cast<int64_t>(s), static_cast<int64_t>(e),
                       {{f + 1, toks[s].orig_begin, toks[e].orig_end, label}}});
    }
  }
  return spans;
}

std::vector<ref_highlight> evaluator::all_hl(const value& v) {
  std::vector<ref_highlight> out = v.hl;
  for (const auto& s : v.spans) out.insert(out.end(), s.hl.begin(), s.hl.end());
  return out;
}

bool evaluator::filter_holds(const query::filter_spec& f) {
  using query::filter_field;
  const post& p = *post_;
  const std::string v = normalize(f.value);
  auto eq = [&](const std::string& field) { return normalize(field) == v; };
  switch (f.field) {
    case filter_field::lang: return eq(p.lang);
    case filter_field::source: return eq(p.source);
    case filter_field::type: return eq(p.source_type);
    case filter_field::channel: return eq(p.channel);
    case filter_field::place: return eq(p.place);
    case filter_field::author: return !v.empty() && (eq(p.author.id) || eq(p.author.handle));
    case filter_field::country: return eq(p.author.country);
    case filter_field::city: return eq(p.author.city);
    case filter_field::gender: return eq(p.author.gender);
    case filter_field::url: return !v.empty() && normalize(p.url).find(v) != std::string::npos;
    case filter_field::site: {
      std::string url = normalize(p.url);
      if (auto k = url.find("://"); k != std::string::npos) url = url.substr(k + 3);
      std::string host = url.substr(0, url.find_first_of("/?#"));
      if (auto at = host.rfind('@'); at != std::string::npos) host = host.substr(at + 1);
      if (auto colon = host.rfind(':'); colon != std::string::npos) host = host.substr(0, colon);
      return !v.empty() && (host == v || (host.size() > v.size() && host.ends_with("." + v)));
    }
    case filter_field::followers:
      return p.author.followers && *p.author.followers >= f.lo && *p.author.followers <= f.hi;
    case filter_field::has_image: return p.image_count > 0 || !p.image_text.empty();
    case filter_field::has_link: {
      if (!p.url.empty()) return true;
      for (int fi = 0; fi < 2; ++fi) {
        const std::string& s = fields_[fi].normalized;
        if (s.find("http://") != std::string::npos || s.find("https://") != std::string::npos ||
            s.find("www.") != std::string::npos)
          return true;
      }
      return false;
    }
    case filter_field::is_reply: return !p.parent_id.empty();
    case filter_field::is_repost: return p.is_repost;
    case filter_field::is_own: return mention_ && mention_->own;
    case filter_field::is_wom: return mention_ && mention_->wom;
    case filter_field::is_processed: return mention_ && mention_->processed;
    case filter_field::is_duplicate: return false;  // posts one by one: no stream, so no near-duplicate
    case filter_field::sentiment: return mention_ && v == mood_name(mention_->mood);
    case filter_field::tag:
      if (!mention_ || v.empty()) return false;
      for (const auto& t : mention_->tags) {
        const std::string key = normalize(t);
        if (key == v || key.starts_with(v + "/")) return true;
      }
      return false;
  }
  return false;
}

evaluator::value evaluator::eval(const query::node& n, int scope) {
  using query::node_kind;
  value v;
  switch (n.kind) {
    case node_kind::term:
    case node_kind::phrase:
    case node_kind::proximity_phrase:
    case node_kind::wildcard:
    case node_kind::case_sensitive:
    case node_kind::tag:
      v.spans = leaf_spans(n, scope);
      v.truth = !v.spans.empty();
      return v;
    case node_kind::contains: {
      const std::string needle = normalize(n.text);
      for (int f = 0; f < 3; ++f) {
        if (!(scope & (1 << f)) || needle.empty()) continue;
        const ref_field& fd = fields_[f];
        for (size_t at = fd.normalized.find(needle); at != std::string::npos; at = fd.normalized.find(needle, at + 1))
          v.hl.push_back({f + 1, fd.orig_begin_of[at], fd.orig_end_of[at + needle.size() - 1], query::leaf_label(n)});
      }
      v.truth = !v.hl.empty();
      return v;
    }
    case node_kind::and_: {
      for (const auto& c : n.children) {
        value cv = eval(c, scope);
        if (!cv.truth) return value{};
        auto h = all_hl(cv);
        v.hl.insert(v.hl.end(), h.begin(), h.end());
      }
      v.truth = true;
      return v;
    }
    case node_kind::or_: {
      for (const auto& c : n.children) {
        value cv = eval(c, scope);
        v.spans.insert(v.spans.end(), cv.spans.begin(), cv.spans.end());
        if (cv.truth) {
          v.truth = true;
          v.hl.insert(v.hl.end(), cv.hl.begin(), cv.hl.end());
        }
      }
      return v;
    }
    case node_kind::not_:
      v.truth = !eval(n.children[0], scope).truth;
      return v;
    case node_kind::near: {
      value a = eval(n.children[0], scope), b = eval(n.children[1], scope);
      for (const auto& x : a.spans)
        for (const auto& y : b.spans) {
          if (x.field != y.field) continue;
          bool ok;
          if (n.ordered) {
            ok = y.start - x.end >= 1 && y.start - x.end <= int64_t(n.distance);
          } else {
            const span& first = x.start <= y.start ? x : y;
            const span& second = x.start <= y.start ? y : x;
            ok = std::max<int64_t>(0, second.start - first.end) <= int64_t(n.distance);
          }
          if (!ok) continue;
          span s{x.field, std::min(x.start, y.start), std::max(x.end, y.end), x.hl};
          s.hl.insert(s.hl.end(), y.hl.begin(), y.hl.end());
          v.spans.push_back(std::move(s));
        }
      v.truth = !v.spans.empty();
      return v;
    }
    case node_kind::field_scope: {
      int bit = n.scope == query::field::title ? 1 : n.scope == query::field::text ? 2 : n.scope == query::field::image ? 4 : 7;
      return eval(n.children[0], bit);
    }
    case node_kind::filter:
      v.truth = filter_holds(n.filter);
      return v;
  }
  return v;
}

bool anchored(const query::node& n) {
  using query::node_kind;
  switch (n.kind) {
    case node_kind::not_: return false;
    case node_kind::and_: return std::any_of(n.children.begin(), n.children.end(), anchored);
    case node_kind::or_: return std::all_of(n.children.begin(), n.children.end(), anchored);
    case node_kind::field_scope: return anchored(n.children[0]);
    default: return true;
  }
}

void evaluator::set_post(const post& p) {
  post_ = &p;
  fields_[0] = analyze(p.title);
  fields_[1] = analyze(p.text);
  fields_[2] = analyze(p.image_text);
  model_memo_.reset();
}

std::optional<std::vector<ref_highlight>> evaluator::evaluate(const topic_spec& topic, const query::node* root) {
  const post& p = *post_;
  bool channel_hit = false;
  for (const auto& c : topic.channels) channel_hit = channel_hit || normalize(c) == normalize(p.channel);
  value v;
  if (root) v = eval(*root, 7);
  bool matched;
  if (!root) matched = channel_hit;
  else if (!topic.channels.empty() && !anchored(*root)) matched = channel_hit && v.truth;
  else matched = channel_hit || v.truth;
  if (!matched) return std::nullopt;
  std::vector<ref_highlight> hl;
  if (v.truth) hl = all_hl(v);
  std::sort(hl.begin(), hl.end());
  hl.erase(std::unique(hl.begin(), hl.end()), hl.end());
  return hl;
}

std::vector<std::string> evaluator::tags(const topic_spec& topic, const std::vector<query::node>& tag_roots) {
  std::vector<std::string> out;
  for (size_t i = 0; i < tag_roots.size(); ++i)
    if (eval(tag_roots[i], 7).truth) out.push_back(topic.tags[i].path);
  return out;
}

evaluator::mention_result evaluator::mention(const topic_spec& topic, const std::vector<query::node>& tag_roots,
                                             const std::vector<std::optional<query::node>>& rule_roots,
                                             const rules::sentiment_lexicon& lexicon,
                                             const rules::sentiment_lexicon* tenant_lexicon) {
  const post& p = *post_;
  mention_result r;
  // Own account: id or handle equals an own account, ignoring case and '@'.
  for (const auto& acc : topic.own_accounts)
    for (const std::string* who : {&p.author.id, &p.author.handle})
      if (!who->empty() && !account_key(acc).empty() && account_key(*who) == account_key(acc)) r.own = true;

  // Lexicon: a tenant entry replaces the built-in entries with the same term.
  if (!model_memo_) {
    std::vector<const rules::lexicon_entry*> entries;
    std::set<std::string> overridden;
    if (tenant_lexicon)
      for (const auto& e : tenant_lexicon->entries) {
        entries.push_back(&e);
        overridden.insert(normalize(e.term));
      }
    for (const auto& e : lexicon.entries)
      if (!overridden.count(normalize(e.term))) entries.push_back(&e);
    std::vector<lexicon_hit> hits;
    for (const rules::lexicon_entry* e : entries) {
      auto it = lexicon_terms_.find(e->term);
      if (it == lexicon_terms_.end()) {
        auto parsed = query::parse(e->term, false);
        it = lexicon_terms_.emplace(e->term, parsed.ok() && parsed.root ? std::optional<query::node>(*parsed.root)
                                                                        : std::nullopt).first;
      }
      if (!it->second) continue;
      // An emoji entry: the term is one emoji token (emoji are never negated).
      const ref_field term_tokens = analyze(it->second->text);
      const bool emoji = term_tokens.tokens.size() == 1 && term_tokens.tokens[0].emoji;
      for (const span& sp : leaf_spans(*it->second, 7))
        hits.push_back({sp.field - 1, static_cast<uint32_t>(sp.start), e->role, e->weight, emoji});
    }
    model_memo_ = score_model(std::move(hits));
  }
  const model_sentiment model = *model_memo_;
  r.mood = model.label;
  r.wom = word_of_mouth(r.own, model.ad_marked, p.source_type);

  mention_state st;
  st.own = r.own;
  st.wom = r.wom;
  st.mood = r.mood;
  mention_ = &st;
  for (size_t i = 0; i < tag_roots.size(); ++i)
    if (eval(tag_roots[i], 7).truth) r.tags.push_back(topic.tags[i].path);
  bool priority_set = false;
  for (size_t i = 0; i < topic.rules.size(); ++i) {
    st.tags = r.tags;
    const rule_spec& rule = topic.rules[i];
    if (rule_roots[i] && !eval(*rule_roots[i], 7).truth) continue;
    for (const auto& t : rule.then.add_tags)
      if (std::find(r.tags.begin(), r.tags.end(), t) == r.tags.end()) r.tags.push_back(t);
    if (!rule.then.sentiment.empty()) {
      r.mood = *mood_from_name(rule.then.sentiment);
      st.mood = r.mood;
      r.sentiment_source = "rule:" + rule.name;
    }
    if (rule.then.priority) {
      r.priority = static_cast<float>(*rule.then.priority);
      priority_set = true;
    }
    if (rule.then.processed) r.processed = st.processed = true;
    if (rule.then.drop) {
      r.dropped = true;
      break;
    }
  }
  mention_ = nullptr;
  if (!priority_set)
    r.priority = priority(r.mood, p.author.followers, p.reach, p.source_type, p.author.verified, r.wom);
  return r;
}

}  // namespace sito::reference
