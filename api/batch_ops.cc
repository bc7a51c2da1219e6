// BatchWriteItem and BatchGetItem.
//
// Both first read and validate the whole request in DynamoDB's order — JSON
// types, member constraints, shape and counts, item contents, tables, key
// schemas, duplicate keys — so a bad element means nothing is written. Then
// each put, delete or get goes to the cluster on its own: every item is
// atomic, the batch is not (a non-retryable cluster error fails the call after
// the writes before it, as in DynamoDB). What the cluster cannot serve for now
// (Status::IsUnavailable), and a write of an item a transaction holds
// (Status::IsConflict), is handed back in UnprocessedItems / UnprocessedKeys,
// unless nothing was served: then the call fails with that error, as DynamoDB
// fails a batch throttled as a whole. BatchGetItem also hands back, with the
// table's parameters, the keys past its 16 MB response limit. Not yet:
// table ARNs as RequestItems keys.
//
// Messages: ScyllaDB's test_batch.py and dynalite's suite (run against
// DynamoDB), paritysuite/dynamodb-conformance (captured from AWS, 2026). Where
// regions differ during DynamoDB's move to a newer validation framework,
// BatchGetItem says what the newer one says ("Value at 'RequestItems...'"),
// BatchWriteItem what most regions say. Where DynamoDB echoes Java objects the
// echo is approximate (BatchWriteItem's "{table=[...]}" shows requests as JSON;
// exact for an empty list). Unconfirmed, by analogy: "Too many items requested
// for the BatchWriteItem call" (over 25 across tables), null-member paths, JSON
// kind messages of nested structures, a repeated table name keeping its last
// value, 1 capacity unit per delete (the old item's size is not known).
//
// Thread safety: called concurrently; all state is per call.
#include <cmath>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "api/expression_context.h"
#include "api/expression_legacy.h"
#include "api/item_codec.h"
#include "api/item_json.h"
#include "api/item_request.h"
#include "api/secondary_index.h"
#include "api/operations.h"

namespace ddb::api {

namespace {

constexpr size_t kMaxWriteRequests = 25;
constexpr size_t kMaxGetKeys = 100;
constexpr size_t kMaxResponseBytes = 16 * 1024 * 1024;

constexpr char kDuplicateKeys[] = "Provided list of item keys contains duplicates";
constexpr char kKeyMismatch[] = "The provided key element does not match the schema";
constexpr char kNotFound[] = "Requested resource not found";
constexpr char kMapKeysConstraint[] =
    "Map keys must satisfy constraint: [Member must have length less than or equal to 255, Member must have "
    "length greater than or equal to 3, Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+]";
constexpr char kWriteListConstraint[] =
    "Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have "
    "length greater than or equal to 1]";
constexpr char kNotOneRequest[] =
    "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes";

// DynamoDB's constraint report, as Constraints (api/operations.h) writes it,
// plus the newer framework's form that names no value ("Value at 'p' ...",
// when `rendered_value` is empty).
class Violations {
 public:
  void Add(const std::string& rendered_value, const std::string& path, const std::string& constraint) {
    errors_.push_back("Value " + (rendered_value.empty() ? "" : rendered_value + " ") + "at '" + path +
                      "' failed to satisfy constraint: " + constraint);
  }
  void NotNull(const std::string& path) { Add("null", path, "Member must not be null"); }
  bool ok() const { return errors_.empty(); }
  Error ToError() const {
    std::string m = std::to_string(errors_.size()) +
                    (errors_.size() == 1 ? " validation error detected: " : " validation errors detected: ");
    for (size_t i = 0; i < errors_.size(); ++i) m += (i ? "; " : "") + errors_[i];
    return Error::Validation(m);
  }

