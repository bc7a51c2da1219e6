// Tests of api/item_json.h (DynamoDB's JSON form of AttributeValue and Item,
// with its validation messages), api/base64.h and ItemSize.
#include "api/attribute_value.h"
#include "api/base64.h"
#include "api/item_json.h"
#include "api/json.h"
#include "base/number.h"

// After the project headers: Catch2's CHECK replaces base/check.h's from here on.
#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

namespace {

using ddb::Number;
using ddb::Result;
using ddb::api::ApiResult;
using ddb::api::AttributeValue;
using ddb::api::AttrType;
using ddb::api::Item;

rapidjson::Document Json(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str(), text.size());
  REQUIRE_FALSE(d.HasParseError());
  return d;
}

std::string ToJson(const AttributeValue& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  ddb::api::WriteAttributeValue(v, w);
  return std::string(buf.GetString(), buf.GetSize());
}

std::string ToJson(const Item& item) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  ddb::api::WriteItem(item, w);
  return std::string(buf.GetString(), buf.GetSize());
}

ApiResult<AttributeValue> ParseValue(const std::string& text) {
  rapidjson::Document d = Json(text);
  return ddb::api::ParseAttributeValue(d);
}

ApiResult<Item> ParseItemText(const std::string& text) {
  rapidjson::Document d = Json(text);
  return ddb::api::ParseItem(d);
}

// JSON -> model -> JSON.
std::string RoundTrip(const std::string& text) {
  ApiResult<AttributeValue> v = ParseValue(text);
  if (!v.ok()) return "error: " + v.error().type + ": " + v.error().message;
  return ToJson(*v);
}

std::string NumberError(const std::string& text) {
  Result<Number> n = Number::Parse(text);
  REQUIRE_FALSE(n.ok());
  return n.status().message();
}

// A leaf wrapped in `wraps` maps (or lists): the leaf sits at level wraps + 1.
std::string Nested(int wraps, const std::string& leaf, bool lists = false) {
  std::string s = leaf;
  for (int i = 0; i < wraps; ++i) s = lists ? "{\"L\":[" + s + "]}" : "{\"M\":{\"n\":" + s + "}}";
  return s;
}

constexpr char kTooDeep[] =
    "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels "
    "beyond supported limit";

}  // namespace

namespace Catch {
template <>
struct StringMaker<AttributeValue> {
  static std::string convert(const AttributeValue& v) { return ToJson(v); }
};
}  // namespace Catch

TEST_CASE("every type round-trips JSON -> model -> JSON", "[unit]") {
  const char* const kCases[] = {
      R"({"S":"x"})",
      R"({"S":""})",
      "{\"S\":\"h\xc3\xa9llo \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80\"}",
      R"({"N":"1.5"})",
      R"({"N":"-0.000123"})",
      R"({"N":"0"})",
      R"({"B":"AAEC"})",
      R"({"B":""})",
      R"({"B":"/w=="})",
      R"({"BOOL":true})",
      R"({"BOOL":false})",
      R"({"NULL":true})",
      R"({"M":{"a":{"S":"b"},"c":{"L":[{"N":"1"},{"NULL":true}]}}})",
      R"({"M":{}})",
      R"({"L":[{"N":"1"},{"S":"x"},{"M":{"k":{"BOOL":false}}},{"L":[]}]})",
      R"({"L":[]})",
      R"({"SS":["","a","b"]})",
      R"({"NS":["-1","2.5","30"]})",
      R"({"BS":["","AA==","AQ=="]})",
  };
  for (const char* json : kCases) {
    INFO(json);
    CHECK(RoundTrip(json) == json);
  }
}

TEST_CASE("escaped characters are written as UTF-8", "[unit]") {
  CHECK(RoundTrip(R"({"S":"h\u00e9llo \u65e5\u672c \ud83d\ude00"})") ==
        "{\"S\":\"h\xc3\xa9llo \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80\"}");
}

