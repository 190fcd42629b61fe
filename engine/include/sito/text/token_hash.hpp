// File: sito/text/token_hash.hpp
//
// The one hash of folded token keys (fold.hpp). The analyzer computes it as
// it closes each token, the term index and every per-thread cache are keyed
// by it, so a token's bytes are hashed once per occurrence and never again.
//
// Why not absl::Hash: Debian's Abseil is built without std::string_view
// support, so absl::Hash<std::string_view> calls libstdc++'s _Hash_bytes
// through the PLT (about 54 instructions per short key, FACTS.md). This is
// the wyhash construction (public domain) for keys of at most 16 bytes —
// two overlapping loads and one 64×64→128 multiply — and a word loop for
// longer keys; it reads only the key's own bytes.
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

/// Hash of a folded token key (any bytes).
inline uint64_t token_hash(std::string_view key) {
  using namespace detail;
  const auto* p = reinterpret_cast<const unsigned char*>(key.data());
  const size_t n = key.size();
  uint64_t seed = hash_s0 ^ hash_s1;
  uint64_t a, b;
  if (n <= 16) {
    if (n >= 4) {
      const size_t k = (n >> 3) << 2;
      a = (hash_r4(p) << 32) | hash_r4(p + k);
      b = (hash_r4(p + n - 4) << 32) | hash_r4(p + n - 4 - k);
    } else if (n > 0) {
      a = (uint64_t(p[0]) << 16) | (uint64_t(p[n >> 1]) << 8) | p[n - 1];
      b = 0;
    } else {
      a = b = 0;
    }
  } else {
    size_t i = n;
    while (i > 16) {
      seed = hash_mum(hash_r8(p) ^ hash_s1, hash_r8(p + 8) ^ seed);
      p += 16;
      i -= 16;
    }
    a = hash_r8(p + i - 16);
    b = hash_r8(p + i - 8);
  }
  return hash_mum(hash_s1 ^ n, hash_mum(a ^ hash_s1, b ^ seed));
}

}  // namespace sito::text
