// The Stats message: the rolling counters, aggregates and alerts of the
// tenant, and, with `by`, the period measures from the durable rollups
// (sito/server/period_stats.hpp), computed on the queries pool.
#include <algorithm>

#include "server_impl.hpp"
#include "session_wire.hpp"
#include "sito/server/period_stats.hpp"

namespace sito::server {

using namespace sito::wire;
using namespace session_wire;

namespace {

/// Every tag path a topic can set: its tags and those its rules add.
std::vector<std::string> tag_paths_of(const topic_spec& t) {
  std::vector<std::string> paths;
  for (const auto& tag : t.tags) paths.push_back(tag.path);
  for (const auto& r : t.rules) paths.insert(paths.end(), r.then.add_tags.begin(), r.then.add_tags.end());
  return paths;
}

}  // namespace

void session::on_stats(uint64_t rid, const Stats& m) {
  const auto& mt = server_.metrics;
  const auto tenant_topics = server_.db->topics(tenant_);  // -1 when the store cannot be read
  std::vector<std::pair<std::string, double>> cs = {
      {"posts_ingested", double(mt.posts_ingested)},
      {"posts_matched", double(mt.posts_matched)},
      {"mentions_committed", double(mt.mentions_committed)},
      {"mentions_delivered", double(mt.mentions_delivered)},
      {"snapshot_version", double(mt.snapshot_version)},
      {"delta_topics", double(mt.delta_topics)},
      {"tenant_topics", tenant_topics.ok() ? double(tenant_topics->size()) : -1.0},
      {"tenant_mention_offset", double(server_.db->next_mention_offset(tenant_))},
      {"matcher_batches", double(mt.matcher_batches)},
  };
  for (int k = 0; k < server_metrics::matcher_stage_count; ++k)
    cs.push_back({std::string("matcher_") + server_metrics::matcher_stage_names[k] + "_us",
                  double(mt.matcher_stage_us[k])});
  const auto rows = server_.stats.summary(tenant_, now_ms());
  const auto alerts = server_.stats.recent_alerts(tenant_);
  auto send = [self = shared_from_this(), rid, cs = std::move(cs), rows, alerts](
                  const std::vector<period_row>& periods, const std::string& zone) {
    self->send_stats(rid, cs, rows, alerts, periods, zone);
  };
  if (str(m.by()).empty()) {
    send({}, "");
    return;
  }
  // A period query reads up to a year of rollups: off the I/O threads.
  period_query q;
  q.tenant = tenant_;
  q.topic = str(m.topic());
  q.tag = str(m.tag());
  q.time_zone = str(m.time_zone());
  if (q.time_zone.empty()) q.time_zone = server_.time_zone_of(tenant_);
  if (m.among())
    for (const auto* t : *m.among()) {
      // A group's name (config topic_groups) stands for its topics.
      auto group = server_.topic_group(tenant_, t->str());
      if (group.empty()) q.among.push_back(t->str());
      else q.among.insert(q.among.end(), group.begin(), group.end());
    }
  const std::string by = str(m.by()), from = str(m.from()), to = str(m.to());
  busy_ = true;
  auto self = shared_from_this();
  net::post(server_.queries, [self, rid, q = std::move(q), by, from, to, send]() mutable {
    auto run = [&]() -> result<std::vector<period_row>> {
      const auto unit = parse_period_unit(by);
      if (!unit) return invalid_argument("by: '" + by + "' is not hour, day, week, month or all");
      q.by = *unit;
      const int64_t now = now_ms();
      if (from.empty()) return invalid_argument("from: required with by (e.g. -7d or 2026-11-01)");
      SITO_ASSIGN_OR_RETURN(q.from_ms, parse_time(from, q.time_zone, now));
      SITO_ASSIGN_OR_RETURN(q.to_ms, parse_time(to.empty() ? std::string("now") : to, q.time_zone, now));
      if (!q.topic.empty()) {
        SITO_ASSIGN_OR_RETURN(auto topics, self->server_.db->topics(self->tenant_));
        const auto it = std::find_if(topics.begin(), topics.end(), [&](const topic_spec& t) { return t.id == q.topic; });
        if (it == topics.end() && q.among.empty()) return not_found("no topic '" + q.topic + "'");
        if (it != topics.end())
          q.nps = it->nps.empty() ? nps_tags_of(tag_paths_of(*it))
                                  : nps_tags{it->nps.promoters, it->nps.passives, it->nps.detractors};
      }
      return query_periods(*self->server_.db, q);
    };
    auto periods = run();
    net::post(self->strand_, [self, rid, periods = std::move(periods), zone = q.time_zone, send] {
      self->busy_ = false;
      if (!periods.ok())
        self->send_error(rid, periods.error(), "Stats");
      else
        send(*periods, zone);
      self->process_frames();
      self->read_more();
    });
  });
}

void session::send_stats(uint64_t rid, const std::vector<std::pair<std::string, double>>& cs,
                         const std::vector<stream_stats::row>& rows, const std::vector<stream_alert>& alerts,
                         const std::vector<period_row>& periods, const std::string& zone) {
  reply(rid, Message::StatsResult, [&](fb::FlatBufferBuilder& b) {
    std::vector<fb::Offset<Counter>> v;
    for (auto& [k, val] : cs) v.push_back(CreateCounterDirect(b, k.c_str(), val));
    std::vector<fb::Offset<Aggregate>> ag;
    auto counts = [&](const sentiment_counts& c) { return CreateSentimentCounts(b, c.negative, c.neutral, c.positive); };
    for (const auto& r : rows) {
      auto topic = b.CreateString(r.topic);
      auto tag = b.CreateString(r.tag);
      auto minute = counts(r.minute), hour = counts(r.hour), day = counts(r.day);
      ag.push_back(CreateAggregate(b, topic, tag, minute, hour, day, r.hour.loyalty(), r.day.loyalty(),
                                   r.share_of_voice_hour, r.share_of_voice_day));
    }
    std::vector<fb::Offset<Alert>> al;
    for (const auto& a : alerts) al.push_back(alert_to_wire(b, a));
    std::vector<fb::Offset<PeriodRow>> pr;
    for (const auto& r : periods)
      pr.push_back(CreatePeriodRowDirect(b, r.from_ms, r.to_ms, r.from.c_str(), r.to.c_str(), r.topic.c_str(),
                                         r.tag.c_str(), r.mentions, r.negative, r.neutral, r.positive, r.loyalty,
                                         r.authors, r.audience, r.reach, r.engagement, r.er, r.wom, r.wom_share, r.nps,
                                         r.share_of_voice, r.estimated));
    return CreateStatsResultDirect(b, &v, &ag, &al, periods.empty() ? nullptr : &pr, zone.empty() ? nullptr : zone.c_str())
        .Union();
  });
}

}  // namespace sito::server
