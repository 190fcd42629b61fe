// File: sito/protocol/role.hpp
//
// What a connection may do, as granted by its token (sitod's config) and
// asked for in Hello (the client): the one definition of the role, shared by
// sitod (sito::server::role) and the client (sito::client::role). The values
// are those of the wire's `Role` (schemas/sito.fbs); protocol/role.cpp checks
// that at compile time.
//
//   sito::protocol::role r = sito::protocol::role::admin;
//   std::puts(to_string(r));   // "admin"
//
// Thread-safety: plain values and a pure function.
#pragma once

#include <cstdint>

namespace sito::protocol {

enum class role : uint8_t {
  producer = 0,    ///< publishes posts (PublishBatch)
  subscriber = 1,  ///< receives mentions and alerts (Subscribe, Credit, Commit)
  admin = 2,       ///< manages topics, validates, explains, reads stats, backfills
};

/// "producer", "subscriber" or "admin" ("?" for a value outside the enum).
const char* to_string(role r);

}  // namespace sito::protocol
