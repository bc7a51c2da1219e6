// Unit tests for base/number: parsing and its exact error messages, the
// canonical text form, range and digit-count edges, the ordered key encoding
// (checked against Compare over random and hand-picked numbers, and decoded
// back), and exact Add/Subtract.
#include "base/number.h"

#include <algorithm>
// After base/ headers: Catch2's CHECK replaces base/check.h's from here on.
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace ddb {
namespace {

const char kTooManyDigits[] = "Attempting to store more than 38 significant digits in a Number";
const char kOverflow[] =
    "Number overflow. Attempting to store a number with magnitude larger than supported range";
const char kUnderflow[] =
    "Number underflow. Attempting to store a number with magnitude smaller than supported range";
const char kNotANumber[] = "The parameter cannot be converted to a numeric value";
std::string NotANumber(std::string_view text) {
  return text.empty() ? std::string(kNotANumber) : std::string(kNotANumber) + ": " + std::string(text);
}

const std::string kMax = "9.9999999999999999999999999999999999999E+125";

Number N(const std::string& text) {
  Result<Number> r = Number::Parse(text);
  INFO("parsing " << text << ": " << r.status().ToString());
  REQUIRE(r.ok());
  return r.value();
}

// The message of Parse's error, or "ok".
std::string ParseError(const std::string& text) {
  Result<Number> r = Number::Parse(text);
  if (r.ok()) return "ok";
  CHECK(r.status().IsInvalidArgument());
  return r.status().message();
}

std::string Canonical(const std::string& text) { return N(text).ToString(); }

std::string Zeros(size_t n) { return std::string(n, '0'); }
std::string Nines(size_t n) { return std::string(n, '9'); }

// SQLite's BLOB order: memcmp over the common prefix, then shorter first.
int BlobCompare(const std::string& a, const std::string& b) {
  int c = std::memcmp(a.data(), b.data(), std::min(a.size(), b.size()));
  if (c != 0) return c < 0 ? -1 : 1;
  if (a.size() == b.size()) return 0;
  return a.size() < b.size() ? -1 : 1;
}

std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out.push_back(static_cast<char>(b));
  return out;
}

// Random numbers that often share prefixes, exponents and magnitudes, so the
// encoding's tie-breaking paths are exercised, plus some from the full range.
Number RandomNumber(std::mt19937* rng) {
  auto pick = [rng](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(*rng); };
  if (pick(0, 30) == 0) return Number();
  const bool narrow = pick(0, 3) != 0;
  const int length = narrow ? pick(1, 6) : pick(1, 38);
  std::string text = pick(0, 1) ? "-" : "";
  text += static_cast<char>('0' + pick(1, 9));
  for (int i = 1; i < length; ++i) {
    text += narrow ? "019"[pick(0, 2)] : static_cast<char>('0' + pick(0, 9));
  }
  text += "e" + std::to_string(narrow ? pick(-3, 3) : pick(-130, 125 - length + 1));
  return N(text);
}

TEST_CASE("Number parses to DynamoDB's canonical text", "[unit]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"0", "0"}, {"-0", "0"}, {"+0", "0"}, {"0.0", "0"}, {"000", "0"}, {"0e5", "0"},
      {"-0.000e-10", "0"}, {"0e999999999999", "0"}, {"1", "1"}, {"+1", "1"}, {"-1", "-1"},
      {"1.0", "1"}, {"0.10", "0.1"}, {"1e2", "100"}, {"1E2", "100"}, {"1e+2", "100"},
      {"1e-2", "0.01"}, {"1e0", "1"}, {"1e-0", "1"}, {".5", "0.5"}, {"5.", "5"},
      {"-.5", "-0.5"}, {"+5.e1", "50"}, {"000123.4500", "123.45"}, {"-0.001", "-0.001"},
      {"1.5", "1.5"}, {"100", "100"}, {"12.34e1", "123.4"}, {"12.34e-1", "1.234"},
      {"12.34e2", "1234"}, {"12.34e5", "1234000"}, {"0.0012e3", "1.2"},
      {"123456789e-9", "0.123456789"}, {"-17.4E37", "-174000000000000000000000000000000000000"},
      {"1e00000000000000000000000000002", "100"},
  };
  for (const auto& [text, canonical] : cases) {
    INFO(text);
    CHECK(Canonical(text) == canonical);
  }
}

