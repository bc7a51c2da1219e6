// Reading and writing DynamoDB's JSON form of AttributeValue and Item.
//
// Reading is two passes over the rapidjson tree (see item_json.h): Deserialize*
// finds JSON type mismatches (SerializationException), Build* validates and
// builds the model (ValidationException). Both recurse at most
// kMaxNestingLevels deep: pass 1 does not look below the deepest level pass 2
// accepts, so a too-deep value is reported as such, never overflows the stack.
//
// Messages are DynamoDB's, as asserted by dynalite's test suite (run against
// DynamoDB), nubo-db/dynamodb-conformance and dynoxide (captured from AWS in
// 2026). Not confirmed against DynamoDB, chosen by analogy: the wording for a
// JSON null inside SS or BS (marked below) and for a base64 character outside
// the alphabet (DynamoDB's older wording, see base64.h); a JSON null as a whole
// AttributeValue or list element reading as an empty one; a repeated key
// keeping its last value.
//
// Thread safety: pure functions.
#include "api/item_json.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/base64.h"
#include "api/json.h"
#include "base/number.h"

namespace ddb::api {
namespace {

using MaybeError = std::optional<Error>;
using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// --- DynamoDB's messages -------------------------------------------------------
constexpr char kEmptyValue[] =
    "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes";
constexpr char kMultipleTypes[] =
    "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the "
    "supported datatypes";
constexpr char kInvalidPrefix[] = "One or more parameter values were invalid: ";
constexpr char kNullNotTrue[] = "Null attribute value types must have the value of true";
constexpr char kEmptyStringSet[] = "An string set  may not be empty";  // sic: two spaces
constexpr char kEmptyNumberSet[] = "An number set  may not be empty";  // sic
constexpr char kEmptyBinarySet[] = "Binary sets should not be empty";
constexpr char kNumberSetDuplicates[] = "Input collection contains duplicates";  // sic: no prefix
constexpr char kNullInStringSet[] = "String sets may not contain null values";           // unconfirmed
constexpr char kNullInBinarySet[] = "Binary sets may not contain null or empty values";  // pre-2020 wording
constexpr const char* kTooDeep = kNestedTooDeep;

// Serialization messages (Coral's JSON deserializer).
constexpr char kStartOfStructure[] = "Start of structure or map found where not expected";
constexpr char kUnexpectedField[] = "Unexpected field type";
constexpr char kUnexpectedValue[] = "Unexpected value type in payload";
constexpr char kUnexpectedToken[] = "Unexpected token received from parser";
constexpr char kNotBase64String[] = "only base-64-encoded strings are convertible to bytes";
constexpr char kCollectionForValue[] =
    "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue";
constexpr char kCollectionForMap[] =
    "Unrecognized collection type java.util.Map<java.lang.String, "
    "com.amazonaws.dynamodb.v20120810.AttributeValue>";

Error Invalid(std::string_view m) { return Error::Validation(kInvalidPrefix + std::string(m)); }

// --- JSON helpers ---------------------------------------------------------------
std::string_view StringOf(const rapidjson::Value& v) { return {v.GetString(), v.GetStringLength()}; }


// DynamoDB reads "true"/"1"/"yes" and "false"/"0"/"no" (any case) as booleans.
std::optional<bool> BooleanOf(const rapidjson::Value& v) {
  if (v.IsBool()) return v.GetBool();
  if (!v.IsString()) return std::nullopt;
  std::string s(StringOf(v));
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  if (s == "true" || s == "1" || s == "yes") return true;
  if (s == "false" || s == "0" || s == "no") return false;
  return std::nullopt;
}

// The ten types in AttrType order.
constexpr AttrType kAllTypes[] = {AttrType::kS,  AttrType::kN, AttrType::kB,  AttrType::kBool, AttrType::kNull,
                                  AttrType::kM,  AttrType::kL, AttrType::kSS, AttrType::kNS,   AttrType::kBS};

// The type of a type key; nullopt for any other key.
std::optional<AttrType> TypeOfKey(std::string_view key) {
  for (AttrType t : kAllTypes) {
    if (key == TypeName(t)) return t;
  }
  return std::nullopt;
}

// The type members of an AttributeValue object in document order, skipping
// unknown keys and JSON nulls; a repeated key keeps its first place and its
// last value. At most one per type, so a fixed array holds them: this runs
// twice for every attribute value of every request, and a vector was two
// heap allocations per attribute (a BatchWriteItem of 25 four-attribute
// items made 200 of them).
struct TypedMember {
  AttrType type;
  const rapidjson::Value* value;
};
struct TypedMemberList {
  std::array<TypedMember, std::size(kAllTypes)> at;
  size_t size = 0;
  const TypedMember* begin() const { return at.data(); }
  const TypedMember* end() const { return at.data() + size; }
  bool empty() const { return size == 0; }
};
TypedMemberList TypedMembers(const rapidjson::Value& object) {
  TypedMemberList out;
  for (auto m = object.MemberBegin(); m != object.MemberEnd(); ++m) {
    std::optional<AttrType> t = TypeOfKey(StringOf(m->name));
    if (!t || m->value.IsNull()) continue;
    auto same = std::find_if(out.at.begin(), out.at.begin() + out.size,
                             [&](const TypedMember& e) { return e.type == *t; });
    if (same != out.at.begin() + out.size) {
      same->value = &m->value;
    } else {
      out.at[out.size++] = {*t, &m->value};
    }
  }
  return out;
}

// --- Pass 1: deserialization (SerializationException) ---------------------------
MaybeError DeserializeValue(const rapidjson::Value& v, int level);

MaybeError DeserializeString(const rapidjson::Value& v) {
  if (v.IsString() || v.IsNull()) return std::nullopt;
  if (v.IsObject()) return Error::Serialization(kStartOfStructure);
  if (v.IsArray()) return Error::Serialization("Unrecognized collection type class java.lang.String");
  return Error::Serialization(JsonKind(v) + " cannot be converted to String");
}

MaybeError DeserializeBoolean(const rapidjson::Value& v) {
  if (v.IsBool() || v.IsNull()) return std::nullopt;
  if (v.IsObject()) return Error::Serialization(kStartOfStructure);
  if (v.IsArray()) return Error::Serialization("Unrecognized collection type class java.lang.Boolean");
  if (v.IsString()) {
    if (BooleanOf(v)) return std::nullopt;
    return Error::Serialization(kUnexpectedToken);
  }
  return Error::Serialization(JsonKind(v) + " cannot be converted to Boolean");
}

MaybeError DeserializeBlob(const rapidjson::Value& v) {
  if (v.IsNull()) return std::nullopt;
  if (v.IsObject()) return Error::Serialization(kStartOfStructure);
  if (v.IsArray()) return Error::Serialization("Unrecognized collection type class java.nio.ByteBuffer");
  if (!v.IsString()) return Error::Serialization(kNotBase64String);
  Result<std::string> bytes = Base64Decode(StringOf(v));
  if (!bytes.ok()) return Error::Serialization(bytes.status().message());
  return std::nullopt;
}

// A JSON array whose elements `each` checks.
template <typename Fn>
MaybeError DeserializeList(const rapidjson::Value& v, Fn each) {
  if (v.IsObject()) return Error::Serialization(kStartOfStructure);
  if (!v.IsArray()) return Error::Serialization(kUnexpectedField);
  for (const rapidjson::Value& e : v.GetArray()) {
    if (MaybeError err = each(e)) return err;
  }
  return std::nullopt;
}

// The object of an M, or of a whole item: names to AttributeValues at `level`.
MaybeError DeserializeMap(const rapidjson::Value& v, int level) {
  if (v.IsArray()) return Error::Serialization(kCollectionForMap);
  if (!v.IsObject()) return Error::Serialization(kUnexpectedField);
  for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
    if (MaybeError err = DeserializeValue(m->value, level)) return err;
  }
  return std::nullopt;
}

MaybeError DeserializeMember(AttrType type, const rapidjson::Value& v, int level) {
  // Pass 2 rejects anything below the deepest level before looking at it.
  bool children_too_deep = level + 1 > kMaxNestingLevels;
  switch (type) {
    case AttrType::kS:
    case AttrType::kN: return DeserializeString(v);
    case AttrType::kB: return DeserializeBlob(v);
    case AttrType::kBool:
    case AttrType::kNull: return DeserializeBoolean(v);
    case AttrType::kSS:
    case AttrType::kNS: return DeserializeList(v, DeserializeString);
    case AttrType::kBS: return DeserializeList(v, DeserializeBlob);
    case AttrType::kL:
      return DeserializeList(v, [&](const rapidjson::Value& e) -> MaybeError {
        return children_too_deep ? std::nullopt : DeserializeValue(e, level + 1);
      });
    case AttrType::kM:
      if (children_too_deep && v.IsObject()) return std::nullopt;
      return DeserializeMap(v, level + 1);
  }
  return std::nullopt;
}

MaybeError DeserializeValue(const rapidjson::Value& v, int level) {
  if (v.IsNull()) return std::nullopt;  // validated as empty in pass 2
  if (v.IsArray()) return Error::Serialization(kCollectionForValue);
  if (!v.IsObject()) return Error::Serialization(kUnexpectedValue);
  for (const TypedMember& m : TypedMembers(v)) {
    if (MaybeError err = DeserializeMember(m.type, *m.value, level)) return err;
  }
  return std::nullopt;
}

// --- Pass 2: validation and building (ValidationException) ----------------------
ApiResult<AttributeValue> BuildValue(const rapidjson::Value& v, int level);

std::string Joined(const rapidjson::Value& array) {
  std::string out = "[";
  for (const rapidjson::Value& e : array.GetArray()) {
    if (out.size() > 1) out += ", ";
    out += e.IsString() ? std::string(StringOf(e)) : "null";
  }
  return out + "]";
}

// True when the sorted `elements` hold two equal neighbours.
bool HasDuplicates(const std::vector<std::string>& sorted) {
  return std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end();
}

ApiResult<AttributeValue> BuildStringSet(const rapidjson::Value& v) {
  if (v.Empty()) return Invalid(kEmptyStringSet);
  std::vector<std::string> elements;
  for (const rapidjson::Value& e : v.GetArray()) {
    if (e.IsNull()) return Invalid(kNullInStringSet);
    elements.emplace_back(StringOf(e));
  }
  AttributeValue set = AttributeValue::SS(std::move(elements));
  if (HasDuplicates(set.set)) return Invalid("Input collection " + Joined(v) + " contains duplicates.");
  return set;
}

ApiResult<AttributeValue> BuildNumberSet(const rapidjson::Value& v) {
  if (v.Empty()) return Invalid(kEmptyNumberSet);
  std::vector<std::string> elements;
  for (const rapidjson::Value& e : v.GetArray()) {
    Result<Number> n = Number::Parse(e.IsString() ? StringOf(e) : std::string_view());
    if (!n.ok()) return Error::Validation(n.status().message());
    elements.push_back(n->ToString());
  }
  AttributeValue set = AttributeValue::NS(std::move(elements));
  if (HasDuplicates(set.set)) return Error::Validation(kNumberSetDuplicates);
  return set;
}

ApiResult<AttributeValue> BuildBinarySet(const rapidjson::Value& v) {
  if (v.Empty()) return Invalid(kEmptyBinarySet);
  std::vector<std::string> elements;
  for (const rapidjson::Value& e : v.GetArray()) {
    if (e.IsNull()) return Invalid(kNullInBinarySet);
    elements.push_back(Base64Decode(StringOf(e)).take());  // pass 1 checked it
  }
  AttributeValue set = AttributeValue::BS(std::move(elements));
  if (HasDuplicates(set.set)) {
    return Invalid("Input collection " + Joined(v) + "of type BS contains duplicates.");  // sic
  }
  return set;
}

ApiResult<AttributeValue> BuildList(const rapidjson::Value& v, int level) {
  if (!v.Empty() && level + 1 > kMaxNestingLevels) return Error::Validation(kTooDeep);
  std::vector<AttributeValue> elements;
  elements.reserve(v.Size());
  for (const rapidjson::Value& e : v.GetArray()) {
    ApiResult<AttributeValue> element = BuildValue(e, level + 1);
    if (!element.ok()) return element;
    elements.push_back(std::move(*element));
  }
  return AttributeValue::L(std::move(elements));
}

// An M's object, or a whole item's, whose values sit at `level`.
ApiResult<Item> BuildMap(const rapidjson::Value& v, int level) {
  Item out;
  for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
    ApiResult<AttributeValue> value = BuildValue(m->value, level);
    if (!value.ok()) return value.error();
    out[std::string(StringOf(m->name))] = std::move(*value);
  }
  return out;
}

