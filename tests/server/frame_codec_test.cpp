// Tests for sito/protocol/frame_codec.hpp: framing, buffering and Envelope
// verification.
#include "sito/protocol/frame_codec.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace {

using sito::protocol::decoded_frame;
using sito::protocol::frame_limits;
using sito::protocol::frame_reader;
using sito::wire::ErrorCode;
using sito::wire::Message;

std::vector<uint8_t> finished(flatbuffers::FlatBufferBuilder& b) {
  return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
}

/// An Envelope whose message is an empty table of the given union type (every
/// table of sito.fbs accepts an empty table).
std::vector<uint8_t> envelope_of_type(Message type, uint64_t request_id = 1, const char* identifier = "SITO") {
  flatbuffers::FlatBufferBuilder b;
  const auto start = b.StartTable();
  const flatbuffers::Offset<void> msg(b.EndTable(start));
  auto env = sito::wire::CreateEnvelope(b, request_id, type, msg);
  b.Finish(env, identifier);
  return finished(b);
}

std::vector<uint8_t> ping(uint64_t request_id, uint64_t nonce) {
  flatbuffers::FlatBufferBuilder b;
  auto p = sito::wire::CreatePing(b, nonce);
  auto env = sito::wire::CreateEnvelope(b, request_id, Message::Ping, p.Union());
  sito::wire::FinishEnvelopeBuffer(b, env);
  return finished(b);
}

std::vector<uint8_t> framed_ping(uint64_t request_id, uint64_t nonce) {
  return sito::protocol::frame(ping(request_id, nonce));
}

void append(std::vector<uint8_t>& out, const std::vector<uint8_t>& in) { out.insert(out.end(), in.begin(), in.end()); }

std::vector<uint8_t> le32(uint32_t v) {
  return {static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v >> 16),
          static_cast<uint8_t>(v >> 24)};
}

uint64_t ping_nonce(const decoded_frame& f) {
  const auto* p = f.envelope()->message_as_Ping();
  return p ? p->nonce() : ~uint64_t{0};
}

TEST(Frame, PrependsLittleEndianLength) {
  const std::vector<uint8_t> body(0x0102 + 3, 0xAB);
  auto framed = sito::protocol::frame(body);
  ASSERT_EQ(framed.size(), body.size() + 4);
  EXPECT_EQ(framed[0], 0x05);
  EXPECT_EQ(framed[1], 0x01);
  EXPECT_EQ(framed[2], 0x00);
  EXPECT_EQ(framed[3], 0x00);
  EXPECT_TRUE(std::equal(body.begin(), body.end(), framed.begin() + 4));
}

TEST(FrameReader, DecodesOneFrame) {
  frame_reader r;
  r.feed(framed_ping(7, 42));
  auto f = r.next();
  ASSERT_TRUE(f.has_value());
  ASSERT_TRUE(f->ok()) << f->message;
  EXPECT_FALSE(f->fatal);
  EXPECT_EQ(f->envelope()->request_id(), 7u);
  EXPECT_EQ(f->envelope()->message_type(), Message::Ping);
  EXPECT_EQ(ping_nonce(*f), 42u);
  EXPECT_EQ(f->bytes, ping(7, 42));
  EXPECT_FALSE(r.next().has_value());
  EXPECT_EQ(r.buffered(), 0u);
}

TEST(FrameReader, FramesSplitByteByByte) {
  std::vector<uint8_t> stream;
  for (uint64_t i = 0; i < 3; ++i) append(stream, framed_ping(i, 100 + i));
  frame_reader r;
  std::vector<uint64_t> nonces;
  for (uint8_t byte : stream) {
    r.feed(std::span<const uint8_t>(&byte, 1));
    while (auto f = r.next()) {
      ASSERT_TRUE(f->ok()) << f->message;
      nonces.push_back(ping_nonce(*f));
    }
  }
  EXPECT_EQ(nonces, (std::vector<uint64_t>{100, 101, 102}));
  EXPECT_EQ(r.buffered(), 0u);
}

TEST(FrameReader, SeveralFramesInOneFeed) {
  std::vector<uint8_t> stream;
  for (uint64_t i = 0; i < 5; ++i) append(stream, framed_ping(i + 1, i * 10));
  frame_reader r;
  r.feed(stream);
  for (uint64_t i = 0; i < 5; ++i) {
    auto f = r.next();
    ASSERT_TRUE(f.has_value());
    ASSERT_TRUE(f->ok()) << f->message;
    EXPECT_EQ(f->envelope()->request_id(), i + 1);
    EXPECT_EQ(ping_nonce(*f), i * 10);
  }
  EXPECT_FALSE(r.next().has_value());
}

