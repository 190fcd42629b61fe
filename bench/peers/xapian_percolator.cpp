// File: bench/peers/xapian_percolator.cpp
#include "peers/xapian_percolator.hpp"

#include <xapian.h>

#include <algorithm>
#include <optional>
#include <set>
#include <utility>

#include "sito/morph/morphology.hpp"
#include "sito/query/parser.hpp"
#include "sito/text/analyzed_text.hpp"
#include "sito/text/fold.hpp"

namespace sito::bench {

namespace {

constexpr Xapian::valueno followers_slot = 0;
constexpr Xapian::termpos field_gap = 64;  // NEAR windows never span title and text

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

/// A metadata term: "K<field>:<value>", the value compared case-insensitively.
std::string meta(std::string_view field, std::string_view value) {
  std::string v;
  bool ascii = true;
  for (unsigned char c : value) ascii = ascii && c < 0x80;
  v = ascii ? lower_ascii(value) : text::normalize(value);
  std::string t = "K";
  t.append(field);
  t.push_back(':');
  return t + v;
}

std::string host_of(std::string_view url) {
  auto p = url.find("://");
  if (p == std::string_view::npos) return {};
  url.remove_prefix(p + 3);
  return lower_ascii(url.substr(0, url.find_first_of("/:?#")));
}

bool has_link(const post& p) {
  if (!p.url.empty()) return true;
  for (const std::string* f : {&p.title, &p.text})
    if (f->find("http://") != std::string::npos || f->find("https://") != std::string::npos ||
        f->find("www.") != std::string::npos)
      return true;
  return false;
}

}  // namespace

struct xapian_percolator::impl {
  std::shared_ptr<const morph::morphology> morphology = morph::morphology::default_instance();
  morph::stemmer stem;
  text::analyzer analyzer;
  text::analyzed_text analyzed;
  std::unordered_map<std::string, std::string> stem_cache;  ///< folded token → "Z"+stem or ""
  std::string scratch;

  struct topic_query {
    Xapian::Query strict;
    Xapian::Query relaxed;  ///< NEARs as ANDs: used if Xapian rejects `strict`
    bool use_relaxed = false;
    bool counted_relaxed = false;  ///< already in translation_stats::relaxed
  };
  std::vector<std::optional<topic_query>> queries;

  // Per-topic flags set while translating.
  bool relaxed_flag = false;
  bool unsupported_flag = false;

  // ---- translation -------------------------------------------------------

  Xapian::Query term_query(const std::string& token, bool exact) {
    if (exact) return Xapian::Query(text::fold(token));
    auto e = morphology->expansion(token, stem);
    std::vector<std::string> terms;
    for (auto& f : e.exact_forms) terms.push_back(text::fold(f));
    for (auto& s : e.stems) terms.push_back("Z" + s);
    if (terms.empty()) terms.push_back(text::fold(token));
    return Xapian::Query(Xapian::Query::OP_OR, terms.begin(), terms.end());
  }

  /// A term's tokens: one token → its query; several (интернет-магазин) → a phrase.
  Xapian::Query multi(const std::vector<Xapian::Query>& parts) {
    if (parts.size() == 1) return parts[0];
    return Xapian::Query(Xapian::Query::OP_PHRASE, parts.begin(), parts.end(), Xapian::termcount(parts.size()));
  }

  Xapian::Query wildcard(const std::string& pattern) {
    const std::string norm = text::normalize(pattern);
    const auto first = norm.find_first_of("*?");
    if (first != norm.size() - 1 || norm[first] != '*') relaxed_flag = true;  // only trailing * is exact
    return Xapian::Query(Xapian::Query::OP_WILDCARD, text::fold(norm.substr(0, first)));
  }

  /// The query of a positional leaf or an OR of them; nullopt otherwise
  /// (what Xapian accepts inside NEAR/PHRASE: terms, ORs of terms).
  std::optional<Xapian::Query> positional(const query::node& n) {
    using query::node_kind;
    switch (n.kind) {
      case node_kind::term: {
        auto toks = text::tokenize_term(n.text);
        if (toks.size() != 1) return std::nullopt;
        return term_query(toks[0].text, n.exact || toks[0].is_emoji);
      }
      case node_kind::tag: return Xapian::Query(text::fold(text::normalize(n.text)));
      case node_kind::case_sensitive: {
        auto toks = text::tokenize_term(n.text);
        if (toks.size() != 1) return std::nullopt;
        return Xapian::Query("C" + text::normalize_keep_case(toks[0].original));
      }
      case node_kind::wildcard: return wildcard(n.text);
      case node_kind::or_: {
        std::vector<Xapian::Query> parts;
        for (auto& c : n.children) {
          auto q = positional(c);
          if (!q) return std::nullopt;
          parts.push_back(std::move(*q));
        }
        return Xapian::Query(Xapian::Query::OP_OR, parts.begin(), parts.end());
      }
      default: return std::nullopt;
    }
  }

