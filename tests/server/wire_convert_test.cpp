// Tests for sito/protocol/wire_convert.hpp (engine model <-> wire tables) and
// sito/server/wire_convert.hpp (the server's records <-> wire and storage tables).
#include "sito/server/wire_convert.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "sito/schemas/store_generated.h"

namespace {

using sito::post;
using sito::topic_spec;
using sito::server::mention_record;

post full_post() {
  post p;
  p.id = "vk:123";
  p.source = "vk";
  p.source_type = "social";
  p.channel = "vk:club1";
  p.place = "Flowers";
  p.url = "https://vk.com/wall-1_123";
  p.author.id = "u42";
  p.author.handle = "@masha";
  p.author.name = "Маша";
  p.author.followers = 1500;
  p.author.verified = true;
  p.author.gender = "f";
  p.author.age = 31;
  p.author.country = "RU";
  p.author.city = "Москва";
  p.published_at = 1'700'000'000;
  p.lang = "ru";
  p.title = "Отзыв";
  p.text = "Курьер опоздал на два часа, flowwow";
  p.image_text = "скидка 20%";
  p.image_count = 3;
  p.parent_id = "vk:100";
  p.is_repost = true;
  p.reach = 123'456'789'012;
  p.engagement = -5;
  p.unknown_fields = 3;
  return p;
}

void expect_same_post(const post& a, const post& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.source, b.source);
  EXPECT_EQ(a.source_type, b.source_type);
  EXPECT_EQ(a.channel, b.channel);
  EXPECT_EQ(a.place, b.place);
  EXPECT_EQ(a.url, b.url);
  EXPECT_EQ(a.author.id, b.author.id);
  EXPECT_EQ(a.author.handle, b.author.handle);
  EXPECT_EQ(a.author.name, b.author.name);
  EXPECT_EQ(a.author.followers, b.author.followers);
  EXPECT_EQ(a.author.verified, b.author.verified);
  EXPECT_EQ(a.author.gender, b.author.gender);
  EXPECT_EQ(a.author.age, b.author.age);
  EXPECT_EQ(a.author.country, b.author.country);
  EXPECT_EQ(a.author.city, b.author.city);
  EXPECT_EQ(a.published_at, b.published_at);
  EXPECT_EQ(a.lang, b.lang);
  EXPECT_EQ(a.title, b.title);
  EXPECT_EQ(a.text, b.text);
  EXPECT_EQ(a.image_text, b.image_text);
  EXPECT_EQ(a.image_count, b.image_count);
  EXPECT_EQ(a.parent_id, b.parent_id);
  EXPECT_EQ(a.is_repost, b.is_repost);
  EXPECT_EQ(a.reach, b.reach);
  EXPECT_EQ(a.engagement, b.engagement);
  EXPECT_EQ(a.unknown_fields, b.unknown_fields);
}

/// Builds `p` as the root of a buffer (no identifier) and reads it back.
post wire_round_trip(const post& p) {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(sito::protocol::post_to_wire(b, p));
  flatbuffers::Verifier v(b.GetBufferPointer(), b.GetSize());
  EXPECT_TRUE(v.VerifyBuffer<sito::wire::Post>(nullptr));
  return sito::protocol::post_from_wire(*flatbuffers::GetRoot<sito::wire::Post>(b.GetBufferPointer()));
}

mention_record full_mention() {
  mention_record m;
  m.offset = 77;
  m.tenant = "acme";
  m.topic = "brand";
  m.post_offset = 1'000'000'000'123;
  m.ingested_at_ms = 1'700'000'000'123;
  m.matched_at_ms = 1'700'000'000'456;
  m.snapshot_version = 9;
  m.backfill = true;
  m.from_image = true;
  m.highlights = {{"text", 0, 12, "курьер"}, {"image", 3, 9, "скидка"}};
  m.tags = {"Тачпоинт/Доставка", "Риск"};
  m.sentiment = 1;
  m.sentiment_source = "rule:fraud";
  m.priority = 95.5f;
  m.processed = true;
  m.wom = true;
  return m;
}

