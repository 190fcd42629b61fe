// File: sito/text/token_hash.hpp
//
// The one hash of folded token keys (fold.hpp). The analyzer computes it as
// it closes each token, the term index and every per-thread cache are keyed
// by it, so a token's bytes are hashed once per occurrence and never again.
//
// Why not absl::Hash: Debian's Abseil is built without std::string_view
// support, so absl::Hash<std::string_view> calls libstdc++'s _Hash_bytes
// through the PLT (about 54 instructions per short key, FACTS.md). This is
// the wyhash construction (public domain): a key of at most 16 bytes is
// two zero-padded 8-byte words and the length, mixed by two 64×64→128
// multiplies; longer keys go through a word loop. token_hash() reads only
// the key's own bytes; token_hash_within() may read up to 16 bytes from the
// key's start where its buffer allows, and gives the same value without a
// branch on the length.
//
// The value is stable within a process and across processes of one build;
// it is not a persistent format.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace sito::text {

namespace detail {
__extension__ typedef unsigned __int128 hash_u128;
inline uint64_t hash_mum(uint64_t a, uint64_t b) {
  const hash_u128 r = static_cast<hash_u128>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}
inline uint64_t hash_r8(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline uint64_t hash_r4(const unsigned char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline constexpr uint64_t hash_s0 = 0xa0761d6478bd642full, hash_s1 = 0xe7037ed1a0b428dbull,
                          hash_s2 = 0x8ebc6af09c88c6e3ull;
}  // namespace detail

namespace detail {
/// Masks that keep the first n bytes of two little-endian 8-byte words.
struct short_key_masks {
  uint64_t m[17][2];
  constexpr short_key_masks() : m() {
    for (unsigned n = 0; n <= 16; ++n) {
      m[n][0] = n >= 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * n)) - 1;
      m[n][1] = n >= 16 ? ~uint64_t{0} : n <= 8 ? 0 : (uint64_t{1} << (8 * (n - 8))) - 1;
    }
  }
};
inline constexpr short_key_masks short_masks{};

/// A key of n <= 16 bytes as two zero-padded words.
inline uint64_t hash_short(uint64_t w0, uint64_t w1, size_t n) {
  return hash_mum(hash_s1 ^ n, hash_mum(w0 ^ hash_s1, w1 ^ hash_s0 ^ hash_s1));
}
}  // namespace detail

/// Hash of a folded token key (any bytes).
inline uint64_t token_hash(std::string_view key) {
  using namespace detail;
  const auto* p = reinterpret_cast<const unsigned char*>(key.data());
  const size_t n = key.size();
  if (n <= 16) {
    unsigned char padded[16] = {};
    if (n) std::memcpy(padded, p, n);
    return hash_short(hash_r8(padded), hash_r8(padded + 8), n);
  }
  uint64_t seed = hash_s0 ^ hash_s1;
  size_t i = n;
  while (i > 16) {
    seed = hash_mum(hash_r8(p) ^ hash_s1, hash_r8(p + 8) ^ seed);
    p += 16;
    i -= 16;
  }
  const uint64_t a = hash_r8(p + i - 16), b = hash_r8(p + i - 8);
  return hash_mum(hash_s1 ^ n, hash_mum(a ^ hash_s1, b ^ seed));
}

/// token_hash() of the key [p, p + n) inside a buffer readable up to
/// `readable_end`: where 16 bytes are readable from p (what follows the key
/// is ignored), a key of up to 16 bytes costs two loads and a mask from a
/// table, with no branch on its length; otherwise it is token_hash(). The
/// analyzer's fast path, which keeps slack after the folded text, uses it.
inline uint64_t token_hash_within(const char* p, size_t n, const char* readable_end) {
  using namespace detail;
  if (n > 16 || readable_end - p < 16) return token_hash(std::string_view(p, n));
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return hash_short(hash_r8(u) & short_masks.m[n][0], hash_r8(u + 8) & short_masks.m[n][1], n);
}

}  // namespace sito::text
