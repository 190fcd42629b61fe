// Private: SIMD folding of letter runs, for the analyzer's fast path.
//
// A run is a stretch of code points that fold to one byte each and whose
// successors cannot attach to them (text/analyzed_text.cpp): Cyrillic
// letters А–я, Ё, ё (two bytes each) or ASCII letters and digits. Each
// function folds the run at `p` except its last code point (whose successor
// lies outside what it looked at, so the scalar path decides about it) and
// returns how many input bytes it consumed and output bytes it wrote
// (both 0 when the run is shorter than two code points).
//
// Preconditions: 32 bytes readable at `p`, 32 bytes writable at `out`, the
// CPU has AVX2 (cpu_has_avx2()).
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>

namespace sito::text::detail {

struct run_result {
  uint32_t in_bytes = 0;
  uint32_t out_bytes = 0;
};

bool cpu_has_avx2();
run_result fold_cyrillic_run_avx2(const unsigned char* p, char* out);
run_result fold_ascii_run_avx2(const unsigned char* p, char* out);

}  // namespace sito::text::detail