 private:
  std::vector<std::string> errors_;
};

std::string CompactJson(const JsonValue& v) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  v.Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

bool ValidTableName(const std::string& name) {
  Constraints probe;
  probe.TableName(&name);
  return probe.ok();
}

// The members of RequestItems in request order; a table named twice counts
// once, with its last value. Values are nullptr when JSON null.
using Tables = std::vector<std::pair<std::string, const JsonValue*>>;
Tables TablesOf(const JsonValue& request_items) {
  Tables out;
  for (auto m = request_items.MemberBegin(); m != request_items.MemberEnd(); ++m) {
    bool repeated = false;
    for (auto later = m + 1; later != request_items.MemberEnd(); ++later) repeated |= later->name == m->name;
    if (repeated) continue;
    out.emplace_back(std::string(m->name.GetString(), m->name.GetStringLength()),
                     m->value.IsNull() ? nullptr : &m->value);
  }
  return out;
}

ApiResult<bool> ReadReturnConsumed(const JsonValue& req, std::string* out, Violations* v) {
  auto got = GetString(req, "ReturnConsumedCapacity", out);
  if (!got.ok()) return got.error();
  if (*got && *out != "NONE" && *out != "TOTAL" && *out != "INDEXES") {
    v->Add(Quote(*out), "returnConsumedCapacity", "Member must satisfy enum value set: [INDEXES, TOTAL, NONE]");
  }
  return true;
}

// Parses every item of a request into its destination. DynamoDB
// deserializes the whole request before it validates any of it, so a
// SerializationException anywhere wins over an earlier ValidationException.
ApiResult<bool> ParseItems(const std::vector<std::pair<const JsonValue*, Item*>>& jobs) {
  std::optional<Error> invalid;
  for (const auto& [source, item] : jobs) {
    auto parsed = ParseItem(*source);
    if (parsed.ok()) {
      *item = std::move(*parsed);
    } else if (parsed.error().type == "SerializationException") {
      return parsed.error();
    } else if (!invalid) {
      invalid = parsed.error();
    }
  }
  if (invalid) return *invalid;
  return true;
}

// Looks up every table of the request, in request order.
template <typename TableList>
ApiResult<bool> ResolveTables(Context& ctx, TableList* tables) {
  for (auto& t : *tables) {
    auto resolved = ResolveTable(ctx, t.name, kNotFound);
    if (!resolved.ok()) return resolved.error();
    t.table = std::move(*resolved);
  }
  return true;
}

void WriteKey(JsonWriter& w, const std::string& k) { w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size())); }

// ConsumedCapacity: one entry per table (each with `name` and `units`), in
// request order.
template <typename TableList>
void WriteConsumed(JsonWriter& w, const std::string& mode, const TableList& tables) {
  std::vector<std::pair<std::string, Consumed>> units;
  for (const auto& t : tables) units.emplace_back(t.name, Consumed(t.units));
  WriteConsumedCapacityList(w, mode, units);
}

using KeySet = std::set<std::pair<std::string, std::string>>;  // encoded (hash, range)

// ============================================================ BatchWriteItem

struct WriteOp {
  bool put = false;
  const JsonValue* source = nullptr;  // the Item (put) or Key (delete) object
  Item item;                          // the item (put) or the key (delete)
  cluster::Key key;
  size_t size = 0;  // put: the item's DynamoDB size
};

struct TableWrites {
  std::string name;
  ResolvedTable table;
  std::vector<WriteOp> ops;
  std::vector<const WriteOp*> unprocessed;
  Consumed units;
  // WriteIndexed's, one per write sent, when capacity is asked for: what
  // each write consumed, as its leader decided it (it alone knows the
  // replaced item).
  std::vector<std::shared_ptr<ConsumedSlot>> slots;
};

struct WriteBatch {
  std::string return_consumed = "NONE";
  bool return_collection_size = false;  // ReturnItemCollectionMetrics SIZE
  std::vector<TableWrites> tables;
};

// DynamoDB echoes RequestItems as a Java map: "{table=[request, ...]}".
std::string EchoWriteRequests(const Tables& tables) {
  std::string out = "{";
  for (size_t t = 0; t < tables.size(); ++t) {
    out += (t ? ", " : "") + tables[t].first + "=[";
    if (tables[t].second != nullptr) {
      for (rapidjson::SizeType i = 0; i < tables[t].second->Size(); ++i) {
        out += (i ? ", " : "") + CompactJson((*tables[t].second)[i]);
      }
    }
    out += "]";
  }
  return out + "}";
}

