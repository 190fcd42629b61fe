#include "sito/query/parser.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "query/lexer.hpp"
#include "sito/query/printer.hpp"

namespace sito::query {
namespace {

using detail::token;
using detail::token_kind;

/// The most alternatives one OR may have before parse() warns.
constexpr size_t max_or_alternatives_without_warning = 1000;

const char* const depth_message = "the query nests too deeply";

/// A parsed subtree and its height (nodes on the longest root-to-leaf path).
/// Carrying the height lets the parser bound tree depth without recursion.
struct expr {
  node n;
  int height = 1;
};

/// Recursive-descent parser over the token list (grammar in parser.hpp).
/// Stops at the first syntax error, which it stores in error_.
///
/// Two depth limits keep recursion bounded whatever the input:
/// - syntactic nesting (each `(`, NOT and field prefix, a prefix and its
///   group counting once) is at most max_query_depth, so the parser's own
///   recursion is bounded;
/// - the height of the tree is at most max_query_depth, so every recursive
///   walk over a parsed tree (validation, printing, same_tree) is bounded,
///   including left-nested NEAR chains that need no recursion to parse.
/// print(t) nests each composite node once, so a tree that passes re-parses.
class parser {
 public:
  explicit parser(const std::vector<token>& tokens) : t_(tokens) {}

  std::optional<node> run() {
    if (peek().kind == token_kind::end) {
      fail(peek().begin, "empty query", "type a term to search for, e.g. flowwow");
      return std::nullopt;
    }
    expr e;
    if (!parse_or(e)) return std::nullopt;
    const token& t = peek();
    if (t.kind == token_kind::rparen) {
      fail(t.begin, "unbalanced ')'", "remove it or add the matching '('");
      return std::nullopt;
    }
    if (t.kind != token_kind::end) {
      fail(t.begin, "unexpected token");
      return std::nullopt;
    }
    return std::move(e.n);
  }

  std::optional<diagnostic> error_;

 private:
  const token& peek() const { return t_[i_]; }
  const token& next() { return t_[i_++]; }

  bool fail(uint32_t offset, std::string message, std::string hint = {}) {
    if (!error_) {
      diagnostic d;
      d.offset = offset;
      d.message = std::move(message);
      d.hint = std::move(hint);
      error_ = std::move(d);
    }
    return false;
  }

  static bool starts_operand(const token& t) {
    switch (t.kind) {
      case token_kind::lparen:
      case token_kind::not_op:
      case token_kind::leaf:
      case token_kind::field_prefix:
        return true;
      default:
        return false;
    }
  }

  static std::string op_name(const token& t) {
    switch (t.kind) {
      case token_kind::and_op: return "AND";
      case token_kind::or_op: return "OR";
      case token_kind::not_op: return "NOT";
      case token_kind::near_op: return t.ordered ? "ONEAR" : "NEAR";
      default: return "operator";
    }
  }

  /// Reports the missing right operand of `op` unless the next token starts one.
  bool need_operand(const token& op) {
    if (starts_operand(peek())) return true;
    std::string name = op_name(op);
    if (op.kind == token_kind::not_op) {
      return fail(op.begin, "NOT needs an operand", "write e.g. -вакансия or NOT вакансия");
    }
    return fail(op.begin, name + " needs a right operand",
                "write something after " + name + ", or remove it");
  }

  bool check_height(const expr& e) {
    if (e.height > max_query_depth) {
      return fail(e.n.begin, depth_message,
                  "at most " + std::to_string(max_query_depth) + " levels; simplify the query");
    }
    return true;
  }

  /// Builds an and_/or_ node over `items` (two or more).
  bool make_list(node_kind kind, std::vector<expr>& items, expr& out) {
    out = expr{};
    out.n.kind = kind;
    out.n.begin = items.front().n.begin;
    out.n.end = items.back().n.end;
    int h = 0;
    out.n.children.reserve(items.size());
    for (auto& it : items) {
      h = std::max(h, it.height);
      out.n.children.push_back(std::move(it.n));
    }
    out.height = h + 1;
    return check_height(out);
  }

  bool parse_or(expr& out) {
    std::vector<expr> items(1);
    if (!parse_and(items[0])) return false;
    while (peek().kind == token_kind::or_op) {
      const token& op = next();
      if (!need_operand(op)) return false;
      items.emplace_back();
      if (!parse_and(items.back())) return false;
    }
    if (items.size() == 1) {
      out = std::move(items[0]);
      return true;
    }
    return make_list(node_kind::or_, items, out);
  }

  bool parse_and(expr& out) {
    std::vector<expr> items(1);
    if (!parse_near(items[0])) return false;
    while (true) {
      if (peek().kind == token_kind::and_op) {
        const token& op = next();
        if (!need_operand(op)) return false;
      } else if (!starts_operand(peek())) {
        break;
      }
      items.emplace_back();
      if (!parse_near(items.back())) return false;
    }
    if (items.size() == 1) {
      out = std::move(items[0]);
      return true;
    }
    return make_list(node_kind::and_, items, out);
  }

