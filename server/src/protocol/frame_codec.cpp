// File: protocol/frame_codec.cpp
//
// Framing (4-byte little-endian length + FlatBuffer) and Envelope
// verification for the wire protocol (DESIGN §5).
#include "sito/protocol/frame_codec.hpp"

#include <flatbuffers/flatbuffers.h>

#include <algorithm>
#include <cstring>

namespace sito::protocol {
namespace {

constexpr size_t k_prefix_bytes = 4;

uint32_t read_le32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) | (static_cast<uint32_t>(p[2]) << 16) |
         (static_cast<uint32_t>(p[3]) << 24);
}

decoded_frame bad_frame(sito::wire::ErrorCode code, std::string message, bool fatal) {
  decoded_frame f;
  f.error = code;
  f.message = std::move(message);
  f.fatal = fatal;
  return f;
}

}  // namespace

void frame_reader::feed(std::span<const uint8_t> data) {
  if (dead_ || data.empty()) return;
  // Compact before growing: drop consumed bytes once they are the larger part
  // of the buffer, so a long-lived connection does not grow without bound.
  if (read_pos_ > 0 && (read_pos_ == buffer_.size() || read_pos_ >= buffer_.size() / 2)) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(read_pos_));
    read_pos_ = 0;
  }
  buffer_.insert(buffer_.end(), data.begin(), data.end());
}

std::optional<decoded_frame> frame_reader::next() {
  if (dead_) return std::nullopt;
  const size_t avail = buffer_.size() - read_pos_;
  if (avail < k_prefix_bytes) return std::nullopt;
  const uint32_t len = read_le32(buffer_.data() + read_pos_);
  if (len > limits_.max_frame_bytes) {
    // The framing cannot be trusted any more: report once, then stop.
    dead_ = true;
    buffer_.clear();
    buffer_.shrink_to_fit();
    read_pos_ = 0;
    return bad_frame(sito::wire::ErrorCode::FrameTooLarge,
                     "frame length " + std::to_string(len) + " exceeds the limit of " +
                         std::to_string(limits_.max_frame_bytes) + " bytes",
                     /*fatal=*/true);
  }
  if (len == 0) {
    read_pos_ += k_prefix_bytes;
    return bad_frame(sito::wire::ErrorCode::MalformedFrame, "empty frame", /*fatal=*/false);
  }
  if (avail - k_prefix_bytes < len) return std::nullopt;

  const uint8_t* begin = buffer_.data() + read_pos_ + k_prefix_bytes;
  decoded_frame f;
  f.bytes.assign(begin, begin + len);
  read_pos_ += k_prefix_bytes + len;
  if (read_pos_ == buffer_.size()) {
    buffer_.clear();
    read_pos_ = 0;
  }
  // The copy in f.bytes is freshly allocated, hence suitably aligned for the
  // FlatBuffers scalars the verifier and the accessors read.
  status s = verify_envelope(f.bytes, limits_);
  if (!s.ok()) {
    f.error = sito::wire::ErrorCode::MalformedFrame;
    f.message = s.message();
  }
  return f;
}

status verify_envelope(std::span<const uint8_t> flatbuffer, const frame_limits& limits) {
  if (flatbuffer.size() < 2 * sizeof(flatbuffers::uoffset_t)) {
    return invalid_argument("frame of " + std::to_string(flatbuffer.size()) +
                            " bytes is too short for a FlatBuffer with an identifier");
  }
  if (flatbuffer.size() >= FLATBUFFERS_MAX_BUFFER_SIZE) {
    return invalid_argument("frame of " + std::to_string(flatbuffer.size()) + " bytes is too large for a FlatBuffer");
  }
  if (!sito::wire::EnvelopeBufferHasIdentifier(flatbuffer.data())) {
    return invalid_argument("frame does not carry the file identifier \"" +
                            std::string(sito::wire::EnvelopeIdentifier()) + "\"");
  }
  flatbuffers::Verifier::Options opts;
  opts.max_depth = limits.max_verifier_depth;
  opts.max_tables = limits.max_verifier_tables;
  flatbuffers::Verifier verifier(flatbuffer.data(), flatbuffer.size(), opts);
  if (!sito::wire::VerifyEnvelopeBuffer(verifier)) {
    return invalid_argument("frame failed FlatBuffers verification as an Envelope");
  }
  const auto* env = sito::wire::GetEnvelope(flatbuffer.data());
  const auto type = env->message_type();
  if (type == sito::wire::Message::NONE) return invalid_argument("envelope carries no message");
  if (static_cast<unsigned>(type) > static_cast<unsigned>(sito::wire::Message::MAX)) {
    return invalid_argument("envelope carries an unknown message type " + std::to_string(static_cast<unsigned>(type)));
  }
  if (env->message() == nullptr) {
    return invalid_argument(std::string("envelope message of type ") + sito::wire::EnumNameMessage(type) +
                            " is missing");
  }
  return ok_status();
}

std::vector<uint8_t> frame(std::span<const uint8_t> flatbuffer) {
  std::vector<uint8_t> out(k_prefix_bytes + flatbuffer.size());
  const auto len = static_cast<uint32_t>(flatbuffer.size());
  out[0] = static_cast<uint8_t>(len);
  out[1] = static_cast<uint8_t>(len >> 8);
  out[2] = static_cast<uint8_t>(len >> 16);
  out[3] = static_cast<uint8_t>(len >> 24);
  if (!flatbuffer.empty()) std::memcpy(out.data() + k_prefix_bytes, flatbuffer.data(), flatbuffer.size());
  return out;
}

std::vector<uint8_t> encode_error(uint64_t request_id, sito::wire::ErrorCode code, std::string_view message,
                                  std::string_view in_reply_to, uint32_t retry_after_ms) {
  flatbuffers::FlatBufferBuilder b(128 + message.size() + in_reply_to.size());
  auto msg = b.CreateString(message.data(), message.size());
  auto reply = in_reply_to.empty() ? flatbuffers::Offset<flatbuffers::String>()
                                   : b.CreateString(in_reply_to.data(), in_reply_to.size());
  auto err = sito::wire::CreateError(b, code, msg, reply, retry_after_ms);
  auto env = sito::wire::CreateEnvelope(b, request_id, sito::wire::Message::Error, err.Union());
  sito::wire::FinishEnvelopeBuffer(b, env);
  return frame(std::span<const uint8_t>(b.GetBufferPointer(), b.GetSize()));
}

}  // namespace sito::protocol
