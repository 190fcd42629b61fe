// Tests of the post model (post_from_json, post_to_json, validate_post) and
// of load_topics_file (YAML and JSON topic files).
#include <gtest/gtest.h>

#include <algorithm>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "sito/model/post.hpp"
#include "sito/model/topic.hpp"

namespace sito {
namespace {

using namespace std::string_literals;

post parse_ok(std::string_view json) {
  auto r = post_from_json(json);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string()) << "\n" << json;
  return r.ok() ? *r : post{};
}

/// The error message of a post_from_json call that must fail.
std::string parse_error(std::string_view json) {
  auto r = post_from_json(json);
  EXPECT_FALSE(r.ok()) << json;
  if (r.ok()) return "";
  EXPECT_EQ(r.error().code(), status_code::invalid_argument) << r.error().to_string();
  return r.error().message();
}

TEST(PostFromJson, ParsesAllFields) {
  const std::string json = R"({
    "id": "vk_123",
    "source": "vk",
    "source_type": "social",
    "channel": "club42",
    "place": "club42_wall",
    "url": "https://vk.com/wall-42_123",
    "author": {
      "id": "u1", "handle": "ivan", "name": "Иван Петров", "followers": 15000,
      "verified": true, "gender": "m", "age": 31, "country": "RU", "city": "Москва"
    },
    "published_at": 1718000000,
    "lang": "ru",
    "title": "Заголовок",
    "text": "Доставка цветов 😡",
    "image_text": "СКИДКА 50%",
    "images": ["iVBORw0KGgo=", "/9j/4AAQ", "UklGRg=="],
    "parent_id": "vk_100",
    "is_repost": true,
    "reach": 120000,
    "engagement": 345
  })";
  post p = parse_ok(json);
  EXPECT_EQ(p.id, "vk_123");
  EXPECT_EQ(p.source, "vk");
  EXPECT_EQ(p.source_type, "social");
  EXPECT_EQ(p.channel, "club42");
  EXPECT_EQ(p.place, "club42_wall");
  EXPECT_EQ(p.url, "https://vk.com/wall-42_123");
  EXPECT_EQ(p.author.id, "u1");
  EXPECT_EQ(p.author.handle, "ivan");
  EXPECT_EQ(p.author.name, "Иван Петров");
  ASSERT_TRUE(p.author.followers.has_value());
  EXPECT_EQ(*p.author.followers, 15000);
  EXPECT_TRUE(p.author.verified);
  EXPECT_EQ(p.author.gender, "m");
  ASSERT_TRUE(p.author.age.has_value());
  EXPECT_EQ(*p.author.age, 31);
  EXPECT_EQ(p.author.country, "RU");
  EXPECT_EQ(p.author.city, "Москва");
  EXPECT_EQ(p.published_at, 1718000000);
  EXPECT_EQ(p.lang, "ru");
  EXPECT_EQ(p.title, "Заголовок");
  EXPECT_EQ(p.text, "Доставка цветов 😡");
  EXPECT_EQ(p.image_text, "СКИДКА 50%");
  EXPECT_EQ(p.image_count, 3u);
  EXPECT_EQ(p.parent_id, "vk_100");
  EXPECT_TRUE(p.is_repost);
  EXPECT_EQ(p.reach, 120000);
  EXPECT_EQ(p.engagement, 345);
}

TEST(PostFromJson, ImagesCarryDecodedBytes) {
  post p = parse_ok(R"({"id":"1","images":["iVBORw0KGgo=",{"data":"/9j/4A==","mime":"image/jpeg"},{"data":"UklG Rg"}]})");
  ASSERT_EQ(p.images.size(), 3u);
  EXPECT_EQ(p.image_count, 3u);
  EXPECT_EQ(p.images[0].data, (std::vector<uint8_t>{0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A}));
  EXPECT_EQ(p.images[1].data, (std::vector<uint8_t>{0xFF, 0xD8, 0xFF, 0xE0}));
  EXPECT_EQ(p.images[1].mime, "image/jpeg");
  EXPECT_EQ(p.images[2].data, (std::vector<uint8_t>{'R', 'I', 'F', 'F'}));  // whitespace and missing padding tolerated
  EXPECT_EQ(parse_error(R"({"id":"1","images":["ok==", "not base64!"]})"), "field 'images[1]' is not base64");
  EXPECT_EQ(parse_error(R"({"id":"1","images":[{"mime":"image/png"}]})"), "field 'images[0]' has no 'data'");
  EXPECT_EQ(parse_error(R"({"id":"1","images":[42]})"), "field 'images[0]' must be a base64 string or {data, mime}");
}

