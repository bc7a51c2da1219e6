// Number: parsing, canonical printing, the ordered key encoding and exact
// addition of DynamoDB's 38-digit decimal numbers (see base/number.h).
//
// A nonzero number is kept as sign, significant digits d1..dn (no leading or
// trailing zero, n <= 38) and exponent e, value = 0.d1d2...dn x 10^e. The
// supported range 1E-130 .. 9.99...9E+125 is then exactly -129 <= e <= 126.
//
// Ordered encoding (EncodeOrdered / DecodeOrdered):
//   encoded   := negative | zero | positive
//   negative  := 0x40 (0xFF - exp_byte) (0xFE - pair)+ 0xFF
//   zero      := 0x80
//   positive  := 0xC0 exp_byte pair+
//   exp_byte  := e + 129                      (0x00..0xFF, 256 exponents)
//   pair      := 10 * d(2i-1) + d(2i)         (0..99; an odd last digit pairs with 0)
// Why it sorts: the sign byte orders negatives < zero < positives. Among
// positives a larger exponent is a larger magnitude; with equal exponents the
// digit strings compare lexicographically, and a proper prefix is the smaller
// (the longer one has more nonzero digits), which is the shorter-is-less rule.
// Pairing two digits per byte keeps that order because the pad digit is 0 and
// no canonical digit string ends in 0. Negatives invert every byte; inverted
// pairs lie in 0x9B..0xFE, so the 0xFF terminator makes a prefix sort after
// its extensions (-0.1 > -0.101), as the inverted order needs.

#include "base/number.h"

#include <algorithm>

namespace ddb {

namespace {

constexpr int kMinExponent = -129;  // 0.1 x 10^-129 = 1E-130
constexpr int kMaxExponent = 126;   // 0.99..9 x 10^126 = 9.9..9E+125
constexpr int kExponentBias = 129;
// Exponents in the text beyond this are clamped: already far out of range for
// any text shorter than a petabyte, and no int64 arithmetic can overflow.
constexpr int64_t kExponentClamp = 1'000'000'000'000'000;

constexpr char kSignNegative = 0x40;
constexpr char kSignZero = static_cast<char>(0x80);
constexpr char kSignPositive = static_cast<char>(0xC0);
constexpr unsigned char kNegativePairBase = 0xFE;
constexpr unsigned char kNegativeTerminator = 0xFF;
constexpr size_t kMaxPairs = (Number::kMaxDigits + 1) / 2;

const char kTooManyDigits[] = "Attempting to store more than 38 significant digits in a Number";
const char kOverflow[] =
    "Number overflow. Attempting to store a number with magnitude larger than supported range";
const char kUnderflow[] =
    "Number underflow. Attempting to store a number with magnitude smaller than supported range";
const char kNotANumber[] = "The parameter cannot be converted to a numeric value";
const char kBadEncoding[] = "Malformed ordered Number encoding";

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The pieces of a number's text: value = 0.mantissa x 10^(point + exponent).
struct Scanned {
  bool negative = false;
  std::string mantissa;  // every mantissa digit, zeros included
  int64_t point = 0;     // digits before the decimal point
  int64_t exponent = 0;  // clamped to +-kExponentClamp
};

// Reads `[+-]digits` at text[*pos]; false if there is no digit.
bool ScanExponent(std::string_view text, size_t* pos, int64_t* exponent) {
  bool negative = false;
  if (*pos < text.size() && (text[*pos] == '+' || text[*pos] == '-')) {
    negative = text[*pos] == '-';
    ++*pos;
  }
  size_t start = *pos;
  int64_t value = 0;
  for (; *pos < text.size() && IsDigit(text[*pos]); ++*pos) {
    value = std::min(value * 10 + (text[*pos] - '0'), kExponentClamp);
  }
  *exponent = negative ? -value : value;
  return *pos > start;
}

// Splits the text into its pieces; false if it is not a number at all.
bool Scan(std::string_view text, Scanned* out) {
  size_t pos = 0;
  if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    out->negative = text[pos] == '-';
    ++pos;
  }
  bool seen_point = false;
  for (; pos < text.size(); ++pos) {
    char c = text[pos];
    if (IsDigit(c)) {
      out->mantissa.push_back(c);
      if (!seen_point) ++out->point;
    } else if (c == '.' && !seen_point) {
      seen_point = true;
    } else {
      break;
    }
  }
  if (out->mantissa.empty()) return false;
  if (pos < text.size() && (text[pos] == 'e' || text[pos] == 'E')) {
    ++pos;
    if (!ScanExponent(text, &pos, &out->exponent)) return false;
  }
  return pos == text.size();
}

// Compares two digit strings of numbers with equal exponents: -1, 0, 1.
int CompareDigits(const std::string& a, const std::string& b) {
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

// `digits` placed in a field of `width` digits whose first digit has place
// value 10^(high - 1); the rest of the field is '0'.
std::string Align(const std::string& digits, int32_t exponent, int64_t high, int64_t width) {
  std::string out(static_cast<size_t>(width), '0');
  out.replace(static_cast<size_t>(high - exponent), digits.size(), digits);
  return out;
}

// *acc += other, both the same width; the caller leaves room for the carry.
void AddDigits(std::string* acc, const std::string& other) {
  int carry = 0;
  for (size_t i = acc->size(); i-- > 0;) {
    int sum = ((*acc)[i] - '0') + (other[i] - '0') + carry;
    carry = sum / 10;
    (*acc)[i] = static_cast<char>('0' + sum % 10);
  }
  CHECK(carry == 0);
}

// *acc -= other, both the same width, *acc >= other.
void SubtractDigits(std::string* acc, const std::string& other) {
  int borrow = 0;
  for (size_t i = acc->size(); i-- > 0;) {
    int diff = ((*acc)[i] - '0') - (other[i] - '0') - borrow;
    borrow = diff < 0 ? 1 : 0;
    (*acc)[i] = static_cast<char>('0' + diff + 10 * borrow);
  }
  CHECK(borrow == 0);
}

}  // namespace

Result<Number> Number::FromParts(bool negative, std::string digits, int64_t exponent) {
  size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) return Number();
  size_t last = digits.find_last_not_of('0');
  exponent -= static_cast<int64_t>(first);
  digits = digits.substr(first, last - first + 1);
  // Range before precision, as DynamoDB reports them (dynalite agrees).
  if (exponent > kMaxExponent) return Status::InvalidArgument(kOverflow);
  if (exponent < kMinExponent) return Status::InvalidArgument(kUnderflow);
  if (digits.size() > static_cast<size_t>(kMaxDigits)) {
    return Status::InvalidArgument(kTooManyDigits);
  }
  Number n;
  n.negative_ = negative;
  n.digits_ = std::move(digits);
  n.exponent_ = static_cast<int32_t>(exponent);
  return n;
}

