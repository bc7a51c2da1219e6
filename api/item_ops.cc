// PutItem, GetItem, DeleteItem.
#include <cmath>

#include "api/item_codec.h"
#include "api/item_json.h"
#include "api/operations.h"

namespace ddb::api {

namespace {

std::string Quote(const std::string& s) { return "'" + s + "'"; }

// The parameters every item operation shares.
struct ItemRequest {
  std::string table_name;
  std::string return_values = "NONE";
  std::string return_consumed = "NONE";
};

ApiResult<bool> ReadCommon(const JsonValue& req, ItemRequest* r, Constraints* c) {
  auto n = GetString(req, "TableName", &r->table_name);
  if (!n.ok()) return n.error();
  c->TableName(*n ? &r->table_name : nullptr);
  auto rv = GetString(req, "ReturnValues", &r->return_values);
  if (!rv.ok()) return rv.error();
  if (*rv && r->return_values != "NONE" && r->return_values != "ALL_OLD" && r->return_values != "UPDATED_OLD" &&
      r->return_values != "ALL_NEW" && r->return_values != "UPDATED_NEW") {
    c->Fail(Quote(r->return_values), "returnValues",
            "Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]");
  }
  auto rc = GetString(req, "ReturnConsumedCapacity", &r->return_consumed);
  if (!rc.ok()) return rc.error();
  if (*rc && r->return_consumed != "NONE" && r->return_consumed != "TOTAL" && r->return_consumed != "INDEXES") {
    c->Fail(Quote(r->return_consumed), "returnConsumedCapacity",
            "Member must satisfy enum value set: [INDEXES, TOTAL, NONE]");
  }
  return true;
}

// Put and Delete take NONE or ALL_OLD.
ApiResult<bool> CheckWriteReturnValues(const ItemRequest& r) {
  if (r.return_values != "NONE" && r.return_values != "ALL_OLD") {
    return Error::Validation("Return values set to invalid value");
  }
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

void WriteConsumed(JsonWriter& w, const ItemRequest& r, double units) {
  if (r.return_consumed == "NONE") return;
  w.Key("ConsumedCapacity");
  w.StartObject();
  w.Key("TableName");
  w.String(r.table_name);
  w.Key("CapacityUnits");
  w.Double(units);
  if (r.return_consumed == "INDEXES") {
    w.Key("Table");
    w.StartObject();
    w.Key("CapacityUnits");
    w.Double(units);
    w.EndObject();
  }
  w.EndObject();
}

// `member` is "Item" (GetItem) or "Attributes" (ReturnValues).
std::string Respond(const ItemRequest& r, double units, const char* member, const Item* item) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  if (item != nullptr) {
    w.Key(member);
    WriteItem(*item, w);
  }
  WriteConsumed(w, r, units);
  w.EndObject();
  return buf.GetString();
}

// A write's answer: the replaced item under "Attributes" when asked for
// (ALL_OLD) and there was one. Units count the larger of the two versions.
ApiResult<std::string> RespondWithOld(const ItemRequest& r, size_t new_size,
                                      const std::optional<std::string>& old) {
  if (!old) return Respond(r, WriteUnits(new_size), "Attributes", nullptr);
  auto item = DecodeItem(*old);
  if (!item.ok()) return Error::InternalServer("Internal server error");
  return Respond(r, WriteUnits(std::max(new_size, ItemSize(*item))), "Attributes", &*item);
}

ApiResult<std::vector<std::string>> ReadAttributesToGet(const JsonValue& req, Constraints* c) {
  std::vector<std::string> names;
  const JsonValue* a = nullptr;
  auto got = GetArray(req, "AttributesToGet", &a);
  if (!got.ok()) return got.error();
  if (a == nullptr) return names;
  if (a->Empty()) c->Fail("'[]'", "attributesToGet", "Member must have length greater than or equal to 1");
  for (const JsonValue& v : a->GetArray()) {
    if (!v.IsString()) return Error::Serialization(JsonKind(v) + " cannot be converted to String");
    names.emplace_back(v.GetString(), v.GetStringLength());
  }
  for (size_t i = 0; i < names.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (names[i] == names[j]) {
        return Error::Validation("One or more parameter values were invalid: Duplicate value in attribute name: " +
                                 names[i]);
      }
    }
  }
  return names;
}

}  // namespace