TEST_CASE("Number zero is never negative", "[unit]") {
  for (const char* text : {"-0", "-0.0", "-0e7", "-.0"}) {
    Number n = N(text);
    CHECK(n.is_zero());
    CHECK_FALSE(n.negative());
    CHECK(n == Number());
    CHECK(n.EncodeOrdered() == Number().EncodeOrdered());
  }
}

TEST_CASE("Number rejects every malformed text", "[unit]") {
  const std::vector<std::string> invalid = {
      "",      "+",     "-",     ".",      "-.",     "+.",    "e5",    ".e5",
      "1e",    "1e+",   "1e-",   "1E",     "1.2.3",  "1..2",  " 1",    "1 ",
      "\t1",   "0x10",  "0X1A",  "Infinity", "-Infinity", "inf", "NaN", "nan",
      "1e5.5", "1e.5",  "--1",   "+-1",    "-+1",    "++1",   "1f",    "1d",
      "1,000", "1_000", "1e5e5", "e",      "E",      "abc",   "1-",    "1+",
      "1e+-5", "1e--5", "1ee5",  "١",      "1e 5",
  };
  for (const std::string& text : invalid) {
    INFO("'" << text << "'");
    CHECK(ParseError(text) == NotANumber(text));
  }
  CHECK(ParseError(std::string("1\0", 2)) == NotANumber(std::string("1\0", 2)));
}

TEST_CASE("Number allows 38 significant digits and no more", "[unit]") {
  const std::string d38 = "12345678901234567890123456789012345678";
  const std::string d39 = d38 + "9";
  REQUIRE(d38.size() == 38);
  CHECK(ParseError(d38) == "ok");
  CHECK(ParseError("-" + d38) == "ok");
  CHECK(ParseError(d39) == kTooManyDigits);
  CHECK(ParseError("-" + d39) == kTooManyDigits);
  // Leading and trailing zeros are not significant.
  CHECK(ParseError("000" + d38) == "ok");
  CHECK(ParseError(d38 + "000") == "ok");
  CHECK(ParseError("0.000" + d38 + "000") == "ok");
  CHECK(ParseError("1" + Zeros(60)) == "ok");
  CHECK(ParseError("0." + Zeros(60) + "1") == "ok");
  CHECK(ParseError(Nines(38) + "." + Zeros(20)) == "ok");
  // Interior zeros are.
  CHECK(ParseError("1" + Zeros(36) + "1") == "ok");
  CHECK(ParseError("1" + Zeros(37) + "1") == kTooManyDigits);
  CHECK(ParseError("1." + Zeros(36) + "1") == "ok");
  CHECK(ParseError("1." + Zeros(37) + "1") == kTooManyDigits);
  CHECK(ParseError("0.1" + Zeros(37) + "1e5") == kTooManyDigits);
  // The range is checked before the digit count.
  CHECK(ParseError(d39 + "e200") == kOverflow);
  CHECK(ParseError(d39 + "e-200") == kUnderflow);
  CHECK(ParseError(d39 + "e80") == kTooManyDigits);
  CHECK(Canonical(d38 + "e-20") == "123456789012345678.90123456789012345678");
  CHECK(Canonical("0.000" + d38 + "000") == "0.000" + d38);
}

TEST_CASE("Number range is 1E-130 to 9.99..E+125", "[unit]") {
  CHECK(ParseError(kMax) == "ok");
  CHECK(ParseError("-" + kMax) == "ok");
  CHECK(ParseError("1E+126") == kOverflow);
  CHECK(ParseError("-1E+126") == kOverflow);
  CHECK(ParseError("10e125") == kOverflow);
  CHECK(ParseError("0.1e127") == kOverflow);
  CHECK(ParseError("1e125") == "ok");
  CHECK(ParseError("1" + Zeros(125)) == "ok");
  CHECK(ParseError("1" + Zeros(126)) == kOverflow);
  CHECK(ParseError("1E-130") == "ok");
  CHECK(ParseError("-1E-130") == "ok");
  CHECK(ParseError("0.1e-129") == "ok");
  CHECK(ParseError("0." + Zeros(129) + "1") == "ok");
  CHECK(ParseError("0." + Zeros(130) + "1") == kUnderflow);
  CHECK(ParseError("9.9E-131") == kUnderflow);
  CHECK(ParseError("-9.9E-131") == kUnderflow);
  CHECK(ParseError("1e-131") == kUnderflow);
  CHECK(ParseError("1.1e-130") == "ok");
  // An exponent in the text cancelled by the position of the point.
  CHECK(Canonical("1" + Zeros(200) + "e-200") == "1");
  CHECK(Canonical("0." + Zeros(200) + "1e201") == "1");
  CHECK(Canonical("1" + Zeros(300) + "e-299") == "10");
}

