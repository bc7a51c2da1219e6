// Tests of key conditions (api/expression.h): KeyConditionExpression text ->
// key terms, the key-specific errors with DynamoDB's messages, binding to a
// key schema, and matching key values.
#include <optional>
#include <string>
#include <vector>

#include "api/expression.h"
#include "api/expression_context.h"
#include "api/item_json.h"

// base/check.h's CHECK has done its work in the headers above; in this file
// CHECK is Catch2's.
#undef CHECK
#include <catch2/catch.hpp>

#include "tests/unit/expression_test_util.h"

namespace {

using namespace ddb::api::testing;  // NOLINT: shared test helpers

using ddb::api::ApiResult;
using ddb::api::AttributeValue;
using ddb::api::AttrType;
using ddb::api::ComparisonOperator;
using ddb::api::ExpressionContext;
using ddb::api::ExpressionKind;
using ddb::api::KeyAttribute;
using ddb::api::KeyCondition;
using ddb::api::KeyTerm;

constexpr char kRequest[] = R"({
  "ExpressionAttributeNames": {"#pk": "pk", "#sk": "sk"},
  "ExpressionAttributeValues": {":p": {"S": "p1"}, ":a": {"S": "a"}, ":b": {"S": "b"}, ":one": {"N": "1"},
                                ":two": {"N": "2"}, ":typeS": {"S": "S"}, ":l": {"L": []}}})";

// The terms joined by " AND ", or "error: <message>".
std::string Terms(const std::string& expression) {
  rapidjson::Document d = Json(kRequest);
  auto ctx = ExpressionContext::Create(ddb::api::Member(d, "ExpressionAttributeNames"),
                                       ddb::api::Member(d, "ExpressionAttributeValues"));
  REQUIRE(ctx.ok());
  auto tree = ctx->ParseCondition(expression, ExpressionKind::kKeyCondition);
  if (!tree.ok()) return "error: " + tree.error().message;
  ApiResult<std::vector<KeyTerm>> terms = ddb::api::KeyConditionTerms(*tree);
  if (!terms.ok()) return "error: " + terms.error().message;
  std::string out;
  for (const KeyTerm& t : *terms) out += (out.empty() ? "" : " AND ") + t.ToString();
  return out;
}

std::vector<KeyTerm> MustTerms(const std::string& expression, size_t max_terms = 2) {
  rapidjson::Document d = Json(kRequest);
  auto ctx = ExpressionContext::Create(ddb::api::Member(d, "ExpressionAttributeNames"),
                                       ddb::api::Member(d, "ExpressionAttributeValues"));
  REQUIRE(ctx.ok());
  auto tree = ctx->ParseCondition(expression, ExpressionKind::kKeyCondition);
  INFO(expression);
  REQUIRE(tree.ok());
  auto terms = ddb::api::KeyConditionTerms(*tree, max_terms);
  REQUIRE(terms.ok());
  return *terms;
}

std::string Bound(const std::string& expression, bool with_range = true) {
  std::optional<KeyAttribute> range;
  if (with_range) range = KeyAttribute{"sk", AttrType::kS};
  ApiResult<KeyCondition> kc = ddb::api::BindKeyCondition(MustTerms(expression, ddb::api::kMaxKeyConditionTerms),
                                                          KeyAttribute{"pk", AttrType::kS}, range);
  if (!kc.ok()) return "error: " + kc.error().message;
  return kc->ToString();
}

