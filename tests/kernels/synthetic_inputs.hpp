// File: tests/kernels/synthetic_inputs.hpp
//
// Inputs for the GPU tests and embed_bench that need nothing but the C++
// library: prepared embedding batches of Russian words (without the
// analyzer, which needs ICU), random bigram sets, and synthetic pages of
// text-like strokes (without ImageMagick). The standalone GPU build
// (kernels/standalone) compiles them on a machine without Debian's
// libraries.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "sito/base/utf8.hpp"
#include "sito/enrich/embedding.hpp"
#include "sito/enrich/image.hpp"

namespace sito::kernels::testing {

/// Normalized (lower-case, ё → е) words of customer posts.
inline const std::vector<std::string_view>& vocabulary() {
  static const std::vector<std::string_view> words = {
      "курьер", "опоздал", "на", "два", "часа", "заказ", "привезли", "с", "опозданием", "доставка", "быстрая",
      "вовремя", "спасибо", "магазин", "качество", "ткани", "плохое", "отличное", "платье", "размер", "не",
      "подошел", "возврат", "денег", "оформила", "жду", "уже", "неделю", "поддержка", "не", "отвечает",
      "оператор", "грубый", "хамство", "приложение", "вылетает", "после", "обновления", "не", "могу", "войти",
      "цена", "выросла", "дорого", "скидка", "промокод", "не", "работает", "розыгрыш", "iphone", "15",
      "подпишись", "сделай", "репост", "победитель", "подарок", "конкурс", "банк", "карта", "заблокировали",
      "перевод", "деньги", "списали", "дважды", "кэшбэк", "начислили", "цветы", "букет", "свежие", "завяли",
      "доставили", "раньше", "курьера", "вежливый", "упаковка", "порвана", "товар", "бракованный", "обмен",
      "пункт", "выдачи", "очередь", "огромная", "сотрудники", "приятные", "рекомендую", "никогда", "больше",
      "закажу", "ужасный", "сервис", "лучший", "отзыв", "звонил", "трижды", "ответа", "нет", "чат", "бот",
      "бесполезный", "такси", "водитель", "машина", "грязная", "отменил", "поездку", "самокат", "аренда",
      "тариф", "связь", "интернет", "пропал", "роуминг", "счет", "квартира", "ремонт", "мастер", "пришел",
      "сломал", "кран", "гарантия", "чек", "кассир", "ошибся", "сдачу", "молоко", "просроченное", "полке"};
  return words;
}

/// Appends `words` to `batch` as one segment (the format text_preparer makes).
inline void add_words(enrich::prepared_batch& batch, const std::vector<std::string_view>& words) {
  std::vector<uint32_t> cps;
  for (std::string_view w : words) {
    cps.push_back(enrich::embedding_math::word_open);
    size_t i = 0;
    char32_t cp = 0;
    while (i < w.size() && utf8::decode(w, i, cp)) cps.push_back(static_cast<uint32_t>(cp));
    cps.push_back(enrich::embedding_math::word_close);
    cps.push_back(enrich::embedding_math::word_separator);
  }
  batch.add_segment(cps);
}

/// `posts` posts of 1–6 sentences of 4–14 words (about 50 words a post,
/// like the bench's firehose), and every 50th post without a segment.
inline enrich::prepared_batch random_posts(size_t posts, uint32_t seed) {
  std::mt19937 rng(seed);
  const auto& v = vocabulary();
  enrich::prepared_batch b;
  for (size_t p = 0; p < posts; ++p) {
    if (p % 50 != 49) {
      const int sentences = 1 + static_cast<int>(rng() % 6);
      for (int s = 0; s < sentences; ++s) {
        std::vector<std::string_view> words(4 + rng() % 11);
        for (auto& w : words) w = v[rng() % v.size()];
        add_words(b, words);
      }
    }
    b.end_text();
  }
  return b;
}

/// `n` phrases of 2–6 words, one segment each (tag examples).
inline enrich::prepared_batch random_phrases(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  const auto& v = vocabulary();
  enrich::prepared_batch b;
  for (size_t i = 0; i < n; ++i) {
    std::vector<std::string_view> words(2 + rng() % 5);
    for (auto& w : words) w = v[rng() % v.size()];
    add_words(b, words);
    b.end_text();
  }
  return b;
}

/// `sets` sorted distinct bigram sets of 0–120 hashes, concatenated.
inline void random_bigram_sets(size_t sets, uint32_t seed, std::vector<uint64_t>& bigrams,
                               std::vector<uint32_t>& offsets) {
  std::mt19937_64 rng(seed);
  bigrams.clear();
  offsets.assign(1, 0);
  for (size_t s = 0; s < sets; ++s) {
    const size_t n = s % 97 == 0 ? 0 : rng() % 121;
    std::vector<uint64_t> set(n);
    for (auto& x : set) x = rng();
    std::sort(set.begin(), set.end());
    bigrams.insert(bigrams.end(), set.begin(), set.end());
    offsets.push_back(static_cast<uint32_t>(bigrams.size()));
  }
}

enum class page_style { light, dark, rgba };

/// A page of `lines` rows of glyph-like strokes, rotated by `degrees`
/// (so deskew runs), dark on light, light on dark, or RGBA over a
/// transparent ground. x-height about `x_height` px.
inline enrich::image synthetic_page(uint32_t width, uint32_t height, int lines, int x_height, float degrees,
                                    page_style style, uint32_t seed) {
  std::mt19937 rng(seed);
  enrich::image img;
  img.width = width;
  img.height = height;
  img.channels = style == page_style::rgba ? 4 : 3;
  img.pixels.assign(static_cast<size_t>(width) * height * img.channels, 0);
  const float rad = degrees * 3.14159265f / 180.0f, c = std::cos(rad), s = std::sin(rad);
  // Ink mask in page coordinates: strokes (glyph stems) along text lines.
  std::vector<uint8_t> ink(static_cast<size_t>(width) * height, 0);
  const int line_pitch = static_cast<int>(height) / (lines + 1);
  const int pen = x_height / 6 > 2 ? x_height / 6 : 2;  // stroke width grows with the type
  for (int l = 1; l <= lines; ++l) {
    const int base = l * line_pitch;
    for (int x = static_cast<int>(width) / 12; x < static_cast<int>(width) * 11 / 12;) {
      const int glyph = x_height / 2 + static_cast<int>(rng() % (x_height / 2 + 1));
      const bool tall = rng() % 4 == 0;
      for (int gx = x; gx < x + glyph && gx < static_cast<int>(width); ++gx)
        for (int gy = base - (tall ? x_height * 3 / 2 : x_height); gy < base; ++gy) {
          const bool stroke = (gx - x) < pen || (gx - x) >= glyph - pen || gy < base - x_height + pen || gy >= base - pen;
          if (!stroke) continue;
          // rotate about the centre
          const float dx = gx - width / 2.0f, dy = gy - height / 2.0f;
          const int rx = static_cast<int>(width / 2.0f + dx * c - dy * s);
          const int ry = static_cast<int>(height / 2.0f + dx * s + dy * c);
          if (rx >= 0 && ry >= 0 && rx < static_cast<int>(width) && ry < static_cast<int>(height))
            ink[static_cast<size_t>(ry) * width + rx] = 1;
        }
      x += glyph + 3 + static_cast<int>(rng() % 4) + (rng() % 6 == 0 ? x_height : 0);
    }
  }
  for (size_t i = 0; i < ink.size(); ++i) {
    const uint8_t noise = static_cast<uint8_t>(rng() % 24);
    uint8_t* px = img.pixels.data() + i * img.channels;
    switch (style) {
      case page_style::light: {
        const uint8_t v = ink[i] ? 20 + noise : 235 - noise;
        px[0] = v;
        px[1] = static_cast<uint8_t>(v - (v > 10 ? 10 : 0));
        px[2] = v;
        break;
      }
      case page_style::dark: {
        const uint8_t v = ink[i] ? 230 - noise : 25 + noise;
        px[0] = px[1] = px[2] = v;
        break;
      }
      case page_style::rgba:
        px[0] = px[1] = px[2] = 10;
        px[3] = ink[i] ? 255 : noise;  // ink opaque, ground transparent (reads as white)
        break;
    }
  }
  return img;
}

}  // namespace sito::kernels::testing