TEST(FrameReader, TruncatedFrameWaitsForTheRest) {
  auto framed = framed_ping(3, 9);
  frame_reader r;
  r.feed(std::span<const uint8_t>(framed.data(), 2));  // half a length prefix
  EXPECT_FALSE(r.next().has_value());
  r.feed(std::span<const uint8_t>(framed.data() + 2, framed.size() - 3));  // all but one byte
  EXPECT_FALSE(r.next().has_value());
  EXPECT_EQ(r.buffered(), framed.size() - 1);
  r.feed(std::span<const uint8_t>(framed.data() + framed.size() - 1, 1));
  auto f = r.next();
  ASSERT_TRUE(f.has_value());
  ASSERT_TRUE(f->ok()) << f->message;
  EXPECT_EQ(ping_nonce(*f), 9u);
}

TEST(FrameReader, GarbageWithPlausibleLengthIsMalformedAndTheReaderContinues) {
  std::mt19937 rng(12345);
  std::vector<uint8_t> garbage(48);
  for (auto& g : garbage) g = static_cast<uint8_t>(rng());
  std::vector<uint8_t> stream = le32(static_cast<uint32_t>(garbage.size()));
  append(stream, garbage);
  append(stream, framed_ping(5, 77));
  frame_reader r;
  r.feed(stream);
  auto bad = r.next();
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->error, ErrorCode::MalformedFrame);
  EXPECT_FALSE(bad->fatal);
  EXPECT_FALSE(bad->message.empty());
  auto good = r.next();
  ASSERT_TRUE(good.has_value());
  ASSERT_TRUE(good->ok()) << good->message;
  EXPECT_EQ(ping_nonce(*good), 77u);
}

TEST(FrameReader, ZeroLengthFrameIsMalformedButNotFatal) {
  std::vector<uint8_t> stream = le32(0);
  append(stream, framed_ping(1, 2));
  frame_reader r;
  r.feed(stream);
  auto bad = r.next();
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->error, ErrorCode::MalformedFrame);
  EXPECT_FALSE(bad->fatal);
  auto good = r.next();
  ASSERT_TRUE(good.has_value());
  EXPECT_TRUE(good->ok()) << good->message;
}

TEST(FrameReader, HugeLengthIsFatalAndNothingFollows) {
  frame_limits limits;
  limits.max_frame_bytes = 1024;
  frame_reader r(limits);
  std::vector<uint8_t> stream = framed_ping(1, 1);
  append(stream, le32(0xFFFFFFF0u));
  append(stream, framed_ping(2, 2));
  r.feed(stream);
  auto first = r.next();
  ASSERT_TRUE(first.has_value());
  EXPECT_TRUE(first->ok());
  auto fatal = r.next();
  ASSERT_TRUE(fatal.has_value());
  EXPECT_EQ(fatal->error, ErrorCode::FrameTooLarge);
  EXPECT_TRUE(fatal->fatal);
  EXPECT_FALSE(r.next().has_value());
  r.feed(framed_ping(3, 3));
  EXPECT_FALSE(r.next().has_value());
  EXPECT_EQ(r.buffered(), 0u);
}

TEST(FrameReader, LengthAtTheLimitIsAccepted) {
  auto body = ping(1, 1);
  frame_limits limits;
  limits.max_frame_bytes = static_cast<uint32_t>(body.size());
  frame_reader r(limits);
  r.feed(sito::protocol::frame(body));
  auto f = r.next();
  ASSERT_TRUE(f.has_value());
  EXPECT_TRUE(f->ok()) << f->message;
}

TEST(FrameReader, FatalIsReportedBeforeThePayloadArrives) {
  frame_limits limits;
  limits.max_frame_bytes = 100;
  frame_reader r(limits);
  r.feed(le32(101));
  auto f = r.next();
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->error, ErrorCode::FrameTooLarge);
  EXPECT_TRUE(f->fatal);
}

