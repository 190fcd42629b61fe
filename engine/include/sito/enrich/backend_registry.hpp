// File: sito/enrich/backend_registry.hpp
//
// One registry of accelerator backends by name, shared by the OCR and the
// embedding interfaces (ocr_registry.hpp, embedding.hpp), in the manner of
// simdjson's implementation::detect_best_supported(): "cpu" is built in and
// always there; other backends register at start-up, and only when their
// device exists. "auto" tries the registered backends by descending
// priority and falls back to the CPU with the reasons.
//
//   static backend_registry<ocr_backend, ocr_options> registry("ocr");
//   registry.add("cuda", 100, make_cuda);
//   auto b = registry.make("auto", make_cpu, &why, options);
//
// Thread-safety: every member is safe to call concurrently.
#pragma once

#include <algorithm>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "sito/base/status.hpp"

namespace sito::enrich {

template <typename Backend, typename... Args>
class backend_registry {
 public:
  using factory = std::function<result<std::unique_ptr<Backend>>(const Args&...)>;

  /// `what` names the interface in errors ("ocr", "embedding").
  explicit backend_registry(std::string what) : what_(std::move(what)) {}

  /// Registers (or replaces) `name`; a higher priority wins under "auto".
  void add(std::string name, int priority, factory f) {
    std::lock_guard lock(mutex_);
    std::erase_if(entries_, [&](const entry& e) { return e.name == name; });
    entries_.push_back({std::move(name), priority, std::move(f)});
    std::stable_sort(entries_.begin(), entries_.end(),
                     [](const entry& a, const entry& b) { return a.priority > b.priority; });
  }

  /// "cpu" first, then the registered names by priority.
  std::vector<std::string> names() const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out{"cpu"};
    for (const auto& e : entries_)
      if (e.name != "cpu") out.push_back(e.name);
    return out;
  }

  /// "cpu" (made by `cpu`), "auto", or a registered name.
  result<std::unique_ptr<Backend>> make(std::string_view name, const factory& cpu, std::string* fallback_reason,
                                        const Args&... args) const {
    if (fallback_reason) fallback_reason->clear();
    std::vector<entry> entries;
    {
      std::lock_guard lock(mutex_);
      entries = entries_;
    }
    if (name == "cpu") return cpu(args...);
    if (name == "auto") {
      std::string reasons;
      for (const auto& e : entries) {
        auto b = e.make(args...);
        if (b.ok()) return b;
        reasons += (reasons.empty() ? "" : "; ") + e.name + ": " + b.error().message();
      }
      if (fallback_reason) *fallback_reason = entries.empty() ? "no accelerator backend registered" : reasons;
      return cpu(args...);
    }
    for (const auto& e : entries)
      if (e.name == name) return e.make(args...);
    return not_found(what_ + ": backend '" + std::string(name) +
                     "' is not available (not built, or no device at run time); use 'cpu' or 'auto'");
  }

 private:
  struct entry {
    std::string name;
    int priority = 0;
    factory make;
  };
  std::string what_;
  mutable std::mutex mutex_;
  std::vector<entry> entries_;  ///< by descending priority
};

}  // namespace sito::enrich
