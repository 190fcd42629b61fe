// sitod's matcher role: the text pass over acknowledged posts (read, scan,
// commit, then the mention sink), the re-match of a post whose pictures the
// OCR lane read, and the one mention sink both go through (metrics,
// aggregates, spike alerts, waking the subscriptions). server_impl.hpp
// declares them; server.cpp starts the matcher thread.
#include <algorithm>
#include <chrono>
#include <future>
#include <iterator>

#include "replaced_versions.hpp"
#include "sito/dedup/post_check.hpp"
#include "server_impl.hpp"
#include "sito/server/json_log.hpp"

namespace sito::server {
namespace {

/// The mention record of match `m` of `snap` (part of `rs`) on the post
/// stored at `offset`.
mention_record record_of(const ruleset_state& rs, const ruleset_snapshot& snap, const scan_output& out,
                         const scan_output::match& m, uint64_t offset, int64_t ingested_at_ms, int64_t matched_at_ms) {
  mention_record r;
  r.post_offset = offset;
  r.ingested_at_ms = ingested_at_ms;
  r.matched_at_ms = matched_at_ms;
  r.snapshot_version = rs.version;
  annotate_mention(r, out, m, snap);
  return r;
}

/// A near-duplicate's mention carries the cluster's first post and size;
/// every mention of an indexed post, its cluster for campaign alerts.
void set_near_duplicate(mention_record& r, const dedup::near_duplicate_match& d, const post& p) {
  if (d.duplicate) {
    r.duplicate_of = d.duplicate_of;
    r.duplicates = d.cluster_size;
  }
  if (d.indexed) r.cluster = {d.cluster_id, d.duplicate ? d.duplicate_of : p.id, dedup::author_of(p)};
}

}  // namespace

void sitod::impl::notify_posts_appended() {
  { std::lock_guard lock(match_mutex); }
  match_cv.notify_one();
}

uint64_t sitod::impl::live_from(uint64_t version) {
  std::lock_guard lock(scan_mutex);
  for (const auto& [v, offset] : version_starts)
    if (v >= version) return offset;
  return scan_cursor;
}

void sitod::impl::matcher_loop() {
  std::vector<stored_post> batch;
  std::vector<post> posts;
  std::vector<mention_record> mentions;
  scan_output out, delta_out;
  std::vector<uint32_t> matched;        // posts either ruleset matched
  std::vector<int64_t> times_ms;        // the batch's ingest times
  std::vector<dedup::near_duplicate_match> duplicates;
  std::vector<stream_facts> facts, delta_facts;
  constexpr size_t max_batch = 4096;
  constexpr size_t max_batch_bytes = 64u << 20;  // posts with images are large: bound the batch's memory too
  for (;;) {
    {
      std::unique_lock lock(match_mutex);
      // Rollups gathered and the stream paused (nothing for rollup_idle_flush)
      // or stopping: written now.
      const bool woken = match_cv.wait_for(
          lock, rollup_idle_flush, [&] { return stopping || db->matched_watermark() < db->next_post_offset(); });
      if (db->matched_watermark() >= db->next_post_offset()) {
        if (!pending_rollups.empty() && (stopping || !woken)) {
          lock.unlock();
          const uint64_t wm = db->matched_watermark();
          if (db->commit_matches(wm, {}, &pending_rollups).ok()) {
            rollups_written(pending_rollups, now_ms());
            pending_rollups.clear();
          }  // else: kept, and written with a later commit
          last_rollup_flush = std::chrono::steady_clock::now();
          lock.lock();
        }
        if (stopping) return;
        continue;
      }
    }
    // Where the cycle's time goes (server_metrics::matcher_stage_us).
    auto stage_start = std::chrono::steady_clock::now();
    auto stage_done = [&](server_metrics::matcher_stage stage) {
      const auto now = std::chrono::steady_clock::now();
      metrics.matcher_stage_us[stage] +=
          static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(now - stage_start).count());
      stage_start = now;
    };
    const uint64_t from = db->matched_watermark();
    // Only posts whose append has completed (and been acknowledged).
    const uint64_t end = db->next_post_offset();
    batch.clear();
    if (end <= from || !db->read_posts(from, std::min<uint64_t>(max_batch, end - from), batch, max_batch_bytes).ok() || batch.empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    // One snapshot for the whole batch: no post is matched half old, half new.
    // Which version took which posts is kept for backfills (live_from).
    std::shared_ptr<const ruleset_state> rs;
    {
      std::lock_guard lock(scan_mutex);
      rs = current_ruleset();
      if (version_starts.empty() || version_starts.back().first != rs->version) {
        version_starts.emplace_back(rs->version, batch.front().offset);
        if (version_starts.size() > 4096) version_starts.pop_front();
      }
      scan_cursor = batch.back().offset + 1;
    }
    posts.clear();
    for (auto& sp : batch) posts.push_back(std::move(sp.p));
    stage_done(server_metrics::read);
    mentions.clear();
    const int64_t matched_at = now_ms();
    rs->scanner->scan(posts, out);
    if (rs->delta_scanner) rs->delta_scanner->scan(posts, delta_out);
    // Near-duplicates: every post either ruleset matched, once, in stream
    // order, before its mentions are made (near_duplicate_stage.hpp).
    matched.clear();
    std::set_union(out.matched_posts.begin(), out.matched_posts.end(),
                   rs->delta_scanner ? delta_out.matched_posts.begin() : out.matched_posts.end(),
                   rs->delta_scanner ? delta_out.matched_posts.end() : out.matched_posts.end(), std::back_inserter(matched));
    times_ms.clear();
    for (const auto& sp : batch) times_ms.push_back(sp.ingested_at_ms);
    near_dups->check(posts, matched, times_ms, duplicates, [&](uint32_t i) {
      auto b = out.bigrams_of(i);
      return b || !rs->delta_scanner ? b : delta_out.bigrams_of(i);
    });
    // `is:duplicate` in tags and rules: the duplicates among the posts such
    // topics matched are scanned again, now that their facts are known.
    facts.assign(posts.size(), {});
    for (const uint32_t i : matched) facts[i].duplicate = duplicates[i].duplicate;
    // Semantic tags: their indices are the ruleset's own, so the delta's
    // facts are a copy decided on the delta (semantic_stage.hpp).
    if (rs->delta_scanner) delta_facts = facts;
    semantic->decide(*rs->snapshot, posts, out, facts);
    rs->scanner->apply_facts(posts, facts, out);
    if (rs->delta_scanner) {
      semantic->decide(*rs->delta, posts, delta_out, delta_facts);
      rs->delta_scanner->apply_facts(posts, delta_facts, delta_out);
    }
    auto collect = [&](const scan_output& o, const ruleset_snapshot& snap, bool skip_shadowed) {
      for (const auto& m : o.matches) {
        const compiled_topic& t = snap.topics[m.topic];
        if (skip_shadowed && !rs->shadowed.empty() && rs->shadowed.count(ruleset_state::key(t.tenant, t.id))) continue;
        mentions.push_back(record_of(*rs, snap, o, m, batch[m.post].offset, batch[m.post].ingested_at_ms, matched_at));
        set_near_duplicate(mentions.back(), duplicates[m.post], posts[m.post]);
      }
    };
    uint64_t dropped = out.dropped;
    collect(out, *rs->snapshot, true);
    if (rs->delta_scanner) {
      dropped += delta_out.dropped;
      collect(delta_out, *rs->delta, false);
    }
    // An edit gives only the mentions its replaced version would not have
    // given (store.hpp, idempotent ingest).
    std::map<uint64_t, std::set<std::string>> repeated = replaced_topics(*rs, batch);
    if (!repeated.empty()) {
      const size_t before = mentions.size();
      std::erase_if(mentions, [&](const mention_record& m) {
        auto it = repeated.find(m.post_offset);
        return it != repeated.end() && it->second.count(ruleset_state::key(m.tenant, m.topic)) != 0;
      });
      metrics.mentions_repeated_by_edits += before - mentions.size();
    }
    // Persons, after the edits' repeats are gone: the links a post records
    // are written with the mentions that stay (person_directory.hpp).
    for (auto& m : mentions) {
      const auto it = std::lower_bound(batch.begin(), batch.end(), m.post_offset,
                                       [](const stored_post& sp, uint64_t off) { return sp.offset < off; });
      persons->annotate(m, posts[static_cast<size_t>(it - batch.begin())]);
    }
    const uint64_t watermark = batch.back().offset + 1;
    // Rollups (store.hpp, "Rollups"): the text mentions of earlier batches,
    // gathered in pending_rollups, are written with this commit every
    // rollup_flush_interval; this batch's are counted into it on the
    // rollup thread while the commit waits on the disk.
    const bool flush = !pending_rollups.empty() &&
                       std::chrono::steady_clock::now() - last_rollup_flush >= rollup_flush_interval;
    if (flush) std::swap(pending_rollups, flushing_rollups);
    const rollup_batch* rollups = flush ? &flushing_rollups : nullptr;
    std::packaged_task<void()> count([&] {
      add_rollups(pending_rollups, mentions, [&](const mention_record& m) {
        const auto it = std::lower_bound(batch.begin(), batch.end(), m.post_offset,
                                         [](const stored_post& sp, uint64_t off) { return sp.offset < off; });
        const size_t i = static_cast<size_t>(it - batch.begin());
        return std::pair<const post*, int64_t>(&posts[i], it->ingested_at_ms);
      });
    });
    std::future<void> counted = count.get_future();
    if (config.stats.rollups && !mentions.empty()) net::post(rollup_thread, [&count] { count(); });
    else count();
    // The batch's posts and mentions stay untouched until it is done.
    struct join_count {
      std::future<void>& f;
      ~join_count() { f.wait(); }
    } join{counted};
    stage_done(server_metrics::scan);
    status st = db->commit_matches(watermark, mentions, rollups);
    // A store that cannot write (a full disk): the same commit again, backing
    // off to once a second, until it can. The log says it once (and the
    // store check says when writing stopped and came back). On a stop the
    // batch stays unmatched: the next start matches it from the watermark.
    for (auto wait = std::chrono::milliseconds(10); !st.ok(); wait = std::min(2 * wait, std::chrono::milliseconds(1000))) {
      if (wait == std::chrono::milliseconds(10))
        log_error("commit_matches failed; retrying until the store can write").with("error", st.message());
      {
        std::unique_lock lock(match_mutex);
        if (match_cv.wait_for(lock, wait, [&] { return stopping; })) return;
      }
      // Only the fsync failed, after a complete WAL record: the reopen
      // replayed the commit (same offsets, same mentions); writing it again
      // would store every mention twice.
      if (db->matched_watermark() >= watermark) {
        st = ok_status();
        break;
      }
      st = db->commit_matches(watermark, mentions, rollups);
    }
    if (flush && st.ok()) {
      rollups_written(flushing_rollups, matched_at);
      flushing_rollups.clear();
      last_rollup_flush = std::chrono::steady_clock::now();
    }
    counted.wait();
    stage_done(server_metrics::commit);
    // Which posts recent_posts keeps for delivery: all but those the OCR
    // lane takes below.
    auto kept = std::make_shared<recent_posts::batch>();
    kept->offsets.reserve(batch.size());
    kept->present.reserve(batch.size());
    for (size_t i = 0; i < batch.size(); ++i) {
      kept->offsets.push_back(batch[i].offset);
      kept->present.push_back(ocr && !posts[i].images.empty() ? 0 : 1);
    }
    // Text mentions are committed; posts with images go to the OCR lane
    // (never blocks: a full lane sheds by its policy).
    if (ocr && std::any_of(posts.begin(), posts.end(), [](const post& p) { return !p.images.empty(); })) {
      std::map<uint64_t, std::set<std::string>> text_topics;  // post offset → topics its text matched
      for (const auto& m : mentions) text_topics[m.post_offset].insert(ruleset_state::key(m.tenant, m.topic));
      for (auto& [offset, keys] : repeated) text_topics[offset].merge(keys);  // an edit's picture text too
      for (size_t i = 0; i < posts.size(); ++i) {
        if (posts[i].images.empty()) continue;
        ocr_job job;
        job.post_offset = batch[i].offset;
        job.ingested_at_ms = batch[i].ingested_at_ms;
        if (auto it = text_topics.find(job.post_offset); it != text_topics.end()) job.text_topics = std::move(it->second);
        if (std::binary_search(matched.begin(), matched.end(), static_cast<uint32_t>(i)))
          job.near_duplicate = duplicates[i];
        job.p = std::move(posts[i]);
        ocr->offer(std::move(job));
      }
    }
    ++metrics.matcher_batches;
    metrics.posts_matched += batch.size();
    metrics.mentions_dropped_by_rules += dropped;
    // The posts stay at hand for delivery, before the subscriptions are
    // woken (those with images went on to the OCR lane: not kept).
    kept->posts = std::move(posts);
    posts = {};
    recent.add(std::move(kept));
    sink_mentions(mentions, matched_at);
    {
      std::lock_guard lock(match_mutex);
      sunk_watermark = watermark;
    }
    matched_cv.notify_all();
    stage_done(server_metrics::after);
  }
}

std::map<uint64_t, std::set<std::string>> sitod::impl::replaced_topics(const ruleset_state& rs,
                                                                       const std::vector<stored_post>& batch) {
  std::map<uint64_t, std::set<std::string>> out;
  auto collect = [&](const ruleset_snapshot& snap, batch_scanner& scanner, bool skip_shadowed) {
    for (const auto& [offset, topics] : detail::topics_of_replaced(*db, scanner, batch))
      for (const uint32_t t : topics) {
        std::string key = ruleset_state::key(snap.topics[t].tenant, snap.topics[t].id);
        if (!(skip_shadowed && rs.shadowed.count(key))) out[offset].insert(std::move(key));
      }
  };
  collect(*rs.snapshot, *rs.scanner, true);
  if (rs.delta_scanner) collect(*rs.delta, *rs.delta_scanner, false);
  return out;
}

void sitod::impl::publish_alerts(const std::vector<stream_alert>& alerts) {
  metrics.alerts_raised += alerts.size();
  for (const auto& a : alerts) {
    if (a.kind == alert_kind::campaign) {
      ++metrics.campaign_alerts;
      log_warning("near-duplicate campaign")
          .with("tenant", a.tenant)
          .with("topic", a.topic)
          .with("first_post", a.first_post)
          .with("authors", a.authors)
          .with("mentions", a.count);
    } else {
      log_warning("mention spike")
          .with("tenant", a.tenant)
          .with("topic", a.topic)
          .with("tag", a.tag)
          .with("count", a.count)
          .with("baseline", a.baseline);
    }
  }
  auto shared = std::make_shared<const std::vector<stream_alert>>(alerts);
  std::vector<std::shared_ptr<session>> targets;
  {
    std::lock_guard lock(sessions_mutex);
    targets.assign(sessions.begin(), sessions.end());
  }
  for (auto& s : targets) s->on_alerts(shared);
  if (connectors) connectors->on_alerts(alerts);
}

void sitod::impl::on_ocr_done(ocr_job& job, std::string image_text) {
  const int64_t done_at = now_ms();
  auto record_latency = [&] {
    const uint64_t ms = static_cast<uint64_t>(std::max<int64_t>(0, done_at - job.ingested_at_ms));
    ocr_stats.latency_ms_sum += ms;
    uint64_t prev = ocr_stats.latency_ms_max.load();
    while (ms > prev && !ocr_stats.latency_ms_max.compare_exchange_weak(prev, ms)) {
    }
  };
  if (image_text.empty()) {
    record_latency();
    return;
  }
  post without = std::move(job.p);
  post with = without;
  with.image_text = without.image_text.empty() ? image_text : without.image_text + "\n" + image_text;
  if (status st = db->set_post_image_text(job.post_offset, with.image_text); !st.ok() && st.code() != status_code::not_found)
    log_error("storing OCR text failed").with("error", st.message());
  std::shared_ptr<const ruleset_state> rs = current_ruleset();
  std::vector<post> pair;
  pair.push_back(std::move(with));
  pair.push_back(std::move(without));
  std::vector<mention_record> found;
  scan_output out;
  auto collect = [&](const ruleset_snapshot& snap, bool skip_shadowed) {
    std::set<uint32_t> without_ocr;  // topics the same ruleset matches without the OCR text
    for (const auto& m : out.matches)
      if (m.post == 1) without_ocr.insert(m.topic);
    for (const auto& m : out.matches) {
      if (m.post != 0 || without_ocr.count(m.topic)) continue;
      const compiled_topic& t = snap.topics[m.topic];
      const std::string key = ruleset_state::key(t.tenant, t.id);
      if (skip_shadowed && rs->shadowed.count(key)) continue;
      if (job.text_topics.count(key) || ocr_off_tenants.count(t.tenant)) continue;
      mention_record r = record_of(*rs, snap, out, m, job.post_offset, job.ingested_at_ms, done_at);
      r.from_image = true;
      persons->annotate(r, pair[1]);
      found.push_back(std::move(r));
    }
  };
  // The text pass's near-duplicate check, or (the post is checked once
  // its pictures' text matched) one now: `is:duplicate` holds for both
  // versions of the post alike.
  // Semantic tags are decided on the version with the pictures' text (and
  // the other, so that both versions compare alike).
  std::vector<stream_facts> facts;
  auto scan_with_facts = [&](const batch_scanner& scanner) {
    facts.assign(2, stream_facts{job.near_duplicate && job.near_duplicate->duplicate, {}});
    scanner.scan(pair, out, job.near_duplicate ? std::span<const stream_facts>(facts) : std::span<const stream_facts>());
    bool again = false;
    if (!job.near_duplicate && !out.matched_posts.empty() && out.matched_posts.front() == 0) {
      job.near_duplicate = near_dups->check_one(pair[1], job.ingested_at_ms);
      facts.assign(2, stream_facts{job.near_duplicate->duplicate, {}});
      again = true;
    }
    if (semantic->decide(*scanner.snapshot(), pair, out, facts) && !out.semantic_wanted.empty()) again = true;
    if (again) scanner.apply_facts(pair, facts, out);
  };
  scan_with_facts(*rs->scanner);
  collect(*rs->snapshot, true);
  if (rs->delta_scanner) {
    scan_with_facts(*rs->delta_scanner);
    collect(*rs->delta, false);
  }
  if (!found.empty()) {
    if (job.near_duplicate)
      for (auto& r : found) set_near_duplicate(r, *job.near_duplicate, pair[1]);
    // Mentions from pictures carry their own rollups (store.hpp, "Rollups").
    const post& read = pair[0];
    rollup_batch rollups;
    add_rollups(rollups, found,
                [&](const mention_record&) { return std::pair<const post*, int64_t>(&read, job.ingested_at_ms); });
    if (status st = db->append_mentions(found, rollups.empty() ? nullptr : &rollups); !st.ok()) {
      log_error("appending OCR mentions failed").with("error", st.message());
      return;
    }
    rollups_written(rollups, done_at);
    ocr_stats.mentions += found.size();
    sink_mentions(found, done_at);  // mentions found in pictures count and can spike too
  }
  record_latency();
}

void sitod::impl::add_rollups(
    rollup_batch& cells, const std::vector<mention_record>& mentions,
    const std::function<std::pair<const post*, int64_t>(const mention_record&)>& post_at) {
  if (!config.stats.rollups) return;
  for (const auto& m : mentions) {
    const auto [p, ingested_at_ms] = post_at(m);
    cells.add(m, *p, ingested_at_ms);
  }
}

void sitod::impl::rollups_written(const rollup_batch& cells, int64_t now) {
  const int64_t hour = now / 3'600'000;
  std::lock_guard lock(metrics.per_topic_mutex);
  if (hour != metrics.live_hour) {
    metrics.live_hour = hour;
    metrics.live_hour_cells.clear();
  }
  cells.for_each_cell([&](const std::string& tenant, const std::string& topic, const std::string& tag, int64_t,
                          const rollup_cell& cell) {
    if (!topic.empty() && tag.empty()) metrics.live_hour_cells[tenant + "/" + topic].merge(cell);
  });
}

void sitod::impl::notify_mentions(const std::set<std::string>& tenants) {
  std::vector<std::shared_ptr<session>> targets;
  {
    std::lock_guard lock(sessions_mutex);
    targets.assign(sessions.begin(), sessions.end());
  }
  for (auto& s : targets)
    for (const auto& t : tenants) s->on_mentions(t);
  if (connectors) connectors->on_mentions(tenants);
}

void sitod::impl::sink_mentions(const std::vector<mention_record>& mentions, int64_t at_ms) {
  if (mentions.empty()) return;
  metrics.mentions_committed += mentions.size();
  {
    std::lock_guard lock(metrics.per_topic_mutex);
    for (const auto& m : mentions) ++metrics.mentions_per_topic[m.tenant + "/" + m.topic];
  }
  // Aggregates, spike and campaign alerts count committed live mentions.
  std::vector<stream_alert> alerts;
  std::set<std::string> tenants;
  for (const auto& m : mentions) {
    tenants.insert(m.tenant);
    auto raised = stats.record(m.tenant, m.topic, m.tags, static_cast<rules::sentiment>(m.sentiment), at_ms);
    alerts.insert(alerts.end(), std::make_move_iterator(raised.begin()), std::make_move_iterator(raised.end()));
    if (m.cluster.id == 0 || m.backfill) continue;
    if (auto campaign = campaigns->observe(m.tenant, m.topic, m.cluster.id, m.cluster.first_post, m.cluster.author,
                                           m.ingested_at_ms)) {
      stats.add_alert(*campaign);  // numbered and listed with the spikes (Stats)
      alerts.push_back(std::move(*campaign));
    }
  }
  if (!alerts.empty()) publish_alerts(alerts);
  notify_mentions(tenants);
}

}  // namespace sito::server
