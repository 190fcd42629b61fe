// libFuzzer: the JSONL post decoder and the scan path behind it. Any bytes
// give a post or an error; a decoded post scans without crashing; its
// author.links are each well-formed (author_link_error) and survive the
// JSON round trip.
#include <cstdint>
#include <memory>
#include <string_view>

#include "sito/compile/compiler.hpp"
#include "sito/model/post.hpp"
#include "sito/scan/batch_scanner.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::shared_ptr<const sito::ruleset_snapshot> snap = [] {
    std::vector<sito::topic_spec> topics = {
        {"t", "a", "", "flowwow OR фловвов* OR contains:\"wow\" OR #flowwow", {"otzovik:flowwow"}, {}},
        {"t", "b", "", "курьер NEAR/3 (опоздал OR грубил) -вакансия followers:>=10", {}, {}},
        {"t", "c", "", "\"доставка цветов\"~4 OR {Apple} OR title:(отзыв) site:example.ru", {}, {}}};
    return *sito::compile_topics(topics);
  }();
  static sito::batch_scanner scanner(snap);
  auto p = sito::post_from_json(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!p.ok()) return 0;
  for (const auto& link : p->author.links)
    if (!sito::author_link_error(link).empty()) __builtin_trap();
  if (!p->author.links.empty()) {
    auto back = sito::post_from_json(sito::post_to_json(*p));
    if (!back.ok() || back->author.links != p->author.links) __builtin_trap();
  }
  sito::scan_output out;
  scanner.scan_serial(std::span<const sito::post>(&*p, 1), out);
  return 0;
}
