// What Query and Scan share: their parameters (Limit, ConsistentRead, Select,
// ExclusiveStartKey, filters and projections in expression or legacy form),
// and turning the rows a page read into DynamoDB's answer — ScannedCount
// counts what was read (the 1 MB page is applied before the filter, as
// DynamoDB does), Count what passed the filter, LastEvaluatedKey the key of
// the last row read when the page stopped early.
//
// Thread safety: values and pure functions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/expression.h"
#include "api/operations.h"

namespace ddb::api {

constexpr size_t kPageBytes = 1024 * 1024;

struct ReadRequest {
  std::string table_name;
  std::optional<int64_t> limit;
  bool consistent = false;
  std::string select = "ALL_ATTRIBUTES";
  bool select_given = false;
  std::string return_consumed = "NONE";
  std::optional<Item> start_key;
  std::optional<std::string> index_name;
  std::optional<Condition> filter;
  std::optional<Projection> projection;
  // Query only.
  std::vector<KeyTerm> key_terms;
  bool forward = true;
  // Scan only.
  std::optional<int64_t> segment;
  std::optional<int64_t> total_segments;
};

// Parses and validates a Query (is_query) or Scan request, everything but
// what needs the table's schema.
ApiResult<ReadRequest> ParseReadRequest(const JsonValue& req, bool is_query);

// Where a Query or Scan reads: the table, or the index it names (IndexName).
struct ReadTarget {
  cluster::TableMeta meta;          // the table holding the rows (a global index has its own)
  const IndexDef* index = nullptr;  // null: the table itself
  uint32_t local_index = 0;         // a local index's number in the partitions
};
// Checks what DynamoDB checks of a read on an index (it exists, is not
// backfilling, no consistent read of a global one, Select fits its projection).
ApiResult<ReadTarget> ResolveReadTarget(Context& ctx, const ReadRequest& r, const ResolvedTable& t);
// ExclusiveStartKey as a row key of the target.
ApiResult<std::optional<cluster::Key>> ReadStartKey(const ReadRequest& r, const TableSchema& s,
                                                   const ReadTarget& target);
// A local index that does not project everything the request needs reads
// the items from the table ("fetches" them), as DynamoDB does.
ApiResult<bool> FetchFromTable(Context& ctx, const ReadRequest& r, const ResolvedTable& t,
                               const ReadTarget& target, cluster::ScanPage* page);

// The response for the rows of one page (already limited and paged).
ApiResult<std::string> RespondWithPage(const ReadRequest& r, const TableSchema& schema,
                                       const cluster::ScanPage& page, const IndexDef* index = nullptr);

}  // namespace ddb::api