TEST_CASE("embedded NUL characters survive", "[unit]") {
  ApiResult<AttributeValue> v = ParseValue(R"({"S":"a\u0000b"})");
  REQUIRE(v.ok());
  CHECK(v->scalar == std::string("a\0b", 3));
  CHECK(ToJson(*v) == R"({"S":"a\u0000b"})");
}

TEST_CASE("values are normalized", "[unit]") {
  CHECK(RoundTrip(R"({"N":"01.50"})") == R"({"N":"1.5"})");
  CHECK(RoundTrip(R"({"N":"1e2"})") == R"({"N":"100"})");
  CHECK(RoundTrip(R"({"N":"-0"})") == R"({"N":"0"})");
  CHECK(RoundTrip(R"({"NS":["3","1","2"]})") == R"({"NS":["1","2","3"]})");
  CHECK(RoundTrip(R"({"SS":["b","a"]})") == R"({"SS":["a","b"]})");
  // DynamoDB reads these strings as booleans.
  CHECK(RoundTrip(R"({"BOOL":"true"})") == R"({"BOOL":true})");
  CHECK(RoundTrip(R"({"BOOL":"No"})") == R"({"BOOL":false})");
  CHECK(RoundTrip(R"({"NULL":"YES"})") == R"({"NULL":true})");
}

TEST_CASE("unknown keys and JSON nulls are ignored", "[unit]") {
  CHECK(RoundTrip(R"({"S":"a","X":5})") == R"({"S":"a"})");
  CHECK(RoundTrip(R"({"S":"a","N":null})") == R"({"S":"a"})");
  CHECK(RoundTrip(R"({"s":5,"S":"a"})") == R"({"S":"a"})");
}

TEST_CASE("a repeated type key keeps its last value", "[unit]") {
  CHECK(RoundTrip(R"({"S":"a","S":"b"})") == R"({"S":"b"})");
}

TEST_CASE("items round-trip and sort their names", "[unit]") {
  ApiResult<Item> item = ParseItemText(R"({"b":{"N":"2"},"a":{"S":"x"},"c":{"SS":["z"]}})");
  REQUIRE(item.ok());
  CHECK(ToJson(*item) == R"({"a":{"S":"x"},"b":{"N":"2"},"c":{"SS":["z"]}})");
  CHECK((*item)["b"] == AttributeValue::N("2"));
}

TEST_CASE("an item name given twice keeps the last value", "[unit]") {
  ApiResult<Item> item = ParseItemText(R"({"a":{"S":"x"},"a":{"S":"y"}})");
  REQUIRE(item.ok());
  CHECK(ToJson(*item) == R"({"a":{"S":"y"}})");
}

TEST_CASE("a JSON null item is empty", "[unit]") {
  ApiResult<Item> item = ParseItemText("null");
  REQUIRE(item.ok());
  CHECK(item->empty());
}

TEST_CASE("equality: sets as sets, numbers by value", "[unit]") {
  CHECK(*ParseValue(R"({"NS":["1","2"]})") == *ParseValue(R"({"NS":["2.0","1"]})"));
  CHECK(*ParseValue(R"({"N":"1e1"})") == *ParseValue(R"({"N":"10"})"));
  CHECK(*ParseValue(R"({"SS":["a","b"]})") != *ParseValue(R"({"SS":["a"]})"));
  CHECK(*ParseValue(R"({"SS":["a"]})") != *ParseValue(R"({"BS":["YQ=="]})"));
  CHECK(*ParseValue(R"({"L":[{"S":"a"},{"S":"b"}]})") != *ParseValue(R"({"L":[{"S":"b"},{"S":"a"}]})"));
  // Hand-built, unsorted sets compare as sets too.
  AttributeValue a;
  a.type = AttrType::kSS;
  a.set = {"b", "a"};
  CHECK(a == AttributeValue::SS({"a", "b"}));
}

// --- Errors: each with DynamoDB's exact type and message -------------------------

struct ErrorCase {
  const char* json;
  const char* type;
  std::string message;
};

