// Table-driven tests of UpdateExpression (api/expression_context.h,
// api/expression.h): text -> canonical tree, every validation error with
// DynamoDB's exact message, and the items updates produce (or the run-time
// errors they raise), including the paths UPDATED_OLD/UPDATED_NEW project.
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
using ddb::api::UpdateExpression;

constexpr char kRequest[] = R"({
  "ExpressionAttributeNames": {"#n": "name", "#d": "a.b", "#one": "1"},
  "ExpressionAttributeValues": {
    ":s": {"S": "hello"}, ":one": {"N": "1"}, ":two": {"N": "2"}, ":big": {"N": "9.9999999999999999999999999999999999999E+125"},
    ":tiny": {"N": "0.00000000000000000000000000000000000001"},
    ":b": {"B": "aGk="}, ":t": {"BOOL": true}, ":null": {"NULL": true},
    ":l": {"L": [{"N": "1"}, {"S": "x"}]}, ":l2": {"L": [{"S": "y"}]}, ":m": {"M": {"k": {"S": "v"}}},
    ":ss": {"SS": ["a", "b"]}, ":ss2": {"SS": ["b", "c"]}, ":ns": {"NS": ["1", "2"]}, ":bs": {"BS": ["aGk="]}
  }})";

ExpressionContext Context() { return ContextOf(kRequest); }

std::string Parsed(const std::string& expression) {
  ExpressionContext ctx = Context();
  ApiResult<UpdateExpression> u = ctx.ParseUpdate(expression);
  if (!u.ok()) return "error: " + u.error().message;
  return u->ToString();
}

UpdateExpression MustParse(const std::string& expression) {
  ExpressionContext ctx = Context();
  ApiResult<UpdateExpression> u = ctx.ParseUpdate(expression);
  INFO(expression);
  REQUIRE(u.ok());
  return std::move(*u);
}

// The new item as JSON, or "error: <message>". `old_item` "" means no item.
std::string Applied(const std::string& expression, const std::string& old_item) {
  UpdateExpression u = MustParse(expression);
  Item key = ItemOf(R"({"pk": {"S": "k"}})");
  Item old = old_item.empty() ? Item() : ItemOf(old_item);
  ApiResult<Item> out = ddb::api::ApplyUpdate(u, old_item.empty() ? nullptr : &old, key);
  if (!out.ok()) return "error: " + out.error().message;
  return ToJson(*out);
}

TEST_CASE("update expressions parse into canonical trees", "[unit]") {
  struct Row {
    const char* expression;
    const char* tree;
  };
  const Row rows[] = {
      {"SET a = :s", "SET a = :s"},
      {"set a=:s,b=:one", "SET a = :s, b = :one"},
      {"  sEt   a = :s  ", "SET a = :s"},
      {"SET a = b", "SET a = b"},
      {"SET a = a + :one", "SET a = (a + :one)"},
      {"SET a = :two - a", "SET a = (:two - a)"},
      {"SET a = (b + :one)", "SET a = (b + :one)"},
      {"SET a = (b) + (:one)", "SET a = (b + :one)"},
      {"SET a = if_not_exists(a, :one)", "SET a = if_not_exists(a, :one)"},
      {"SET a = if_not_exists(a, :one) + :two", "SET a = (if_not_exists(a, :one) + :two)"},
      {"SET a = list_append(a, :l)", "SET a = list_append(a, :l)"},
      {"SET a = list_append(if_not_exists(a, :l), :l2)", "SET a = list_append(if_not_exists(a, :l), :l2)"},
      {"SET a = if_not_exists(b, if_not_exists(c, :one))", "SET a = if_not_exists(b, if_not_exists(c, :one))"},
      {"SET a.b[1].#n = :s", "SET a.b[1].name = :s"},
      {"SET #d = :s", "SET \"a.b\" = :s"},
      {"REMOVE a, b.c, d[3]", "REMOVE a, b.c, d[3]"},
      {"ADD n :one, s :ss", "ADD n :one, s :ss"},
      {"DELETE s :ss", "DELETE s :ss"},
      {"REMOVE a SET b = :s", "REMOVE a SET b = :s"},
      {"SET a = :s REMOVE b ADD c :one DELETE d :ss", "SET a = :s REMOVE b ADD c :one DELETE d :ss"},
  };
  for (const Row& row : rows) {
    INFO(row.expression);
    CHECK(Parsed(row.expression) == row.tree);
  }
}

