// Private: a connector's `filter`, a mention condition in the language of a
// rule's `when`, tested on a mention read back from the mention log.
//
//   SITO_ASSIGN_OR_RETURN(auto f, mention_filter::compile("sentiment:negative AND tag:\"Риск\""));
//   if (f.matches(record, post)) deliver(record);
//
// The engine's parser and validator read the text (the same diagnostics as
// `sito validate --as rule`), and the engine's filter evaluator
// (engine/src/scan/filter_eval.hpp) tests each filter on the mention's
// stored facts and its post's metadata; this file only walks AND, OR and
// NOT. A stored mention keeps its tags, sentiment and flags but not the
// scan's term hits, so text terms (words, phrases, NEAR, #tags) and is:own
// (not stored) are refused at load with their position: tag the words in
// the topic and filter on tag:"...".
//
// Thread-safety: compile() is a pure function; a compiled filter is
// immutable and matches() may be called from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "sito/base/status.hpp"
#include "sito/model/post.hpp"
#include "sito/server/wire_convert.hpp"

namespace sito::server {

class mention_filter {
 public:
  /// An empty (or blank) text passes every mention. Errors name the
  /// position and the reason (the caller prefixes the config key).
  static result<mention_filter> compile(std::string_view text);
  /// Whether `m`, a mention of post `p`, passes the filter.
  bool matches(const mention_record& m, const post& p) const;

 private:
  struct tree;
  std::shared_ptr<const tree> tree_;  ///< null: pass everything
};

}  // namespace sito::server
