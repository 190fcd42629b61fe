// The near-duplicate index (sito/dedup/near_duplicates.hpp). Decisions
// worth knowing:
//
//   * Posts live in a ring indexed by an arrival sequence number (seq): the
//     window is [first_, end_), eviction pops first_. Capacity doubles up to
//     bit_ceil(max_posts), so a small stream holds little memory.
//   * A band map entry maps a band key to the newest seq in that bucket;
//     each post keeps, per band, the distance back to the next older seq of
//     the same bucket. A walk goes newest first and stops at a seq below
//     first_, so eviction never edits links. Eviction does not touch the map
//     either: an entry whose seq fell out of the window is stale, and the
//     next post with that key overwrites it as if the bucket were new. The
//     stale entries of keys that never recur are swept in one pass over the
//     map when its load calls for it (dedup/band_table.hpp: one 8-byte slot
//     per probe, no tombstones). The map's accesses are its cost (each a
//     cache miss once it outgrows the cache): one per band per post instead
//     of two (add and evict), all 32 prefetched together.
//   * A post's 32 walks (the newest entries of each band's bucket) go in
//     step, so that their misses overlap (walk_bands); what a visit reads
//     of a post (stamp, cluster) is kept apart in 8 bytes per slot.
//   * A post that matched nothing has no cluster record (most posts); its
//     cluster id is seq + 1. A record is made when a second post joins.
//     Records keep their members as a list sorted by seq (next_in_cluster),
//     so the cluster's first post is the list's head and eviction, which is
//     in seq order, pops the head. Merging clusters merges the two sorted
//     lists and relabels the members of the one with the larger id.
//   * Authors are counted per cluster over the live members: a record holds
//     one author and no map until a second distinct author joins.
#include "sito/dedup/near_duplicates.hpp"

#include <absl/container/flat_hash_map.h>

#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>
#include <limits>

#include "dedup/band_table.hpp"
#include "sito/text/token_hash.hpp"

namespace sito::dedup {
namespace {

constexpr uint32_t no_cluster = std::numeric_limits<uint32_t>::max();
constexpr uint64_t no_seq = std::numeric_limits<uint64_t>::max();
constexpr size_t initial_capacity = 1024;

struct post_record {
  std::string id;
  uint64_t author = 0;                ///< token_hash of the author string
  int64_t time_ms = 0;
  uint64_t next_in_cluster = no_seq;  ///< the next newer member of its cluster
};

/// What a walk's visit reads of a post, apart from its record: 8 bytes per
/// slot, so that a visit costs at most this line and the links entry.
struct visit_record {
  uint32_t stamp = 0;             ///< the call that last visited this post as a candidate
  uint32_t cluster = no_cluster;  ///< index into clusters, or none (a cluster of one)
};

using author_counts = absl::flat_hash_map<uint64_t, uint32_t>;

struct cluster_record {
  uint64_t id = 0;
  uint64_t head = no_seq;  ///< the oldest live member
  uint64_t tail = no_seq;  ///< the newest live member
  uint64_t size = 0;       ///< members so far, evicted ones included
  uint32_t live = 0;       ///< members in the window
  uint64_t solo_author = 0;               ///< when !authors: every live member's author
  std::unique_ptr<author_counts> authors; ///< live members per author, once two differ

  uint32_t distinct_authors() const {
    return authors ? static_cast<uint32_t>(authors->size()) : (live > 0 ? 1u : 0u);
  }
  /// Call before live is incremented for the member.
  void add_author(uint64_t a) {
    if (!authors) {
      if (live == 0 || a == solo_author) {
        solo_author = a;
        return;
      }
      authors = std::make_unique<author_counts>();
      (*authors)[solo_author] = live;
    }
    ++(*authors)[a];
  }
  void add_authors(const cluster_record& o) {
    if (!authors && !o.authors && (live == 0 || o.live == 0 || o.solo_author == solo_author)) {
      if (live == 0) solo_author = o.solo_author;
      return;
    }
    if (!authors) {
      authors = std::make_unique<author_counts>();
      if (live > 0) (*authors)[solo_author] = live;
    }
    if (o.authors) {
      for (const auto& [a, n] : *o.authors) (*authors)[a] += n;
    } else if (o.live > 0) {
      (*authors)[o.solo_author] += o.live;
    }
  }
  void remove_author(uint64_t a) {
    if (!authors) return;
    auto it = authors->find(a);
    assert(it != authors->end());
    if (--it->second == 0) authors->erase(it);
  }
};

}  // namespace

struct near_duplicate_index::impl {
  near_duplicate_options opts;
  near_duplicate_stats st;
  size_t agreements_needed = 0;
  shingler sh;
  std::vector<uint64_t> bigrams;

