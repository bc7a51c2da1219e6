// CreateTable's secondary index definitions (LocalSecondaryIndexes,
// GlobalSecondaryIndexes): their shape, DynamoDB's rules for them, and their
// part of a table description.
#include <algorithm>
#include <set>

#include "api/operations.h"
#include "api/secondary_index.h"

namespace ddb::api {

namespace {

const char* kInvalid = "One or more parameter values were invalid: ";

// One index element as the request gives it.
struct IndexRequest {
  IndexDef def;
  std::vector<std::pair<std::string, std::string>> keys;
  bool has_projection_type = false;
  bool has_non_key = false;
  bool has_throughput = false;
};

ApiResult<bool> ReadThroughput(const JsonValue& pt, const std::string& prefix, IndexDef* def, Constraints* c) {
  bool has_r = false, has_w = false;
  auto r = GetInt64(pt, "ReadCapacityUnits", &def->read_capacity);
  if (!r.ok()) return r.error();
  auto w = GetInt64(pt, "WriteCapacityUnits", &def->write_capacity);
  if (!w.ok()) return w.error();
  has_r = *r;
  has_w = *w;
  c->NotNull(has_r, prefix + "provisionedThroughput.readCapacityUnits");
  c->NotNull(has_w, prefix + "provisionedThroughput.writeCapacityUnits");
  if (has_r && def->read_capacity < 1) {
    c->Fail(Quote(std::to_string(def->read_capacity)), prefix + "provisionedThroughput.readCapacityUnits",
            "Member must have value greater than or equal to 1");
  }
  if (has_w && def->write_capacity < 1) {
    c->Fail(Quote(std::to_string(def->write_capacity)), prefix + "provisionedThroughput.writeCapacityUnits",
            "Member must have value greater than or equal to 1");
  }
  return true;
}

ApiResult<bool> ReadProjection(const JsonValue& p, const std::string& prefix, IndexRequest* r, Constraints* c) {
  auto t = GetString(p, "ProjectionType", &r->def.projection);
  if (!t.ok()) return t.error();
  r->has_projection_type = *t;
  if (*t && r->def.projection != "ALL" && r->def.projection != "INCLUDE" && r->def.projection != "KEYS_ONLY") {
    c->Fail(Quote(r->def.projection), prefix + "projection.projectionType",
            "Member must satisfy enum value set: [ALL, INCLUDE, KEYS_ONLY]");
  }
  const JsonValue* nk = nullptr;
  auto n = GetArray(p, "NonKeyAttributes", &nk);
  if (!n.ok()) return n.error();
  r->has_non_key = nk != nullptr;
  if (nk == nullptr) return true;
  bool bad_name = false;
  for (rapidjson::SizeType i = 0; i < nk->Size(); ++i) {
    const JsonValue& a = (*nk)[i];
    if (!a.IsString()) return Error::Serialization(JsonKind(a) + " cannot be converted to String");
    r->def.non_key_attributes.emplace_back(a.GetString(), a.GetStringLength());
    const std::string& name = r->def.non_key_attributes.back();
    bad_name = bad_name || name.empty() || name.size() > 255;
  }
  if (bad_name) c->MemberLengths(r->def.non_key_attributes, prefix + "projection.nonKeyAttributes", 255);
  if (nk->Size() > 20) {
    c->Fail("'[...]'", prefix + "projection.nonKeyAttributes", "Member must have length less than or equal to 20");
  }
  if (nk->Size() == 0) {
    c->Fail("'[]'", prefix + "projection.nonKeyAttributes", "Member must have length greater than or equal to 1");
  }
  return true;
}

// The shape of one element of either list, adding constraint violations.
ApiResult<IndexRequest> ReadIndex(const JsonValue& e, bool global, const std::string& prefix, Constraints* c) {
  if (!e.IsObject()) {
    return Error::Serialization(JsonKind(e) + " cannot be converted to " +
                                (global ? "GlobalSecondaryIndex" : "LocalSecondaryIndex"));
  }
  IndexRequest r;
  r.def.global = global;
  auto n = GetString(e, "IndexName", &r.def.name);
  if (!n.ok()) return n.error();
  c->TableName(*n ? &r.def.name : nullptr, prefix + "indexName");
  const JsonValue* ks = nullptr;
  auto k = GetArray(e, "KeySchema", &ks);
  if (!k.ok()) return k.error();
  c->NotNull(ks != nullptr, prefix + "keySchema");
  if (ks != nullptr) {
    auto keys = ReadKeySchema(*ks, c, prefix);
    if (!keys.ok()) return keys.error();
    r.keys = std::move(keys.value());
    if (r.keys.empty()) c->Fail("'[]'", prefix + "keySchema", "Member must have length greater than or equal to 1");
    // A global index takes up to 4 HASH and 4 RANGE attributes (CheckIndex).
    const size_t max = global ? 2 * kMaxIndexKeyAttributes : 2;
    if (r.keys.size() > max) {
      c->Fail("'[...]'", prefix + "keySchema", "Member must have length less than or equal to " + std::to_string(max));
    }
  }
  const JsonValue* p = nullptr;
  auto pr = GetObject(e, "Projection", &p);
  if (!pr.ok()) return pr.error();
  c->NotNull(p != nullptr, prefix + "projection");
  if (p != nullptr) {
    auto read = ReadProjection(*p, prefix, &r, c);
    if (!read.ok()) return read.error();
  }
  if (global) {
    const JsonValue* pt = nullptr;
    auto t = GetObject(e, "ProvisionedThroughput", &pt);
    if (!t.ok()) return t.error();
    r.has_throughput = pt != nullptr;
    if (pt != nullptr) {
      auto read = ReadThroughput(*pt, prefix, &r.def, c);
      if (!read.ok()) return read.error();
    }
  }
  return r;
}

// The order, count and names of a global index's KeySchema elements beyond
// the first (multi-attribute keys): all HASH elements before all RANGE
// ones, at most 4 of each, no name twice.
ApiResult<bool> CheckMultiAttributeKeys(const std::vector<std::pair<std::string, std::string>>& keys,
                                        const std::string& index) {
  size_t hashes = 0, ranges = 0;
  std::set<std::string> names;
  for (const auto& [name, type] : keys) {
    if (type == "HASH" && ranges > 0) {
      return Error::Validation("Invalid KeySchema: All HASH key elements must precede all RANGE key elements for "
                               "index: " + index);
    }
    (type == "HASH" ? hashes : ranges) += 1;
    if (!names.insert(name).second) {
      return Error::Validation("Invalid KeySchema: Two KeySchemaElements have the same name: " + name);
    }
  }
  if (hashes > kMaxIndexKeyAttributes) {
    return Error::Validation("Invalid KeySchema: Too many HASH key elements for index: " + index +
                             "; the maximum is " + std::to_string(kMaxIndexKeyAttributes));
  }
  if (ranges > kMaxIndexKeyAttributes) {
    return Error::Validation("Invalid KeySchema: Too many RANGE key elements for index: " + index +
                             "; the maximum is " + std::to_string(kMaxIndexKeyAttributes));
  }
  return true;
}

// DynamoDB's rules for one well-formed index of table `s`.
ApiResult<bool> CheckIndex(IndexRequest& r, const TableSchema& s) {
  IndexDef& d = r.def;
  const auto& keys = r.keys;
  const bool multi = keys[0].second == "HASH" && (keys.size() > 2 || (keys.size() == 2 && keys[1].second == "HASH"));
  auto checked = multi && d.global ? CheckMultiAttributeKeys(keys, d.name) : CheckKeyOrder(keys);
  if (!checked.ok()) return checked.error();
  std::set<std::string> defined;
  std::string def_list, key_list;
  for (const auto& a : s.attribute_definitions) {
    defined.insert(a.name);
    def_list += (def_list.empty() ? "" : ", ") + a.name;
  }
  bool missing = false;
  for (const auto& k : keys) {
    key_list += (key_list.empty() ? "" : ", ") + k.first;
    missing |= defined.count(k.first) == 0;
  }
  if (missing) {
    return Error::Validation(std::string(kInvalid) +
                             "Some index key attributes are not defined in AttributeDefinitions. Keys: [" + key_list +
                             "], AttributeDefinitions: [" + def_list + "]");
  }
  if (!d.global) {
    if (!s.range) {
      return Error::Validation(std::string(kInvalid) +
                               "Table KeySchema does not have a range key, which is required when specifying a "
                               "LocalSecondaryIndex");
    }
    if (keys.size() != 2) {
      return Error::Validation(std::string(kInvalid) + "Index KeySchema does not have a range key for index: " + d.name);
    }
    if (keys[0].first != s.hash.name) {
      return Error::Validation(std::string(kInvalid) +
                               "Index KeySchema does not have the same leading hash key as table KeySchema for "
                               "index: " + d.name + ". index hash key: " + keys[0].first +
                               ", table hash key: " + s.hash.name);
    }
  }
  if (!r.has_projection_type) {
    return Error::Validation(std::string(kInvalid) + "Unknown ProjectionType: null");
  }
  if (d.projection == "INCLUDE" && !r.has_non_key) {
    return Error::Validation(std::string(kInvalid) + "ProjectionType is INCLUDE, but NonKeyAttributes is not specified");
  }
  if (d.projection != "INCLUDE" && r.has_non_key) {
    return Error::Validation(std::string(kInvalid) + "ProjectionType is " + d.projection +
                             ", but NonKeyAttributes is specified");
  }
  std::set<std::string> non_key;
  for (const std::string& a : d.non_key_attributes) {
    if (!non_key.insert(a).second) {
      return Error::Validation(std::string(kInvalid) + "Duplicate attribute name in NonKeyAttributes: " + a);
    }
  }
  if (d.global && s.billing_mode == "PROVISIONED" && !r.has_throughput) {
    return Error::Validation(std::string(kInvalid) + "ProvisionedThroughput must be specified for index: " + d.name);
  }
  if (d.global && s.billing_mode == "PAY_PER_REQUEST" && r.has_throughput) {
    return Error::Validation(std::string(kInvalid) + "ProvisionedThroughput should not be specified for index: " +
                             d.name + " when BillingMode is PAY_PER_REQUEST");
  }
  for (const auto& [name, type] : keys) {
    (type == "HASH" ? d.hash : d.range).push_back(KeyDef{name, s.TypeOf(name)});
  }
  return true;
}

void WriteIndexKeySchema(JsonWriter& w, const IndexDef& i) {
  w.Key("KeySchema");
  w.StartArray();
  for (const auto* keys : {&i.hash, &i.range}) {
    for (const KeyDef& k : *keys) {
      w.StartObject();
      w.Key("AttributeName");
      w.String(k.name);
      w.Key("KeyType");
      w.String(keys == &i.hash ? "HASH" : "RANGE");
      w.EndObject();
    }
  }
  w.EndArray();
}

void WriteIndex(JsonWriter& w, const Context& ctx, const cluster::TableMeta& meta, const TableSchema& s,
                const IndexDef& i) {
  w.StartObject();
  w.Key("IndexName");
  w.String(i.name);
  WriteIndexKeySchema(w, i);
  w.Key("Projection");
  w.StartObject();
  w.Key("ProjectionType");
  w.String(i.projection);
  if (!i.non_key_attributes.empty()) {
    w.Key("NonKeyAttributes");
    w.StartArray();
    for (const std::string& a : i.non_key_attributes) w.String(a);
    w.EndArray();
  }
  w.EndObject();
  cluster::TableStats stats;
  if (!i.global) {
    stats = ctx.cluster->Stats(meta, i.local_number);
  } else if (auto index = ctx.cluster->GetTable(GlobalIndexTableName(meta.name, i.name)); index.ok()) {
    stats = ctx.cluster->Stats(*index);
  }
  if (i.global) {
    w.Key("IndexStatus");
    w.String(i.status);
    if (i.status == "CREATING") {
      w.Key("Backfilling");
      w.Bool(true);
    }
    WriteProvisionedThroughput(w, i.read_capacity, i.write_capacity);
  }
  w.Key("IndexSizeBytes");
  w.Uint64(stats.size_bytes);
  w.Key("ItemCount");
  w.Uint64(stats.item_count);
  w.Key("IndexArn");
  w.String(TableArn(ctx, s.table_name) + "/index/" + i.name);
  w.EndObject();
}

}  // namespace

ApiResult<bool> ReadIndexDefinitions(const JsonValue& req, TableSchema* s) {
  const JsonValue* lists[2] = {nullptr, nullptr};
  auto l = GetArray(req, "LocalSecondaryIndexes", &lists[0]);
  if (!l.ok()) return l.error();
  auto g = GetArray(req, "GlobalSecondaryIndexes", &lists[1]);
  if (!g.ok()) return g.error();
  Constraints c;
  std::vector<IndexRequest> requests;
  for (int global = 0; global < 2; ++global) {
    const JsonValue* list = lists[global];
    if (list == nullptr) continue;
    const std::string prefix = global ? "globalSecondaryIndexes." : "localSecondaryIndexes.";
    for (rapidjson::SizeType i = 0; i < list->Size(); ++i) {
      auto r = ReadIndex((*list)[i], global != 0, prefix + std::to_string(i + 1) + ".member.", &c);
      if (!r.ok()) return r.error();
      requests.push_back(std::move(r.value()));
    }
  }
  if (!c.ok()) return c.ToError();
  if (lists[0] != nullptr && lists[0]->Size() == 0) {
    return Error::Validation(std::string(kInvalid) + "List of LocalSecondaryIndexes is empty");
  }
  if (lists[1] != nullptr && lists[1]->Size() == 0) {
    return Error::Validation(std::string(kInvalid) + "List of GlobalSecondaryIndexes is empty");
  }
  if (lists[0] != nullptr && lists[0]->Size() > kMaxLocalIndexes) {
    return Error::Validation(std::string(kInvalid) + "Number of LocalSecondaryIndexes exceeds per-table limit of 5");
  }
  if (lists[1] != nullptr && lists[1]->Size() > kMaxGlobalIndexes) {
    return Error::LimitExceeded("One or more parameter values were invalid: GlobalSecondaryIndex count exceeds the "
                                "per-table limit of 20");
  }
  std::set<std::string> names;
  uint32_t local = 0;
  for (IndexRequest& r : requests) {
    auto checked = CheckIndex(r, *s);
    if (!checked.ok()) return checked.error();
    if (!names.insert(r.def.name).second) {
      return Error::Validation(std::string(kInvalid) + "Duplicate index name: " + r.def.name);
    }
    if (!r.def.global) r.def.local_number = ++local;
    if (s->billing_mode == "PAY_PER_REQUEST") r.def.read_capacity = r.def.write_capacity = 0;
    s->indexes.push_back(std::move(r.def));
  }
  return true;
}

namespace {

const char* kOneAtATime = "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table";

// UpdateTable's AttributeDefinitions: new ones are added; one that names an
// attribute already defined must keep its type.
ApiResult<bool> MergeDefinitions(const JsonValue& req, TableSchema* s) {
  const JsonValue* defs = nullptr;
  auto d = GetArray(req, "AttributeDefinitions", &defs);
  if (!d.ok()) return d.error();
  if (defs == nullptr) return true;
  for (rapidjson::SizeType i = 0; i < defs->Size(); ++i) {
    const JsonValue& e = (*defs)[i];
    if (!e.IsObject()) return Error::Serialization(JsonKind(e) + " cannot be converted to AttributeDefinition");
    AttributeDefinition def;
    auto n = GetString(e, "AttributeName", &def.name);
    if (!n.ok()) return n.error();
    auto t = GetString(e, "AttributeType", &def.type);
    if (!t.ok()) return t.error();
    if (*n && (def.name.empty() || def.name.size() > 255)) {  // a constraint: before any other check
      Constraints c;
      c.Fail(Quote(def.name), "attributeDefinitions." + std::to_string(i + 1) + ".member.attributeName",
             def.name.empty() ? "Member must have length greater than or equal to 1"
                              : "Member must have length less than or equal to 255");
      return c.ToError();
    }
    if (!*n || !*t || (def.type != "S" && def.type != "N" && def.type != "B")) {
      return Error::Validation(std::string(kInvalid) + "Invalid attribute definition");
    }
    auto known = std::find_if(s->attribute_definitions.begin(), s->attribute_definitions.end(),
                              [&](const AttributeDefinition& a) { return a.name == def.name; });
    if (known == s->attribute_definitions.end()) {
      s->attribute_definitions.push_back(def);
    } else if (known->type != def.type) {
      return Error::Validation(std::string(kInvalid) + "Attribute " + def.name +
                               " is redefined with a different type: " + known->type + " and " + def.type);
    }
  }
  return true;
}

}  // namespace

ApiResult<bool> ApplyIndexUpdates(Context& ctx, const JsonValue& req, const JsonValue& updates, TableSchema* s) {
  struct Change {
    std::string op;  // Create, Update or Delete
    const JsonValue* body = nullptr;
  };
  std::vector<Change> changes;
  for (rapidjson::SizeType i = 0; i < updates.Size(); ++i) {
    const JsonValue& u = updates[i];
    if (!u.IsObject()) return Error::Serialization(JsonKind(u) + " cannot be converted to GlobalSecondaryIndexUpdate");
    Change change;
    size_t ops = 0;
    for (auto m = u.MemberBegin(); m != u.MemberEnd(); ++m) {
      std::string name(m->name.GetString(), m->name.GetStringLength());
      if (name != "Create" && name != "Update" && name != "Delete") {
        return Error::Validation("Invalid GlobalSecondaryIndexUpdate: unknown operation " + name);
      }
      if (m->value.IsNull()) continue;
      if (!m->value.IsObject()) return Error::Serialization(JsonKind(m->value) + " cannot be converted to " + name);
      change = Change{name, &m->value};
      ++ops;
    }
    if (ops == 0) {
      return Error::Validation(std::string(kInvalid) + "One of GlobalSecondaryIndexUpdate.Update, "
                               "GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Delete must not be null");
    }
    if (ops > 1) {
      return Error::Validation(std::string(kInvalid) + "Only one of GlobalSecondaryIndexUpdate.Update, "
                               "GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Delete may be given");
    }
    changes.push_back(change);
  }
  size_t online = 0;
  for (const Change& c : changes) online += c.op != "Update";
  if (online > 1) return Error::LimitExceeded(kOneAtATime);
  auto merged = MergeDefinitions(req, s);
  if (!merged.ok()) return merged.error();
  // A created index's keys must be defined in this request's AttributeDefinitions.
  TableSchema given;
  auto read_given = MergeDefinitions(req, &given);
  if (!read_given.ok()) return read_given.error();
  for (const Change& c : changes) {
    std::string name;
    auto n = GetString(*c.body, "IndexName", &name);
    if (!n.ok()) return n.error();
    auto existing = std::find_if(s->indexes.begin(), s->indexes.end(), [&](const IndexDef& i) { return i.name == name; });
    if (c.op != "Create") {
      if (existing == s->indexes.end() || !existing->global) {
        return Error::ResourceNotFound("Requested resource not found: Requested index " + name + " not found");
      }
      if (c.op == "Delete") {
        for (const IndexDef& i : s->indexes) {
          if (i.global && i.status != "ACTIVE") return Error::LimitExceeded(kOneAtATime);
        }
        existing->status = "DELETING";
        continue;
      }
      const JsonValue* pt = nullptr;
      auto got = GetObject(*c.body, "ProvisionedThroughput", &pt);
      if (!got.ok()) return got.error();
      Constraints constraints;
      if (pt != nullptr) {
        auto read = ReadThroughput(*pt, "globalSecondaryIndexUpdates.1.member.update.", &*existing, &constraints);
        if (!read.ok()) return read.error();
      }
      if (!constraints.ok()) return constraints.ToError();
      continue;
    }
    Constraints constraints;
    auto r = ReadIndex(*c.body, /*global=*/true, "globalSecondaryIndexUpdates.1.member.create.", &constraints);
    if (!r.ok()) return r.error();
    if (!constraints.ok()) return constraints.ToError();
    if (existing != s->indexes.end()) {
      return Error::Validation(std::string(kInvalid) + "Attempting to create an index which already exists");
    }
    size_t globals = 0;
    for (const IndexDef& i : s->indexes) {
      globals += i.global;
      if (i.global && i.status != "ACTIVE") return Error::LimitExceeded(kOneAtATime);
    }
    if (globals >= kMaxGlobalIndexes) {
      return Error::LimitExceeded("Subscriber limit exceeded: Number of global secondary indexes exceeds the per-table "
                                  "limit of 20");
    }
    given.billing_mode = s->billing_mode;
    given.hash = s->hash;
    given.range = s->range;
    auto checked = CheckIndex(*r, given);
    if (!checked.ok()) return checked.error();
    r->def.status = "CREATING";
    if (s->billing_mode == "PAY_PER_REQUEST") r->def.read_capacity = r->def.write_capacity = 0;
    const std::string table = GlobalIndexTableName(ctx.ns + s->table_name, r->def.name);
    if (ctx.cluster->GetTable(table).ok()) (void)ctx.cluster->DeleteTable(table);  // an orphan
    auto meta = ctx.cluster->CreateTable(table, GlobalIndexTableSchema(*s, r->def));
    if (!meta.ok()) return Error::FromStatus(meta.status());
    r->def.table_id = meta->id;
    s->indexes.push_back(std::move(r->def));
  }
  return true;
}

void WriteIndexDescriptions(JsonWriter& w, const Context& ctx, const cluster::TableMeta& meta, const TableSchema& s) {
  for (int global = 0; global < 2; ++global) {
    bool any = false;
    for (const IndexDef& i : s.indexes) any |= i.global == (global != 0);
    if (!any) continue;
    w.Key(global ? "GlobalSecondaryIndexes" : "LocalSecondaryIndexes");
    w.StartArray();
    for (const IndexDef& i : s.indexes) {
      if (i.global == (global != 0)) WriteIndex(w, ctx, meta, s, i);
    }
    w.EndArray();
  }
}

}  // namespace ddb::api
