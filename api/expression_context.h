// ExpressionContext: one request's ExpressionAttributeNames and
// ExpressionAttributeValues, and the parsers that turn the request's
// expression strings into the trees of api/expression.h while resolving
// those placeholders.
//
// Use, in DynamoDB's order:
//   1. CheckExpressionParameters(request, operation) — mixing expression and
//      legacy parameters, maps given without expressions;
//   2. ExpressionContext::Create(names, values) — the maps themselves;
//   3. Parse* for each expression the request has, in DynamoDB's order:
//      UpdateExpression, ConditionExpression, KeyConditionExpression,
//      FilterExpression, ProjectionExpression; each marks the placeholders
//      it uses and fails on undefined ones;
//   4. CheckAllUsed() — names, then values, that no expression used;
//   5. KeyConditionTerms() for a KeyConditionExpression's key-specific rules.
// Every error is a ValidationException with DynamoDB's message; expression
// errors carry the "Invalid <Parameter>: " prefix, syntax errors read
// `Syntax error; token: "<token>", near: "<previous token to next token>"`.
//
// Thread safety: a context belongs to one request; not thread-safe.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/expression.h"
#include "api/json.h"

namespace ddb::api {

// The request parameter an expression string came from; it names the error
// prefix ("Invalid ConditionExpression: ...").
enum class ExpressionKind : uint8_t { kCondition, kFilter, kKeyCondition, kUpdate, kProjection };
const char* ExpressionParameter(ExpressionKind kind);  // "ConditionExpression", ...

// The operations (and transaction items) that take expression parameters,
// each with DynamoDB's lists of expression and legacy parameters.
enum class ExpressionOperation : uint8_t {
  kGetItem, kPutItem, kDeleteItem, kUpdateItem, kQuery, kScan,
  kBatchGetTable,    // one table of BatchGetItem's RequestItems
  kTransactGet,      // TransactGetItems' Get
  kConditionCheck,   // TransactWriteItems' ConditionCheck
};

// Checks, in DynamoDB's order: "Can not use both expression and
// non-expression parameters in the same request: Non-expression parameters:
// {Expected} Expression parameters: {ConditionExpression}";
// "ExpressionAttributeNames can only be specified when using expressions";
// "ExpressionAttributeValues can only be specified when using expressions:
// ConditionExpression is null". A parameter counts as given when present and
// not JSON null.
ApiResult<bool> CheckExpressionParameters(const JsonValue& request, ExpressionOperation operation);

class ExpressionContext {
 public:
  // `names` and `values` are the request's members, nullptr when absent.
  // Errors: "ExpressionAttributeNames must not be empty", "ExpressionAttributeNames
  // contains invalid key: Syntax error; key: \"a\"", the same two for
  // ExpressionAttributeValues, and "ExpressionAttributeValues contains invalid
  // value: <AttributeValue error> for key :v".
  static ApiResult<ExpressionContext> Create(const JsonValue* names, const JsonValue* values);

  // kind is kCondition or kFilter (it only changes the message prefix).
  ApiResult<Condition> ParseCondition(std::string_view text, ExpressionKind kind);
  ApiResult<UpdateExpression> ParseUpdate(std::string_view text);
  ApiResult<Projection> ParseProjection(std::string_view text);
  // A KeyConditionExpression is parsed with ParseCondition(text,
  // ExpressionKind::kKeyCondition) and, after CheckAllUsed (DynamoDB's
  // order), turned into terms with KeyConditionTerms (api/expression.h).

  // "Value provided in ExpressionAttributeNames unused in expressions: keys:
  // {#a, #b}", then the same for values; keys in request order.
  ApiResult<bool> CheckAllUsed() const;

  // For the parsers: resolve a placeholder and mark it used; nullptr when
  // the request does not define it.
  const std::string* ResolveName(const std::string& ref);
  const AttributeValue* ResolveValue(const std::string& ref);

 private:
  std::vector<std::pair<std::string, std::string>> names_;      // request order
  std::vector<std::pair<std::string, AttributeValue>> values_;  // request order
  std::set<std::string> used_names_;
  std::set<std::string> used_values_;
};

}  // namespace ddb::api
