// File: server/src/person_directory.hpp
//
// sitod's persons (README "One author across platforms"): one author_graph
// per tenant, loaded from the store at start and kept durable there. The
// matcher asks it for each mention's person (annotate), which also records
// the links the post carries; admins link and unlink ids through it.
//
// A tenant's graph holds only the ids that ever had a link: an author
// without links is its own person and costs nothing.
//
// Durability. An admin change is written (synced) before it is applied in
// memory, so a failed write changes nothing. A post's new links are applied
// in memory at once and written with the mentions they came with
// (store::commit_matches): a crash before that commit re-matches the posts
// and records them again. A post's link stored after an admin removed the
// same pair (a race of the two) is ignored on load, as the block says.
//
// Thread-safety: every method is safe to call concurrently (one mutex).
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "author_graph.hpp"
#include "sito/base/status.hpp"
#include "sito/model/post.hpp"
#include "sito/server/store.hpp"
#include "sito/server/wire_convert.hpp"

namespace sito::server {

/// A person as the admin API answers it.
struct person_view {
  std::string person_id;
  std::vector<std::string> members;  ///< sorted
  std::vector<author_graph::pair> links;  ///< the recorded links among them, sorted
};

class person_directory {
 public:
  explicit person_directory(store& db) : db_(db) {}

  /// Rebuilds every tenant's graph from the stored links and blocks. Call
  /// once, before the matcher runs.
  status load();

  /// The author id a post's mentions are filed under: dedup::author_of
  /// (`source:id`, else `source:handle`), empty when the post has neither
  /// or the id contains NUL or a control character.
  static std::string author_key(const post& p);

  /// Sets m.author, m.person_id and m.new_links (p's author.links not yet
  /// recorded for m.tenant, now recorded in memory; the store writes them
  /// with the mention). Links that fail author_link_error are skipped.
  void annotate(mention_record& m, const post& p);

  /// Admin: links a and b (both `platform:id`); the person after.
  result<person_view> link(const std::string& tenant, const std::string& a, const std::string& b);
  /// Admin: removes every link of a (other empty) or the one link a–other;
  /// the person of `a` after.
  result<person_view> unlink(const std::string& tenant, const std::string& a, const std::string& other);
  /// The person of `a` now; `a` alone when it has no links.
  person_view person(const std::string& tenant, const std::string& a);

 private:
  person_view view_locked(author_graph& g, const std::string& a);

  store& db_;
  std::mutex mutex_;
  std::map<std::string, author_graph> graphs_;  ///< tenant → graph; under mutex_
};

}  // namespace sito::server
