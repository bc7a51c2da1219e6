// TransactWriteItems and TransactGetItems: DynamoDB's validation, then one
// cluster transaction (cluster.h: two-phase commit across partitions and
// tables). Each write action's step is built with PutItem's, UpdateItem's
// and DeleteItem's code (item_request.h); a ConditionCheck is a step that
// only checks.
//
// Where DynamoDB reports a problem: the request's shape, the expressions
// and duplicate items fail the whole request (ValidationException); a key
// that does not match its table, an item too large or an update of a key
// attribute cancel the transaction with a ValidationError reason on that
// action (the first one found; the others say None), as DynamoDB does.
//
// Capacity, as characterised against DynamoDB by the paritysuite
// dynamodb-conformance suite and dynoxide's tests (2026): the table's share
// of a write is doubled, its index writes are not; ConsumedCapacity names
// the kind of its units (WriteCapacityUnits, ReadCapacityUnits) in every
// share; a repeat with the same token is charged as transactional reads of
// the sizes the first call was charged on. Unconfirmed: that index shares
// name their kind too (the Table share does).
#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <tuple>

#include "api/item_codec.h"
#include "api/item_json.h"
#include "api/item_request.h"

namespace ddb::api {

namespace {

constexpr size_t kMaxActions = 100;
constexpr size_t kMaxTransactionBytes = 4 * 1024 * 1024;

struct Action {
  WriteStep::Kind kind = WriteStep::Kind::kPut;  // kCheck for ConditionCheck; unused for Get
  const char* member = "";                       // "Put", "ConditionCheck", ...
  const JsonValue* body = nullptr;
  std::string table_name;
  std::string return_on_failure = "NONE";
  Item item;  // Put: the item; others: the key
  ItemExpressions exprs;
  ResolvedTable table;
  cluster::Key key;
};

// "transactItems.3.member.conditionCheck.key"
std::string ActionPath(size_t i, const char* member, const char* field) {
  std::string m = member;
  m[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(m[0])));
  std::string p = "transactItems." + std::to_string(i + 1) + ".member." + m;
  return *field ? p + "." + field : p;
}

// TransactItems, ReturnConsumedCapacity and, for writes, ClientRequestToken
// and ReturnItemCollectionMetrics.
struct Common {
  const JsonValue* items = nullptr;
  std::string return_consumed = "NONE";
  std::string token;
  bool has_token = false;
  bool return_collection_size = false;  // ReturnItemCollectionMetrics SIZE
};

ApiResult<Common> ReadCommon(const JsonValue& req, bool write, Constraints* c) {
  Common out;
  auto items = GetArray(req, "TransactItems", &out.items);
  if (!items.ok()) return items.error();
  if (out.items == nullptr) {
    c->NotNull(false, "transactItems");
  } else if (out.items->Size() == 0) {
    c->Fail("'[]'", "transactItems", "Member must have length greater than or equal to 1");
  } else if (out.items->Size() > kMaxActions) {
    c->Fail("'[" + std::to_string(out.items->Size()) + " items]'", "transactItems",
            "Member must have length less than or equal to 100");
  }
  auto rc = ReadEnum(req, "ReturnConsumedCapacity", "returnConsumedCapacity", {"NONE", "TOTAL", "INDEXES"},
                      "[INDEXES, TOTAL, NONE]", &out.return_consumed, c);
  if (!rc.ok()) return rc.error();
  if (!write) return out;
  std::string metrics;
  auto icm = ReadEnum(req, "ReturnItemCollectionMetrics", "returnItemCollectionMetrics", {"SIZE", "NONE"},
                       "[SIZE, NONE]", &metrics, c);
  if (!icm.ok()) return icm.error();
  out.return_collection_size = metrics == "SIZE";
  auto token = GetString(req, "ClientRequestToken", &out.token);
  if (!token.ok()) return token.error();
  out.has_token = *token;
  if (out.has_token && out.token.empty()) {
    c->Fail(Quote(out.token), "clientRequestToken", "Member must have length greater than or equal to 1");
  }
  if (out.has_token && out.token.size() > 36) {
    c->Fail(Quote(out.token), "clientRequestToken", "Member must have length less than or equal to 36");
  }
  return out;
}

// The members of one action (TableName, Item/Key, the enum), into `a`.
ApiResult<bool> ReadActionShape(size_t i, Action* a, Constraints* c) {
  auto name = GetString(*a->body, "TableName", &a->table_name);
  if (!name.ok()) return name.error();
  c->TableName(*name ? &a->table_name : nullptr, ActionPath(i, a->member, "tableName"));
  const bool put = std::string(a->member) == "Put";
  const char* item_member = put ? "Item" : "Key";
  const JsonValue* item = nullptr;
  auto got = GetObject(*a->body, item_member, &item);
  if (!got.ok()) return got.error();
  c->NotNull(item != nullptr, ActionPath(i, a->member, put ? "item" : "key"));
  if (item != nullptr) {
    auto parsed = ParseItem(*item);
    if (!parsed.ok()) return parsed.error();
    a->item = std::move(parsed.value());
  }
  if (std::string(a->member) == "Get") return true;
  if (a->kind == WriteStep::Kind::kCheck) {
    c->NotNull(Member(*a->body, "ConditionExpression") != nullptr, ActionPath(i, a->member, "conditionExpression"));
  }
  if (a->kind == WriteStep::Kind::kUpdate) {
    c->NotNull(Member(*a->body, "UpdateExpression") != nullptr, ActionPath(i, a->member, "updateExpression"));
  }
  auto rf = ReadEnum(*a->body, "ReturnValuesOnConditionCheckFailure",
                      ActionPath(i, a->member, "returnValuesOnConditionCheckFailure"), {"NONE", "ALL_OLD"},
                      "[ALL_OLD, NONE]", &a->return_on_failure, c);
  if (!rf.ok()) return rf.error();
  return true;
}

ApiResult<std::vector<Action>> ReadWriteActions(const JsonValue& items, Constraints* c) {
  struct Kind {
    const char* member;
    WriteStep::Kind kind;
  };
  static const Kind kKinds[] = {{"ConditionCheck", WriteStep::Kind::kCheck},
                                {"Put", WriteStep::Kind::kPut},
                                {"Delete", WriteStep::Kind::kDelete},
                                {"Update", WriteStep::Kind::kUpdate}};
  std::vector<Action> out;
  for (rapidjson::SizeType i = 0; i < items.Size(); ++i) {
    if (!items[i].IsObject()) return Error::Serialization("Unexpected field type");
    Action a;
    int found = 0;
    for (const Kind& k : kKinds) {
      const JsonValue* body = nullptr;
      auto got = GetObject(items[i], k.member, &body);
      if (!got.ok()) return got.error();
      if (body == nullptr) continue;
      ++found;
      a.member = k.member;
      a.kind = k.kind;
      a.body = body;
    }
    if (found != 1) return Error::Validation("TransactItems can only contain one of Check, Put, Update or Delete");
    auto shape = ReadActionShape(i, &a, c);
    if (!shape.ok()) return shape.error();
    out.push_back(std::move(a));
  }
  return out;
}

ExpressionOperation OperationOf(WriteStep::Kind kind) {
  switch (kind) {
    case WriteStep::Kind::kPut: return ExpressionOperation::kPutItem;
    case WriteStep::Kind::kDelete: return ExpressionOperation::kDeleteItem;
    case WriteStep::Kind::kUpdate: return ExpressionOperation::kUpdateItem;
    case WriteStep::Kind::kCheck: return ExpressionOperation::kConditionCheck;
  }
  return ExpressionOperation::kConditionCheck;
}

// Resolves every action's table (once per name).
ApiResult<bool> ResolveTables(Context& ctx, std::vector<Action>* actions) {
  std::map<std::string, ResolvedTable> seen;
  for (Action& a : *actions) {
    auto it = seen.find(a.table_name);
    if (it == seen.end()) {
      auto t = ResolveTable(ctx, a.table_name, "Requested resource not found");
      if (!t.ok()) return t.error();
      it = seen.emplace(a.table_name, std::move(t.value())).first;
    }
    a.table = it->second;
  }
  return true;
}

// The action's key, and the checks that DynamoDB reports as the action's
// ValidationError (empty when none).
std::string CheckActionItem(Action* a) {
  const TableSchema& schema = *a->table.schema;
  if (a->kind == WriteStep::Kind::kPut) {
    auto names = CheckAttributeNames(a->item);
    if (!names.ok()) return names.error().message;
    auto key = KeyOfItem(schema, a->item);
    if (!key.ok()) return key.error().message;
    a->key = std::move(key.value());
    if (ItemSize(a->item) > kMaxItemBytes) return "Item size has exceeded the maximum allowed size";
    return "";
  }
  auto key = KeyOfKeyParam(schema, a->item);
  if (!key.ok()) return key.error().message;
  a->key = std::move(key.value());
  if (a->kind == WriteStep::Kind::kUpdate && a->exprs.update) {
    for (const std::string& attr : a->exprs.update->ModifiedAttributes()) {
      if (attr == schema.hash.name || (schema.range && attr == schema.range->name)) {
        return "One or more parameter values were invalid: Cannot update attribute " + attr +
               ". This attribute is part of the key";
      }
    }
  }
  return "";
}

struct Reason {
  std::string code = "None";
  std::string message;
  std::optional<Item> item;
};

Error Cancelled(const std::vector<Reason>& reasons) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartArray();
  std::string codes;
  for (const Reason& r : reasons) {
    codes += (codes.empty() ? "" : ", ") + r.code;
    w.StartObject();
    w.Key("Code");
    w.String(r.code);
    if (!r.message.empty()) {
      w.Key("Message");
      w.String(r.message);
    }
    if (r.item) {
      w.Key("Item");
      WriteItem(*r.item, w);
    }
    w.EndObject();
  }
  w.EndArray();
  Error e{400, "TransactionCanceledException",
          "Transaction cancelled, please refer cancellation reasons for specific reasons [" + codes + "]"};
  e.cancellation_reasons_json = buf.GetString();
  return e;
}

