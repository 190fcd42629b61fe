// Private: metadata filters against a post.
#pragma once

#include "scan/post_context.hpp"
#include "sito/query/ast.hpp"

namespace sito::detail {

/// `f.value` must already be normalized (the compiler does it).
bool eval_filter(const query::filter_spec& f, const post_meta& meta);

}  // namespace sito::detail
