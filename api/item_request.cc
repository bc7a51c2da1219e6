// The parts of the item operations that PutItem, UpdateItem, DeleteItem and
// GetItem share; see item_request.h.
#include "api/item_request.h"

#include <algorithm>

#include "api/secondary_index.h"

#include "api/expression_legacy.h"
#include "api/item_codec.h"
#include "api/item_json.h"

namespace ddb::api {

namespace {

std::string ItemJson(const Item& item) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  WriteItem(item, w);
  return buf.GetString();
}

std::optional<Item> Decode(const std::optional<std::string>& bytes, bool* corrupt) {
  if (!bytes) return std::nullopt;
  auto item = DecodeItem(*bytes);
  if (!item.ok()) {
    *corrupt = true;
    return std::nullopt;
  }
  return std::move(item.value());
}

void WriteConsumed(JsonWriter& w, const ItemRequest& r, double units) {
  WriteConsumedCapacity(w, r.table_name, r.return_consumed, units);
}

// The step's decision on the latest version (`old`, or none).
// `*next` is set to the new version when the mutation writes one.
cluster::Mutation Decide(const WriteStep& step, const Item* old, Item* next_out) {
  cluster::Mutation m;
  if (step.condition && !EvaluateCondition(*step.condition, old)) {
    m.status = Status::ConditionFailed("The conditional request failed");
    return m;
  }
  const Item* next = nullptr;
  Item updated;
  switch (step.kind) {
    case WriteStep::Kind::kCheck:
      return m;
    case WriteStep::Kind::kDelete:
      m.write = m.erase = old != nullptr;
      return m;
    case WriteStep::Kind::kPut:
      next = &step.item;
      break;
    case WriteStep::Kind::kUpdate: {
      if (old == nullptr && !step.update->CreatesItem()) return m;
      auto applied = ApplyUpdate(*step.update, old, step.item);
      if (!applied.ok()) {
        m.status = Status::InvalidArgument(applied.error().message);
        return m;
      }
      updated = std::move(applied.value());
      if (ItemSize(updated) > kMaxItemBytes) {
        m.status = Status::InvalidArgument("Item size to update has exceeded the maximum allowed size");
        return m;
      }
      // As PutItem refuses it: the stored form would fail every later
      // read and write (the decoder's bound).
      if (NestedTooDeep(updated)) {
        m.status = Status::InvalidArgument(kNestedTooDeep);
        return m;
      }
      next = &updated;
      break;
    }
  }
  m.write = true;
  m.item = EncodeItem(*next);
  m.size = static_cast<uint32_t>(ItemSize(*next));
  if (next != &updated) {
    *next_out = *next;
  } else {
    *next_out = std::move(updated);
  }
  return m;
}

// Adds the index writes of a decided mutation (or fails it when the new
// version has an index key of the wrong type).
void AddIndexWrites(const IndexedWrite& target, const Item* old, const Item& next, cluster::Mutation* m) {
  if (!m->status.ok() || !m->write) return;
  if (!m->erase) {
    auto valid = CheckIndexKeys(*target.schema, next);
    if (!valid.ok()) {
      m->status = Status::InvalidArgument(valid.error().message);
      m->write = false;
      return;
    }
  }
  const Item* written = m->erase ? nullptr : &next;
  std::vector<IndexChange> changes = IndexChanges(*target.schema, target.key, old, written);
  if (target.consumed) target.consumed->Set(ConsumedByWrite(old, written, changes));
  m->index_writes = IndexWrites(target.table, std::move(changes));
}

}  // namespace

ApiResult<bool> ReadItemRequest(const JsonValue& req, ItemRequest* r, Constraints* c) {
  auto n = GetString(req, "TableName", &r->table_name);
  if (!n.ok()) return n.error();
  c->TableName(*n ? &r->table_name : nullptr);
  auto rv = ReadEnum(req, "ReturnValues", "returnValues", {"NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"},
                     "[ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]", &r->return_values, c);
  if (!rv.ok()) return rv.error();
  auto rc = ReadEnum(req, "ReturnConsumedCapacity", "returnConsumedCapacity", {"NONE", "TOTAL", "INDEXES"},
                     "[INDEXES, TOTAL, NONE]", &r->return_consumed, c);
  if (!rc.ok()) return rc.error();
  std::string metrics;
  auto icm = ReadEnum(req, "ReturnItemCollectionMetrics", "returnItemCollectionMetrics", {"SIZE", "NONE"},
                      "[SIZE, NONE]", &metrics, c);
  if (!icm.ok()) return icm.error();
  r->return_collection_size = metrics == "SIZE";
  auto rf = ReadEnum(req, "ReturnValuesOnConditionCheckFailure", "returnValuesOnConditionCheckFailure",
                     {"NONE", "ALL_OLD"}, "[ALL_OLD, NONE]", &r->return_on_condition_failure, c);
  if (!rf.ok()) return rf.error();
  return true;
}

ApiResult<Item> ReadItemParam(const JsonValue& req, const char* name, const char* path, Constraints* c) {
  const JsonValue* v = nullptr;
  auto got = GetObject(req, name, &v);
  if (!got.ok()) return got.error();
  c->NotNull(v != nullptr, path);
  if (v == nullptr) return Item{};
  return ParseItem(*v);
}