ApiResult<AttributeValue> BuildNested(const rapidjson::Value& v, int level) {
  if (v.MemberCount() > 0 && level + 1 > kMaxNestingLevels) return Error::Validation(kTooDeep);
  ApiResult<Item> map = BuildMap(v, level + 1);
  if (!map.ok()) return map.error();
  return AttributeValue::M(std::move(*map));
}

ApiResult<AttributeValue> BuildMember(AttrType type, const rapidjson::Value& v, int level) {
  switch (type) {
    case AttrType::kS: return AttributeValue::S(std::string(StringOf(v)));
    case AttrType::kN: {
      Result<Number> n = Number::Parse(StringOf(v));
      if (!n.ok()) return Error::Validation(n.status().message());
      return AttributeValue::N(n->ToString());
    }
    case AttrType::kB: return AttributeValue::B(Base64Decode(StringOf(v)).take());
    case AttrType::kBool: return AttributeValue::Bool(*BooleanOf(v));
    case AttrType::kNull:
      if (!*BooleanOf(v)) return Invalid(kNullNotTrue);
      return AttributeValue::Null();
    case AttrType::kSS: return BuildStringSet(v);
    case AttrType::kNS: return BuildNumberSet(v);
    case AttrType::kBS: return BuildBinarySet(v);
    case AttrType::kL: return BuildList(v, level);
    case AttrType::kM: return BuildNested(v, level);
  }
  return Error::Validation(kEmptyValue);
}