void CheckErrors(const std::vector<ErrorCase>& cases) {
  for (const ErrorCase& c : cases) {
    INFO(c.json);
    ApiResult<AttributeValue> v = ParseValue(c.json);
    REQUIRE_FALSE(v.ok());
    CHECK(v.error().type == c.type);
    CHECK(v.error().message == c.message);
    CHECK(v.error().http_status == 400);
  }
}

constexpr char kValidation[] = "ValidationException";
constexpr char kSerialization[] = "SerializationException";

TEST_CASE("validation errors", "[unit]") {
  const std::string empty =
      "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes";
  const std::string multiple =
      "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the "
      "supported datatypes";
  const std::string invalid = "One or more parameter values were invalid: ";
  CheckErrors({
      {R"({})", kValidation, empty},
      {R"({"X":"1"})", kValidation, empty},
      {R"({"S":null})", kValidation, empty},
      {R"(null)", kValidation, empty},
      {R"({"S":"a","N":"1"})", kValidation, multiple},
      {R"({"S":"a","BOOL":true,"L":[]})", kValidation, multiple},
      {R"({"NULL":false})", kValidation, invalid + "Null attribute value types must have the value of true"},
      {R"({"NULL":"no"})", kValidation, invalid + "Null attribute value types must have the value of true"},
      {R"({"SS":[]})", kValidation, invalid + "An string set  may not be empty"},
      {R"({"NS":[]})", kValidation, invalid + "An number set  may not be empty"},
      {R"({"BS":[]})", kValidation, invalid + "Binary sets should not be empty"},
      {R"({"SS":["a","a"]})", kValidation, invalid + "Input collection [a, a] contains duplicates."},
      {R"({"SS":["b","a","b"]})", kValidation, invalid + "Input collection [b, a, b] contains duplicates."},
      {R"({"NS":["1","1"]})", kValidation, "Input collection contains duplicates"},
      {R"({"NS":["1","1.0","1e0"]})", kValidation, "Input collection contains duplicates"},
      {R"({"BS":["Yg==","Yg=="]})", kValidation,
       invalid + "Input collection [Yg==, Yg==]of type BS contains duplicates."},
      {R"({"N":"abc"})", kValidation, NumberError("abc")},
      {R"({"N":""})", kValidation, NumberError("")},
      {R"({"N":"1e200"})", kValidation, NumberError("1e200")},
      {R"({"N":"1e-200"})", kValidation, NumberError("1e-200")},
      {R"({"N":"123456789012345678901234567890123456789"})", kValidation,
       "Attempting to store more than 38 significant digits in a Number"},
      {R"({"NS":["1","x","y"]})", kValidation, NumberError("x")},
      {R"({"M":{"a":{}}})", kValidation, empty},
      {R"({"L":[{"S":"a"},{}]})", kValidation, empty},
      {R"({"L":[null]})", kValidation, empty},
      {R"({"M":{"a":{"SS":[]}}})", kValidation, invalid + "An string set  may not be empty"},
      // Unconfirmed wordings (see item_json.cc).
      {R"({"SS":["a",null]})", kValidation, invalid + "String sets may not contain null values"},
      {R"({"BS":[null]})", kValidation, invalid + "Binary sets may not contain null or empty values"},
      {R"({"NS":[null]})", kValidation, NumberError("")},
  });
}

TEST_CASE("each member is validated before 'more than one datatypes'", "[unit]") {
  CheckErrors({
      {R"({"S":"a","N":"b"})", kValidation, NumberError("b")},
      {R"({"S":"a","NULL":false})", kValidation,
       "One or more parameter values were invalid: Null attribute value types must have the value of true"},
      {R"({"SS":[],"NS":[]})", kValidation, "One or more parameter values were invalid: An string set  may not be empty"},
  });
}

