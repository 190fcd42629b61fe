// File: protocol/role.cpp
#include "sito/protocol/role.hpp"

#include "sito/schemas/sito_generated.h"

namespace sito::protocol {

static_assert(static_cast<int>(role::producer) == static_cast<int>(wire::Role::Producer));
static_assert(static_cast<int>(role::subscriber) == static_cast<int>(wire::Role::Subscriber));
static_assert(static_cast<int>(role::admin) == static_cast<int>(wire::Role::Admin));

const char* to_string(role r) {
  switch (r) {
    case role::producer: return "producer";
    case role::subscriber: return "subscriber";
    case role::admin: return "admin";
  }
  return "?";
}

}  // namespace sito::protocol