TEST_CASE("update syntax errors", "[unit]") {
  struct Row {
    const char* expression;
    const char* message;
  };
  const Row rows[] = {
      {"INVALID SYNTAX HERE", "Syntax error; token: \"INVALID\", near: \"INVALID SYNTAX\""},
      {"ADD hits : incr", "Syntax error; token: \":\", near: \"hits : incr\""},
      {"SET _123 = :s", "Syntax error; token: \"_\", near: \"SET _123\""},
      {"SET a = :s,", "Syntax error; token: \"<EOF>\", near: \",\""},
      {"SET a", "Syntax error; token: \"<EOF>\", near: \"a\""},
      {"SET", "Syntax error; token: \"<EOF>\", near: \"SET\""},
      {"SET a = b + c + d", "Syntax error; token: \"+\", near: \"c + d\""},
      {"SET a = b * c", "Syntax error; token: \"*\", near: \"b * c\""},
      {"SET a = (b.c).d + e", "Syntax error; token: \".\", near: \").d\""},
      {"SET a[1] = 1", "Syntax error; token: \"1\", near: \"= 1\""},
      {"SET :a = b", "Syntax error; token: \":a\", near: \"SET :a =\""},
      {"SET if_not_exists(a, b) = a", "Syntax error; token: \"(\", near: \"if_not_exists(a\""},
      {"SET c = if_not_exists(c, :s+:one)", "Syntax error; token: \"+\", near: \":s+:one\""},
      {"SET a[:s] = b", "Syntax error; token: \":s\", near: \"[:s]\""},
      {"SET a = _f(b)", "Syntax error; token: \"_\", near: \"= _f\""},
      {"REMOVE a = b", "Syntax error; token: \"=\", near: \"a = b\""},
      {"REMOVE :a", "Syntax error; token: \":a\", near: \"REMOVE :a\""},
      {"ADD a b", "Syntax error; token: \"b\", near: \"a b\""},
      {"DELETE a", "Syntax error; token: \"<EOF>\", near: \"a\""},
      {"SET a = and", "Syntax error; token: \"and\", near: \"= and\""},
      {"SET # = :s", "Syntax error; token: \"#\", near: \"SET # =\""},
      {"SET a = :", "Syntax error; token: \":\", near: \"= :\""},
      {"SET a = :s SET", "Syntax error; token: \"<EOF>\", near: \"SET\""},
  };
  for (const Row& row : rows) {
    INFO(row.expression);
    CHECK(Parsed(row.expression) == std::string("error: Invalid UpdateExpression: ") + row.message);
  }
}

