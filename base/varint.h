// Varints (unsigned LEB128) and length-prefixed bytes: the building blocks of
// the binary formats (WAL records, archive segments, scrub digests, items).
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ddb {

inline void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// varint(len(b)) b
inline void PutBytes(std::string* out, std::string_view b) {
  PutVarint(out, b.size());
  out->append(b.data(), b.size());
}

// Reads a varint of at most 10 bytes off the front of `in`; false when
// truncated or longer.
inline bool GetVarint(std::string_view* in, uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift < 64 && !in->empty(); shift += 7) {
    const uint8_t byte = static_cast<uint8_t>((*in)[0]);
    in->remove_prefix(1);
    *v |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if (!(byte & 0x80)) return true;
  }
  return false;
}

// Reads what PutBytes wrote; false when truncated.
inline bool GetBytes(std::string_view* in, std::string* out) {
  uint64_t n;
  if (!GetVarint(in, &n) || n > in->size()) return false;
  out->assign(in->data(), n);
  in->remove_prefix(n);
  return true;
}

}  // namespace ddb