void expect_same_mention(const mention_record& a, const mention_record& b) {
  EXPECT_EQ(a.offset, b.offset);
  EXPECT_EQ(a.tenant, b.tenant);
  EXPECT_EQ(a.topic, b.topic);
  EXPECT_EQ(a.post_offset, b.post_offset);
  EXPECT_EQ(a.ingested_at_ms, b.ingested_at_ms);
  EXPECT_EQ(a.matched_at_ms, b.matched_at_ms);
  EXPECT_EQ(a.snapshot_version, b.snapshot_version);
  EXPECT_EQ(a.backfill, b.backfill);
  EXPECT_EQ(a.from_image, b.from_image);
  EXPECT_EQ(a.tags, b.tags);
  EXPECT_EQ(a.sentiment, b.sentiment);
  EXPECT_EQ(a.sentiment_source, b.sentiment_source);
  EXPECT_FLOAT_EQ(a.priority, b.priority);
  EXPECT_EQ(a.processed, b.processed);
  EXPECT_EQ(a.wom, b.wom);
  ASSERT_EQ(a.highlights.size(), b.highlights.size());
  for (size_t i = 0; i < a.highlights.size(); ++i) {
    EXPECT_EQ(a.highlights[i].field, b.highlights[i].field);
    EXPECT_EQ(a.highlights[i].start, b.highlights[i].start);
    EXPECT_EQ(a.highlights[i].end, b.highlights[i].end);
    EXPECT_EQ(a.highlights[i].term, b.highlights[i].term);
  }
}

TEST(WirePost, RoundTripsEveryField) { expect_same_post(full_post(), wire_round_trip(full_post())); }

TEST(WirePost, DefaultPostRoundTrips) {
  post empty;
  auto back = wire_round_trip(empty);
  expect_same_post(empty, back);
  EXPECT_FALSE(back.author.followers.has_value());
  EXPECT_FALSE(back.author.age.has_value());
}

TEST(WirePost, UnknownFollowersAndAgeAreNullopt) {
  post p = full_post();
  p.author.followers.reset();
  p.author.age.reset();
  auto back = wire_round_trip(p);
  EXPECT_FALSE(back.author.followers.has_value());
  EXPECT_FALSE(back.author.age.has_value());
  EXPECT_EQ(back.author.id, "u42");
}

TEST(WirePost, ZeroFollowersAndAgeStayKnown) {
  post p;
  p.id = "x";
  p.author.followers = 0;
  p.author.age = 0;
  auto back = wire_round_trip(p);
  EXPECT_EQ(back.author.followers, std::optional<int64_t>(0));
  EXPECT_EQ(back.author.age, std::optional<int32_t>(0));
}

TEST(WirePost, ImagesAreCountedAndMissingFieldsAreEmpty) {
  // As a producer would send it: image bytes, no author, few fields.
  flatbuffers::FlatBufferBuilder b;
  std::vector<flatbuffers::Offset<sito::wire::Image>> images;
  const std::vector<uint8_t> png = {0x89, 'P', 'N', 'G', 1, 2, 3};
  for (int i = 0; i < 2; ++i) images.push_back(sito::wire::CreateImageDirect(b, &png, "image/png"));
  auto imgs = b.CreateVector(images);
  auto id = b.CreateString("tg:1");
  auto text = b.CreateString("hello");
  sito::wire::PostBuilder pb(b);
  pb.add_id(id);
  pb.add_text(text);
  pb.add_images(imgs);
  b.Finish(pb.Finish());
  const post p = sito::protocol::post_from_wire(*flatbuffers::GetRoot<sito::wire::Post>(b.GetBufferPointer()));
  EXPECT_EQ(p.id, "tg:1");
  EXPECT_EQ(p.text, "hello");
  EXPECT_EQ(p.image_count, 2u);
  ASSERT_EQ(p.images.size(), 2u);  // the bytes come along for OCR
  EXPECT_EQ(p.images[1].data, png);
  EXPECT_EQ(p.images[1].mime, "image/png");
  EXPECT_EQ(p.title, "");
  EXPECT_EQ(p.source, "");
  EXPECT_EQ(p.author.id, "");
  EXPECT_FALSE(p.author.followers.has_value());
  EXPECT_FALSE(p.author.age.has_value());
  EXPECT_FALSE(p.author.verified);
  EXPECT_EQ(p.published_at, 0);
}