TEST_CASE("Number survives huge exponents in the text", "[unit]") {
  CHECK(ParseError("1e999999999999") == kOverflow);
  CHECK(ParseError("1e-999999999999") == kUnderflow);
  CHECK(ParseError("-1e999999999999") == kOverflow);
  CHECK(ParseError("1e2147483648") == kOverflow);
  CHECK(ParseError("1e-2147483649") == kUnderflow);
  CHECK(ParseError("1e9223372036854775808") == kOverflow);
  CHECK(ParseError("1e" + Nines(100)) == kOverflow);
  CHECK(ParseError("1e-" + Nines(100)) == kUnderflow);
  CHECK(ParseError("0e" + Nines(100)) == "ok");
  CHECK(ParseError("0e-" + Nines(100)) == "ok");
  CHECK(ParseError("1e" + Nines(100) + "x") == NotANumber("1e" + Nines(100) + "x"));
}

TEST_CASE("Number prints the extremes without an exponent", "[unit]") {
  CHECK(Canonical("1E+125") == "1" + Zeros(125));
  CHECK(Canonical("-1E+125") == "-1" + Zeros(125));
  CHECK(Canonical("1E-130") == "0." + Zeros(129) + "1");
  CHECK(Canonical("-1E-130") == "-0." + Zeros(129) + "1");
  CHECK(Canonical(kMax) == Nines(38) + Zeros(88));
  CHECK(Canonical("1.1e-130") == "0." + Zeros(129) + "11");
  CHECK(Canonical("9" + Nines(37) + "e-167") == "0." + Zeros(129) + Nines(38));
}

TEST_CASE("Number text round-trips", "[unit]") {
  std::mt19937 rng(20240611);
  for (int i = 0; i < 3000; ++i) {
    Number n = RandomNumber(&rng);
    std::string text = n.ToString();
    Number back = N(text);
    INFO(text);
    REQUIRE(back == n);
    REQUIRE(back.ToString() == text);
    REQUIRE(back.EncodeOrdered() == n.EncodeOrdered());
  }
}

TEST_CASE("Number compares numerically", "[unit]") {
  CHECK(N("1.0").Compare(N("1")) == 0);
  CHECK(N("100").Compare(N("1e2")) == 0);
  CHECK(N("-0").Compare(N("0")) == 0);
  CHECK(N("1").Compare(N("1.5")) == -1);
  CHECK(N("1.5").Compare(N("10")) == -1);
  CHECK(N("10").Compare(N("9.99")) == 1);
  CHECK(N("-10").Compare(N("-1.5")) == -1);
  CHECK(N("-1").Compare(N("0")) == -1);
  CHECK(N("0").Compare(N("1E-130")) == -1);
  CHECK(N("-1E-130").Compare(N("0")) == -1);
  CHECK(N("0.1").Compare(N("0.101")) == -1);
  CHECK(N("-0.1").Compare(N("-0.101")) == 1);
  CHECK(N(kMax).Compare(N("1e125")) == 1);
  CHECK(N("-" + kMax).Compare(N("-1e125")) == -1);
}

// Ascending numbers, many sharing digit prefixes across odd and even lengths.
const std::vector<std::string> kSorted = {
    "-" + kMax, "-1e125", "-100", "-12.1", "-12", "-11", "-10", "-9.99", "-2",
    "-1.5", "-1.21", "-1.2", "-1.01", "-1.001", "-1", "-0.999", "-0.101", "-0.1",
    "-0.0999", "-0.01", "-1.1e-130", "-1e-130", "0", "1e-130", "1.1e-130", "0.01",
    "0.0999", "0.1", "0.101", "0.999", "1", "1.001", "1.01", "1.2", "1.21", "1.5",
    "2", "9.99", "10", "11", "12", "12.1", "100", "1e125", kMax,
};

