// File: sito/protocol/error_code.hpp
//
// The two-way mapping between the engine's status codes
// (sito/base/status.hpp) and the wire's Error codes (schemas/sito.fbs
// `ErrorCode`). sitod sends a failed status as error_code_of(st.code());
// the client turns a received Error into status_code_of(e.code()), keeping
// the wire code's name at the front of the message ("NotFound: no topic 'x'").
//
//   status code          → wire ErrorCode        → status code (client)
//   ok                   → None                  → ok
//   invalid_argument     → InvalidArgument       → invalid_argument
//   out_of_range         → InvalidArgument (1)   → invalid_argument
//   not_found            → NotFound              → not_found
//   failed_precondition  → InvalidArgument (1)   → invalid_argument
//   resource_exhausted   → Overloaded            → resource_exhausted
//   internal             → Internal              → internal
//   unavailable          → StorageUnavailable    → unavailable
//
//   wire ErrorCode only the protocol layer sends → status code (client)
//   MalformedFrame                               → invalid_argument
//   FrameTooLarge                                → out_of_range
//   UnsupportedVersion                           → failed_precondition
//   Unauthenticated                              → failed_precondition (2)
//   PermissionDenied                             → failed_precondition (2)
//
// (1) The wire has no code of its own for these; its InvalidArgument is "a
//     field is missing or out of range", and sitod already answers a
//     request in the wrong state (a second Hello) with InvalidArgument.
//     FrameTooLarge is kept for the framing layer: a limit on a field or a
//     ruleset is not a frame that was too large.
// (2) The engine has no permission codes; the call cannot succeed until the
//     connection authenticates with a token of the right role, which is
//     what failed_precondition ("the call came in the wrong state") says.
//     The message still starts with "Unauthenticated:" or "PermissionDenied:".
//
// So status → wire → status is the identity except for out_of_range and
// failed_precondition, and wire → status → wire is the identity for the
// codes a status can produce (None, InvalidArgument, NotFound, Overloaded,
// Internal, StorageUnavailable); tests/server/error_code_test.cpp checks
// every value of both enums.
//
// Thread-safety: pure functions.
#pragma once

#include "sito/base/status.hpp"
#include "sito/schemas/sito_generated.h"

namespace sito::protocol {

/// The wire code an Error frame carries for a failed status of `code`.
wire::ErrorCode error_code_of(status_code code);

/// The status code a received Error of wire code `code` becomes. A value
/// outside the enum (a newer server) becomes internal.
status_code status_code_of(wire::ErrorCode code);

}  // namespace sito::protocol