// Every member is validated, in document order, before "more than one
// datatypes" is reported: {"S":"a","N":"x"} is a number error.
ApiResult<AttributeValue> BuildValue(const rapidjson::Value& v, int level) {
  if (!v.IsObject()) return Error::Validation(kEmptyValue);  // JSON null
  const TypedMemberList members = TypedMembers(v);
  if (members.empty()) return Error::Validation(kEmptyValue);
  std::optional<AttributeValue> built;
  for (const TypedMember& m : members) {
    ApiResult<AttributeValue> value = BuildMember(m.type, *m.value, level);
    if (!value.ok()) return value;
    built = std::move(*value);
  }
  if (members.size > 1) return Error::Validation(kMultipleTypes);
  return std::move(*built);
}

// --- Writing --------------------------------------------------------------------
void WriteString(std::string_view s, JsonWriter& w) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void WriteSet(const AttributeValue& v, JsonWriter& w) {
  w.StartArray();
  for (const std::string& e : v.set) {
    if (v.type == AttrType::kBS) {
      WriteString(Base64Encode(e), w);
    } else {
      WriteString(e, w);
    }
  }
  w.EndArray();
}

}  // namespace

ApiResult<AttributeValue> ParseAttributeValue(const rapidjson::Value& v) {
  if (MaybeError err = DeserializeValue(v, 1)) return *err;
  return BuildValue(v, 1);
}

