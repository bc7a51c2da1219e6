// The DynamoDB operations, one function each, grouped by file:
//   table_ops.cc  CreateTable, DescribeTable, ListTables, DeleteTable
//   table_settings.cc  UpdateTable, tags, time to live, DescribeLimits, DescribeEndpoints
//   item_ops.cc   PutItem, GetItem, DeleteItem (item_request.cc: what they share)
//   update_op.cc  UpdateItem
//   scan_op.cc    Scan; query_op.cc Query (read_request.cc: what they share)
//   batch_ops.cc  BatchGetItem, BatchWriteItem
//   transact_ops.cc  TransactWriteItems, TransactGetItems (token_cache.h: ClientRequestToken)
// Each validates its whole request before touching the cluster, and returns
// the JSON response body or a DynamoDB error.
//
// Thread safety: operations are called concurrently; Context is per request.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "api/error.h"
#include "api/fault_rules.h"
#include "api/json.h"
#include "api/table_schema.h"
#include "api/token_cache.h"
#include "cluster/cluster.h"

namespace ddb::api {

class IndexBuilder;

struct Context {
  cluster::Cluster* cluster = nullptr;
  SchemaCache* schemas = nullptr;
  IndexBuilder* indexes = nullptr;  // UpdateTable's index changes
  TokenCache* tokens = nullptr;
  std::string ns;      // "<access key id>_<region>/" or "" with -sharedDb
  std::string region;  // for ARNs
  std::string host;    // the Host the client reached, for DescribeEndpoints
  FaultRules* faults = nullptr;  // UnprocessedItems rules for BatchWriteItem
};

using Operation = ApiResult<std::string> (*)(Context& ctx, const JsonValue& request);

ApiResult<std::string> CreateTable(Context& ctx, const JsonValue& request);
ApiResult<std::string> DescribeTable(Context& ctx, const JsonValue& request);
ApiResult<std::string> ListTables(Context& ctx, const JsonValue& request);
ApiResult<std::string> DeleteTable(Context& ctx, const JsonValue& request);
ApiResult<std::string> UpdateTable(Context& ctx, const JsonValue& request);
ApiResult<std::string> TagResource(Context& ctx, const JsonValue& request);
ApiResult<std::string> UntagResource(Context& ctx, const JsonValue& request);
ApiResult<std::string> ListTagsOfResource(Context& ctx, const JsonValue& request);
ApiResult<std::string> DescribeTimeToLive(Context& ctx, const JsonValue& request);
ApiResult<std::string> UpdateTimeToLive(Context& ctx, const JsonValue& request);
ApiResult<std::string> DescribeContinuousBackups(Context& ctx, const JsonValue& request);
ApiResult<std::string> UpdateContinuousBackups(Context& ctx, const JsonValue& request);
ApiResult<std::string> DescribeLimits(Context& ctx, const JsonValue& request);
ApiResult<std::string> DescribeEndpoints(Context& ctx, const JsonValue& request);
ApiResult<std::string> PutItem(Context& ctx, const JsonValue& request);
ApiResult<std::string> GetItem(Context& ctx, const JsonValue& request);
ApiResult<std::string> DeleteItem(Context& ctx, const JsonValue& request);
ApiResult<std::string> UpdateItem(Context& ctx, const JsonValue& request);
ApiResult<std::string> Scan(Context& ctx, const JsonValue& request);
ApiResult<std::string> Query(Context& ctx, const JsonValue& request);
ApiResult<std::string> BatchGetItem(Context& ctx, const JsonValue& request);
ApiResult<std::string> BatchWriteItem(Context& ctx, const JsonValue& request);
ApiResult<std::string> TransactWriteItems(Context& ctx, const JsonValue& request);
ApiResult<std::string> TransactGetItems(Context& ctx, const JsonValue& request);

// Collects DynamoDB's constraint violations ("1 validation error detected:
// Value 'x' at 'tableName' failed to satisfy constraint: ...") in request order.
// A value as a constraint violation shows it: in single quotes.
std::string Quote(const std::string& value);

class Constraints {
 public:
  // `value` is rendered as DynamoDB renders it: quoted text (Quote), or null.
  void Fail(const std::string& rendered_value, const std::string& path, const std::string& constraint);
  void NotNull(bool present, const std::string& path);
  // A list of strings with a member outside 1 to `max` long (as the caller
  // counts): the whole list as DynamoDB prints it, and both bounds.
  void MemberLengths(const std::vector<std::string>& list, const std::string& path, size_t max);
  // A table name's length and pattern.
  void TableName(const std::string* name, const std::string& path = "tableName");
  bool ok() const { return errors_.empty(); }
  Error ToError() const;