TEST(WirePost, ImageBytesRoundTripOnlyWhenAsked) {
  post p;
  p.id = "img";
  p.images.push_back({"image/jpeg", {0xFF, 0xD8, 0xFF, 0x00, 0x42}});
  p.images.push_back({"", {1, 2, 3}});
  p.image_count = 2;
  const post back = wire_round_trip(p);
  ASSERT_EQ(back.images.size(), 2u);
  EXPECT_EQ(back.images[0].data, p.images[0].data);
  EXPECT_EQ(back.images[0].mime, "image/jpeg");
  EXPECT_EQ(back.images[1].data, p.images[1].data);
  flatbuffers::FlatBufferBuilder b;
  b.Finish(sito::protocol::post_to_wire(b, p, /*with_image_bytes=*/false));
  const post light = sito::protocol::post_from_wire(*flatbuffers::GetRoot<sito::wire::Post>(b.GetBufferPointer()));
  EXPECT_EQ(light.image_count, 2u);
  EXPECT_TRUE(light.images.empty());
  // Stored posts keep the bytes (the OCR lane reads them from the log).
  auto stored = sito::server::decode_stored_post(sito::server::encode_stored_post(p, 7, 1, "acme"));
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->p.images.size(), 2u);
  EXPECT_EQ(stored->p.images[0].data, p.images[0].data);
}

TEST(WirePost, EmbeddedNulBytesSurvive) {
  post p;
  p.id = std::string("a\0b", 3);
  p.text = std::string("x\0\0y", 4);
  auto back = wire_round_trip(p);
  EXPECT_EQ(back.id, p.id);
  EXPECT_EQ(back.text, p.text);
}

TEST(WireTopic, RoundTripsEveryField) {
  topic_spec t;
  t.tenant = "ignored-on-the-wire";
  t.id = "brand";
  t.name = "Бренд";
  t.query = "flowwow OR фловвов";
  t.channels = {"otzovik:flowwow", "vk:club1"};
  t.own_accounts = {"vk:u1"};
  t.tags = {{"Субъект/Курьер", "курьер*"},
            {"Доставка/Опоздание", "", {"курьер опоздал", "заказ привезли поздно"}, {"курьер приехал вовремя"}, 0.35f}};
  t.rules = {{"fraud", "мошенник*", {{"Риск", "Риск/Фейк"}, "negative", 95.0, false, false}},
             {"ads", "", {{}, "", std::nullopt, true, true}}};
  flatbuffers::FlatBufferBuilder b;
  b.Finish(sito::protocol::topic_to_wire(b, t));
  const auto* w = flatbuffers::GetRoot<sito::wire::Topic>(b.GetBufferPointer());
  auto back = sito::protocol::topic_from_wire(*w, "acme");
  EXPECT_EQ(back.tenant, "acme");
  EXPECT_EQ(back.id, t.id);
  EXPECT_EQ(back.name, t.name);
  EXPECT_EQ(back.query, t.query);
  EXPECT_EQ(back.channels, t.channels);
  EXPECT_EQ(back.own_accounts, t.own_accounts);
  ASSERT_EQ(back.tags.size(), 2u);
  EXPECT_EQ(back.tags[0].query, "курьер*");
  EXPECT_TRUE(back.tags[0].examples.empty());
  EXPECT_LT(back.tags[0].min_similarity, 0.0f);  // the default travels as "unset"
  EXPECT_EQ(back.tags[1].query, "");
  EXPECT_EQ(back.tags[1].examples, t.tags[1].examples);
  EXPECT_EQ(back.tags[1].counter_examples, t.tags[1].counter_examples);
  EXPECT_FLOAT_EQ(back.tags[1].min_similarity, 0.35f);
  ASSERT_EQ(back.rules.size(), 2u);
  EXPECT_EQ(back.rules[0].name, "fraud");
  EXPECT_EQ(back.rules[0].when, "мошенник*");
  EXPECT_EQ(back.rules[0].then.add_tags, t.rules[0].then.add_tags);
  EXPECT_EQ(back.rules[0].then.sentiment, "negative");
  EXPECT_DOUBLE_EQ(*back.rules[0].then.priority, 95.0);
  EXPECT_FALSE(back.rules[0].then.drop);
  EXPECT_FALSE(back.rules[1].then.priority.has_value());
  EXPECT_TRUE(back.rules[1].then.processed);
  EXPECT_TRUE(back.rules[1].then.drop);
}

