// Normalization primitives: the ICU-backed tables and segment normalizer.
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf16.h>

#include <mutex>

#include "sito/base/utf8.hpp"
#include "sito/text/analyzed_text.hpp"
#include "sito/text/fold.hpp"
#include "text/char_table.hpp"

namespace sito::text {
namespace detail {
namespace {

const icu::Normalizer2& nfkc() {
  static const icu::Normalizer2* instance = [] {
    UErrorCode err = U_ZERO_ERROR;
    const icu::Normalizer2* n = icu::Normalizer2::getNFKCInstance(err);
    if (U_FAILURE(err) || n == nullptr) std::abort();  // ICU data is part of libicu: cannot happen
    return n;
  }();
  return *instance;
}

bool is_variation_selector(char32_t cp) { return cp == 0xFE0E || cp == 0xFE0F; }

char32_t lower_one(char32_t cp) {
  char32_t l = static_cast<char32_t>(u_tolower(static_cast<UChar32>(cp)));
  return l == 0x451 ? 0x435 : l;  // ё → е
}

/// `cp` normalizes to `out`, which is non-empty and holds no token
/// character, no hashtag sigil and nothing pictographic.
bool plain_separator(char32_t cp, const std::u32string& out) {
  if (out.empty() || is_emoji_start(cp)) return false;
  for (char32_t c : out)
    if (is_token_char(c) || c == '#' || c == '@' || is_emoji_start(c)) return false;
  return true;
}

char_tables* build_tables() {
  auto* t = new char_tables();
  for (char32_t cp = 0; cp < table_limit; ++cp) {
    t->boundary_before[cp] = nfkc().hasBoundaryBefore(static_cast<UChar32>(cp));
    // The analyzer's fast path relies on every code point below U+0300
    // starting a segment (lead bytes below 0xCC).
    if (cp < 0x300 && !t->boundary_before[cp]) std::abort();
    t->token_char[cp] = (cp < 0xD800) && is_token_char(cp);
    std::u32string out;
    normalize_segment(&cp, 1, out);
    mapped_cp& m = t->mapped[cp];
    if (out.size() > std::size(m.out)) std::abort();  // NFKC expansions below U+0800 are short
    m.count = static_cast<uint8_t>(out.size());
    for (size_t k = 0; k < out.size(); ++k) m.out[k] = out[k];
    t->simple_separator[cp] = plain_separator(cp, out);
    if (out.size() == 1) {
      std::string folded;
      fold_append(folded, out[0]);
      const bool token = out[0] < table_limit && is_token_char(out[0]) && !is_emoji_start(cp);
      if (folded.size() == 1 && (token || t->simple_separator[cp])) {
        t->fast[cp].kind = token ? 1 : 2;
        t->fast[cp].byte = static_cast<uint8_t>(folded[0]);
      }
    }
  }
  // The SIMD block step (simd_blocks.hpp) classifies ASCII without the
  // table: letters and digits are tokens, `#` and `@` (no fast entry: the
  // analyzer's tag step takes them) end a block, everything else is a
  // separator folded to itself.
  for (char32_t cp = 0; cp < 0x80; ++cp) {
    const bool alnum = (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9');
    const uint8_t kind = alnum ? 1 : (cp == '#' || cp == '@') ? 0 : 2;
    const char32_t lower = (cp >= 'A' && cp <= 'Z') ? cp + 0x20 : cp;
    if (t->fast[cp].kind != kind || (kind != 0 && t->fast[cp].byte != lower)) std::abort();
  }
  for (unsigned lead = 0; lead < 256; ++lead) {
    bool all = lead >= 0xCC && lead < 0xE0;
    for (unsigned cont = 0x80; all && cont < 0xC0; ++cont)
      all = t->boundary_before[(char32_t(lead & 0x1F) << 6) | (cont & 0x3F)];
    t->lead_starts_segment[lead] = all;
  }
  for (char32_t k = 0; k < punct_count; ++k) {
    const char32_t cp = punct_first + k;
    std::u32string out;
    normalize_segment(&cp, 1, out);
    mapped_cp& m = t->punct_mapped[k];
    if (out.size() > std::size(m.out)) continue;  // stays off the fast path
    m.count = static_cast<uint8_t>(out.size());
    for (size_t j = 0; j < out.size(); ++j) m.out[j] = out[j];
    t->punct_simple[k] = nfkc().hasBoundaryBefore(static_cast<UChar32>(cp)) && plain_separator(cp, out);
  }
  return t;
}

}  // namespace

const char_tables& tables() {
  static const char_tables* instance = build_tables();
  return *instance;
}

bool has_boundary_before(char32_t cp) {
  if (cp < table_limit) return tables().boundary_before[cp];
  return nfkc().hasBoundaryBefore(static_cast<UChar32>(cp));
}

void normalize_segment(const char32_t* cps, size_t n, std::u32string& out) {
  if (n == 1 && cps[0] >= table_limit && nfkc().isInert(static_cast<UChar32>(cps[0]))) {
    if (!is_variation_selector(cps[0])) out.push_back(lower_one(cps[0]));
    return;
  }
  icu::UnicodeString src;
  for (size_t k = 0; k < n; ++k) src.append(static_cast<UChar32>(cps[k]));
  UErrorCode err = U_ZERO_ERROR;
  icu::UnicodeString dst = nfkc().normalize(src, err);
  if (U_FAILURE(err)) dst = src;
  for (int32_t k = 0; k < dst.length();) {
    UChar32 c = dst.char32At(k);
    k += U16_LENGTH(c);
    if (is_variation_selector(static_cast<char32_t>(c))) continue;
    out.push_back(lower_one(static_cast<char32_t>(c)));
  }
}

}  // namespace detail

bool is_token_char(char32_t cp) {
  constexpr uint32_t mask = U_GC_L_MASK | U_GC_M_MASK | U_GC_ND_MASK;
  return (U_GET_GC_MASK(static_cast<UChar32>(cp)) & mask) != 0;
}

bool is_emoji_start(char32_t cp) {
  return u_hasBinaryProperty(static_cast<UChar32>(cp), UCHAR_EXTENDED_PICTOGRAPHIC) ||
         u_hasBinaryProperty(static_cast<UChar32>(cp), UCHAR_REGIONAL_INDICATOR);
}

std::string normalize(std::string_view utf8) {
  std::u32string cps, seg, out;
  size_t i = 0;
  while (i < utf8.size()) {
    char32_t cp;
    if (!utf8::decode(utf8, i, cp)) { cp = 0xFFFD; ++i; }
    cps.push_back(cp);
  }
  for (size_t k = 0; k < cps.size();) {
    size_t j = k + 1;
    while (j < cps.size() && !detail::has_boundary_before(cps[j])) ++j;
    detail::normalize_segment(cps.data() + k, j - k, out);
    k = j;
  }
  std::string result;
  for (char32_t c : out) utf8::append(result, c);
  return result;
}

std::string normalize_keep_case(std::string_view utf8) {
  icu::UnicodeString src = icu::UnicodeString::fromUTF8(icu::StringPiece(utf8.data(), int32_t(utf8.size())));
  UErrorCode err = U_ZERO_ERROR;
  icu::UnicodeString dst = detail::nfkc().normalize(src, err);
  if (U_FAILURE(err)) dst = src;
  icu::UnicodeString filtered;
  for (int32_t k = 0; k < dst.length();) {
    UChar32 c = dst.char32At(k);
    k += U16_LENGTH(c);
    if (c != 0xFE0E && c != 0xFE0F) filtered.append(c);
  }
  std::string out;
  filtered.toUTF8String(out);
  return out;
}

}  // namespace sito::text
