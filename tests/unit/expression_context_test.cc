// Tests of the request-level expression machinery (api/expression_context.h):
// ExpressionAttributeNames/Values validation, mixing expression and legacy
// parameters, undefined and unused placeholders across several expressions,
// and the reserved word list (api/reserved_words.h).
#include <string>
#include <vector>

#include "api/expression.h"
#include "api/expression_context.h"
#include "api/reserved_words.h"

// base/check.h's CHECK has done its work in the headers above; in this file
// CHECK is Catch2's.
#undef CHECK
#include <catch2/catch.hpp>

#include "tests/unit/expression_test_util.h"

namespace {

using namespace ddb::api::testing;  // NOLINT: shared test helpers

using ddb::api::ExpressionContext;
using ddb::api::ExpressionKind;
using ddb::api::ExpressionOperation;

std::string Created(const std::string& request) {
  rapidjson::Document d = Json(request);
  auto ctx = ExpressionContext::Create(ddb::api::Member(d, "ExpressionAttributeNames"),
                                       ddb::api::Member(d, "ExpressionAttributeValues"));
  if (!ctx.ok()) return ctx.error().type + ": " + ctx.error().message;
  return "ok";
}

std::string Params(const std::string& request, ExpressionOperation op) {
  rapidjson::Document d = Json(request);
  auto r = ddb::api::CheckExpressionParameters(d, op);
  return r.ok() ? "ok" : r.error().message;
}

// Runs a request's expressions in DynamoDB's order, then the unused check.
std::string Run(const std::string& request) {
  rapidjson::Document d = Json(request);
  auto ctx = ExpressionContext::Create(ddb::api::Member(d, "ExpressionAttributeNames"),
                                       ddb::api::Member(d, "ExpressionAttributeValues"));
  if (!ctx.ok()) return ctx.error().message;
  std::string text;
  if (ddb::api::GetString(d, "UpdateExpression", &text).value()) {
    auto u = ctx->ParseUpdate(text);
    if (!u.ok()) return u.error().message;
  }
  if (ddb::api::GetString(d, "ConditionExpression", &text).value()) {
    auto c = ctx->ParseCondition(text, ExpressionKind::kCondition);
    if (!c.ok()) return c.error().message;
  }
  if (ddb::api::GetString(d, "FilterExpression", &text).value()) {
    auto c = ctx->ParseCondition(text, ExpressionKind::kFilter);
    if (!c.ok()) return c.error().message;
  }
  if (ddb::api::GetString(d, "ProjectionExpression", &text).value()) {
    auto p = ctx->ParseProjection(text);
    if (!p.ok()) return p.error().message;
  }
  auto used = ctx->CheckAllUsed();
  return used.ok() ? "ok" : used.error().message;
}

TEST_CASE("ExpressionAttributeNames and ExpressionAttributeValues are validated", "[unit]") {
  struct Row {
    const char* request;
    const char* result;
  };
  const Row rows[] = {
      {R"({})", "ok"},
      {R"({"ExpressionAttributeNames": {"#a": "a", "#_1": "x y"}, "ExpressionAttributeValues": {":v": {"S": "x"}}})",
       "ok"},
      {R"({"ExpressionAttributeNames": {}})", "ValidationException: ExpressionAttributeNames must not be empty"},
      {R"({"ExpressionAttributeNames": {"a": "a"}})",
       "ValidationException: ExpressionAttributeNames contains invalid key: Syntax error; key: \"a\""},
      {R"({"ExpressionAttributeNames": {"#": "a"}})",
       "ValidationException: ExpressionAttributeNames contains invalid key: Syntax error; key: \"#\""},
      {R"({"ExpressionAttributeNames": {"#a-b": "a"}})",
       "ValidationException: ExpressionAttributeNames contains invalid key: Syntax error; key: \"#a-b\""},
      {R"({"ExpressionAttributeNames": {"#a": ""}})",
       "ValidationException: ExpressionAttributeNames contains invalid value: Empty attribute name for key #a"},
      {R"({"ExpressionAttributeNames": {"#a": 5}})", "SerializationException: NUMBER_VALUE cannot be converted to String"},
      {R"({"ExpressionAttributeValues": {}})", "ValidationException: ExpressionAttributeValues must not be empty"},
      {R"({"ExpressionAttributeValues": {":b": {"a": ""}, "b": {"S": "a"}}})",
       "ValidationException: ExpressionAttributeValues contains invalid key: Syntax error; key: \"b\""},
      {R"({"ExpressionAttributeValues": {":b": {}}})",
       "ValidationException: ExpressionAttributeValues contains invalid value: Supplied AttributeValue is empty, "
       "must contain exactly one of the supported datatypes for key :b"},
      {R"({"ExpressionAttributeValues": {":b": {"SS": []}}})",
       "ValidationException: ExpressionAttributeValues contains invalid value: One or more parameter values were "
       "invalid: An string set  may not be empty for key :b"},
      {R"({"ExpressionAttributeValues": {":b": {"N": "b"}}})",
       "ValidationException: ExpressionAttributeValues contains invalid value: The parameter cannot be converted to "
       "a numeric value: b for key :b"},
      {R"({"ExpressionAttributeValues": {":b": {"S": "a", "N": "1"}}})",
       "ValidationException: ExpressionAttributeValues contains invalid value: Supplied AttributeValue has more than "
       "one datatypes set, must contain exactly one of the supported datatypes for key :b"},
      {R"({"ExpressionAttributeValues": {":a": {"SS": []}, ":b": {"S": 5}}})",
       "SerializationException: NUMBER_VALUE cannot be converted to String"},
      {R"({"ExpressionAttributeNames": {}, "ExpressionAttributeValues": {}})",
       "ValidationException: ExpressionAttributeNames must not be empty"},
  };
  for (const Row& row : rows) {
    INFO(row.request);
    CHECK(Created(row.request) == row.result);
  }
}

TEST_CASE("expression and legacy parameters may not be mixed", "[unit]") {
  CHECK(Params(R"({"ConditionExpression": "a = :v", "ExpressionAttributeValues": {":v": {"S": "x"}}})",
               ExpressionOperation::kPutItem) == "ok");
  CHECK(Params(R"({"Expected": {"a": {"Exists": false}}, "ConditionExpression": "a = :v"})",
               ExpressionOperation::kPutItem) ==
        "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: "
        "{Expected} Expression parameters: {ConditionExpression}");
  CHECK(Params(R"({"Key": {}, "Expected": {"a": {}}, "AttributeUpdates": {}, "ExpressionAttributeNames": {},
                   "ExpressionAttributeValues": {}, "ConditionExpression": "", "UpdateExpression": ""})",
               ExpressionOperation::kUpdateItem) ==
        "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: "
        "{AttributeUpdates, Expected} Expression parameters: {UpdateExpression, ConditionExpression}");
  CHECK(Params(R"({"AttributeUpdates": {}, "UpdateExpression": "SET a = :v"})", ExpressionOperation::kUpdateItem) ==
        "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: "
        "{AttributeUpdates} Expression parameters: {UpdateExpression}");
  CHECK(Params(R"({"AttributesToGet": ["a"], "QueryFilter": {}, "ConditionalOperator": "OR",
                   "KeyConditions": {}, "ProjectionExpression": "", "FilterExpression": "",
                   "KeyConditionExpression": ""})",
               ExpressionOperation::kQuery) ==
        "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: "
        "{AttributesToGet, QueryFilter, ConditionalOperator, KeyConditions} Expression parameters: "
        "{ProjectionExpression, FilterExpression, KeyConditionExpression}");
  // KeyConditions may go with FilterExpression when there is no KeyConditionExpression.
  CHECK(Params(R"({"KeyConditions": {}, "FilterExpression": "a = :v", "ExpressionAttributeValues": {":v": {"N": "1"}}})",
               ExpressionOperation::kQuery) == "ok");
  CHECK(Params(R"({"AttributesToGet": ["b"], "ProjectionExpression": "a"})", ExpressionOperation::kGetItem) ==
        "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: "
        "{AttributesToGet} Expression parameters: {ProjectionExpression}");
  CHECK(Params(R"({"Expected": {}, "ExpressionAttributeNames": {}, "ExpressionAttributeValues": {}})",
               ExpressionOperation::kUpdateItem) ==
        "ExpressionAttributeNames can only be specified when using expressions");
  CHECK(Params(R"({"Expected": {}, "ExpressionAttributeValues": {}})", ExpressionOperation::kUpdateItem) ==
        "ExpressionAttributeValues can only be specified when using expressions: UpdateExpression and "
        "ConditionExpression are null");
  CHECK(Params(R"({"ExpressionAttributeValues": {":v": {"S": "x"}}})", ExpressionOperation::kPutItem) ==
        "ExpressionAttributeValues can only be specified when using expressions: ConditionExpression is null");
  CHECK(Params(R"({"ExpressionAttributeValues": {":v": {"S": "x"}}})", ExpressionOperation::kDeleteItem) ==
        "ExpressionAttributeValues can only be specified when using expressions: ConditionExpression is null");
  CHECK(Params(R"({"ProjectionExpression": "a", "ExpressionAttributeValues": {":v": {"S": "x"}}})",
               ExpressionOperation::kQuery) ==
        "ExpressionAttributeValues can only be specified when using expressions: FilterExpression and "
        "KeyConditionExpression are null");
  CHECK(Params(R"({"ExpressionAttributeValues": {":v": {"S": "x"}}})", ExpressionOperation::kScan) ==
        "ExpressionAttributeValues can only be specified when using expressions: FilterExpression is null");
  CHECK(Params(R"({"ExpressionAttributeNames": {"#a": "a"}})", ExpressionOperation::kGetItem) ==
        "ExpressionAttributeNames can only be specified when using expressions");
  CHECK(Params(R"({"ProjectionExpression": "#a", "ExpressionAttributeNames": {"#a": "a"}})",
               ExpressionOperation::kGetItem) == "ok");
  CHECK(Params(R"({"ConditionExpression": null, "Expected": {}})", ExpressionOperation::kPutItem) == "ok");
}