TEST(ValidatePost, ImageLimitsNameTheImage) {
  post p;
  p.id = "1";
  p.images.resize(3);
  post_limits limits;
  limits.max_images = 2;
  status st = validate_post(p, limits);
  EXPECT_EQ(st.code(), status_code::out_of_range);
  EXPECT_NE(st.message().find("3 images"), std::string::npos) << st.message();
  limits.max_images = 3;
  limits.max_image_bytes = 4;
  p.images[2].data.assign(5, 0);
  st = validate_post(p, limits);
  EXPECT_EQ(st.code(), status_code::out_of_range);
  EXPECT_NE(st.message().find("images[2]"), std::string::npos) << st.message();
  p.images[2].data.assign(4, 0);
  EXPECT_TRUE(validate_post(p, limits).ok());
}

TEST(PostFromJson, AuthorLinksRoundTripAndBadOnesNameTheirIndex) {
  post p = parse_ok(R"({"id":"1","source":"vk","author":{"id":"123","links":["tg:555","crm:8812"]}})");
  EXPECT_EQ(p.author.links, (std::vector<std::string>{"tg:555", "crm:8812"}));
  EXPECT_EQ(p.unknown_fields, 0u);
  EXPECT_TRUE(validate_post(p).ok());
  post again = parse_ok(post_to_json(p));
  EXPECT_EQ(again.author.links, p.author.links);
  EXPECT_TRUE(parse_ok(R"({"id":"1","author":{"links":null}})").author.links.empty());
  EXPECT_NE(parse_error(R"({"id":"1","author":{"links":"tg:555"}})").find("'author.links' must be an array"),
            std::string::npos);
  EXPECT_NE(parse_error(R"({"id":"1","author":{"links":["tg:1",5]}})").find("'author.links[1]' must be a string"),
            std::string::npos);
  for (const char* bad : {R"("nocolon")", R"(":1")", R"("tg:")", R"("TG:1")", R"("t g:1")", R"("tg:a\u0001b")"}) {
    const std::string json = std::string(R"({"id":"1","author":{"links":["ok:1",)") + bad + "]}}";
    EXPECT_NE(parse_error(json).find("'author.links[1]'"), std::string::npos) << json;
  }
  std::string many = R"({"id":"1","author":{"links":[)";
  for (size_t i = 0; i <= max_author_links; ++i) many += (i ? ",\"tg:" : "\"tg:") + std::to_string(i) + "\"";
  many += "]}}";
  auto r = post_from_json(many);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("more than the limit of 32"), std::string::npos) << r.error().message();
  // A post built in code (the wire form) is checked by validate_post alike.
  post wired;
  wired.id = "1";
  wired.author.links = {"tg:1", std::string("tg:\xff")};
  auto st = validate_post(wired);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("'author.links[1]' has invalid UTF-8"), std::string::npos) << st.message();
}

