// UpdateItem: UpdateExpression (or AttributeUpdates) with an optional
// condition, run by the partition leader as one read-modify-write step, with
// every ReturnValues DynamoDB offers.
#include "api/item_request.h"

namespace ddb::api {

ApiResult<std::string> UpdateItem(Context& ctx, const JsonValue& req) {
  auto parsed = ParseItemRequest(req, "Key", "key", ExpressionOperation::kUpdateItem, {});
  if (!parsed.ok()) return parsed.error();
  const ItemRequest& r = parsed->common;
  Item* key_item = &parsed->item;
  ItemExpressions* exprs = &parsed->expressions;

  auto t = ResolveTable(ctx, r.table_name, "Requested resource not found");
  if (!t.ok()) return t.error();
  auto key = KeyOfKeyParam(*t->schema, *key_item);
  if (!key.ok()) return key.error();
  // An update without any action still creates the item (with its key).
  UpdateExpression update = exprs->update ? std::move(*exprs->update) : UpdateExpression{};
  Item written;  // the top-level names the update writes, for the name limits
  for (const std::string& attr : update.ModifiedAttributes()) written.emplace(attr, AttributeValue());
  auto names = CheckAttributeNames(written);
  if (!names.ok()) return names.error();
  for (const std::string& attr : update.ModifiedAttributes()) {
    if (attr == t->schema->hash.name || (t->schema->range && attr == t->schema->range->name)) {
      return Error::Validation("One or more parameter values were invalid: Cannot update attribute " + attr +
                               ". This attribute is part of the key");
    }
  }
  auto step = std::make_shared<WriteStep>();
  step->kind = WriteStep::Kind::kUpdate;
  step->condition = std::move(exprs->condition);
  step->item = std::move(*key_item);
  step->update = update;
  const Item& key_attributes = step->item;
  auto outcome = RunWrite(ctx, *t, *key, step, r);
  if (!outcome.ok()) return outcome.error();
  AddCollectionMetric(ctx, *t, *key, key_attributes, r, &*outcome);
  return WriteResponse(r, *outcome, &update);
}

}  // namespace ddb::api