// One action's ValidationError at `index`; the others None.
Error CancelledAt(size_t count, size_t index, const std::string& message) {
  std::vector<Reason> reasons(count);
  reasons[index].code = "ValidationError";
  reasons[index].message = message;
  return Cancelled(reasons);
}

// "Transaction request cannot include multiple operations on one item".
ApiResult<bool> CheckDistinct(const std::vector<Action>& actions) {
  std::set<std::tuple<uint64_t, std::string, std::string>> seen;
  for (const Action& a : actions) {
    if (!seen.emplace(a.table.meta.id, a.key.hash, a.key.range).second) {
      return Error::Validation("Transaction request cannot include multiple operations on one item");
    }
  }
  return true;
}

std::optional<Item> DecodeOptional(const std::optional<std::string>& bytes, bool* corrupt) {
  if (!bytes) return std::nullopt;
  auto item = DecodeItem(*bytes);
  if (!item.ok()) {
    *corrupt = true;
    return std::nullopt;
  }
  return std::move(item.value());
}

using TableUnits = std::vector<std::pair<std::string, Consumed>>;  // in the order of the actions

void AddUnits(TableUnits* tables, const std::string& name, const Consumed& units) {
  for (auto& [n, u] : *tables) {
    if (n == name) {
      u.Add(units);
      return;
    }
  }
  tables->emplace_back(name, units);
}

