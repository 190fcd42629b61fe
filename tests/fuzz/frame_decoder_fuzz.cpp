// libFuzzer: the wire frame decoder (frame_reader + Envelope verification)
// and the conversions behind it. Any byte stream, split anywhere, gives
// frames or errors; a verified envelope can be read in full; a post that came
// off the wire survives the store encoding unchanged.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>

#include "sito/protocol/frame_codec.hpp"
#include "sito/server/wire_convert.hpp"

namespace {

using namespace sito::wire;  // NOLINT: a fuzz target, read all message kinds

size_t touch(const flatbuffers::String* s) { return s ? s->size() + (s->size() ? s->Get(0) : 0) : 0; }

size_t touch(const flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>* v) {
  size_t n = 0;
  if (v) for (const auto* s : *v) n += touch(s);
  return n;
}

void check_post(const Post* w) {
  if (!w) return;
  const sito::post p = sito::protocol::post_from_wire(*w);
  // Wire -> store -> model must be lossless.
  auto bytes = sito::server::encode_stored_post(p, 1, 2, "t");
  auto back = sito::server::decode_stored_post(bytes);
  if (!back.ok()) std::abort();
  const sito::post& q = back->p;
  if (q.id != p.id || q.text != p.text || q.title != p.title || q.image_text != p.image_text ||
      q.image_count != p.image_count || q.author.followers != p.author.followers || q.author.age != p.author.age ||
      q.author.city != p.author.city || q.reach != p.reach || q.is_repost != p.is_repost) {
    std::abort();
  }
}

void check_topics(const flatbuffers::Vector<flatbuffers::Offset<Topic>>* ts) {
  if (!ts) return;
  for (const auto* t : *ts) {
    if (!t) continue;
    const sito::topic_spec spec = sito::protocol::topic_from_wire(*t, "tenant");
    flatbuffers::FlatBufferBuilder b;
    b.Finish(sito::protocol::topic_to_wire(b, spec));
    const auto* again = flatbuffers::GetRoot<Topic>(b.GetBufferPointer());
    if (sito::protocol::topic_from_wire(*again, "tenant").channels != spec.channels) std::abort();
  }
}

size_t touch_envelope(const Envelope& env) {
  size_t n = env.request_id();
  switch (env.message_type()) {
    case Message::Hello: {
      const auto* m = env.message_as_Hello();
      n += touch(m->token()) + touch(m->client_name()) + m->protocol_version() + static_cast<size_t>(m->role());
      break;
    }
    case Message::PublishBatch:
      if (const auto* posts = env.message_as_PublishBatch()->posts()) {
        for (const auto* p : *posts) check_post(p);
      }
      break;
    case Message::Subscribe: {
      const auto* m = env.message_as_Subscribe();
      n += touch(m->name()) + touch(m->topics()) + touch(m->tags()) + m->offset() + m->initial_credit();
      break;
    }
    case Message::MentionBatch:
      if (const auto* ms = env.message_as_MentionBatch()->mentions()) {
        for (const auto* m : *ms) {
          if (!m) continue;
          check_post(m->post());
          n += touch(m->tags()) + touch(m->tenant());
          if (m->highlights()) for (const auto* h : *m->highlights()) n += h ? touch(h->term()) + h->end() : 0;
        }
      }
      break;
    case Message::Credit: n += env.message_as_Credit()->mentions(); break;
    case Message::Commit: n += env.message_as_Commit()->offset(); break;
    case Message::UpsertTopics: check_topics(env.message_as_UpsertTopics()->topics()); break;
    case Message::DeleteTopics: n += touch(env.message_as_DeleteTopics()->ids()); break;
    case Message::TopicsResult: check_topics(env.message_as_TopicsResult()->topics()); break;
    case Message::Validate: n += touch(env.message_as_Validate()->query()); break;
    case Message::Explain:
      n += touch(env.message_as_Explain()->topic());
      check_post(env.message_as_Explain()->post());
      break;
    case Message::Backfill: n += touch(env.message_as_Backfill()->topic()); break;
    case Message::Ping: n += env.message_as_Ping()->nonce(); break;
    case Message::Error: n += touch(env.message_as_Error()->message()); break;
    default: break;
  }
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sito::protocol::frame_limits limits;
  limits.max_frame_bytes = 64 << 10;
  limits.max_verifier_depth = 16;
  limits.max_verifier_tables = 4096;
  sito::protocol::frame_reader reader(limits);

  // The first byte picks where the stream is split between two feed() calls.
  const size_t split = size ? (static_cast<size_t>(data[0]) * size) / 256 : 0;
  const std::span<const uint8_t> all(data, size);
  volatile size_t sink = 0;
  bool dead = false;
  auto drain = [&] {
    while (auto f = reader.next()) {
      if (dead) std::abort();  // nothing after a fatal frame
      if (!f->ok()) {
        if (f->fatal) dead = true;
        continue;
      }
      sink = sink + touch_envelope(*f->envelope());
    }
  };
  reader.feed(all.first(split));
  drain();
  reader.feed(all.subspan(split));
  drain();
  if (!dead && reader.buffered() > size_t{limits.max_frame_bytes} + 4) std::abort();
  return 0;
}