TEST_CASE("serialization errors", "[unit]") {
  const std::string start = "Start of structure or map found where not expected";
  const std::string map_collection =
      "Unrecognized collection type java.util.Map<java.lang.String, "
      "com.amazonaws.dynamodb.v20120810.AttributeValue>";
  const std::string value_collection =
      "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue";
  const std::string not_base64 = "only base-64-encoded strings are convertible to bytes";
  CheckErrors({
      {R"({"S":5})", kSerialization, "NUMBER_VALUE cannot be converted to String"},
      {R"({"S":-2147483648})", kSerialization, "NUMBER_VALUE cannot be converted to String"},
      {R"({"S":2147483648})", kSerialization, "NUMBER_VALUE cannot be converted to String"},
      {R"({"S":34.56})", kSerialization, "DECIMAL_VALUE cannot be converted to String"},
      {R"({"S":true})", kSerialization, "TRUE_VALUE cannot be converted to String"},
      {R"({"S":false})", kSerialization, "FALSE_VALUE cannot be converted to String"},
      {R"({"S":[]})", kSerialization, "Unrecognized collection type class java.lang.String"},
      {R"({"S":{}})", kSerialization, start},
      {R"({"N":23})", kSerialization, "NUMBER_VALUE cannot be converted to String"},
      {R"({"BOOL":23})", kSerialization, "NUMBER_VALUE cannot be converted to Boolean"},
      {R"({"BOOL":34.56})", kSerialization, "DECIMAL_VALUE cannot be converted to Boolean"},
      {R"({"BOOL":"23"})", kSerialization, "Unexpected token received from parser"},
      {R"({"NULL":[]})", kSerialization, "Unrecognized collection type class java.lang.Boolean"},
      {R"({"NULL":{}})", kSerialization, start},
      {R"({"B":true})", kSerialization, not_base64},
      {R"({"B":23})", kSerialization, not_base64},
      {R"({"B":34.56})", kSerialization, not_base64},
      {R"({"B":[]})", kSerialization, "Unrecognized collection type class java.nio.ByteBuffer"},
      {R"({"B":{}})", kSerialization, start},
      {R"({"B":"23456"})", kSerialization, "Base64 encoded length is expected a multiple of 4 bytes but found: 5"},
      {R"({"B":"=+/="})", kSerialization, "Invalid last non-pad Base64 character dectected"},
      {R"({"B":"+/+="})", kSerialization, "Invalid last non-pad Base64 character dectected"},
      {R"({"B":"YWJj??!!"})", kSerialization, "Invalid Base64 character: '?'"},
      {R"({"BS":["YQ==","23456"]})", kSerialization,
       "Base64 encoded length is expected a multiple of 4 bytes but found: 5"},
      {R"({"SS":"a"})", kSerialization, "Unexpected field type"},
      {R"({"NS":true})", kSerialization, "Unexpected field type"},
      {R"({"BS":23})", kSerialization, "Unexpected field type"},
      {R"({"SS":{}})", kSerialization, start},
      {R"({"SS":[1]})", kSerialization, "NUMBER_VALUE cannot be converted to String"},
      {R"({"BS":[true]})", kSerialization, not_base64},
      {R"({"L":"x"})", kSerialization, "Unexpected field type"},
      {R"({"L":{}})", kSerialization, start},
      {R"({"L":[5]})", kSerialization, "Unexpected value type in payload"},
      {R"({"L":[[]]})", kSerialization, value_collection},
      {R"({"M":"x"})", kSerialization, "Unexpected field type"},
      {R"({"M":[]})", kSerialization, map_collection},
      {R"({"M":{"a":"x"}})", kSerialization, "Unexpected value type in payload"},
      {R"({"M":{"a":{"L":[{"S":1}]}}})", kSerialization, "NUMBER_VALUE cannot be converted to String"},
      {R"(5)", kSerialization, "Unexpected value type in payload"},
      {R"("x")", kSerialization, "Unexpected value type in payload"},
      {R"([])", kSerialization, value_collection},
  });
}