// The whole request as text, without its token and the capacity it asks to
// see (a repeat may ask for another kind): what a repeat must match.
std::string Fingerprint(const JsonValue& req) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  for (auto m = req.MemberBegin(); m != req.MemberEnd(); ++m) {
    const std::string name(m->name.GetString(), m->name.GetStringLength());
    if (name == "ClientRequestToken" || name == "ReturnConsumedCapacity") continue;
    w.Key(m->name.GetString(), m->name.GetStringLength());
    m->value.Accept(w);
  }
  w.EndObject();
  return buf.GetString();
}

// When asked for, the item collections the transaction's writes changed,
// each once, grouped by table in the order of the actions, measured now.
CollectionMetricsByTable WrittenCollections(Context& ctx, const Common& common, const std::vector<Action>& actions) {
  CollectionMetricsByTable out;
  if (!common.return_collection_size) return out;
  std::set<std::pair<std::string, std::string>> collected;  // (table, encoded partition key)
  for (const Action& a : actions) {
    if (a.kind == WriteStep::Kind::kCheck || !collected.emplace(a.table_name, a.key.hash).second) continue;
    auto metric = CollectionOf(ctx, a.table, a.key, a.item);
    if (!metric) continue;
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& t) { return t.first == a.table_name; });
    if (it == out.end()) it = out.emplace(out.end(), a.table_name, std::vector<CollectionMetric>());
    it->second.push_back(std::move(*metric));
  }
  return out;
}

// A committed transaction's figures: the units it consumed, the units a
// repeat of it consumes (each item read again transactionally, at the size
// its write was charged on), and the item collections it wrote.
struct Committed {
  TableUnits written, read;
  CollectionMetricsByTable collections;
};