TEST_CASE("key condition expressions become key terms", "[unit]") {
  struct Row {
    const char* expression;
    const char* result;
  };
  const Row rows[] = {
      {"pk = :p", R"(pk = {"S":"p1"})"},
      {"#pk = :p AND #sk < :b", R"(pk = {"S":"p1"} AND sk < {"S":"b"})"},
      {":p = pk", R"(pk = {"S":"p1"})"},
      {":a < sk", R"(sk > {"S":"a"})"},
      {":a <= sk", R"(sk >= {"S":"a"})"},
      {":a > sk", R"(sk < {"S":"a"})"},
      {":a >= sk", R"(sk <= {"S":"a"})"},
      {"sk BETWEEN :a AND :b", R"(sk BETWEEN {"S":"a"} AND {"S":"b"})"},
      {"begins_with(sk, :a) and pk = :p", R"(begins_with(sk, {"S":"a"}) AND pk = {"S":"p1"})"},
      {"(pk = :p) AND (sk > :a)", R"(pk = {"S":"p1"} AND sk > {"S":"a"})"},
      {"a > b and size(b) > c or a > c", "error: Invalid operator used in KeyConditionExpression: OR"},
      {"a in (:a, :b)", "error: Invalid operator used in KeyConditionExpression: IN"},
      {"attribute_exists(a)", "error: Invalid operator used in KeyConditionExpression: attribute_exists"},
      {"attribute_not_exists(a)", "error: Invalid operator used in KeyConditionExpression: attribute_not_exists"},
      {"attribute_type(a, :typeS)", "error: Invalid operator used in KeyConditionExpression: attribute_type"},
      {"contains(a.d, :a)", "error: Invalid operator used in KeyConditionExpression: contains"},
      {"not a > :a", "error: Invalid operator used in KeyConditionExpression: NOT"},
      {"a <> :a", "error: Invalid operator used in KeyConditionExpression: <>"},
      {":a between size(b) and size(a) and b > :b",
       "error: Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its first "
       "operand"},
      {"begins_with(:a, b) and a > :b",
       "error: Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its "
       "first operand"},
      {"size(b) > a AND a.b > b AND b > c", "error: KeyConditionExpressions cannot contain nested operations"},
      {"a > size(b.d)", "error: KeyConditionExpressions cannot contain nested operations"},
      {"a between size(b) and size(a)", "error: KeyConditionExpressions cannot contain nested operations"},
      {"b > a.b", "error: Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"},
      {"b between c[1] and d",
       "error: Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"},
      {"begins_with(a, b)",
       "error: Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition"},
      {"b.d > :a AND c.d > :a", "error: KeyConditionExpressions cannot have conditions on nested attributes"},
      {"b[0] > :a", "error: KeyConditionExpressions cannot have conditions on nested attributes"},
      {":b > :a AND a < :b", "error: Invalid condition in KeyConditionExpression: No key attribute specified"},
      {"b > :a AND b < :a and c = :a", "error: KeyConditionExpressions must only contain one condition per key"},
      {"(a > :a and b > :a) and (b > :a and c > :a)",
       "error: KeyConditionExpressions must only contain one condition per key"},
      {":a = a and b = :a and :a = c", "error: Conditions can be of length 1 or 2 only"},
      // Errors of the expression itself carry the parameter's prefix.
      {"", "error: Invalid KeyConditionExpression: The expression can not be empty;"},
      {"a > 4", "error: Invalid KeyConditionExpression: Syntax error; token: \"4\", near: \"> 4\""},
      {"attribute_type(a, b)",
       "error: Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or "
       "function: attribute_type, operand type: {NS,SS,L,BS,N,M,B,BOOL,NULL,S}"},
      {"a between :b and :one",
       "error: Invalid KeyConditionExpression: The BETWEEN operator requires same data type for lower and upper "
       "bounds; lower bound operand: AttributeValue: {S:b}, upper bound operand: AttributeValue: {N:1}"},
      {"a between :b and :a",
       "error: Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal "
       "to lower bound; lower bound operand: AttributeValue: {S:b}, upper bound operand: AttributeValue: {S:a}"},
      {"a < :l",
       "error: Invalid KeyConditionExpression: Incorrect operand type for operator or function; operator or "
       "function: <, operand type: L"},
  };
  for (const Row& row : rows) {
    INFO(row.expression);
    CHECK(Terms(row.expression) == row.result);
  }
}

TEST_CASE("key terms bind to the key schema with DynamoDB's messages", "[unit]") {
  CHECK(Bound("pk = :p") == R"(pk = {"S":"p1"})");
  CHECK(Bound("sk > :a AND pk = :p") == R"(pk = {"S":"p1"} AND sk > {"S":"a"})");
  CHECK(Bound("pk = :p", false) == R"(pk = {"S":"p1"})");
  CHECK(Bound("sk = :a") == "error: Query condition missed key schema element: pk");
  CHECK(Bound("pk = :p AND x = :a") == "error: Query condition missed key schema element: sk");
  CHECK(Bound("pk = :p AND sk = :a", false) == "error: Query key condition not supported");
  CHECK(Bound("pk > :p") == "error: Query key condition not supported");
  CHECK(Bound("begins_with(pk, :p)") == "error: Query key condition not supported");
  CHECK(Bound("pk = :one") ==
        "error: One or more parameter values were invalid: Condition parameter type does not match schema type");
  CHECK(Bound("pk = :p AND sk BETWEEN :one AND :two") ==
        "error: One or more parameter values were invalid: Condition parameter type does not match schema type");

  std::vector<KeyTerm> legacy = {KeyTerm{"pk", ComparisonOperator::kEq, {AttributeValue::S("x")}},
                                 KeyTerm{"sk", ComparisonOperator::kNotNull, {}}};
  auto kc = ddb::api::BindKeyCondition(legacy, KeyAttribute{"pk", AttrType::kS}, KeyAttribute{"sk", AttrType::kS});
  REQUIRE_FALSE(kc.ok());
  CHECK(kc.error().message == "Attempted conditional constraint is not an indexable operation");
}

// Bound to a global index with HASH (h1 S, h2 N) and RANGE (r1, r2, r3 S):
// the terms bound, hash then range, or "error: <message>".
std::string MultiBound(const std::string& expression) {
  const std::vector<KeyAttribute> hash = {{"h1", AttrType::kS}, {"h2", AttrType::kN}};
  const std::vector<KeyAttribute> range = {{"r1", AttrType::kS}, {"r2", AttrType::kS}, {"r3", AttrType::kS}};
  auto kc = ddb::api::BindMultiKeyCondition(MustTerms(expression, ddb::api::kMaxKeyConditionTerms), hash, range);
  if (!kc.ok()) return "error: " + kc.error().message;
  std::string out;
  for (const auto* terms : {&kc->hash, &kc->range}) {
    for (const KeyTerm& t : *terms) out += (out.empty() ? "" : " AND ") + t.ToString();
  }
  return out;
}

