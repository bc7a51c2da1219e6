// The pre-expression ("legacy") request parameters converted into the trees of
// api/expression.h, with DynamoDB's validation messages:
//   Expected + ConditionalOperator      -> Condition
//   QueryFilter / ScanFilter + ConditionalOperator -> Condition
//   KeyConditions                       -> key terms (for BindKeyCondition)
//   AttributeUpdates                    -> UpdateExpression (legacy semantics)
//   AttributesToGet                     -> Projection
// Legacy names are literal attribute names: "a.b" is the top-level attribute
// named a.b, never a path, and reserved words are allowed.
//
// Conversions: EQ/NE/LT/LE/GT/GE -> a = v etc.; NOT_NULL -> attribute_exists(a);
// NULL -> attribute_not_exists(a); CONTAINS -> contains(a, v); NOT_CONTAINS ->
// attribute_exists(a) AND NOT contains(a, v) (DynamoDB's NOT_CONTAINS is false
// on a missing attribute); BEGINS_WITH -> begins_with(a, v); IN -> a IN (...);
// BETWEEN -> a BETWEEN v1 AND v2; Expected's {Value} or {Exists: true, Value}
// -> a = v and {Exists: false} -> attribute_not_exists(a). Conditions are
// joined with ConditionalOperator (AND by default).
//
// Whether a request may use these at all (mixing with expressions) is
// CheckExpressionParameters' job (api/expression_context.h).
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <vector>

#include "api/expression.h"
#include "api/json.h"

namespace ddb::api {

// nullopt when Expected is absent or empty. `conditional_operator` is the
// request's ConditionalOperator member (nullptr when absent).
ApiResult<std::optional<Condition>> ConvertExpected(const JsonValue* expected, const JsonValue* conditional_operator);

// `parameter` is "QueryFilter" or "ScanFilter" (it names constraint paths).
ApiResult<std::optional<Condition>> ConvertFilter(const JsonValue* filter, const JsonValue* conditional_operator,
                                                  const char* parameter);

// Checked like QueryFilter, plus "Conditions can be of length 1 or 2 only"
// (beyond `max_terms`: 2, or 8 for a Query of an index, which binding to the
// index's key checks again).
ApiResult<std::vector<KeyTerm>> ConvertKeyConditions(const JsonValue& key_conditions, size_t max_terms = 2);

// Action PUT (the default), ADD or DELETE per attribute. The result has
// legacy = true: ADD also appends to lists.
ApiResult<UpdateExpression> ConvertAttributeUpdates(const JsonValue& updates);

// "One or more parameter values were invalid: Duplicate value in attribute name: a".
ApiResult<Projection> ConvertAttributesToGet(const JsonValue& attributes);

}  // namespace ddb::api