// {"ConsumedCapacity": ..., "ItemCollectionMetrics": ...} for the call that
// ran the transaction.
std::string CommittedBody(const Common& common, const Committed& c) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  WriteConsumedCapacityList(w, common.return_consumed, c.written, UnitKind::kWrite);
  WriteCollectionMetrics(w, c.collections);
  w.EndObject();
  return buf.GetString();
}

// What a token remembers of a committed transaction, for its repeats:
// {"Read": {table: units, ...}, "ItemCollectionMetrics": ...}.
std::string Remembered(const Committed& c) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("Read");
  w.StartObject();
  for (const auto& [table, units] : c.read) {
    w.Key(table.data(), static_cast<rapidjson::SizeType>(table.size()));
    w.Double(units.table);
  }
  w.EndObject();
  WriteCollectionMetrics(w, c.collections);
  w.EndObject();
  return buf.GetString();
}

// The answer to a repeat of a committed transaction (the same token and
// request): DynamoDB reads the items again rather than writing them, so
// the capacity is that of transactional reads, in the repeat's own
// ReturnConsumedCapacity; the item collections are the first call's.
ApiResult<std::string> RepeatBody(const Common& common, const std::string& remembered) {
  rapidjson::Document doc;
  auto parsed = ParseBody(remembered, &doc);
  if (!parsed.ok() || !doc.IsObject() || !doc.HasMember("Read") || !doc["Read"].IsObject()) {
    return Error::InternalServer("Internal server error");
  }
  TableUnits read;
  for (auto m = doc["Read"].MemberBegin(); m != doc["Read"].MemberEnd(); ++m) {
    read.emplace_back(std::string(m->name.GetString(), m->name.GetStringLength()), Consumed(m->value.GetDouble()));
  }
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  WriteConsumedCapacityList(w, common.return_consumed, read, UnitKind::kRead);
  if (auto icm = doc.FindMember("ItemCollectionMetrics"); icm != doc.MemberEnd()) {
    w.Key("ItemCollectionMetrics");
    icm->value.Accept(w);
  }
  w.EndObject();
  return std::string(buf.GetString());
}

// What is remembered of a request whose transaction committed while its
// caller did not hear it: the sizes are the request's items (a Delete's or
// an Update's item before it is not known then).
std::string CommittedUnheard(Context& ctx, const Common& common, const std::vector<Action>& actions) {
  Committed c;
  for (const Action& a : actions) AddUnits(&c.read, a.table_name, Consumed(2 * ReadUnits(ItemSize(a.item), true)));
  c.collections = WrittenCollections(ctx, common, actions);
  return Remembered(c);
}

// Runs the transaction; `txn_id` gets its id and `uncertain` whether its
// outcome is unknown (the answer is then a 500).
ApiResult<Committed> RunWriteTransaction(Context& ctx, const Common& common, std::vector<Action>& actions,
                                         std::string* txn_id, bool* uncertain) {
  std::vector<cluster::TxnAction> txn;
  // The units of each write's index writes, as its leader worked them out
  // (it alone knows the replaced item); none for a ConditionCheck.
  std::vector<std::shared_ptr<ConsumedSlot>> slots(actions.size());
  for (size_t i = 0; i < actions.size(); ++i) {
    Action& a = actions[i];
    auto step = std::make_shared<WriteStep>();
    step->kind = a.kind;
    step->condition = std::move(a.exprs.condition);
    step->item = a.item;
    if (a.kind == WriteStep::Kind::kUpdate) step->update = a.exprs.update;
    std::optional<IndexedWrite> indexes =
        IndexesOf(a.table, a.key, a.kind != WriteStep::Kind::kCheck && common.return_consumed != "NONE");
    if (indexes) slots[i] = indexes->consumed;
    txn.push_back(cluster::TxnAction{a.table.meta, a.key, MakeMutator(std::move(step), std::move(indexes))});
  }
  std::vector<cluster::TxnActionResult> results;
  Status s = ctx.cluster->TransactWrite(txn, &results, txn_id);
  *uncertain = s.IsUncertain();
  bool corrupt = false;
  if (s.code() == Status::Code::kConditionFailed || s.IsConflict()) {
    std::vector<Reason> reasons(actions.size());
    for (size_t i = 0; i < actions.size(); ++i) {
      const Status& r = results[i].status;
      if (r.code() == Status::Code::kConditionFailed) {
        reasons[i] = Reason{"ConditionalCheckFailed", "The conditional request failed", std::nullopt};
        if (actions[i].return_on_failure == "ALL_OLD") reasons[i].item = DecodeOptional(results[i].item, &corrupt);
      } else if (r.IsConflict()) {
        reasons[i] = Reason{"TransactionConflict", "Transaction is ongoing for the item", std::nullopt};
      } else if (r.IsInvalidArgument()) {
        reasons[i] = Reason{"ValidationError", r.message(), std::nullopt};
      }
    }
    if (corrupt) return Error::InternalServer("Internal server error");
    return Cancelled(reasons);
  }
  if (!s.ok()) return Error::FromStatus(s);
  // Transactional writes cost twice a plain write of the larger version
  // (a ConditionCheck: of the item it read); their index writes cost what
  // they cost outside a transaction.
  Committed c;
  for (size_t i = 0; i < actions.size(); ++i) {
    auto old_item = DecodeOptional(results[i].item, &corrupt);
    auto new_item = DecodeOptional(results[i].new_item, &corrupt);
    const size_t size = std::max(old_item ? ItemSize(*old_item) : 0, new_item ? ItemSize(*new_item) : 0);
    Consumed units = (slots[i] ? slots[i]->Get() : std::nullopt).value_or(Consumed());
    units.table = 2 * WriteUnits(size);
    AddUnits(&c.written, actions[i].table_name, units);
    AddUnits(&c.read, actions[i].table_name, Consumed(2 * ReadUnits(size, true)));
  }
  if (corrupt) return Error::InternalServer("Internal server error");
  c.collections = WrittenCollections(ctx, common, actions);
  return c;
}

}  // namespace