TEST(PostFromJson, RandomAuthorLinksNeverCrashAndAreAcceptedOnlyWhenWellFormed) {
  // Fuzz-style: random bytes in a link; a parse that succeeds gives links
  // author_link_error accepts, which survive the JSON round trip.
  std::mt19937 rng(13);
  const std::string alphabet = std::string("az09_.-:AZ \t\\\"") + "\xd0\xb0\xff\x01";
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string link;
    const size_t n = rng() % 12;
    for (size_t k = 0; k < n; ++k) link.push_back(alphabet[rng() % alphabet.size()]);
    std::string escaped;
    for (const char c : link) {
      if (c == '"' || c == '\\') escaped.push_back('\\');
      if (c == '\t') { escaped += "\\t"; continue; }
      if (c == '\x01') { escaped += "\\u0001"; continue; }
      escaped.push_back(c);
    }
    const std::string json = R"({"id":"1","author":{"id":"a","links":[")" + escaped + R"("]}})";
    auto r = post_from_json(json);
    if (!r.ok()) continue;
    ++accepted;
    ASSERT_EQ(r->author.links.size(), 1u);
    ASSERT_EQ(author_link_error(r->author.links[0]), "") << json;
    ASSERT_TRUE(validate_post(*r).ok()) << json;
    auto back = post_from_json(post_to_json(*r));
    ASSERT_TRUE(back.ok());
    ASSERT_EQ(back->author.links, r->author.links);
  }
  EXPECT_GT(accepted, 100);
}

TEST(PostFromJson, MinimalPostHasDefaults) {
  post p = parse_ok(R"({"id":"1"})");
  EXPECT_EQ(p.id, "1");
  EXPECT_EQ(p.text, "");
  EXPECT_EQ(p.image_count, 0u);
  EXPECT_FALSE(p.is_repost);
  EXPECT_EQ(p.published_at, 0);
  EXPECT_FALSE(p.author.followers.has_value());
  EXPECT_FALSE(p.author.age.has_value());
  EXPECT_FALSE(p.author.verified);
}

TEST(PostFromJson, NullFieldsAreAbsent) {
  post p = parse_ok(R"({"id":"1","text":null,"author":{"followers":null,"age":null},"images":null,
                        "is_repost":null,"reach":null})");
  EXPECT_EQ(p.text, "");
  EXPECT_FALSE(p.author.followers.has_value());
  EXPECT_FALSE(p.author.age.has_value());
  EXPECT_EQ(p.image_count, 0u);
  EXPECT_FALSE(p.is_repost);
  EXPECT_EQ(p.reach, 0);
  EXPECT_EQ(parse_ok(R"({"id":"1","author":null})").author.id, "");
}

TEST(PostFromJson, ZeroFollowersIsPresent) {
  post p = parse_ok(R"({"id":"1","author":{"followers":0}})");
  ASSERT_TRUE(p.author.followers.has_value());
  EXPECT_EQ(*p.author.followers, 0);
}

TEST(PostFromJson, NumbersAsIds) {
  post p = parse_ok(R"({"id":123456789012,"parent_id":-5,"channel":42,"author":{"id":7}})");
  EXPECT_EQ(p.id, "123456789012");
  EXPECT_EQ(p.parent_id, "-5");
  EXPECT_EQ(p.channel, "42");
  EXPECT_EQ(p.author.id, "7");
}

TEST(PostFromJson, LargeUnsignedIdKeepsItsDigits) {
  // A 64-bit unsigned id above INT64_MAX (such ids exist, e.g. snowflakes
  // with the top bit set) must keep its decimal digits.
  auto r = post_from_json(R"({"id":18446744073709551615})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->id, "18446744073709551615");
}

TEST(PostFromJson, IntegerAboveInt64IsRejected) {
  // Counters are int64; a value that does not fit must not wrap silently.
  auto r = post_from_json(R"({"id":"1","reach":18446744073709551615})");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("'reach'"), std::string::npos) << r.error().message();
}

