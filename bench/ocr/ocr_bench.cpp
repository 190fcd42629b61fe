// OCR benchmark (bench/RESULTS.md "OCR"): images/s per core on the CPU
// backend, per-stage time (decode, preprocess, recognize), character
// accuracy per image class, the preprocessing variants the defaults were
// chosen from, and the sitod OCR lane's queue under overload.
//
//   OMP_THREAD_LIMIT=1 build/bench/ocr_bench [--per-class 4] [--threads 1,2]
//                                            [--variants] [--overload-seconds 20]
//
// The corpus is rendered at start with ImageMagick (/usr/bin/convert):
// Russian, Kazakh and English sentences, each clean (black on white PNG),
// dark (light on dark PNG) and meme-style (colour ground, outline, 4°
// rotation, noise, JPEG q60).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "enrich/ocr_test_support.hpp"
#include "ocr_lane.hpp"
#include "sito/enrich/cpu_ocr_backend.hpp"

namespace {

using namespace sito;
namespace et = sito::enrich::testing;
using clock_type = std::chrono::steady_clock;

struct sample {
  std::string klass;  ///< e.g. "ru/meme"
  std::string text;
  std::vector<uint8_t> bytes;
};

const char* const k_ru[] = {
    "Доставка цветов Flowwow приехала вовремя, букет свежий и красивый.",
    "Внимание: розыгрыш iPhone от банка! Переведите 500 рублей, чтобы получить подарок.",
    "Зеркало с логотипом бренда на выставке собрало очередь желающих.",
    "Курьер опоздал на два часа, поддержка не отвечает, деньги не вернули.",
    "Скидки до пятидесяти процентов на всё только сегодня в нашем магазине.",
    "Ваш заказ номер 4821 передан в службу доставки, ожидайте звонка.",
};
const char* const k_kk[] = {
    "Қазақстандағы ең жақсы дүкен: тапсырыс тез жеткізілді, рахмет!",
    "Біздің қаламызда жаңа кофехана ашылды, баға өте қолайлы.",
    "Сыйлық ұтып алу үшін картаңыздың нөмірін жіберіңіз.",
    "Жеткізу қызметі кешігіп келді, бірақ гүлдер әдемі болды.",
    "Жаңа жылға арналған жеңілдіктер барлық тауарларға.",
    "Тапсырысыңыз қабылданды, курьер сізге хабарласады.",
};
const char* const k_en[] = {
    "Flowers delivered on time by Flowwow, the bouquet was fresh and beautiful.",
    "Giveaway! Win a new phone: just send a small fee to claim your prize today.",
    "Our branded mirror at the expo drew a long queue of visitors.",
    "The courier was two hours late and support never answered my messages.",
    "Everything half price today only, visit our store before midnight.",
    "Your order 4821 has been handed to the delivery service.",
};

std::vector<sample> render_corpus(int per_class) {
  std::vector<sample> out;
  struct lang {
    const char* name;
    const char* const* texts;
  };
  const lang langs[] = {{"ru", k_ru}, {"kk", k_kk}, {"en", k_en}};
  struct style {
    const char* name;
    et::style st;
  };
  const style styles[] = {{"clean", et::style::clean}, {"dark", et::style::dark}, {"meme", et::style::meme}};
  for (const auto& l : langs)
    for (const auto& s : styles)
      for (int i = 0; i < per_class && i < 6; ++i) {
        sample smp;
        smp.klass = std::string(l.name) + "/" + s.name;
        smp.text = l.texts[i];
        smp.bytes = et::render(smp.text, s.st, std::string(l.name) + s.name + std::to_string(i), 800);
        if (smp.bytes.empty()) {
          std::fprintf(stderr, "render failed: %s %d\n", smp.klass.c_str(), i);
          std::exit(1);
        }
        out.push_back(std::move(smp));
      }
  return out;
}

struct run_stats {
  double seconds = 0;
  uint64_t decode_us = 0, preprocess_us = 0, recognize_us = 0;
  std::vector<double> accuracy;  ///< per sample
};

/// Every thread reads the whole corpus `rounds` times, with its own engine.
run_stats run(enrich::cpu_ocr_backend& backend, const std::vector<sample>& corpus, int threads, int rounds) {
  run_stats st;
  st.accuracy.assign(corpus.size(), 0);
  std::atomic<uint64_t> dec{0}, pre{0}, rec{0};
  // Each thread warms its engine first: model loading is a start-up cost, not per image.
  std::vector<std::thread> pool;
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  clock_type::time_point start;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      std::vector<enrich::ocr_result> out;
      std::vector<enrich::image_input> in = {{corpus[0].bytes, ""}};
      backend.recognize(in, out);  // warm-up
      ++ready;
      while (!go) std::this_thread::yield();
      for (int r = 0; r < rounds; ++r)
        for (size_t i = 0; i < corpus.size(); ++i) {
          in[0] = {corpus[i].bytes, ""};
          backend.recognize(in, out);
          dec += out[0].times.decode_us;
          pre += out[0].times.preprocess_us;
          rec += out[0].times.recognize_us;
          if (t == 0 && r == 0) st.accuracy[i] = et::char_accuracy(corpus[i].text, out[0].text);
        }
    });
  while (ready < threads) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  start = clock_type::now();
  go = true;
  for (auto& th : pool) th.join();
  st.seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  st.decode_us = dec;
  st.preprocess_us = pre;
  st.recognize_us = rec;
  return st;
}