ApiResult<std::string> TransactWriteItems(Context& ctx, const JsonValue& req) {
  Constraints c;
  auto common = ReadCommon(req, true, &c);
  if (!common.ok()) return common.error();
  std::vector<Action> actions;
  if (common->items != nullptr && common->items->Size() <= kMaxActions) {
    auto read = ReadWriteActions(*common->items, &c);
    if (!read.ok()) return read.error();
    actions = std::move(read.value());
  }
  if (!c.ok()) return c.ToError();
  size_t bytes = 0;
  for (Action& a : actions) {
    auto exprs = ReadExpressions(*a.body, OperationOf(a.kind));
    if (!exprs.ok()) return exprs.error();
    a.exprs = std::move(exprs.value());
    bytes += ItemSize(a.item);
    // The limit is on the request's payload (an Update's new values are in
    // its ExpressionAttributeValues), not on the items it refers to: a
    // Delete of a large item adds only its key.
    if (const JsonValue* values = Member(*a.body, "ExpressionAttributeValues")) {
      auto parsed = ParseItem(*values);  // already valid: ReadExpressions read it
      if (parsed.ok()) bytes += ItemSize(*parsed);
    }
  }
  if (bytes > kMaxTransactionBytes) return Error::Validation("Transaction request size cannot exceed 4 MB");
  auto tables = ResolveTables(ctx, &actions);
  if (!tables.ok()) return tables.error();
  for (size_t i = 0; i < actions.size(); ++i) {
    std::string invalid = CheckActionItem(&actions[i]);
    if (!invalid.empty()) return CancelledAt(actions.size(), i, invalid);
  }
  auto distinct = CheckDistinct(actions);
  if (!distinct.ok()) return distinct.error();

  std::string txn_id;
  bool uncertain = false;
  if (!common->has_token) {
    auto ran = RunWriteTransaction(ctx, *common, actions, &txn_id, &uncertain);
    if (!ran.ok()) return ran.error();
    return CommittedBody(*common, *ran);
  }
  const std::string key = ctx.ns + common->token;
  std::string previous;
  switch (ctx.tokens->Begin(key, Fingerprint(req), &previous)) {
    case TokenCache::Claim::kUncertain: {
      // The same request ran and its caller got a 500: settle what became
      // of it (undecided means aborted from now on) before anything else.
      auto committed = ctx.cluster->TransactionOutcome(actions.front().table.meta, actions.front().key, previous);
      if (!committed.ok()) {
        ctx.tokens->Uncertain(key, previous);
        return Error::FromStatus(committed.status());
      }
      if (*committed) {
        std::string remembered = CommittedUnheard(ctx, *common, actions);
        ctx.tokens->End(key, &remembered);
        return RepeatBody(*common, remembered);
      }
      break;  // aborted: run it again
    }
    case TokenCache::Claim::kDone:
      return RepeatBody(*common, previous);
    case TokenCache::Claim::kMismatch:
      return Error::IdempotentParameterMismatch(
          "The request uses the same client token as a previous, but non-identical request.");
    case TokenCache::Claim::kInProgress:
      return Error{400, "TransactionInProgressException",
                   "The transaction with the given request token is already in progress."};
    case TokenCache::Claim::kNew:
      break;
  }
  auto ran = RunWriteTransaction(ctx, *common, actions, &txn_id, &uncertain);
  if (uncertain) {
    ctx.tokens->Uncertain(key, txn_id);
  } else {
    const std::string remembered = ran.ok() ? Remembered(*ran) : "";
    ctx.tokens->End(key, ran.ok() ? &remembered : nullptr);
  }
  if (!ran.ok()) return ran.error();
  return CommittedBody(*common, *ran);
}

