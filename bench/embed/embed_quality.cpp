// embed_quality (bench/RESULTS.md, issue 12 "semantic-tag model"): how well
// each candidate embedding decides semantic tags on the hand-labelled set
// (tests/enrich/semantic_cases.hpp), and what it costs per post.
//
//   build/bench/embed_quality [--fasttext MODEL.bin] [--seconds S] [--misses MIN_SIMILARITY]
//
// For the built-in hashing embedding and, when given, a fastText model:
// micro-averaged precision, recall, F1 and F0.5 (precision weighted) of the
// kNN tag decision over every (post, tag) pair at min_similarity 0.20 .. 0.95
// in steps of 0.05 (0.85 and up only matter for a model whose cosines crowd
// near 1, as a fastText mean of word vectors does), the F1 of each tag at the
// threshold of the best F1, and the cost on one thread in posts/s of
// preparing (the analyzer and segments), embedding, and scoring against all
// tags' phrases (each measured for at least S seconds, default 2, over the
// set's posts again and again). --misses prints the wrong decisions at that
// threshold.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "enrich/semantic_cases.hpp"
#include "sito/enrich/embedding.hpp"
#include "sito/enrich/fasttext_embedder.hpp"

namespace {

using namespace sito::enrich;
namespace sc = semantic_cases;
using clock_type = std::chrono::steady_clock;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "embed_quality: %s\n", what.c_str());
  std::exit(1);
}

template <typename T>
T must(sito::result<T> r, const char* what) {
  if (!r.ok()) die(std::string(what) + ": " + r.error().to_string());
  return std::move(r).value();
}
void must(const sito::status& s, const char* what) {
  if (!s.ok()) die(std::string(what) + ": " + s.to_string());
}

/// A candidate: embeds a batch's segments, and scores a batch against the phrases.
struct candidate {
  std::string name;
  size_t dim;
  std::function<void(const prepared_batch&, std::vector<float>&)> embed;
  std::function<void(const prepared_batch&, std::vector<float>&)> score;  ///< posts × phrases
};

/// Runs `body` (which handles `per_run` posts) for at least `seconds`; posts/s.
double rate(double seconds, size_t per_run, const std::function<void()>& body) {
  body();  // warm up
  size_t runs = 0;
  const auto start = clock_type::now();
  double elapsed = 0;
  do {
    body();
    ++runs;
    elapsed = std::chrono::duration<double>(clock_type::now() - start).count();
  } while (elapsed < seconds);
  return static_cast<double>(runs * per_run) / elapsed;
}