// One WriteRequest's JSON types: {"PutRequest": {"Item": {...}}} or
// {"DeleteRequest": {"Key": {...}}}. Fills `op` (its source stays nullptr
// unless exactly one of the two is given, with its Item or Key) and adds the
// paths of absent Items and Keys to `null_members`.
ApiResult<bool> ReadWriteRequest(const JsonValue& e, const std::string& path, WriteOp* op,
                                 std::vector<std::string>* null_members) {
  if (!e.IsObject()) return Error::Serialization(JsonKind(e) + " cannot be converted to WriteRequest");
  int count = 0;
  const JsonValue* source = nullptr;
  for (const char* kind : {"DeleteRequest", "PutRequest"}) {
    const JsonValue* r = Member(e, kind);
    if (r == nullptr) continue;
    if (!r->IsObject()) return Error::Serialization(JsonKind(*r) + " cannot be converted to " + kind);
    ++count;
    op->put = kind[0] == 'P';
    auto got = GetObject(*r, op->put ? "Item" : "Key", &source);
    if (!got.ok()) return got.error();
    if (source == nullptr) null_members->push_back(path + (op->put ? "putRequest.item" : "deleteRequest.key"));
  }
  if (count == 1) op->source = source;
  return true;
}

// JSON types, member constraints, shape and count of a BatchWriteItem.
ApiResult<WriteBatch> ReadWriteShape(const JsonValue& req) {
  WriteBatch b;
  Violations v;
  const JsonValue* items = nullptr;
  auto got = GetObject(req, "RequestItems", &items);
  if (!got.ok()) return got.error();
  auto rc = ReadReturnConsumed(req, &b.return_consumed, &v);
  if (!rc.ok()) return rc.error();
  std::string metrics;
  auto rm = GetString(req, "ReturnItemCollectionMetrics", &metrics);
  if (!rm.ok()) return rm.error();
  if (*rm && metrics != "SIZE" && metrics != "NONE") {
    v.Add(Quote(metrics), "returnItemCollectionMetrics", "Member must satisfy enum value set: [SIZE, NONE]");
  }
  b.return_collection_size = *rm && metrics == "SIZE";
  if (items == nullptr) v.NotNull("requestItems");
  if (!v.ok()) return v.ToError();
  if (items->ObjectEmpty()) return Error::Validation("The requestItems parameter is required for BatchWriteItem");

  const Tables tables = TablesOf(*items);
  bool bad_name = false, bad_length = false;
  std::vector<std::string> null_members;
  for (const auto& [name, list] : tables) {
    if (list != nullptr && !list->IsArray()) {
      return Error::Serialization(JsonKind(*list) + " cannot be converted to List");
    }
    bad_name |= !ValidTableName(name);
    size_t n = list == nullptr ? 0 : list->Size();
    bad_length |= n < 1 || n > kMaxWriteRequests;
    TableWrites t;
    t.name = name;
    for (size_t i = 0; i < n; ++i) {
      WriteOp op;
      const JsonValue& e = (*list)[static_cast<rapidjson::SizeType>(i)];
      std::string path = "requestItems." + name + ".member." + std::to_string(i + 1) + ".member.";
      auto read = ReadWriteRequest(e, path, &op, &null_members);
      if (!read.ok()) return read.error();
      t.ops.push_back(std::move(op));
    }
    b.tables.push_back(std::move(t));
  }
  if (bad_name) v.Add(Quote(EchoWriteRequests(tables)), "requestItems", kMapKeysConstraint);
  if (bad_length) v.Add(Quote(EchoWriteRequests(tables)), "requestItems", kWriteListConstraint);
  for (const std::string& path : null_members) v.NotNull(path);
  if (!v.ok()) return v.ToError();

  size_t total = 0;
  for (const TableWrites& t : b.tables) {
    for (const WriteOp& op : t.ops) {
      if (op.source == nullptr) return Error::Validation(kNotOneRequest);  // none or both
    }
    total += t.ops.size();
  }
  if (total > kMaxWriteRequests) return Error::Validation("Too many items requested for the BatchWriteItem call");
  return b;
}

// The key of a PutRequest's item. A key attribute that is missing or of the
// wrong type is the generic schema mismatch in a batch (PutItem names the
// attribute); empty values and sizes are worded as PutItem words them.
ApiResult<cluster::Key> KeyOfBatchItem(const TableSchema& schema, const Item& item) {
  auto matches = [&item](const KeyDef& def) {
    auto it = item.find(def.name);
    return it != item.end() && it->second.type == def.type;
  };
  if (!matches(schema.hash) || (schema.range && !matches(*schema.range))) return Error::Validation(kKeyMismatch);
  return KeyOfItem(schema, item);
}