TEST(PostFromJson, UnknownFieldsAreToleratedCountedAndNamed) {
  const std::string json = R"({"id":"1","foo":{"bar":[1,2,3]},"text":"hi","likes":"many",
                        "author":{"id":"a","karma":9000}})";
  post p = parse_ok(json);
  EXPECT_EQ(p.id, "1");
  EXPECT_EQ(p.text, "hi");
  EXPECT_EQ(p.author.id, "a");
  EXPECT_EQ(p.unknown_fields, 3u);
  std::vector<std::string> names;
  auto again = post_from_json(json, &names);
  ASSERT_TRUE(again.ok());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"author.karma", "foo", "likes"}));
  // A typo of a known field is one of them: the text is not silently read.
  names.clear();
  auto typo = post_from_json(R"({"id":"2","txet":"доставка"})", &names);
  ASSERT_TRUE(typo.ok());
  EXPECT_TRUE(typo->text.empty());
  EXPECT_EQ(names, (std::vector<std::string>{"txet"}));
  // Every known field, author's too, is known.
  auto known = post_from_json(
      R"({"id":"3","source":"vk","source_type":"social","channel":"c","place":"p","url":"u","lang":"ru",
          "title":"t","text":"x","image_text":"i","parent_id":"0","published_at":1,"reach":2,"engagement":3,
          "is_repost":false,"image_count":0,"author":{"id":"a","handle":"h","name":"n","gender":"f",
          "country":"RU","city":"M","verified":true,"followers":5,"age":30}})");
  ASSERT_TRUE(known.ok());
  EXPECT_EQ(known->unknown_fields, 0u);
}

TEST(PostFromJson, WrongTypesNameTheField) {
  EXPECT_EQ(parse_error(R"({"id":true})"), "field 'id' must be a string");
  EXPECT_EQ(parse_error(R"({"id":1.5})"), "field 'id' must be a string");
  EXPECT_EQ(parse_error(R"({"id":"1","text":["a"]})"), "field 'text' must be a string");
  EXPECT_EQ(parse_error(R"({"id":"1","title":{}})"), "field 'title' must be a string");
  EXPECT_EQ(parse_error(R"({"id":"1","published_at":"2024-06-10"})"),
            "field 'published_at' must be an integer");
  EXPECT_EQ(parse_error(R"({"id":"1","reach":1.5})"), "field 'reach' must be an integer");
  EXPECT_EQ(parse_error(R"({"id":"1","engagement":"5"})"), "field 'engagement' must be an integer");
  EXPECT_EQ(parse_error(R"({"id":"1","is_repost":1})"), "field 'is_repost' must be true or false");
  EXPECT_EQ(parse_error(R"({"id":"1","is_repost":"true"})"), "field 'is_repost' must be true or false");
  EXPECT_EQ(parse_error(R"({"id":"1","images":"abc"})"), "field 'images' must be an array");
  EXPECT_EQ(parse_error(R"({"id":"1","author":"ivan"})"), "field 'author' must be an object");
  EXPECT_EQ(parse_error(R"({"id":"1","author":{"followers":"1k"}})"),
            "field 'followers' must be an integer");
  EXPECT_EQ(parse_error(R"({"id":"1","author":{"verified":"yes"}})"),
            "field 'verified' must be true or false");
  EXPECT_EQ(parse_error(R"({"id":"1","author":{"name":5.5}})"), "field 'name' must be a string");
  EXPECT_EQ(parse_error(R"({"id":"1","author":{"age":[]}})"), "field 'age' must be an integer");
}

TEST(PostFromJson, InvalidJsonRejected) {
  for (const char* bad : {"", "{", R"({"id":"1",})", R"({"id":"1"} trailing)", "{'id':'1'}",
                          R"({"id":"1" "text":"x"})"}) {
    auto r = post_from_json(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code(), status_code::invalid_argument);
    EXPECT_EQ(r.error().message(), "not valid JSON (or not valid UTF-8)") << bad;
  }
}

TEST(PostFromJson, InvalidUtf8InsideJsonRejected) {
  for (std::string bad : {"{\"id\":\"1\",\"text\":\"a\xFF\"}"s, "{\"id\":\"1\",\"text\":\"\xC0\x80\"}"s,
                          "{\"id\":\"1\",\"text\":\"\xED\xA0\x80\"}"s, "{\"id\":\"1\",\"text\":\"\xD0\"}"s,
                          R"({"id":"1","text":"\ud800"})"s}) {
    auto r = post_from_json(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().message(), "not valid JSON (or not valid UTF-8)");
  }
}

TEST(PostFromJson, EscapesDecoded) {
  post p = parse_ok(R"({"id":"1","text":"\u0414\u043e\u0441\u0442\u0430\u0432\u043a\u0430 \ud83d\ude21 \"q\"\n"})");
  EXPECT_EQ(p.text, "Доставка 😡 \"q\"\n");
}