ApiResult<ItemExpressions> ReadExpressions(const JsonValue& req, ExpressionOperation op) {
  auto mixed = CheckExpressionParameters(req, op);
  if (!mixed.ok()) return mixed.error();
  auto ctx = ExpressionContext::Create(Member(req, "ExpressionAttributeNames"),
                                       Member(req, "ExpressionAttributeValues"));
  if (!ctx.ok()) return ctx.error();
  ItemExpressions out;
  std::string text;
  // DynamoDB's order: update, condition, projection; then unused placeholders.
  if (op == ExpressionOperation::kUpdateItem) {
    auto got = GetString(req, "UpdateExpression", &text);
    if (!got.ok()) return got.error();
    if (*got) {
      auto update = ctx->ParseUpdate(text);
      if (!update.ok()) return update.error();
      out.update = std::move(update.value());
    }
  }
  if (op != ExpressionOperation::kGetItem) {
    auto got = GetString(req, "ConditionExpression", &text);
    if (!got.ok()) return got.error();
    if (*got) {
      auto cond = ctx->ParseCondition(text, ExpressionKind::kCondition);
      if (!cond.ok()) return cond.error();
      out.condition = std::move(cond.value());
    }
  } else {
    auto got = GetString(req, "ProjectionExpression", &text);
    if (!got.ok()) return got.error();
    if (*got) {
      auto proj = ctx->ParseProjection(text);
      if (!proj.ok()) return proj.error();
      out.projection = std::move(proj.value());
    }
  }
  auto unused = ctx->CheckAllUsed();
  if (!unused.ok()) return unused.error();

  // The legacy forms of the same (CheckExpressionParameters allowed no mix).
  if (op != ExpressionOperation::kGetItem) {
    auto expected = ConvertExpected(Member(req, "Expected"), Member(req, "ConditionalOperator"));
    if (!expected.ok()) return expected.error();
    if (*expected) out.condition = std::move(**expected);
  }
  if (const JsonValue* au = Member(req, "AttributeUpdates"); au && op == ExpressionOperation::kUpdateItem) {
    auto update = ConvertAttributeUpdates(*au);
    if (!update.ok()) return update.error();
    out.update = std::move(update.value());
  }
  if (const JsonValue* atg = Member(req, "AttributesToGet"); atg && op == ExpressionOperation::kGetItem) {
    auto proj = ConvertAttributesToGet(*atg);
    if (!proj.ok()) return proj.error();
    out.projection = std::move(proj.value());
  }
  return out;
}

ApiResult<ParsedItemRequest> ParseItemRequest(const JsonValue& req, const char* member, const char* path,
                                              ExpressionOperation op,
                                              std::initializer_list<const char*> write_return_values) {
  ParsedItemRequest p;
  Constraints c;
  auto common = ReadItemRequest(req, &p.common, &c);
  if (!common.ok()) return common.error();
  auto item = ReadItemParam(req, member, path, &c);
  if (!item.ok()) return item.error();
  if (!c.ok()) return c.ToError();
  p.item = std::move(item.value());
  if (write_return_values.size() != 0) {
    bool allowed = false;
    for (const char* v : write_return_values) allowed |= p.common.return_values == v;
    if (!allowed) return Error::Validation("Return values set to invalid value");
  }
  auto exprs = ReadExpressions(req, op);
  if (!exprs.ok()) return exprs.error();
  p.expressions = std::move(exprs.value());
  return p;
}

cluster::Mutator MakeMutator(std::shared_ptr<const WriteStep> step, std::optional<IndexedWrite> indexes) {
  return [step, indexes = std::move(indexes)](const std::optional<std::string>& current) {
    Item next;
    if (!current) {
      cluster::Mutation m = Decide(*step, nullptr, &next);
      if (indexes) AddIndexWrites(*indexes, nullptr, next, &m);
      return m;
    }
    auto old = DecodeItem(*current);
    if (!old.ok()) {
      cluster::Mutation m;
      m.status = Status::Internal("stored item does not decode");
      return m;
    }
    cluster::Mutation m = Decide(*step, &old.value(), &next);
    if (indexes) AddIndexWrites(*indexes, &old.value(), next, &m);
    return m;
  };
}

std::optional<IndexedWrite> IndexesOf(const ResolvedTable& t, const cluster::Key& key, bool count_units) {
  if (t.schema->indexes.empty()) return std::nullopt;
  return IndexedWrite{t.meta.name, t.schema, key, count_units ? std::make_shared<ConsumedSlot>() : nullptr};
}