void print_accuracy(const std::vector<sample>& corpus, const run_stats& st) {
  std::printf("\n| class | images | mean char accuracy | min |\n|---|---|---|---|\n");
  std::vector<std::string> classes;
  for (const auto& s : corpus)
    if (std::find(classes.begin(), classes.end(), s.klass) == classes.end()) classes.push_back(s.klass);
  for (const auto& k : classes) {
    double sum = 0, mn = 1;
    int n = 0;
    for (size_t i = 0; i < corpus.size(); ++i)
      if (corpus[i].klass == k) {
        sum += st.accuracy[i];
        mn = std::min(mn, st.accuracy[i]);
        ++n;
      }
    std::printf("| %s | %d | %.4f | %.4f |\n", k.c_str(), n, sum / n, mn);
  }
}

void print_run(const char* label, int threads, size_t images, const run_stats& st) {
  const double per_image = static_cast<double>(images);
  std::printf("| %s | %d | %.2f | %.2f | %.1f | %.1f | %.1f |\n", label, threads, per_image / st.seconds,
              per_image / st.seconds / threads, st.decode_us / per_image / 1000.0, st.preprocess_us / per_image / 1000.0,
              st.recognize_us / per_image / 1000.0);
}

void overload(const std::vector<sample>& corpus, double seconds, double offered_per_s) {
  server::ocr_metrics m;
  server::ocr_config cfg;
  cfg.workers = 1;
  cfg.queue_posts = 16;
  cfg.max_age_ms = 10'000;
  cfg.drain_ms = 0;
  std::atomic<uint64_t> done{0};
  server::ocr_lane lane(cfg, m, [&](server::ocr_job&, std::string) { ++done; });
  lane.start();
  uint64_t max_depth = 0, offered = 0;
  const auto t0 = clock_type::now();
  const auto period = std::chrono::duration<double>(1.0 / offered_per_s);
  auto next = t0;
  while (clock_type::now() - t0 < std::chrono::duration<double>(seconds)) {
    server::ocr_job job;
    job.post_offset = offered;
    job.p.id = std::to_string(offered);
    const auto& s = corpus[offered % corpus.size()];
    job.p.images.push_back({"", s.bytes});
    lane.offer(std::move(job));
    ++offered;
    max_depth = std::max<uint64_t>(max_depth, lane.depth());
    next += std::chrono::duration_cast<clock_type::duration>(period);
    std::this_thread::sleep_until(next);
  }
  const double elapsed = std::chrono::duration<double>(clock_type::now() - t0).count();
  const uint64_t done_in_window = m.posts_done;
  lane.stop();
  std::printf("\n| offered | offered/s | read | read/s | shed queue_full | shed stale | shed at stop | max depth (cap %u) |\n"
              "|---|---|---|---|---|---|---|---|\n| %llu | %.1f | %llu | %.2f | %llu | %llu | %llu | %llu |\n",
              cfg.queue_posts, static_cast<unsigned long long>(offered), offered / elapsed,
              static_cast<unsigned long long>(done_in_window), done_in_window / elapsed,
              static_cast<unsigned long long>(m.shed_queue_full.load()),
              static_cast<unsigned long long>(m.shed_stale.load()),
              static_cast<unsigned long long>(m.shed_shutdown.load()), static_cast<unsigned long long>(max_depth));
}

}  // namespace