TEST(FrameReader, WrongIdentifierIsMalformed) {
  frame_reader r;
  r.feed(sito::protocol::frame(envelope_of_type(Message::Ping, 1, "NOPE")));
  auto f = r.next();
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->error, ErrorCode::MalformedFrame);
  EXPECT_FALSE(f->fatal);
  EXPECT_NE(f->message.find("identifier"), std::string::npos) << f->message;
}

TEST(FrameReader, BufferStaysBoundedOverManyFrames) {
  frame_reader r;
  auto framed = framed_ping(1, 1);
  for (int i = 0; i < 10'000; ++i) {
    // Whole frames: the buffer empties after each drain.
    r.feed(framed);
    while (auto f = r.next()) ASSERT_TRUE(f->ok());
    EXPECT_EQ(r.buffered(), 0u);
  }
  // Chunks that never line up with frame boundaries: a partial frame always
  // remains, and compaction keeps the buffer below one frame plus one chunk.
  std::vector<uint8_t> stream;
  for (int i = 0; i < 3; ++i) append(stream, framed);
  size_t pos = 0;
  int frames = 0;
  while (pos < stream.size() * 200) {
    const size_t n = 7;
    std::vector<uint8_t> chunk;
    for (size_t k = 0; k < n; ++k) chunk.push_back(stream[(pos + k) % stream.size()]);
    pos += n;
    r.feed(chunk);
    while (auto f = r.next()) {
      ASSERT_TRUE(f->ok()) << f->message;
      ++frames;
    }
    EXPECT_LT(r.buffered(), framed.size() + n);
  }
  EXPECT_GE(frames, 590);
}

TEST(VerifyEnvelope, EveryMessageTypeVerifies) {
  for (auto type = static_cast<unsigned>(Message::MIN) + 1; type <= static_cast<unsigned>(Message::MAX); ++type) {
    auto buf = envelope_of_type(static_cast<Message>(type));
    auto s = sito::protocol::verify_envelope(buf);
    EXPECT_TRUE(s.ok()) << sito::wire::EnumNameMessage(static_cast<Message>(type)) << ": " << s.to_string();
  }
}

TEST(VerifyEnvelope, EveryMessageTypeDecodesThroughTheReader) {
  frame_reader r;
  for (auto type = 1u; type <= static_cast<unsigned>(Message::MAX); ++type) {
    r.feed(sito::protocol::frame(envelope_of_type(static_cast<Message>(type), type)));
  }
  for (auto type = 1u; type <= static_cast<unsigned>(Message::MAX); ++type) {
    auto f = r.next();
    ASSERT_TRUE(f.has_value());
    ASSERT_TRUE(f->ok()) << f->message;
    EXPECT_EQ(static_cast<unsigned>(f->envelope()->message_type()), type);
    EXPECT_EQ(f->envelope()->request_id(), type);
  }
}

TEST(VerifyEnvelope, UnionTypeOutOfRangeIsRejected) {
  auto buf = envelope_of_type(static_cast<Message>(static_cast<unsigned>(Message::MAX) + 1));
  auto s = sito::protocol::verify_envelope(buf);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("unknown message type"), std::string::npos) << s.message();
  EXPECT_FALSE(sito::protocol::verify_envelope(envelope_of_type(static_cast<Message>(250))).ok());
}

TEST(VerifyEnvelope, NoneOrMissingMessageIsRejected) {
  EXPECT_FALSE(sito::protocol::verify_envelope(envelope_of_type(Message::NONE)).ok());

  flatbuffers::FlatBufferBuilder b;
  sito::wire::EnvelopeBuilder eb(b);
  eb.add_request_id(1);
  eb.add_message_type(Message::Hello);  // a type but no table
  sito::wire::FinishEnvelopeBuffer(b, eb.Finish());
  auto s = sito::protocol::verify_envelope(finished(b));
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("missing"), std::string::npos) << s.message();
}

TEST(VerifyEnvelope, ShortOrTruncatedBuffersAreRejected) {
  EXPECT_FALSE(sito::protocol::verify_envelope({}).ok());
  const std::vector<uint8_t> tiny = {4, 0, 0, 0, 'S', 'I'};
  EXPECT_FALSE(sito::protocol::verify_envelope(tiny).ok());
  auto buf = ping(1, 1);
  for (size_t n = 0; n < buf.size(); ++n) {
    EXPECT_FALSE(sito::protocol::verify_envelope(std::span<const uint8_t>(buf.data(), n)).ok()) << n;
  }
  EXPECT_TRUE(sito::protocol::verify_envelope(buf).ok());
}

