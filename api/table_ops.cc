// CreateTable, DescribeTable, ListTables, DeleteTable.
#include <set>

#include "api/operations.h"
#include "api/secondary_index.h"
#include "base/random.h"

namespace ddb::api {

namespace {

constexpr size_t kMaxListTables = 100;

// A random (version 4) UUID from the kernel's CSPRNG (base/random.h), not
// OpenSSL's RAND_bytes: the first RAND_bytes of a process set up OpenSSL's
// generator (its configuration and providers), 1.8 ms of the first
// CreateTable, which with -seed is on the start-up's path.
std::string NewUuid() {
  unsigned char b[16];
  RandomBytes(b, sizeof b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[b[i] >> 4];
    out += kHex[b[i] & 15];
  }
  return out;
}

void WriteDefinitions(JsonWriter& w, const TableSchema& s);
void WriteRest(JsonWriter& w, const Context& ctx, const cluster::TableMeta& meta, const TableSchema& s,
               const cluster::TableStats& stats);

void WriteKeySchema(JsonWriter& w, const TableSchema& s) {
  w.Key("KeySchema");
  w.StartArray();
  auto element = [&](const std::string& name, const char* type) {
    w.StartObject();
    w.Key("AttributeName");
    w.String(name);
    w.Key("KeyType");
    w.String(type);
    w.EndObject();
  };
  element(s.hash.name, "HASH");
  if (s.range) element(s.range->name, "RANGE");
  w.EndArray();
}

// DescribeTable's and CreateTable's description. DeleteTable's (`deleting`)
// leaves out the creation time, key schema and attribute definitions, as
// DynamoDB's does.
void WriteDescription(JsonWriter& w, const Context& ctx, const cluster::TableMeta& meta,
                      const TableSchema& s, const cluster::TableStats& stats, const char* status) {
  const bool deleting = std::string(status) == "DELETING";
  w.StartObject();
  if (!deleting) WriteDefinitions(w, s);
  w.Key("TableName");
  w.String(s.table_name);
  if (!deleting) WriteKeySchema(w, s);
  w.Key("TableStatus");
  w.String(status);
  if (!deleting) {
    w.Key("CreationDateTime");
    w.Double(static_cast<double>(meta.created_ms) / 1000.0);
  }
  WriteRest(w, ctx, meta, s, stats);
  if (!deleting) WriteIndexDescriptions(w, ctx, meta, s);
  w.EndObject();
}

void WriteDefinitions(JsonWriter& w, const TableSchema& s) {
  w.Key("AttributeDefinitions");
  w.StartArray();
  for (const auto& d : s.attribute_definitions) {
    w.StartObject();
    w.Key("AttributeName");
    w.String(d.name);
    w.Key("AttributeType");
    w.String(d.type);
    w.EndObject();
  }
  w.EndArray();
}

void WriteRest(JsonWriter& w, const Context& ctx, const cluster::TableMeta& meta, const TableSchema& s,
               const cluster::TableStats& stats) {
  WriteProvisionedThroughput(w, s.read_capacity, s.write_capacity);
  w.Key("TableSizeBytes");
  w.Uint64(stats.size_bytes);
  w.Key("ItemCount");
  w.Uint64(stats.item_count);
  w.Key("TableArn");
  w.String(TableArn(ctx, s.table_name));
  w.Key("TableId");
  w.String(s.table_id);
  if (s.billing_mode == "PAY_PER_REQUEST") {
    w.Key("BillingModeSummary");
    w.StartObject();
    w.Key("BillingMode");
    w.String("PAY_PER_REQUEST");
    w.Key("LastUpdateToPayPerRequestDateTime");
    w.Double(static_cast<double>(meta.created_ms) / 1000.0);
    w.EndObject();
  }
  w.Key("DeletionProtectionEnabled");
  w.Bool(s.deletion_protection);
  if (!s.table_class.empty()) {
    w.Key("TableClassSummary");
    w.StartObject();
    w.Key("TableClass");
    w.String(s.table_class);
    w.EndObject();
  }
}

// Creates the tables of the global indexes of `s` (filling in their ids);
// on failure, deletes those it created.
ApiResult<bool> CreateIndexTables(Context& ctx, TableSchema* s) {
  const std::string table = ctx.ns + s->table_name;
  std::vector<std::string> created;
  auto undo = [&] {
    for (const std::string& name : created) (void)ctx.cluster->DeleteTable(name);
  };
  for (IndexDef& i : s->indexes) {
    if (!i.global) continue;
    const std::string name = GlobalIndexTableName(table, i.name);
    // Left behind by a DeleteTable that a crash interrupted: the base table
    // is gone (the caller checked), so the index table is an orphan.
    if (ctx.cluster->GetTable(name).ok()) (void)ctx.cluster->DeleteTable(name);
    auto meta = ctx.cluster->CreateTable(name, GlobalIndexTableSchema(*s, i));
    if (!meta.ok()) {
      undo();
      if (meta.status().IsAlreadyExists()) return Error::ResourceInUse("Table already exists: " + s->table_name);
      return Error::FromStatus(meta.status());
    }
    created.push_back(name);
    i.table_id = meta->id;
  }
  return true;
}

// Reads AttributeDefinitions into the schema, adding constraint violations.
ApiResult<bool> ReadDefinitions(const JsonValue& defs, TableSchema* s, Constraints* c) {
  for (rapidjson::SizeType i = 0; i < defs.Size(); ++i) {
    const JsonValue& d = defs[i];
    if (!d.IsObject()) return Error::Serialization(JsonKind(d) + " cannot be converted to AttributeDefinition");
    const std::string path = "attributeDefinitions." + std::to_string(i + 1) + ".member.";
    AttributeDefinition def;
    auto n = GetString(d, "AttributeName", &def.name);
    if (!n.ok()) return n.error();
    auto t = GetString(d, "AttributeType", &def.type);
    if (!t.ok()) return t.error();
    c->NotNull(*n, path + "attributeName");
    if (*n && (def.name.empty() || def.name.size() > 255)) {
      c->Fail(Quote(def.name), path + "attributeName",
              def.name.empty() ? "Member must have length greater than or equal to 1"
                               : "Member must have length less than or equal to 255");
    }
    if (!*t) c->NotNull(false, path + "attributeType");
    else if (def.type != "S" && def.type != "N" && def.type != "B") {
      c->Fail(Quote(def.type), path + "attributeType", "Member must satisfy enum value set: [B, N, S]");
    }
    s->attribute_definitions.push_back(def);
  }
  return true;
}

}  // namespace

ApiResult<bool> CheckKeyOrder(const std::vector<std::pair<std::string, std::string>>& keys) {
  if (keys[0].second != "HASH") {
    return Error::Validation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
  }
  if (keys.size() == 2 && keys[1].second != "RANGE") {
    return Error::Validation("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
  }
  if (keys.size() == 2 && keys[0].first == keys[1].first) {
    return Error::Validation("Both the Hash Key and the Range Key element in the KeySchema have the same name");
  }
  return true;
}

ApiResult<std::vector<std::pair<std::string, std::string>>> ReadKeySchema(const JsonValue& ks, Constraints* c,
                                                                           const std::string& prefix) {
  std::vector<std::pair<std::string, std::string>> out;
  for (rapidjson::SizeType i = 0; i < ks.Size(); ++i) {
    const JsonValue& e = ks[i];
    if (!e.IsObject()) return Error::Serialization(JsonKind(e) + " cannot be converted to KeySchemaElement");
    const std::string path = prefix + "keySchema." + std::to_string(i + 1) + ".member.";
    std::string name, type;
    auto n = GetString(e, "AttributeName", &name);
    if (!n.ok()) return n.error();
    auto t = GetString(e, "KeyType", &type);
    if (!t.ok()) return t.error();
    c->NotNull(*n, path + "attributeName");
    if (*n && (name.empty() || name.size() > 255)) {
      c->Fail(Quote(name), path + "attributeName",
              name.empty() ? "Member must have length greater than or equal to 1"
                           : "Member must have length less than or equal to 255");
    }
    if (!*t) c->NotNull(false, path + "keyType");
    else if (type != "HASH" && type != "RANGE") {
      c->Fail(Quote(type), path + "keyType", "Member must satisfy enum value set: [HASH, RANGE]");
    }
    out.emplace_back(name, type);
  }
  return out;
}

namespace {

// The checks DynamoDB makes once the request is well formed.
ApiResult<bool> CheckKeys(const std::vector<std::pair<std::string, std::string>>& keys, TableSchema* s) {
  auto order = CheckKeyOrder(keys);
  if (!order.ok()) return order.error();
  std::set<std::string> defined;
  std::string def_list, key_list;
  for (const auto& d : s->attribute_definitions) {
    if (!defined.insert(d.name).second) {
      return Error::Validation(
          "One or more parameter values were invalid: Duplicate AttributeName in AttributeDefinitions: " + d.name);
    }
    def_list += (def_list.empty() ? "" : ", ") + d.name;
  }
  bool missing = false;
  for (const auto& k : keys) {
    key_list += (key_list.empty() ? "" : ", ") + k.first;
    if (!defined.count(k.first)) missing = true;
  }
  if (missing) {
    return Error::Validation(
        "One or more parameter values were invalid: Some index key attributes are not defined in "
        "AttributeDefinitions. Keys: [" + key_list + "], AttributeDefinitions: [" + def_list + "]");
  }
  s->hash = KeyDef{keys[0].first, s->TypeOf(keys[0].first)};
  if (keys.size() == 2) s->range = KeyDef{keys[1].first, s->TypeOf(keys[1].first)};
  return true;
}

// Every attribute definition must be a key of the table or of an index.
ApiResult<bool> CheckDefinitionCount(const TableSchema& s) {
  std::set<std::string> keys{s.hash.name};
  if (s.range) keys.insert(s.range->name);
  for (const IndexDef& i : s.indexes) {
    for (const KeyDef& k : i.hash) keys.insert(k.name);
    for (const KeyDef& k : i.range) keys.insert(k.name);
  }
  if (keys.size() != s.attribute_definitions.size()) {
    return Error::Validation(
        "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly "
        "match number of attributes defined in AttributeDefinitions");
  }
  return true;
}

ApiResult<bool> ReadBilling(const JsonValue& req, TableSchema* s, Constraints* c) {
  bool has_mode = false;
  auto m = GetString(req, "BillingMode", &s->billing_mode);
  if (!m.ok()) return m.error();
  has_mode = *m;
  if (has_mode && s->billing_mode != "PROVISIONED" && s->billing_mode != "PAY_PER_REQUEST") {
    c->Fail(Quote(s->billing_mode), "billingMode", "Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]");
    return true;
  }
  const JsonValue* pt = nullptr;
  auto p = GetObject(req, "ProvisionedThroughput", &pt);
  if (!p.ok()) return p.error();
  if (pt == nullptr) return true;
  bool has_r = false, has_w = false;
  auto r = GetInt64(*pt, "ReadCapacityUnits", &s->read_capacity);
  if (!r.ok()) return r.error();
  auto w = GetInt64(*pt, "WriteCapacityUnits", &s->write_capacity);
  if (!w.ok()) return w.error();
  has_r = *r;
  has_w = *w;
  c->NotNull(has_r, "provisionedThroughput.readCapacityUnits");
  c->NotNull(has_w, "provisionedThroughput.writeCapacityUnits");
  if (has_r && s->read_capacity < 1) {
    c->Fail(Quote(std::to_string(s->read_capacity)), "provisionedThroughput.readCapacityUnits",
            "Member must have value greater than or equal to 1");
  }
  if (has_w && s->write_capacity < 1) {
    c->Fail(Quote(std::to_string(s->write_capacity)), "provisionedThroughput.writeCapacityUnits",
            "Member must have value greater than or equal to 1");
  }
  return true;
}

}  // namespace

ApiResult<bool> ReadTableOptions(const JsonValue& req, TableSchema* s, Constraints* c) {
  bool protection = false;
  auto p = GetBool(req, "DeletionProtectionEnabled", &protection);
  if (!p.ok()) return p.error();
  if (*p) s->deletion_protection = protection;
  std::string table_class;
  auto k = ReadEnum(req, "TableClass", "tableClass", {"STANDARD", "STANDARD_INFREQUENT_ACCESS"},
                    "[STANDARD, STANDARD_INFREQUENT_ACCESS]", &table_class, c);
  if (!k.ok()) return k.error();
  if (*k) s->table_class = table_class;
  return *p || *k;
}

ApiResult<bool> CheckSseSpecification(const JsonValue& req, Constraints* c) {
  const JsonValue* sse = nullptr;
  auto got = GetObject(req, "SSESpecification", &sse);
  if (!got.ok()) return got.error();
  if (sse == nullptr) return false;
  bool enabled = false;
  auto e = GetBool(*sse, "Enabled", &enabled);
  if (!e.ok()) return e.error();
  std::string type, key;
  auto t = ReadEnum(*sse, "SSEType", "sSESpecification.sSEType", {"AES256", "KMS"}, "[AES256, KMS]", &type, c);
  if (!t.ok()) return t.error();
  auto k = GetString(*sse, "KMSMasterKeyId", &key);
  if (!k.ok()) return k.error();
  return true;
}

namespace {

ApiResult<bool> CheckBilling(const JsonValue& req, const TableSchema& s) {
  bool has_pt = Member(req, "ProvisionedThroughput") != nullptr;
  if (s.billing_mode == "PROVISIONED" && !has_pt) {
    return Error::Validation(
        "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both "
        "be specified when BillingMode is PROVISIONED");
  }
  if (s.billing_mode == "PAY_PER_REQUEST" && has_pt) {
    return Error::Validation(
        "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can "
        "be specified when BillingMode is PAY_PER_REQUEST");
  }
  return true;
}

ApiResult<TableSchema> ParseCreateTable(const JsonValue& req) {
  TableSchema s;
  Constraints c;
  auto name = GetString(req, "TableName", &s.table_name);
  if (!name.ok()) return name.error();
  const JsonValue* defs = nullptr;
  const JsonValue* ks = nullptr;
  auto d = GetArray(req, "AttributeDefinitions", &defs);
  if (!d.ok()) return d.error();
  auto k = GetArray(req, "KeySchema", &ks);
  if (!k.ok()) return k.error();

  if (defs != nullptr) {
    auto r = ReadDefinitions(*defs, &s, &c);
    if (!r.ok()) return r.error();
  }
  c.TableName(*name ? &s.table_name : nullptr);
  std::vector<std::pair<std::string, std::string>> keys;
  if (ks != nullptr) {
    auto r = ReadKeySchema(*ks, &c, "");
    if (!r.ok()) return r.error();
    keys = std::move(*r);
    if (keys.empty()) c.Fail("'[]'", "keySchema", "Member must have length greater than or equal to 1");
    if (keys.size() > 2) c.Fail("'[...]'", "keySchema", "Member must have length less than or equal to 2");
  }
  c.NotNull(defs != nullptr, "attributeDefinitions");
  c.NotNull(ks != nullptr, "keySchema");
  auto b = ReadBilling(req, &s, &c);
  if (!b.ok()) return b.error();
  auto o = ReadTableOptions(req, &s, &c);
  if (!o.ok()) return o.error();
  auto sse = CheckSseSpecification(req, &c);
  if (!sse.ok()) return sse.error();
  if (!c.ok()) return c.ToError();

  auto stream = RejectEnabledStream(req);
  if (!stream.ok()) return stream.error();
  const JsonValue* tags = nullptr;
  auto got_tags = GetArray(req, "Tags", &tags);
  if (!got_tags.ok()) return got_tags.error();
  if (tags != nullptr) {
    auto read = ReadTags(*tags);
    if (!read.ok()) return read.error();
    if (read->size() > 50) {
      return Error::Validation("One or more parameter values were invalid: Too many tags. Tags per resource limit: 50");
    }
    s.tags = std::move(read.value());
    std::sort(s.tags.begin(), s.tags.end());
  }
  auto bc = CheckBilling(req, s);
  if (!bc.ok()) return bc.error();
  auto kc = CheckKeys(keys, &s);
  if (!kc.ok()) return kc.error();
  auto ic = ReadIndexDefinitions(req, &s);
  if (!ic.ok()) return ic.error();
  auto dc = CheckDefinitionCount(s);
  if (!dc.ok()) return dc.error();
  if (s.billing_mode == "PAY_PER_REQUEST") s.read_capacity = s.write_capacity = 0;
  s.table_id = NewUuid();
  return s;
}

}  // namespace

void WriteProvisionedThroughput(JsonWriter& w, int64_t read, int64_t write) {
  w.Key("ProvisionedThroughput");
  w.StartObject();
  w.Key("NumberOfDecreasesToday");
  w.Int(0);
  w.Key("ReadCapacityUnits");
  w.Int64(read);
  w.Key("WriteCapacityUnits");
  w.Int64(write);
  w.EndObject();
}

std::string TableArn(const Context& ctx, const std::string& table) {
  return "arn:aws:dynamodb:" + ctx.region + ":000000000000:table/" + table;
}

ApiResult<std::string> ReadTableName(const JsonValue& req) {
  std::string name;
  auto n = GetString(req, "TableName", &name);
  if (!n.ok()) return n.error();
  Constraints c;
  c.TableName(*n ? &name : nullptr);
  if (!c.ok()) return c.ToError();
  return name;
}

std::string Describe(const Context& ctx, const char* wrapper, const cluster::TableMeta& meta,
                     const TableSchema& s, const cluster::TableStats& stats, const char* status) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key(wrapper);
  WriteDescription(w, ctx, meta, s, stats, status);
  w.EndObject();
  return buf.GetString();
}

ApiResult<std::string> CreateTable(Context& ctx, const JsonValue& req) {
  auto schema = ParseCreateTable(req);
  if (!schema.ok()) return schema.error();
  if (ctx.cluster->GetTable(ctx.ns + schema->table_name).ok()) {
    return Error::ResourceInUse("Table already exists: " + schema->table_name);
  }
  auto indexes = CreateIndexTables(ctx, &*schema);
  if (!indexes.ok()) return indexes.error();
  auto meta = ctx.cluster->CreateTable(ctx.ns + schema->table_name, schema->Serialize());
  if (!meta.ok()) {
    for (const IndexDef& i : schema->indexes) {
      if (i.global) (void)ctx.cluster->DeleteTable(GlobalIndexTableName(ctx.ns + schema->table_name, i.name));
    }
    if (meta.status().IsAlreadyExists()) {
      return Error::ResourceInUse("Table already exists: " + schema->table_name);
    }
    return Error::FromStatus(meta.status());
  }
  // DynamoDB Local answers ACTIVE at once: the replica groups exist by now.
  return Describe(ctx, "TableDescription", *meta, *schema, cluster::TableStats{}, "ACTIVE");
}

ApiResult<std::string> DescribeTable(Context& ctx, const JsonValue& req) {
  auto name = ReadTableName(req);
  if (!name.ok()) return name.error();
  auto t = ResolveTable(ctx, *name, "Requested resource not found: Table: " + *name + " not found");
  if (!t.ok()) return t.error();
  return Describe(ctx, "Table", t->meta, *t->schema, ctx.cluster->Stats(t->meta), "ACTIVE");
}

ApiResult<std::string> DeleteTable(Context& ctx, const JsonValue& req) {
  auto name = ReadTableName(req);
  if (!name.ok()) return name.error();
  auto t = ResolveTable(ctx, *name, "Requested resource not found: Table: " + *name + " not found");
  if (!t.ok()) return t.error();
  if (t->schema->deletion_protection) {
    return Error::Validation(
        "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection "
        "first.");
  }
  cluster::TableStats stats = ctx.cluster->Stats(t->meta);
  auto deleted = ctx.cluster->DeleteTable(ctx.ns + *name);
  if (!deleted.ok()) {
    if (deleted.status().IsNotFound()) {
      return Error::ResourceNotFound("Requested resource not found: Table: " + *name + " not found");
    }
    return Error::FromStatus(deleted.status());
  }
  for (const IndexDef& i : t->schema->indexes) {
    if (i.global) (void)ctx.cluster->DeleteTable(GlobalIndexTableName(ctx.ns + *name, i.name));
  }
  return Describe(ctx, "TableDescription", t->meta, *t->schema, stats, "DELETING");
}

ApiResult<std::string> ListTables(Context& ctx, const JsonValue& req) {
  std::string start;
  int64_t limit = kMaxListTables;
  auto s = GetString(req, "ExclusiveStartTableName", &start);
  if (!s.ok()) return s.error();
  auto l = GetInt64(req, "Limit", &limit);
  if (!l.ok()) return l.error();
  Constraints c;
  if (*s) c.TableName(&start, "exclusiveStartTableName");
  if (*l && limit < 1) c.Fail(Quote(std::to_string(limit)), "limit", "Member must have value greater than or equal to 1");
  if (*l && limit > 100) c.Fail(Quote(std::to_string(limit)), "limit", "Member must have value less than or equal to 100");
  if (!c.ok()) return c.ToError();

  std::vector<cluster::TableMeta> tables = ctx.cluster->ListTables(ctx.ns);
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("TableNames");
  w.StartArray();
  size_t n = 0;
  std::string last;
  bool more = false;
  for (const auto& t : tables) {
    if (IsGlobalIndexTableName(t.name, ctx.ns)) continue;
    std::string name = t.name.substr(ctx.ns.size());
    if (*s && name <= start) continue;
    if (n == static_cast<size_t>(limit)) {
      more = true;
      break;
    }
    w.String(name);
    last = name;
    ++n;
  }
  w.EndArray();
  if (more) {
    w.Key("LastEvaluatedTableName");
    w.String(last);
  }
  w.EndObject();
  return std::string(buf.GetString());
}

}  // namespace ddb::api
