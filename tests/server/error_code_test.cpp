// Tests for sito/protocol/error_code.hpp: the mapping between the engine's
// status codes and the wire's ErrorCode, both ways, for every value of both
// enums, and the round trips the header promises.
#include "sito/protocol/error_code.hpp"

#include <gtest/gtest.h>

#include <set>

namespace {

using sito::status_code;
using sito::protocol::error_code_of;
using sito::protocol::status_code_of;
using sito::wire::ErrorCode;

/// Every status_code, in declaration order (status.hpp has no values array).
constexpr status_code k_all_status_codes[] = {
    status_code::ok,        status_code::invalid_argument,   status_code::out_of_range,
    status_code::not_found, status_code::failed_precondition, status_code::resource_exhausted,
    status_code::internal,  status_code::unavailable,
};

TEST(ErrorCode, EveryStatusCodeHasItsDocumentedWireCode) {
  struct row {
    status_code code;
    ErrorCode wire;
  };
  const row table[] = {
      {status_code::ok, ErrorCode::None},
      {status_code::invalid_argument, ErrorCode::InvalidArgument},
      {status_code::out_of_range, ErrorCode::InvalidArgument},
      {status_code::not_found, ErrorCode::NotFound},
      {status_code::failed_precondition, ErrorCode::InvalidArgument},
      {status_code::resource_exhausted, ErrorCode::Overloaded},
      {status_code::internal, ErrorCode::Internal},
      {status_code::unavailable, ErrorCode::StorageUnavailable},
  };
  ASSERT_EQ(std::size(table), std::size(k_all_status_codes)) << "a status_code without a row";
  for (const auto& r : table) EXPECT_EQ(error_code_of(r.code), r.wire) << sito::to_string(r.code);
}

TEST(ErrorCode, EveryWireCodeHasItsDocumentedStatusCode) {
  struct row {
    ErrorCode wire;
    status_code code;
  };
  const row table[] = {
      {ErrorCode::None, status_code::ok},
      {ErrorCode::MalformedFrame, status_code::invalid_argument},
      {ErrorCode::FrameTooLarge, status_code::out_of_range},
      {ErrorCode::UnsupportedVersion, status_code::failed_precondition},
      {ErrorCode::Unauthenticated, status_code::failed_precondition},
      {ErrorCode::PermissionDenied, status_code::failed_precondition},
      {ErrorCode::NotFound, status_code::not_found},
      {ErrorCode::InvalidArgument, status_code::invalid_argument},
      {ErrorCode::Overloaded, status_code::resource_exhausted},
      {ErrorCode::Internal, status_code::internal},
      {ErrorCode::StorageUnavailable, status_code::unavailable},
  };
  // The generated values array lists every ErrorCode of sito.fbs: a code
  // added to the schema without a row here fails this test.
  ASSERT_EQ(std::size(table), std::size(sito::wire::EnumValuesErrorCode()));
  for (const auto& r : table) EXPECT_EQ(status_code_of(r.wire), r.code) << sito::wire::EnumNameErrorCode(r.wire);
}

TEST(ErrorCode, StatusToWireToStatusIsTheIdentityWhereTheWireHasTheCode) {
  // out_of_range and failed_precondition travel as InvalidArgument (the wire
  // has no code of their own): they come back as invalid_argument.
  const std::set<status_code> lossy = {status_code::out_of_range, status_code::failed_precondition};
  for (const status_code c : k_all_status_codes) {
    const status_code back = status_code_of(error_code_of(c));
    if (lossy.count(c)) EXPECT_EQ(back, status_code::invalid_argument) << sito::to_string(c);
    else EXPECT_EQ(back, c) << sito::to_string(c);
  }
}

TEST(ErrorCode, WireToStatusToWireIsTheIdentityForTheCodesAStatusProduces) {
  // The codes only the protocol layer sends map to a status code whose own
  // wire code is the general one.
  const std::set<ErrorCode> produced = {ErrorCode::None,       ErrorCode::InvalidArgument, ErrorCode::NotFound,
                                        ErrorCode::Overloaded, ErrorCode::Internal,        ErrorCode::StorageUnavailable};
  for (const ErrorCode e : sito::wire::EnumValuesErrorCode()) {
    const ErrorCode back = error_code_of(status_code_of(e));
    if (produced.count(e)) {
      EXPECT_EQ(back, e) << sito::wire::EnumNameErrorCode(e);
    } else {
      EXPECT_TRUE(back == ErrorCode::InvalidArgument) << sito::wire::EnumNameErrorCode(e) << " came back as "
                                                      << sito::wire::EnumNameErrorCode(back);
    }
  }
  // And every code a status can produce is in that set.
  for (const status_code c : k_all_status_codes) EXPECT_TRUE(produced.count(error_code_of(c))) << sito::to_string(c);
}

TEST(ErrorCode, AnUnknownWireCodeIsInternal) {
  EXPECT_EQ(status_code_of(static_cast<ErrorCode>(999)), status_code::internal);
}

}  // namespace
