// Encoding and decoding of the stored binary form of an Item; the grammar is
// in item_codec.h.
//
// Thread safety: pure functions.
#include "api/item_codec.h"

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "base/number.h"
#include "base/varint.h"

namespace ddb::api {
namespace {

constexpr int kMaxVarintBytes = 10;
constexpr uint8_t kLastType = static_cast<uint8_t>(AttrType::kBS);

// --- Encoding -------------------------------------------------------------------
void PutValue(std::string* out, const AttributeValue& v);

void PutMap(std::string* out, const std::map<std::string, AttributeValue>& m) {
  PutVarint(out, m.size());
  for (const auto& [name, value] : m) {
    PutBytes(out, name);
    PutValue(out, value);
  }
}

void PutSet(std::string* out, const std::vector<std::string>& set) {
  const std::vector<std::string>* sorted = &set;
  std::vector<std::string> copy;
  if (!std::is_sorted(set.begin(), set.end())) {  // a hand-built value
    copy = set;
    std::sort(copy.begin(), copy.end());
    sorted = &copy;
  }
  PutVarint(out, sorted->size());
  for (const std::string& e : *sorted) PutBytes(out, e);
}

void PutValue(std::string* out, const AttributeValue& v) {
  out->push_back(static_cast<char>(v.type));
  switch (v.type) {
    case AttrType::kS:
    case AttrType::kN:
    case AttrType::kB: PutBytes(out, v.scalar); break;
    case AttrType::kBool: out->push_back(v.boolean ? 1 : 0); break;
    case AttrType::kNull: break;
    case AttrType::kM: PutMap(out, v.map); break;
    case AttrType::kL:
      PutVarint(out, v.list.size());
      for (const AttributeValue& e : v.list) PutValue(out, e);
      break;
    case AttrType::kSS:
    case AttrType::kNS:
    case AttrType::kBS: PutSet(out, v.set); break;
  }
}

// --- Decoding -------------------------------------------------------------------
Status Corrupt(const std::string& why) { return Status::Corruption("item encoding: " + why); }

// Reads from the front of `in_`, never past its end.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool empty() const { return in_.empty(); }

  Status Byte(uint8_t* b) {
    if (in_.empty()) return Corrupt("truncated");
    *b = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return Status::Ok();
  }

  Status Varint(uint64_t* v) {
    *v = 0;
    for (int i = 0; i < kMaxVarintBytes; ++i) {
      uint8_t b = 0;
      RETURN_IF_ERROR(Byte(&b));
      // The tenth byte holds bit 63 only.
      if (i == kMaxVarintBytes - 1 && b > 1) return Corrupt("varint overflows 64 bits");
      *v |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
      if ((b & 0x80) != 0) continue;
      if (b == 0 && i > 0) return Corrupt("varint not minimal");
      return Status::Ok();
    }
    return Corrupt("varint too long");
  }

  // A count of elements that each take at least one byte, so it cannot exceed
  // what is left; this keeps garbage from reserving huge vectors.
  Status Count(uint64_t* n) {
    RETURN_IF_ERROR(Varint(n));
    if (*n > in_.size()) return Corrupt("count larger than the input");
    return Status::Ok();
  }

  Status Bytes(std::string* out) {
    uint64_t n = 0;
    RETURN_IF_ERROR(Varint(&n));
    if (n > in_.size()) return Corrupt("truncated");
    out->assign(in_.data(), static_cast<size_t>(n));
    in_.remove_prefix(static_cast<size_t>(n));
    return Status::Ok();
  }

 private:
  std::string_view in_;
};

Status GetValue(Reader* r, int level, AttributeValue* v);

// Names (of an item or an M) strictly ascending, values at `level`.
Status GetMap(Reader* r, int level, std::map<std::string, AttributeValue>* m) {
  uint64_t n = 0;
  RETURN_IF_ERROR(r->Count(&n));
  if (n > 0 && level > kMaxDecodeLevels) return Corrupt("nested too deep");
  for (uint64_t i = 0; i < n; ++i) {
    std::string name;
    RETURN_IF_ERROR(r->Bytes(&name));
    if (!m->empty() && !(m->rbegin()->first < name)) return Corrupt("names out of order");
    AttributeValue value;
    RETURN_IF_ERROR(GetValue(r, level, &value));
    m->emplace_hint(m->end(), std::move(name), std::move(value));
  }
  return Status::Ok();
}

Status GetList(Reader* r, int level, std::vector<AttributeValue>* list) {
  uint64_t n = 0;
  RETURN_IF_ERROR(r->Count(&n));
  if (n > 0 && level > kMaxDecodeLevels) return Corrupt("nested too deep");
  list->resize(static_cast<size_t>(n));
  for (AttributeValue& e : *list) RETURN_IF_ERROR(GetValue(r, level, &e));
  return Status::Ok();
}

Status CheckCanonicalNumber(const std::string& text) {
  Result<Number> n = Number::Parse(text);
  if (!n.ok() || n->ToString() != text) return Corrupt("not a canonical number");
  return Status::Ok();
}

Status GetSet(Reader* r, AttrType type, std::vector<std::string>* set) {
  uint64_t n = 0;
  RETURN_IF_ERROR(r->Count(&n));
  if (n == 0) return Corrupt("empty set");
  set->resize(static_cast<size_t>(n));
  for (size_t i = 0; i < set->size(); ++i) {
    RETURN_IF_ERROR(r->Bytes(&(*set)[i]));
    if (i > 0 && !((*set)[i - 1] < (*set)[i])) return Corrupt("set elements out of order");
    if (type == AttrType::kNS) RETURN_IF_ERROR(CheckCanonicalNumber((*set)[i]));
  }
  return Status::Ok();
}

Status GetBool(Reader* r, bool* b) {
  uint8_t byte = 0;
  RETURN_IF_ERROR(r->Byte(&byte));
  if (byte > 1) return Corrupt("bad boolean");
  *b = byte == 1;
  return Status::Ok();
}

// A value at `level` (a top-level attribute's is 1).
Status GetValue(Reader* r, int level, AttributeValue* v) {
  uint8_t type = 0;
  RETURN_IF_ERROR(r->Byte(&type));
  if (type > kLastType) return Corrupt("unknown type " + std::to_string(type));
  v->type = static_cast<AttrType>(type);
  switch (v->type) {
    case AttrType::kS:
    case AttrType::kB: return r->Bytes(&v->scalar);
    case AttrType::kN:
      RETURN_IF_ERROR(r->Bytes(&v->scalar));
      return CheckCanonicalNumber(v->scalar);
    case AttrType::kBool: return GetBool(r, &v->boolean);
    case AttrType::kNull: return Status::Ok();
    case AttrType::kM: return GetMap(r, level + 1, &v->map);
    case AttrType::kL: return GetList(r, level + 1, &v->list);
    case AttrType::kSS:
    case AttrType::kNS:
    case AttrType::kBS: return GetSet(r, v->type, &v->set);
  }
  return Corrupt("unknown type");
}

}  // namespace

std::string EncodeItem(const Item& item) {
  std::string out;
  out.push_back(static_cast<char>(kItemEncodingVersion));
  PutMap(&out, item);
  return out;
}

Result<Item> DecodeItem(std::string_view bytes) {
  Reader r(bytes);
  uint8_t version = 0;
  RETURN_IF_ERROR(r.Byte(&version));
  if (version != kItemEncodingVersion) return Corrupt("unknown version " + std::to_string(version));
  Item item;
  RETURN_IF_ERROR(GetMap(&r, 1, &item));
  if (!r.empty()) return Corrupt("trailing bytes");
  return item;
}

}  // namespace ddb::api
