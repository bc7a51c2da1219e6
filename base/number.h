// Number: DynamoDB's exact decimal number.
//
// Up to 38 significant decimal digits; magnitude 0 or between 1E-130 and
// 9.9999999999999999999999999999999999999E+125. Never a double. No Debian
// library offers 38 digits (decimal128 has 34), hence this small type.
//
// Text form accepted by Parse (as DynamoDB does): optional sign, digits with an
// optional decimal point (at least one digit overall), optional exponent
// `e`/`E` with optional sign. Leading and trailing zeros are not significant.
// ToString gives DynamoDB's canonical form: no exponent, no leading zeros
// (but "0." before a fraction), no trailing fractional zeros, "-" only for
// negative numbers, zero is "0".
//
// EncodeOrdered gives bytes whose unsigned lexicographic order (memcmp, then
// shorter-is-less, as SQLite compares BLOBs) is the numeric order; it is the
// key encoding for N attributes. Equal numbers encode to equal bytes. With
// value = 0.d1d2...dn x 10^e (d1 != 0, dn != 0, n <= 38, -129 <= e <= 126):
//   encoded   := negative | zero | positive
//   negative  := 0x40 (0xFF - exp_byte) (0xFE - pair)+ 0xFF
//   zero      := 0x80
//   positive  := 0xC0 exp_byte pair+
//   exp_byte  := e + 129                      (0x00..0xFF)
//   pair      := 10 * d(2i-1) + d(2i)         (0..99; an odd last digit pairs with 0)
// At most 22 bytes. The 0xFF terminator of a negative sorts above every
// inverted pair (0x9B..0xFE), so -0.1 sorts after -0.101. DecodeOrdered
// accepts exactly the canonical encodings and inverts them.
//
// Thread safety: a plain value.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace ddb {

class Number {
 public:
  static constexpr int kMaxDigits = 38;

  Number() = default;  // zero

  // "-0", "0e5" and the like parse to zero; the exponent in the text may be
  // any length. Errors (Status::InvalidArgument) carry DynamoDB's
  // ValidationException messages:
  //   "Attempting to store more than 38 significant digits in a Number"
  //   "Number overflow. Attempting to store a number with magnitude larger than supported range"
  //   "Number underflow. Attempting to store a number with magnitude smaller than supported range"
  //   "The parameter cannot be converted to a numeric value: <text>" (no
  //   ": <text>" when the text is empty)
  static Result<Number> Parse(std::string_view text);

  std::string ToString() const;
  std::string EncodeOrdered() const;
  // Corruption unless `bytes` is exactly some number's EncodeOrdered.
  static Result<Number> DecodeOrdered(std::string_view bytes);

  // -1, 0, 1.
  int Compare(const Number& other) const;
  bool operator==(const Number& o) const { return Compare(o) == 0; }
  bool operator<(const Number& o) const { return Compare(o) < 0; }

  bool is_zero() const { return digits_.empty(); }
  bool negative() const { return negative_; }

  // Exact arithmetic. Errors: overflow and underflow as Parse's; a result
  // that would need more than 38 significant digits (rounding) is reported,
  // as DynamoDB reports it, with the overflow message.
  Result<Number> Add(const Number& other) const;
  Result<Number> Subtract(const Number& other) const;

  // Bytes this number counts for in DynamoDB's item size: one byte per two
  // significant digits (rounded up), plus one; zero counts 1.
  size_t ApproximateSize() const;

 private:
  // Trims leading zeros of `digits` (lowering `exponent`) and trailing zeros,
  // then checks the range and then the digit count. Value = 0.digits x
  // 10^exponent.
  static Result<Number> FromParts(bool negative, std::string digits, int64_t exponent);

  Result<Number> AddExact(const Number& other) const;

  bool negative_ = false;
  // Invariants: digits_ has no leading or trailing '0' and at most kMaxDigits;
  // zero is digits_ empty, exponent_ 0, negative_ false; otherwise
  // value = 0.d1d2d3... x 10^exponent_ with -129 <= exponent_ <= 126.
  std::string digits_;
  int32_t exponent_ = 0;
};

}  // namespace ddb
