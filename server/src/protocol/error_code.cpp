// File: protocol/error_code.cpp
//
// The tables of sito/protocol/error_code.hpp (the reasons are there).
#include "sito/protocol/error_code.hpp"

namespace sito::protocol {

wire::ErrorCode error_code_of(status_code code) {
  switch (code) {
    case status_code::ok: return wire::ErrorCode::None;
    case status_code::invalid_argument: return wire::ErrorCode::InvalidArgument;
    case status_code::out_of_range: return wire::ErrorCode::InvalidArgument;
    case status_code::not_found: return wire::ErrorCode::NotFound;
    case status_code::failed_precondition: return wire::ErrorCode::InvalidArgument;
    case status_code::resource_exhausted: return wire::ErrorCode::Overloaded;
    case status_code::internal: return wire::ErrorCode::Internal;
    case status_code::unavailable: return wire::ErrorCode::StorageUnavailable;
  }
  return wire::ErrorCode::Internal;
}

status_code status_code_of(wire::ErrorCode code) {
  switch (code) {
    case wire::ErrorCode::None: return status_code::ok;
    case wire::ErrorCode::MalformedFrame: return status_code::invalid_argument;
    case wire::ErrorCode::FrameTooLarge: return status_code::out_of_range;
    case wire::ErrorCode::UnsupportedVersion: return status_code::failed_precondition;
    case wire::ErrorCode::Unauthenticated: return status_code::failed_precondition;
    case wire::ErrorCode::PermissionDenied: return status_code::failed_precondition;
    case wire::ErrorCode::NotFound: return status_code::not_found;
    case wire::ErrorCode::InvalidArgument: return status_code::invalid_argument;
    case wire::ErrorCode::Overloaded: return status_code::resource_exhausted;
    case wire::ErrorCode::Internal: return status_code::internal;
    case wire::ErrorCode::StorageUnavailable: return status_code::unavailable;
  }
  return status_code::internal;
}

}  // namespace sito::protocol