TEST(PostFromJson, NonObjectRejected) {
  for (const char* bad : {"[]", R"(["id"])", "42", R"("post")", "null", "true"}) {
    auto r = post_from_json(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().message(), "a post must be a JSON object") << bad;
  }
}

TEST(PostToJson, RoundTrip) {
  post p;
  p.id = "tg_9";
  p.source = "telegram";
  p.source_type = "messenger";
  p.channel = "chan";
  p.place = "chat 1";
  p.url = "https://t.me/c/1/9";
  p.author.id = "a1";
  p.author.handle = "@ivan";
  p.author.name = "Иван \"Ваня\" Петров";
  p.author.followers = 0;
  p.author.verified = true;
  p.author.gender = "f";
  p.author.age = 27;
  p.author.country = "KZ";
  p.author.city = "Алматы";
  p.published_at = 1718000000;
  p.lang = "kk";
  p.title = "Тақырып";
  p.text = "Line1\nLine2\t😡 \\ / қ";
  p.image_text = "OCR";
  p.parent_id = "tg_1";
  p.is_repost = true;
  p.reach = -1;  // negative values survive too
  p.engagement = 9007199254740993;  // above 2^53: must not pass through a double
  const std::string json = post_to_json(p);
  post q = parse_ok(json);
  EXPECT_EQ(q.id, p.id);
  EXPECT_EQ(q.source, p.source);
  EXPECT_EQ(q.source_type, p.source_type);
  EXPECT_EQ(q.channel, p.channel);
  EXPECT_EQ(q.place, p.place);
  EXPECT_EQ(q.url, p.url);
  EXPECT_EQ(q.author.id, p.author.id);
  EXPECT_EQ(q.author.handle, p.author.handle);
  EXPECT_EQ(q.author.name, p.author.name);
  EXPECT_EQ(q.author.followers, p.author.followers);
  EXPECT_EQ(q.author.verified, p.author.verified);
  EXPECT_EQ(q.author.gender, p.author.gender);
  EXPECT_EQ(q.author.age, p.author.age);
  EXPECT_EQ(q.author.country, p.author.country);
  EXPECT_EQ(q.author.city, p.author.city);
  EXPECT_EQ(q.published_at, p.published_at);
  EXPECT_EQ(q.lang, p.lang);
  EXPECT_EQ(q.title, p.title);
  EXPECT_EQ(q.text, p.text);
  EXPECT_EQ(q.image_text, p.image_text);
  EXPECT_EQ(q.parent_id, p.parent_id);
  EXPECT_EQ(q.is_repost, p.is_repost);
  EXPECT_EQ(q.reach, p.reach);
  EXPECT_EQ(q.engagement, p.engagement);
  // image_count is not part of the JSON form ("without image bytes").
  EXPECT_EQ(q.image_count, 0u);
}

TEST(PostToJson, MinimalPostOmitsEmptyFields) {
  post p;
  p.id = "x";
  EXPECT_EQ(post_to_json(p), R"({"id":"x"})");
  post q = parse_ok(post_to_json(p));
  EXPECT_EQ(q.id, "x");
  EXPECT_FALSE(q.author.followers.has_value());
}

TEST(PostToJson, KeepsUtf8Unescaped) {
  post p;
  p.id = "1";
  p.text = "ёж";
  EXPECT_EQ(post_to_json(p), R"({"id":"1","text":"ёж"})");
}

TEST(PostValidate, AcceptsGoodPost) {
  post p;
  p.id = "1";
  p.title = "Заголовок";
  p.text = "Текст 😡";
  p.image_text = "";
  EXPECT_TRUE(validate_post(p).ok());
}

TEST(PostValidate, MissingId) {
  post p;
  p.text = "x";
  status s = validate_post(p);
  EXPECT_EQ(s.code(), status_code::invalid_argument);
  EXPECT_EQ(s.message(), "post has no id");
}

