// sitod's backfill job: one topic, compiled into its own snapshot, over the
// retained posts the live matcher took before the topic (as it is now) went
// live (ruleset_registry.cpp: backfill_range), in batches; the mentions are
// appended marked backfill, and what is stored is recorded as done, so a
// backfill sent again after a failure goes on from there. Runs on the
// background pool (admin_handlers.cpp posts it).
#include "replaced_versions.hpp"
#include "server_impl.hpp"

namespace sito::server {

status sitod::impl::run_backfill(const std::string& tenant, const std::string& id, int64_t from_ms, int64_t to_ms,
                                 uint64_t& scanned, uint64_t& produced) {
  status st = ok_status();
  std::vector<topic_spec> topics;
  auto stored = db->topics(tenant);
  if (!stored.ok()) st = stored.error();
  else
    for (auto& t : *stored)
      if (t.id == id) topics.push_back(t);
  if (st.ok() && topics.empty()) st = not_found("no topic '" + id + "'");
  std::shared_ptr<const ruleset_snapshot> snap;
  if (st.ok()) {
    auto compiled = compile_topics(topics, compile_opts);
    if (!compiled.ok()) st = compiled.error();
    else if ((*compiled)->topics.empty()) st = invalid_argument("topic '" + id + "' does not compile");
    else snap = *compiled;
  }
  if (st.ok()) {
    batch_scanner scanner(snap);
    scan_output out;
    std::vector<stored_post> batch;
    std::vector<post> posts;
    // Up to where the matcher began to match with the topic as it is now:
    // the posts after that are matched live, and those before it only here.
    const auto span = backfill_range(tenant, id);
    const uint64_t end = span.end;
    for (uint64_t from = span.begin; from < end && st.ok();) {
      batch.clear();
      st = db->read_posts(from, static_cast<size_t>(std::min<uint64_t>(4096, end - from)), batch);
      if (!st.ok() || batch.empty()) break;
      from = batch.back().offset + 1;
      posts.clear();
      std::vector<uint64_t> offsets;
      std::vector<int64_t> ingested;
      for (auto& sp : batch) {
        if ((from_ms && sp.ingested_at_ms < from_ms) || (to_ms && sp.ingested_at_ms > to_ms)) continue;
        offsets.push_back(sp.offset);
        ingested.push_back(sp.ingested_at_ms);
        posts.push_back(std::move(sp.p));
      }
      scanned += posts.size();
      // An edit gives the topic's mention only if its earlier version did not.
      const auto earlier = server::detail::topics_of_replaced(*db, scanner, batch);
      scanner.scan(posts, out);
      std::vector<mention_record> mentions;
      for (const auto& x : out.matches) {
        if (auto e = earlier.find(offsets[x.post]); e != earlier.end() && e->second.count(x.topic)) continue;
        mention_record r;
        r.post_offset = offsets[x.post];
        r.ingested_at_ms = ingested[x.post];
        r.matched_at_ms = now_ms();
        r.backfill = true;
        annotate_mention(r, out, x, *snap);
        persons->annotate(r, posts[x.post]);
        mentions.push_back(std::move(r));
      }
      produced += mentions.size();
      if (!mentions.empty()) st = db->append_mentions(mentions);
      // What is stored is done: a backfill sent again after a failure
      // (the store could not write) goes on from here, not from the start.
      if (st.ok()) backfill_done(tenant, id, {span.version, span.begin, from});
    }
    if (st.ok()) backfill_done(tenant, id, span);
  }
  return st;
}

}  // namespace sito::server