TEST_CASE("update validation errors have DynamoDB's messages and order", "[unit]") {
  struct Row {
    const char* expression;
    const char* message;
  };
  const Row rows[] = {
      {"", "The expression can not be empty;"},
      {"SET a = :s SET b = :s", "The \"SET\" section can only be used once in an update expression;"},
      {"remove a set b = :s remove c", "The \"REMOVE\" section can only be used once in an update expression;"},
      {"ADD a :one SET b = :s ADD c :one", "The \"ADD\" section can only be used once in an update expression;"},
      {"DELETE a :ss DELETE b :ss", "The \"DELETE\" section can only be used once in an update expression;"},
      {" set #c = :s set abOrt = :s ", "Attribute name is a reserved keyword; reserved keyword: abOrt"},
      {"REMOVE Absolute", "Attribute name is a reserved keyword; reserved keyword: Absolute"},
      {"SET a = value", "Attribute name is a reserved keyword; reserved keyword: value"},
      {"SET #c = if_not_exist(:c) SET c = d", "Invalid function name; function: if_not_exist"},
      {"SET a = f(b, c, d)", "Invalid function name; function: f"},
      {"SET a = list_append(list_append(:l, :l), :l)",
       "The function is not allowed to be used this way in an expression; function: list_append"},
      {"SET a = size(b)", "The function is not allowed to be used this way in an expression; function: size"},
      {"SET a = attribute_exists(b)",
       "The function is not allowed to be used this way in an expression; function: attribute_exists"},
      {"SET #nope = :s SET b = :s", "The \"SET\" section can only be used once in an update expression;"},
      {"SET #nope = :nope",
       "An expression attribute name used in the document path is not defined; attribute name: #nope"},
      {"SET a = :nope, #nope = :s",
       "An expression attribute name used in the document path is not defined; attribute name: #nope"},
      {"SET a = :nope", "An expression attribute value used in expression is not defined; attribute value: :nope"},
      {"SET a = if_not_exists(:nope, :s)",
       "An expression attribute value used in expression is not defined; attribute value: :nope"},
      {"SET a = :s REMOVE a",
       "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path "
       "two: [a]"},
      {"SET a = :s, a.b = :s",
       "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path "
       "two: [a, b]"},
      {"SET a[1][1] = :s, a[1] = :s",
       "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a, [1], "
       "[1]], path two: [a, [1]]"},
      {"SET #d = :s, #d = :one",
       "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a.b], "
       "path two: [a.b]"},
      {"SET a.b = :s, a[1] = :s",
       "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, b], "
       "path two: [a, [1]]"},
      {"REMOVE a.c SET a[1] = :s, a = :s",
       "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a, c], "
       "path two: [a]"},
      {"ADD a :s", "Incorrect operand type for operator or function; operator: ADD, operand type: STRING"},
      {"ADD a :l", "Incorrect operand type for operator or function; operator: ADD, operand type: LIST"},
      {"ADD a :m", "Incorrect operand type for operator or function; operator: ADD, operand type: MAP"},
      {"ADD a :t", "Incorrect operand type for operator or function; operator: ADD, operand type: BOOLEAN"},
      {"ADD a :null", "Incorrect operand type for operator or function; operator: ADD, operand type: NULL"},
      {"ADD a :b", "Incorrect operand type for operator or function; operator: ADD, operand type: BINARY"},
      {"DELETE a :one", "Incorrect operand type for operator or function; operator: DELETE, operand type: NUMBER"},
      {"SET a = if_not_exists(c)",
       "Incorrect number of operands for operator or function; operator or function: if_not_exists, number of "
       "operands: 1"},
      {"SET a = list_append(:l, :l, :l)",
       "Incorrect number of operands for operator or function; operator or function: list_append, number of "
       "operands: 3"},
      {"SET a = if_not_exists(:s, c)",
       "Operator or function requires a document path; operator or function: if_not_exists"},
      {"SET a = if_not_exists(if_not_exists(a, b), c)",
       "Operator or function requires a document path; operator or function: if_not_exists"},
      {"SET a = list_append(:s, a)",
       "Incorrect operand type for operator or function; operator or function: list_append, operand type: S"},
      {"SET a = list_append(a, :ss)",
       "Incorrect operand type for operator or function; operator or function: list_append, operand type: SS"},
      {"SET a = a + :s", "Incorrect operand type for operator or function; operator or function: +, operand type: S"},
      {"SET a = :b - a", "Incorrect operand type for operator or function; operator or function: -, operand type: B"},
      {"SET a = a - :l", "Incorrect operand type for operator or function; operator or function: -, operand type: L"},
  };
  for (const Row& row : rows) {
    INFO(row.expression);
    CHECK(Parsed(row.expression) == std::string("error: Invalid UpdateExpression: ") + row.message);
  }
}

