// Secondary index rows, writes and keys; see secondary_index.h.
#include "api/secondary_index.h"

#include <algorithm>

#include "api/item_codec.h"

namespace ddb::api {

namespace {

const AttributeValue* Find(const Item& item, const std::string& name) {
  auto it = item.find(name);
  return it == item.end() ? nullptr : &it->second;
}

// The encoded value of an index key attribute, or nullopt when the item does
// not have it as a valid key value (it is then not in the index). Writes
// reject invalid values (CheckIndexKeys); items written before the index was
// created may hold them, and a backfill leaves those items out.
std::optional<std::string> KeyPart(const KeyDef& def, const Item& item, size_t max_bytes) {
  const AttributeValue* v = Find(item, def.name);
  if (v == nullptr || v->type != def.type) return std::nullopt;
  if (def.type != AttrType::kN && (v->scalar.empty() || v->scalar.size() > max_bytes)) return std::nullopt;
  return EncodeKeyValue(*v);
}

bool IsKeyOf(const TableSchema& s, const IndexDef& i, const std::string& name) {
  if (name == s.hash.name || (s.range && name == s.range->name)) return true;
  for (const auto* keys : {&i.hash, &i.range}) {
    for (const KeyDef& k : *keys) {
      if (k.name == name) return true;
    }
  }
  return false;
}

}  // namespace

std::string GlobalIndexTableName(const std::string& table, const std::string& index) { return table + "/" + index; }

bool IsGlobalIndexTableName(const std::string& name, const std::string& ns) {
  return name.size() > ns.size() && name.find('/', ns.size()) != std::string::npos;
}

std::string GlobalIndexTableSchema(const TableSchema& base, const IndexDef& index) {
  TableSchema s;
  s.table_name = base.table_name + "/" + index.name;
  // With several hash attributes the row hash is their Components joined;
  // the first one stands for them here.
  s.hash = index.hash.front();
  s.attribute_definitions.push_back({s.hash.name, TypeName(s.hash.type)});
  s.billing_mode = base.billing_mode;
  return s.Serialize();
}

std::string Component(const std::string& encoded) {
  std::string out;
  out.reserve(encoded.size() + 2);
  for (char c : encoded) {
    out.push_back(c);
    if (c == '\0') out.push_back(static_cast<char>(0xFF));
  }
  out.push_back('\0');
  out.push_back('\0');
  return out;
}

ApiResult<bool> CheckIndexKeys(const TableSchema& schema, const Item& item) {
  for (const IndexDef& i : schema.indexes) {
    if (i.status == "DELETING") continue;
    for (size_t n = 0; n < i.hash.size() + i.range.size(); ++n) {
      const bool is_hash = n < i.hash.size();
      const KeyDef* def = is_hash ? &i.hash[n] : &i.range[n - i.hash.size()];
      const AttributeValue* v = Find(item, def->name);
      if (v == nullptr) continue;
      if (v->type != def->type) {
        return Error::Validation("One or more parameter values were invalid: Type mismatch for Index Key " +
                                 def->name + " Expected: " + TypeName(def->type) + " Actual: " + TypeName(v->type) +
                                 " IndexName: " + i.name);
      }
      if (def->type != AttrType::kN && v->scalar.empty()) {
        return Error::Validation(
            "One or more parameter values are not valid. A value specified for a secondary index key is not "
            "supported. The AttributeValue for a key attribute cannot contain an empty " +
            std::string(def->type == AttrType::kS ? "string" : "binary") + " value. IndexName: " + i.name +
            ", IndexKey: " + def->name);
      }
      const size_t limit = is_hash ? 2048 : 1024;
      if (v->scalar.size() > limit && def->type != AttrType::kN) {
        return Error::Validation(is_hash
                                     ? "One or more parameter values were invalid: Size of hashkey has exceeded the "
                                       "maximum size limit of2048 bytes"
                                     : "One or more parameter values were invalid: Aggregated size of all range keys "
                                       "has exceeded the size limit of 1024 bytes");
      }
    }
  }
  return true;
}

bool IndexProjects(const TableSchema& schema, const IndexDef& index, const std::string& name) {
  if (index.projection == "ALL" || IsKeyOf(schema, index, name)) return true;
  if (index.projection == "KEYS_ONLY") return false;
  return std::find(index.non_key_attributes.begin(), index.non_key_attributes.end(), name) !=
         index.non_key_attributes.end();
}

std::optional<IndexRow> IndexRowOf(const TableSchema& schema, const IndexDef& index, const cluster::Key& base_key,
                                   const Item& item) {
  IndexRow row;
  for (const KeyDef& def : index.hash) {
    auto part = KeyPart(def, item, 2048);
    if (!part) return std::nullopt;
    row.key.hash += index.hash.size() == 1 ? *part : Component(*part);
  }
  for (const KeyDef& def : index.range) {
    auto part = KeyPart(def, item, 1024);
    if (!part) return std::nullopt;
    row.key.range += Component(*part);
  }
  if (index.global) {
    row.key.range += Component(base_key.hash);
  } else {
    row.key.hash = base_key.hash;
  }
  row.key.range += base_key.range;
  if (index.projection == "ALL") {
    row.item = item;
  } else {
    for (const auto& [name, value] : item) {
      if (IndexProjects(schema, index, name)) row.item.emplace(name, value);
    }
  }
  return row;
}

std::vector<IndexChange> IndexChanges(const TableSchema& schema, const cluster::Key& base_key, const Item* old,
                                      const Item* next) {
  std::vector<IndexChange> out;
  for (const IndexDef& i : schema.indexes) {
    if (i.status == "DELETING") continue;
    IndexChange c{&i, old ? IndexRowOf(schema, i, base_key, *old) : std::nullopt,
                  next ? IndexRowOf(schema, i, base_key, *next) : std::nullopt};
    if (!c.before && !c.after) continue;
    if (c.before && c.after && c.before->key == c.after->key && c.before->item == c.after->item) continue;
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<cluster::IndexWrite> IndexWrites(const std::string& table, std::vector<IndexChange> changes) {
  std::vector<cluster::IndexWrite> out;
  for (IndexChange& c : changes) {
    const IndexDef& i = *c.index;
    cluster::IndexWrite w;
    w.local_index = i.global ? 0 : i.local_number;
    if (i.global) {
      w.global_table = i.table_id;
      w.global_name = GlobalIndexTableName(table, i.name);
    }
    if (c.erases()) {
      cluster::IndexWrite erase = w;
      erase.key = c.before->key;
      erase.erase = true;
      out.push_back(std::move(erase));
    }
    if (c.after) {
      w.key = std::move(c.after->key);
      w.item = EncodeItem(c.after->item);
      w.size = static_cast<uint32_t>(ItemSize(c.after->item));
      out.push_back(std::move(w));
    }
  }
  return out;
}

ApiResult<cluster::Key> IndexStartKey(const TableSchema& schema, const IndexDef& index, const Item& start) {
  const Error invalid = Error::Validation("The provided starting key is invalid: The provided key element does not match the schema");
  for (const auto& [name, value] : start) {
    if (!IsKeyOf(schema, index, name)) return invalid;
  }
  Item base_key;
  for (const KeyDef* def : {&schema.hash, schema.range ? &*schema.range : nullptr}) {
    if (def == nullptr) continue;
    const AttributeValue* v = Find(start, def->name);
    if (v == nullptr || v->type != def->type) return invalid;
    base_key.emplace(def->name, *v);
  }
  auto key = KeyOfItem(schema, base_key);
  if (!key.ok()) return invalid;
  auto row = IndexRowOf(schema, index, *key, start);
  if (!row) return invalid;
  return row->key;
}

Item IndexKeyAttributesOf(const TableSchema& schema, const IndexDef& index, const Item& item) {
  Item out;
  for (const auto& [name, value] : item) {
    if (IsKeyOf(schema, index, name)) out.emplace(name, value);
  }
  return out;
}

}  // namespace ddb::api