  // The ring: live seqs are [first, end).
  uint64_t first = 0, end = 0;
  size_t capacity = 0, max_capacity = 0;
  std::vector<post_record> posts;
  std::vector<visit_record> visits;
  std::vector<minhash_signature> sigs;
  std::vector<uint32_t> links;  ///< per slot, lsh_bands distances back to the next older seq (0: none)
  size_t heap_id_bytes = 0;     ///< ids longer than the small-string buffer

  detail::band_table bands;  ///< band key → newest seq of its bucket (stale when < first)

  std::vector<cluster_record> clusters;
  std::vector<uint32_t> free_clusters;
  int64_t latest_time = std::numeric_limits<int64_t>::min();
  uint32_t call_stamp = 0;

  // Scratch of one call.
  std::vector<uint64_t> matched_singletons;
  std::vector<uint32_t> matched_clusters;

  explicit impl(near_duplicate_options o) : opts(o) {
    assert(opts.threshold > 0 && opts.threshold <= 1);
    assert(opts.max_posts >= 1);
    agreements_needed = static_cast<size_t>(std::ceil(opts.threshold * minhash_size - 1e-9));
    max_capacity = std::bit_ceil(std::max<size_t>(opts.max_posts, 1));
  }

  size_t slot(uint64_t seq) const { return static_cast<size_t>(seq) & (capacity - 1); }
  size_t held() const { return static_cast<size_t>(end - first); }

  void grow() {
    const size_t new_capacity = capacity == 0 ? std::min(initial_capacity, max_capacity) : capacity * 2;
    std::vector<post_record> new_posts(new_capacity);
    std::vector<visit_record> new_visits(new_capacity);
    std::vector<minhash_signature> new_sigs(new_capacity);
    std::vector<uint32_t> new_links(new_capacity * lsh_bands);
    const size_t mask = new_capacity - 1;
    for (uint64_t s = first; s < end; ++s) {
      const size_t from = slot(s), to = static_cast<size_t>(s) & mask;
      new_posts[to] = std::move(posts[from]);
      new_visits[to] = visits[from];
      new_sigs[to] = sigs[from];
      std::copy_n(&links[from * lsh_bands], lsh_bands, &new_links[to * lsh_bands]);
    }
    posts = std::move(new_posts);
    visits = std::move(new_visits);
    sigs = std::move(new_sigs);
    links = std::move(new_links);
    capacity = new_capacity;
  }

  uint32_t new_cluster() {
    if (!free_clusters.empty()) {
      const uint32_t c = free_clusters.back();
      free_clusters.pop_back();
      return c;
    }
    clusters.emplace_back();
    return static_cast<uint32_t>(clusters.size() - 1);
  }
  void free_cluster(uint32_t c) {
    clusters[c] = cluster_record{};
    free_clusters.push_back(c);
  }

  void evict_oldest() {
    const size_t s = slot(first);
    post_record& p = posts[s];
    visit_record& v = visits[s];
    if (v.cluster != no_cluster) {
      cluster_record& c = clusters[v.cluster];
      assert(c.head == first);
      c.head = p.next_in_cluster;
      if (c.head == no_seq) c.tail = no_seq;
      c.remove_author(p.author);
      if (--c.live == 0) free_cluster(v.cluster);
    }
    if (p.id.size() > 15) heap_id_bytes -= p.id.capacity() + 1;
    p.id = std::string();
    v.cluster = no_cluster;
    p.next_in_cluster = no_seq;
    ++first;
  }

