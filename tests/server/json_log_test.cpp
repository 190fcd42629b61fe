// sitod's log lines (sito/server/json_log.hpp): whatever a field carries,
// the line is one line of valid JSON whose fields read back as written
// (bytes that are not UTF-8 as U+FFFD). Checked with a JSON parser.
#include "sito/server/json_log.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

namespace sito::server {
namespace {

using json = nlohmann::ordered_json;

/// Parses `line`, failing the test when it is not exactly one JSON object.
json parse_line(const std::string& line) {
  EXPECT_EQ(line.find('\n'), std::string::npos) << "a raw newline splits the log line";
  json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
  EXPECT_TRUE(j.is_object()) << line;
  return j;
}

TEST(JsonLog, HostileTextIsEscapedAndReadsBackAsWritten) {
  const std::string hostile[] = {
      "unknown key \"listne\" in 'sitod.yaml'",  // a config error quoting the key
      "C:\\path\\to\\file",
      "two\nlines\r\nand a\ttab",
      std::string("nul \0 and \x01\x1f\x7f", sizeof "nul \0 and \x01\x1f\x7f" - 1),
      "Доставка 🚚 опоздала",
      "} , \"level\": \"info\"",  // an attempt to forge a field
  };
  for (const std::string& h : hostile) {
    log_line l = log_error("bad config");
    l.with("error", h).with("tenant", h);
    l.discard();
    const json j = parse_line(l.text());
    ASSERT_TRUE(j.is_object());
    EXPECT_EQ(j["level"], "error");
    EXPECT_EQ(j["msg"], "bad config");
    EXPECT_EQ(j["error"], h);
    EXPECT_EQ(j["tenant"], h);
    EXPECT_EQ(j.size(), 4u) << l.text();
  }
}

TEST(JsonLog, BytesThatAreNotUtf8BecomeTheReplacementCharacter) {
  log_line l = log_warning("stored topic left out");
  l.with("topic", std::string("ok \xff then \xd0"));  // a stray byte and a cut two-byte letter
  l.discard();
  const json j = parse_line(l.text());
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["topic"], "ok \xEF\xBF\xBD then \xEF\xBF\xBD");
}

TEST(JsonLog, NumbersAndFlagsKeepTheirTypeAndFieldsTheirOrder) {
  log_line l = log_info("sitod listening");
  l.with("port", uint16_t{4041})
      .with("lag", int64_t{-3})
      .with("max", UINT64_MAX)
      .with("ratio", 0.25)
      .with("tls", true)
      .with("data_dir", "/var/lib/sito");
  l.discard();
  const json j = parse_line(l.text());
  ASSERT_TRUE(j.is_object());
  EXPECT_EQ(j["port"].get<int>(), 4041);
  EXPECT_EQ(j["lag"].get<int64_t>(), -3);
  EXPECT_EQ(j["max"].get<uint64_t>(), UINT64_MAX);
  EXPECT_DOUBLE_EQ(j["ratio"].get<double>(), 0.25);
  EXPECT_EQ(j["tls"], true);
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"level", "msg", "port", "lag", "max", "ratio", "tls", "data_dir"}));
}

TEST(JsonLog, RandomBytesAlwaysGiveOneValidLine) {
  std::mt19937_64 rng(20261130);
  for (int round = 0; round < 2000; ++round) {
    std::string v(rng() % 40, '\0');
    for (char& c : v) c = static_cast<char>(rng() & 0xFF);
    log_line l = log_error("fuzz");
    l.with("value", v);
    l.discard();
    const std::string text = l.text();
    const json j = parse_line(text);
    ASSERT_TRUE(j.is_object()) << "round " << round;
    ASSERT_TRUE(j["value"].is_string());
  }
}

TEST(JsonLog, TheLineIsWrittenToStandardErrorWhenTheExpressionEnds) {
  std::FILE* capture = std::tmpfile();
  ASSERT_NE(capture, nullptr);
  std::fflush(stderr);
  const int saved = ::dup(STDERR_FILENO);
  ASSERT_GE(saved, 0);
  ASSERT_GE(::dup2(::fileno(capture), STDERR_FILENO), 0);
  log_error("commit_matches failed").with("error", "disk \"full\"");
  log_info("stopped");
  std::fflush(stderr);
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  std::rewind(capture);
  std::string all;
  char buf[512];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, capture)) > 0;) all.append(buf, n);
  std::fclose(capture);
  EXPECT_EQ(all,
            "{\"level\":\"error\",\"msg\":\"commit_matches failed\",\"error\":\"disk \\\"full\\\"\"}\n"
            "{\"level\":\"info\",\"msg\":\"stopped\"}\n");
}

}  // namespace
}  // namespace sito::server