TEST_CASE("key terms bind to multi-attribute index keys", "[unit]") {
  struct Row {
    const char* expression;
    std::string result;
  };
  const char* kHashMissing =
      "error: Query key condition not supported: every HASH key attribute of the index needs an equality condition; "
      "key schema element: h2";
  const char* kSkipped =
      "error: Query key condition not supported: RANGE key attributes must be given left to right with equality "
      "conditions, without skipping one; key schema element: ";
  const char* kNotLast =
      "error: Query key condition not supported: RANGE key attributes before the last one in a condition need an "
      "equality condition; key schema element: ";
  const Row rows[] = {
      {"h2 = :one AND h1 = :p", R"(h1 = {"S":"p1"} AND h2 = {"N":"1"})"},
      {"r2 < :b AND h1 = :p AND r1 = :a AND h2 = :one",
       R"(h1 = {"S":"p1"} AND h2 = {"N":"1"} AND r1 = {"S":"a"} AND r2 < {"S":"b"})"},
      {"h1 = :p AND h2 = :one AND r1 = :a AND r2 = :a AND begins_with(r3, :b)",
       R"(h1 = {"S":"p1"} AND h2 = {"N":"1"} AND r1 = {"S":"a"} AND r2 = {"S":"a"} AND begins_with(r3, {"S":"b"}))"},
      {"h1 = :p", kHashMissing},
      {"h1 = :p AND h2 > :one", kHashMissing},
      {"h1 = :p AND h2 = :p",
       "error: One or more parameter values were invalid: Condition parameter type does not match schema type"},
      {"h1 = :p AND h2 = :one AND r2 = :a", (std::string(kSkipped) + "r1")},
      {"h1 = :p AND h2 = :one AND r1 = :a AND r3 = :a", (std::string(kSkipped) + "r2")},
      {"h1 = :p AND h2 = :one AND r1 > :a AND r2 = :a", (std::string(kNotLast) + "r1")},
      {"h1 = :p AND h2 = :one AND r1 = :a AND r2 BETWEEN :a AND :b AND r3 = :b",
       (std::string(kNotLast) + "r2")},
      {"h1 = :p AND h2 = :one AND x = :a", "error: Query condition missed key schema element: r1"},
      {"h1 = :p AND h2 = :one AND r1 = :one",
       "error: One or more parameter values were invalid: Condition parameter type does not match schema type"},
  };
  for (const Row& row : rows) {
    INFO(row.expression);
    CHECK(MultiBound(row.expression) == row.result);
  }
  // A one-attribute key still takes at most 2 conditions.
  CHECK(Bound("pk = :p AND sk = :a AND x = :b") == "error: Conditions can be of length 1 or 2 only");
}

TEST_CASE("key terms match key values", "[unit]") {
  auto term = [](ComparisonOperator op, std::vector<AttributeValue> values) {
    return KeyTerm{"sk", op, std::move(values)};
  };
  AttributeValue b = AttributeValue::S("b");
  CHECK(KeyTermMatches(term(ComparisonOperator::kEq, {AttributeValue::S("b")}), b));
  CHECK(KeyTermMatches(term(ComparisonOperator::kLt, {AttributeValue::S("c")}), b));
  CHECK_FALSE(KeyTermMatches(term(ComparisonOperator::kLt, {AttributeValue::S("b")}), b));
  CHECK(KeyTermMatches(term(ComparisonOperator::kLe, {AttributeValue::S("b")}), b));
  CHECK(KeyTermMatches(term(ComparisonOperator::kGt, {AttributeValue::S("a")}), b));
  CHECK(KeyTermMatches(term(ComparisonOperator::kGe, {AttributeValue::S("b")}), b));
  CHECK(KeyTermMatches(term(ComparisonOperator::kBetween, {AttributeValue::S("a"), AttributeValue::S("b")}), b));
  CHECK_FALSE(KeyTermMatches(term(ComparisonOperator::kBetween, {AttributeValue::S("c"), AttributeValue::S("d")}), b));
  CHECK(KeyTermMatches(term(ComparisonOperator::kBeginsWith, {AttributeValue::S("")}), b));
  CHECK_FALSE(KeyTermMatches(term(ComparisonOperator::kBeginsWith, {AttributeValue::S("bb")}), b));
  CHECK(KeyTermMatches(term(ComparisonOperator::kGt, {AttributeValue::N("9")}), AttributeValue::N("10")));
  CHECK(KeyTermMatches(term(ComparisonOperator::kGt, {AttributeValue::B("\x7f")}), AttributeValue::B("\x80")));
  CHECK_FALSE(KeyTermMatches(term(ComparisonOperator::kGt, {AttributeValue::N("1")}), b));
}

}  // namespace
