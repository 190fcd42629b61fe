#include "sito/text/analyzed_text.hpp"

#include <unicode/uchar.h>

#include <cstdlib>
#include <cstring>

#include "sito/base/utf8.hpp"
#include "sito/text/fold.hpp"
#include "sito/text/token_hash.hpp"
#include "text/char_table.hpp"
#include "text/simd_blocks.hpp"

namespace sito::text {
namespace {

inline bool token_char(const detail::char_tables& tab, char32_t cp) {
  if (cp < detail::table_limit) return tab.token_char[cp];
  return is_token_char(cp);
}

inline bool emoji_start(char32_t cp) {
  if (cp < 0xA9) return false;  // nothing below © is pictographic
  return is_emoji_start(cp);
}

inline bool is_extended_pictographic(char32_t cp) {
  return cp >= 0xA9 && u_hasBinaryProperty(static_cast<UChar32>(cp), UCHAR_EXTENDED_PICTOGRAPHIC);
}

inline bool is_regional_indicator(char32_t cp) { return cp >= 0x1F1E6 && cp <= 0x1F1FF; }

/// Grapheme-extending code points inside an emoji cluster (UAX #29 GB9/GB11):
/// combining marks, skin-tone modifiers and tag characters.
inline bool emoji_extend(char32_t cp) {
  if (cp >= 0x1F3FB && cp <= 0x1F3FF) return true;
  if (cp >= 0xE0020 && cp <= 0xE007F) return true;
  if (cp == 0x200C) return true;  // ZWNJ is Grapheme_Cluster_Break=Extend
  return (U_GET_GC_MASK(static_cast<UChar32>(cp)) & U_GC_M_MASK) != 0;
}

}  // namespace

const char* to_string(analyzer_implementation impl) {
  switch (impl) {
    case analyzer_implementation::fast: return "fast";
    case analyzer_implementation::avx2: return "avx2";
    case analyzer_implementation::avx512: return "avx512";
    case analyzer_implementation::general: return "general";
  }
  return "?";
}

bool supported_by_runtime_system(analyzer_implementation impl) {
  switch (impl) {
    case analyzer_implementation::avx2: return detail::cpu_has_avx2();
    case analyzer_implementation::avx512: return detail::cpu_has_avx512();
    default: return true;
  }
}

analyzer_implementation default_analyzer_implementation() {
  static const analyzer_implementation chosen = [] {
    const analyzer_implementation best = detail::cpu_has_avx512() ? analyzer_implementation::avx512
                                         : detail::cpu_has_avx2()   ? analyzer_implementation::avx2
                                                                    : analyzer_implementation::fast;
    const char* forced = std::getenv("SITO_FORCE_IMPLEMENTATION");
    if (!forced) return best;
    for (auto impl : all_analyzer_implementations)
      if (std::string_view(forced) == to_string(impl) && supported_by_runtime_system(impl)) return impl;
    return best;
  }();
  return chosen;
}

analyzer::analyzer() : analyzer(default_analyzer_implementation()) {}

analyzer::analyzer(analyzer_implementation impl)
    : impl_(supported_by_runtime_system(impl) ? impl : analyzer_implementation::fast) {
  (void)detail::tables();
}

status analyzer::analyze(std::string_view s, analyzed_text& out, bool with_byte_map) {
  out.clear();
  if (s.empty()) return ok_status();  // most posts have no title and no image text
  const auto& tab = detail::tables();
  if (impl_ == analyzer_implementation::general) {
    out.folded.reserve(s.size() + 8);
    uint32_t next_position = 0;
    return analyze_general(s, 0, s.size(), out, with_byte_map, next_position);
  }
  const bool* lead_ok = tab.lead_starts_segment;
  const auto* bytes = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  // SIMD blocks (not with the byte map, which contains: highlights build per
  // field on demand); Cyrillic letters are simple only if their leads never
  // combine with what precedes them.
  const bool wide = impl_ == analyzer_implementation::avx512;
  const bool blocks = (wide || impl_ == analyzer_implementation::avx2) && !with_byte_map && lead_ok[0xD0] &&
                      lead_ok[0xD1];

  // Fast path: code points that are their own normalization segment and map
  // to one code point from the tables, and common punctuation; tokens are
  // emitted as they close; #tags and @mentions made of such code points.
  // Anything else (an emoji, a combining sequence, an NFKC expansion, other
  // scripts, a tag with any of those) hands one blank-delimited stretch,
  // from the start of the current token, to analyze_general(), and the fast
  // path resumes after it.
  //
  // The folded text is written through a raw index `fw` into out.folded,
  // kept larger than needed (resized to fw at the end and around the
  // general path), so a byte costs a store, not a push_back.
  size_t fw = 0;
  // Slack for a block's full-width store (64 bytes) past the last folded byte.
  constexpr size_t slack = 72;
  out.folded.resize(n + slack);
  char* F = out.folded.data();
  auto ensure = [&](size_t more) {
    if (fw + more > out.folded.size()) {
      out.folded.resize(2 * out.folded.size() + more);
      F = out.folded.data();
    }
  };
  auto put_cp = [&](char32_t c) {
    ensure(fold_escape_size);
    fw += fold_encode(c, F + fw);
  };
  // Whether the code point at byte `at` starts a new normalization segment,
  // that is, cannot attach to the one before it (always true below U+0300).
  auto starts_segment = [&](size_t at) {
    if (at >= n || bytes[at] < 0xCC || lead_ok[bytes[at]]) return true;
    size_t p2 = at;
    char32_t next;
    return utf8::decode(s, p2, next) &&
           (next < detail::table_limit ? tab.boundary_before[next] : detail::has_boundary_before(next));
  };
  auto map_bytes = [&](size_t from, size_t b, size_t e) {
    if (!with_byte_map) return;
    out.orig_begin_of.insert(out.orig_begin_of.end(), fw - from, uint32_t(b));
    out.orig_end_of.insert(out.orig_end_of.end(), fw - from, uint32_t(e));
  };
  detail::token_cursor cur;  // shared with the block step
  uint32_t& position = cur.position;
  bool& in_token = cur.in_token;
  uint32_t& tok_fold = cur.tok_fold;
  uint32_t& tok_orig = cur.tok_orig;
  size_t i = 0;
  // Ends the open token at original byte `orig_end`, folded byte `fold_end`.
  auto emit_token = [&](size_t orig_end, size_t fold_end) {
    token t;
    t.fold_begin = tok_fold;
    t.fold_end = static_cast<uint32_t>(fold_end);
    t.orig_begin = tok_orig;
    t.orig_end = static_cast<uint32_t>(orig_end);
    t.position = position++;
    t.hash = token_hash_within(F + tok_fold, fold_end - tok_fold, F + out.folded.size());
    out.tokens.push_back(t);
    in_token = false;
  };
  // Ends the current token (if any) at original byte `orig_end`.
  auto close_token = [&](size_t orig_end) {
    if (in_token) emit_token(orig_end, fw);
  };
  auto open_token = [&](size_t orig_begin) {
    if (in_token) return;
    in_token = true;
    tok_fold = static_cast<uint32_t>(fw);
    tok_orig = static_cast<uint32_t>(orig_begin);
  };
  // Hands one segment to the general path: from the start of the current
  // token (or `at`) up to the next ASCII blank that nothing can attach to
  // (a blank ends every token, #tag body and emoji cluster, and a byte
  // below 0xCC after it starts a new normalization segment), then resumes
  // the fast path there.
  auto fallback = [&](size_t at) -> status {
    const size_t restart = in_token ? tok_orig : at;
    if (in_token) {
      fw = tok_fold;
      if (with_byte_map) {
        out.orig_begin_of.resize(tok_fold);
        out.orig_end_of.resize(tok_fold);
      }
      in_token = false;
    }
    size_t end = at + 1;
    while (end < n && !((bytes[end] == ' ' || bytes[end] == '\n' || bytes[end] == '\t') &&
                        (end + 1 == n || bytes[end + 1] < 0xCC)))
      ++end;
    out.folded.resize(fw);
    SITO_RETURN_IF_ERROR(analyze_general(s, restart, end, out, with_byte_map, position));
    fw = out.folded.size();
    out.folded.resize(fw + (n - end) + slack);
    F = out.folded.data();
    i = end;
    return ok_status();
  };
  // The code point at byte `at` through its fast entry: its kind (0 when it
  // has none) and where the next one starts.
  auto fast_at = [&](size_t at, size_t& next) -> detail::fast_entry {
    const unsigned char b = bytes[at];
    if (b < 0x80) {
      next = at + 1;
      return tab.fast[b];
    }
    if (b >= 0xC2 && b < 0xE0 && at + 1 < n && (bytes[at + 1] & 0xC0) == 0x80) {
      next = at + 2;
      return tab.fast[(char32_t(b & 0x1F) << 6) | (bytes[at + 1] & 0x3F)];
    }
    next = at;
    return {};
  };
  // A tag body from byte `from` (just after the sigil): token characters and
  // `_`, starting with a token character. Returns where it ends (`from`
  // when there is no body: the sigil separates), or 0 when the fast
  // entries cannot tell (a code point without one, or one its successor
  // attaches to).
  auto fast_tag_body_end = [&](size_t from) -> size_t {
    size_t at = from;
    while (at < n) {
      size_t next;
      const detail::fast_entry fe = fast_at(at, next);
      const bool underscore = fe.kind == 2 && fe.byte == '_';
      if (fe.kind == 1 || (underscore && at != from)) {
        if (!starts_segment(next)) return 0;
        at = next;
        continue;
      }
      // Ends the body only if it is certainly no token character.
      return fe.kind == 2 || bytes[at] == '#' || bytes[at] == '@' ? at : 0;
    }
    return at;
  };
  // Emits the tag whose sigil is at byte `at` and whose body ends at
  // `body_end` (fast_tag_body_end): the sigil, then the body's words split
  // at `_`, the first of them carrying the whole tag.
  auto emit_fast_tag = [&](size_t at, size_t body_end) {
    close_token(at);
    ensure(body_end - at + 1);
    const auto tag_fold = static_cast<uint32_t>(fw);
    F[fw++] = static_cast<char>(bytes[at]);
    map_bytes(tag_fold, at, at + 1);
    const size_t first_token = out.tokens.size();
    for (size_t p = at + 1; p < body_end;) {
      size_t next;
      const detail::fast_entry fe = fast_at(p, next);
      if (fe.kind == 1)
        open_token(p);
      else
        close_token(p);
      const size_t before = fw;
      F[fw++] = static_cast<char>(fe.byte);
      map_bytes(before, p, next);
      p = next;
    }
    close_token(body_end);
    token& t = out.tokens[first_token];
    t.has_tag = true;
    t.tag_fold_begin = tag_fold;
    t.tag_fold_end = static_cast<uint32_t>(fw);
    t.tag_orig_begin = static_cast<uint32_t>(at);
    t.tag_orig_end = static_cast<uint32_t>(body_end);
    t.tag_hash = token_hash(std::string_view(F + tag_fold, fw - tag_fold));
  };
  while (i < n) {
    // A block of 64 (AVX-512) or 32 (AVX2) bytes at a time: its simple
    // prefix (simd_blocks.hpp) is folded in SIMD, and its tokens come from
    // bit masks.
    if (blocks) {
      detail::block_result r;
      size_t avail;
      ensure(64);
      if (wide) {
        avail = n - i < 64 ? n - i : 64;
        r = detail::fold_block_avx512(bytes + i, avail, F + fw);
      } else {
        // Near the end of the field the block is read from a zero-padded copy.
        const unsigned char* src = bytes + i;
        alignas(32) unsigned char tail[32];
        avail = 32;
        if (i + 32 > n) {
          avail = n - i;
          std::memset(tail, 0, sizeof tail);
          std::memcpy(tail, bytes + i, avail);
          src = tail;
        }
        r = detail::fold_block_avx2(src, F + fw);
      }
      uint32_t take = r.simple < avail ? r.simple : static_cast<uint32_t>(avail);
      // The last code point taken must not attach to the byte after it.
      // (It is two bytes long when the byte before its last is a Cyrillic
      // lead, the only byte a block drops.)
      if (take > 0 && !starts_segment(i + take)) take -= (take >= 2 && !(r.keep >> (take - 2) & 1)) ? 2 : 1;
      if (take > 0) {
        fw += detail::emit_block_tokens(r, take, i, fw, std::string_view(F, out.folded.size()), cur, out.tokens);
        i += take;
        continue;
      }
    }
    // The common case, tight: ASCII or a two-byte code point with a fast
    // entry, whose successor cannot attach to it. (fast_at() and the tag
    // step's write spelled out: routing all three through one helper cost
    // 2-5% more instructions at 1k topics, callgrind, as the compiler lays
    // out this loop worse.)
    {
      const unsigned char b0 = bytes[i];
      size_t next;
      detail::fast_entry fe;
      if (b0 < 0x80) {
        fe = tab.fast[b0];
        next = i + 1;
      } else if (b0 >= 0xC2 && b0 < 0xE0 && i + 1 < n && (bytes[i + 1] & 0xC0) == 0x80) {
        fe = tab.fast[(char32_t(b0 & 0x1F) << 6) | (bytes[i + 1] & 0x3F)];
        next = i + 2;
      } else {
        fe.kind = 0;
        next = i;
      }
      if (fe.kind != 0 && starts_segment(next)) {
        if (fe.kind == 1)
          open_token(i);
        else
          close_token(i);
        if (fw >= out.folded.size()) ensure(1);
        F[fw++] = static_cast<char>(fe.byte);
        if (with_byte_map) {
          out.orig_begin_of.push_back(static_cast<uint32_t>(i));
          out.orig_end_of.push_back(static_cast<uint32_t>(next));
        }
        i = next;
        continue;
      }
    }
    // A #tag or @mention whose every code point has a fast entry: emitted
    // here as the general path would (its words, the first carrying the
    // whole tag); anything less certain goes to the general path below.
    if ((bytes[i] == '#' || bytes[i] == '@') && starts_segment(i + 1)) {
      const size_t body_end = fast_tag_body_end(i + 1);
      if (body_end == i + 1) {  // no token character after the sigil: a separator
        close_token(i);
        ensure(1);
        const size_t before = fw;
        F[fw++] = static_cast<char>(bytes[i]);
        map_bytes(before, i, i + 1);
        ++i;
        continue;
      }
      if (body_end != 0) {
        emit_fast_tag(i, body_end);
        i = body_end;
        continue;
      }
    }
    // Everything else, one code point at a time.
    const size_t cp_begin = i;
    const unsigned char b0 = bytes[i];
    char32_t cp;
    if (b0 < 0x80) {
      cp = b0;
      ++i;
    } else if (b0 >= 0xC2 && b0 < 0xE0 && i + 1 < n && (bytes[i + 1] & 0xC0) == 0x80) {
      cp = (char32_t(b0 & 0x1F) << 6) | (bytes[i + 1] & 0x3F);
      i += 2;
    } else if (b0 == 0xE2 && i + 2 < n && bytes[i + 1] >= 0x80 && bytes[i + 1] <= 0x81 &&
               (bytes[i + 2] & 0xC0) == 0x80) {
      cp = (char32_t(b0 & 0x0F) << 12) | (char32_t(bytes[i + 1] & 0x3F) << 6) | (bytes[i + 2] & 0x3F);
      i += 3;  // U+2000..U+207F: general punctuation
    } else {
      SITO_RETURN_IF_ERROR(fallback(cp_begin));
      continue;
    }
    if (!starts_segment(i)) {
      SITO_RETURN_IF_ERROR(fallback(cp_begin));
      continue;
    }
    // (A code point with a fast entry was taken above.)
    const detail::mapped_cp* m;
    if (cp < detail::table_limit) {
      m = &tab.mapped[cp];
    } else if (cp >= detail::punct_first && cp < detail::punct_first + detail::punct_count &&
               tab.punct_simple[cp - detail::punct_first]) {
      m = &tab.punct_mapped[cp - detail::punct_first];
    } else {
      SITO_RETURN_IF_ERROR(fallback(cp_begin));
      continue;
    }
    if (m->count == 1 && m->out[0] < detail::table_limit && tab.token_char[m->out[0]]) {
      open_token(cp_begin);
      const size_t before = fw;
      put_cp(m->out[0]);
      map_bytes(before, cp_begin, i);
      continue;
    }
    // A separator: only plain ones here (no sigils, no emoji, nothing
    // dropped); punctuation-table entries were checked above.
    if (cp < detail::table_limit && !tab.simple_separator[cp]) {
      SITO_RETURN_IF_ERROR(fallback(cp_begin));
      continue;
    }
    close_token(cp_begin);
    for (uint8_t k = 0; k < m->count; ++k) {
      const size_t before = fw;
      put_cp(m->out[k]);
      map_bytes(before, cp_begin, i);
    }
  }
  close_token(n);
  out.folded.resize(fw);
  return ok_status();
}

status analyzer::analyze_general(std::string_view s, size_t start, size_t end, analyzed_text& out,
                                 bool with_byte_map, uint32_t& next_position) {
  units_.clear();
  const auto& tab = detail::tables();

  // Pass 1: decode, split into normalization segments, normalize and fold
  // each. Code points below U+0800 whose successor starts a new segment (the
  // common case for Latin and Cyrillic) come straight from the tables.
  std::u32string& segment_out = segment_out_;
  const auto* bytes = reinterpret_cast<const unsigned char*>(s.data());
  size_t i = start;
  const size_t n = end;
  char32_t seg_buf[32];
  auto push_unit = [&](char32_t c, uint32_t b, uint32_t e) {
    const auto fold_begin = static_cast<uint32_t>(out.folded.size());
    fold_append(out.folded, c);
    units_.push_back({c, b, e, fold_begin});
    if (with_byte_map) {
      const size_t added = out.folded.size() - fold_begin;
      out.orig_begin_of.insert(out.orig_begin_of.end(), added, b);
      out.orig_end_of.insert(out.orig_end_of.end(), added, e);
    }
  };
  auto extend_last = [&](uint32_t e) {
    const uint32_t old_end = units_.back().orig_end;
    for (size_t k = units_.size(); k-- > 0 && units_[k].orig_end == old_end;) units_[k].orig_end = e;
    if (with_byte_map)
      for (size_t k = out.orig_end_of.size(); k-- > 0 && out.orig_end_of[k] == old_end;) out.orig_end_of[k] = e;
  };
  while (i < n) {
    const size_t seg_begin = i;
    char32_t cp;
    const unsigned char b0 = bytes[i];
    if (b0 < 0x80) {
      cp = b0;
      ++i;
    } else if (b0 >= 0xC2 && b0 < 0xE0 && i + 1 < n && (bytes[i + 1] & 0xC0) == 0x80) {
      cp = (char32_t(b0 & 0x1F) << 6) | (bytes[i + 1] & 0x3F);
      i += 2;
    } else if (!utf8::decode(s, i, cp)) {
      return invalid_argument("invalid UTF-8 at byte " + std::to_string(i));
    }
    // Does the segment continue past this code point? Only a code point at
    // or above U+0300 (lead byte >= 0xCC) can lack a boundary before it.
    bool continues = false;
    if (i < n && bytes[i] >= 0xCC) {
      size_t p2 = i;
      char32_t next;
      if (utf8::decode(s, p2, next))
        continues = next < detail::table_limit ? !tab.boundary_before[next] : !detail::has_boundary_before(next);
    }
    if (!continues) {
      const auto b = static_cast<uint32_t>(seg_begin), e = static_cast<uint32_t>(i);
      if (cp < detail::table_limit) {
        const detail::mapped_cp& m = tab.mapped[cp];
        for (uint8_t k = 0; k < m.count; ++k) push_unit(m.out[k], b, e);
      } else {
        segment_out.clear();
        detail::normalize_segment(&cp, 1, segment_out);
        for (char32_t c : segment_out) push_unit(c, b, e);
        // A dropped code point (a variation selector) still belongs to the
        // text before it: ❤️ highlights both of its code points.
        if (segment_out.empty() && !units_.empty() && units_.back().orig_end == b) extend_last(e);
      }
      continue;
    }
    // Slow path: a starter followed by non-starters (e.g. е + U+0308).
    size_t count = 0;
    seg_buf[count++] = cp;
    while (i < n) {
      size_t p2 = i;
      char32_t c2;
      if (!utf8::decode(s, p2, c2)) break;  // reported on the next iteration
      if (detail::has_boundary_before(c2) || count == std::size(seg_buf)) break;
      seg_buf[count++] = c2;
      i = p2;
    }
    segment_out.clear();
    detail::normalize_segment(seg_buf, count, segment_out);
    for (char32_t c : segment_out) push_unit(c, static_cast<uint32_t>(seg_begin), static_cast<uint32_t>(i));
  }
  const size_t nu = units_.size();
  const auto folded_size = static_cast<uint32_t>(out.folded.size());
  auto fold_off = [&](size_t k) { return k < nu ? units_[k].fold_begin : folded_size; };

  // Pass 3: tokens.
  uint32_t& position = next_position;
  auto emit = [&](size_t b, size_t e, bool emoji) -> token& {
    token t;
    t.fold_begin = fold_off(b);
    t.fold_end = fold_off(e);
    t.orig_begin = units_[b].orig_begin;
    t.orig_end = units_[e - 1].orig_end;
    t.position = position++;
    t.is_emoji = emoji;
    t.hash = token_hash(std::string_view(out.folded).substr(t.fold_begin, t.fold_end - t.fold_begin));
    out.tokens.push_back(t);
    return out.tokens.back();
  };
  size_t k = 0;
  while (k < nu) {
    const char32_t cp = units_[k].cp;
    if (token_char(tab, cp)) {
      size_t j = k + 1;
      while (j < nu && token_char(tab, units_[j].cp)) ++j;
      emit(k, j, false);
      k = j;
    } else if ((cp == '#' || cp == '@') && k + 1 < nu && token_char(tab, units_[k + 1].cp)) {
      size_t body_end = k + 1;
      while (body_end < nu && (token_char(tab, units_[body_end].cp) || units_[body_end].cp == '_')) ++body_end;
      bool first = true;
      size_t w = k + 1;
      while (w < body_end) {
        if (units_[w].cp == '_') { ++w; continue; }
        size_t j = w + 1;
        while (j < body_end && units_[j].cp != '_') ++j;
        token& t = emit(w, j, false);
        if (first) {
          t.has_tag = true;
          t.tag_fold_begin = fold_off(k);
          t.tag_fold_end = fold_off(body_end);
          t.tag_orig_begin = units_[k].orig_begin;
          t.tag_orig_end = units_[body_end - 1].orig_end;
          t.tag_hash = token_hash(std::string_view(out.folded).substr(t.tag_fold_begin, t.tag_fold_end - t.tag_fold_begin));
          first = false;
        }
        w = j;
      }
      k = body_end;
    } else if (emoji_start(cp)) {
      size_t j = k + 1;
      if (is_regional_indicator(cp)) {
        if (j < nu && is_regional_indicator(units_[j].cp)) ++j;
      } else {
        // UAX #29: Extend and ZWJ continue the cluster (GB9); a ZWJ followed
        // by a pictographic joins it (GB11).
        while (j < nu && (emoji_extend(units_[j].cp) || units_[j].cp == 0x200D)) {
          const bool zwj = units_[j].cp == 0x200D;
          ++j;
          if (zwj && j < nu && is_extended_pictographic(units_[j].cp)) ++j;
        }
      }
      emit(k, j, true);
      k = j;
    } else {
      ++k;
    }
  }
  return ok_status();
}

std::vector<term_token> tokenize_term(std::string_view utf8_text) {
  std::string repaired;
  if (utf8::find_invalid(utf8_text) != std::string_view::npos) {
    size_t i = 0;
    while (i < utf8_text.size()) {
      char32_t cp;
      if (!utf8::decode(utf8_text, i, cp)) { cp = 0xFFFD; ++i; }
      utf8::append(repaired, cp);
    }
    utf8_text = repaired;
  }
  analyzer a;
  analyzed_text t;
  std::vector<term_token> out;
  if (!a.analyze(utf8_text, t).ok()) return out;
  for (const token& tok : t.tokens) {
    out.push_back({unfold(t.key(tok)),
                   std::string(utf8_text.substr(tok.orig_begin, tok.orig_end - tok.orig_begin)),
                   tok.is_emoji});
  }
  return out;
}

}  // namespace sito::text
