// PutItem, DeleteItem and GetItem. A write without a condition and without
// ReturnValues goes straight to the leader as a put or delete; any other
// write is a read-modify-write step the leader runs atomically (item_request.h).
#include "api/item_codec.h"
#include "api/item_json.h"
#include "api/item_request.h"
#include "api/secondary_index.h"

namespace ddb::api {

namespace {

// The request's table, once the whole request has been validated.
ApiResult<ResolvedTable> Table(Context& ctx, const ItemRequest& r) {
  return ResolveTable(ctx, r.table_name, "Requested resource not found");
}

}  // namespace

ApiResult<std::string> PutItem(Context& ctx, const JsonValue& req) {
  auto parsed = ParseItemRequest(req, "Item", "item", ExpressionOperation::kPutItem, {"NONE", "ALL_OLD"});
  if (!parsed.ok()) return parsed.error();
  const ItemRequest& r = parsed->common;
  Item* item = &parsed->item;
  ItemExpressions* exprs = &parsed->expressions;

  auto t = Table(ctx, r);
  if (!t.ok()) return t.error();
  auto names = CheckAttributeNames(*item);
  if (!names.ok()) return names.error();
  auto key = KeyOfItem(*t->schema, *item);
  if (!key.ok()) return key.error();
  size_t size = ItemSize(*item);
  if (size > kMaxItemBytes) return Error::Validation("Item size has exceeded the maximum allowed size");
  auto index_keys = CheckIndexKeys(*t->schema, *item);
  if (!index_keys.ok()) return index_keys.error();

  // The fast path cannot know the replaced item, which ReturnValues, the
  // capacity units (the larger of the two versions) and indexes need.
  if (!exprs->condition && r.return_values == "NONE" && r.return_consumed == "NONE" &&
      t->schema->indexes.empty()) {
    Status s = ctx.cluster->Put(t->meta, *key, EncodeItem(*item), static_cast<uint32_t>(size));
    if (!s.ok()) return Error::FromStatus(s);
    return WriteResponse(r, WriteOutcome{std::nullopt, std::move(*item), std::nullopt}, nullptr);
  }
  auto step = std::make_shared<WriteStep>();
  step->kind = WriteStep::Kind::kPut;
  step->condition = std::move(exprs->condition);
  step->item = std::move(*item);
  const Item& written = step->item;
  auto outcome = RunWrite(ctx, *t, *key, step, r);
  if (!outcome.ok()) return outcome.error();
  AddCollectionMetric(ctx, *t, *key, written, r, &*outcome);
  return WriteResponse(r, *outcome, nullptr);
}

ApiResult<std::string> DeleteItem(Context& ctx, const JsonValue& req) {
  auto parsed = ParseItemRequest(req, "Key", "key", ExpressionOperation::kDeleteItem, {"NONE", "ALL_OLD"});
  if (!parsed.ok()) return parsed.error();
  const ItemRequest& r = parsed->common;
  Item* key_item = &parsed->item;
  ItemExpressions* exprs = &parsed->expressions;

  auto t = Table(ctx, r);
  if (!t.ok()) return t.error();
  auto key = KeyOfKeyParam(*t->schema, *key_item);
  if (!key.ok()) return key.error();
  if (!exprs->condition && r.return_values == "NONE" && r.return_consumed == "NONE" &&
      t->schema->indexes.empty()) {
    Status s = ctx.cluster->Delete(t->meta, *key);
    if (!s.ok()) return Error::FromStatus(s);
    return WriteResponse(r, WriteOutcome{}, nullptr);
  }
  auto step = std::make_shared<WriteStep>();
  step->kind = WriteStep::Kind::kDelete;
  step->condition = std::move(exprs->condition);
  auto outcome = RunWrite(ctx, *t, *key, std::move(step), r);
  if (!outcome.ok()) return outcome.error();
  AddCollectionMetric(ctx, *t, *key, *key_item, r, &*outcome);
  return WriteResponse(r, *outcome, nullptr);
}

ApiResult<std::string> GetItem(Context& ctx, const JsonValue& req) {
  ItemRequest r;
  Constraints c;
  auto common = ReadItemRequest(req, &r, &c);
  if (!common.ok()) return common.error();
  auto key_item = ReadItemParam(req, "Key", "key", &c);
  if (!key_item.ok()) return key_item.error();
  bool consistent = false;
  auto cr = GetBool(req, "ConsistentRead", &consistent);
  if (!cr.ok()) return cr.error();
  if (!c.ok()) return c.ToError();
  auto exprs = ReadExpressions(req, ExpressionOperation::kGetItem);
  if (!exprs.ok()) return exprs.error();

  auto t = Table(ctx, r);
  if (!t.ok()) return t.error();
  auto key = KeyOfKeyParam(*t->schema, *key_item);
  if (!key.ok()) return key.error();
  auto stored = ctx.cluster->Get(t->meta, *key, consistent);
  if (!stored.ok()) return Error::FromStatus(stored.status());
  if (!stored->has_value()) return ReadResponse(r, ReadUnits(0, consistent), nullptr);
  auto item = DecodeItem(**stored);
  if (!item.ok()) return Error::InternalServer("Internal server error");
  size_t size = ItemSize(*item);
  if (exprs->projection) *item = ApplyProjection(*exprs->projection, *item);
  return ReadResponse(r, ReadUnits(size, consistent), &*item);
}

}  // namespace ddb::api
