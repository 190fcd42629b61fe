// embed_corpus: raw text → training text for a fastText model that sito's
// fasttext_embedder reads (sito/enrich/fasttext_embedder.hpp), normalized by
// the very preparer that prepares posts and tag examples, so the model's
// vocabulary is the words it will be asked for (folded, lower case, ё → е,
// no emoji or links) and its sentences are the segments posts are cut into.
//
//   build/bench/embed_corpus < raw.txt > corpus.txt
//
// Input: UTF-8 text; a paragraph is a run of non-blank lines (joined with a
// space, since the preparer ends a sentence at a line break). Output: one
// segment per line, words separated by one space. A paragraph that is not
// valid UTF-8 is skipped. Counts go to stderr.
#include <cstdio>
#include <iostream>
#include <string>

#include "sito/enrich/embedding.hpp"

int main(int argc, char** argv) {
  if (argc > 1) {
    std::cerr << "usage: embed_corpus < raw.txt > corpus.txt\n";
    return 2;
  }
  std::ios::sync_with_stdio(false);
  sito::enrich::text_preparer prep;
  std::string line, paragraph;
  size_t paragraphs = 0, skipped = 0, segments = 0, words = 0;
  auto flush = [&] {
    if (paragraph.empty()) return;
    auto segs = prep.segments_of(paragraph);
    paragraph.clear();
    if (!segs.ok()) {
      ++skipped;
      return;
    }
    ++paragraphs;
    for (const auto& s : *segs) {
      std::cout << s << '\n';
      ++segments;
      words += 1;
      for (char c : s) words += c == ' ';
    }
  };
  while (std::getline(std::cin, line)) {
    if (line.find_first_not_of(" \t\r\f\v") == std::string::npos) {
      flush();
      continue;
    }
    if (!paragraph.empty()) paragraph += ' ';
    paragraph += line;
  }
  flush();
  std::cerr << "embed_corpus: " << paragraphs << " paragraphs (" << skipped << " skipped: not UTF-8), " << segments
            << " segments, " << words << " words\n";
  return 0;
}