TEST(WireTopic, EmptyTopicRoundTrips) {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(sito::protocol::topic_to_wire(b, topic_spec{}));
  auto back = sito::protocol::topic_from_wire(*flatbuffers::GetRoot<sito::wire::Topic>(b.GetBufferPointer()), "t");
  EXPECT_EQ(back.tenant, "t");
  EXPECT_TRUE(back.id.empty());
  EXPECT_TRUE(back.channels.empty());
  EXPECT_TRUE(back.own_accounts.empty());
}

TEST(WireMention, ToWireCarriesEveryFieldAndThePost) {
  const auto m = full_mention();
  const auto p = full_post();
  flatbuffers::FlatBufferBuilder b;
  b.Finish(sito::server::mention_to_wire(b, m, &p));
  flatbuffers::Verifier v(b.GetBufferPointer(), b.GetSize());
  ASSERT_TRUE(v.VerifyBuffer<sito::wire::Mention>(nullptr));
  const auto* w = flatbuffers::GetRoot<sito::wire::Mention>(b.GetBufferPointer());
  EXPECT_EQ(w->offset(), m.offset);
  EXPECT_EQ(w->tenant()->str(), m.tenant);
  EXPECT_EQ(w->topic()->str(), m.topic);
  EXPECT_EQ(w->post_offset(), m.post_offset);
  EXPECT_EQ(w->ingested_at_ms(), m.ingested_at_ms);
  EXPECT_EQ(w->matched_at_ms(), m.matched_at_ms);
  EXPECT_EQ(w->snapshot_version(), m.snapshot_version);
  EXPECT_TRUE(w->backfill());
  EXPECT_TRUE(w->from_image());
  EXPECT_EQ(w->sentiment(), sito::wire::Sentiment::Negative);
  EXPECT_EQ(w->sentiment_source()->str(), "rule:fraud");
  EXPECT_FLOAT_EQ(w->priority(), 95.5f);
  EXPECT_TRUE(w->processed());
  EXPECT_TRUE(w->wom());
  ASSERT_NE(w->highlights(), nullptr);
  ASSERT_EQ(w->highlights()->size(), 2u);
  EXPECT_EQ(w->highlights()->Get(1)->field()->str(), "image");
  EXPECT_EQ(w->highlights()->Get(1)->start(), 3u);
  EXPECT_EQ(w->highlights()->Get(1)->end(), 9u);
  EXPECT_EQ(w->highlights()->Get(1)->term()->str(), "скидка");
  ASSERT_NE(w->post(), nullptr);
  expect_same_post(p, sito::protocol::post_from_wire(*w->post()));
}

TEST(WireMention, PostMayBeOmitted) {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(sito::server::mention_to_wire(b, full_mention(), nullptr));
  EXPECT_EQ(flatbuffers::GetRoot<sito::wire::Mention>(b.GetBufferPointer())->post(), nullptr);
}

TEST(WireStoredMention, RoundTripsEveryField) {
  const auto m = full_mention();
  auto bytes = sito::server::encode_stored_mention(m);
  auto back = sito::server::decode_stored_mention(bytes);
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  expect_same_mention(m, *back);
}

TEST(WireStoredMention, EmptyRecordRoundTrips) {
  auto back = sito::server::decode_stored_mention(sito::server::encode_stored_mention({}));
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  expect_same_mention(mention_record{}, *back);
}

TEST(WireStoredMention, StoresNoPost) {
  auto bytes = sito::server::encode_stored_mention(full_mention());
  const auto* root = flatbuffers::GetRoot<sito::store::StoredMention>(bytes.data());
  ASSERT_NE(root->mention(), nullptr);
  EXPECT_EQ(root->mention()->post(), nullptr);
}