  void evict_by_time(int64_t time_ms) {
    latest_time = std::max(latest_time, time_ms);
    const int64_t cutoff = latest_time < std::numeric_limits<int64_t>::min() + opts.window_ms
                               ? std::numeric_limits<int64_t>::min()
                               : latest_time - opts.window_ms;
    while (first < end && posts[slot(first)].time_ms < cutoff) {
      evict_oldest();
      ++st.evicted_by_time;
    }
  }

  /// A record for the singleton post `seq`; its id is the one the post was given.
  uint32_t make_cluster(uint64_t seq) {
    const uint32_t c = new_cluster();
    cluster_record& r = clusters[c];
    post_record& p = posts[slot(seq)];
    r.id = seq + 1;
    r.head = r.tail = seq;
    r.size = 1;
    r.live = 1;
    r.solo_author = p.author;
    visits[slot(seq)].cluster = c;
    p.next_in_cluster = no_seq;
    return c;
  }

  /// Moves cluster `o`'s members into `t` (both live records), keeping the
  /// member list sorted by seq.
  void merge_into(uint32_t t, uint32_t o) {
    cluster_record& T = clusters[t];
    cluster_record& O = clusters[o];
    uint64_t a = T.head, b = O.head, head = no_seq, tail = no_seq;
    auto append = [&](uint64_t s) {
      if (tail == no_seq) head = s;
      else posts[slot(tail)].next_in_cluster = s;
      tail = s;
    };
    while (a != no_seq || b != no_seq) {
      if (b == no_seq || (a != no_seq && a < b)) {
        const uint64_t next = posts[slot(a)].next_in_cluster;
        append(a);
        a = next;
      } else {
        post_record& p = posts[slot(b)];
        const uint64_t next = p.next_in_cluster;
        visits[slot(b)].cluster = t;
        append(b);
        b = next;
      }
    }
    posts[slot(tail)].next_in_cluster = no_seq;
    T.add_authors(O);
    T.head = head;
    T.tail = tail;
    T.size += O.size;
    T.live += O.live;
    free_cluster(o);
  }

  uint64_t cluster_id_of(uint64_t seq) const {
    const uint32_t c = visits[slot(seq)].cluster;
    return c == no_cluster ? seq + 1 : clusters[c].id;
  }

  bool cluster_matched(uint32_t c) const {
    return std::find(matched_clusters.begin(), matched_clusters.end(), c) != matched_clusters.end();
  }