int main(int argc, char** argv) {
  int per_class = 4, rounds = 1;
  std::vector<int> threads = {1, 2};
  bool variants = false;
  double overload_seconds = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--per-class") per_class = std::atoi(next().c_str());
    else if (a == "--rounds") rounds = std::atoi(next().c_str());
    else if (a == "--threads") {
      threads.clear();
      std::string v = next();
      for (size_t p = 0; p < v.size();) {
        size_t q = v.find(',', p);
        threads.push_back(std::atoi(v.substr(p, q - p).c_str()));
        p = q == std::string::npos ? v.size() : q + 1;
      }
    } else if (a == "--variants") variants = true;
    else if (a == "--overload-seconds") overload_seconds = std::atof(next().c_str());
    else {
      std::fprintf(stderr, "usage: ocr_bench [--per-class N] [--rounds N] [--threads 1,2] [--variants] [--overload-seconds S]\n");
      return 2;
    }
  }
  if (!et::have_convert()) {
    std::fprintf(stderr, "ocr_bench needs /usr/bin/convert (Debian package imagemagick)\n");
    return 1;
  }
  if (!std::getenv("OMP_THREAD_LIMIT"))
    std::fprintf(stderr, "note: OMP_THREAD_LIMIT is not set; Tesseract's OpenMP threads will compete (sitod sets it to 1)\n");
  const auto corpus = render_corpus(per_class);
  std::printf("corpus: %zu images (%d per class), hardware threads: %u\n", corpus.size(), per_class,
              std::thread::hardware_concurrency());

  enrich::ocr_options opt;
  auto backend = enrich::cpu_ocr_backend::create(opt);
  if (!backend.ok()) {
    std::fprintf(stderr, "%s\n", backend.error().to_string().c_str());
    return 1;
  }
  std::printf("\n| backend | threads | images/s | images/s per thread | decode ms/img | preprocess ms/img | recognize ms/img |\n"
              "|---|---|---|---|---|---|---|\n");
  run_stats first;
  for (size_t k = 0; k < threads.size(); ++k) {
    auto st = run(**backend, corpus, threads[k], rounds);
    print_run("cpu (rus+eng+kaz)", threads[k], corpus.size() * rounds * threads[k], st);
    if (k == 0) first = st;
  }
  print_accuracy(corpus, first);

  if (variants) {
    struct variant {
      const char* name;
      void (*apply)(enrich::ocr_options&);
    };
    const variant vs[] = {
        {"default (gray page, deskew, scale outside x-height 10-60)", [](enrich::ocr_options&) {}},
        {"no deskew", [](enrich::ocr_options& o) { o.preprocess.deskew = false; }},
        {"Sauvola-binarized page", [](enrich::ocr_options& o) { o.preprocess.binarize_output = true; }},
        {"always scale to x-height 22", [](enrich::ocr_options& o) { o.preprocess.min_x_height = o.preprocess.max_x_height = 22; }},
        {"languages rus+eng", [](enrich::ocr_options& o) { o.languages = "rus+eng"; }},
    };
    std::printf("\n| variant | mean accuracy clean | dark | meme | ms/img (1 thread) |\n|---|---|---|---|---|\n");
    for (const auto& v : vs) {
      enrich::ocr_options o;
      v.apply(o);
      auto b = enrich::cpu_ocr_backend::create(o);
      if (!b.ok()) continue;
      auto st = run(**b, corpus, 1, 1);
      double acc[3] = {0, 0, 0};
      int n[3] = {0, 0, 0};
      for (size_t i = 0; i < corpus.size(); ++i) {
        const int k = corpus[i].klass.ends_with("clean") ? 0 : corpus[i].klass.ends_with("dark") ? 1 : 2;
        acc[k] += st.accuracy[i];
        ++n[k];
      }
      std::printf("| %s | %.4f | %.4f | %.4f | %.0f |\n", v.name, acc[0] / n[0], acc[1] / n[1], acc[2] / n[2],
                  st.seconds * 1000.0 / corpus.size());
    }
  }
  if (overload_seconds > 0) {
    const double capacity = corpus.size() / first.seconds;  // one worker's images/s
    std::printf("\nOCR lane under overload: 1 worker, queue_posts 16, offered at 4x one worker's rate (%.2f posts/s)\n",
                4 * capacity);
    overload(corpus, overload_seconds, 4 * capacity);
  }
  return 0;
}
