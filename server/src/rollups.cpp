// File: server/src/rollups.cpp
//
// Hourly rollup cells (sito/server/rollups.hpp): the author set's exact and
// estimated forms, the cell encoding (stored: versioned), and the batch.
#include "sito/server/rollups.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#include "sito/rules/sentiment_lexicon.hpp"
#include "sito/server/wire_convert.hpp"
#include "sito/text/token_hash.hpp"

namespace sito::server {
namespace {

constexpr uint8_t cell_version = 1;
constexpr size_t hll_registers = size_t{1} << author_set::hll_bits;

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

bool get_varint(std::string_view& in, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (in.empty()) return false;
    const auto b = static_cast<uint8_t>(in.front());
    in.remove_prefix(1);
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return shift < 63 || b <= 1;
  }
  return false;
}

uint64_t zigzag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
int64_t unzigzag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

void put_u64(std::string& out, uint64_t v) {
  char b[8];
  std::memcpy(b, &v, 8);
  out.append(b, 8);
}

bool get_u64(std::string_view& in, uint64_t& v) {
  if (in.size() < 8) return false;
  std::memcpy(&v, in.data(), 8);
  in.remove_prefix(8);
  return true;
}

/// splitmix64's finalizer: the priority's uniform draw, independent of the
/// bits the HyperLogLog reads from the same hash.
uint64_t remix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

// ---- author_set ---------------------------------------------------------------

uint64_t author_set::author_hash(std::string_view source, std::string_view author_id) {
  std::string key;
  key.reserve(source.size() + 1 + author_id.size());
  key.append(source);
  key.push_back('\x1f');
  key.append(author_id);
  return remix(text::token_hash(key));
}

double author_set::priority(const entry& e) {
  if (e.followers <= 0) return 0;
  // u in (0, 1], from the 53 high bits of a second mix of the hash.
  const double u = static_cast<double>((remix(e.hash ^ 0x9e3779b97f4a7c15ULL) >> 11) + 1) * 0x1p-53;
  return static_cast<double>(e.followers) / u;
}

bool author_set::newer(const entry& a, const entry& b) {
  return a.seen_s != b.seen_s ? a.seen_s > b.seen_s : a.followers > b.followers;
}

void author_set::hll_add(uint64_t hash) const {
  const size_t index = hash >> (64 - hll_bits);
  const uint64_t rest = hash << hll_bits;
  const auto rank = static_cast<uint8_t>(rest == 0 ? 64 - hll_bits + 1 : std::countl_zero(rest) + 1);
  hll_[index] = std::max(hll_[index], rank);
}

void author_set::tidy() const {
  if (sorted_ == entries_.size() && entries_.size() <= exact_capacity) return;
  // Sort the tail by (hash, newest first), merge it with the sorted head,
  // keep the newest sighting of each hash.
  const auto by_hash_newest = [](const entry& a, const entry& b) { return a.hash != b.hash ? a.hash < b.hash : newer(a, b); };
  std::sort(entries_.begin() + static_cast<std::ptrdiff_t>(sorted_), entries_.end(), by_hash_newest);
  std::inplace_merge(entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(sorted_), entries_.end(),
                     by_hash_newest);
  size_t out = 0;
  for (size_t i = 0; i < entries_.size(); ++i)
    if (out == 0 || entries_[out - 1].hash != entries_[i].hash) entries_[out++] = entries_[i];
  entries_.resize(out);
  sorted_ = out;
  if (entries_.size() <= exact_capacity) return;
  if (hll_.empty()) {
    hll_.assign(hll_registers, 0);
    for (const auto& e : entries_) hll_add(e.hash);
  }
  // Keep the exact_capacity entries of highest priority.
  const auto by_priority = [](const entry& a, const entry& b) {
    const double pa = priority(a), pb = priority(b);
    return pa != pb ? pa > pb : a.hash < b.hash;
  };
  std::nth_element(entries_.begin(), entries_.begin() + exact_capacity, entries_.end(), by_priority);
  for (auto it = entries_.begin() + exact_capacity; it != entries_.end(); ++it) threshold_ = std::max(threshold_, priority(*it));
  entries_.resize(exact_capacity);
  std::sort(entries_.begin(), entries_.end(), [](const entry& a, const entry& b) { return a.hash < b.hash; });
  sorted_ = entries_.size();
}

void author_set::add(uint64_t hash, int64_t followers, int64_t seen_s) {
  const entry e{hash, std::max<int64_t>(0, followers), seen_s};
  if (!hll_.empty()) {
    hll_add(hash);
    // Below the threshold it could never be among the kept (the threshold only grows).
    if (priority(e) < threshold_) return;
  }
  entries_.push_back(e);
  // Sightings are tidied in bulk: amortized O(log n) each.
  if (entries_.size() - sorted_ > std::max<size_t>(64, sorted_)) tidy();
}

void author_set::merge(const author_set& other) {
  other.tidy();
  tidy();
  if (!other.hll_.empty()) {
    if (hll_.empty()) {
      hll_.assign(hll_registers, 0);
      for (const auto& e : entries_) hll_add(e.hash);
    }
    for (size_t i = 0; i < hll_registers; ++i) hll_[i] = std::max(hll_[i], other.hll_[i]);
  } else if (!hll_.empty()) {
    for (const auto& e : other.entries_) hll_add(e.hash);
  }
  threshold_ = std::max(threshold_, other.threshold_);
  entries_.insert(entries_.end(), other.entries_.begin(), other.entries_.end());
  tidy();
}

double author_set::authors() const {
  tidy();
  if (hll_.empty()) return static_cast<double>(entries_.size());
  const double m = static_cast<double>(hll_registers);
  double sum = 0;
  size_t zeros = 0;
  for (const uint8_t r : hll_) {
    sum += std::ldexp(1.0, -static_cast<int>(r));
    zeros += r == 0;
  }
  const double alpha = 0.7213 / (1 + 1.079 / m);
  const double raw = alpha * m * m / sum;
  if (raw <= 2.5 * m && zeros != 0) return m * std::log(m / static_cast<double>(zeros));  // linear counting
  return raw;
}

double author_set::audience() const {
  tidy();
  double sum = 0;
  for (const auto& e : entries_) sum += std::max(static_cast<double>(e.followers), threshold_);
  return sum;
}

void author_set::encode(std::string& out) const {
  tidy();
  out.push_back(hll_.empty() ? 0 : 1);
  put_varint(out, entries_.size());
  uint64_t prev = 0;
  for (const auto& e : entries_) {
    put_varint(out, e.hash - prev);  // sorted: deltas are small for dense sets
    prev = e.hash;
    put_varint(out, zigzag(e.followers));
    put_varint(out, zigzag(e.seen_s));
  }
  if (!hll_.empty()) {
    uint64_t bits;
    std::memcpy(&bits, &threshold_, 8);
    put_u64(out, bits);
    out.append(reinterpret_cast<const char*>(hll_.data()), hll_.size());
  }
}

bool author_set::decode(std::string_view& in) {
  sorted_ = 0;
  entries_.clear();
  hll_.clear();
  threshold_ = 0;
  if (in.empty()) return false;
  const auto mode = static_cast<uint8_t>(in.front());
  in.remove_prefix(1);
  if (mode > 1) return false;
  uint64_t n = 0;
  if (!get_varint(in, n) || n > exact_capacity || n > in.size()) return false;
  entries_.reserve(n);
  uint64_t prev = 0;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t delta, f, s;
    if (!get_varint(in, delta) || !get_varint(in, f) || !get_varint(in, s)) return false;
    if (i > 0 && delta == 0) return false;  // not sorted and unique
    const uint64_t hash = prev + delta;
    if (i > 0 && hash < prev) return false;  // wrapped
    prev = hash;
    entries_.push_back({hash, std::max<int64_t>(0, unzigzag(f)), unzigzag(s)});
  }
  sorted_ = entries_.size();
  if (mode == 1) {
    uint64_t bits;
    if (!get_u64(in, bits)) return false;
    std::memcpy(&threshold_, &bits, 8);
    if (!std::isfinite(threshold_) || threshold_ < 0) return false;
    if (in.size() < hll_registers) return false;
    hll_.assign(in.begin(), in.begin() + hll_registers);
    in.remove_prefix(hll_registers);
    for (const uint8_t r : hll_)
      if (r > 64 - hll_bits + 1) return false;
  }
  return true;
}

