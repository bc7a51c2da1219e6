// The binary form of an Item that the cluster stores as opaque bytes (WAL
// records, item rows, replica comparisons by scrub).
//
// Format grammar (varint := unsigned LEB128, at most 10 bytes):
//   item     := version varint(count) attr*         version := 0x01
//   attr     := bytes(name) value                   names strictly ascending (bytewise)
//   value    := type payload                        type := AttrType as one byte
//   payload  := bytes(text)                         S (UTF-8), N (canonical text), B (raw)
//             | 0x00 | 0x01                         BOOL
//             | (nothing)                           NULL
//             | varint(count) attr*                 M, names strictly ascending
//             | varint(count) value*                L
//             | varint(count) bytes(element)+       SS, NS, BS: count >= 1, elements
//                                                   strictly ascending (bytewise)
//   bytes(x) := varint(len(x)) x
// Every item has exactly one encoding, so equal items encode to equal bytes
// and replicas can be compared byte for byte. A new version byte lets the
// format change; DecodeItem rejects versions it does not know.
//
// EncodeItem expects a valid item, as ParseItem (api/item_json.h) builds.
// DecodeItem accepts only canonical encodings of valid items, nested at most
// kMaxDecodeLevels deep; anything else — truncated, trailing or random bytes,
// a non-canonical number, an empty or unsorted set — is Status::Corruption.
// It never reads out of bounds, whatever the input.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "api/attribute_value.h"
#include "base/status.h"

namespace ddb::api {

inline constexpr uint8_t kItemEncodingVersion = 0x01;
// Twice DynamoDB's limit: the decoder only bounds its recursion; the limit
// itself is enforced when values are read from requests.
inline constexpr int kMaxDecodeLevels = 2 * kMaxNestingLevels;

std::string EncodeItem(const Item& item);
Result<Item> DecodeItem(std::string_view bytes);

}  // namespace ddb::api