TEST_CASE("a serialization error anywhere beats a validation error before it", "[unit]") {
  ApiResult<Item> item = ParseItemText(R"({"a":{"NULL":false},"b":{"S":"x","N":"y"},"c":{"S":5}})");
  REQUIRE_FALSE(item.ok());
  CHECK(item.error().type == kSerialization);
  CHECK(item.error().message == "NUMBER_VALUE cannot be converted to String");
}

TEST_CASE("item shape errors", "[unit]") {
  struct Case {
    const char* json;
    const char* type;
    const char* message;
  };
  const Case kCases[] = {
      {"[]", kSerialization,
       "Unrecognized collection type java.util.Map<java.lang.String, "
       "com.amazonaws.dynamodb.v20120810.AttributeValue>"},
      {"5", kSerialization, "Unexpected field type"},
      {R"("a")", kSerialization, "Unexpected field type"},
      {R"({"a":5})", kSerialization, "Unexpected value type in payload"},
      {R"({"a":[]})", kSerialization,
       "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue"},
      {R"({"a":null})", kValidation,
       "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"},
      {R"({"a":{"S":"x"},"b":{"NULL":false}})", kValidation,
       "One or more parameter values were invalid: Null attribute value types must have the value of true"},
  };
  for (const Case& c : kCases) {
    INFO(c.json);
    ApiResult<Item> item = ParseItemText(c.json);
    REQUIRE_FALSE(item.ok());
    CHECK(item.error().type == c.type);
    CHECK(item.error().message == c.message);
  }
}

TEST_CASE("nesting depth limit is 32 levels", "[unit]") {
  const std::string leaf = R"({"S":"leaf"})";
  for (bool lists : {false, true}) {
    INFO("lists: " << lists);
    // 31 wraps: the leaf is at level 32, the deepest DynamoDB accepts.
    CHECK(ParseValue(Nested(31, leaf, lists)).ok());
    ApiResult<Item> item = ParseItemText(R"({"d":)" + Nested(31, leaf, lists) + "}");
    CHECK(item.ok());
    // 32 wraps: the leaf is at level 33.
    ApiResult<AttributeValue> v = ParseValue(Nested(32, leaf, lists));
    REQUIRE_FALSE(v.ok());
    CHECK(v.error().type == kValidation);
    CHECK(v.error().message == kTooDeep);
    item = ParseItemText(R"({"d":)" + Nested(32, leaf, lists) + "}");
    REQUIRE_FALSE(item.ok());
    CHECK(item.error().message == kTooDeep);
    // An empty container may sit at level 32.
    CHECK(ParseValue(Nested(31, lists ? R"({"L":[]})" : R"({"M":{}})", lists)).ok());
  }
  // Mixed maps and lists.
  std::string mixed = leaf;
  for (int i = 0; i < 32; ++i) mixed = i % 2 ? "{\"L\":[" + mixed + "]}" : "{\"M\":{\"k\":" + mixed + "}}";
  CHECK(ParseValue(mixed).error().message == kTooDeep);
}

TEST_CASE("far too deep values fail cleanly", "[unit]") {
  // Deeper than the limit, with a type error below it: reported as too deep.
  CHECK(ParseValue(Nested(40, R"({"S":5})")).error().message == kTooDeep);
  std::string deep = Nested(5000, R"({"S":"x"})", true);
  rapidjson::Document d;
  d.Parse<rapidjson::kParseIterativeFlag>(deep.c_str());
  REQUIRE_FALSE(d.HasParseError());
  ApiResult<AttributeValue> v = ddb::api::ParseAttributeValue(d);
  REQUIRE_FALSE(v.ok());
  CHECK(v.error().message == kTooDeep);
}

TEST_CASE("WriteItem writes DynamoDB's wire JSON", "[unit]") {
  Item item;
  item["b"] = AttributeValue::B(std::string("\x00\x01\xff", 3));
  item["bs"] = AttributeValue::BS({"b", "a"});
  item["l"] = AttributeValue::L({AttributeValue::Null(), AttributeValue::Bool(true)});
  item["m"] = AttributeValue::M({{"n", AttributeValue::N("-1.5")}});
  item["s"] = AttributeValue::S("\"q\"");
  CHECK(ToJson(item) ==
        R"({"b":{"B":"AAH/"},"bs":{"BS":["YQ==","Yg=="]},"l":{"L":[{"NULL":true},{"BOOL":true}]},)"
        R"("m":{"M":{"n":{"N":"-1.5"}}},"s":{"S":"\"q\""}})");
}