  /// What a NEAR operand matches at one position, for the overlap of the two
  /// operands (one token matching both: a gap of 0, which Xapian's NEAR, whose
  /// subqueries must sit at distinct positions, never finds). An index term
  /// with the terms every position holding it also holds (a key: its stem; a
  /// #tag or {Case} term: its token's key and that key's stem), or a wildcard
  /// prefix, which matches keys.
  struct atom {
    enum kind_t : uint8_t { key_atom, stem_atom, tag_atom, case_atom, prefix_atom } kind;
    std::string term;                  ///< the index term; for a prefix, the folded prefix
    std::string key;                   ///< the folded key at the term's position (key, tag, cased)
    std::vector<std::string> implied;  ///< term, then the terms always at the same position
  };

  atom keyed(atom::kind_t kind, std::string term, std::string key, bool emoji) {
    atom a{kind, std::move(term), std::move(key), {}};
    a.implied.push_back(a.term);
    if (kind != atom::key_atom) a.implied.push_back(a.key);
    if (!emoji)
      if (std::string z = stem_term(a.key); !z.empty()) a.implied.push_back(std::move(z));
    return a;
  }

  /// The atoms of a positional leaf or an OR of them, as positional()
  /// translates them; false for anything else.
  bool atoms(const query::node& n, std::vector<atom>& out) {
    using query::node_kind;
    switch (n.kind) {
      case node_kind::term: {
        auto toks = text::tokenize_term(n.text);
        if (toks.size() != 1) return false;
        if (n.exact || toks[0].is_emoji) {
          out.push_back(keyed(atom::key_atom, text::fold(toks[0].text), text::fold(toks[0].text), toks[0].is_emoji));
          return true;
        }
        auto e = morphology->expansion(toks[0].text, stem);
        for (auto& f : e.exact_forms) out.push_back(keyed(atom::key_atom, text::fold(f), text::fold(f), false));
        for (auto& st : e.stems) out.push_back(atom{atom::stem_atom, "Z" + st, {}, {"Z" + st}});
        if (e.exact_forms.empty() && e.stems.empty())
          out.push_back(keyed(atom::key_atom, text::fold(toks[0].text), text::fold(toks[0].text), false));
        return true;
      }
      case node_kind::tag: {  // the tag rides on the first token of its body
        if (!analyzer.analyze(n.text, analyzed).ok() || analyzed.tokens.empty() || !analyzed.tokens[0].has_tag)
          return false;
        out.push_back(keyed(atom::tag_atom, text::fold(text::normalize(n.text)),
                            std::string(analyzed.key(analyzed.tokens[0])), false));
        return true;
      }
      case node_kind::case_sensitive: {
        auto toks = text::tokenize_term(n.text);
        if (toks.size() != 1) return false;
        out.push_back(keyed(atom::case_atom, "C" + text::normalize_keep_case(toks[0].original),
                            text::fold(toks[0].text), toks[0].is_emoji));
        return true;
      }
      case node_kind::wildcard: {
        const std::string norm = text::normalize(n.text);
        out.push_back(atom{atom::prefix_atom, text::fold(norm.substr(0, norm.find_first_of("*?"))), {}, {}});
        return true;
      }
      case node_kind::or_:
        for (auto& c : n.children)
          if (!atoms(c, out)) return false;
        return true;
      default: return false;
    }
  }

  /// The first code point of UTF-8 text (empty for empty text).
  static std::string_view first_code_point(std::string_view s) {
    if (s.empty()) return s;
    const auto c = static_cast<unsigned char>(s[0]);
    return s.substr(0, c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4);
  }