TEST_CASE("Number encoding sorts hand-picked numbers", "[unit]") {
  for (size_t i = 0; i < kSorted.size(); ++i) {
    for (size_t j = 0; j < kSorted.size(); ++j) {
      Number a = N(kSorted[i]);
      Number b = N(kSorted[j]);
      int expected = i < j ? -1 : (i > j ? 1 : 0);
      INFO(kSorted[i] << " vs " << kSorted[j]);
      REQUIRE(a.Compare(b) == expected);
      REQUIRE(BlobCompare(a.EncodeOrdered(), b.EncodeOrdered()) == expected);
    }
  }
}

TEST_CASE("Number encoding has the documented bytes", "[unit]") {
  CHECK(Number().EncodeOrdered() == Bytes({0x80}));
  CHECK(N("1").EncodeOrdered() == Bytes({0xC0, 130, 10}));
  CHECK(N("12").EncodeOrdered() == Bytes({0xC0, 131, 12}));
  CHECK(N("123").EncodeOrdered() == Bytes({0xC0, 132, 12, 30}));
  CHECK(N("0.05").EncodeOrdered() == Bytes({0xC0, 128, 50}));
  CHECK(N("-1").EncodeOrdered() == Bytes({0x40, 0xFF - 130, 0xFE - 10, 0xFF}));
  CHECK(N("-123").EncodeOrdered() == Bytes({0x40, 0xFF - 132, 0xFE - 12, 0xFE - 30, 0xFF}));
  CHECK(N("1e-130").EncodeOrdered() == Bytes({0xC0, 0x00, 10}));
  CHECK(N("-1e-130").EncodeOrdered() == Bytes({0x40, 0xFF, 0xFE - 10, 0xFF}));
  std::string max = Bytes({0xC0, 0xFF}) + std::string(19, static_cast<char>(99));
  CHECK(N(kMax).EncodeOrdered() == max);
  CHECK(N("-" + kMax).EncodeOrdered().size() == 22);
}

TEST_CASE("Number encoding order matches Compare on random numbers", "[unit]") {
  std::mt19937 rng(7);
  std::vector<Number> numbers;
  for (int i = 0; i < 4000; ++i) numbers.push_back(RandomNumber(&rng));
  for (const std::string& text : kSorted) numbers.push_back(N(text));
  std::sort(numbers.begin(), numbers.end());
  // Adjacent pairs in Compare order suffice: BLOB order is total.
  for (size_t i = 0; i + 1 < numbers.size(); ++i) {
    const int expected = numbers[i].Compare(numbers[i + 1]);
    const int got = BlobCompare(numbers[i].EncodeOrdered(), numbers[i + 1].EncodeOrdered());
    INFO(numbers[i].ToString() << " vs " << numbers[i + 1].ToString());
    REQUIRE(expected <= 0);
    REQUIRE(got == expected);
  }
  // And all pairs of a smaller set, directly.
  int mismatches = 0;
  for (size_t i = 0; i < 600; ++i) {
    for (size_t j = 0; j < 600; ++j) {
      const Number& a = numbers[i * 7 % numbers.size()];
      const Number& b = numbers[j * 5 % numbers.size()];
      if (BlobCompare(a.EncodeOrdered(), b.EncodeOrdered()) != a.Compare(b)) ++mismatches;
    }
  }
  CHECK(mismatches == 0);
}

TEST_CASE("Number Compare agrees with the sign of Subtract", "[unit]") {
  std::mt19937 rng(99);
  int checked = 0;
  for (int i = 0; i < 3000; ++i) {
    Number a = RandomNumber(&rng);
    Number b = RandomNumber(&rng);
    Result<Number> diff = a.Subtract(b);
    if (!diff.ok()) continue;  // needs more than 38 digits
    ++checked;
    const int sign = diff->is_zero() ? 0 : (diff->negative() ? -1 : 1);
    INFO(a.ToString() << " - " << b.ToString() << " = " << diff->ToString());
    REQUIRE(a.Compare(b) == sign);
  }
  CHECK(checked > 1000);
}

TEST_CASE("Number decodes what it encodes", "[unit]") {
  std::mt19937 rng(12345);
  std::vector<Number> numbers;
  for (int i = 0; i < 3000; ++i) numbers.push_back(RandomNumber(&rng));
  for (const std::string& text : kSorted) numbers.push_back(N(text));
  for (const Number& n : numbers) {
    const std::string bytes = n.EncodeOrdered();
    Result<Number> back = Number::DecodeOrdered(bytes);
    INFO(n.ToString());
    REQUIRE(back.ok());
    REQUIRE(*back == n);
    REQUIRE(back->ToString() == n.ToString());
    REQUIRE(back->negative() == n.negative());
    REQUIRE(back->EncodeOrdered() == bytes);
  }
}

