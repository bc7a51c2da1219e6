// AttributeValue factories, equality and DynamoDB's item size rules.
//
// Thread safety: pure functions.
#include "api/attribute_value.h"

#include <algorithm>
#include <utility>

#include "base/check.h"
#include "base/number.h"

namespace ddb::api {
namespace {

// Per the developer guide ("Item sizes and formats"): a List or Map costs 3
// bytes regardless of its contents, plus 1 byte per element.
constexpr size_t kContainerOverheadBytes = 3;
constexpr size_t kElementOverheadBytes = 1;

AttributeValue MakeSet(AttrType type, std::vector<std::string> elements) {
  AttributeValue v;
  v.type = type;
  std::sort(elements.begin(), elements.end());
  v.set = std::move(elements);
  return v;
}

AttributeValue MakeScalar(AttrType type, std::string s) {
  AttributeValue v;
  v.type = type;
  v.scalar = std::move(s);
  return v;
}

// Set equality that holds even for hand-built, unsorted sets.
bool SameSet(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.size() != b.size()) return false;
  if (std::is_sorted(a.begin(), a.end()) && std::is_sorted(b.begin(), b.end())) return a == b;
  std::vector<std::string> sa = a, sb = b;
  std::sort(sa.begin(), sa.end());
  std::sort(sb.begin(), sb.end());
  return sa == sb;
}

size_t NumberSize(const std::string& canonical) {
  Result<Number> n = Number::Parse(canonical);
  CHECK(n.ok());  // the model holds only canonical numbers
  return n->ApproximateSize();
}

}  // namespace

const char* TypeName(AttrType type) {
  switch (type) {
    case AttrType::kS: return "S";
    case AttrType::kN: return "N";
    case AttrType::kB: return "B";
    case AttrType::kBool: return "BOOL";
    case AttrType::kNull: return "NULL";
    case AttrType::kM: return "M";
    case AttrType::kL: return "L";
    case AttrType::kSS: return "SS";
    case AttrType::kNS: return "NS";
    case AttrType::kBS: return "BS";
  }
  return "?";
}

AttributeValue AttributeValue::S(std::string s) { return MakeScalar(AttrType::kS, std::move(s)); }
AttributeValue AttributeValue::N(std::string canonical) {
  return MakeScalar(AttrType::kN, std::move(canonical));
}
AttributeValue AttributeValue::B(std::string bytes) { return MakeScalar(AttrType::kB, std::move(bytes)); }

AttributeValue AttributeValue::Bool(bool b) {
  AttributeValue v;
  v.type = AttrType::kBool;
  v.boolean = b;
  return v;
}

AttributeValue AttributeValue::Null() { return AttributeValue(); }

AttributeValue AttributeValue::M(std::map<std::string, AttributeValue> m) {
  AttributeValue v;
  v.type = AttrType::kM;
  v.map = std::move(m);
  return v;
}

AttributeValue AttributeValue::L(std::vector<AttributeValue> l) {
  AttributeValue v;
  v.type = AttrType::kL;
  v.list = std::move(l);
  return v;
}

AttributeValue AttributeValue::SS(std::vector<std::string> e) { return MakeSet(AttrType::kSS, std::move(e)); }
AttributeValue AttributeValue::NS(std::vector<std::string> e) { return MakeSet(AttrType::kNS, std::move(e)); }
AttributeValue AttributeValue::BS(std::vector<std::string> e) { return MakeSet(AttrType::kBS, std::move(e)); }

bool operator==(const AttributeValue& a, const AttributeValue& b) {
  if (a.type != b.type) return false;
  switch (a.type) {
    case AttrType::kS:
    case AttrType::kN:
    case AttrType::kB: return a.scalar == b.scalar;
    case AttrType::kBool: return a.boolean == b.boolean;
    case AttrType::kNull: return true;
    case AttrType::kM: return a.map == b.map;
    case AttrType::kL: return a.list == b.list;
    case AttrType::kSS:
    case AttrType::kNS:
    case AttrType::kBS: return SameSet(a.set, b.set);
  }
  return false;
}

size_t ValueSize(const AttributeValue& v) {
  size_t size = 0;
  switch (v.type) {
    case AttrType::kS:
    case AttrType::kB: return v.scalar.size();
    case AttrType::kN: return NumberSize(v.scalar);
    case AttrType::kBool:
    case AttrType::kNull: return 1;
    case AttrType::kSS:
    case AttrType::kBS:
      for (const std::string& e : v.set) size += e.size();
      return size;
    case AttrType::kNS:
      for (const std::string& e : v.set) size += NumberSize(e);
      return size;
    case AttrType::kL:
      size = kContainerOverheadBytes;
      for (const AttributeValue& e : v.list) size += kElementOverheadBytes + ValueSize(e);
      return size;
    case AttrType::kM:
      size = kContainerOverheadBytes;
      for (const auto& [name, e] : v.map) size += kElementOverheadBytes + name.size() + ValueSize(e);
      return size;
  }
  return size;
}

size_t ItemSize(const Item& item) {
  size_t size = 0;
  for (const auto& [name, value] : item) size += name.size() + ValueSize(value);
  return size;
}

namespace {
// `v` sits at `level` (a top-level attribute's value is level 1).
bool DeeperThanAllowed(const AttributeValue& v, int level) {
  if (v.type == AttrType::kM) {
    if (!v.map.empty() && level >= kMaxNestingLevels) return true;
    for (const auto& [name, child] : v.map) {
      if (DeeperThanAllowed(child, level + 1)) return true;
    }
  } else if (v.type == AttrType::kL) {
    if (!v.list.empty() && level >= kMaxNestingLevels) return true;
    for (const AttributeValue& child : v.list) {
      if (DeeperThanAllowed(child, level + 1)) return true;
    }
  }
  return false;
}
}  // namespace

bool NestedTooDeep(const Item& item) {
  for (const auto& [name, v] : item) {
    if (DeeperThanAllowed(v, 1)) return true;
  }
  return false;
}

}  // namespace ddb::api