// ---- rollup_cell ----------------------------------------------------------------

mention_facts mention_facts::of(const post& p, uint8_t sentiment, bool wom) {
  mention_facts f;
  f.sentiment = sentiment;
  f.wom = wom;
  f.followers = p.author.followers.value_or(0);
  f.reach = p.reach > 0 ? p.reach : std::max<int64_t>(0, f.followers);
  f.engagement = std::max<int64_t>(0, p.engagement);
  const std::string_view who = !p.author.id.empty() ? std::string_view(p.author.id) : std::string_view(p.author.handle);
  f.has_author = !who.empty();
  if (f.has_author) f.author = author_set::author_hash(p.source, who);
  f.seen_s = p.published_at;
  return f;
}

void rollup_cell::add(const mention_facts& f) {
  ++mentions;
  if (f.sentiment == static_cast<uint8_t>(rules::sentiment::negative))
    ++negative;
  else if (f.sentiment == static_cast<uint8_t>(rules::sentiment::positive))
    ++positive;
  else
    ++neutral;
  wom += f.wom ? 1 : 0;
  reach += f.reach;
  engagement += f.engagement;
  if (f.has_author) authors.add(f.author, f.followers, f.seen_s);
}

void rollup_cell::merge(const rollup_cell& o) {
  mentions += o.mentions;
  negative += o.negative;
  neutral += o.neutral;
  positive += o.positive;
  wom += o.wom;
  reach += o.reach;
  engagement += o.engagement;
  authors.merge(o.authors);
}