  /// Walks the bands' buckets from `heads` (the newest live seq of each, or
  /// no_seq), the newest max_candidates_per_band entries of each, and
  /// verifies the posts met that are not known yet (compared this call, or
  /// in a cluster already matched). The walks are independent, so they go
  /// in step: round k takes step k of every walk still going, its
  /// candidates' signatures prefetched before any is compared and the next
  /// step's entries prefetched as the links are read, so that the misses of
  /// one round overlap. The matched clusters do not depend on the order of
  /// the visits (a post skipped as known is compared or in a matched
  /// cluster), so the result is that of one walk after the other; only the
  /// count of candidates compared may differ.
  void walk_bands(const minhash_signature& sig, const uint64_t (&heads)[lsh_bands], near_duplicate_match& m) {
    struct walk {
      uint32_t band;
      uint64_t cand;
    };
    walk active[lsh_bands];
    size_t n_active = 0;
    for (size_t j = 0; j < lsh_bands; ++j)
      if (heads[j] != no_seq) active[n_active++] = {static_cast<uint32_t>(j), heads[j]};
    uint64_t to_compare[lsh_bands];
    for (size_t step = 0; n_active > 0 && step < opts.max_candidates_per_band; ++step) {
      st.visited += n_active;
      size_t n_compare = 0, kept = 0;
      for (size_t w = 0; w < n_active; ++w) {
        const uint64_t cand = active[w].cand;
        const size_t s = slot(cand);
        visit_record& v = visits[s];
        if (v.stamp != call_stamp && (v.cluster == no_cluster || !cluster_matched(v.cluster))) {
          v.stamp = call_stamp;
          to_compare[n_compare++] = cand;
          const char* line = reinterpret_cast<const char*>(&sigs[s]);
          for (size_t b = 0; b < sizeof(minhash_signature); b += 64) __builtin_prefetch(line + b);
        }
        const uint32_t back = links[s * lsh_bands + active[w].band];
        if (back == 0 || cand - first < back) continue;
        const uint64_t next = cand - back;
        __builtin_prefetch(&visits[slot(next)]);
        __builtin_prefetch(&links[slot(next) * lsh_bands + active[w].band]);
        active[kept++] = {active[w].band, next};
      }
      n_active = kept;
      m.candidates += static_cast<uint32_t>(n_compare);
      for (size_t i = 0; i < n_compare; ++i) {
        const uint64_t cand = to_compare[i];
        const size_t s = slot(cand);
        if (minhash_agreements(sig, sigs[s]) < agreements_needed) continue;
        const uint32_t c = visits[s].cluster;
        if (c == no_cluster) matched_singletons.push_back(cand);
        else if (!cluster_matched(c)) matched_clusters.push_back(c);
      }
    }
  }

