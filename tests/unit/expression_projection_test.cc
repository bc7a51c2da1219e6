// Tests of ProjectionExpression (api/expression_context.h) and projecting
// items (api/expression.h): canonical paths, errors with DynamoDB's messages,
// and the shapes DynamoDB gives projected items.
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
using ddb::api::ExpressionContext;
using ddb::api::Item;
using ddb::api::Projection;

constexpr char kNames[] = R"({"#n1": "a", "#n2": "b", "#dot": "a.b", "#bad": "x y"})";

std::string Parsed(const std::string& expression) {
  rapidjson::Document names = Json(kNames);
  auto ctx = ExpressionContext::Create(&names, nullptr);
  REQUIRE(ctx.ok());
  ApiResult<Projection> p = ctx->ParseProjection(expression);
  if (!p.ok()) return "error: " + p.error().message;
  return p->ToString();
}

std::string Projected(const std::string& expression, const Item& item) {
  rapidjson::Document names = Json(kNames);
  auto ctx = ExpressionContext::Create(&names, nullptr);
  REQUIRE(ctx.ok());
  ApiResult<Projection> p = ctx->ParseProjection(expression);
  INFO(expression);
  REQUIRE(p.ok());
  return ToJson(ddb::api::ApplyProjection(*p, item));
}

TEST_CASE("projection expressions parse into canonical paths", "[unit]") {
  struct Row {
    const char* expression;
    const char* result;
  };
  const Row rows[] = {
      {"a", "a"},
      {" a  ,   b  ", "a, b"},
      {"#n1.#n2", "a.b"},
      {"#dot", "\"a.b\""},
      {"#bad[3].c", "\"x y\"[3].c"},
      {"a.b[0][1].c", "a.b[0][1].c"},
      {"a.e, b, a.c, a.d[1], a.d[2]", "a.e, b, a.c, a.d[1], a.d[2]"},
      {"a,", "error: Invalid ProjectionExpression: Syntax error; token: \"<EOF>\", near: \",\""},
      {",a", "error: Invalid ProjectionExpression: Syntax error; token: \",\", near: \",a\""},
      {"a,,b", "error: Invalid ProjectionExpression: Syntax error; token: \",\", near: \",,b\""},
      {"a b", "error: Invalid ProjectionExpression: Syntax error; token: \"b\", near: \"a b\""},
      {"!!! INVALID !!!", "error: Invalid ProjectionExpression: Syntax error; token: \"!\", near: \"!!\""},
      {"a[x]", "error: Invalid ProjectionExpression: Syntax error; token: \"x\", near: \"[x]\""},
      {"a[]", "error: Invalid ProjectionExpression: Syntax error; token: \"]\", near: \"[]\""},
      {"a[99999999999999]",
       "error: Invalid ProjectionExpression: List index is not within the allowable range; index: [99999999999999]"},
      {"a[2147483647]", "a[2147483647]"},
      {"", "error: Invalid ProjectionExpression: The expression can not be empty;"},
      {"name", "error: Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: name"},
      {"#nope",
       "error: Invalid ProjectionExpression: An expression attribute name used in the document path is not defined; "
       "attribute name: #nope"},
      {"a, a",
       "error: Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one "
       "of these paths; path one: [a], path two: [a]"},
      {"a.b, a.b[2]",
       "error: Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one "
       "of these paths; path one: [a, b], path two: [a, b, [2]]"},
      {"a.b.d.e, a.b",
       "error: Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one "
       "of these paths; path one: [a, b, d, e], path two: [a, b]"},
      {"#n1, a.x",
       "error: Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one "
       "of these paths; path one: [a], path two: [a, x]"},
      {"a.b, a[1]",
       "error: Invalid ProjectionExpression: Two document paths conflict with each other; must remove or rewrite one "
       "of these paths; path one: [a, b], path two: [a, [1]]"},
      {"a.b.c, a.b[1]",
       "error: Invalid ProjectionExpression: Two document paths conflict with each other; must remove or rewrite one "
       "of these paths; path one: [a, b, c], path two: [a, b, [1]]"},
      {"a.b[1], a.c, a[1], a",
       "error: Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one "
       "of these paths; path one: [a, b, [1]], path two: [a]"},
      {"a.b, a.c", "a.b, a.c"},
      {"a[1], a[2]", "a[1], a[2]"},
      {"a.b, a.c[2]", "a.b, a.c[2]"},
  };
  for (const Row& row : rows) {
    INFO(row.expression);
    CHECK(Parsed(row.expression) == row.result);
  }
}

