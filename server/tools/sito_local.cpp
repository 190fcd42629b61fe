// File: sito_local.cpp
//
// The `sito` commands that work on files with the engine alone: match,
// validate and explain (without --server). No sitod, no client.
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>

#include "sito_commands.hpp"
#include "sito/compile/compiler.hpp"
#include "sito/compile/validate.hpp"
#include "sito/model/post.hpp"
#include "sito/model/topic.hpp"
#include "sito/query/parser.hpp"
#include "sito/query/printer.hpp"
#include "sito/scan/batch_scanner.hpp"
#include "sito/enrich/fasttext_embedder.hpp"
#include "sito/scan/batch_enricher.hpp"
#if SITO_HAVE_CUDA_KERNELS
#include "sito/kernels/cuda_embedding.hpp"
#endif

namespace sito::tool {
namespace {

using json = nlohmann::json;

void print_compile_report(const sito::compile_report& report) {
  for (const auto& e : report.errors) {
    json j{{"tenant", e.tenant}, {"topic", e.topic}, {"error", e.diagnostic.message},
           {"offset", e.diagnostic.offset}, {"line", e.diagnostic.line}, {"column", e.diagnostic.column}};
    if (!e.diagnostic.hint.empty()) j["hint"] = e.diagnostic.hint;
    std::cerr << j.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
  }
  for (const auto& w : report.warnings) {
    json j{{"tenant", w.tenant}, {"topic", w.topic}, {"warning", w.diagnostic.message},
           {"offset", w.diagnostic.offset}, {"column", w.diagnostic.column}};
    std::cerr << j.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
  }
}

std::optional<std::shared_ptr<const sito::ruleset_snapshot>> load_and_compile(const std::string& path,
                                                                              bool& had_errors,
                                                                              const embedding_choice& embeddings) {
  auto file = sito::load_tenant_file(path);
  if (!file.ok()) {
    std::cerr << "sito: " << file.error().message() << "\n";
    return std::nullopt;
  }
  sito::compile_options options;
  if (!embeddings.model.empty()) {
    auto model = sito::enrich::fasttext_embedder::load(embeddings.model);
    if (!model.ok()) {
      std::cerr << "sito: --embedding-model: " << model.error().message() << "\n";
      return std::nullopt;
    }
    options.embedding_model = std::make_shared<sito::enrich::fasttext_embedder>(std::move(*model));
  }
  options.default_min_similarity = embeddings.min_similarity;
  if (!file->sentiment_lexicon.empty()) {
    auto lex = sito::rules::parse_lexicon(file->sentiment_lexicon, path + ": sentiment_lexicon");
    if (!lex.ok()) {
      std::cerr << "sito: " << lex.error().message() << "\n";
      return std::nullopt;
    }
    options.tenant_lexicons[file->tenant] = std::move(lex).value();
  }
  sito::compile_report report;
  auto snap = sito::compile_topics(file->topics, options, &report);
  print_compile_report(report);
  had_errors = !report.errors.empty();
  if (!snap.ok()) {
    std::cerr << "sito: " << snap.error().to_string() << "\n";
    return std::nullopt;
  }
  return *snap;
}

json mention_json(const sito::ruleset_snapshot& snap, const sito::post& p, const sito::scan_output& out,
                  const sito::scan_output::match& m) {
  const auto& t = snap.topics[m.topic];
  json hl = json::array();
  for (const auto& h : out.highlights_of(m)) {
    hl.push_back({{"field", sito::query::to_string(h.field)}, {"start", h.begin}, {"end", h.end},
                  {"term", std::string(snap.label(h.label))}});
  }
  json tags = json::array();
  for (uint32_t tag : out.tags_of(m)) tags.push_back(std::string(snap.label(tag)));
  return json{{"post_id", p.id},
              {"tenant", t.tenant},
              {"topic", t.id},
              {"tags", tags},
              {"sentiment", sito::rules::to_string(m.sentiment)},
              {"sentiment_source", m.sentiment_rule == sito::scan_output::no_label ? std::string("model")
                                                                                    : std::string(snap.label(m.sentiment_rule))},
              {"priority", std::round(static_cast<double>(m.priority) * 10) / 10},
              {"processed", m.processed},
              {"wom", m.wom},
              {"highlights", hl}};
}

}  // namespace

/// The embedding backend semantic tags run on: `name` (cpu, cuda, auto), the
/// CUDA one registered first when this build has it and a device exists.
std::unique_ptr<sito::enrich::embedding_backend> semantic_backend(const std::string& name) {
#if SITO_HAVE_CUDA_KERNELS
  sito::kernels::register_cuda_embedding_backend();
#endif
  auto b = sito::enrich::make_embedding_backend(name);
  if (!b.ok()) {
    std::cerr << "sito: " << b.error().message() << "\n";
    return nullptr;
  }
  return std::move(*b);
}

int run_match(const std::string& topics_path, const std::string& posts_path, size_t batch_size,
              const embedding_choice& embeddings) {
  bool had_errors = false;
  auto snap = load_and_compile(topics_path, had_errors, embeddings);
  if (!snap) return 2;
  std::ifstream in(posts_path, std::ios::binary);
  if (!in) {
    std::cerr << "sito: cannot open " << posts_path << "\n";
    return 2;
  }
  // The scan makes the matched posts' near-duplicate bigrams from its own analysis.
  sito::batch_scanner scanner(*snap, sito::scan_options{.near_duplicate_bigrams = true});
  sito::scan_output out;
  std::vector<sito::post> batch;
  std::string line;
  size_t line_no = 0;
  // Near-duplicates among the posts that matched a topic, in file order, as
  // sitod will check them in stream order (sito/dedup/near_duplicates.hpp):
  // a near-duplicate's mentions carry the cluster's first post and its size.
  // Semantic tags: the posts their topics matched, embedded once per batch.
  sito::batch_enricher enricher;
  std::vector<int64_t> times_ms;
  std::unique_ptr<sito::enrich::embedding_backend> backend;
  if ((*snap)->semantic_tags && !(backend = semantic_backend(embeddings.backend))) return 2;
  bool failed = false;
  auto flush = [&] {
    scanner.scan(batch, out);
    times_ms.clear();
    for (const auto& p : batch) times_ms.push_back(p.published_at * 1000);
    if (auto st = enricher.apply(scanner, batch, times_ms, out, backend.get()); !st.ok()) {
      std::cerr << "sito: semantic tags: " << st.message() << "\n";
      failed = true;
    }
    const auto& duplicate_of = enricher.duplicates();
    for (const auto& m : out.matches) {
      json j = mention_json(**snap, batch[m.post], out, m);
      if (const auto& d = duplicate_of[m.post]; d.duplicate) {
        j["duplicate_of"] = d.duplicate_of;
        j["duplicates"] = d.cluster_size;
      }
      std::cout << j.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
    }
    for (const auto& r : out.rejected)
      std::cerr << json{{"post_id", batch[r.post].id}, {"error", r.reason.message()}}.dump(
                       -1, ' ', false, json::error_handler_t::replace)
                << "\n";
    batch.clear();
  };
  while (std::getline(in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto p = sito::post_from_json(line);
    if (!p.ok()) {
      std::cerr << json{{"line", line_no}, {"error", p.error().message()}}.dump() << "\n";
      continue;
    }
    batch.push_back(std::move(*p));
    if (batch.size() >= batch_size) flush();
  }
  if (!batch.empty()) flush();
  std::cout.flush();
  return failed ? 2 : had_errors ? 1 : 0;
}

int run_validate(const std::string& query, bool with_channels, const std::string& as) {
  auto kind = sito::parse_expression_kind(as);
  if (!kind.ok()) {
    std::cerr << "sito: --as: " << kind.error().message() << "\n";
    return 2;
  }
  const sito::validation v = sito::validate_expression(query, *kind, with_channels);
  for (const auto& d : v.diagnostics) std::cout << sito::query::format_with_caret(query, d) << "\n";
  if (v.ok) std::cout << "ok: " << v.canonical << "\n";
  return v.ok ? 0 : 1;
}

int run_explain(const std::string& topics_path, const std::string& topic_id, std::string post_arg,
                const embedding_choice& embeddings) {
  if (!post_arg.empty() && post_arg[0] == '@') {
    std::ifstream in(post_arg.substr(1), std::ios::binary);
    if (!in) {
      std::cerr << "sito: cannot open " << post_arg.substr(1) << "\n";
      return 2;
    }
    post_arg.assign(std::istreambuf_iterator<char>(in), {});
  }
  bool had_errors = false;
  auto snap = load_and_compile(topics_path, had_errors, embeddings);
  if (!snap) return 2;
  auto p = sito::post_from_json(post_arg);
  if (!p.ok()) {
    std::cerr << "sito: post: " << p.error().message() << "\n";
    return 2;
  }
  const auto& topics = (*snap)->topics;
  for (uint32_t i = 0; i < topics.size(); ++i) {
    if (topics[i].id != topic_id) continue;
    sito::batch_scanner scanner(*snap);
    std::unique_ptr<sito::enrich::embedding_backend> backend;
    if ((*snap)->semantic_tags && !(backend = semantic_backend(embeddings.backend))) return 2;
    auto e = scanner.explain(*p, i, backend.get());
    if (!e.ok()) {
      std::cerr << "sito: " << e.error().message() << "\n";
      return 2;
    }
    std::cout << sito::to_string(*e);
    return 0;
  }
  std::cerr << "sito: no compiled topic '" << topic_id << "' in " << topics_path << "\n";
  return 2;
}

}  // namespace sito::tool
