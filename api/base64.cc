// Strict base64 encoding and decoding (see base64.h).
//
// Thread safety: pure functions; the decode table is a constant.
#include "api/base64.h"

#include <array>
#include <cstdint>
#include <cstdio>

namespace ddb::api {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr int8_t kInvalid = -1;

// 256 entries, so any byte indexes it safely.
constexpr std::array<int8_t, 256> MakeDecodeTable() {
  std::array<int8_t, 256> t{};
  for (auto& e : t) e = kInvalid;
  for (int i = 0; i < 64; ++i) t[static_cast<uint8_t>(kAlphabet[i])] = static_cast<int8_t>(i);
  return t;
}
constexpr std::array<int8_t, 256> kDecode = MakeDecodeTable();

int SextetOf(char c) { return kDecode[static_cast<uint8_t>(c)]; }

// DynamoDB's wording; it quotes the character. Bytes outside printable ASCII
// are shown as \xHH so that the message stays valid UTF-8.
Status InvalidCharacter(char c) {
  auto u = static_cast<unsigned char>(c);
  char shown[8];
  if (u >= 0x20 && u < 0x7f) {
    std::snprintf(shown, sizeof(shown), "%c", c);
  } else {
    std::snprintf(shown, sizeof(shown), "\\x%02X", u);
  }
  return Status::InvalidArgument(std::string("Invalid Base64 character: '") + shown + "'");
}

size_t CountPads(std::string_view text) {
  size_t pads = 0;
  while (pads < 2 && pads < text.size() && text[text.size() - 1 - pads] == '=') ++pads;
  return pads;
}

// DynamoDB checks the last character before the pads first: its bits beyond
// the final byte must be zero (2 bits with one pad, 4 with two).
Status CheckLastSextet(std::string_view text, size_t pads) {
  if (pads == 0) return Status::Ok();
  char last = text[text.size() - 1 - pads];
  int sextet = SextetOf(last);
  if (sextet == kInvalid) return InvalidCharacter(last);
  int unused_mask = pads == 1 ? 0x3 : 0xF;
  if ((sextet & unused_mask) != 0) {
    return Status::InvalidArgument("Invalid last non-pad Base64 character dectected");
  }
  return Status::Ok();
}

}  // namespace

std::string Base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t n = static_cast<uint8_t>(bytes[i]) << 16 | static_cast<uint8_t>(bytes[i + 1]) << 8 |
                 static_cast<uint8_t>(bytes[i + 2]);
    out += kAlphabet[n >> 18];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  size_t rest = bytes.size() - i;
  if (rest == 0) return out;
  uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
  if (rest == 2) n |= static_cast<uint8_t>(bytes[i + 1]) << 8;
  out += kAlphabet[n >> 18];
  out += kAlphabet[(n >> 12) & 63];
  out += rest == 2 ? kAlphabet[(n >> 6) & 63] : '=';
  out += '=';
  return out;
}

Result<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) {
    return Status::InvalidArgument("Base64 encoded length is expected a multiple of 4 bytes but found: " +
                                   std::to_string(text.size()));
  }
  size_t pads = CountPads(text);
  RETURN_IF_ERROR(CheckLastSextet(text, pads));
  std::string out;
  out.reserve(text.size() / 4 * 3);
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i + pads < text.size(); ++i) {
    int sextet = SextetOf(text[i]);
    if (sextet == kInvalid) return InvalidCharacter(text[i]);
    acc = (acc << 6 | static_cast<uint32_t>(sextet)) & 0xFFFFFF;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

}  // namespace ddb::api