// --- base64 -----------------------------------------------------------------------

TEST_CASE("base64 known vectors (RFC 4648)", "[unit]") {
  const std::pair<const char*, const char*> kVectors[] = {
      {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : kVectors) {
    CHECK(ddb::api::Base64Encode(plain) == encoded);
    Result<std::string> decoded = ddb::api::Base64Decode(encoded);
    REQUIRE(decoded.ok());
    CHECK(*decoded == plain);
  }
}

TEST_CASE("base64 round-trips every length", "[unit]") {
  std::mt19937 rng(20240601);
  for (size_t len = 0; len < 200; ++len) {
    std::string bytes(len, '\0');
    for (char& c : bytes) c = static_cast<char>(rng() & 0xff);
    std::string encoded = ddb::api::Base64Encode(bytes);
    CHECK(encoded.size() == (len + 2) / 3 * 4);
    Result<std::string> decoded = ddb::api::Base64Decode(encoded);
    REQUIRE(decoded.ok());
    CHECK(*decoded == bytes);
  }
}

TEST_CASE("base64 decoding is strict", "[unit]") {
  const std::pair<std::string, std::string> kBad[] = {
      {"Zg=", "Base64 encoded length is expected a multiple of 4 bytes but found: 3"},
      {"Zh==", "Invalid last non-pad Base64 character dectected"},  // low 4 bits set
      {"Zm9=", "Invalid last non-pad Base64 character dectected"},  // low 2 bits set
      {"Zm 9", "Invalid Base64 character: ' '"},
      {"Z=g=", "Invalid Base64 character: '='"},
      {"====", "Invalid Base64 character: '='"},
      {"Zg===Zg=", "Invalid Base64 character: '='"},
      {std::string("\xff") + "dog", "Invalid Base64 character: '\\xFF'"},
      {"Zm9v\n", "Base64 encoded length is expected a multiple of 4 bytes but found: 5"},
  };
  for (const auto& [text, message] : kBad) {
    INFO(text);
    Result<std::string> r = ddb::api::Base64Decode(text);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message() == message);
  }
  // Every accepted text is the encoding of its bytes.
  std::mt19937 rng(7);
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
  for (int i = 0; i < 20000; ++i) {
    std::string text(4 * (1 + rng() % 3), 'A');
    for (char& c : text) c = alphabet[rng() % alphabet.size()];
    Result<std::string> r = ddb::api::Base64Decode(text);
    if (r.ok()) CHECK(ddb::api::Base64Encode(*r) == text);
  }
}

// --- Item size (developer guide, "DynamoDB item sizes and formats") -------------

size_t SizeOf(const std::string& item_json) {
  ApiResult<Item> item = ParseItemText(item_json);
  REQUIRE(item.ok());
  return ddb::api::ItemSize(*item);
}

size_t NumberSize(const char* text) { return Number::Parse(text)->ApproximateSize(); }

