// Private: batch_scanner's state, shared by the driver (batch_scanner.cpp)
// and explain (explain.cpp).
#pragma once

#include <tbb/enumerable_thread_specific.h>

#include "scan/scan_state.hpp"
#include "sito/scan/batch_scanner.hpp"

namespace sito {

struct batch_scanner::impl {
  std::shared_ptr<const ruleset_snapshot> snap;
  scan_options options;
  hs_scratch_t* prototype = nullptr;  // allocated for both databases
  mutable tbb::enumerable_thread_specific<detail::thread_scratch> scratch;

  impl(std::shared_ptr<const ruleset_snapshot> s, scan_options o);
  ~impl();
  impl(const impl&) = delete;
  impl& operator=(const impl&) = delete;

  /// The calling thread's scratch, sized for the snapshot.
  detail::thread_scratch& local() const;
  /// Analysis and the first term pass of one post into `slot`; false (and
  /// `why`) when the post is rejected.
  bool prepare(detail::thread_scratch& ts, const post& p, detail::post_slot& slot, status& why) const;
  /// `facts`: empty, or one per post of `posts`.
  void scan_chunk(std::span<const post> posts, uint32_t base, scan_output& out,
                  std::span<const stream_facts> facts) const;
  void evaluate(detail::thread_scratch& ts, const post& p, detail::post_slot& slot, uint32_t post_index,
                scan_output& out, const stream_facts* facts) const;
};

}  // namespace sito