std::string rollup_cell::encode() const {
  std::string out;
  out.push_back(static_cast<char>(cell_version));
  for (const uint64_t v : {mentions, negative, neutral, positive, wom}) put_varint(out, v);
  put_varint(out, zigzag(reach));
  put_varint(out, zigzag(engagement));
  authors.encode(out);
  return out;
}

result<rollup_cell> rollup_cell::decode(std::string_view in) {
  auto bad = [] { return status{status_code::internal, "rollup cell: malformed bytes"}; };
  if (in.empty() || static_cast<uint8_t>(in.front()) != cell_version) return bad();
  in.remove_prefix(1);
  rollup_cell c;
  uint64_t r, e;
  for (uint64_t* v : {&c.mentions, &c.negative, &c.neutral, &c.positive, &c.wom})
    if (!get_varint(in, *v)) return bad();
  if (!get_varint(in, r) || !get_varint(in, e)) return bad();
  c.reach = unzigzag(r);
  c.engagement = unzigzag(e);
  if (!c.authors.decode(in) || !in.empty()) return bad();
  return c;
}

// ---- keys -------------------------------------------------------------------------

namespace {

void append_row_prefix(std::string& out, std::string_view tenant, std::string_view topic, std::string_view tag) {
  for (const std::string_view part : {tenant, topic, tag}) {
    put_varint(out, part.size());
    out.append(part);
  }
}

void append_hour(std::string& out, int64_t hour) {
  // Offset so that negative hours (published before 1970) still sort first.
  const uint64_t v = static_cast<uint64_t>(hour) ^ (uint64_t{1} << 63);
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>(v >> (8 * i)));
}

}  // namespace

std::string rollup_row_prefix(std::string_view tenant, std::string_view topic, std::string_view tag) {
  std::string out;
  out.reserve(tenant.size() + topic.size() + tag.size() + 3 + 8);
  append_row_prefix(out, tenant, topic, tag);
  return out;
}

std::string rollup_key(std::string_view row_prefix, int64_t hour) {
  std::string out;
  out.reserve(row_prefix.size() + 8);
  out.append(row_prefix);
  append_hour(out, hour);
  return out;
}

bool rollup_key_hour(std::string_view key, int64_t& hour) {
  if (key.size() < 8) return false;
  uint64_t v = 0;
  for (size_t i = key.size() - 8; i < key.size(); ++i) v = (v << 8) | static_cast<uint8_t>(key[i]);
  hour = static_cast<int64_t>(v ^ (uint64_t{1} << 63));
  return true;
}

int64_t rollup_hour_of(const post& p, int64_t ingested_at_ms) {
  constexpr int64_t day_s = 24 * 3600;
  const int64_t ingested_s = ingested_at_ms / 1000;
  const int64_t at_s = (p.published_at > 0 && p.published_at <= ingested_s + day_s) ? p.published_at : ingested_s;
  return at_s >= 0 ? at_s / 3600 : (at_s - 3599) / 3600;
}

// ---- rollup_batch -----------------------------------------------------------------

uint32_t rollup_batch::intern(std::string_view text) {
  name_buf_.assign(text);
  auto [it, fresh] = name_ids_.try_emplace(name_buf_, static_cast<uint32_t>(names_.size()));
  if (fresh) names_.push_back(name_buf_);
  return it->second;
}

rollup_cell& rollup_batch::cell(const cell_key& k) {
  auto [it, fresh] = index_.try_emplace(k, static_cast<uint32_t>(slots_.size()));
  if (!fresh) return slots_[it->second].cell;
  slot& s = slots_.emplace_back();
  s.tenant = k.tenant;
  s.topic = k.topic;
  s.tag = k.tag;
  s.hour = k.hour;
  return s.cell;
}

void rollup_batch::add(const mention_record& m, const post& p, int64_t ingested_at_ms) {
  const int64_t hour = rollup_hour_of(p, ingested_at_ms);
  const mention_facts f = mention_facts::of(p, m.sentiment, m.wom);
  const uint32_t none = intern(""), tenant = intern(m.tenant), topic = intern(m.topic);
  cell({tenant, none, none, hour}).add(f);
  cell({tenant, topic, none, hour}).add(f);
  // Each tag path and its ancestors, once per mention.
  paths_.clear();
  for (const std::string& path : m.tags)
    for (size_t slash = path.find('/');; slash = path.find('/', slash + 1)) {
      paths_.push_back(std::string_view(path).substr(0, slash));
      if (slash == std::string::npos) break;
    }
  if (paths_.size() > 1) {
    std::sort(paths_.begin(), paths_.end());
    paths_.erase(std::unique(paths_.begin(), paths_.end()), paths_.end());
  }
  for (const std::string_view path : paths_)
    if (!path.empty()) cell({tenant, topic, intern(path), hour}).add(f);
}

}  // namespace sito::server
