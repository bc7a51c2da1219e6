// FaultRules: deterministic faults for application test suites. A rule makes
// the next N matching requests (or every matching request until a deadline)
// fail with one of DynamoDB's retryable errors, or makes BatchWriteItem hand
// back some of a table's items as UnprocessedItems without writing them (or
// BatchGetItem some of its keys as UnprocessedKeys, without reading them).
// Rules are added, listed and removed through the admin API (api/admin.h);
// the Handler asks them before running an operation.
//
// A rule matches a request when all of its given filters match:
//   table       the request's TableName, or a table of RequestItems (batches)
//   namespace   "<access key id>_<region>" (leave out with -sharedDb)
//   operations  "write" (PutItem, UpdateItem, DeleteItem, BatchWriteItem),
//               "read" (GetItem, Query, Scan, BatchGetItem), "any", or one
//               operation name
//   key         attributes in DynamoDB JSON that the request's Key (Item for
//               PutItem; any request of the table in a batch) holds with the
//               same JSON value; Query and Scan never match a keyed rule
// When several rules match, the oldest fires. Error rules are asked before
// the operation validates the request (it never runs). A rule with a count fires that
// many times and is then removed; one with durationMs is removed when it
// expires; one with both ends at whichever comes first.
//
// The errors, with DynamoDB's HTTP status and message (see Injected()):
//   ProvisionedThroughputExceededException, ThrottlingException,
//   RequestLimitExceeded (400), InternalServerError (500),
//   TransactionConflictException (400).
//
// Thread safety: every method may be called from any thread at once; one
// mutex guards the rules, and a request with no rule installed takes no lock.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "api/error.h"
#include "api/json.h"

namespace ddb::api {

struct FaultRule {
  uint64_t id = 0;
  std::string fault;       // an error type above, "UnprocessedItems" or "UnprocessedKeys"
  std::string message;     // the error's message; empty for DynamoDB's own
  std::string table;       // empty: any table
  std::string ns;          // empty: any namespace
  std::string operations;  // "write", "read", "any" or an operation name
  std::string key_json;    // compact DynamoDB JSON; empty: any key
  std::shared_ptr<const rapidjson::Document> key;  // key_json parsed; null: any key
  int64_t remaining = -1;  // calls left; -1: until the deadline
  std::optional<std::chrono::steady_clock::time_point> deadline;
  int64_t items = 0;       // items or keys held back per call; 0: half, rounded up
  uint64_t fired = 0;      // how many requests it has failed so far
};

class FaultRules {
 public:
  // Reads a rule from the admin API's JSON; a one-line reason when invalid.
  static ApiResult<FaultRule> Parse(const JsonValue& body);
  // The error a rule of this kind sends, with DynamoDB's status and message.
  static Error Injected(const FaultRule& rule);

  uint64_t Add(FaultRule rule);  // returns its id
  bool Remove(uint64_t id);      // false when there is no such rule
  size_t Clear();                // returns how many were removed
  // {"rules": [{"id":..,"fault":..,"table":..,"remaining":..,"expiresInMs":..}, ...]}
  std::string ToJson();

  // Called for every operation once its body is parsed: the error to answer
  // instead of running it, if an error rule matches (and is consumed).
  std::optional<Error> ErrorFor(const std::string& operation, const std::string& ns, const JsonValue& request);
  // Called by BatchWriteItem for each table: how many of its `count` write
  // requests (the last ones) to hand back unprocessed; 0 when no rule matches.
  // `requests` is the table's list of WriteRequests.
  size_t UnprocessedFor(const std::string& ns, const std::string& table, const JsonValue& requests, size_t count);
  // The same for BatchGetItem: how many of a table's `count` keys (the last
  // ones) to hand back in UnprocessedKeys. `keys` is its KeysAndAttributes.
  size_t UnprocessedKeysFor(const std::string& ns, const std::string& table, const JsonValue& keys, size_t count);

  struct Target;  // fault_rules.cc

 private:
  // The first rule of kind `fault` ("UnprocessedItems" or "UnprocessedKeys")
  // matching `t` fires: how many of `count` it holds back.
  size_t HeldBack(const std::string& fault, const std::string& ns, const Target& t, size_t count);
  // Removes expired rules. Requires mu_.
  void ExpireLocked(std::chrono::steady_clock::time_point now);
  // Counts one firing of rules_[i], removing it when spent. Requires mu_.
  void FireLocked(size_t i);

  std::mutex mu_;
  std::vector<FaultRule> rules_;  // oldest first
  uint64_t next_id_ = 1;
  std::atomic<size_t> size_{0};  // rules_.size(), read without the lock
};

}  // namespace ddb::api