TEST(PostValidate, OversizedFieldNamesField) {
  post p;
  p.id = "1";
  p.text = std::string(11, 'a');
  post_limits lim;
  lim.max_field_bytes = 10;
  status s = validate_post(p, lim);
  EXPECT_EQ(s.code(), status_code::out_of_range);
  EXPECT_EQ(s.message(), "field 'text' has 11 bytes, more than the limit of 10");
  p.text = std::string(10, 'a');  // exactly the limit is fine
  EXPECT_TRUE(validate_post(p, lim).ok());
  p.image_text = std::string(12, 'b');
  s = validate_post(p, lim);
  EXPECT_EQ(s.message(), "field 'image_text' has 12 bytes, more than the limit of 10");
  p.image_text.clear();
  p.title = "ёёёёёё";  // 12 bytes, 6 letters: the limit counts bytes
  s = validate_post(p, lim);
  EXPECT_EQ(s.message(), "field 'title' has 12 bytes, more than the limit of 10");
}

TEST(PostValidate, DefaultLimitIsOneMebibyte) {
  post p;
  p.id = "1";
  p.text = std::string(1 << 20, 'a');
  EXPECT_TRUE(validate_post(p).ok());
  p.text.push_back('a');
  EXPECT_EQ(validate_post(p).code(), status_code::out_of_range);
}

TEST(PostValidate, InvalidUtf8NamesFieldAndOffset) {
  post p;
  p.id = "1";
  p.text = "привет\xFF";
  status s = validate_post(p);
  EXPECT_EQ(s.code(), status_code::invalid_argument);
  EXPECT_EQ(s.message(), "field 'text' has invalid UTF-8 at byte 12");
  p.text = "ok";
  p.title = "ab\xED\xA0\x80";
  EXPECT_EQ(validate_post(p).message(), "field 'title' has invalid UTF-8 at byte 2");
  p.title = "";
  p.image_text = "\xC0\x80";
  EXPECT_EQ(validate_post(p).message(), "field 'image_text' has invalid UTF-8 at byte 0");
}

// --- topic files ---

class TopicFile : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("sito_topic_test_" + std::to_string(::getpid()) + "_" + info->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& content) {
    const auto path = dir_ / name;
    std::ofstream(path, std::ios::binary) << content;
    return path.string();
  }

  std::filesystem::path dir_;
};

TEST_F(TopicFile, LoadsYaml) {
  const std::string path = write("topics.yaml", R"(tenant: acme
topics:
  - id: brand
    name: Brand
    query: 'flowwow OR фловвов'
    channels: [otzovik:flowwow, vk:club42]
    own_accounts:
      - vk:flowwow_official
  - id: second
    tenant: other
    query: "доставка NEAR/3 цветов"
)");
  auto r = load_topics_file(path);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(r->size(), 2u);
  const topic_spec& a = (*r)[0];
  EXPECT_EQ(a.tenant, "acme");
  EXPECT_EQ(a.id, "brand");
  EXPECT_EQ(a.name, "Brand");
  EXPECT_EQ(a.query, "flowwow OR фловвов");
  EXPECT_EQ(a.channels, (std::vector<std::string>{"otzovik:flowwow", "vk:club42"}));
  EXPECT_EQ(a.own_accounts, (std::vector<std::string>{"vk:flowwow_official"}));
  const topic_spec& b = (*r)[1];
  EXPECT_EQ(b.tenant, "other");
  EXPECT_EQ(b.id, "second");
  EXPECT_EQ(b.name, "second");  // defaults to the id
  EXPECT_EQ(b.query, "доставка NEAR/3 цветов");
  EXPECT_TRUE(b.channels.empty());
  EXPECT_TRUE(b.own_accounts.empty());
}

TEST_F(TopicFile, YmlExtensionAndDefaultTenant) {
  const std::string path = write("t.yml", "topics:\n  - id: a\n    query: x\n");
  auto r = load_topics_file(path);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].tenant, "default");
  EXPECT_EQ((*r)[0].query, "x");
}