 private:
  std::vector<std::string> errors_;
};

// Reads an enum-valued string member `name`, adding a constraint violation
// at `path` when the value is not one of `allowed` (`set` is DynamoDB's
// printed list). False when the member is absent (constraints.cc).
ApiResult<bool> ReadEnum(const JsonValue& obj, const char* name, const std::string& path,
                         std::initializer_list<const char*> allowed, const char* set, std::string* out,
                         Constraints* c);

// The table named in the request ("TableName"), resolved in the caller's
// namespace, with its schema. ResourceNotFoundException with `not_found`
// when absent.
struct ResolvedTable {
  cluster::TableMeta meta;
  std::shared_ptr<const TableSchema> schema;
};
ApiResult<ResolvedTable> ResolveTable(Context& ctx, const std::string& name, const std::string& not_found);

// What every item operation shares (item_common.cc).
constexpr size_t kMaxItemBytes = 400 * 1024;
// Top-level attribute names: not empty, at most 64 KB.
ApiResult<bool> CheckAttributeNames(const Item& item);
// Capacity units: writes per started 1 KB, reads per started 4 KB (halved
// for an eventually consistent read); at least one.
double WriteUnits(size_t bytes);
double ReadUnits(size_t bytes, bool consistent);
// The capacity units one operation consumed on one table: the table's own
// and each secondary index's (by index name; only the indexes it touched).
struct Consumed {
  Consumed() = default;
  explicit Consumed(double table_units) : table(table_units) {}
  double table = 0;
  std::map<std::string, double> global;
  std::map<std::string, double> local;
  double Total() const;
  void Add(const Consumed& other);
};
// An item write going from `old` to `next` (either may be null) that makes
// `changes` in the indexes (IndexChanges, secondary_index.h): the table's
// units (the larger version, WriteUnits), and for each index the writes
// DynamoDB counts, which are the index writes the write makes: one put of
// the new index entry when the item enters the index or its projected
// attributes change, one delete of the old entry when it leaves it, both
// when the index key changes. Each is WriteUnits of the index entry (the
// projected item).
struct IndexChange;
Consumed ConsumedByWrite(const Item* old, const Item* next, const std::vector<IndexChange>& changes);
// "ConsumedCapacity" for ReturnConsumedCapacity `mode` (nothing for NONE):
// the total; INDEXES adds the Table share and GlobalSecondaryIndexes /
// LocalSecondaryIndexes for the indexes that consumed any.
void WriteConsumedCapacity(JsonWriter& w, const std::string& table, const std::string& mode, const Consumed& units);
void WriteConsumedCapacity(JsonWriter& w, const std::string& table, const std::string& mode, double units);
// The same for several tables (batches, transactions): one entry per table.
// Transactions also name the kind of every figure (ReadCapacityUnits or
// WriteCapacityUnits beside CapacityUnits, in each share too), as DynamoDB
// does for them alone.
enum class UnitKind { kUnnamed, kRead, kWrite };
void WriteConsumedCapacityList(JsonWriter& w, const std::string& mode,
                               const std::vector<std::pair<std::string, Consumed>>& tables,
                               UnitKind kind = UnitKind::kUnnamed);
// The named top-level attributes of `item` (AttributesToGet); all of it when
// `names` is empty.
Item ProjectAttributes(Item item, const std::vector<std::string>& names);

// A KeySchema list: its (AttributeName, KeyType) pairs, adding constraint
// violations at `prefix` + "keySchema.N.member..." (table_ops.cc).
ApiResult<std::vector<std::pair<std::string, std::string>>> ReadKeySchema(const JsonValue& ks, Constraints* c,
                                                                           const std::string& prefix);
// A one- or two-element KeySchema: HASH first, then RANGE, two names (table_ops.cc).
ApiResult<bool> CheckKeyOrder(const std::vector<std::pair<std::string, std::string>>& keys);
// CreateTable's LocalSecondaryIndexes and GlobalSecondaryIndexes into
// `s->indexes`, validated against the table's keys and attribute
// definitions (index_definitions.cc).
ApiResult<bool> ReadIndexDefinitions(const JsonValue& request, TableSchema* s);
// UpdateTable's GlobalSecondaryIndexUpdates (and the AttributeDefinitions
// they need) applied to `s`: a created index is added as CREATING (its
// table is created here), a deleted one marked DELETING; the IndexBuilder
// finishes both once `s` is saved (index_definitions.cc).
ApiResult<bool> ApplyIndexUpdates(Context& ctx, const JsonValue& request, const JsonValue& updates, TableSchema* s);
// "LocalSecondaryIndexes" and "GlobalSecondaryIndexes" of a description.
void WriteIndexDescriptions(JsonWriter& w, const Context& ctx, const cluster::TableMeta& meta, const TableSchema& s);

// "ProvisionedThroughput" of a table or index description, and a table's
// ARN (table_ops.cc).
void WriteProvisionedThroughput(JsonWriter& w, int64_t read, int64_t write);
std::string TableArn(const Context& ctx, const std::string& table);

// The request's TableName alone, validated (table_ops.cc).
ApiResult<std::string> ReadTableName(const JsonValue& request);

// A Tags list (CreateTable, TagResource), validated as DynamoDB validates
// tags: key 1-128 characters, value 0-256, letters, digits, spaces and
// _ . : / = + - @ only (table_settings.cc).
ApiResult<std::vector<std::pair<std::string, std::string>>> ReadTags(const JsonValue& tags);

// {"<wrapper>": TableDescription} (table_ops.cc).
std::string Describe(const Context& ctx, const char* wrapper, const cluster::TableMeta& meta,
                     const TableSchema& s, const cluster::TableStats& stats, const char* status);

// A StreamSpecification that turns a stream on is not supported yet; one
// with StreamEnabled false (what many tools send) is accepted as "no stream".
// Its StreamViewType, when given, must be one of DynamoDB's four.
ApiResult<bool> RejectEnabledStream(const JsonValue& request);

// DeletionProtectionEnabled and TableClass (CreateTable, UpdateTable): each
// one given is set in `s`; an unknown TableClass is a constraint violation
// in `c`. True when either was given (table_ops.cc).
ApiResult<bool> ReadTableOptions(const JsonValue& request, TableSchema* s, Constraints* c);

// CreateTable's SSESpecification, checked as DynamoDB checks it (Enabled a
// boolean, SSEType AES256 or KMS, KMSMasterKeyId a string) into `c`. Not
// kept: tables are described with DynamoDB's default encryption.
ApiResult<bool> CheckSseSpecification(const JsonValue& request, Constraints* c);

// Rejects a request parameter this version does not implement yet, with a
// ValidationException that names it, rather than ignoring it silently.
ApiResult<bool> RejectUnsupported(const JsonValue& request, std::initializer_list<const char*> names);

}  // namespace ddb::api
