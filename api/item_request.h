// What PutItem, UpdateItem, DeleteItem and GetItem share: their common
// parameters, their expressions (parsed once, placeholders resolved, legacy
// parameters converted), the read-modify-write step the partition leader
// runs for a conditional write or an update, and the response with
// ReturnValues and ConsumedCapacity.
//
// A write's step is built here, before any I/O, from a fully validated
// request; it holds everything it needs by value (cluster::Mutator's rules:
// it may run again after a leader change, and after the caller gave up).
//
// Thread safety: values; a WriteStep may run on any thread.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "api/expression.h"
#include "api/expression_context.h"
#include "api/operations.h"

namespace ddb::api {

struct ItemRequest {
  std::string table_name;
  std::string return_values = "NONE";
  std::string return_consumed = "NONE";
  std::string return_on_condition_failure = "NONE";  // ReturnValuesOnConditionCheckFailure
  bool return_collection_size = false;               // ReturnItemCollectionMetrics SIZE
};

// TableName, ReturnValues, ReturnConsumedCapacity and
// ReturnValuesOnConditionCheckFailure, adding constraint violations to `c`.
ApiResult<bool> ReadItemRequest(const JsonValue& req, ItemRequest* r, Constraints* c);
// A required Item / Key member.
ApiResult<Item> ReadItemParam(const JsonValue& req, const char* name, const char* path, Constraints* c);

// The expressions of one request, in the tree form of api/expression.h,
// whichever parameters (expression or legacy) they came from.
struct ItemExpressions {
  std::optional<Condition> condition;        // ConditionExpression / Expected
  std::optional<UpdateExpression> update;    // UpdateExpression / AttributeUpdates
  std::optional<Projection> projection;      // ProjectionExpression / AttributesToGet
};
ApiResult<ItemExpressions> ReadExpressions(const JsonValue& req, ExpressionOperation op);

// A whole item request, validated in DynamoDB's order: the common
// parameters and the required `member` ("Item" or "Key", at `path`), then,
// for writes, ReturnValues (`write_return_values`: the ones the operation
// takes), then the expressions.
struct ParsedItemRequest {
  ItemRequest common;
  Item item;  // the Item or Key member
  ItemExpressions expressions;
};
ApiResult<ParsedItemRequest> ParseItemRequest(const JsonValue& req, const char* member, const char* path,
                                              ExpressionOperation op,
                                              std::initializer_list<const char*> write_return_values);

// A write decided by the leader against the item's latest version.
struct WriteStep {
  enum class Kind : uint8_t { kPut, kDelete, kUpdate, kCheck };  // kCheck: the condition only
  Kind kind = Kind::kPut;
  std::optional<Condition> condition;
  Item item;                     // kPut: the new item; kUpdate: the key attributes
  std::optional<UpdateExpression> update;
};
// Where a mutator leaves the capacity its write consumed (ConsumedByWrite),
// so that the caller need not work out the index changes again (RunWrite,
// BatchWriteItem, TransactWriteItems). The mutator may run again (a leader
// change): the last run stands.
class ConsumedSlot {
 public:
  void Set(Consumed c) {
    std::lock_guard<std::mutex> lock(mu_);
    consumed_ = std::move(c);
  }
  // What the last run left (nothing when no run decided a write).
  std::optional<Consumed> Get() {
    std::lock_guard<std::mutex> lock(mu_);
    return consumed_;
  }

 private:
  std::mutex mu_;
  std::optional<Consumed> consumed_;
};
// What a write to a table with secondary indexes needs to keep them in
// step: the table (fully qualified name), its schema, and the item's key;
// and where to leave the write's capacity, when asked for.
struct IndexedWrite {
  std::string table;
  std::shared_ptr<const TableSchema> schema;
  cluster::Key key;
  std::shared_ptr<ConsumedSlot> consumed;
};
// Set when table `t` has indexes; with a ConsumedSlot for the write's
// capacity when `count_units`.
std::optional<IndexedWrite> IndexesOf(const ResolvedTable& t, const cluster::Key& key, bool count_units = false);
// The mutator that runs `step` (shared, immutable), adding the index writes
// of `indexes` when given.
cluster::Mutator MakeMutator(std::shared_ptr<const WriteStep> step, std::optional<IndexedWrite> indexes);

// The outcome of a write as the client sees it: the item before and after.
// ItemCollectionMetrics: the partition key of the item collection a write
// changed, and that collection's bytes (items and local index rows).
struct CollectionMetric {
  Item key;
  uint64_t bytes = 0;
};
struct WriteOutcome {
  std::optional<Item> old_item;
  std::optional<Item> new_item;
  std::optional<Consumed> consumed;  // RunWrite's, with the indexes' shares
  std::optional<CollectionMetric> collection;  // AddCollectionMetric's
};
// The metric of the item collection of `key` in table `t`, when the table
// has a local index (DynamoDB gives none otherwise): `key_attributes` holds
// the partition key attribute. Read on the partition's leader after the
// write; none if that read fails.
std::optional<CollectionMetric> CollectionOf(Context& ctx, const ResolvedTable& t, const cluster::Key& key,
                                             const Item& key_attributes);
// Fills out->collection (CollectionOf) when the request asked for
// ReturnItemCollectionMetrics SIZE.
void AddCollectionMetric(Context& ctx, const ResolvedTable& t, const cluster::Key& key, const Item& key_attributes,
                         const ItemRequest& r, WriteOutcome* out);
// {"ItemCollectionKey": ..., "SizeEstimateRangeGB": [lower, lower + 1]}.
void WriteCollectionMetric(JsonWriter& w, const CollectionMetric& m);
// BatchWriteItem's and TransactWriteItems' "ItemCollectionMetrics": each
// table's metrics, one per item collection written; nothing when none.
using CollectionMetricsByTable = std::vector<std::pair<std::string, std::vector<CollectionMetric>>>;
void WriteCollectionMetrics(JsonWriter& w, const CollectionMetricsByTable& tables);
// Runs `step` on the item at `key`; a failed condition becomes
// ConditionalCheckFailedException (with the item when asked for).
ApiResult<WriteOutcome> RunWrite(Context& ctx, const ResolvedTable& t, const cluster::Key& key,
                                 std::shared_ptr<const WriteStep> step, const ItemRequest& r);

// {"Attributes": ..., "ConsumedCapacity": ...} for a write, the attributes
// chosen by ReturnValues (UPDATED_* project the update's paths).
std::string WriteResponse(const ItemRequest& r, const WriteOutcome& outcome, const UpdateExpression* update);
// {"Item": ..., "ConsumedCapacity": ...} for GetItem.
std::string ReadResponse(const ItemRequest& r, double units, const Item* item);

}  // namespace ddb::api