TEST_CASE("Number decoding rejects non-canonical bytes", "[unit]") {
  const std::vector<std::string> bad = {
      "",
      Bytes({0x00}),
      Bytes({0x81}),
      Bytes({0x80, 0x00}),                          // zero with a tail
      Bytes({0xC0}),                                // no exponent
      Bytes({0xC0, 130}),                           // no digits
      Bytes({0xC0, 130, 100}),                      // pair above 99
      Bytes({0xC0, 130, 0xFF}),                     // pair above 99
      Bytes({0xC0, 130, 5}),                        // leading zero digit
      Bytes({0xC0, 130, 0}),                        // all zero
      Bytes({0xC0, 130, 10, 0}),                    // trailing zero pair
      Bytes({0xC0, 130, 10, 10, 0xFF}),             // terminator on a positive
      Bytes({0x41, 125, 244, 0xFF}),                // unknown sign
      Bytes({0xC1, 130, 10}),                       // unknown sign
      Bytes({0x00, 130, 10}),                       // unknown sign
      Bytes({0x40, 125, 244}),                      // negative, no terminator
      Bytes({0x40, 125, 0xFF}),                     // negative, no digits
      Bytes({0x40, 125, 0xFE - 100, 0xFF}),         // negative pair above 99
      Bytes({0x40, 125, 0xFE - 5, 0xFF}),           // negative leading zero
      Bytes({0x40, 125, 0xFE - 10, 0xFE, 0xFF}),    // negative trailing 00
      Bytes({0x40, 125, 0xFE - 10, 0xFF, 0xFF}),    // doubled terminator
      Bytes({0xC0, 130}) + std::string(20, static_cast<char>(11)),  // 40 digits
  };
  for (const std::string& bytes : bad) {
    INFO("case of " << bytes.size() << " bytes");
    Result<Number> r = Number::DecodeOrdered(bytes);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Status::Code::kCorruption);
  }
  CHECK(Number::DecodeOrdered(Bytes({0xC0, 130}) + std::string(19, static_cast<char>(11))).ok());
}

struct ArithmeticCase {
  std::string a, b, sum, difference;
};

TEST_CASE("Number adds and subtracts exactly", "[unit]") {
  const std::vector<ArithmeticCase> cases = {
      {"1", "1", "2", "0"},
      {"0", "0", "0", "0"},
      {"0", "5", "5", "-5"},
      {"5", "0", "5", "5"},
      {"0.1", "0.2", "0.3", "-0.1"},
      {"9.99", "0.01", "10", "9.98"},
      {"999", "1", "1000", "998"},
      {"0.999", "0.001", "1", "0.998"},
      {"-5", "3", "-2", "-8"},
      {"3", "-5", "-2", "8"},
      {"-3", "-5", "-8", "2"},
      {"1", "-1", "0", "2"},
      {"-1.5", "1.5", "0", "-3"},
      {"1", "0.0001", "1.0001", "0.9999"},
      {"1e125", "-1e125", "0", "2" + Zeros(125)},
      {"1e-130", "1e-130", "2e-130", "0"},
      {"2.1e-130", "-1e-130", "1.1e-130", "3.1e-130"},
      {Nines(38), "1", "1" + Zeros(38), Nines(37) + "8"},
      {"1" + Zeros(37), "1", "1" + Zeros(36) + "1", Nines(37)},
      {"0." + Nines(38), "0." + Zeros(37) + "1", "1", "0." + Nines(37) + "8"},
      {"12345678901234567890123456789012345678", "-12345678901234567890123456789012345677",
       "1", "24691357802469135780246913578024691355"},
  };
  for (const ArithmeticCase& c : cases) {
    INFO(c.a << " and " << c.b);
    Result<Number> sum = N(c.a).Add(N(c.b));
    REQUIRE(sum.ok());
    CHECK(*sum == N(c.sum));
    CHECK(sum->ToString() == N(c.sum).ToString());
    Result<Number> difference = N(c.a).Subtract(N(c.b));
    REQUIRE(difference.ok());
    CHECK(difference->ToString() == N(c.difference).ToString());
  }
}