  /// The positions where one token matches both NEAR operands `a` and `b`:
  /// an OR of the index terms whose every occurrence is such a position.
  /// Two pairs of atoms can share a position without one implying the other:
  /// a wildcard and a stem (a key with the prefix and the stem), a {Case}
  /// term and a #tag on the same key; those are AND'ed over the whole post,
  /// a relaxation. nullopt when no token can match both.
  std::optional<Xapian::Query> overlap(const std::vector<atom>& a, const std::vector<atom>& b) {
    std::set<std::string> terms;
    std::vector<Xapian::Query> parts;
    auto covered = [](const atom& x, const std::vector<atom>& other) {
      for (auto& y : other) {
        if (y.kind == atom::prefix_atom ? !x.key.empty() && x.key.starts_with(y.term)
                                        : std::find(x.implied.begin(), x.implied.end(), y.term) != x.implied.end())
          return true;
      }
      return false;
    };
    for (auto [from, other] : {std::pair{&a, &b}, std::pair{&b, &a}})
      for (auto& x : *from)
        if (x.kind != atom::prefix_atom && covered(x, *other)) terms.insert(x.term);
    for (auto& x : a)
      for (auto& y : b) {
        const atom *p = &x, *q = &y;
        if (q->kind == atom::prefix_atom && p->kind != atom::prefix_atom) std::swap(p, q);
        if (p->kind == atom::prefix_atom && q->kind == atom::prefix_atom) {
          const std::string& longer = p->term.size() >= q->term.size() ? p->term : q->term;
          const std::string& shorter = p->term.size() >= q->term.size() ? q->term : p->term;
          if (longer.starts_with(shorter)) parts.emplace_back(Xapian::Query::OP_WILDCARD, longer);
        } else if (p->kind == atom::prefix_atom && q->kind == atom::stem_atom) {
          // Snowball's Russian and English stemmers rewrite only word
          // endings: a stem keeps its word's first letter.
          const std::string prefix = text::unfold(p->term);
          if (first_code_point(prefix) == first_code_point(std::string_view(q->term).substr(1))) {
            parts.emplace_back(Xapian::Query::OP_AND, Xapian::Query(Xapian::Query::OP_WILDCARD, p->term),
                               Xapian::Query(q->term));
            relaxed_flag = true;
          }
        } else if (x.key == y.key && ((x.kind == atom::case_atom && y.kind == atom::tag_atom) ||
                                      (x.kind == atom::tag_atom && y.kind == atom::case_atom))) {
          parts.emplace_back(Xapian::Query::OP_AND, Xapian::Query(x.term), Xapian::Query(y.term));
          relaxed_flag = true;
        }
      }
    for (auto& t : terms) parts.emplace_back(t);
    if (parts.empty()) return std::nullopt;
    return Xapian::Query(Xapian::Query::OP_OR, parts.begin(), parts.end());
  }

  Xapian::Query filter(const query::filter_spec& f) {
    using query::filter_field;
    switch (f.field) {
      case filter_field::followers:
        return Xapian::Query(Xapian::Query::OP_VALUE_RANGE, followers_slot, Xapian::sortable_serialise(double(f.lo)),
                             Xapian::sortable_serialise(double(f.hi)));
      case filter_field::has_image: return Xapian::Query("Khas:image");
      case filter_field::has_link: return Xapian::Query("Khas:link");
      case filter_field::is_reply: return Xapian::Query("Kis:reply");
      case filter_field::is_repost: return Xapian::Query("Kis:repost");
      case filter_field::url:  // a substring of the URL: not an inverted-index operation
        unsupported_flag = true;
        return Xapian::Query::MatchNothing;
      default: return Xapian::Query(meta(query::to_string(f.field), f.value));
    }
  }

