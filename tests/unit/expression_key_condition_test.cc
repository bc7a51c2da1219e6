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

std::vector<KeyTerm> MustTerms(const std::string& expression) {
  rapidjson::Document d = Json(kRequest);
  auto ctx = ExpressionContext::Create(ddb::api::Member(d, "ExpressionAttributeNames"),
                                       ddb::api::Member(d, "ExpressionAttributeValues"));
  REQUIRE(ctx.ok());
  auto tree = ctx->ParseCondition(expression, ExpressionKind::kKeyCondition);
  INFO(expression);
  REQUIRE(tree.ok());
  auto terms = ddb::api::KeyConditionTerms(*tree);
  REQUIRE(terms.ok());
  return *terms;
}

std::string Bound(const std::string& expression, bool with_range = true) {
  std::optional<KeyAttribute> range;
  if (with_range) range = KeyAttribute{"sk", AttrType::kS};
  ApiResult<KeyCondition> kc = ddb::api::BindKeyCondition(MustTerms(expression), KeyAttribute{"pk", AttrType::kS}, range);
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
