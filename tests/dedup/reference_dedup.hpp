// File: tests/dedup/reference_dedup.hpp
//
// The obviously-correct reference for near_duplicate_index: exact Jaccard
// similarity of bigram sets by brute force over the window, with the same
// window rules (evict while older than window_ms before the latest time,
// evict the oldest when max_posts are held and a post is added; short posts
// are not held). It answers, per post, the best exact similarity to a post
// of the window and which posts are in the window.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace sito::dedup::testing {

/// The whitespace-separated words of `s`.
inline std::vector<std::string> split_words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> w;
  std::string x;
  while (in >> x) w.push_back(x);
  return w;
}

/// |a ∩ b| / |a ∪ b| of two sorted, distinct sets; 0 when both are empty.
inline double exact_jaccard(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  size_t i = 0, j = 0, common = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] == b[j]) ++common, ++i, ++j;
    else if (a[i] < b[j]) ++i;
    else ++j;
  }
  const size_t uni = a.size() + b.size() - common;
  return uni == 0 ? 0.0 : static_cast<double>(common) / static_cast<double>(uni);
}

class reference_window {
 public:
  struct held_post {
    std::string id;
    int64_t time_ms;
    std::vector<uint64_t> bigrams;
  };
  struct answer {
    bool indexed = false;
    double best_jaccard = 0;  ///< over the window's posts before this one
    std::string best_id;
  };

  reference_window(int64_t window_ms, size_t max_posts, size_t min_bigrams)
      : window_ms_(window_ms), max_posts_(max_posts), min_bigrams_(min_bigrams) {}

  answer check_and_add(const std::string& id, int64_t time_ms, const std::vector<uint64_t>& bigrams) {
    latest_ = std::max(latest_, time_ms);
    while (!held_.empty() && held_.front().time_ms < latest_ - window_ms_) held_.pop_front();
    answer a;
    if (bigrams.size() < min_bigrams_) return a;
    a.indexed = true;
    if (held_.size() == max_posts_) held_.pop_front();
    for (const held_post& p : held_) {
      const double j = exact_jaccard(p.bigrams, bigrams);
      if (j > a.best_jaccard) a.best_jaccard = j, a.best_id = p.id;
    }
    held_.push_back({id, time_ms, bigrams});
    return a;
  }

  bool holds(const std::string& id) const {
    return std::any_of(held_.begin(), held_.end(), [&](const held_post& p) { return p.id == id; });
  }
  /// Whether `id` is held, looking at the window as it was before the last
  /// post was added (that post itself excluded).
  bool held_before_last(const std::string& id) const {
    for (size_t i = 0; i + 1 < held_.size(); ++i)
      if (held_[i].id == id) return true;
    return false;
  }

 private:
  int64_t window_ms_;
  size_t max_posts_;
  size_t min_bigrams_;
  int64_t latest_ = std::numeric_limits<int64_t>::min() / 2;
  std::deque<held_post> held_;
};

}  // namespace sito::dedup::testing