TEST(VerifyEnvelope, DepthAndTableLimitsApply) {
  // A PublishBatch with 10 posts, each with an author: 1 + 1 + 20 tables, depth 4.
  flatbuffers::FlatBufferBuilder b;
  std::vector<flatbuffers::Offset<sito::wire::Post>> posts;
  for (int i = 0; i < 10; ++i) {
    auto author = sito::wire::CreateAuthorDirect(b, "a");
    posts.push_back(sito::wire::CreatePostDirect(b, "id", nullptr, nullptr, nullptr, nullptr, nullptr, author));
  }
  auto batch = sito::wire::CreatePublishBatchDirect(b, &posts);
  sito::wire::FinishEnvelopeBuffer(b, sito::wire::CreateEnvelope(b, 1, Message::PublishBatch, batch.Union()));
  auto buf = finished(b);
  EXPECT_TRUE(sito::protocol::verify_envelope(buf).ok());
  frame_limits few_tables;
  few_tables.max_verifier_tables = 5;
  EXPECT_FALSE(sito::protocol::verify_envelope(buf, few_tables).ok());
  frame_limits shallow;
  shallow.max_verifier_depth = 2;
  EXPECT_FALSE(sito::protocol::verify_envelope(buf, shallow).ok());
}

TEST(VerifyEnvelope, CorruptedStringOffsetIsRejected) {
  flatbuffers::FlatBufferBuilder b;
  auto hello = sito::wire::CreateHelloDirect(b, 1, sito::wire::Role::Producer, "secret-token", "cli");
  sito::wire::FinishEnvelopeBuffer(b, sito::wire::CreateEnvelope(b, 1, Message::Hello, hello.Union()));
  auto buf = finished(b);
  ASSERT_TRUE(sito::protocol::verify_envelope(buf).ok());
  // Make the token's length huge: find the length word just before "secret-token".
  const std::string needle = "secret-token";
  auto it = std::search(buf.begin(), buf.end(), needle.begin(), needle.end());
  ASSERT_NE(it, buf.end());
  const auto pos = static_cast<size_t>(it - buf.begin());
  ASSERT_GE(pos, 4u);
  buf[pos - 1] = 0x7F;
  EXPECT_FALSE(sito::protocol::verify_envelope(buf).ok());
}

TEST(FrameEncodeError, RoundTripsThroughTheReader) {
  auto framed = sito::protocol::encode_error(99, ErrorCode::PermissionDenied, "role may not publish", "PublishBatch");
  frame_reader r;
  r.feed(framed);
  auto f = r.next();
  ASSERT_TRUE(f.has_value());
  ASSERT_TRUE(f->ok()) << f->message;
  EXPECT_EQ(f->envelope()->request_id(), 99u);
  const auto* e = f->envelope()->message_as_Error();
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->code(), ErrorCode::PermissionDenied);
  ASSERT_NE(e->message(), nullptr);
  EXPECT_EQ(e->message()->str(), "role may not publish");
  ASSERT_NE(e->in_reply_to(), nullptr);
  EXPECT_EQ(e->in_reply_to()->str(), "PublishBatch");
  EXPECT_EQ(e->retry_after_ms(), 0u);
}

TEST(FrameEncodeError, CarriesTheWaitOfARateLimit) {
  auto framed = sito::protocol::encode_error(5, ErrorCode::Overloaded, "over the limit", "PublishBatch", 250);
  frame_reader r;
  r.feed(framed);
  auto f = r.next();
  ASSERT_TRUE(f.has_value() && f->ok());
  const auto* e = f->envelope()->message_as_Error();
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->code(), ErrorCode::Overloaded);
  EXPECT_EQ(e->retry_after_ms(), 250u);
}

TEST(FrameEncodeError, WithoutInReplyTo) {
  auto framed = sito::protocol::encode_error(0, ErrorCode::MalformedFrame, "bad");
  ASSERT_GT(framed.size(), 4u);
  const std::vector<uint8_t> body(framed.begin() + 4, framed.end());  // aligned copy
  auto s = sito::protocol::verify_envelope(body);
  ASSERT_TRUE(s.ok()) << s.to_string();
  const auto* e = sito::wire::GetEnvelope(body.data())->message_as_Error();
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->in_reply_to(), nullptr);
  EXPECT_EQ(e->message()->str(), "bad");
}

}  // namespace