void report(const candidate& c, double seconds, std::optional<float> misses) {
  text_preparer prep;
  prepared_batch posts;
  for (const auto& p : sc::posts()) must(prep.add_post(p.text, posts), "a post");
  std::vector<float> scores;
  c.score(posts, scores);
  const auto ph = sc::phrases();

  std::printf("\n== %s (dim %zu): %zu posts, %zu tags, %zu phrases, %zu labelled (post, tag) pairs\n",
              c.name.c_str(), c.dim, sc::posts().size(), sc::tags().size(), ph.size(),
              static_cast<size_t>(sc::evaluate(scores, -2.0f).tp + sc::evaluate(scores, -2.0f).fn));
  std::printf("min_similarity  precision  recall     F1    F0.5    tp   fp   fn\n");
  float best_t = 0.2f;
  double best_f1 = -1;
  for (int i = 0; i <= 15; ++i) {
    const float t = 0.20f + 0.05f * static_cast<float>(i);
    const auto q = sc::evaluate(scores, t);
    const double p = q.precision(), r = q.recall(), f05 = p + r > 0 ? 1.25 * p * r / (0.25 * p + r) : 0.0;
    std::printf("      %.2f        %.3f     %.3f    %.3f   %.3f  %4zu %4zu %4zu\n", static_cast<double>(t), p, r,
                q.f1(), f05, q.tp, q.fp, q.fn);
    if (q.f1() > best_f1 + 1e-12) {
      best_f1 = q.f1();
      best_t = t;
    }
  }
  std::printf("best F1 %.3f at min_similarity %.2f; per tag there:\n", best_f1, best_t);
  for (size_t t = 0; t < sc::tags().size(); ++t) {
    const auto q = sc::evaluate(scores, best_t, t);
    std::printf("  %-9s P %.2f R %.2f F1 %.2f (tp %zu fp %zu fn %zu)\n", std::string(sc::tags()[t].id).c_str(),
                q.precision(), q.recall(), q.f1(), q.tp, q.fp, q.fn);
  }
  if (misses) {
    std::printf("wrong decisions at %.2f:\n", static_cast<double>(*misses));
    for (size_t p = 0; p < sc::posts().size(); ++p)
      for (size_t t = 0; t < sc::tags().size(); ++t) {
        const bool got = sc::decide(scores, ph, p, t, *misses), want = sc::labelled(p, t);
        if (got == want) continue;
        float best = -2;
        std::string_view nearest;
        for (size_t i = 0; i < ph.size(); ++i)
          if (ph[i].tag == t && scores[p * ph.size() + i] > best) {
            best = scores[p * ph.size() + i];
            nearest = ph[i].text;
          }
        // The post's first 90 bytes, cut at a code point.
        std::string_view text = sc::posts()[p].text;
        size_t cut = std::min<size_t>(text.size(), 90);
        while (cut < text.size() && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
        std::printf("  %s %-9s %.3f «%.*s%s» nearest «%.*s»\n", got ? "FP" : "FN",
                    std::string(sc::tags()[t].id).c_str(), static_cast<double>(best), static_cast<int>(cut),
                    text.data(), cut < text.size() ? "…" : "", static_cast<int>(nearest.size()), nearest.data());
      }
  }

  // Cost on this thread.
  const size_t n = sc::posts().size();
  prepared_batch b;
  const double prepare = rate(seconds, n, [&] {
    b.clear();
    for (const auto& p : sc::posts()) must(prep.add_post(p.text, b), "a post");
  });
  std::vector<float> out;
  const double embed = rate(seconds, n, [&] { c.embed(posts, out); });
  const double score = rate(seconds, n, [&] { c.score(posts, scores); });
  size_t bytes = 0;
  for (const auto& p : sc::posts()) bytes += p.text.size();
  std::printf("cost, one thread (%zu posts, %.0f bytes each on average, %zu segments): prepare %.0f posts/s, embed %.0f posts/s, "
              "embed+score against %zu phrases %.0f posts/s\n",
              n, static_cast<double>(bytes) / static_cast<double>(n), posts.segments(), prepare, embed, ph.size(),
              score);
}

}  // namespace

int main(int argc, char** argv) {
  std::string fasttext_path;
  double seconds = 2.0;
  std::optional<float> misses;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--fasttext" && i + 1 < argc) fasttext_path = argv[++i];
    else if (a == "--seconds" && i + 1 < argc) seconds = std::atof(argv[++i]);
    else if (a == "--misses" && i + 1 < argc) misses = static_cast<float>(std::atof(argv[++i]));
    else {
      std::fprintf(stderr, "usage: embed_quality [--fasttext MODEL.bin] [--seconds S] [--misses MIN_SIMILARITY]\n");
      return 2;
    }
  }

  text_preparer prep;
  prepared_batch phrases;
  for (const auto& p : sc::phrases()) must(prep.add_phrase(p.text, phrases), "a phrase");
  auto backend = make_cpu_embedding_backend();

  auto builtin_examples = must(make_example_matrix(*backend, phrases), "built-in examples");
  candidate builtin{"built-in hashing embedding", embedding_dim,
                    [&](const prepared_batch& b, std::vector<float>& out) { must(backend->embed(b, out), "embed"); },
                    [&](const prepared_batch& b, std::vector<float>& out) {
                      must(backend->score(b, *builtin_examples, out), "score");
                    }};
  report(builtin, seconds, misses);

  if (!fasttext_path.empty()) {
    const auto loaded_at = clock_type::now();
    auto model = must(fasttext_embedder::load(fasttext_path), "fastText model");
    const double load_s = std::chrono::duration<double>(clock_type::now() - loaded_at).count();
    auto ft_examples = must(make_example_matrix(*backend, model, phrases), "fastText examples");
    std::vector<float> segs;
    candidate ft{"fastText " + fasttext_path, model.dim(),
                 [&](const prepared_batch& b, std::vector<float>& out) { must(model.embed(b, out), "embed"); },
                 [&](const prepared_batch& b, std::vector<float>& out) {
                   must(model.embed(b, segs), "embed");
                   must(backend->score_vectors(segs, b.text_begin, *ft_examples, out), "score");
                 }};
    std::printf("\nfastText model: %d words, minn %d, maxn %d, bucket %d, %s, loaded in %.2f s\n",
                model.info().words, model.info().minn, model.info().maxn, model.info().bucket,
                model.info().model.c_str(), load_s);
    report(ft, seconds, misses);
  }
  return 0;
}
