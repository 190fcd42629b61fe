// Private to the session's files (session.cpp, ingest_handler.cpp,
// subscription.cpp, admin_handlers.cpp): the wire helpers they share and
// session::reply, which they all call.
#pragma once

#include <string>
#include <vector>

#include "server_impl.hpp"
#include "sito/protocol/frame_codec.hpp"
#include "sito/protocol/wire_convert.hpp"

namespace sito::server {
namespace session_wire {

namespace fb = flatbuffers;

using protocol::str;

constexpr uint32_t protocol_version = 1;
constexpr uint32_t max_mentions_per_frame = 512;

inline fb::Offset<fb::Vector<fb::Offset<sito::wire::Diagnostic>>> diagnostics_to_wire(
    fb::FlatBufferBuilder& b, const std::vector<topic_diagnostic>& ds) {
  std::vector<fb::Offset<sito::wire::Diagnostic>> out;
  for (const auto& d : ds) {
    out.push_back(sito::wire::CreateDiagnosticDirect(
        b, d.topic.c_str(), d.diagnostic.level == query::severity::error ? "error" : "warning", d.diagnostic.offset,
        d.diagnostic.line, d.diagnostic.column, d.diagnostic.message.c_str(), d.diagnostic.hint.c_str()));
  }
  return b.CreateVector(out);
}

}  // namespace session_wire

template <typename Build>
void session::reply(uint64_t request_id, sito::wire::Message type, Build&& build) {
  flatbuffers::FlatBufferBuilder b(1024);
  flatbuffers::Offset<void> msg = build(b);
  sito::wire::FinishEnvelopeBuffer(b, sito::wire::CreateEnvelope(b, request_id, type, msg));
  send(protocol::frame(std::span<const uint8_t>(b.GetBufferPointer(), b.GetSize())));
}

}  // namespace sito::server