TEST(WireStoredMention, CorruptionIsInvalidArgument) {
  EXPECT_EQ(sito::server::decode_stored_mention({}).error().code(), sito::status_code::invalid_argument);
  auto bytes = sito::server::encode_stored_mention(full_mention());
  // A truncated record is rejected, unless only trailing padding was cut, in
  // which case it still decodes to the same record.
  size_t rejected = 0;
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto r = sito::server::decode_stored_mention(std::span<const uint8_t>(bytes.data(), n));
    if (r.ok()) {
      expect_same_mention(full_mention(), *r);
      continue;
    }
    EXPECT_EQ(r.error().code(), sito::status_code::invalid_argument);
    ++rejected;
  }
  EXPECT_GE(rejected, bytes.size() - 8);
  auto bad = bytes;
  bad[0] = 0xFF;  // root offset beyond the buffer
  bad[1] = 0xFF;
  EXPECT_FALSE(sito::server::decode_stored_mention(bad).ok());
}

TEST(WireStoredMention, RecordWithoutMentionIsInvalidArgument) {
  flatbuffers::FlatBufferBuilder b;
  b.Finish(sito::store::CreateStoredMention(b));
  std::vector<uint8_t> bytes(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
  auto r = sito::server::decode_stored_mention(bytes);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), sito::status_code::invalid_argument);
}

TEST(WireStoredPost, RoundTripsEveryField) {
  const auto p = full_post();
  auto bytes = sito::server::encode_stored_post(p, 4242, 1'700'000'000'999, "acme");
  EXPECT_TRUE(sito::store::StoredPostBufferHasIdentifier(bytes.data()));
  auto back = sito::server::decode_stored_post(bytes);
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(back->offset, 4242u);
  EXPECT_EQ(back->ingested_at_ms, 1'700'000'000'999);
  EXPECT_EQ(back->producer_tenant, "acme");
  expect_same_post(p, back->p);
}

TEST(WireStoredPost, ImageCountSurvivesStorage) {
  post p;
  p.id = "x";
  p.image_count = 1000;
  auto back = sito::server::decode_stored_post(sito::server::encode_stored_post(p, 1, 2, "t"));
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(back->p.image_count, 1000u);
}

TEST(WireStoredPost, UnalignedInputDecodes) {
  const auto p = full_post();
  auto bytes = sito::server::encode_stored_post(p, 1, 2, "acme");
  std::vector<uint8_t> shifted(bytes.size() + 1);
  std::memcpy(shifted.data() + 1, bytes.data(), bytes.size());
  auto back = sito::server::decode_stored_post(std::span<const uint8_t>(shifted.data() + 1, bytes.size()));
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  expect_same_post(p, back->p);
}

TEST(WireStoredPost, CorruptionIsInvalidArgument) {
  EXPECT_EQ(sito::server::decode_stored_post({}).error().code(), sito::status_code::invalid_argument);
  auto bytes = sito::server::encode_stored_post(full_post(), 1, 2, "acme");
  size_t rejected = 0;
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto r = sito::server::decode_stored_post(std::span<const uint8_t>(bytes.data(), n));
    if (r.ok()) {  // only trailing padding was cut
      expect_same_post(full_post(), r->p);
      continue;
    }
    EXPECT_EQ(r.error().code(), sito::status_code::invalid_argument);
    ++rejected;
  }
  EXPECT_GE(rejected, bytes.size() - 8);
  auto wrong_id = bytes;
  wrong_id[4] = 'X';  // the "STOR" identifier
  EXPECT_FALSE(sito::server::decode_stored_post(wrong_id).ok());
  // A stored mention is not a stored post.
  EXPECT_FALSE(sito::server::decode_stored_post(sito::server::encode_stored_mention(full_mention())).ok());
}

TEST(WireStoredPost, RecordWithoutPostIsInvalidArgument) {
  flatbuffers::FlatBufferBuilder b;
  sito::store::FinishStoredPostBuffer(b, sito::store::CreateStoredPost(b, 1, 2));
  std::vector<uint8_t> bytes(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
  auto r = sito::server::decode_stored_post(bytes);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), sito::status_code::invalid_argument);
}

}  // namespace
