// The embedding lane's text side: a post's words (the near-duplicate
// shingler's: no emoji, no links) cut into sentence segments, as code points
// in embedding_math.hpp's format (sito/enrich/embedding.hpp).
#include <string>
#include <vector>

#include "sito/base/utf8.hpp"
#include "sito/dedup/shingles.hpp"
#include "sito/enrich/embedding.hpp"
#include "sito/text/fold.hpp"

namespace sito::enrich {

namespace {

/// Whether the source bytes between two tokens end a sentence.
bool ends_sentence(std::string_view gap) {
  for (size_t i = 0; i < gap.size(); ++i) {
    const char c = gap[i];
    if (c == '.' || c == '!' || c == '?' || c == '\n' || c == ';') return true;
    if (gap.compare(i, 3, "\xE2\x80\xA6") == 0) return true;  // …
  }
  return false;
}

}  // namespace

struct text_preparer::impl {
  segment_options options;
  dedup::shingler shingler;
  /// Each kept word's bracketed code points, one after another: word w is
  /// word_cps[word_end[w - 1], word_end[w]) (from 0 for the first).
  std::vector<uint32_t> word_cps;
  std::vector<uint32_t> word_end;
  std::vector<size_t> sentence_start;        ///< word indices where a sentence starts
  std::vector<std::pair<size_t, size_t>> segments;  ///< word ranges
  std::vector<uint32_t> cps;
  std::string normalized;  ///< one word's text, reused

  size_t words() const { return word_end.size(); }
  std::span<const uint32_t> word(size_t w) const {
    const uint32_t b = w == 0 ? 0 : word_end[w - 1];
    return std::span<const uint32_t>(word_cps).subspan(b, word_end[w] - b);
  }

  status analyze(std::string_view utf8) {
    SITO_RETURN_IF_ERROR(shingler.analyze_kept(utf8));
    const text::analyzed_text& a = shingler.analyzed();
    word_cps.clear();
    word_end.clear();
    sentence_start.clear();
    bool pending = true;
    size_t next_kept = 0;
    bool prev_in_link = false;
    for (size_t i = 0; i < a.tokens.size(); ++i) {
      const bool in_link = shingler.in_link(i);
      if (i > 0 && !in_link && !prev_in_link &&
          ends_sentence(utf8.substr(a.tokens[i - 1].orig_end, a.tokens[i].orig_begin - a.tokens[i - 1].orig_end)))
        pending = true;
      prev_in_link = in_link;
      if (next_kept >= shingler.kept().size() || shingler.kept()[next_kept] != i) continue;
      ++next_kept;
      const size_t open = word_cps.size();
      word_cps.push_back(embedding_math::word_open);
      text::unfold(a.key(a.tokens[i]), normalized);
      size_t at = 0;
      char32_t cp = 0;
      while (at < normalized.size() && utf8::decode(normalized, at, cp))
        if (cp != embedding_math::word_open && cp != embedding_math::word_close && cp != embedding_math::word_separator)
          word_cps.push_back(static_cast<uint32_t>(cp));
      if (word_cps.size() == open + 1) {
        word_cps.resize(open);
        continue;
      }
      word_cps.push_back(embedding_math::word_close);
      if (pending) sentence_start.push_back(words());
      pending = false;
      word_end.push_back(static_cast<uint32_t>(word_cps.size()));
    }
    return ok_status();
  }

  /// Cuts words into segments (word ranges), per segment_options.
  void cut(bool whole) {
    segments.clear();
    if (words() == 0) return;
    if (whole) {
      segments.emplace_back(0, words());
      return;
    }
    size_t begin = 0;
    for (size_t s = 0; s < sentence_start.size(); ++s) {
      const size_t end = s + 1 < sentence_start.size() ? sentence_start[s + 1] : words();
      for (size_t w = sentence_start[s]; w < end; ++w)
        if (w + 1 - begin == options.max_segment_words) {
          segments.emplace_back(begin, w + 1);
          begin = w + 1;
        }
      if (end - begin >= options.min_segment_words) {
        segments.emplace_back(begin, end);
        begin = end;
      }
    }
    if (begin < words()) {
      if (!segments.empty() && segments.back().second - segments.back().first + (words() - begin) <=
                                   options.max_segment_words)
        segments.back().second = words();
      else
        segments.emplace_back(begin, words());
    }
    if (segments.size() > options.max_segments_per_post) {
      segments.resize(options.max_segments_per_post);
      segments.back().second = words();
    }
  }

  void emit(prepared_batch& out) {
    for (const auto& [b, e] : segments) {
      cps.clear();
      for (size_t w = b; w < e; ++w) {
        const auto cw = word(w);
        cps.insert(cps.end(), cw.begin(), cw.end());
        cps.push_back(embedding_math::word_separator);
      }
      out.add_segment(cps);
    }
    out.end_text();
  }
};

text_preparer::text_preparer() : text_preparer(segment_options{}) {}
text_preparer::text_preparer(segment_options options) : impl_(std::make_unique<impl>()) {
  impl_->options = options;
  if (impl_->options.min_segment_words == 0) impl_->options.min_segment_words = 1;
  if (impl_->options.max_segment_words < impl_->options.min_segment_words)
    impl_->options.max_segment_words = impl_->options.min_segment_words;
  if (impl_->options.max_segments_per_post == 0) impl_->options.max_segments_per_post = 1;
}
text_preparer::~text_preparer() = default;
text_preparer::text_preparer(text_preparer&&) noexcept = default;
text_preparer& text_preparer::operator=(text_preparer&&) noexcept = default;

status text_preparer::add_post(std::string_view utf8, prepared_batch& out) {
  SITO_RETURN_IF_ERROR(impl_->analyze(utf8));
  impl_->cut(false);
  impl_->emit(out);
  return ok_status();
}

status text_preparer::add_phrase(std::string_view utf8, prepared_batch& out) {
  SITO_RETURN_IF_ERROR(impl_->analyze(utf8));
  impl_->cut(true);
  if (impl_->segments.empty()) out.add_segment({});  // a phrase is always one segment (the zero vector)
  impl_->emit(out);
  return ok_status();
}

result<std::vector<std::string>> text_preparer::segments_of(std::string_view utf8) {
  SITO_RETURN_IF_ERROR(impl_->analyze(utf8));
  impl_->cut(false);
  std::vector<std::string> out;
  for (const auto& [b, e] : impl_->segments) {
    std::string s;
    for (size_t w = b; w < e; ++w) {
      if (w > b) s += ' ';
      const auto cw = impl_->word(w);
      for (size_t i = 1; i + 1 < cw.size(); ++i) utf8::append(s, static_cast<char32_t>(cw[i]));
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace sito::enrich
