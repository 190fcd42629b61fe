// File: ocr_registry.cpp
#include "sito/enrich/ocr_registry.hpp"

#include <algorithm>
#include <mutex>

#include "sito/enrich/cpu_ocr_backend.hpp"

namespace sito::enrich {
namespace {

struct entry {
  std::string name;
  int priority = 0;
  ocr_backend_factory factory;
};

struct registry {
  std::mutex mutex;
  std::vector<entry> entries;  ///< by descending priority
};

registry& the_registry() {
  static registry r;
  return r;
}

result<std::unique_ptr<ocr_backend>> make_cpu(const ocr_options& options) {
  SITO_ASSIGN_OR_RETURN(auto cpu, cpu_ocr_backend::create(options));
  return std::unique_ptr<ocr_backend>(std::move(cpu));
}

}  // namespace

void register_ocr_backend(std::string name, int priority, ocr_backend_factory factory) {
  registry& r = the_registry();
  std::lock_guard lock(r.mutex);
  std::erase_if(r.entries, [&](const entry& e) { return e.name == name; });
  r.entries.push_back({std::move(name), priority, std::move(factory)});
  std::stable_sort(r.entries.begin(), r.entries.end(),
                   [](const entry& a, const entry& b) { return a.priority > b.priority; });
}

std::vector<std::string> ocr_backend_names() {
  registry& r = the_registry();
  std::lock_guard lock(r.mutex);
  std::vector<std::string> names{"cpu"};
  for (const auto& e : r.entries)
    if (e.name != "cpu") names.push_back(e.name);
  return names;
}

result<std::unique_ptr<ocr_backend>> make_ocr_backend(std::string_view name, const ocr_options& options,
                                                      std::string* fallback_reason) {
  if (fallback_reason) fallback_reason->clear();
  std::vector<entry> entries;
  {
    registry& r = the_registry();
    std::lock_guard lock(r.mutex);
    entries = r.entries;
  }
  if (name == "cpu") return make_cpu(options);
  if (name == "auto") {
    std::string reasons;
    for (const auto& e : entries) {
      auto b = e.factory(options);
      if (b.ok()) return b;
      reasons += (reasons.empty() ? "" : "; ") + e.name + ": " + b.error().message();
    }
    if (fallback_reason) *fallback_reason = entries.empty() ? "no accelerator backend registered" : reasons;
    return make_cpu(options);
  }
  for (const auto& e : entries)
    if (e.name == name) return e.factory(options);
  return not_found("ocr: backend '" + std::string(name) +
                   "' is not available (not built, or no device at run time); use 'cpu' or 'auto'");
}

}  // namespace sito::enrich
