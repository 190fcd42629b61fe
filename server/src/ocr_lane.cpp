#include "ocr_lane.hpp"

#include <mutex>

#include "sito/enrich/ocr_registry.hpp"
#include "sito/server/json_log.hpp"
#if SITO_HAVE_CUDA_KERNELS
#include "sito/kernels/cuda_ocr.hpp"
#endif

namespace sito::server {
namespace {


}  // namespace

ocr_lane::ocr_lane(ocr_config config, ocr_metrics& metrics, done_fn on_done)
    : config_(std::move(config)), metrics_(metrics), on_done_(std::move(on_done)) {}

ocr_lane::~ocr_lane() { stop(); }

void ocr_lane::start() {
  for (uint32_t i = 0; i < config_.workers; ++i) workers_.emplace_back([this] { worker_loop(); });
}

void ocr_lane::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      if (workers_.empty()) return;
    } else {
      stopping_ = true;
      drain_deadline_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(config_.drain_ms);
    }
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
  workers_.clear();
  std::lock_guard lock(mutex_);
  metrics_.shed_shutdown += queue_.size();
  queue_.clear();
  queued_bytes_ = 0;
  metrics_.queue_posts = 0;
  metrics_.queue_bytes = 0;
}

bool ocr_lane::offer(ocr_job job) {
  job.queued_at = std::chrono::steady_clock::now();
  job.bytes = 0;
  for (const auto& img : job.p.images) job.bytes += img.data.size();
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      ++metrics_.shed_shutdown;
      return false;
    }
    if (job.bytes > config_.queue_bytes) {
      ++metrics_.shed_queue_full;
      return false;
    }
    // Drop-oldest: the newest posts are the ones monitoring still cares about,
    // and the oldest are the closest to going stale anyway.
    while (!queue_.empty() && (queue_.size() >= config_.queue_posts || queued_bytes_ + job.bytes > config_.queue_bytes)) {
      queued_bytes_ -= queue_.front().bytes;
      queue_.pop_front();
      ++metrics_.shed_queue_full;
    }
    queued_bytes_ += job.bytes;
    queue_.push_back(std::move(job));
    ++metrics_.posts_queued;
    metrics_.queue_posts = queue_.size();
    metrics_.queue_bytes = queued_bytes_;
  }
  cv_.notify_one();
  return true;
}

size_t ocr_lane::depth() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

std::string ocr_lane::backend_name() const {
  std::lock_guard lock(backend_mutex_);
  return backend_name_;
}

std::shared_ptr<enrich::ocr_backend> ocr_lane::backend() {
  std::lock_guard lock(backend_mutex_);
  if (backend_ || backend_failed_) return backend_;
#if SITO_HAVE_CUDA_KERNELS
  // Registers "cuda" only when a device exists (simdjson-style runtime detection).
  static std::once_flag cuda_probe;
  std::call_once(cuda_probe, [] { (void)kernels::register_cuda_ocr_backend(); });
#endif
  enrich::ocr_options opt;
  opt.languages = config_.languages;
  opt.tessdata_dir = config_.tessdata_dir;
  std::string fallback;
  auto b = enrich::make_ocr_backend(config_.backend, opt, &fallback);
  if (!b.ok()) {
    backend_failed_ = true;
    log_error("OCR backend unavailable; posts with images get text mentions only")
        .with("backend", config_.backend)
        .with("error", b.error().message());
    return nullptr;
  }
  backend_ = std::shared_ptr<enrich::ocr_backend>(std::move(b).value());
  backend_name_ = std::string(backend_->name());
  {
    log_line ready = log_info("OCR backend ready");
    ready.with("backend", backend_name_);
    if (!fallback.empty()) ready.with("fallback_reason", fallback);
  }
  return backend_;
}

void ocr_lane::worker_loop() {
  std::vector<enrich::image_input> inputs;
  std::vector<enrich::ocr_result> results;
  for (;;) {
    ocr_job job;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;
      if (stopping_ && std::chrono::steady_clock::now() >= drain_deadline_) return;  // stop() counts the rest
      job = std::move(queue_.front());
      queue_.pop_front();
      queued_bytes_ -= job.bytes;
      metrics_.queue_posts = queue_.size();
      metrics_.queue_bytes = queued_bytes_;
    }
    const auto waited = std::chrono::steady_clock::now() - job.queued_at;
    if (config_.max_age_ms > 0 && waited > std::chrono::milliseconds(config_.max_age_ms)) {
      ++metrics_.shed_stale;
      continue;
    }
    auto b = backend();
    if (!b) {
      ++metrics_.backend_unavailable;
      continue;
    }
    const size_t n = std::min<size_t>(job.p.images.size(), config_.max_images_per_post);
    metrics_.images_skipped += job.p.images.size() - n;
    inputs.clear();
    for (size_t i = 0; i < n; ++i) inputs.push_back({job.p.images[i].data, job.p.images[i].mime});
    b->recognize(inputs, results);
    std::string text;
    for (const auto& r : results) {
      metrics_.decode_us += r.times.decode_us;
      metrics_.preprocess_us += r.times.preprocess_us;
      metrics_.recognize_us += r.times.recognize_us;
      if (!r.error.ok()) {
        ++metrics_.images_failed;
        continue;
      }
      ++metrics_.images_read;
      if (r.text.empty()) continue;
      if (!text.empty()) text.push_back('\n');
      text += r.text;
    }
    job.p.images.clear();
    job.p.images.shrink_to_fit();
    on_done_(job, std::move(text));
    ++metrics_.posts_done;
  }
}

}  // namespace sito::server