// Items, tables, keys and duplicates: everything checked before a write.
ApiResult<WriteBatch> ParseBatchWrite(Context& ctx, const JsonValue& req) {
  auto b = ReadWriteShape(req);
  if (!b.ok()) return b.error();
  std::vector<std::pair<const JsonValue*, Item*>> jobs;
  for (TableWrites& t : b->tables) {
    for (WriteOp& op : t.ops) jobs.emplace_back(op.source, &op.item);
  }
  auto parsed = ParseItems(jobs);
  if (!parsed.ok()) return parsed.error();
  for (TableWrites& t : b->tables) {
    for (WriteOp& op : t.ops) {
      if (!op.put) continue;
      auto names = CheckAttributeNames(op.item);
      if (!names.ok()) return names.error();
      op.size = ItemSize(op.item);
      if (op.size > kMaxItemBytes) return Error::Validation("Item size has exceeded the maximum allowed size");
    }
  }
  auto resolved = ResolveTables(ctx, &b->tables);
  if (!resolved.ok()) return resolved.error();
  for (TableWrites& t : b->tables) {
    KeySet seen;
    for (WriteOp& op : t.ops) {
      auto key = op.put ? KeyOfBatchItem(*t.table.schema, op.item) : KeyOfKeyParam(*t.table.schema, op.item);
      if (!key.ok()) return key.error();
      if (op.put) {
        auto index_keys = CheckIndexKeys(*t.table.schema, op.item);
        if (!index_keys.ok()) return index_keys.error();
      }
      op.key = std::move(*key);
      if (!seen.emplace(op.key.hash, op.key.range).second) return Error::Validation(kDuplicateKeys);
    }
  }
  return b;
}

// A table with secondary indexes: each write is a read-modify-write step,
// so that the leader computes the index changes from the replaced item.
// The first `count` writes of the table are sent.
std::vector<Status> WriteIndexed(Context& ctx, TableWrites& t, size_t count, bool count_units) {
  // Blind puts and deletes: running one twice gives the same item and rows.
  std::vector<std::pair<cluster::Key, cluster::Mutator>> steps;
  t.slots.clear();
  for (size_t i = 0; i < count; ++i) {
    const WriteOp& op = t.ops[i];
    auto step = std::make_shared<WriteStep>();
    step->kind = op.put ? WriteStep::Kind::kPut : WriteStep::Kind::kDelete;
    if (op.put) step->item = op.item;
    std::optional<IndexedWrite> indexes = IndexesOf(t.table, op.key, count_units);
    if (indexes && indexes->consumed) t.slots.push_back(indexes->consumed);
    steps.emplace_back(op.key, MakeMutator(step, std::move(indexes)));
  }
  return ctx.cluster->MutateBatch(t.table.meta, steps);
}

void WriteUnprocessedRequest(JsonWriter& w, const WriteOp& op) {
  w.StartObject();
  w.Key(op.put ? "PutRequest" : "DeleteRequest");
  w.StartObject();
  w.Key(op.put ? "Item" : "Key");
  WriteItem(op.item, w);
  w.EndObject();
  w.EndObject();
}

}  // namespace