TEST_CASE("placeholders must be defined, and all of them used", "[unit]") {
  CHECK(Run(R"({"UpdateExpression": "SET #a = :v", "ExpressionAttributeNames": {"#a": "a"},
                "ExpressionAttributeValues": {":v": {"S": "x"}}})") == "ok");
  CHECK(Run(R"({"UpdateExpression": "SET #one = #two", "ExpressionAttributeNames": {"#one": "c", "#two": "a"}})") ==
        "ok");
  CHECK(Run(R"({"UpdateExpression": "SET #one = #two",
                "ExpressionAttributeNames": {"#one": "c", "#two": "a", "#three": "z"}})") ==
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#three}");
  CHECK(Run(R"x({"UpdateExpression": "remove a set b = list_append(b, if_not_exists(a, :a))",
                "ConditionExpression": "a = :b", "ExpressionAttributeValues": {":a": {"L": []}, ":b": {"S": "a"}},
                "ExpressionAttributeNames": {"#a": "a", "#b": "b"}})x") ==
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#a, #b}");
  CHECK(Run(R"({"UpdateExpression": "remove a", "ConditionExpression": "a = :b",
                "ExpressionAttributeValues": {":a": {"S": "a"}, ":b": {"S": "a"}, ":c": {"S": "a"}}})") ==
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:a, :c}");
  CHECK(Run(R"({"UpdateExpression": "SET a = :v", "ExpressionAttributeValues": {":v": {"S": "x"}, ":w": {"S": "y"}},
                "ExpressionAttributeNames": {"#unused": "q"}})") ==
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#unused}");
  // A name used by any of the request's expressions counts as used.
  CHECK(Run(R"({"FilterExpression": "#a = :v", "ProjectionExpression": "#a, #b",
                "ExpressionAttributeNames": {"#a": "a", "#b": "b"}, "ExpressionAttributeValues": {":v": {"N": "1"}}})") ==
        "ok");
  // Undefined placeholders are reported by the expression that uses them, in DynamoDB's order.
  CHECK(Run(R"({"UpdateExpression": "SET a = :v", "ConditionExpression": "#n = :v",
                "ExpressionAttributeValues": {":v": {"S": "x"}}})") ==
        "Invalid ConditionExpression: An expression attribute name used in the document path is not defined; "
        "attribute name: #n");
  CHECK(Run(R"({"UpdateExpression": "SET b = :v1", "ExpressionAttributeValues": {":v2": {"N": "4"}}})") ==
        "Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute "
        "value: :v1");
  CHECK(Run(R"({"UpdateExpression": "SET b = :v1"})") ==
        "Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute "
        "value: :v1");
  CHECK(Run(R"({"ProjectionExpression": "a.#n2", "ExpressionAttributeNames": {"#wrong": "b"}})") ==
        "Invalid ProjectionExpression: An expression attribute name used in the document path is not defined; "
        "attribute name: #n2");
  CHECK(Run(R"({"ConditionExpression": "foo=:foo"})") ==
        "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute "
        "value: :foo");
  CHECK(Run(R"({"ConditionExpression": "", "UpdateExpression": ""})") ==
        "Invalid UpdateExpression: The expression can not be empty;");
  CHECK(Run(R"({"FilterExpression": "a > b", "ProjectionExpression": ""})") ==
        "Invalid ProjectionExpression: The expression can not be empty;");
}

TEST_CASE("DynamoDB's reserved words are rejected in any case", "[unit]") {
  CHECK(ddb::api::kReservedWordCount == 573);
  for (const char* w : {"ABORT", "abort", "aBoRt", "NAME", "status", "Data", "count", "ITEMS", "ZONE", "FLATTERN",
                        "INNTER", "LOGED", "VALUE", "size", "SET", "AND", "between", "key", "ttl"}) {
    INFO(w);
    CHECK(ddb::api::IsReservedWord(w));
  }
  for (const char* w : {"", "abortx", "REMOVE", "pk", "sk", "id", "a", "names1", "attribute_exists", "SPECIFICTYPES",
                        "if_not_exists", "list_append"}) {
    INFO(w);
    CHECK_FALSE(ddb::api::IsReservedWord(w));
  }
  CHECK(Run(R"({"ConditionExpression": "status = :v", "ExpressionAttributeValues": {":v": {"S": "x"}}})") ==
        "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status");
  CHECK(Run(R"({"UpdateExpression": "SET #s = :v", "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": {":v": {"S": "x"}}})") == "ok");
  CHECK(Run(R"({"ProjectionExpression": "pk, data"})") ==
        "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: data");
}

}  // namespace
