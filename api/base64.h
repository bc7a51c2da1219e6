// Base64 (RFC 4648 standard alphabet, with '=' padding) as DynamoDB's JSON
// protocol uses it for B and BS values.
//
// Decoding is strict, as DynamoDB's is: the length must be a multiple of 4, at
// most two trailing '=' pads, only alphabet characters before them, and the
// unused low bits of the last character before the pads must be zero. So every
// accepted text is exactly Base64Encode of its bytes. No whitespace is skipped.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"

namespace ddb::api {

std::string Base64Encode(std::string_view bytes);

// The decoded bytes, or InvalidArgument carrying the message DynamoDB gives in
// its SerializationException, e.g.
//   "Base64 encoded length is expected a multiple of 4 bytes but found: 5"
//   "Invalid last non-pad Base64 character dectected"   (sic)
//   "Invalid Base64 character: '?'"
Result<std::string> Base64Decode(std::string_view text);

}  // namespace ddb::api
