// File: sito/protocol/frame_codec.hpp
//
// Framing and verification of the wire protocol (DESIGN §5): a frame is a
// 4-byte little-endian length followed by a FlatBuffer whose root is a
// sito.wire.Envelope under the file identifier "SITO".
//
//   sito::protocol::frame_reader reader(limits);
//   reader.feed(bytes_from_socket);
//   while (auto f = reader.next()) {
//     if (!f->ok()) { send(encode_error(...)); if (f->fatal) close(); continue; }
//     const sito::wire::Envelope* env = f->envelope();   // verified
//   }
//
// Thread-safety: a frame_reader belongs to one connection (not thread-safe);
// the free functions are pure.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sito/base/status.hpp"
#include "sito/schemas/sito_generated.h"

namespace sito::protocol {

struct frame_limits {
  uint32_t max_frame_bytes = 16u << 20;  ///< a larger length prefix is fatal for the connection
  uint32_t max_verifier_depth = 64;
  uint32_t max_verifier_tables = 1'000'000;
};

/// One decoded frame: either a verified envelope or the reason it was bad.
struct decoded_frame {
  std::vector<uint8_t> bytes;    ///< the FlatBuffer (without the length prefix)
  sito::wire::ErrorCode error = sito::wire::ErrorCode::None;
  std::string message;           ///< what was wrong, for the Error reply
  bool fatal = false;            ///< framing is lost (oversized length): close the connection
  bool ok() const { return error == sito::wire::ErrorCode::None; }
  /// Precondition: ok().
  const sito::wire::Envelope* envelope() const { return sito::wire::GetEnvelope(bytes.data()); }
};

/// Splits a byte stream into frames and verifies each.
class frame_reader {
 public:
  explicit frame_reader(frame_limits limits = {}) : limits_(limits) {}

  /// Appends bytes received from the peer.
  void feed(std::span<const uint8_t> data);

  /// The next complete frame, or nullopt when more bytes are needed. After a
  /// fatal frame, returns nullopt forever.
  std::optional<decoded_frame> next();

  /// Bytes buffered but not yet returned as frames.
  size_t buffered() const { return buffer_.size() - read_pos_; }

 private:
  frame_limits limits_;
  std::vector<uint8_t> buffer_;
  size_t read_pos_ = 0;
  bool dead_ = false;
};

/// Verifies one FlatBuffer (no length prefix) as an Envelope: identifier,
/// Verifier (depth/table limits), a present message of a known union type.
/// Returns the problem, or ok.
status verify_envelope(std::span<const uint8_t> flatbuffer, const frame_limits& limits = {});

/// Prepends the 4-byte little-endian length to a finished FlatBuffer.
std::vector<uint8_t> frame(std::span<const uint8_t> flatbuffer);

/// A framed Error envelope (`retry_after_ms`: when a rate limit refused
/// the request, the wait after which the same request would pass).
std::vector<uint8_t> encode_error(uint64_t request_id, sito::wire::ErrorCode code, std::string_view message,
                                  std::string_view in_reply_to = {}, uint32_t retry_after_ms = 0);

}  // namespace sito::protocol