  Xapian::Query translate(const query::node& n, bool relax) {
    using query::node_kind;
    switch (n.kind) {
      case node_kind::term:
      case node_kind::case_sensitive: {
        auto toks = text::tokenize_term(n.text);
        std::vector<Xapian::Query> parts;
        for (auto& t : toks)
          parts.push_back(n.kind == node_kind::case_sensitive
                              ? Xapian::Query("C" + text::normalize_keep_case(t.original))
                              : term_query(t.text, n.exact || t.is_emoji));
        if (parts.empty()) return Xapian::Query::MatchNothing;
        return multi(parts);
      }
      case node_kind::phrase:
      case node_kind::proximity_phrase: {
        std::vector<Xapian::Query> parts;
        for (auto& t : text::tokenize_term(n.text)) parts.push_back(Xapian::Query(text::fold(t.text)));
        if (parts.size() <= 1) return parts.empty() ? Xapian::Query::MatchNothing : parts[0];
        if (n.kind == node_kind::phrase)
          return Xapian::Query(Xapian::Query::OP_PHRASE, parts.begin(), parts.end(), Xapian::termcount(parts.size()));
        return Xapian::Query(Xapian::Query::OP_NEAR, parts.begin(), parts.end(), n.distance + 1);
      }
      case node_kind::wildcard: return wildcard(n.text);
      case node_kind::tag: return Xapian::Query(text::fold(text::normalize(n.text)));
      case node_kind::contains:
        unsupported_flag = true;
        return Xapian::Query::MatchNothing;
      case node_kind::filter: return filter(n.filter);
      case node_kind::field_scope:
        if (n.scope != query::field::any) relaxed_flag = true;
        return translate(n.children[0], relax);
      case node_kind::not_:
        return Xapian::Query(Xapian::Query::OP_AND_NOT, Xapian::Query::MatchAll, translate(n.children[0], relax));
      case node_kind::or_: {
        std::vector<Xapian::Query> parts;
        for (auto& c : n.children) parts.push_back(translate(c, relax));
        return Xapian::Query(Xapian::Query::OP_OR, parts.begin(), parts.end());
      }
      case node_kind::and_: {
        std::vector<Xapian::Query> pos, neg;
        for (auto& c : n.children) {
          if (c.kind == node_kind::not_) neg.push_back(translate(c.children[0], relax));
          else pos.push_back(translate(c, relax));
        }
        Xapian::Query q = pos.empty() ? Xapian::Query::MatchAll
                                      : Xapian::Query(Xapian::Query::OP_AND, pos.begin(), pos.end());
        if (!neg.empty())
          q = Xapian::Query(Xapian::Query::OP_AND_NOT, q, Xapian::Query(Xapian::Query::OP_OR, neg.begin(), neg.end()));
        return q;
      }
      case node_kind::near: {
        if (!relax) {
          auto a = positional(n.children[0]), b = positional(n.children[1]);
          std::optional<Xapian::Query> q;
          if (a && b) {
            Xapian::Query parts[] = {*a, *b};
            try {
              q.emplace(n.ordered ? Xapian::Query::OP_PHRASE : Xapian::Query::OP_NEAR, std::begin(parts),
                        std::end(parts), n.distance + 1);
            } catch (const Xapian::UnimplementedError&) {
              // Xapian 1.4 refuses a bare wildcard operand as the query is built: relaxed below.
            }
          }
          if (q) {
            if (n.ordered) return *q;  // ONEAR: b after a, never the same token
            // An unordered NEAR also holds where one token matches both
            // operands (overlapping spans, gap 0: DESIGN §3).
            std::vector<atom> atoms_a, atoms_b;
            if (!atoms(n.children[0], atoms_a) || !atoms(n.children[1], atoms_b)) {
              relaxed_flag = true;  // cannot tell: both anywhere in the post
              return Xapian::Query(Xapian::Query::OP_OR, *q, Xapian::Query(Xapian::Query::OP_AND, *a, *b));
            }
            if (auto same = overlap(atoms_a, atoms_b)) return Xapian::Query(Xapian::Query::OP_OR, *q, *same);
            return *q;
          }
        }
        relaxed_flag = true;
        return Xapian::Query(Xapian::Query::OP_AND, translate(n.children[0], relax), translate(n.children[1], relax));
      }
    }
    return Xapian::Query::MatchNothing;
  }

  // ---- indexing ----------------------------------------------------------

  const std::string& stem_term(std::string_view key) {
    scratch.assign(key);
    auto it = stem_cache.find(scratch);
    if (it != stem_cache.end()) return it->second;
    if (stem_cache.size() > (1u << 18)) stem_cache.clear();  // bounded, like the engine's token cache
    std::string s, out;
    if (stem.stem(text::unfold(key), s)) out = "Z" + s;
    return stem_cache.emplace(scratch, std::move(out)).first->second;
  }

  /// Indexes one field from position base+1 on; returns the positions it used.
  Xapian::termpos index_field(Xapian::Document& doc, const std::string& field, Xapian::termpos base) {
    if (field.empty() || !analyzer.analyze(field, analyzed).ok()) return 0;
    for (auto& tok : analyzed.tokens) {
      const Xapian::termpos pos = base + tok.position + 1;
      const std::string_view key = analyzed.key(tok);
      doc.add_posting(std::string(key), pos);
      if (!tok.is_emoji) {
        const std::string& z = stem_term(key);
        if (!z.empty()) doc.add_posting(z, pos);
      }
      doc.add_posting("C" + field.substr(tok.orig_begin, tok.orig_end - tok.orig_begin), pos);
      if (tok.has_tag) doc.add_posting(std::string(analyzed.tag_key(tok)), pos);
    }
    return Xapian::termpos(analyzed.tokens.size());
  }

