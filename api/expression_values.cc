// Value semantics the expressions share: ordering of scalars, size(),
// contains(), begins_with(), and the printed forms of values in trees and
// messages.
//
// DynamoDB orders S by UTF-8 bytes and B by unsigned bytes; N numerically.
// Not confirmed: size() of a string counts UTF-8 bytes (DynamoDB documents
// only "the length of the string"); MessageValue prints B as base64.
//
// Thread safety: pure functions.
#include <algorithm>
#include <string>

#include "api/base64.h"
#include "api/expression_internal.h"
#include "api/item_json.h"
#include "base/check.h"
#include "base/number.h"

namespace ddb::api::expr {
namespace {

Number ToNumber(const std::string& canonical) {
  Result<Number> n = Number::Parse(canonical);
  CHECK(n.ok());  // the model holds only canonical numbers
  return n.take();
}

int Sign(int c) { return c < 0 ? -1 : c > 0 ? 1 : 0; }

AttrType ElementType(AttrType set_type) {
  if (set_type == AttrType::kSS) return AttrType::kS;
  if (set_type == AttrType::kNS) return AttrType::kN;
  return AttrType::kB;
}

}  // namespace

bool IsScalarType(AttrType t) { return t == AttrType::kS || t == AttrType::kN || t == AttrType::kB; }

int CompareScalars(const AttributeValue& a, const AttributeValue& b) {
  CHECK(a.type == b.type && IsScalarType(a.type));
  if (a.type == AttrType::kN) return ToNumber(a.scalar).Compare(ToNumber(b.scalar));
  return Sign(a.scalar.compare(b.scalar));  // std::string compares as unsigned char
}

std::optional<uint64_t> SizeOf(const AttributeValue& v) {
  switch (v.type) {
    case AttrType::kS:
    case AttrType::kB: return v.scalar.size();
    case AttrType::kSS:
    case AttrType::kNS:
    case AttrType::kBS: return v.set.size();
    case AttrType::kL: return v.list.size();
    case AttrType::kM: return v.map.size();
    default: return std::nullopt;
  }
}

AttributeValue NumberValue(uint64_t n) { return AttributeValue::N(std::to_string(n)); }

bool ValueContains(const AttributeValue& haystack, const AttributeValue& needle) {
  switch (haystack.type) {
    case AttrType::kS:
    case AttrType::kB:
      return needle.type == haystack.type && haystack.scalar.find(needle.scalar) != std::string::npos;
    case AttrType::kSS:
    case AttrType::kNS:
    case AttrType::kBS:
      return needle.type == ElementType(haystack.type) &&
             std::find(haystack.set.begin(), haystack.set.end(), needle.scalar) != haystack.set.end();
    case AttrType::kL:
      return std::find(haystack.list.begin(), haystack.list.end(), needle) != haystack.list.end();
    default: return false;
  }
}

bool ValueBeginsWith(const AttributeValue& v, const AttributeValue& prefix) {
  if (v.type != prefix.type || (v.type != AttrType::kS && v.type != AttrType::kB)) return false;
  return v.scalar.compare(0, prefix.scalar.size(), prefix.scalar) == 0;
}

std::string ValueJson(const AttributeValue& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  WriteAttributeValue(v, writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string MessageValue(const AttributeValue& v) {
  std::string shown = v.type == AttrType::kB ? Base64Encode(v.scalar) : v.scalar;
  return std::string("{") + TypeName(v.type) + ":" + shown + "}";
}

const char* LongTypeName(AttrType t) {
  switch (t) {
    case AttrType::kS: return "STRING";
    case AttrType::kN: return "NUMBER";
    case AttrType::kB: return "BINARY";
    case AttrType::kBool: return "BOOLEAN";
    case AttrType::kNull: return "NULL";
    case AttrType::kL: return "LIST";
    case AttrType::kM: return "MAP";
    default: return TypeName(t);
  }
}

}  // namespace ddb::api::expr