TEST_CASE("updates apply to items", "[unit]") {
  const char* item = R"({"pk": {"S": "k"}, "a": {"N": "3"}, "s": {"S": "hi"},
                         "l": {"L": [{"N": "2"}, {"N": "3"}, {"N": "4"}, {"N": "5"}, {"N": "6"}, {"N": "7"}]},
                         "m": {"M": {"x": {"N": "1"}, "y": {"L": [{"N": "3"}, {"N": "5"}]}}},
                         "set": {"SS": ["a", "b", "c"]}, "nums": {"NS": ["1", "5"]}})";
  struct Row {
    const char* expression;
    const char* old_item;  // "" for no item
    const char* result;
  };
  const Row rows[] = {
      {"SET b = :s", "", R"({"b":{"S":"hello"},"pk":{"S":"k"}})"},
      {"SET b = pk", "", R"({"b":{"S":"k"},"pk":{"S":"k"}})"},
      {"SET a = a + :one", item, nullptr},
      {"SET a = :two - a", R"({"a": {"N": "3"}})", R"({"a":{"N":"-1"}})"},
      {"SET b = if_not_exists(b, :one) + :two", R"({"a": {"N": "3"}})", R"({"a":{"N":"3"},"b":{"N":"3"}})"},
      {"SET a = if_not_exists(a, :one)", R"({"a": {"N": "3"}})", R"({"a":{"N":"3"}})"},
      {"SET b = if_not_exists(a, :one)", R"({"a": {"N": "3"}})", R"({"a":{"N":"3"},"b":{"N":"3"}})"},
      {"SET x = list_append(:l, :l2)", R"({})", R"({"x":{"L":[{"N":"1"},{"S":"x"},{"S":"y"}]}})"},
      {"SET x = list_append(x, :l2)", R"({"x": {"L": []}})", R"({"x":{"L":[{"S":"y"}]}})"},
      {"SET x = list_append(:l2, x)", R"({"x": {"L": [{"N": "0"}]}})", R"({"x":{"L":[{"S":"y"},{"N":"0"}]}})"},
      {"REMOVE a SET b = a", R"({"a": {"N": "3"}})", R"({"b":{"N":"3"}})"},
      {"SET c = b REMOVE b", R"({"b": {"N": "3"}})", R"({"c":{"N":"3"}})"},
      {"SET m.x = :s, m.z = :one", R"({"m": {"M": {"x": {"N": "1"}}}})",
       R"({"m":{"M":{"x":{"S":"hello"},"z":{"N":"1"}}}})"},
      {"SET l[1] = :s", R"({"l": {"L": [{"N": "1"}, {"N": "2"}]}})", R"({"l":{"L":[{"N":"1"},{"S":"hello"}]}})"},
      {"SET l[7] = :s", R"({"l": {"L": [{"N": "1"}]}})", R"({"l":{"L":[{"N":"1"},{"S":"hello"}]}})"},
      {"SET l[84] = :one, l[37] = :two, l[17] = :s", R"({"l": {"L": []}})",
       R"({"l":{"L":[{"S":"hello"},{"N":"2"},{"N":"1"}]}})"},
      {"REMOVE l[1] SET l[3] = :s", R"({"l": {"L": [{"N":"2"},{"N":"3"},{"N":"4"},{"N":"5"},{"N":"6"},{"N":"7"}]}})",
       R"({"l":{"L":[{"N":"2"},{"N":"4"},{"S":"hello"},{"N":"6"},{"N":"7"}]}})"},
      {"SET l[3] = :s REMOVE l[1]", R"({"l": {"L": [{"N":"2"},{"N":"3"},{"N":"4"},{"N":"5"},{"N":"6"},{"N":"7"}]}})",
       R"({"l":{"L":[{"N":"2"},{"N":"4"},{"S":"hello"},{"N":"6"},{"N":"7"}]}})"},
      {"REMOVE l[0], l[2], l[17]", R"({"l": {"L": [{"N":"1"},{"N":"2"},{"N":"3"}]}})", R"({"l":{"L":[{"N":"2"}]}})"},
      {"REMOVE l[0]", R"({"l": {"L": [{"N":"1"}]}})", R"({"l":{"L":[]}})"},
      {"REMOVE m.x", R"({"m": {"M": {"x": {"N":"1"}}}})", R"({"m":{"M":{}}})"},
      {"REMOVE m.y[0], m.y[1].z", R"({"m": {"M": {"y": {"L": [{"N":"1"}, {"M": {"z": {"N":"1"}}}]}}}})",
       R"({"m":{"M":{"y":{"L":[{"M":{}}]}}}})"},
      {"REMOVE l[0], l[1][0]", R"({"l": {"L": [{"N":"1"}, {"L": [{"N":"2"}, {"N":"3"}]}]}})",
       R"({"l":{"L":[{"L":[{"N":"3"}]}]}})"},
      {"REMOVE a.y, b[7], c", R"({"a": {"M": {"x": {"N":"3"}}}, "b": {"L": []}})",
       R"({"a":{"M":{"x":{"N":"3"}}},"b":{"L":[]}})"},
      {"REMOVE x.y", "", R"({"pk":{"S":"k"}})"},
      {"REMOVE x[0]", "", R"({"pk":{"S":"k"}})"},
      {"ADD n :one", R"({"n": {"N": "3"}})", R"({"n":{"N":"4"}})"},
      {"ADD n :one", "", R"({"n":{"N":"1"},"pk":{"S":"k"}})"},
      {"ADD s :ss2", R"({"s": {"SS": ["a", "b"]}})", R"({"s":{"SS":["a","b","c"]}})"},
      {"ADD s :ss", "", R"({"pk":{"S":"k"},"s":{"SS":["a","b"]}})"},
      {"ADD l[5] :one", R"({"l": {"L": [{"N":"1"}]}})", R"({"l":{"L":[{"N":"1"},{"N":"1"}]}})"},
      {"DELETE s :ss", R"({"s": {"SS": ["a", "b", "c"]}})", R"({"s":{"SS":["c"]}})"},
      {"DELETE s :ss", R"({"s": {"SS": ["a", "b"]}, "t": {"N": "1"}})", R"({"t":{"N":"1"}})"},
      {"DELETE s :ss", R"({"t": {"N": "1"}})", R"({"t":{"N":"1"}})"},
      {"DELETE s :ns", R"({"s": {"NS": ["1", "2", "3"]}})", R"({"s":{"NS":["3"]}})"},
      {"DELETE m.s :ss", R"({"m": {"M": {"s": {"SS": ["a"]}}}})", R"({"m":{"M":{}}})"},
      {"SET a = :big - :tiny", R"({})",
       "error: Number overflow. Attempting to store a number with magnitude larger than supported range"},
      {"SET a = :big + :big", R"({})",
       "error: Number overflow. Attempting to store a number with magnitude larger than supported range"},
      {"ADD a :big", R"({"a": {"N": "9E+125"}})",
       "error: Number overflow. Attempting to store a number with magnitude larger than supported range"},
      {"SET c = z", R"({"a": {"N": "3"}})", "error: The provided expression refers to an attribute that does not exist in the item"},
      {"SET c = z", "", "error: The provided expression refers to an attribute that does not exist in the item"},
      {"SET x = :one, y = x", R"({})", "error: The provided expression refers to an attribute that does not exist in the item"},
      {"SET b = b + :one", R"({})", "error: The provided expression refers to an attribute that does not exist in the item"},
      {"SET a = list_append(b, :l)", R"({})", "error: The provided expression refers to an attribute that does not exist in the item"},
      {"SET a = s + :one", R"({"s": {"S": "x"}})", "error: An operand in the update expression has an incorrect data type"},
      {"SET a = list_append(s, :l)", R"({"s": {"S": "x"}})", "error: An operand in the update expression has an incorrect data type"},
      {"SET a = list_append(:l, s)", R"({"s": {"NS": ["1"]}})", "error: An operand in the update expression has an incorrect data type"},
      {"ADD s :one", R"({"s": {"S": "x"}})", "error: An operand in the update expression has an incorrect data type"},
      {"ADD s :ns", R"({"s": {"SS": ["x"]}})", "error: An operand in the update expression has an incorrect data type"},
      {"ADD s :ss", R"({"s": {"L": []}})", "error: An operand in the update expression has an incorrect data type"},
      {"DELETE s :ss", R"({"s": {"NS": ["1"]}})", "error: An operand in the update expression has an incorrect data type"},
      {"SET a.c = :one", R"({"a": {"S": "x"}})", "error: The document path provided in the update expression is invalid for update"},
      {"SET a.c = :one", R"({"a": {"L": []}})", "error: The document path provided in the update expression is invalid for update"},
      {"SET c.c = :one", R"({"a": {"L": []}})", "error: The document path provided in the update expression is invalid for update"},
      {"SET c.c = :one", "", "error: The document path provided in the update expression is invalid for update"},
      {"SET a[0] = :one", R"({"a": {"S": "x"}})", "error: The document path provided in the update expression is invalid for update"},
      {"SET a[0] = :one", R"({"a": {"M": {}}})", "error: The document path provided in the update expression is invalid for update"},
      {"SET a.#one = :one", R"({"a": {"L": []}})", "error: The document path provided in the update expression is invalid for update"},
      {"REMOVE a.c", R"({"a": {"S": "x"}})", "error: The document path provided in the update expression is invalid for update"},
      {"REMOVE c.c", R"({"a": {"S": "x"}})", "error: The document path provided in the update expression is invalid for update"},
      {"REMOVE c[0]", R"({"a": {"S": "x"}})", "error: The document path provided in the update expression is invalid for update"},
      {"ADD c.c :one", R"({"a": {"S": "x"}})", "error: The document path provided in the update expression is invalid for update"},
      {"DELETE c.c :ss", R"({"a": {"S": "x"}})", "error: The document path provided in the update expression is invalid for update"},
  };
  for (const Row& row : rows) {
    if (row.result == nullptr) continue;
    INFO(row.expression << " on " << row.old_item);
    CHECK(Applied(row.expression, row.old_item) == row.result);
  }
  CHECK(Applied("SET a = a + :one", item).find(R"("a":{"N":"4"})") != std::string::npos);
}