ApiResult<std::string> PutItem(Context& ctx, const JsonValue& req) {
  ItemRequest r;
  Constraints c;
  auto common = ReadCommon(req, &r, &c);
  if (!common.ok()) return common.error();
  auto item = ReadItemParam(req, "Item", "item", &c);
  if (!item.ok()) return item.error();
  if (!c.ok()) return c.ToError();
  auto unsupported = RejectUnsupported(req, {"ConditionExpression", "Expected", "ConditionalOperator",
                                             "ExpressionAttributeNames", "ExpressionAttributeValues"});
  if (!unsupported.ok()) return unsupported.error();
  auto rv = CheckWriteReturnValues(r);
  if (!rv.ok()) return rv.error();

  auto t = ResolveTable(ctx, r.table_name, "Requested resource not found");
  if (!t.ok()) return t.error();
  auto names = CheckAttributeNames(*item);
  if (!names.ok()) return names.error();
  auto key = KeyOfItem(*t->schema, *item);
  if (!key.ok()) return key.error();
  size_t size = ItemSize(*item);
  if (size > kMaxItemBytes) return Error::Validation("Item size has exceeded the maximum allowed size");

  std::string encoded = EncodeItem(*item);
  if (r.return_values == "NONE") {
    Status s = ctx.cluster->Put(t->meta, *key, std::move(encoded), static_cast<uint32_t>(size));
    if (!s.ok()) return Error::FromStatus(s);
    return RespondWithOld(r, size, std::nullopt);
  }
  // ALL_OLD: the leader swaps in the new item and hands back the one it replaced.
  cluster::Mutation put;
  put.write = true;
  put.item = std::move(encoded);
  put.size = static_cast<uint32_t>(size);
  cluster::MutateResult result;
  Status s = ctx.cluster->Mutate(t->meta, *key, [put](const std::optional<std::string>&) { return put; }, &result);
  if (!s.ok()) return Error::FromStatus(s);
  return RespondWithOld(r, size, result.old_item);
}

ApiResult<std::string> DeleteItem(Context& ctx, const JsonValue& req) {
  ItemRequest r;
  Constraints c;
  auto common = ReadCommon(req, &r, &c);
  if (!common.ok()) return common.error();
  auto key_item = ReadItemParam(req, "Key", "key", &c);
  if (!key_item.ok()) return key_item.error();
  if (!c.ok()) return c.ToError();
  auto unsupported = RejectUnsupported(req, {"ConditionExpression", "Expected", "ConditionalOperator",
                                             "ExpressionAttributeNames", "ExpressionAttributeValues"});
  if (!unsupported.ok()) return unsupported.error();
  auto rv = CheckWriteReturnValues(r);
  if (!rv.ok()) return rv.error();

  auto t = ResolveTable(ctx, r.table_name, "Requested resource not found");
  if (!t.ok()) return t.error();
  auto key = KeyOfKeyParam(*t->schema, *key_item);
  if (!key.ok()) return key.error();
  if (r.return_values == "NONE") {
    Status s = ctx.cluster->Delete(t->meta, *key);
    if (!s.ok()) return Error::FromStatus(s);
    return RespondWithOld(r, 0, std::nullopt);
  }
  cluster::Mutation erase;
  erase.write = true;
  erase.erase = true;
  cluster::MutateResult result;
  Status s = ctx.cluster->Mutate(t->meta, *key, [erase](const std::optional<std::string>&) { return erase; },
                                 &result);
  if (!s.ok()) return Error::FromStatus(s);
  return RespondWithOld(r, 0, result.old_item);
}

ApiResult<std::string> GetItem(Context& ctx, const JsonValue& req) {
  ItemRequest r;
  Constraints c;
  auto common = ReadCommon(req, &r, &c);
  if (!common.ok()) return common.error();
  auto key_item = ReadItemParam(req, "Key", "key", &c);
  if (!key_item.ok()) return key_item.error();
  bool consistent = false;
  auto cr = GetBool(req, "ConsistentRead", &consistent);
  if (!cr.ok()) return cr.error();
  auto names = ReadAttributesToGet(req, &c);
  if (!names.ok()) return names.error();
  if (!c.ok()) return c.ToError();
  auto unsupported = RejectUnsupported(req, {"ProjectionExpression", "ExpressionAttributeNames"});
  if (!unsupported.ok()) return unsupported.error();

  auto t = ResolveTable(ctx, r.table_name, "Requested resource not found");
  if (!t.ok()) return t.error();
  auto key = KeyOfKeyParam(*t->schema, *key_item);
  if (!key.ok()) return key.error();
  auto stored = ctx.cluster->Get(t->meta, *key, consistent);
  if (!stored.ok()) return Error::FromStatus(stored.status());
  if (!stored->has_value()) return Respond(r, ReadUnits(0, consistent), "Item", nullptr);
  auto item = DecodeItem(**stored);
  if (!item.ok()) return Error::InternalServer("Internal server error");
  size_t size = ItemSize(*item);
  Item projected = ProjectAttributes(std::move(*item), *names);
  return Respond(r, ReadUnits(size, consistent), "Item", &projected);
}

}  // namespace ddb::api
