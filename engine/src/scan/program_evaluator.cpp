#include "scan/program_evaluator.hpp"

#include <algorithm>

#include "scan/filter_eval.hpp"

namespace sito::detail {
namespace {

query::field field_of(uint8_t f) {
  return f == 0 ? query::field::title : f == 1 ? query::field::text : query::field::image;
}

/// Gap between two spans per DESIGN §3: start of the later minus end of the
/// earlier, 0 when they overlap.
int64_t gap(const span_value& a, const span_value& b) {
  const span_value& first = a.start <= b.start ? a : b;
  const span_value& second = a.start <= b.start ? b : a;
  return std::max<int64_t>(0, int64_t(second.start) - int64_t(first.end));
}

}  // namespace

uint32_t program_evaluator::add_hl(const highlight& h) {
  hls_.push_back(h);
  return static_cast<uint32_t>(hls_.size() - 1);
}

void program_evaluator::collect_highlights(const value& v, std::vector<highlight>& dst) const {
  for (uint32_t k = 0; k < v.hl_count; ++k) dst.push_back(hls_[v.hl_begin + k]);
  for (uint32_t s = 0; s < v.span_count; ++s) {
    const span_value& sp = spans_[v.span_begin + s];
    for (uint32_t k = 0; k < sp.hl_count; ++k) dst.push_back(hls_[sp.hl_begin + k]);
  }
}

bool program_evaluator::evaluate_topic(const ruleset_snapshot& snap, const compiled_topic& t,
                                       const hit_view& hits, const post_meta& meta,
                                       std::vector<highlight>& out, std::vector<node_trace>* trace) {
  snap_ = &snap;
  hits_ = &hits;
  meta_ = &meta;
  trace_ = trace;
  spans_.clear();
  hls_.clear();

  bool channel_hit = false;
  for (const auto& c : t.channels) channel_hit = channel_hit || c == meta.channel;

  value v;
  // The boolean skeleton first (not when tracing: explain shows every node).
  if (t.root != no_node && (trace_ || may_hold(t.root))) v = eval(t.root, 0);
  const bool matched = t.root == no_node ? channel_hit
                       : t.channel_and_query ? (channel_hit && v.truth)
                                             : (channel_hit || v.truth);
  if (!matched) return false;
  if (v.truth) {
    const size_t before = out.size();
    collect_highlights(v, out);
    std::sort(out.begin() + before, out.end());
    out.erase(std::unique(out.begin() + before, out.end()), out.end());
  }
  return true;
}

bool program_evaluator::evaluate_condition(const ruleset_snapshot& snap, uint32_t root, const hit_view& hits,
                                           const post_meta& meta, std::vector<node_trace>* trace) {
  snap_ = &snap;
  hits_ = &hits;
  meta_ = &meta;
  trace_ = trace;
  spans_.clear();
  hls_.clear();
  return eval(root, 0).truth;
}

bool program_evaluator::may_hold(uint32_t id) const {
  const program_node& n = snap_->nodes[id];
  const uint32_t* kids = snap_->children.data() + n.first_child;
  switch (n.kind) {
    case op::leaf:
    case op::contains:
      for (const hit& h : hits_->of(n.atom))
        if (n.fields & field_bit(h.field)) return true;
      return false;
    case op::seq:
    case op::prox_phrase:
    case op::near:
    case op::and_:
      for (uint32_t k = 0; k < n.child_count; ++k)
        if (!may_hold(kids[k])) return false;
      return true;
    case op::or_:
      for (uint32_t k = 0; k < n.child_count; ++k)
        if (may_hold(kids[k])) return true;
      return false;
    case op::not_:
      return true;  // its truth needs the child's exact value
    case op::filter:
      return eval_filter(snap_->filters[n.filter], *meta_);
  }
  return true;
}

program_evaluator::value program_evaluator::eval(uint32_t id, uint32_t depth) {
  const program_node& n = snap_->nodes[id];
  auto kid = [&](uint32_t k) { return snap_->children[n.first_child + k]; };
  value v;
  const size_t trace_slot = trace_ ? trace_->size() : 0;
  if (trace_) trace_->push_back({id, depth, false, 0});

  switch (n.kind) {
    case op::leaf: {
      v.span_begin = static_cast<uint32_t>(spans_.size());
      for (const hit& h : hits_->of(n.atom)) {
        if (!(n.fields & field_bit(h.field))) continue;
        uint32_t hl = add_hl({field_of(h.field), h.orig_begin, h.orig_end, n.label});
        spans_.push_back({h.field, h.position, h.position, hl, 1});
      }
      v.span_count = static_cast<uint32_t>(spans_.size()) - v.span_begin;
      v.truth = v.span_count > 0;
      break;
    }
    case op::seq: {
      v.span_begin = static_cast<uint32_t>(spans_.size());
      const program_node& first = snap_->nodes[kid(0)];
      for (const hit& h0 : hits_->of(first.atom)) {
        if (!(first.fields & field_bit(h0.field))) continue;
        const hit* last = &h0;
        bool ok = true;
        for (uint32_t k = 1; k < n.child_count && ok; ++k) {
          auto list = hits_->of(snap_->nodes[kid(k)].atom);
          hit probe{snap_->nodes[kid(k)].atom, h0.field, h0.position + k, 0, 0};
          auto it = std::lower_bound(list.begin(), list.end(), probe);
          ok = it != list.end() && it->field == h0.field && it->position == h0.position + k;
          if (ok) last = &*it;
        }
        if (!ok) continue;
        uint32_t hl = add_hl({field_of(h0.field), h0.orig_begin, last->orig_end, n.label});
        spans_.push_back({h0.field, h0.position, h0.position + n.child_count - 1, hl, 1});
      }
      v.span_count = static_cast<uint32_t>(spans_.size()) - v.span_begin;
      v.truth = v.span_count > 0;
      break;
    }
    case op::prox_phrase: {
      // Distinct atoms of the phrase with the multiplicity each needs.
      auto& need = need_;  // (atom, count); prox_phrase children are leaves, so no recursion
      need.clear();
      for (uint32_t k = 0; k < n.child_count; ++k) {
        uint32_t a = snap_->nodes[kid(k)].atom;
        auto it = std::find_if(need.begin(), need.end(), [&](auto& p) { return p.first == a; });
        if (it == need.end()) need.push_back({a, 1});
        else ++it->second;
      }
      v.span_begin = static_cast<uint32_t>(spans_.size());
      const uint8_t fields = snap_->nodes[kid(0)].fields;
      for (uint8_t f = 0; f < field_count; ++f) {
        if (!(fields & field_bit(f))) continue;
        auto& occ = occ_;
        occ.clear();
        for (uint32_t w = 0; w < need.size(); ++w)
          for (const hit& h : hits_->of(need[w].first))
            if (h.field == f) occ.push_back({h.position, w, &h});
        if (occ.empty()) continue;
        std::sort(occ.begin(), occ.end(), [](const occurrence& a, const occurrence& b) {
          return a.position != b.position ? a.position < b.position : a.word < b.word;
        });
        auto& counts = counts_;
        counts.assign(need.size(), 0);
        for (size_t l = 0; l < occ.size(); ++l) {
          const uint32_t lpos = occ[l].position;
          if (l > 0 && occ[l - 1].position == lpos) continue;  // same window start as before
          std::fill(counts.begin(), counts.end(), 0);
          for (size_t r = l; r < occ.size(); ++r) {
            const uint32_t rpos = occ[r].position;
            if (rpos - lpos > n.distance) break;
            ++counts[occ[r].word];
            if (r + 1 < occ.size() && occ[r + 1].position == rpos) continue;  // close at rpos's last
            bool full = true;
            for (size_t w = 0; w < need.size(); ++w) full = full && counts[w] >= need[w].second;
            if (!full) continue;
            const uint32_t hl_begin = static_cast<uint32_t>(hls_.size());
            for (size_t k = l; k <= r; ++k)
              add_hl({field_of(f), occ[k].h->orig_begin, occ[k].h->orig_end, n.label});
            spans_.push_back({f, lpos, rpos, hl_begin, static_cast<uint32_t>(r - l + 1)});
          }
        }
      }
      v.span_count = static_cast<uint32_t>(spans_.size()) - v.span_begin;
      v.truth = v.span_count > 0;
      break;
    }
    case op::near: {
      value a = eval(kid(0), depth + 1);
      value b = a.truth ? eval(kid(1), depth + 1) : value{};
      v.span_begin = static_cast<uint32_t>(spans_.size());
      if (a.truth && b.truth) {
        for (uint32_t i = 0; i < a.span_count; ++i) {
          for (uint32_t j = 0; j < b.span_count; ++j) {
            const span_value x = spans_[a.span_begin + i];
            const span_value y = spans_[b.span_begin + j];
            if (x.field != y.field) continue;
            bool ok;
            if (n.ordered) {
              int64_t g = int64_t(y.start) - int64_t(x.end);
              ok = g >= 1 && g <= int64_t(n.distance);
            } else {
              ok = gap(x, y) <= int64_t(n.distance);
            }
            if (!ok) continue;
            const uint32_t hl_begin = static_cast<uint32_t>(hls_.size());
            for (uint32_t k = 0; k < x.hl_count; ++k) hls_.push_back(hls_[x.hl_begin + k]);
            for (uint32_t k = 0; k < y.hl_count; ++k) hls_.push_back(hls_[y.hl_begin + k]);
            spans_.push_back({x.field, std::min(x.start, y.start), std::max(x.end, y.end), hl_begin,
                              x.hl_count + y.hl_count});
          }
        }
      }
      v.span_count = static_cast<uint32_t>(spans_.size()) - v.span_begin;
      v.truth = v.span_count > 0;
      break;
    }
    case op::or_:
    case op::and_: {
      // Children's values go on a stack shared by the whole evaluation; their
      // spans/highlights are then copied into one contiguous run of ours.
      const size_t base = stack_.size();
      const bool is_and = n.kind == op::and_;
      v.truth = is_and;
      for (uint32_t k = 0; k < n.child_count; ++k) {
        // A leaf whose atom did not hit at all is false with nothing to
        // carry: decided here without the call (OR lists of spelling
        // variants and product words are mostly such leaves).
        if (!trace_) {
          const program_node& c = snap_->nodes[kid(k)];
          if ((c.kind == op::leaf || c.kind == op::contains) && hits_->of(c.atom).empty()) {
            if (is_and) {
              v.truth = false;
              break;
            }
            continue;
          }
        }
        value c = eval(kid(k), depth + 1);
        if (is_and && !c.truth) {
          v.truth = false;
          break;
        }
        if (c.truth || n.positional) stack_.push_back(c);
        v.truth = v.truth || c.truth;
      }
      if (v.truth && n.positional) {
        v.span_begin = static_cast<uint32_t>(spans_.size());
        for (size_t k = base; k < stack_.size(); ++k)
          for (uint32_t s = 0; s < stack_[k].span_count; ++s) spans_.push_back(spans_[stack_[k].span_begin + s]);
        v.span_count = static_cast<uint32_t>(spans_.size()) - v.span_begin;
      } else if (v.truth) {
        v.hl_begin = static_cast<uint32_t>(hls_.size());
        for (size_t k = base; k < stack_.size(); ++k) collect_highlights(stack_[k], hls_);
        v.hl_count = static_cast<uint32_t>(hls_.size()) - v.hl_begin;
      }
      stack_.resize(base);
      break;
    }
    case op::not_:
      v.truth = !eval(kid(0), depth + 1).truth;
      break;
    case op::filter:
      v.truth = eval_filter(snap_->filters[n.filter], *meta_);
      break;
    case op::contains: {
      v.hl_begin = static_cast<uint32_t>(hls_.size());
      for (const hit& h : hits_->of(n.atom)) {
        if (!(n.fields & field_bit(h.field))) continue;
        hls_.push_back({field_of(h.field), h.orig_begin, h.orig_end, n.label});
      }
      v.hl_count = static_cast<uint32_t>(hls_.size()) - v.hl_begin;
      v.truth = v.hl_count > 0;
      break;
    }
  }
  if (trace_) {
    (*trace_)[trace_slot].truth = v.truth;
    (*trace_)[trace_slot].spans = v.span_count;
  }
  return v;
}

}  // namespace sito::detail