TEST_CASE("updates report the paths and attributes they modify", "[unit]") {
  UpdateExpression u = MustParse("SET a.b = :s, c = :one REMOVE d[1] ADD e :one");
  std::vector<std::string> paths;
  for (const auto& p : u.ModifiedPaths()) paths.push_back(p.ToString());
  CHECK(paths == std::vector<std::string>{"a.b", "c", "d[1]", "e"});
  CHECK(u.ModifiedAttributes() == std::set<std::string>{"a", "c", "d", "e"});
  CHECK(u.CreatesItem());
  CHECK_FALSE(MustParse("REMOVE a DELETE b :ss").CreatesItem());

  // UPDATED_OLD and UPDATED_NEW are projections of the modified paths.
  Item old_item = ItemOf(R"({"pk": {"S": "k"}, "a": {"M": {"b": {"S": "dog"}, "c": {"L": [{"N": "1"}, {"N": "2"}, {"N": "3"}]}}}})");
  UpdateExpression set_nested = MustParse("SET a.c[1] = :s, a.b = :one");
  auto new_item = ddb::api::ApplyUpdate(set_nested, &old_item, Item());
  REQUIRE(new_item.ok());
  CHECK(ToJson(ddb::api::ProjectPaths(set_nested.ModifiedPaths(), old_item)) ==
        R"({"a":{"M":{"b":{"S":"dog"},"c":{"L":[{"N":"2"}]}}}})");
  CHECK(ToJson(ddb::api::ProjectPaths(set_nested.ModifiedPaths(), *new_item)) ==
        R"({"a":{"M":{"b":{"N":"1"},"c":{"L":[{"S":"hello"}]}}}})");
  UpdateExpression remove = MustParse("REMOVE a.c[1], a.c[3]");
  CHECK(ToJson(ddb::api::ProjectPaths(remove.ModifiedPaths(), old_item)) == R"({"a":{"M":{"c":{"L":[{"N":"2"}]}}}})");
  auto after_remove = ddb::api::ApplyUpdate(remove, &old_item, Item());
  REQUIRE(after_remove.ok());
  CHECK(ToJson(ddb::api::ProjectPaths(remove.ModifiedPaths(), *after_remove)) ==
        R"({"a":{"M":{"c":{"L":[{"N":"3"}]}}}})");
}

TEST_CASE("update limits", "[unit]") {
  std::string deep = "a";
  for (int i = 1; i < 33; ++i) deep += ".b";
  CHECK(Parsed("SET " + deep + " = :s") ==
        "error: Invalid UpdateExpression: The document path has too many nesting levels; nesting levels: 33");
  CHECK(Parsed("SET" + std::string(4087, ' ') + "a = :s") == "SET a = :s");  // 4096 bytes
  CHECK(Parsed("SET " + std::string(4087, ' ') + "a = :s") ==
        "error: Invalid UpdateExpression: Expression size has exceeded the maximum allowed size; expression size: "
        "4097");
}

}  // namespace