TEST_CASE("projections keep exactly the named parts, shaped as DynamoDB shapes them", "[unit]") {
  Item item = ItemOf(R"({"p": {"S": "k"}, "b": {"S": "hello"}, "a.b": {"S": "dotted"},
    "a": {"M": {"b": {"L": [{"N": "2"}, {"N": "4"}, {"M": {"x": {"S": "hi"}, "y": {"S": "yo"}}}]}, "c": {"N": "5"}}}})");
  struct Row {
    const char* expression;
    const char* result;
  };
  const Row rows[] = {
      {"a", R"({"a":{"M":{"b":{"L":[{"N":"2"},{"N":"4"},{"M":{"x":{"S":"hi"},"y":{"S":"yo"}}}]},"c":{"N":"5"}}}})"},
      {"a.b", R"({"a":{"M":{"b":{"L":[{"N":"2"},{"N":"4"},{"M":{"x":{"S":"hi"},"y":{"S":"yo"}}}]}}}})"},
      {"a.b[0]", R"({"a":{"M":{"b":{"L":[{"N":"2"}]}}}})"},
      {"a.b[2]", R"({"a":{"M":{"b":{"L":[{"M":{"x":{"S":"hi"},"y":{"S":"yo"}}}]}}}})"},
      {"a.b[2].y", R"({"a":{"M":{"b":{"L":[{"M":{"y":{"S":"yo"}}}]}}}})"},
      {"a.b[2].y, a.b[2].x", R"({"a":{"M":{"b":{"L":[{"M":{"x":{"S":"hi"},"y":{"S":"yo"}}}]}}}})"},
      {"a.b[1], a.b[0]", R"({"a":{"M":{"b":{"L":[{"N":"2"},{"N":"4"}]}}}})"},
      {"a.b[2].x, a.b[0]", R"({"a":{"M":{"b":{"L":[{"N":"2"},{"M":{"x":{"S":"hi"}}}]}}}})"},
      {"a.b[0], a.c", R"({"a":{"M":{"b":{"L":[{"N":"2"}]},"c":{"N":"5"}}}})"},
      {"a.c, b", R"({"a":{"M":{"c":{"N":"5"}}},"b":{"S":"hello"}})"},
      {"#dot", R"({"a.b":{"S":"dotted"}})"},
      {"x", R"({})"},
      {"a.b[3]", R"({})"},
      {"a.x", R"({})"},
      {"a.x.y", R"({})"},
      {"a.b.x", R"({})"},
      {"a[0]", R"({})"},
      {"a.b[0].x", R"({})"},
      {"a.b[0][0]", R"({})"},
      {"a.x, a.b[0], x, a.b[3].x", R"({"a":{"M":{"b":{"L":[{"N":"2"}]}}}})"},
      {"p, b", R"({"b":{"S":"hello"},"p":{"S":"k"}})"},
  };
  for (const Row& row : rows) {
    INFO(row.expression);
    CHECK(Projected(row.expression, item) == row.result);
  }
}

TEST_CASE("projection limits", "[unit]") {
  CHECK(Parsed(std::string(4096, 'x')) == std::string(4096, 'x'));
  CHECK(Parsed(std::string(4097, 'x')) ==
        "error: Invalid ProjectionExpression: Expression size has exceeded the maximum allowed size; expression size: "
        "4097");
  std::string deep = "a";
  for (int i = 1; i < 33; ++i) deep += "[0]";
  CHECK(Parsed(deep) ==
        "error: Invalid ProjectionExpression: The document path has too many nesting levels; nesting levels: 33");
}

}  // namespace
