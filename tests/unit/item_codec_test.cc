// Tests of api/item_codec.h: round trips of items of every type, a single
// encoding per item, and clean Corruption (no crash, no out-of-bounds read) on
// truncated, mutated and random bytes.
#include "api/attribute_value.h"
#include "api/item_codec.h"

// After the project headers: Catch2's CHECK replaces base/check.h's from here on.
#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

namespace {

using ddb::Result;
using ddb::api::AttributeValue;
using ddb::api::AttrType;
using ddb::api::DecodeItem;
using ddb::api::EncodeItem;
using ddb::api::Item;

// An item holding every type, nested in maps and lists.
Item EveryType() {
  Item leaves;
  leaves["s"] = AttributeValue::S("h\xc3\xa9llo");
  leaves["s_empty"] = AttributeValue::S("");
  leaves["n"] = AttributeValue::N("-12.5");
  leaves["n_zero"] = AttributeValue::N("0");
  leaves["b"] = AttributeValue::B(std::string("\x00\xff\x01", 3));
  leaves["b_empty"] = AttributeValue::B("");
  leaves["t"] = AttributeValue::Bool(true);
  leaves["f"] = AttributeValue::Bool(false);
  leaves["null"] = AttributeValue::Null();
  leaves["ss"] = AttributeValue::SS({"z", "", "a"});
  leaves["ns"] = AttributeValue::NS({"3", "-1", "0.5"});
  leaves["bs"] = AttributeValue::BS({std::string("\x00", 1), "\xff", "x"});
  leaves["m_empty"] = AttributeValue::M({});
  leaves["l_empty"] = AttributeValue::L({});
  Item item = leaves;
  item["m"] = AttributeValue::M(leaves);
  std::vector<AttributeValue> list;
  for (const auto& [name, value] : leaves) list.push_back(value);
  list.push_back(AttributeValue::M(leaves));
  item["l"] = AttributeValue::L(list);
  item[std::string("\x00name", 5)] = AttributeValue::S("binary name");
  return item;
}

// A leaf at level wraps + 1.
AttributeValue Deep(int wraps) {
  AttributeValue v = AttributeValue::S("leaf");
  for (int i = 0; i < wraps; ++i) {
    v = i % 2 ? AttributeValue::L({v}) : AttributeValue::M({{"k", v}});
  }
  return v;
}

void CheckRoundTrip(const Item& item) {
  std::string bytes = EncodeItem(item);
  Result<Item> decoded = DecodeItem(bytes);
  REQUIRE(decoded.ok());
  CHECK(*decoded == item);
  CHECK(EncodeItem(*decoded) == bytes);
}

// Decoding must fail cleanly, or succeed only on a canonical encoding.
void CheckDecodeIsSafe(const std::string& bytes) {
  Result<Item> r = DecodeItem(bytes);
  if (r.ok()) {
    CHECK(EncodeItem(*r) == bytes);
  } else {
    CHECK(r.status().code() == ddb::Status::Code::kCorruption);
  }
}

std::string Hex(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

}  // namespace

TEST_CASE("items of every type round-trip", "[unit]") {
  CheckRoundTrip(Item());
  CheckRoundTrip(EveryType());
  Item one;
  one["a"] = AttributeValue::S(std::string(100000, 'x'));  // multi-byte length varint
  CheckRoundTrip(one);
  Item deep;
  deep["d"] = Deep(31);
  CheckRoundTrip(deep);
}

TEST_CASE("the empty item's encoding", "[unit]") {
  CHECK(EncodeItem(Item()) == Hex({0x01, 0x00}));
  Item item;
  item["a"] = AttributeValue::S("b");
  CHECK(EncodeItem(item) == Hex({0x01, 0x01, 0x01, 'a', 0x00, 0x01, 'b'}));
}

TEST_CASE("equal items encode to equal bytes", "[unit]") {
  Item a, b;
  a["s"] = AttributeValue::SS({"x", "y", "z"});
  AttributeValue unsorted;  // hand-built, not through the factory
  unsorted.type = AttrType::kSS;
  unsorted.set = {"z", "x", "y"};
  b["s"] = unsorted;
  CHECK(a == b);
  CHECK(EncodeItem(a) == EncodeItem(b));
}

TEST_CASE("every prefix of a valid encoding is Corruption", "[unit]") {
  std::string bytes = EncodeItem(EveryType());
  for (size_t len = 0; len < bytes.size(); ++len) {
    Result<Item> r = DecodeItem(std::string_view(bytes.data(), len));
    INFO("prefix length " << len);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == ddb::Status::Code::kCorruption);
  }
}

