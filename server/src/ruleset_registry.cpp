// sitod's ruleset role: the compiled rulesets and their versions. A topic
// change compiles only a delta over the current snapshot and swaps it in
// (RCU: readers keep the state they took); the delta is merged into a full
// compile in the background. It also records when each topic's definition
// went live, which a backfill needs to cover exactly the posts matched
// before it. server_impl.hpp declares these; the matcher and the admin
// handlers call them.
#include <algorithm>
#include <chrono>

#include "server_impl.hpp"

namespace sito::server {

std::pair<const ruleset_snapshot*, uint32_t> ruleset_state::find(const std::string& tenant,
                                                                 const std::string& id) const {
  if (delta)
    for (uint32_t i = 0; i < delta->topics.size(); ++i)
      if (delta->topics[i].tenant == tenant && delta->topics[i].id == id) return {delta.get(), i};
  if (shadowed.count(key(tenant, id))) return {nullptr, 0};
  for (uint32_t i = 0; i < snapshot->topics.size(); ++i)
    if (snapshot->topics[i].tenant == tenant && snapshot->topics[i].id == id) return {snapshot.get(), i};
  return {nullptr, 0};
}

result<uint64_t> sitod::impl::swap_with_delta(std::shared_ptr<const ruleset_snapshot> base,
                                              std::shared_ptr<batch_scanner> scanner) {
  auto state = std::make_shared<ruleset_state>();
  state->snapshot = std::move(base);
  state->scanner = std::move(scanner);
  std::vector<topic_spec> delta_topics;
  for (const auto& [k, change] : pending) {
    state->shadowed.insert(k);
    if (change.topic) delta_topics.push_back(*change.topic);
  }
  if (!delta_topics.empty()) {
    auto delta = compile_topics(delta_topics, compile_opts);
    if (!delta.ok()) return delta.error();
    state->delta = *delta;
    state->delta_scanner = std::make_shared<batch_scanner>(*delta, scan_opts());
  }
  size_t live = state->delta ? state->delta->topics.size() : 0;
  for (const auto& t : state->snapshot->topics)
    if (!state->shadowed.count(ruleset_state::key(t.tenant, t.id))) ++live;
  {
    std::lock_guard lock(ruleset_mutex);
    state->version = (ruleset ? ruleset->version : 0) + 1;
    ruleset = state;
  }
  {
    // The changes this swap is the first to carry went live with it.
    std::lock_guard lock(live_since_mutex);
    for (const auto& [k, change] : pending)
      if (change.seq > last_swapped_seq) topic_live_since[k] = state->version;
  }
  for (const auto& [k, change] : pending) last_swapped_seq = std::max(last_swapped_seq, change.seq);
  metrics.snapshot_version = state->version;
  metrics.topics_loaded = live;
  metrics.delta_topics = pending.size();
  return state->version;
}

uint64_t sitod::impl::topic_live_version(const std::string& tenant, const std::string& id) {
  std::lock_guard lock(live_since_mutex);
  auto it = topic_live_since.find(ruleset_state::key(tenant, id));
  return it == topic_live_since.end() ? 1 : it->second;
}

sitod::impl::backfill_span sitod::impl::backfill_range(const std::string& tenant, const std::string& id) {
  backfill_span span;
  span.version = topic_live_version(tenant, id);
  span.end = live_from(span.version);
  span.begin = db->first_post_offset();
  std::lock_guard lock(live_since_mutex);
  if (auto it = backfilled.find(ruleset_state::key(tenant, id)); it != backfilled.end() &&
                                                                  it->second.version == span.version)
    span.begin = std::max(span.begin, it->second.end);
  return span;
}

void sitod::impl::backfill_done(const std::string& tenant, const std::string& id, const backfill_span& span) {
  std::lock_guard lock(live_since_mutex);
  backfill_span& done = backfilled[ruleset_state::key(tenant, id)];
  if (done.version != span.version || done.end < span.end) done = span;
}

result<uint64_t> sitod::impl::recompile(const std::string& tenant, std::vector<topic_diagnostic>* diagnostics) {
  const auto started = std::chrono::steady_clock::now();
  uint64_t start_seq;
  {
    std::lock_guard compile_lock(compile_mutex);
    start_seq = change_seq;  // every change up to here is already in the store
  }
  // The long part runs without the lock: upserts keep going into the delta.
  SITO_ASSIGN_OR_RETURN(std::vector<topic_spec> topics, db->all_topics());
  compile_report report;
  auto snap = compile_topics(topics, compile_opts, &report);
  if (!snap.ok()) return snap.error();
  if (diagnostics) {
    for (auto& e : report.errors)
      if (tenant.empty() || e.tenant == tenant) diagnostics->push_back(e);
    for (auto& w : report.warnings)
      if (tenant.empty() || w.tenant == tenant) diagnostics->push_back(w);
  }
  auto scanner = std::make_shared<batch_scanner>(*snap, scan_opts());
  std::lock_guard compile_lock(compile_mutex);
  for (auto it = pending.begin(); it != pending.end();)
    it = it->second.seq <= start_seq ? pending.erase(it) : std::next(it);
  auto version = swap_with_delta(*snap, std::move(scanner));
  metrics.last_compile_us = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count());
  return version;
}

result<sitod::impl::upsert_outcome> sitod::impl::upsert_topics(const std::string& tenant,
                                                               const std::vector<topic_spec>& topics) {
  // Check the new topics alone first: a broken one is reported, not stored.
  compile_report report;
  auto probe = compile_topics(topics, compile_opts, &report);
  std::set<std::string> bad;
  for (auto& e : report.errors) bad.insert(e.topic);
  upsert_outcome out;
  out.diagnostics = report.errors;
  out.diagnostics.insert(out.diagnostics.end(), report.warnings.begin(), report.warnings.end());
  for (const auto& t : topics)
    if (!t.id.empty() && !bad.count(t.id)) out.stored.push_back(t);
  // Kafka mode: the compacted topics topic is where definitions live (every
  // node reads it); they are written there first, then kept here too so
  // that list and explain answer on this node.
  if (kafka && !out.stored.empty()) SITO_RETURN_IF_ERROR(kafka->publish_topics(tenant, out.stored, {}));
  // One write: a store that cannot write stores none of them.
  SITO_RETURN_IF_ERROR(db->put_topics(out.stored));
  auto version = apply_changes(tenant, out.stored, {});
  if (!version.ok()) return version.error();
  out.version = *version;
  return out;
}

result<uint64_t> sitod::impl::apply_changes(const std::string& tenant, const std::vector<topic_spec>& upserted,
                                            const std::vector<std::string>& deleted) {
  std::lock_guard compile_lock(compile_mutex);
  for (const auto& t : upserted) pending[ruleset_state::key(tenant, t.id)] = {++change_seq, t};
  for (const auto& id : deleted) pending[ruleset_state::key(tenant, id)] = {++change_seq, std::nullopt};
  auto base = current_ruleset();
  auto version = swap_with_delta(base->snapshot, base->scanner);
  if (pending.size() >= 256) merge_in_background();
  return version;
}

void sitod::impl::merge_in_background() {
  if (merge_running.exchange(true)) return;
  net::post(background, [this] {
    (void)recompile("", nullptr);
    merge_running = false;
  });
}

}  // namespace sito::server