Result<Number> Number::Parse(std::string_view text) {
  Scanned s;
  if (!Scan(text, &s)) {
    // DynamoDB names the value it could not read, unless it is empty.
    std::string m = kNotANumber;
    if (!text.empty()) m += ": " + std::string(text);
    return Status::InvalidArgument(std::move(m));
  }
  return FromParts(s.negative, std::move(s.mantissa), s.point + s.exponent);
}

std::string Number::ToString() const {
  if (is_zero()) return "0";
  std::string out = negative_ ? "-" : "";
  const int64_t n = static_cast<int64_t>(digits_.size());
  if (exponent_ <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-exponent_), '0');
    out += digits_;
  } else if (exponent_ < n) {
    out.append(digits_, 0, static_cast<size_t>(exponent_));
    out += '.';
    out.append(digits_, static_cast<size_t>(exponent_), std::string::npos);
  } else {
    out += digits_;
    out.append(static_cast<size_t>(exponent_ - n), '0');
  }
  return out;
}

std::string Number::EncodeOrdered() const {
  if (is_zero()) return std::string(1, kSignZero);
  const unsigned char exp_byte = static_cast<unsigned char>(exponent_ + kExponentBias);
  std::string out(1, negative_ ? kSignNegative : kSignPositive);
  out.push_back(static_cast<char>(negative_ ? 0xFF - exp_byte : exp_byte));
  for (size_t i = 0; i < digits_.size(); i += 2) {
    int low = i + 1 < digits_.size() ? digits_[i + 1] - '0' : 0;
    int pair = 10 * (digits_[i] - '0') + low;
    out.push_back(static_cast<char>(negative_ ? kNegativePairBase - pair : pair));
  }
  if (negative_) out.push_back(static_cast<char>(kNegativeTerminator));
  return out;
}

