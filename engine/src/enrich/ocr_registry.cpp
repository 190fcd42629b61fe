// File: ocr_registry.cpp
#include "sito/enrich/ocr_registry.hpp"

#include "sito/enrich/backend_registry.hpp"
#include "sito/enrich/cpu_ocr_backend.hpp"

namespace sito::enrich {
namespace {

using registry = backend_registry<ocr_backend, ocr_options>;

registry& the_registry() {
  static registry r("ocr");
  return r;
}

result<std::unique_ptr<ocr_backend>> make_cpu(const ocr_options& options) {
  SITO_ASSIGN_OR_RETURN(auto cpu, cpu_ocr_backend::create(options));
  return std::unique_ptr<ocr_backend>(std::move(cpu));
}

}  // namespace

void register_ocr_backend(std::string name, int priority, ocr_backend_factory factory) {
  the_registry().add(std::move(name), priority, std::move(factory));
}

std::vector<std::string> ocr_backend_names() { return the_registry().names(); }

result<std::unique_ptr<ocr_backend>> make_ocr_backend(std::string_view name, const ocr_options& options,
                                                      std::string* fallback_reason) {
  return the_registry().make(name, make_cpu, fallback_reason, options);
}

}  // namespace sito::enrich