ApiResult<std::string> BatchWriteItem(Context& ctx, const JsonValue& req) {
  auto b = ParseBatchWrite(ctx, req);
  if (!b.ok()) return b.error();

  size_t processed = 0;
  Status retryable;
  bool held_any = false;
  CollectionMetricsByTable collections;
  for (TableWrites& t : b->tables) {
    collections.emplace_back(t.name, std::vector<CollectionMetric>());
    std::set<std::string> collected;  // partition keys (encoded) measured
    // A fault rule may hold back the table's last requests (api/fault_rules.h).
    size_t held = 0;
    if (ctx.faults != nullptr) {
      const JsonValue& items = req["RequestItems"];
      auto it = items.FindMember(rapidjson::StringRef(t.name.data(), t.name.size()));
      if (it != items.MemberEnd()) held = ctx.faults->UnprocessedFor(ctx.ns, t.name, it->value, t.ops.size());
    }
    const size_t sent = t.ops.size() - held;
    for (size_t i = sent; i < t.ops.size(); ++i) t.unprocessed.push_back(&t.ops[i]);
    held_any |= held > 0;
    // A table's writes go to their leaders together.
    std::vector<cluster::Cluster::WriteOp> writes;
    for (size_t i = 0; i < sent; ++i) {
      const WriteOp& op = t.ops[i];
      writes.push_back(cluster::Cluster::WriteOp{op.key, !op.put, op.put ? EncodeItem(op.item) : std::string(),
                                                 static_cast<uint32_t>(op.size)});
    }
    std::vector<Status> statuses =
        writes.empty() ? std::vector<Status>()
        : t.table.schema->indexes.empty() ? ctx.cluster->WriteBatch(t.table.meta, writes)
                                          : WriteIndexed(ctx, t, sent, b->return_consumed != "NONE");
    for (size_t i = 0; i < sent; ++i) {
      const WriteOp& op = t.ops[i];
      const Status& s = statuses[i];
      if (s.IsUnavailable() || s.IsConflict()) {
        t.unprocessed.push_back(&op);
        retryable = s;
        continue;
      }
      if (!s.ok()) return Error::FromStatus(s);
      ++processed;
      const std::optional<Consumed> indexed = i < t.slots.size() ? t.slots[i]->Get() : std::nullopt;
      t.units.Add(indexed ? *indexed : Consumed(op.put ? WriteUnits(op.size) : 1.0));
      // Each collection once, measured after the table's writes.
      if (b->return_collection_size && collected.insert(op.key.hash).second) {
        auto metric = CollectionOf(ctx, t.table, op.key, op.item);
        if (metric) collections.back().second.push_back(std::move(*metric));
      }
    }
  }
  // DynamoDB answers a batch of which nothing could be written with an error.
  if (processed == 0 && held_any) {
    FaultRule throttle;
    throttle.fault = "ProvisionedThroughputExceededException";
    return FaultRules::Injected(throttle);
  }
  if (processed == 0 && !retryable.ok()) return Error::FromStatus(retryable);

  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("UnprocessedItems");
  w.StartObject();
  for (const TableWrites& t : b->tables) {
    if (t.unprocessed.empty()) continue;
    WriteKey(w, t.name);
    w.StartArray();
    for (const WriteOp* op : t.unprocessed) WriteUnprocessedRequest(w, *op);
    w.EndArray();
  }
  w.EndObject();
  WriteConsumed(w, b->return_consumed, b->tables);
  WriteCollectionMetrics(w, collections);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

namespace {

// ============================================================ BatchGetItem

struct TableGets {
  std::string name;
  ResolvedTable table;
  const JsonValue* request = nullptr;     // the KeysAndAttributes object
  std::vector<const JsonValue*> sources;  // its Keys elements
  std::vector<Item> keys;
  std::vector<cluster::Key> encoded;
  std::optional<std::vector<std::string>> attributes_to_get;
  std::optional<Projection> projection;  // ProjectionExpression or AttributesToGet
  std::optional<bool> consistent;
  std::vector<size_t> unprocessed;  // indexes into keys
  double units = 0;
};

struct GetBatch {
  std::string return_consumed = "NONE";
  std::vector<TableGets> tables;
};

// One KeysAndAttributes' JSON types and constraints.
ApiResult<TableGets> ReadKeysAndAttributes(const std::string& name, const JsonValue* ka, Violations* v) {
  TableGets t;
  t.name = name;
  t.request = ka;
  const std::string path = "RequestItems." + name + ".member.";
  if (ka != nullptr && !ka->IsObject()) {
    return Error::Serialization(JsonKind(*ka) + " cannot be converted to KeysAndAttributes");
  }
  const JsonValue* keys = nullptr;
  const JsonValue* atg = nullptr;
  if (ka != nullptr) {
    auto k = GetArray(*ka, "Keys", &keys);
    if (!k.ok()) return k.error();
    auto a = GetArray(*ka, "AttributesToGet", &atg);
    if (!a.ok()) return a.error();
    bool consistent = false;
    auto c = GetBool(*ka, "ConsistentRead", &consistent);
    if (!c.ok()) return c.error();
    if (*c) t.consistent = consistent;
  }
  if (keys == nullptr) v->NotNull(path + "Keys");
  if (keys != nullptr && keys->Empty()) v->Add("", path + "Keys", "Member must have length greater than or equal to 1");
  if (keys != nullptr && keys->Size() > kMaxGetKeys) {
    v->Add("", path + "Keys", "Member must have length less than or equal to 100");
  }
  for (rapidjson::SizeType i = 0; keys != nullptr && i < keys->Size(); ++i) {
    if (!(*keys)[i].IsObject()) return Error::Serialization(JsonKind((*keys)[i]) + " cannot be converted to Map");
    t.sources.push_back(&(*keys)[i]);
  }
  if (atg != nullptr) {
    if (atg->Empty()) v->Add("", path + "AttributesToGet", "Member must have length greater than or equal to 1");
    t.attributes_to_get.emplace();
    for (const JsonValue& a : atg->GetArray()) {
      if (!a.IsString()) return Error::Serialization(JsonKind(a) + " cannot be converted to String");
      t.attributes_to_get->emplace_back(a.GetString(), a.GetStringLength());
    }
  }
  return t;
}

// One table's ProjectionExpression (with ExpressionAttributeNames) or
// AttributesToGet, as GetItem reads them.
ApiResult<std::optional<Projection>> ReadProjection(const JsonValue& ka) {
  auto mixed = CheckExpressionParameters(ka, ExpressionOperation::kBatchGetTable);
  if (!mixed.ok()) return mixed.error();
  auto ctx = ExpressionContext::Create(Member(ka, "ExpressionAttributeNames"), nullptr);
  if (!ctx.ok()) return ctx.error();
  std::optional<Projection> out;
  std::string text;
  auto got = GetString(ka, "ProjectionExpression", &text);
  if (!got.ok()) return got.error();
  if (*got) {
    auto p = ctx->ParseProjection(text);
    if (!p.ok()) return p.error();
    out = std::move(p.value());
  }
  auto unused = ctx->CheckAllUsed();
  if (!unused.ok()) return unused.error();
  if (const JsonValue* atg = Member(ka, "AttributesToGet")) {
    auto p = ConvertAttributesToGet(*atg);
    if (!p.ok()) return p.error();
    out = std::move(p.value());
  }
  return out;
}

// JSON types, member constraints, projections and counts.
ApiResult<GetBatch> ReadGetShape(const JsonValue& req) {
  GetBatch b;
  Violations v;
  const JsonValue* items = nullptr;
  auto got = GetObject(req, "RequestItems", &items);
  if (!got.ok()) return got.error();
  if (items == nullptr) {
    auto rc = ReadReturnConsumed(req, &b.return_consumed, &v);
    if (!rc.ok()) return rc.error();
    v.NotNull("requestItems");
    return v.ToError();
  }
  const Tables tables = TablesOf(*items);
  if (tables.empty()) v.Add("", "RequestItems", "Member must have length greater than or equal to 1");
  bool bad_name = false;
  for (const auto& entry : tables) bad_name |= !ValidTableName(entry.first);
  if (bad_name) v.Add(Quote(CompactJson(*items)), "requestItems", kMapKeysConstraint);
  for (const auto& [name, ka] : tables) {
    auto t = ReadKeysAndAttributes(name, ka, &v);
    if (!t.ok()) return t.error();
    b.tables.push_back(std::move(*t));
  }
  auto rc = ReadReturnConsumed(req, &b.return_consumed, &v);
  if (!rc.ok()) return rc.error();
  if (!v.ok()) return v.ToError();

  size_t total = 0;
  for (TableGets& t : b.tables) {
    // t.request is not null: its Keys passed the constraints.
    auto projection = ReadProjection(*t.request);
    if (!projection.ok()) return projection.error();
    t.projection = std::move(projection.value());
    total += t.sources.size();
  }
  if (total > kMaxGetKeys) return Error::Validation("Too many items requested for the BatchGetItem call");
  return b;
}

ApiResult<GetBatch> ParseBatchGet(Context& ctx, const JsonValue& req) {
  auto b = ReadGetShape(req);
  if (!b.ok()) return b.error();
  std::vector<std::pair<const JsonValue*, Item*>> jobs;
  for (TableGets& t : b->tables) {
    t.keys.resize(t.sources.size());
    for (size_t i = 0; i < t.sources.size(); ++i) jobs.emplace_back(t.sources[i], &t.keys[i]);
  }
  auto parsed = ParseItems(jobs);
  if (!parsed.ok()) return parsed.error();
  auto resolved = ResolveTables(ctx, &b->tables);
  if (!resolved.ok()) return resolved.error();
  for (TableGets& t : b->tables) {
    KeySet seen;
    for (const Item& k : t.keys) {
      auto key = KeyOfKeyParam(*t.table.schema, k);
      if (!key.ok()) return key.error();
      if (!seen.emplace(key->hash, key->range).second) return Error::Validation(kDuplicateKeys);
      t.encoded.push_back(std::move(*key));
    }
  }
  return b;
}

// The keys handed back for one table, with the table's parameters.
void WriteUnprocessedKeys(JsonWriter& w, const TableGets& t) {
  WriteKey(w, t.name);
  w.StartObject();
  w.Key("Keys");
  w.StartArray();
  for (size_t i : t.unprocessed) WriteItem(t.keys[i], w);
  w.EndArray();
  if (t.attributes_to_get) {
    w.Key("AttributesToGet");
    w.StartArray();
    for (const std::string& n : *t.attributes_to_get) w.String(n);
    w.EndArray();
  }
  if (t.consistent) {
    w.Key("ConsistentRead");
    w.Bool(*t.consistent);
  }
  // The projection goes back as it came.
  for (const char* member : {"ProjectionExpression", "ExpressionAttributeNames"}) {
    if (const JsonValue* v = Member(*t.request, member)) {
      w.Key(member);
      v->Accept(w);
    }
  }
  w.EndObject();
}

struct ReadProgress {
  size_t bytes = 0;      // of the items read so far
  size_t processed = 0;  // keys answered, found or not
  bool full = false;     // the 16 MB limit is reached: hand the other keys back
  Status retryable;      // the last retryable error
  bool held_any = false; // a fault rule held keys back
};

// Reads one table's keys and writes the items found into the open array of
// `w`; keys it cannot serve now go to t->unprocessed.
ApiResult<bool> ReadTable(Context& ctx, TableGets* t, ReadProgress* p, JsonWriter& w) {
  bool consistent = t->consistent.value_or(false);
  // A fault rule may hold back the table's last keys (api/fault_rules.h).
  const size_t held = ctx.faults == nullptr || t->request == nullptr
                          ? 0
                          : ctx.faults->UnprocessedKeysFor(ctx.ns, t->name, *t->request, t->encoded.size());
  p->held_any |= held > 0;
  for (size_t i = 0; i < t->encoded.size(); ++i) {
    if (p->full || i >= t->encoded.size() - held) {
      t->unprocessed.push_back(i);
      continue;
    }
    auto stored = ctx.cluster->Get(t->table.meta, t->encoded[i], consistent);
    if (!stored.ok() && stored.status().IsUnavailable()) {
      t->unprocessed.push_back(i);
      p->retryable = stored.status();
      continue;
    }
    if (!stored.ok()) return Error::FromStatus(stored.status());
    std::optional<Item> item;
    if (stored->has_value()) {
      auto decoded = DecodeItem(**stored);
      if (!decoded.ok()) return Error::InternalServer("Internal server error");
      item = std::move(*decoded);
    }
    size_t size = item ? ItemSize(*item) : 0;
    if (p->bytes + size > kMaxResponseBytes) {
      p->full = true;
      t->unprocessed.push_back(i);
      continue;
    }
    p->bytes += size;
    ++p->processed;
    t->units += ReadUnits(size, consistent);
    if (item && t->projection) *item = ApplyProjection(*t->projection, *item);
    if (item) WriteItem(*item, w);
  }
  return true;
}

}  // namespace

ApiResult<std::string> BatchGetItem(Context& ctx, const JsonValue& req) {
  auto b = ParseBatchGet(ctx, req);
  if (!b.ok()) return b.error();

  // Items are written to the response as they are read.
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("Responses");
  w.StartObject();
  ReadProgress progress;
  for (TableGets& t : b->tables) {
    WriteKey(w, t.name);
    w.StartArray();
    auto read = ReadTable(ctx, &t, &progress, w);
    if (!read.ok()) return read.error();
    w.EndArray();
  }
  w.EndObject();
  // DynamoDB answers a batch of which nothing could be read with an error.
  if (progress.processed == 0 && progress.held_any) {
    FaultRule throttle;
    throttle.fault = "ProvisionedThroughputExceededException";
    return FaultRules::Injected(throttle);
  }
  if (progress.processed == 0 && !progress.retryable.ok()) return Error::FromStatus(progress.retryable);
  w.Key("UnprocessedKeys");
  w.StartObject();
  for (const TableGets& t : b->tables) {
    if (!t.unprocessed.empty()) WriteUnprocessedKeys(w, t);
  }
  w.EndObject();
  WriteConsumed(w, b->return_consumed, b->tables);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace ddb::api