ApiResult<WriteOutcome> RunWrite(Context& ctx, const ResolvedTable& t, const cluster::Key& key,
                                 std::shared_ptr<const WriteStep> step, const ItemRequest& r) {
  cluster::MutateResult result;
  // On a table with indexes the mutator that decided the write leaves its
  // capacity (it has both versions and the index changes at hand).
  std::optional<IndexedWrite> indexes = IndexesOf(t, key, r.return_consumed != "NONE");
  const std::shared_ptr<ConsumedSlot> slot = indexes ? indexes->consumed : nullptr;
  Status s = ctx.cluster->Mutate(t.meta, key, MakeMutator(std::move(step), std::move(indexes)), &result);
  bool corrupt = false;
  WriteOutcome out{Decode(result.old_item, &corrupt), Decode(result.new_item, &corrupt), std::nullopt};
  if (corrupt) return Error::InternalServer("Internal server error");
  if (s.code() == Status::Code::kConditionFailed) {
    Error e = Error::ConditionalCheckFailed("The conditional request failed");
    if (r.return_on_condition_failure == "ALL_OLD" && out.old_item) e.item_json = ItemJson(*out.old_item);
    return e;
  }
  if (!s.ok()) return Error::FromStatus(s);
  if (slot) out.consumed = slot->Get();
  // No indexes, or nothing written (an update of a missing item that
  // creates none): the table's units alone.
  if (r.return_consumed != "NONE" && !out.consumed) {
    const Item* old = out.old_item ? &*out.old_item : nullptr;
    const Item* next = out.new_item ? &*out.new_item : nullptr;
    out.consumed = ConsumedByWrite(old, next, IndexChanges(*t.schema, key, old, next));
  }
  return out;
}

std::optional<CollectionMetric> CollectionOf(Context& ctx, const ResolvedTable& t, const cluster::Key& key,
                                             const Item& key_attributes) {
  const auto& indexes = t.schema->indexes;
  if (std::none_of(indexes.begin(), indexes.end(), [](const IndexDef& i) { return !i.global; })) return std::nullopt;
  auto hash = key_attributes.find(t.schema->hash.name);
  if (hash == key_attributes.end()) return std::nullopt;
  auto bytes = ctx.cluster->CollectionBytes(t.meta, key.hash);
  if (!bytes.ok()) return std::nullopt;
  return CollectionMetric{Item{*hash}, *bytes};
}

void AddCollectionMetric(Context& ctx, const ResolvedTable& t, const cluster::Key& key, const Item& key_attributes,
                         const ItemRequest& r, WriteOutcome* out) {
  if (r.return_collection_size) out->collection = CollectionOf(ctx, t, key, key_attributes);
}

void WriteCollectionMetric(JsonWriter& w, const CollectionMetric& m) {
  // An estimate in whole GB: [lower, lower + 1], as DynamoDB gives it.
  const double lower = static_cast<double>(m.bytes / (uint64_t{1} << 30));
  w.StartObject();
  w.Key("ItemCollectionKey");
  WriteItem(m.key, w);
  w.Key("SizeEstimateRangeGB");
  w.StartArray();
  w.Double(lower);
  w.Double(lower + 1);
  w.EndArray();
  w.EndObject();
}

void WriteCollectionMetrics(JsonWriter& w, const CollectionMetricsByTable& tables) {
  if (std::all_of(tables.begin(), tables.end(), [](const auto& t) { return t.second.empty(); })) return;
  w.Key("ItemCollectionMetrics");
  w.StartObject();
  for (const auto& [name, metrics] : tables) {
    if (metrics.empty()) continue;
    w.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
    w.StartArray();
    for (const CollectionMetric& m : metrics) WriteCollectionMetric(w, m);
    w.EndArray();
  }
  w.EndObject();
}

std::string WriteResponse(const ItemRequest& r, const WriteOutcome& outcome, const UpdateExpression* update) {
  std::optional<Item> attributes;
  const std::string& rv = r.return_values;
  if (rv == "ALL_OLD") attributes = outcome.old_item;
  if (rv == "ALL_NEW") attributes = outcome.new_item;
  if ((rv == "UPDATED_OLD" || rv == "UPDATED_NEW") && update != nullptr) {
    const std::optional<Item>& source = rv == "UPDATED_OLD" ? outcome.old_item : outcome.new_item;
    if (source) attributes = ProjectPaths(update->ModifiedPaths(), *source);
  }
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  if (attributes && !attributes->empty()) {
    w.Key("Attributes");
    WriteItem(*attributes, w);
  }
  if (outcome.consumed) {
    WriteConsumedCapacity(w, r.table_name, r.return_consumed, *outcome.consumed);
  } else {  // a fast path's write: nothing asked for, no indexes
    size_t old_size = outcome.old_item ? ItemSize(*outcome.old_item) : 0;
    size_t new_size = outcome.new_item ? ItemSize(*outcome.new_item) : 0;
    WriteConsumed(w, r, WriteUnits(std::max(old_size, new_size)));
  }
  if (outcome.collection) {
    w.Key("ItemCollectionMetrics");
    WriteCollectionMetric(w, *outcome.collection);
  }
  w.EndObject();
  return buf.GetString();
}

std::string ReadResponse(const ItemRequest& r, double units, const Item* item) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  if (item != nullptr) {
    w.Key("Item");
    WriteItem(*item, w);
  }
  WriteConsumed(w, r, units);
  w.EndObject();
  return buf.GetString();
}

}  // namespace ddb::api
