// MinHash signatures and LSH bands (sito/dedup/minhash.hpp).
#include "sito/dedup/minhash.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace sito::dedup {
namespace {

std::vector<uint64_t> random_set(std::mt19937_64& rng, size_t n) {
  std::vector<uint64_t> v(n);
  for (auto& x : v) x = rng();
  return v;
}

TEST(MinHash, SimdPathsAgree) {
  std::mt19937_64 rng(1);
  int paths_run = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const auto set = random_set(rng, trial % 70);
    minhash_signature ref, got;
    ASSERT_TRUE(detail::compute_minhash_path(0, set, ref));
    for (int path = 1; path <= 2; ++path) {
      if (!detail::compute_minhash_path(path, set, got)) continue;
      ++paths_run;
      ASSERT_EQ(got, ref) << "path " << path << " set size " << set.size();
    }
    compute_minhash(set, got);
    ASSERT_EQ(got, ref);
  }
  std::printf("wider paths compared: %d runs\n", paths_run);
}

TEST(MinHash, OrderAndRepeatsChangeNothing) {
  std::mt19937_64 rng(2);
  auto set = random_set(rng, 40);
  minhash_signature a, b;
  compute_minhash(set, a);
  std::shuffle(set.begin(), set.end(), rng);
  set.push_back(set[3]);
  compute_minhash(set, b);
  EXPECT_EQ(a, b);
  EXPECT_EQ(estimate_jaccard(a, b), 1.0);
}

TEST(MinHash, PermutationsAreBijectionsWithDistinctSeeds) {
  for (size_t i = 0; i < minhash_size; ++i) {
    EXPECT_EQ(minhash_seeds[i].a & 1u, 1u);
    for (size_t j = 0; j < i; ++j) EXPECT_NE(minhash_seeds[i].a, minhash_seeds[j].a);
  }
  // Spot check: no two of 2^16 consecutive keys collide under one permutation.
  std::vector<uint32_t> v;
  for (uint32_t k = 0; k < 65536; ++k) v.push_back(minhash_permute(k, minhash_seeds[0].a, minhash_seeds[0].b));
  std::sort(v.begin(), v.end());
  EXPECT_EQ(std::adjacent_find(v.begin(), v.end()), v.end());
}

// Sets of known Jaccard similarity J: the estimate's mean error is near 0 and
// its spread near the binomial √(J(1−J)/K).
TEST(MinHash, EstimateIsUnbiasedWithBinomialSpread) {
  std::mt19937_64 rng(3);
  for (const double target : {0.2, 0.5, 0.8}) {
    const int trials = 2000;
    double sum_err = 0, sum_sq = 0;
    double sum_j = 0;
    for (int t = 0; t < trials; ++t) {
      const size_t uni = 20 + rng() % 60;
      const size_t common = static_cast<size_t>(std::lround(target * uni));
      const size_t only_a = (uni - common) / 2, only_b = uni - common - only_a;
      auto c = random_set(rng, common);
      auto a = c, b = c;
      for (auto x : random_set(rng, only_a)) a.push_back(x);
      for (auto x : random_set(rng, only_b)) b.push_back(x);
      const double j = static_cast<double>(common) / static_cast<double>(uni);
      minhash_signature sa, sb;
      compute_minhash(a, sa);
      compute_minhash(b, sb);
      const double err = estimate_jaccard(sa, sb) - j;
      sum_err += err;
      sum_sq += err * err;
      sum_j += j;
    }
    const double mean_j = sum_j / trials, mean_err = sum_err / trials;
    const double sd = std::sqrt(sum_sq / trials - mean_err * mean_err);
    const double binomial = std::sqrt(mean_j * (1 - mean_j) / minhash_size);
    std::printf("J≈%.2f: mean error %+.4f, sd %.4f (binomial %.4f)\n", mean_j, mean_err, sd, binomial);
    EXPECT_LT(std::abs(mean_err), 0.006) << target;
    EXPECT_GT(sd, 0.8 * binomial) << target;
    EXPECT_LT(sd, 1.2 * binomial) << target;
  }
}

TEST(MinHash, SCurveKeepsRecallAboveTheThreshold) {
  EXPECT_GT(lsh_candidate_probability(0.5), 0.98);
  EXPECT_GT(lsh_candidate_probability(0.6), 0.999);
  EXPECT_LT(lsh_candidate_probability(0.1), 0.05);
  for (double j = 0; j <= 1.0001; j += 0.1) std::printf("P(candidate | J=%.1f) = %.4f\n", j, lsh_candidate_probability(j));
}

TEST(MinHash, BandKeysAreEqualExactlyWhenTheBandAgrees) {
  minhash_signature a{}, b{};
  for (size_t i = 0; i < minhash_size; ++i) a[i] = b[i] = static_cast<uint16_t>(i * 7);
  for (size_t j = 0; j < lsh_bands; ++j) EXPECT_EQ(lsh_band_key(a, j), lsh_band_key(b, j));
  EXPECT_NE(lsh_band_key(a, 0), lsh_band_key(a, 1));
  b[lsh_rows * 2 + 1] ^= 1;  // band 2
  EXPECT_NE(lsh_band_key(a, 2), lsh_band_key(b, 2));
  EXPECT_EQ(lsh_band_key(a, 1), lsh_band_key(b, 1));
  EXPECT_EQ(lsh_band_key(a, 3), lsh_band_key(b, 3));
}

}  // namespace
}  // namespace sito::dedup