TEST_CASE("Number cancellation gives a plain zero", "[unit]") {
  for (const char* text : {"1", "-1", "1e-130", "-9.99e125", "123.456"}) {
    Result<Number> zero = N(text).Subtract(N(text));
    REQUIRE(zero.ok());
    CHECK(zero->is_zero());
    CHECK_FALSE(zero->negative());
    CHECK(zero->ToString() == "0");
    CHECK(zero->EncodeOrdered() == Bytes({0x80}));
  }
}

TEST_CASE("Number arithmetic reports DynamoDB's errors", "[unit]") {
  auto add_error = [](const std::string& a, const std::string& b) {
    Result<Number> r = N(a).Add(N(b));
    return r.ok() ? std::string("ok") : r.status().message();
  };
  auto subtract_error = [](const std::string& a, const std::string& b) {
    Result<Number> r = N(a).Subtract(N(b));
    return r.ok() ? std::string("ok") : r.status().message();
  };
  CHECK(add_error(kMax, "1e88") == kOverflow);
  CHECK(add_error("-" + kMax, "-1e88") == kOverflow);
  CHECK(subtract_error("-" + kMax, "1e88") == kOverflow);
  CHECK(add_error("9e125", "1e125") == kOverflow);
  CHECK(add_error(kMax, "-1e88") == "ok");
  CHECK(add_error(kMax, "-" + kMax) == "ok");
  CHECK(subtract_error(kMax, "-" + kMax) == kOverflow);
  CHECK(subtract_error("1.1e-130", "1e-130") == kUnderflow);
  CHECK(add_error("-1.1e-130", "1e-130") == kUnderflow);
  CHECK(add_error(kMax, "1") == kOverflow);
  CHECK(add_error("1e37", "0.1") == kOverflow);
  CHECK(add_error("1e37", "1") == "ok");
  CHECK(add_error("12345678901234567890123456789012345678", "0.1") == kOverflow);
  CHECK(add_error("1e125", "1e-130") == kOverflow);
  CHECK(subtract_error("1", "1e-39") == kOverflow);
  CHECK(subtract_error("1", "1e-38") == "ok");  // 38 nines
  CHECK(subtract_error("1e-38", "1") == "ok");
}

TEST_CASE("Number arithmetic matches int64 arithmetic", "[unit]") {
  std::mt19937_64 rng(4242);
  std::uniform_int_distribution<int64_t> value(-100'000'000'000'000'000, 100'000'000'000'000'000);
  std::uniform_int_distribution<int> scale(0, 126);
  for (int i = 0; i < 3000; ++i) {
    const int64_t a = value(rng) >> (i % 60);
    const int64_t b = value(rng) >> (i * 7 % 60);
    const std::string e = "e-" + std::to_string(scale(rng) % (i % 3 == 0 ? 127 : 20));
    const Number na = N(std::to_string(a) + e);
    const Number nb = N(std::to_string(b) + e);
    INFO(a << e << " and " << b << e);
    Result<Number> sum = na.Add(nb);
    Result<Number> difference = na.Subtract(nb);
    Result<Number> want_sum = Number::Parse(std::to_string(a + b) + e);
    Result<Number> want_difference = Number::Parse(std::to_string(a - b) + e);
    REQUIRE(sum.ok() == want_sum.ok());
    REQUIRE(difference.ok() == want_difference.ok());
    if (sum.ok()) REQUIRE(sum->ToString() == want_sum->ToString());
    if (difference.ok()) REQUIRE(difference->ToString() == want_difference->ToString());
    if (sum.ok()) {
      Result<Number> back = sum->Subtract(nb);
      REQUIRE(back.ok());
      REQUIRE(*back == na);
    }
  }
}

TEST_CASE("Number approximate size counts digit pairs", "[unit]") {
  CHECK(Number().ApproximateSize() == 1);
  CHECK(N("-0").ApproximateSize() == 1);
  CHECK(N("1").ApproximateSize() == 2);
  CHECK(N("12").ApproximateSize() == 2);
  CHECK(N("123").ApproximateSize() == 3);
  CHECK(N("1234").ApproximateSize() == 3);
  CHECK(N("100").ApproximateSize() == 2);
  CHECK(N("-1.5").ApproximateSize() == 2);
  CHECK(N("1e125").ApproximateSize() == 2);
  CHECK(N("0.000012").ApproximateSize() == 2);
  CHECK(N(kMax).ApproximateSize() == 20);
  CHECK(N(Nines(37)).ApproximateSize() == 20);
}

}  // namespace
}  // namespace ddb
