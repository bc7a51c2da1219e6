// TableSchema: its stored form, key extraction with DynamoDB's messages, and
// the key encoding (S and B as their bytes, N as Number::EncodeOrdered, so
// that memcmp order is DynamoDB's order).
#include "api/table_schema.h"

#include "api/json.h"
#include "base/number.h"

namespace ddb::api {

namespace {
constexpr size_t kMaxHashKeyBytes = 2048;
constexpr size_t kMaxRangeKeyBytes = 1024;

AttrType TypeFromName(const std::string& t) {
  return t == "N" ? AttrType::kN : t == "B" ? AttrType::kB : AttrType::kS;
}


// Checks one key attribute of an item being written.
ApiResult<std::string> ItemKeyPart(const KeyDef& def, const Item& item) {
  auto it = item.find(def.name);
  if (it == item.end()) {
    return Error::Validation("One or more parameter values were invalid: Missing the key " + def.name +
                             " in the item");
  }
  if (it->second.type != def.type) {
    return Error::Validation("One or more parameter values were invalid: Type mismatch for key " +
                             def.name + " expected: " + TypeName(def.type) +
                             " actual: " + TypeName(it->second.type));
  }
  if (def.type != AttrType::kN && it->second.scalar.empty()) {
    return Error::Validation(
        std::string("One or more parameter values are not valid. The AttributeValue for a key attribute "
                    "cannot contain an empty ") +
        (def.type == AttrType::kS ? "string" : "binary") + " value. Key: " + def.name);
  }
  return EncodeKeyValue(it->second);
}

ApiResult<cluster::Key> CheckKeySizes(cluster::Key key) {
  if (key.hash.size() > kMaxHashKeyBytes) {
    return Error::Validation(
        "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size "
        "limit of2048 bytes");
  }
  if (key.range.size() > kMaxRangeKeyBytes) {
    return Error::Validation(
        "One or more parameter values were invalid: Aggregated size of all range keys has exceeded "
        "the size limit of 1024 bytes");
  }
  return key;
}
}  // namespace

std::string EncodeKeyValue(const AttributeValue& v) {
  if (v.type != AttrType::kN) return v.scalar;
  auto n = Number::Parse(v.scalar);
  CHECK(n.ok());  // N values hold canonical text
  return n->EncodeOrdered();
}

std::string TableSchema::Serialize() const {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("TableName");
  w.String(table_name);
  w.Key("TableId");
  w.String(table_id);
  w.Key("Hash");
  w.String(hash.name);
  if (range) {
    w.Key("Range");
    w.String(range->name);
  }
  w.Key("AttributeDefinitions");
  w.StartArray();
  for (const auto& d : attribute_definitions) {
    w.StartArray();
    w.String(d.name);
    w.String(d.type);
    w.EndArray();
  }
  w.EndArray();
  w.Key("BillingMode");
  w.String(billing_mode);
  w.Key("RCU");
  w.Int64(read_capacity);
  w.Key("WCU");
  w.Int64(write_capacity);
  w.Key("Tags");
  w.StartArray();
  for (const auto& [k, v] : tags) {
    w.StartArray();
    w.String(k);
    w.String(v);
    w.EndArray();
  }
  w.EndArray();
  w.Key("Ttl");
  w.String(ttl_attribute);
  if (pitr_since_ms != 0) {
    w.Key("Pitr");
    w.StartArray();
    w.Int64(pitr_since_ms);
    w.Int64(pitr_days);
    w.EndArray();
  }
  if (deletion_protection) {
    w.Key("DeletionProtection");
    w.Bool(true);
  }
  if (!table_class.empty()) {
    w.Key("TableClass");
    w.String(table_class);
  }
  w.Key("Indexes");
  w.StartArray();
  for (const IndexDef& i : indexes) {
    w.StartObject();
    w.Key("Name");
    w.String(i.name);
    w.Key("Global");
    w.Bool(i.global);
    // "Hash" and "Range" (the first of each) are the format before
    // multi-attribute keys; "HashKeys" and "RangeKeys" list them all.
    w.Key("Hash");
    w.String(i.hash.front().name);
    if (!i.range.empty()) {
      w.Key("Range");
      w.String(i.range.front().name);
    }
    for (const auto* keys : {&i.hash, &i.range}) {
      w.Key(keys == &i.hash ? "HashKeys" : "RangeKeys");
      w.StartArray();
      for (const KeyDef& k : *keys) w.String(k.name);
      w.EndArray();
    }
    w.Key("Projection");
    w.String(i.projection);
    w.Key("NonKey");
    w.StartArray();
    for (const std::string& a : i.non_key_attributes) w.String(a);
    w.EndArray();
    w.Key("Local");
    w.Uint(i.local_number);
    w.Key("TableId");
    w.Uint64(i.table_id);
    w.Key("Status");
    w.String(i.status);
    w.Key("RCU");
    w.Int64(i.read_capacity);
    w.Key("WCU");
    w.Int64(i.write_capacity);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return buf.GetString();
}

const IndexDef* TableSchema::FindIndex(const std::string& name) const {
  for (const IndexDef& i : indexes) {
    if (i.name == name) return &i;
  }
  return nullptr;
}

AttrType TableSchema::TypeOf(const std::string& attribute) const {
  for (const auto& def : attribute_definitions) {
    if (def.name == attribute) return TypeFromName(def.type);
  }
  return AttrType::kS;
}

Result<TableSchema> TableSchema::Deserialize(const std::string& blob) {
  rapidjson::Document d;
  if (!ParseBody(blob, &d).ok()) return Status::Corruption("table schema is not JSON");
  TableSchema s;
  std::string range;
  const JsonValue* defs = nullptr;
  bool ok = GetString(d, "TableName", &s.table_name).ok() && GetString(d, "TableId", &s.table_id).ok() &&
            GetString(d, "Hash", &s.hash.name).ok() && GetString(d, "Range", &range).ok() &&
            GetArray(d, "AttributeDefinitions", &defs).ok() && defs != nullptr &&
            GetString(d, "BillingMode", &s.billing_mode).ok() &&
            GetInt64(d, "RCU", &s.read_capacity).ok() && GetInt64(d, "WCU", &s.write_capacity).ok();
  if (!ok) return Status::Corruption("table schema is malformed");
  for (const JsonValue& e : defs->GetArray()) {
    if (!e.IsArray() || e.Size() != 2 || !e[0].IsString() || !e[1].IsString()) {
      return Status::Corruption("table schema: bad attribute definition");
    }
    s.attribute_definitions.push_back({e[0].GetString(), e[1].GetString()});
  }
  // Members added after the first release are optional.
  const JsonValue* tags = nullptr;
  if (!GetArray(d, "Tags", &tags).ok() || !GetString(d, "Ttl", &s.ttl_attribute).ok()) {
    return Status::Corruption("table schema: bad tags or TTL");
  }
  if (!GetBool(d, "DeletionProtection", &s.deletion_protection).ok() ||
      !GetString(d, "TableClass", &s.table_class).ok()) {
    return Status::Corruption("table schema: bad deletion protection or table class");
  }
  const JsonValue* pitr = nullptr;
  if (!GetArray(d, "Pitr", &pitr).ok()) return Status::Corruption("table schema: bad Pitr");
  if (pitr != nullptr) {
    if (pitr->Size() != 2 || !(*pitr)[0].IsInt64() || !(*pitr)[1].IsInt64()) {
      return Status::Corruption("table schema: bad Pitr");
    }
    s.pitr_since_ms = (*pitr)[0].GetInt64();
    s.pitr_days = (*pitr)[1].GetInt64();
  }
  for (rapidjson::SizeType i = 0; tags != nullptr && i < tags->Size(); ++i) {
    const JsonValue& e = (*tags)[i];
    if (!e.IsArray() || e.Size() != 2 || !e[0].IsString() || !e[1].IsString()) {
      return Status::Corruption("table schema: bad tag");
    }
    s.tags.emplace_back(e[0].GetString(), e[1].GetString());
  }
  for (const auto& def : s.attribute_definitions) {
    if (def.name == s.hash.name) s.hash.type = TypeFromName(def.type);
    if (!range.empty() && def.name == range) s.range = KeyDef{range, TypeFromName(def.type)};
  }
  const JsonValue* indexes = nullptr;
  if (!GetArray(d, "Indexes", &indexes).ok()) return Status::Corruption("table schema: bad indexes");
  for (rapidjson::SizeType n = 0; indexes != nullptr && n < indexes->Size(); ++n) {
    const JsonValue& e = (*indexes)[n];
    IndexDef i;
    std::string ihash, irange;
    const JsonValue* non_key = nullptr;
    const JsonValue* hash_keys = nullptr;
    const JsonValue* range_keys = nullptr;
    int64_t local = 0, table_id = 0;
    if (!e.IsObject() || !GetString(e, "Name", &i.name).ok() || !GetBool(e, "Global", &i.global).ok() ||
        !GetString(e, "Hash", &ihash).ok() || !GetString(e, "Range", &irange).ok() ||
        !GetArray(e, "HashKeys", &hash_keys).ok() || !GetArray(e, "RangeKeys", &range_keys).ok() ||
        !GetString(e, "Projection", &i.projection).ok() || !GetArray(e, "NonKey", &non_key).ok() ||
        !GetInt64(e, "Local", &local).ok() || !GetInt64(e, "TableId", &table_id).ok() ||
        !GetString(e, "Status", &i.status).ok() || !GetInt64(e, "RCU", &i.read_capacity).ok() ||
        !GetInt64(e, "WCU", &i.write_capacity).ok()) {
      return Status::Corruption("table schema: bad index");
    }
    for (rapidjson::SizeType a = 0; non_key != nullptr && a < non_key->Size(); ++a) {
      if (!(*non_key)[a].IsString()) return Status::Corruption("table schema: bad index attribute");
      i.non_key_attributes.emplace_back((*non_key)[a].GetString());
    }
    i.local_number = static_cast<uint32_t>(local);
    i.table_id = static_cast<uint64_t>(table_id);
    if (hash_keys == nullptr) {  // written before multi-attribute keys
      i.hash.push_back(KeyDef{ihash, s.TypeOf(ihash)});
      if (!irange.empty()) i.range.push_back(KeyDef{irange, s.TypeOf(irange)});
    }
    for (const JsonValue* keys : {hash_keys, range_keys}) {
      for (rapidjson::SizeType a = 0; keys != nullptr && a < keys->Size(); ++a) {
        if (!(*keys)[a].IsString()) return Status::Corruption("table schema: bad index key");
        std::string name = (*keys)[a].GetString();
        (keys == hash_keys ? i.hash : i.range).push_back(KeyDef{name, s.TypeOf(name)});
      }
    }
    if (i.hash.empty()) return Status::Corruption("table schema: index without a hash key");
    s.indexes.push_back(std::move(i));
  }
  return s;
}

ApiResult<cluster::Key> KeyOfItem(const TableSchema& schema, const Item& item) {
  cluster::Key key;
  auto h = ItemKeyPart(schema.hash, item);
  if (!h.ok()) return h.error();
  key.hash = std::move(*h);
  if (schema.range) {
    auto r = ItemKeyPart(*schema.range, item);
    if (!r.ok()) return r.error();
    key.range = std::move(*r);
  }
  return CheckKeySizes(std::move(key));
}

ApiResult<cluster::Key> KeyOfKeyParam(const TableSchema& schema, const Item& key, const std::string& what) {
  const Error mismatch = Error::Validation(what + "The provided key element does not match the schema");
  size_t want = schema.range ? 2 : 1;
  if (key.size() != want) return mismatch;
  for (const auto& [name, value] : key) {
    const KeyDef* def = name == schema.hash.name ? &schema.hash
                        : (schema.range && name == schema.range->name) ? &*schema.range
                                                                        : nullptr;
    if (def == nullptr || value.type != def->type) return mismatch;
  }
  return KeyOfItem(schema, key);
}

Item KeyAttributesOf(const TableSchema& schema, const Item& item) {
  Item out;
  auto copy = [&](const std::string& name) {
    auto it = item.find(name);
    if (it != item.end()) out.emplace(name, it->second);
  };
  copy(schema.hash.name);
  if (schema.range) copy(schema.range->name);
  return out;
}

ApiResult<std::shared_ptr<const TableSchema>> SchemaCache::Get(const cluster::TableMeta& meta) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = by_id_.find(meta.id);
    // UpdateTable and TagResource change a table's schema in place.
    if (it != by_id_.end() && it->second.first == meta.schema) return it->second.second;
  }
  auto parsed = TableSchema::Deserialize(meta.schema);
  if (!parsed.ok()) return Error::InternalServer("Internal server error");
  auto schema = std::make_shared<const TableSchema>(std::move(parsed.value()));
  std::lock_guard<std::mutex> lock(mu_);
  by_id_[meta.id] = {meta.schema, schema};
  return schema;
}

}  // namespace ddb::api
