// File: bench/peers/literal_peers.cpp
#include "peers/literal_peers.hpp"

#include <hs/hs.h>
#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <cstdio>
#include <set>
#include <stdexcept>

#include "sito/query/parser.hpp"
#include "sito/text/fold.hpp"

namespace sito::bench {

void collect_query_words(const query::node& n, std::vector<std::string>& out) {
  if (n.kind == query::node_kind::term || n.kind == query::node_kind::phrase) {
    for (auto& t : text::tokenize_term(n.text)) out.push_back(t.text);
  }
  for (auto& c : n.children) collect_query_words(c, out);
}

std::vector<std::string> query_words(std::span<const topic_spec> topics) {
  std::set<std::string> words;
  std::vector<std::string> w;
  for (auto& t : topics) {
    auto parsed = query::parse(t.query, !t.channels.empty());
    w.clear();
    if (parsed.ok()) collect_query_words(*parsed.root, w);
    words.insert(w.begin(), w.end());
  }
  return {words.begin(), words.end()};
}

void append_token_stream(text::analyzer& a, const post& p, std::string& out) {
  text::analyzed_text t;
  for (const std::string* field : {&p.title, &p.text}) {
    if (field->empty() || !a.analyze(*field, t).ok()) continue;
    for (auto& tok : t.tokens) {
      out.push_back('\x01');
      out.append(t.key(tok));
    }
  }
  out.push_back('\x01');
}

namespace {
int count_match(unsigned, unsigned long long, unsigned long long, unsigned, void* ctx) {
  ++*static_cast<size_t*>(ctx);
  return 0;
}
}  // namespace

hs_literal_scanner::hs_literal_scanner(const std::vector<std::string>& words) {
  std::vector<std::string> patterns;
  patterns.reserve(words.size());
  for (auto& word : words) {
    const std::string lit = "\x01" + text::fold(word) + "\x01";
    std::string re;
    for (unsigned char ch : lit) {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02x", ch);
      re += buf;
    }
    patterns.push_back(std::move(re));
  }
  std::vector<const char*> exprs;
  std::vector<unsigned> ids, flags(patterns.size(), 0);
  for (size_t i = 0; i < patterns.size(); ++i) {
    exprs.push_back(patterns[i].c_str());
    ids.push_back(static_cast<unsigned>(i));
  }
  hs_compile_error_t* err = nullptr;
  if (hs_compile_multi(exprs.data(), flags.data(), ids.data(), static_cast<unsigned>(exprs.size()), HS_MODE_BLOCK,
                       nullptr, &db_, &err) != HS_SUCCESS) {
    std::string msg = err ? err->message : "hs_compile_multi failed";
    hs_free_compile_error(err);
    throw std::runtime_error(msg);
  }
  if (hs_alloc_scratch(db_, &scratch_) != HS_SUCCESS) {
    hs_free_database(db_);
    throw std::runtime_error("hs_alloc_scratch failed");
  }
  literals_ = patterns.size();
}

hs_literal_scanner::~hs_literal_scanner() {
  hs_free_scratch(scratch_);
  hs_free_database(db_);
}

size_t hs_literal_scanner::scan(std::string_view bytes) {
  size_t matches = 0;
  hs_scan(db_, bytes.data(), static_cast<unsigned>(bytes.size()), 0, scratch_, count_match, &matches);
  return matches;
}

re2_set_matcher::re2_set_matcher(std::span<const topic_spec> topics, int64_t max_mem) {
  RE2::Options opts;
  opts.set_max_mem(max_mem);
  opts.set_encoding(RE2::Options::EncodingLatin1);
  opts.set_log_errors(false);
  set_ = std::make_unique<RE2::Set>(opts, RE2::UNANCHORED);
  std::vector<std::string> words;
  for (size_t i = 0; i < topics.size(); ++i) {
    auto parsed = query::parse(topics[i].query, !topics[i].channels.empty());
    words.clear();
    if (parsed.ok()) collect_query_words(*parsed.root, words);
    if (words.empty()) continue;
    std::string re = "\\x01(?:";
    for (size_t k = 0; k < words.size(); ++k) re += (k ? "|" : "") + RE2::QuoteMeta(text::fold(words[k]));
    re += ")\\x01";
    if (set_->Add(re, nullptr) < 0) return;
    topic_of_.push_back(static_cast<int>(i));
  }
  ok_ = set_->Compile();
}

re2_set_matcher::~re2_set_matcher() = default;

void re2_set_matcher::match(std::string_view stream, std::vector<int>& hits) const {
  hits.clear();
  if (!ok_) return;
  set_->Match(stream, &hits);
  for (int& h : hits) h = topic_of_[static_cast<size_t>(h)];
  std::sort(hits.begin(), hits.end());
}

}  // namespace sito::bench