Result<Number> Number::DecodeOrdered(std::string_view bytes) {
  if (bytes.size() == 1 && bytes[0] == kSignZero) return Number();
  if (bytes.size() < 3) return Status::Corruption(kBadEncoding);
  const bool negative = bytes[0] == kSignNegative;
  if (!negative && bytes[0] != kSignPositive) return Status::Corruption(kBadEncoding);
  if (negative) {
    if (static_cast<unsigned char>(bytes.back()) != kNegativeTerminator || bytes.size() < 4) {
      return Status::Corruption(kBadEncoding);
    }
    bytes.remove_suffix(1);
  }
  const auto exp_byte = static_cast<unsigned char>(bytes[1]);
  const std::string_view pairs = bytes.substr(2);
  if (pairs.size() > kMaxPairs) return Status::Corruption(kBadEncoding);
  std::string digits;
  for (char c : pairs) {
    int pair = static_cast<unsigned char>(c);
    if (negative) pair = kNegativePairBase - pair;
    if (pair < 0 || pair > 99) return Status::Corruption(kBadEncoding);
    digits.push_back(static_cast<char>('0' + pair / 10));
    digits.push_back(static_cast<char>('0' + pair % 10));
  }
  // Canonical digits start and end nonzero; an odd count leaves one pad '0'.
  const bool pad = digits.back() == '0';
  if (digits.front() == '0' || (pad && digits[digits.size() - 2] == '0')) {
    return Status::Corruption(kBadEncoding);
  }
  if (pad) digits.pop_back();
  const int exponent = (negative ? 0xFF - exp_byte : exp_byte) - kExponentBias;
  return FromParts(negative, std::move(digits), exponent);
}

int Number::Compare(const Number& other) const {
  const int sign = is_zero() ? 0 : (negative_ ? -1 : 1);
  const int other_sign = other.is_zero() ? 0 : (other.negative_ ? -1 : 1);
  if (sign != other_sign) return sign < other_sign ? -1 : 1;
  if (sign == 0) return 0;
  int magnitude = 0;
  if (exponent_ != other.exponent_) {
    magnitude = exponent_ < other.exponent_ ? -1 : 1;
  } else {
    magnitude = CompareDigits(digits_, other.digits_);
  }
  return sign * magnitude;
}

Result<Number> Number::Add(const Number& other) const {
  // DynamoDB reports a sum that would need rounding as an overflow, not with
  // Parse's "more than 38 significant digits".
  Result<Number> sum = AddExact(other);
  if (!sum.ok() && sum.status().message() == kTooManyDigits) return Status::InvalidArgument(kOverflow);
  return sum;
}

Result<Number> Number::AddExact(const Number& other) const {
  if (other.is_zero()) return *this;
  if (is_zero()) return other;
  // One digit above the larger exponent for the carry, down to the smaller
  // last place: at most 1 + 256 + 38 digits.
  const int64_t high = std::max(exponent_, other.exponent_) + 1;
  const int64_t low = std::min<int64_t>(exponent_ - static_cast<int64_t>(digits_.size()),
                                        other.exponent_ - static_cast<int64_t>(other.digits_.size()));
  std::string a = Align(digits_, exponent_, high, high - low);
  std::string b = Align(other.digits_, other.exponent_, high, high - low);
  if (negative_ == other.negative_) {
    AddDigits(&a, b);
    return FromParts(negative_, std::move(a), high);
  }
  // Opposite signs: the larger magnitude keeps its sign. Equal-width,
  // equally aligned digit fields compare like their magnitudes.
  const int order = CompareDigits(a, b);
  if (order == 0) return Number();
  if (order > 0) {
    SubtractDigits(&a, b);
    return FromParts(negative_, std::move(a), high);
  }
  SubtractDigits(&b, a);
  return FromParts(other.negative_, std::move(b), high);
}

Result<Number> Number::Subtract(const Number& other) const {
  Number negated = other;
  if (!negated.is_zero()) negated.negative_ = !negated.negative_;
  return Add(negated);
}

size_t Number::ApproximateSize() const {
  if (is_zero()) return 1;
  return (digits_.size() + 1) / 2 + 1;
}

}  // namespace ddb
