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

// The response for the rows of one page (already limited and paged).
ApiResult<std::string> RespondWithPage(const ReadRequest& r, const TableSchema& schema,
                                       const cluster::ScanPage& page);

}  // namespace ddb::api