  bool parse_near(expr& out) {
    if (!parse_unary(out)) return false;
    while (peek().kind == token_kind::near_op) {
      const token& op = next();
      if (!need_operand(op)) return false;
      expr right;
      if (!parse_unary(right)) return false;
      expr joined;
      joined.n.kind = node_kind::near;
      joined.n.distance = op.distance;
      joined.n.ordered = op.ordered;
      joined.n.begin = out.n.begin;
      joined.n.end = right.n.end;
      joined.height = std::max(out.height, right.height) + 1;
      joined.n.children.push_back(std::move(out.n));
      joined.n.children.push_back(std::move(right.n));
      out = std::move(joined);
      if (!check_height(out)) return false;
    }
    return true;
  }

  bool enter(uint32_t offset) {
    if (++depth_ > max_query_depth) {
      return fail(offset, depth_message,
                  "at most " + std::to_string(max_query_depth) + " levels; simplify the query");
    }
    return true;
  }

  bool parse_unary(expr& out) {
    if (peek().kind != token_kind::not_op) return parse_primary(out);
    const token& op = next();
    if (!enter(op.begin)) return false;
    if (!need_operand(op)) return false;
    expr child;
    if (!parse_unary(child)) return false;
    --depth_;
    out = expr{};
    out.n.kind = node_kind::not_;
    out.n.begin = op.begin;
    out.n.end = child.n.end;
    out.height = child.height + 1;
    out.n.children.push_back(std::move(child.n));
    return check_height(out);
  }

  /// `( or_expr )` with the `(` at peek(). `counted` says the caller has
  /// already counted this nesting level (a field prefix's group).
  bool parse_group(expr& out, bool counted) {
    const token& open = next();
    if (!counted && !enter(open.begin)) return false;
    if (peek().kind == token_kind::rparen) {
      return fail(open.begin, "empty group '()'", "put a term inside the parentheses or remove them");
    }
    if (!parse_or(out)) return false;
    if (peek().kind != token_kind::rparen) {
      return fail(open.begin, "unclosed '('", "add the matching ')'");
    }
    const token& close = next();
    if (!counted) --depth_;
    // A composite takes the span of its parentheses; leaves keep their own.
    if (!out.n.children.empty()) {
      out.n.begin = open.begin;
      out.n.end = close.end;
    }
    return true;
  }

  bool parse_primary(expr& out) {
    const token& t = peek();
    switch (t.kind) {
      case token_kind::leaf:
        out = expr{};
        out.n = next().leaf;
        return true;
      case token_kind::lparen:
        return parse_group(out, false);
      case token_kind::field_prefix: {
        const token& prefix = next();
        if (!enter(prefix.begin)) return false;
        if (!starts_operand(peek())) {
          std::string name = to_string(prefix.scope);
          return fail(prefix.begin, name + ": needs a term or a group after it",
                      "write e.g. " + name + ":(доставка OR курьер)");
        }
        expr child;
        if (peek().kind == token_kind::lparen) {
          if (!parse_group(child, true)) return false;
        } else if (!parse_unary(child)) {
          return false;
        }
        --depth_;
        out = expr{};
        out.n.kind = node_kind::field_scope;
        out.n.scope = prefix.scope;
        out.n.begin = prefix.begin;
        out.n.end = std::max(child.n.end, t_[i_ - 1].end);
        out.height = child.height + 1;
        out.n.children.push_back(std::move(child.n));
        return check_height(out);
      }
      case token_kind::rparen:
        return fail(t.begin, "unbalanced ')'", "remove it or add the matching '('");
      case token_kind::and_op:
      case token_kind::or_op:
      case token_kind::near_op:
        return fail(t.begin, op_name(t) + " needs a left operand",
                    "write something before " + op_name(t) + ", or remove it");
      case token_kind::end:
        return fail(t.begin, "unexpected end of query");
      default:
        return fail(t.begin, "unexpected token");
    }
  }

  const std::vector<token>& t_;
  size_t i_ = 0;
  int depth_ = 0;
};

/// Semantic checks over a parsed tree: NEAR operands, field scopes, sizes.
class validator {
 public:
  std::vector<diagnostic> out_;

  void walk(const node& n, field scope, bool inside_near) {
    switch (n.kind) {
      case node_kind::near:
        // The outermost NEAR checks everything below it, nested NEARs included.
        if (!inside_near) {
          const char* op = n.ordered ? "ONEAR" : "NEAR";
          for (const auto& c : n.children) check_positional(c, op);
        }
        inside_near = true;
        break;
      case node_kind::field_scope:
        if (scope != field::any && n.scope != scope) {
          add(severity::error, n.begin,
              std::string(to_string(n.scope)) + ": cannot stand inside " + to_string(scope) + ":(…)",
              "nested field scopes must name the same field; search each field in its own group");
        }
        scope = n.scope;
        break;
      case node_kind::filter:
        if (scope != field::any) {
          add(severity::error, n.begin,
              "the metadata filter " + print(n) + " cannot stand inside " + to_string(scope) + ":(…)",
              "filters test the post, not a field; move it out of the field scope");
        }
        break;
      case node_kind::or_:
        if (n.children.size() > max_or_alternatives_without_warning) {
          add(severity::warning, n.begin,
              "a very large OR: " + std::to_string(n.children.size()) + " alternatives",
              "an OR with more than " + std::to_string(max_or_alternatives_without_warning) +
                  " alternatives is costly to compile; split the topic or use wildcards");
        }
        break;
      default:
        break;
    }
    for (const auto& c : n.children) walk(c, scope, inside_near);
  }

