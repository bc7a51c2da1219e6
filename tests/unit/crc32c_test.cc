// base/crc32c.h: the standard check value, and agreement with a bit-by-bit
// reference at every length and split, whichever implementation the CPU got.
#include <string>

#include "base/crc32c.h"

#undef CHECK
#include <catch2/catch.hpp>

namespace ddb {
namespace {

uint32_t Reference(const std::string& data) {
  uint32_t c = 0xffffffffu;
  for (unsigned char byte : data) {
    c ^= byte;
    for (int bit = 0; bit < 8; ++bit) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
  }
  return ~c;
}

TEST_CASE("crc32c: check value and agreement with the bitwise definition", "[unit]") {
  CHECK(Crc32c(0, "123456789", 9) == 0xE3069283u);
  CHECK(Crc32cPortable(0, "123456789", 9) == 0xE3069283u);
  CHECK(Crc32c(0, "", 0) == 0u);
  std::string data;
  uint32_t x = 12345;
  for (int i = 0; i < 300; ++i) {
    x = x * 1103515245u + 12345u;
    data.push_back(static_cast<char>(x >> 16));
  }
  for (size_t len = 0; len <= data.size(); len += 7) {
    const std::string part = data.substr(0, len);
    CHECK(Crc32c(0, part.data(), part.size()) == Reference(part));
    CHECK(Crc32cPortable(0, part.data(), part.size()) == Reference(part));
    // Fed in two pieces, the same value.
    const size_t half = len / 3;
    CHECK(Crc32c(Crc32c(0, part.data(), half), part.data() + half, len - half) == Reference(part));
  }
}

}  // namespace
}  // namespace ddb