TEST_CASE("trailing bytes are Corruption", "[unit]") {
  std::string bytes = EncodeItem(EveryType()) + '\0';
  CHECK_FALSE(DecodeItem(bytes).ok());
}

TEST_CASE("malformed encodings are Corruption", "[unit]") {
  const std::pair<const char*, std::string> kCases[] = {
      {"unknown version", Hex({0x02, 0x00})},
      {"unknown type", Hex({0x01, 0x01, 0x01, 'a', 0x0a})},
      {"bad boolean", Hex({0x01, 0x01, 0x01, 'a', 0x03, 0x02})},
      {"names out of order", Hex({0x01, 0x02, 0x01, 'b', 0x04, 0x01, 'a', 0x04})},
      {"duplicate names", Hex({0x01, 0x02, 0x01, 'a', 0x04, 0x01, 'a', 0x04})},
      {"empty set", Hex({0x01, 0x01, 0x01, 'a', 0x07, 0x00})},
      {"unsorted set", Hex({0x01, 0x01, 0x01, 'a', 0x07, 0x02, 0x01, 'b', 0x01, 'a'})},
      {"duplicate set element", Hex({0x01, 0x01, 0x01, 'a', 0x09, 0x02, 0x01, 'x', 0x01, 'x'})},
      {"non-canonical number", Hex({0x01, 0x01, 0x01, 'a', 0x01, 0x02, '0', '1'})},
      {"number with exponent", Hex({0x01, 0x01, 0x01, 'a', 0x01, 0x03, '1', 'e', '2'})},
      {"not a number", Hex({0x01, 0x01, 0x01, 'a', 0x01, 0x01, 'x'})},
      {"non-canonical number in set", Hex({0x01, 0x01, 0x01, 'a', 0x08, 0x01, 0x02, '0', '1'})},
      {"non-minimal varint", Hex({0x01, 0x81, 0x00})},
      {"varint over 64 bits", Hex({0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02})},
      {"count beyond the input", Hex({0x01, 0x7f})},
      {"length beyond the input", Hex({0x01, 0x01, 0x05, 'a'})},
      {"huge count", Hex({0x01, 0xff, 0xff, 0xff, 0xff, 0x0f})},
  };
  for (const auto& [what, bytes] : kCases) {
    INFO(what);
    Result<Item> r = DecodeItem(bytes);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == ddb::Status::Code::kCorruption);
  }
}

TEST_CASE("nesting beyond the decoder's bound is Corruption", "[unit]") {
  // Build the encoding of a list nested far deeper than any valid item.
  std::string value = Hex({0x04});  // NULL
  for (int i = 0; i < 10000; ++i) value = Hex({0x06, 0x01}) + value;  // L of one element
  std::string bytes = Hex({0x01, 0x01, 0x01, 'a'}) + value;
  Result<Item> r = DecodeItem(bytes);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == ddb::Status::Code::kCorruption);
  // Up to the bound it decodes.
  Item ok;
  ok["a"] = Deep(ddb::api::kMaxDecodeLevels - 1);
  CheckRoundTrip(ok);
  Item too_deep;
  too_deep["a"] = Deep(ddb::api::kMaxDecodeLevels);
  CHECK_FALSE(DecodeItem(EncodeItem(too_deep)).ok());
}

TEST_CASE("random bytes decode safely", "[unit]") {
  std::mt19937 rng(12345);
  for (int i = 0; i < 5000; ++i) {
    std::string bytes(rng() % 64, '\0');
    for (char& c : bytes) c = static_cast<char>(rng() & 0xff);
    if (!bytes.empty() && i % 2 == 0) bytes[0] = 0x01;  // get past the version byte
    CheckDecodeIsSafe(bytes);
  }
}

TEST_CASE("mutated encodings decode safely", "[unit]") {
  std::mt19937 rng(54321);
  const std::string valid = EncodeItem(EveryType());
  for (int i = 0; i < 5000; ++i) {
    std::string bytes = valid;
    int flips = 1 + static_cast<int>(rng() % 3);
    for (int f = 0; f < flips; ++f) bytes[rng() % bytes.size()] = static_cast<char>(rng() & 0xff);
    if (i % 4 == 0) bytes.resize(rng() % bytes.size());
    CheckDecodeIsSafe(bytes);
  }
}