TEST_F(TopicFile, TopLevelListUsesDefaultTenant) {
  const std::string path = write("t.yaml", "- id: a\n- id: b\n  channels: [c1]\n");
  auto r = load_topics_file(path);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].tenant, "default");
  EXPECT_EQ((*r)[1].channels, std::vector<std::string>{"c1"});
  EXPECT_EQ((*r)[1].query, "");
}

TEST_F(TopicFile, LoadsJson) {
  const std::string path = write("topics.json", R"({
  "tenant": "acme",
  "topics": [
    {"id": "brand", "name": "Бренд", "query": "flowwow OR \"доставка цветов\"",
     "channels": ["otzovik:flowwow"]},
    {"id": 42, "query": "x"}
  ]
})");
  auto r = load_topics_file(path);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].tenant, "acme");
  EXPECT_EQ((*r)[0].name, "Бренд");
  EXPECT_EQ((*r)[0].query, "flowwow OR \"доставка цветов\"");
  EXPECT_EQ((*r)[0].channels, std::vector<std::string>{"otzovik:flowwow"});
  EXPECT_EQ((*r)[1].id, "42");
}

TEST_F(TopicFile, JsonWithEscapedSlashAndUnicodeEscapes) {
  // Valid JSON as many encoders write it (PHP escapes '/' by default); the
  // query language uses '/' for proximity.
  const std::string path = write("t.json", R"({"topics":[{"id":"a","query":"a \/3 b \u0444"}]})");
  auto r = load_topics_file(path);
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].query, "a /3 b ф");
}

TEST_F(TopicFile, JsonIndentedWithTabs) {
  const std::string path = write("t.json", "{\n\t\"topics\": [\n\t\t{\n\t\t\t\"id\": \"a\"\n\t\t}\n\t]\n}\n");
  auto r = load_topics_file(path);
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].id, "a");
}

TEST_F(TopicFile, MissingIdNamesEntry) {
  const std::string path = write("t.yaml", "topics:\n  - id: a\n  - name: no id\n");
  auto r = load_topics_file(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), status_code::invalid_argument);
  EXPECT_EQ(r.error().message(), path + ": topics[1]: missing 'id'");
}

TEST_F(TopicFile, EmptyIdIsMissing) {
  // "id:" with no value is a YAML null; it must not become a topic id.
  const std::string path = write("t.yaml", "topics:\n  - id:\n    query: x\n");
  auto r = load_topics_file(path);
  EXPECT_EQ(r.error().message(), path + ": topics[0]: missing 'id'");
}

TEST_F(TopicFile, ChannelsMustBeAList) {
  const std::string path = write("t.yaml", "topics:\n  - id: a\n    channels: vk:1\n");
  auto r = load_topics_file(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), path + ": topics[0]: 'channels' must be a list");
}

// A typo must not drop a setting in silence: `tagz:` on a topic, `qurey:` on
// a tag, `than:` on a rule and `topic:` at the top are errors with the line
// and the key that was meant, in YAML and in JSON alike.
TEST_F(TopicFile, UnknownKeysAreErrorsWithTheLineAndAHint) {
  struct typo_case {
    std::string name, content, expected;
  };
  const typo_case cases[] = {
      {"t.yaml", "topics:\n  - id: a\n    query: x\n    tagz:\n      - {path: A, query: y}\n",
       ": topics[0]: line 4: unknown key 'tagz' in a topic; did you mean 'tags'?"},
      {"t.yaml", "topics:\n  - id: a\n    tags:\n      - {path: A, qurey: y}\n",
       ": topics[0]: tags[0]: line 4: unknown key 'qurey' in a tag; did you mean 'query'?"},
      {"t.yaml", "topics:\n  - id: a\n    rules:\n      - when: x\n        than: {drop: true}\n",
       ": topics[0]: rules[0]: line 5: unknown key 'than' in a rule; did you mean 'then'?"},
      {"t.yaml", "tenant: acme\ntopic:\n  - id: a\n", ": line 2: unknown key 'topic' in the file; did you mean 'topics'?"},
      {"t.json", "{\"topics\": [{\"id\": \"a\", \"query\": \"x\",\n  \"chanels\": [\"vk:1\"]}]}",
       ": topics[0]: line 2: unknown key 'chanels' in a topic; did you mean 'channels'?"},
      {"t.yaml", "topics:\n  - id: a\n    colour: red\n",
       ": topics[0]: line 3: unknown key 'colour' in a topic (known: tenant id name query channels own_accounts tags "
       "rules nps)"},
  };
  for (const auto& c : cases) {
    const std::string path = write(c.name, c.content);
    auto r = load_topics_file(path);
    ASSERT_FALSE(r.ok()) << c.content;
    EXPECT_EQ(r.error().code(), status_code::invalid_argument);
    EXPECT_EQ(r.error().message(), path + c.expected);
  }
}