  Xapian::Document document(const post& p) {
    Xapian::Document doc;
    const Xapian::termpos title_positions = index_field(doc, p.title, 0);
    index_field(doc, p.text, title_positions + field_gap);
    auto add = [&](std::string_view f, const std::string& v) {
      if (!v.empty()) doc.add_boolean_term(meta(f, v));
    };
    add("lang", p.lang);
    add("source", p.source);
    add("type", p.source_type);
    add("channel", p.channel);
    add("place", p.place);
    add("author", p.author.id);
    add("author", p.author.handle);
    add("country", p.author.country);
    add("city", p.author.city);
    add("gender", p.author.gender);
    for (std::string host = host_of(p.url); !host.empty();) {
      add("site", host);
      auto dot = host.find('.');
      host = dot == std::string::npos ? std::string() : host.substr(dot + 1);
    }
    if (p.image_count > 0) doc.add_boolean_term("Khas:image");
    if (has_link(p)) doc.add_boolean_term("Khas:link");
    if (!p.parent_id.empty()) doc.add_boolean_term("Kis:reply");
    if (p.is_repost) doc.add_boolean_term("Kis:repost");
    if (p.author.followers) doc.add_value(followers_slot, Xapian::sortable_serialise(double(*p.author.followers)));
    return doc;
  }
};

xapian_percolator::xapian_percolator(std::span<const topic_spec> topics) : impl_(std::make_unique<impl>()) {
  for (const auto& t : topics) {
    impl_->relaxed_flag = impl_->unsupported_flag = false;
    std::optional<Xapian::Query> q;
    std::optional<Xapian::Query> relaxed;
    if (!t.query.empty()) {
      auto parsed = query::parse(t.query, !t.channels.empty());
      if (!parsed.ok()) {
        ++stats_.failed;
        impl_->queries.emplace_back();
        continue;
      }
      q = impl_->translate(*parsed.root, false);
      const bool strict_relaxed = impl_->relaxed_flag;
      relaxed = impl_->translate(*parsed.root, true);
      impl_->relaxed_flag = strict_relaxed;
      if (!t.channels.empty()) {
        std::vector<Xapian::Query> ch;
        for (auto& c : t.channels) ch.emplace_back(meta("channel", c));
        Xapian::Query cq(Xapian::Query::OP_OR, ch.begin(), ch.end());
        const auto op = query::is_anchored(*parsed.root) ? Xapian::Query::OP_OR : Xapian::Query::OP_AND;
        q = Xapian::Query(op, cq, *q);
        relaxed = Xapian::Query(op, cq, *relaxed);
      }
    } else {
      std::vector<Xapian::Query> ch;
      for (auto& c : t.channels) ch.emplace_back(meta("channel", c));
      q = relaxed = Xapian::Query(Xapian::Query::OP_OR, ch.begin(), ch.end());
    }
    ++stats_.topics;
    stats_.relaxed += impl_->relaxed_flag;
    stats_.unsupported += impl_->unsupported_flag;
    impl_->queries.push_back(impl::topic_query{*q, *relaxed, false, impl_->relaxed_flag});
  }
}

xapian_percolator::~xapian_percolator() = default;

void xapian_percolator::percolate(std::span<const post> posts, std::vector<hit>& hits) {
  hits.clear();
  Xapian::WritableDatabase db(std::string(), Xapian::DB_BACKEND_INMEMORY);
  for (const auto& p : posts) db.add_document(impl_->document(p));
  db.commit();
  Xapian::Enquire enquire(db);
  enquire.set_weighting_scheme(Xapian::BoolWeight());
  enquire.set_docid_order(Xapian::Enquire::ASCENDING);
  const auto n = Xapian::doccount(posts.size());
  for (uint32_t t = 0; t < impl_->queries.size(); ++t) {
    auto& tq = impl_->queries[t];
    if (!tq) continue;
    Xapian::MSet mset;
    try {
      enquire.set_query(tq->use_relaxed ? tq->relaxed : tq->strict);
      mset = enquire.get_mset(0, n);
    } catch (const Xapian::UnimplementedError&) {  // a construct Xapian 1.4 refuses inside NEAR/PHRASE
      tq->use_relaxed = true;
      if (!tq->counted_relaxed) ++stats_.relaxed;
      tq->counted_relaxed = true;
      enquire.set_query(tq->relaxed);
      mset = enquire.get_mset(0, n);
    }
    for (auto it = mset.begin(); it != mset.end(); ++it) hits.push_back({uint32_t(*it - 1), t});
  }
  std::sort(hits.begin(), hits.end());
}

}  // namespace sito::bench
