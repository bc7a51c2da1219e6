// AttributeValue: DynamoDB's data model — one typed value (S, N, B, BOOL,
// NULL, M, L, SS, NS, BS) — and Item, a map of attribute names to values;
// with DynamoDB's item size rules.
//
// This is the model only: api/item_json.h reads and writes DynamoDB's JSON
// form with DynamoDB's validation, api/item_codec.h the binary form the
// cluster stores. A value built by those is valid: N holds Number's canonical
// text, sets are non-empty and sorted without duplicates, M and L nest at most
// kMaxNestingLevels deep. Code that builds values by hand should use the
// factories, which keep sets sorted.
//
// Thread safety: plain values; copy freely between threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ddb::api {

// Do not reorder: stored on disk (api/item_codec.h writes the numbers).
enum class AttrType : uint8_t { kS = 0, kN, kB, kBool, kNull, kM, kL, kSS, kNS, kBS };

// "S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS".
const char* TypeName(AttrType type);

// DynamoDB accepts documents nested 32 levels deep, counting a top-level
// attribute's value as level 1: a leaf wrapped in 31 maps or lists is the
// deepest accepted value.
inline constexpr int kMaxNestingLevels = 32;

// One DynamoDB value. Only the fields of `type` are meaningful; the others
// stay empty. A plain struct: moving is cheap, copying copies the tree.
struct AttributeValue {
  AttrType type = AttrType::kNull;
  bool boolean = false;      // BOOL
  std::string scalar;        // S (UTF-8), N (canonical text), B (raw bytes)
  std::vector<std::string> set;           // SS, NS (canonical), BS (raw bytes); sorted by bytes, unique
  std::vector<AttributeValue> list;       // L
  std::map<std::string, AttributeValue> map;  // M

  static AttributeValue S(std::string s);
  // `canonical` must be Number::ToString's text (ParseAttributeValue ensures it).
  static AttributeValue N(std::string canonical);
  static AttributeValue B(std::string bytes);
  static AttributeValue Bool(bool b);
  static AttributeValue Null();
  static AttributeValue M(std::map<std::string, AttributeValue> m);
  static AttributeValue L(std::vector<AttributeValue> l);
  // The set factories sort their elements; the caller guarantees uniqueness.
  static AttributeValue SS(std::vector<std::string> elements);
  static AttributeValue NS(std::vector<std::string> canonical_elements);
  static AttributeValue BS(std::vector<std::string> elements);

  bool is_set() const { return type == AttrType::kSS || type == AttrType::kNS || type == AttrType::kBS; }
};

// Sets compare as sets (order does not matter); N compares by value, which for
// canonical text is string equality.
bool operator==(const AttributeValue& a, const AttributeValue& b);
inline bool operator!=(const AttributeValue& a, const AttributeValue& b) { return !(a == b); }

using Item = std::map<std::string, AttributeValue>;

// Bytes a value counts for in DynamoDB's item size, without its attribute
// name: S is its UTF-8 bytes, B its raw bytes, N Number::ApproximateSize,
// BOOL and NULL 1, a set the sum of its elements, M and L 3 bytes plus, per
// element, 1 byte + (for M) the name's bytes + the element's size.
size_t ValueSize(const AttributeValue& v);

// DynamoDB's item size: for each attribute, its name's UTF-8 bytes plus
// ValueSize. Compared against the 400 KB item limit and used for capacity units.
size_t ItemSize(const Item& item);

// True when some value of `item` lies deeper than kMaxNestingLevels (a
// non-empty M or L at the deepest level): what an UpdateExpression can make
// of valid parts, by setting a deep value at a deep path.
bool NestedTooDeep(const Item& item);
// DynamoDB's message for such an item, from PutItem and UpdateItem alike.
inline constexpr char kNestedTooDeep[] =
    "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels "
    "beyond supported limit";

}  // namespace ddb::api