TEST_CASE("item size follows the developer guide", "[unit]") {
  // Strings: name bytes + UTF-8 bytes.
  CHECK(SizeOf(R"({"id":{"S":"abc"}})") == 2 + 3);
  CHECK(SizeOf(R"({"\u00e9":{"S":"\u65e5\u672c"}})") == 2 + 6);
  CHECK(SizeOf(R"({"e":{"S":""}})") == 1);
  // Numbers: name bytes + Number::ApproximateSize (1 byte per two significant digits + 1).
  CHECK(SizeOf(R"({"n":{"N":"12345"}})") == 1 + NumberSize("12345"));
  CHECK(SizeOf(R"({"n":{"N":"000120.00"}})") == 1 + NumberSize("120"));
  // Binary: name bytes + raw bytes, not the base64 text.
  CHECK(SizeOf(R"({"b":{"B":"AAECAw=="}})") == 1 + 4);
  // Null and Boolean: name bytes + 1.
  CHECK(SizeOf(R"({"flag":{"BOOL":true}})") == 4 + 1);
  CHECK(SizeOf(R"({"none":{"NULL":true}})") == 4 + 1);
  // Sets: the sum of their elements.
  CHECK(SizeOf(R"({"ss":{"SS":["a","bc"]}})") == 2 + 3);
  CHECK(SizeOf(R"({"bs":{"BS":["AA==","AAE="]}})") == 2 + 3);
  CHECK(SizeOf(R"({"ns":{"NS":["1","22"]}})") == 2 + NumberSize("1") + NumberSize("22"));
  // An empty List or Map: name bytes + 3.
  CHECK(SizeOf(R"({"l":{"L":[]}})") == 1 + 3);
  CHECK(SizeOf(R"({"m":{"M":{}}})") == 1 + 3);
  // List or Map: name bytes + 3 + per element (1 + its size, with a Map's names).
  CHECK(SizeOf(R"({"l":{"L":[{"S":"xy"},{"NULL":true}]}})") == 1 + 3 + (1 + 2) + (1 + 1));
  CHECK(SizeOf(R"({"m":{"M":{"k":{"S":"v"},"kk":{"L":[]}}}})") == 1 + 3 + (1 + 1 + 1) + (1 + 2 + 3));
  // A whole item is the sum of its attributes.
  CHECK(SizeOf(R"({"id":{"S":"abc"},"flag":{"BOOL":true},"l":{"L":[{"S":"xy"}]}})") ==
        (2 + 3) + (4 + 1) + (1 + 3 + 1 + 2));
  CHECK(SizeOf("{}") == 0);
}

TEST_CASE("ParseBody refuses nesting past its bound before parsing, and parses up to it", "[unit]") {
  // The parser recurses; MaxDepth's bound is what keeps a hostile body of
  // brackets from exhausting a worker's stack.
  for (size_t depth : {size_t{129}, size_t{200000}}) {
    std::string body = "{\"a\":" + std::string(depth - 1, '[') + std::string(depth - 1, ']') + "}";
    rapidjson::Document d;
    auto parsed = ddb::api::ParseBody(body, &d);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().type == kSerialization);
    CHECK(parsed.error().message == "Nesting depth of the request exceeds the supported limit");
  }
  std::string deepest = "{\"a\":" + std::string(127, '[') + std::string(127, ']') + "}";
  rapidjson::Document d;
  CHECK(ddb::api::ParseBody(deepest, &d).ok());
  // Brackets inside strings do not count.
  std::string quoted = "{\"a\":\"" + std::string(1000, '[') + "\"}";
  CHECK(ddb::api::ParseBody(quoted, &d).ok());
  std::string truncated = "{\"a\":[[1,2]";
  auto bad = ddb::api::ParseBody(truncated, &d);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().type == kSerialization);
}

TEST_CASE("ParseBody refuses strings that are not UTF-8", "[unit]") {
  rapidjson::Document d;
  // A stray byte, a truncated sequence, an encoded surrogate, an overlong form.
  for (std::string bytes : {"a\xffb", "\xc3", "\xed\xa0\x80", "\xc0\xaf"}) {
    for (std::string body : {"{\"TableName\":\"" + bytes + "\"}", "{\"" + bytes + "\":1}"}) {
      auto parsed = ddb::api::ParseBody(body, &d);
      REQUIRE_FALSE(parsed.ok());
      CHECK(parsed.error().type == kSerialization);
      CHECK(parsed.error().message.empty());
    }
  }
  CHECK(ddb::api::ParseBody("{\"s\":\"h\xc3\xa9llo \xf0\x9f\x98\x80\"}", &d).ok());
}