TEST_F(TopicFile, TopicMustBeAMap) {
  const std::string path = write("t.yaml", "topics:\n  - just a string\n");
  auto r = load_topics_file(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), path + ": topics[0]: a topic must be a map");
}

TEST_F(TopicFile, TopicsNotAList) {
  const std::string path = write("u.yaml", "topics: 5\n");
  auto r = load_topics_file(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), status_code::invalid_argument);
  EXPECT_EQ(r.error().message(), path + ": expected a 'topics' list");
}

TEST_F(TopicFile, MapWithoutTopicsKey) {
  const std::string path = write("t.yaml", "tenant: acme\n");
  auto r = load_topics_file(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), status_code::invalid_argument);
  EXPECT_EQ(r.error().message(), path + ": expected a 'topics' list");
}

TEST_F(TopicFile, ScalarRootRejected) {
  const std::string path = write("t.yaml", "hello\n");
  auto r = load_topics_file(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), path + ": expected a map with 'topics' or a list of topics");
}

TEST_F(TopicFile, BadExtension) {
  const std::string path = write("topics.txt", "topics: []\n");
  auto r = load_topics_file(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), status_code::invalid_argument);
  EXPECT_EQ(r.error().message(), path + ": topics file must end in .yaml, .yml or .json");
  EXPECT_FALSE(load_topics_file(write("topics.yaml.bak", "topics: []\n")).ok());
}

TEST_F(TopicFile, MissingFile) {
  const std::string path = (dir_ / "nope.yaml").string();
  auto r = load_topics_file(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), status_code::not_found);
  EXPECT_EQ(r.error().message(), path + ": cannot open");
}

TEST_F(TopicFile, EmptyTopicsList) {
  auto r = load_topics_file(write("t.yaml", "tenant: acme\ntopics: []\n"));
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_TRUE(r->empty());
}

TEST_F(TopicFile, YamlSyntaxErrorReportsLine) {
  const std::string path = write("t.yaml", "topics:\n  - id: a\n    query: [unclosed\n  - id: b\n");
  auto r = load_topics_file(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), status_code::invalid_argument);
  const std::string& m = r.error().message();
  EXPECT_EQ(m.rfind(path + ": line ", 0), 0u) << m;
}

TEST_F(TopicFile, YamlSyntaxErrorExactLine) {
  // "a: b: c" is an illegal map value on line 3.
  const std::string path = write("t.yaml", "topics:\n  - id: a\n    query: a: b\n  - id: b\n");
  auto r = load_topics_file(path);
  ASSERT_FALSE(r.ok());
  const std::string& m = r.error().message();
  EXPECT_EQ(m.rfind(path + ": line 3: ", 0), 0u) << m;
}

TEST_F(TopicFile, JsonSyntaxErrorReportsLine) {
  const std::string path = write("t.json", "{\n  \"topics\": [\n    {\"id\": \"a\",}\n  ,\n}\n");
  auto r = load_topics_file(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message().rfind(path + ": line ", 0), 0u) << r.error().message();
}

TEST_F(TopicFile, NonScalarIdIsAnErrorNotACrash) {
  const std::string path = write("t.yaml", "topics:\n  - id: [a, b]\n");
  auto r = load_topics_file(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), status_code::invalid_argument);
  EXPECT_EQ(r.error().message().rfind(path + ": ", 0), 0u) << r.error().message();
}

}  // namespace
}  // namespace sito