ApiResult<std::string> TransactGetItems(Context& ctx, const JsonValue& req) {
  Constraints c;
  auto common = ReadCommon(req, false, &c);
  if (!common.ok()) return common.error();
  std::vector<Action> actions;
  if (common->items != nullptr && common->items->Size() <= kMaxActions) {
    for (rapidjson::SizeType i = 0; i < common->items->Size(); ++i) {
      const JsonValue& entry = (*common->items)[i];
      if (!entry.IsObject()) return Error::Serialization("Unexpected field type");
      Action a;
      a.member = "Get";
      auto got = GetObject(entry, "Get", &a.body);
      if (!got.ok()) return got.error();
      c.NotNull(a.body != nullptr, ActionPath(i, "Get", ""));
      if (a.body == nullptr) continue;
      auto shape = ReadActionShape(i, &a, &c);
      if (!shape.ok()) return shape.error();
      actions.push_back(std::move(a));
    }
  }
  if (!c.ok()) return c.ToError();
  for (Action& a : actions) {
    auto mixed = CheckExpressionParameters(*a.body, ExpressionOperation::kTransactGet);
    if (!mixed.ok()) return mixed.error();
    auto ectx = ExpressionContext::Create(Member(*a.body, "ExpressionAttributeNames"),
                                          Member(*a.body, "ExpressionAttributeValues"));
    if (!ectx.ok()) return ectx.error();
    std::string text;
    auto got = GetString(*a.body, "ProjectionExpression", &text);
    if (!got.ok()) return got.error();
    if (*got) {
      auto proj = ectx->ParseProjection(text);
      if (!proj.ok()) return proj.error();
      a.exprs.projection = std::move(proj.value());
    }
    auto unused = ectx->CheckAllUsed();
    if (!unused.ok()) return unused.error();
  }
  auto tables = ResolveTables(ctx, &actions);
  if (!tables.ok()) return tables.error();
  for (size_t i = 0; i < actions.size(); ++i) {
    auto key = KeyOfKeyParam(*actions[i].table.schema, actions[i].item);
    if (!key.ok()) return CancelledAt(actions.size(), i, key.error().message);
    actions[i].key = std::move(key.value());
  }
  auto distinct = CheckDistinct(actions);
  if (!distinct.ok()) return distinct.error();

  std::vector<cluster::TxnAction> txn;
  for (const Action& a : actions) txn.push_back(cluster::TxnAction{a.table.meta, a.key, nullptr});
  std::vector<cluster::TxnActionResult> results;
  Status s = ctx.cluster->TransactRead(txn, &results);
  if (s.code() == Status::Code::kConditionFailed) {
    std::vector<Reason> reasons(actions.size());
    for (size_t i = 0; i < actions.size(); ++i) {
      if (results[i].status.IsConflict()) {
        reasons[i] = Reason{"TransactionConflict", "Transaction is ongoing for the item", std::nullopt};
      }
    }
    return Cancelled(reasons);
  }
  if (!s.ok()) return Error::FromStatus(s);
  bool corrupt = false;
  TableUnits units;
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("Responses");
  w.StartArray();
  for (size_t i = 0; i < actions.size(); ++i) {
    auto item = DecodeOptional(results[i].item, &corrupt);
    // Transactional reads cost twice a consistent read.
    AddUnits(&units, actions[i].table_name, Consumed(2 * ReadUnits(item ? ItemSize(*item) : 0, true)));
    w.StartObject();
    if (item) {
      w.Key("Item");
      WriteItem(actions[i].exprs.projection ? ApplyProjection(*actions[i].exprs.projection, *item) : *item, w);
    }
    w.EndObject();
  }
  w.EndArray();
  WriteConsumedCapacityList(w, common->return_consumed, units, UnitKind::kRead);
  w.EndObject();
  if (corrupt) return Error::InternalServer("Internal server error");
  return std::string(buf.GetString());
}

}  // namespace ddb::api