  near_duplicate_match check_and_add(std::string_view post_id, std::string_view author, int64_t time_ms,
                                     std::span<const uint64_t> grams) {
    near_duplicate_match m;
    ++st.checked;
    evict_by_time(time_ms);
    if (grams.size() < opts.min_bigrams) {
      ++st.short_posts;
      return m;
    }
    m.indexed = true;
    minhash_signature sig;
    compute_minhash(grams, sig);
    uint64_t keys[lsh_bands];  // band_table::hash of each band's key
    for (size_t j = 0; j < lsh_bands; ++j) bands.prefetch(keys[j] = detail::band_table::hash(lsh_band_key(sig, j)));

    if (held() == opts.max_posts) {
      evict_oldest();
      ++st.evicted_by_cap;
    }
    if (held() == capacity) grow();
    if (bands.prepare(capacity, lsh_bands, first, end)) ++st.sweeps;
    const uint64_t seq = end;

    // Candidates: per band, the newest entries of the bucket.
    if (++call_stamp == 0) {
      for (auto& v : visits) v.stamp = 0;
      call_stamp = 1;
    }
    matched_singletons.clear();
    matched_clusters.clear();
    // One map access per band: the post's own entry is written now (it is
    // added below whatever the candidates say), the walk starts from the
    // entry's previous value.
    uint32_t* own_links = &links[slot(seq) * lsh_bands];
    uint64_t heads[lsh_bands];
    for (size_t j = 0; j < lsh_bands; ++j) {
      const uint64_t cand = bands.exchange(keys[j], seq, first);
      own_links[j] = 0;
      heads[j] = no_seq;
      if (cand == no_seq) continue;  // a new bucket, or a stale one: every post of it was evicted
      own_links[j] = static_cast<uint32_t>(seq - cand);
      heads[j] = cand;
      __builtin_prefetch(&visits[slot(cand)]);
      __builtin_prefetch(&links[slot(cand) * lsh_bands + j]);
    }
    // A copy: the newest post of the first band's bucket has this very
    // signature. Every post the walks would find matches it as well and was
    // found by its walks or by theirs (those that came later, which met it
    // first), so the post joins the copy's cluster without a walk: a
    // repost, a pasted campaign text or a copy with emoji appended costs 32
    // map writes and one compare instead of a walk over the copies held.
    if (heads[0] != no_seq && sigs[slot(heads[0])] == sig) {
      ++st.visited;
      const uint64_t cand = heads[0];
      visit_record& v = visits[slot(cand)];
      v.stamp = call_stamp;
      ++m.candidates;
      if (v.cluster == no_cluster) matched_singletons.push_back(cand);
      else matched_clusters.push_back(v.cluster);
    } else {
      walk_bands(sig, heads, m);
    }
    st.candidates += m.candidates;

    // Add the post (its band entries and links are written above).
    ++end;
    const size_t s = slot(seq);
    post_record& p = posts[s];
    p.id.assign(post_id);
    if (p.id.size() > 15) heap_id_bytes += p.id.capacity() + 1;
    p.author = text::token_hash(author);
    p.time_ms = time_ms;
    p.next_in_cluster = no_seq;
    visits[s] = visit_record{};
    sigs[s] = sig;

    if (matched_singletons.empty() && matched_clusters.empty()) {
      m.cluster_id = seq + 1;
      m.cluster_size = 1;
      m.cluster_authors = 1;
      return m;
    }

    // Join the union of the matches' clusters; the one with the smallest id
    // (the oldest) absorbs the others.
    for (uint64_t q : matched_singletons) matched_clusters.push_back(make_cluster(q));
    uint32_t target = matched_clusters[0];
    for (uint32_t c : matched_clusters)
      if (clusters[c].id < clusters[target].id) target = c;
    for (uint32_t c : matched_clusters)
      if (c != target) merge_into(target, c);
    if (matched_clusters.size() > 1) ++st.cluster_merges;

    cluster_record& c = clusters[target];
    c.add_author(p.author);
    posts[slot(c.tail)].next_in_cluster = seq;
    c.tail = seq;
    visits[s].cluster = target;
    ++c.live;
    ++c.size;

    ++st.duplicates;
    m.duplicate = true;
    m.duplicate_of = posts[slot(c.head)].id;
    m.cluster_id = c.id;
    m.cluster_size = c.size;
    m.cluster_authors = c.distinct_authors();
    return m;
  }
};

near_duplicate_index::near_duplicate_index(near_duplicate_options options)
    : impl_(std::make_unique<impl>(options)) {}
near_duplicate_index::~near_duplicate_index() = default;
near_duplicate_index::near_duplicate_index(near_duplicate_index&&) noexcept = default;
near_duplicate_index& near_duplicate_index::operator=(near_duplicate_index&&) noexcept = default;

result<near_duplicate_match> near_duplicate_index::check_and_add(std::string_view post_id, std::string_view author,
                                                                 int64_t time_ms, std::string_view text) {
  SITO_RETURN_IF_ERROR(impl_->sh.shingle(text, impl_->bigrams));
  return impl_->check_and_add(post_id, author, time_ms, impl_->bigrams);
}

near_duplicate_match near_duplicate_index::check_and_add_bigrams(std::string_view post_id, std::string_view author,
                                                                 int64_t time_ms, std::span<const uint64_t> bigrams) {
  return impl_->check_and_add(post_id, author, time_ms, bigrams);
}

size_t near_duplicate_index::size() const { return impl_->held(); }
const near_duplicate_options& near_duplicate_index::options() const { return impl_->opts; }
const near_duplicate_stats& near_duplicate_index::stats() const { return impl_->st; }

size_t near_duplicate_index::memory_bytes() const {
  const impl& i = *impl_;
  size_t n = i.posts.capacity() * sizeof(post_record) + i.visits.capacity() * sizeof(visit_record) +
             i.sigs.capacity() * sizeof(minhash_signature) +
             i.links.capacity() * sizeof(uint32_t) + i.heap_id_bytes;
  n += i.bands.memory_bytes();
  n += i.clusters.capacity() * sizeof(cluster_record) + i.free_clusters.capacity() * sizeof(uint32_t);
  for (const cluster_record& c : i.clusters)
    if (c.authors) n += sizeof(author_counts) + c.authors->bucket_count() * (sizeof(std::pair<uint64_t, uint32_t>) + 1);
  return n;
}

std::string near_duplicate_index::oldest_post_id() const {
  if (impl_->held() == 0) return {};
  return impl_->posts[impl_->slot(impl_->first)].id;
}

}  // namespace sito::dedup