  /// Reports the first operand below a NEAR/ONEAR that is not positional.
  /// Returns false when it reported one.
  bool check_positional(const node& n, const char* op) {
    const std::string hint = std::string(op) +
                             " takes terms, phrases, wildcards, tags, {Case} terms and ORs or NEARs of "
                             "them; move AND, NOT and filters outside, e.g. (a " + op + "/5 b) -c";
    switch (n.kind) {
      case node_kind::or_:
      case node_kind::near:
      case node_kind::field_scope:
        for (const auto& c : n.children) {
          if (!check_positional(c, op)) return false;
        }
        return true;
      case node_kind::and_:
        add(severity::error, n.begin, std::string("AND cannot stand inside ") + op, hint);
        return false;
      case node_kind::not_:
        add(severity::error, n.begin, std::string("NOT cannot stand inside ") + op, hint);
        return false;
      case node_kind::filter:
        add(severity::error, n.begin,
            "the metadata filter " + print(n) + " cannot stand inside " + op, hint);
        return false;
      case node_kind::contains:
        add(severity::error, n.begin, std::string("contains: cannot stand inside ") + op, hint);
        return false;
      default:
        return true;  // positional leaves
    }
  }

  void add(severity level, uint32_t offset, std::string message, std::string hint) {
    diagnostic d;
    d.level = level;
    d.offset = offset;
    d.message = std::move(message);
    d.hint = std::move(hint);
    out_.push_back(std::move(d));
  }
};

/// Counts leaves by what they let the engine index.
void count_leaves(const node& n, size_t& contains, size_t& indexable) {
  if (n.kind == node_kind::contains) {
    ++contains;
  } else if (n.children.empty()) {
    ++indexable;
  }
  for (const auto& c : n.children) count_leaves(c, contains, indexable);
}

}  // namespace

parse_result parse(std::string_view source, bool allow_without_positive) {
  parse_result result;
  auto finish = [&](std::vector<diagnostic> diags) {
    std::stable_sort(diags.begin(), diags.end(),
                     [](const diagnostic& a, const diagnostic& b) { return a.offset < b.offset; });
    for (auto& d : diags) locate(source, d);
    result.diagnostics = std::move(diags);
  };
  auto single_error = [&](uint32_t offset, std::string message, std::string hint) {
    diagnostic d;
    d.offset = offset;
    d.message = std::move(message);
    d.hint = std::move(hint);
    finish({std::move(d)});
    return result;
  };

  if (source.size() > max_query_bytes) {
    return single_error(uint32_t(max_query_bytes),
                        "the query is too long: more than " + std::to_string(max_query_bytes) + " bytes",
                        "split it into several topics or tags");
  }
  if (size_t bad = detail::first_invalid_utf8(source); bad != source.size()) {
    return single_error(uint32_t(bad), "invalid UTF-8", "the query must be UTF-8 text");
  }

  detail::lex_result lexed = detail::lex(source);
  std::vector<diagnostic> diags = std::move(lexed.diagnostics);
  auto has_error = [&] {
    return std::any_of(diags.begin(), diags.end(),
                       [](const diagnostic& d) { return d.level == severity::error; });
  };
  if (has_error()) {
    finish(std::move(diags));
    return result;
  }

  parser p(lexed.tokens);
  std::optional<node> root = p.run();
  if (!root) {
    diags.push_back(std::move(*p.error_));
    finish(std::move(diags));
    return result;
  }

  validator v;
  v.walk(*root, field::any, false);
  for (auto& d : v.out_) diags.push_back(std::move(d));
  if (!allow_without_positive && !is_anchored(*root)) {
    diagnostic d;
    d.offset = root->begin;
    d.message = "a topic query needs at least one positive term, channel or filter";
    d.hint = "NOT only removes posts; add what to search for, e.g. flowwow -вакансия";
    diags.push_back(std::move(d));
  }
  size_t contains = 0;
  size_t indexable = 0;
  count_leaves(*root, contains, indexable);
  if (contains > 0 && indexable == 0) {
    diagnostic d;
    d.level = severity::warning;
    d.offset = root->begin;
    d.message = "the query only searches substrings (contains:)";
    d.hint = "a pure substring query scans the text of every post; add a term, tag or filter";
    diags.push_back(std::move(d));
  }
  if (!has_error()) result.root = std::move(root);
  finish(std::move(diags));
  return result;
}

}  // namespace sito::query
