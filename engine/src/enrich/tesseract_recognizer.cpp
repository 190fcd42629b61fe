// File: tesseract_recognizer.cpp
#include "sito/enrich/tesseract_recognizer.hpp"

#include <tbb/enumerable_thread_specific.h>
#include <tesseract/baseapi.h>

#include <chrono>
#include <cstdlib>

// Debian's libtesseract is built with OpenMP; its parallel sections spin
// extra threads per engine, which on a shared box costs 2–3× the time per
// image (measured). sito parallelizes over images instead: one thread per
// engine. libgomp is linked in by libtesseract already.
extern "C" void omp_set_num_threads(int);

namespace sito::enrich {
namespace {

struct api_deleter {
  void operator()(tesseract::TessBaseAPI* api) const {
    api->End();
    delete api;
  }
};
using api_ptr = std::unique_ptr<tesseract::TessBaseAPI, api_deleter>;

std::string trim(std::string s) {
  const auto not_space = [](unsigned char c) { return c != ' ' && c != '\n' && c != '\t' && c != '\r' && c != '\f'; };
  size_t b = 0, e = s.size();
  while (b < e && !not_space(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && !not_space(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

}  // namespace

std::string default_tessdata_dir() {
  if (const char* env = std::getenv("TESSDATA_PREFIX"); env && *env) return env;
  return "/usr/share/tesseract-ocr/5/tessdata";
}

struct tesseract_recognizer::impl {
  ocr_options options;
  std::string datapath;
  /// One engine per thread that calls recognize(); never shared.
  mutable tbb::enumerable_thread_specific<api_ptr> engines;

  result<tesseract::TessBaseAPI*> engine() const {
    api_ptr& api = engines.local();
    if (api) return api.get();
    omp_set_num_threads(1);
    api_ptr fresh(new tesseract::TessBaseAPI());
    if (fresh->Init(datapath.c_str(), options.languages.c_str(), tesseract::OEM_LSTM_ONLY) != 0)
      return not_found("ocr: cannot load Tesseract languages '" + options.languages + "' from '" + datapath +
                       "' (is tesseract-ocr-<lang> installed?)");
    fresh->SetPageSegMode(static_cast<tesseract::PageSegMode>(options.page_seg_mode));
    fresh->SetVariable("debug_file", "/dev/null");  // no "Estimating resolution" chatter on stderr
    api = std::move(fresh);
    return api.get();
  }
};

tesseract_recognizer::tesseract_recognizer() : impl_(std::make_unique<impl>()) {}
tesseract_recognizer::~tesseract_recognizer() = default;

result<std::shared_ptr<tesseract_recognizer>> tesseract_recognizer::create(const ocr_options& options) {
  std::shared_ptr<tesseract_recognizer> r(new tesseract_recognizer());
  r->impl_->options = options;
  r->impl_->datapath = options.tessdata_dir.empty() ? default_tessdata_dir() : options.tessdata_dir;
  if (options.languages.empty()) return invalid_argument("ocr: no languages configured");
  if (options.page_seg_mode < 0 || options.page_seg_mode > 13)
    return invalid_argument("ocr: page_seg_mode must be 0..13");
  auto first = r->impl_->engine();  // proves the models load, on the creating thread
  if (!first.ok()) return first.error();
  return r;
}

void tesseract_recognizer::recognize_into(const image& page, ocr_result& r) const {
  const auto t0 = std::chrono::steady_clock::now();
  auto text = recognize(page);
  r.times.recognize_us = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count());
  if (!text.ok()) {
    r.error = text.error();
    return;
  }
  r.text = std::move(text->text);
  r.confidence = text->confidence;
}

result<recognized_text> tesseract_recognizer::recognize(const image& page) const {
  if (page.channels != 1 || page.empty() || page.pixels.size() < page.stride() * page.height)
    return invalid_argument("ocr: the recognizer takes a non-empty 1-channel page");
  SITO_ASSIGN_OR_RETURN(tesseract::TessBaseAPI * api, impl_->engine());
  omp_set_num_threads(1);  // this thread's OpenMP teams: itself only
  api->SetImage(page.pixels.data(), static_cast<int>(page.width), static_cast<int>(page.height), 1,
                static_cast<int>(page.width));
  api->SetSourceResolution(300);
  std::unique_ptr<char[]> text(api->GetUTF8Text());
  recognized_text out;
  if (!text) {
    api->Clear();
    return internal_error("ocr: Tesseract returned no text");
  }
  out.text = trim(text.get());
  out.confidence = out.text.empty() ? 0.0f : static_cast<float>(api->MeanTextConf());
  api->Clear();
  return out;
}

size_t tesseract_recognizer::engines() const {
  size_t n = 0;
  for (const auto& e : impl_->engines)
    if (e) ++n;
  return n;
}

}  // namespace sito::enrich