ApiResult<Item> ParseItem(const rapidjson::Value& v) {
  if (v.IsNull()) return Item();
  if (MaybeError err = DeserializeMap(v, 1)) return *err;
  return BuildMap(v, 1);
}

void WriteAttributeValue(const AttributeValue& v, JsonWriter& w) {
  w.StartObject();
  w.Key(TypeName(v.type));
  switch (v.type) {
    case AttrType::kS:
    case AttrType::kN: WriteString(v.scalar, w); break;
    case AttrType::kB: WriteString(Base64Encode(v.scalar), w); break;
    case AttrType::kBool: w.Bool(v.boolean); break;
    case AttrType::kNull: w.Bool(true); break;
    case AttrType::kM: WriteItem(v.map, w); break;
    case AttrType::kL:
      w.StartArray();
      for (const AttributeValue& e : v.list) WriteAttributeValue(e, w);
      w.EndArray();
      break;
    case AttrType::kSS:
    case AttrType::kNS:
    case AttrType::kBS: WriteSet(v, w); break;
  }
  w.EndObject();
}

void WriteItem(const Item& item, JsonWriter& w) {
  w.StartObject();
  for (const auto& [name, value] : item) {
    w.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
    WriteAttributeValue(value, w);
  }
  w.EndObject();
}

}  // namespace ddb::api
