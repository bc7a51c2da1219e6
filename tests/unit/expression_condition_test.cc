// Table-driven tests of condition and filter expressions
// (api/expression_context.h, api/expression.h): expression text -> canonical
// tree -> evaluation on sample items, and every validation error with
// DynamoDB's exact message.
#include <set>
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
using ddb::api::Condition;
using ddb::api::ExpressionContext;
using ddb::api::ExpressionKind;
using ddb::api::Item;

// Placeholders every test below may use (unused ones are fine here; the
// unused check is tested in expression_context_test.cc).
constexpr char kRequest[] = R"({
  "ExpressionAttributeNames": {"#n": "name", "#d": "a.b", "#x": "x", "#abort": "abort"},
  "ExpressionAttributeValues": {
    ":s": {"S": "hello"}, ":h": {"S": "he"}, ":z": {"S": "zebra"}, ":a": {"S": "aardvark"},
    ":one": {"N": "1"}, ":two": {"N": "2"}, ":five": {"N": "5"}, ":ten": {"N": "10"},
    ":b": {"B": "aGk="}, ":t": {"BOOL": true}, ":null": {"NULL": true},
    ":l": {"L": [{"N": "1"}, {"S": "x"}]}, ":m": {"M": {"k": {"S": "v"}}},
    ":ss": {"SS": ["a", "b"]}, ":ns": {"NS": ["1", "2"]},
    ":typeS": {"S": "S"}, ":typeN": {"S": "N"}, ":typeL": {"S": "L"}, ":typeBad": {"S": "DOG"}
  }})";

ExpressionContext Context(const std::string& request = kRequest) { return ContextOf(request); }

// The canonical tree, or "error: <message>".
std::string Parsed(const std::string& expression, ExpressionKind kind = ExpressionKind::kCondition) {
  ExpressionContext ctx = Context();
  ApiResult<Condition> c = ctx.ParseCondition(expression, kind);
  if (!c.ok()) return "error: " + c.error().message;
  return c->ToString();
}

bool Holds(const std::string& expression, const Item* item) {
  ExpressionContext ctx = Context();
  ApiResult<Condition> c = ctx.ParseCondition(expression, ExpressionKind::kCondition);
  INFO(expression);
  REQUIRE(c.ok());
  return ddb::api::EvaluateCondition(*c, item);
}

TEST_CASE("condition expressions parse into canonical trees", "[unit]") {
  struct Row {
    const char* expression;
    const char* tree;
  };
  const Row rows[] = {
      {"a = :s", "(a = :s)"},
      {"a<>:s", "(a <> :s)"},
      {"a < :one", "(a < :one)"},
      {"a <= :one", "(a <= :one)"},
      {"a > :one", "(a > :one)"},
      {"a >= :one", "(a >= :one)"},
      {":one < a", "(:one < a)"},
      {"a = b", "(a = b)"},
      {"a.b[1].c = :s", "(a.b[1].c = :s)"},
      {"#n = :s", "(name = :s)"},
      {"#d = :s", "(\"a.b\" = :s)"},
      {"#abort = :s", "(abort = :s)"},
      {"a [ 2 ] . b = :s", "(a[2].b = :s)"},
      {"a BETWEEN :one AND :ten", "(a BETWEEN :one AND :ten)"},
      {"a between :one and :ten", "(a BETWEEN :one AND :ten)"},
      {"a IN (:one, :two, :s)", "(a IN (:one, :two, :s))"},
      {"a in(:one)", "(a IN (:one))"},
      {"attribute_exists(a)", "attribute_exists(a)"},
      {"attribute_exists (a.b)", "attribute_exists(a.b)"},
      {"attribute_not_exists(#n)", "attribute_not_exists(name)"},
      {"attribute_type(a, :typeS)", "attribute_type(a, :typeS)"},
      {"attribute_type(:s, :typeS)", "attribute_type(:s, :typeS)"},
      {"begins_with(a, :h)", "begins_with(a, :h)"},
      {"begins_with(:s, a)", "begins_with(:s, a)"},
      {"contains(a, :s)", "contains(a, :s)"},
      {"contains(a, b)", "contains(a, b)"},
      {"size(a) > :one", "(size(a) > :one)"},
      {"size(:s) = :five", "(size(:s) = :five)"},
      {"a = :s AND b = :s", "((a = :s) AND (b = :s))"},
      {"a = :s AND b = :s AND c = :s", "((a = :s) AND (b = :s) AND (c = :s))"},
      {"a = :s OR b = :s AND c = :s", "((a = :s) OR ((b = :s) AND (c = :s)))"},
      {"(a = :s OR b = :s) AND c = :s", "(((a = :s) OR (b = :s)) AND (c = :s))"},
      {"NOT a = :s", "(NOT (a = :s))"},
      {"NOT a = :s AND b = :s", "((NOT (a = :s)) AND (b = :s))"},
      {"not not attribute_exists(a)", "(NOT (NOT attribute_exists(a)))"},
      {"NOT (a = :s OR b = :s)", "(NOT ((a = :s) OR (b = :s)))"},
      {"(a) = :s", "(a = :s)"},
      {"(a) between (:one) and (:ten)", "(a BETWEEN :one AND :ten)"},
      {"(a.b).c = :s", "(a.b.c = :s)"},
      {"(a = :s)", "(a = :s)"},
      {"((a = :s) AND (b = :s))", "((a = :s) AND (b = :s))"},
      {"a = :s AND (b = :s)", "((a = :s) AND (b = :s))"},
      {"size(a) BETWEEN :one AND :ten", "(size(a) BETWEEN :one AND :ten)"},
  };
  for (const Row& row : rows) {
    INFO(row.expression);
    CHECK(Parsed(row.expression) == row.tree);
  }
}

TEST_CASE("conditions evaluate with DynamoDB's semantics", "[unit]") {
  Item item = ItemOf(R"({
    "a": {"S": "hello"}, "n": {"N": "5"}, "b": {"B": "aGk="}, "t": {"BOOL": true}, "nul": {"NULL": true},
    "l": {"L": [{"N": "1"}, {"S": "x"}]}, "m": {"M": {"k": {"S": "v"}, "deep": {"L": [{"N": "7"}]}}},
    "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2"]}, "bs": {"BS": ["aGk="]},
    "same": {"S": "hello"}, "name": {"S": "hello"}, "a.b": {"N": "1"}, "lo": {"N": "1"}, "hi": {"N": "10"}
  })");
  struct Row {
    const char* expression;
    bool on_item;
    bool on_no_item;
  };
  const Row rows[] = {
      {"a = :s", true, false},
      {"a = same", true, false},
      {"a = n", false, false},            // different types: false, not an error
      {"a <> :s", false, true},           // <> with a missing operand is true
      {"absent <> :s", true, true},
      {"absent <> gone", true, true},
      {"absent = gone", false, false},
      {"a <> n", true, true},
      {"#n = :s", true, false},
      {"#d = :one", true, false},         // "a.b" is one attribute, not a path
      {"n > :one", true, false},
      {"n < :one", false, false},
      {"n >= :five", true, false},
      {"n <= :five", true, false},
      {"n > :s", false, false},           // S vs N: false
      {"a < :z", true, false},            // UTF-8 byte order
      {"a > :a", true, false},
      {"b > :b", false, false},
      {"b >= :b", true, false},
      {"l < :one", false, false},         // an item value of the wrong type: false
      {"absent < :one", false, false},
      {"n BETWEEN :one AND :ten", true, false},
      {"n BETWEEN :five AND :five", true, false},
      {"n BETWEEN lo AND hi", true, false},
      {"n BETWEEN hi AND lo", false, false},  // bounds from the item: no error, false
      {"a BETWEEN :one AND :ten", false, false},
      {"n IN (:one, :five)", true, false},
      {"n IN (:s, :one)", false, false},
      {"l IN (:l)", true, false},
      {"absent IN (:one)", false, false},
      {"attribute_exists(a)", true, false},
      {"attribute_exists(m.k)", true, false},
      {"attribute_exists(m.deep[0])", true, false},
      {"attribute_exists(m.deep[1])", false, false},
      {"attribute_exists(l.x)", false, false},
      {"attribute_not_exists(absent)", true, true},
      {"attribute_not_exists(a)", false, true},
      {"attribute_type(a, :typeS)", true, false},
      {"attribute_type(n, :typeN)", true, false},
      {"attribute_type(l, :typeL)", true, false},
      {"attribute_type(a, :typeN)", false, false},
      {"attribute_type(:one, :typeN)", true, true},
      {"begins_with(a, :h)", true, false},
      {"begins_with(a, :s)", true, false},
      {"begins_with(a, :z)", false, false},
      {"begins_with(b, :b)", true, false},
      {"begins_with(n, :h)", false, false},
      {"begins_with(:s, a)", true, false},
      {"contains(a, :h)", true, false},
      {"contains(a, :one)", false, false},
      {"contains(ss, :a)", false, false},
      {"contains(ns, :one)", true, false},
      {"contains(ns, :ten)", false, false},
      {"contains(bs, :b)", true, false},
      {"contains(l, :one)", true, false},
      {"contains(l, :s)", false, false},
      {"contains(m, :s)", false, false},
      {"size(a) = :five", true, false},
      {"size(l) = :two", true, false},
      {"size(m) = :two", true, false},
      {"size(ss) = :two", true, false},
      {"size(b) = :two", true, false},
      {"size(n) = :one", false, false},  // size of N from the item: false
      {"size(n) <> :one", true, true},   // ... and missing for <>
      {"size(:s) = :five", true, true},
      {"size(absent) = :one", false, false},
      {"a = :s AND n = :five", true, false},
      {"a = :s AND n = :one", false, false},
      {"a = :z OR n = :five", true, false},
      {"NOT a = :s", false, true},
      {"NOT (a = :z OR n = :one)", true, true},
      {"t = :t", true, false},
      {"nul = :null", true, false},
      {"m = :m", false, false},
      {"ss = :ss", true, false},
  };
  for (const Row& row : rows) {
    INFO(row.expression);
    CHECK(Holds(row.expression, &item) == row.on_item);
    CHECK(Holds(row.expression, nullptr) == row.on_no_item);
  }
}

TEST_CASE("numbers compare by value and sets as sets", "[unit]") {
  Item item = ItemOf(R"({"n": {"N": "100"}, "f": {"N": "-0.5"}, "s": {"NS": ["2", "1"]}})");
  CHECK(Holds("n > :ten", &item));    // not string order ("100" < "10" as text)
  CHECK(Holds("f < :one", &item));
  CHECK(Holds("s = :ns", &item));     // order does not matter
}

TEST_CASE("syntax errors name the token and its neighbours", "[unit]") {
  struct Row {
    const char* expression;
    const char* message;
  };
  const Row rows[] = {
      {"foo", "Syntax error; token: \"<EOF>\", near: \"foo\""},
      {"a = ", "Syntax error; token: \"<EOF>\", near: \"=\""},
      {"a = :s AND", "Syntax error; token: \"<EOF>\", near: \"AND\""},
      {"a > 4", "Syntax error; token: \"4\", near: \"> 4\""},
      {"a == :s", "Syntax error; token: \"=\", near: \"== :s\""},
      {"ADD #v :i", "Syntax error; token: \"ADD\", near: \"ADD #v\""},
      {"a = :s b = :s", "Syntax error; token: \"b\", near: \":s b =\""},
      {"a IN ()", "Syntax error; token: \")\", near: \"()\""},
      {"a in b", "Syntax error; token: \"b\", near: \"in b\""},
      {"a in (b,c,)", "Syntax error; token: \")\", near: \",)\""},
      {"attribute_exists(Pictures-RearView)", "Syntax error; token: \"-\", near: \"Pictures-RearView\""},
      {"attribute_exists(\"a\")", "Syntax error; token: \"\"\", near: \"(\"a\""},
      {"attribute_not_exists(", "Syntax error; token: \"<EOF>\", near: \"(\""},
      {"#$.b > a", "Syntax error; token: \"#\", near: \"#$\""},
      {"b[:a] > a", "Syntax error; token: \":a\", near: \"[:a]\""},
      {"a > :things.stuff", "Syntax error; token: \".\", near: \":things.stuff\""},
      {"size(a).b > a", "Syntax error; token: \".\", near: \").b\""},
      {"(size(a))[0] > a", "Syntax error; token: \"[\", near: \")[0\""},
      {"_a = :s", "Syntax error; token: \"_\", near: \"_a\""},
      {"\xc3\xbc > a", "Syntax error; token: \"\xc3\xbc\", near: \"\xc3\xbc >\""},
      {"a = :s)", "Syntax error; token: \")\", near: \":s)\""},
      {"(a = :s", "Syntax error; token: \"<EOF>\", near: \":s\""},
      {":s", "Syntax error; token: \"<EOF>\", near: \":s\""},
      {"NOT a", "Syntax error; token: \"<EOF>\", near: \"a\""},
      {"a AND :s", "Syntax error; token: \"AND\", near: \"a AND :s\""},
      {"a = set", "Syntax error; token: \"set\", near: \"= set\""},
      {"a[1.5] = :s", "Syntax error; token: \".\", near: \"1.5\""},
      {"a[99999999999] = :s", "List index is not within the allowable range; index: [99999999999]"},
      {"a[2147483648] = :s", "List index is not within the allowable range; index: [2147483648]"},
  };
  for (const Row& row : rows) {
    INFO(row.expression);
    CHECK(Parsed(row.expression) == std::string("error: Invalid ConditionExpression: ") + row.message);
  }
  CHECK(Parsed("a >", ExpressionKind::kFilter) ==
        "error: Invalid FilterExpression: Syntax error; token: \"<EOF>\", near: \">\"");
}

TEST_CASE("condition validation errors have DynamoDB's messages and order", "[unit]") {
  struct Row {
    const char* expression;
    const char* message;
  };
  const Row rows[] = {
      {"", "The expression can not be empty;"},
      {"  ", "The expression can not be empty;"},
      {"a = ((:s))", "The expression has redundant parentheses;"},
      {"a=a and a > ((views))", "The expression has redundant parentheses;"},
      {"((a = :s))", "The expression has redundant parentheses;"},
      {"a = :s AND ((b = :s AND c = :s)) AND d = :s", "The expression has redundant parentheses;"},
      {"(a)between(((b.c)).d)and(c)", "The expression has redundant parentheses;"},
      {"whatever((:s), ((a))) = :s", "The expression has redundant parentheses;"},
      {"a = :s AND whatever(:s) > a", "Invalid function name; function: whatever"},
      {"attRIbute_exIsts(a)", "Invalid function name; function: attRIbute_exIsts"},
      {"size(a)", "The function is not allowed to be used this way in an expression; function: size"},
      {"attribute_exists(a) > b",
       "The function is not allowed to be used this way in an expression; function: attribute_exists"},
      {"size(contains(a, b)) > a",
       "The function is not allowed to be used this way in an expression; function: contains"},
      {"a in (b, attribute_exists(c))",
       "The function is not allowed to be used this way in an expression; function: attribute_exists"},
      {"if_not_exists(a, a) = :s",
       "The function is not allowed to be used this way in an expression; function: if_not_exists"},
      {"list_append(a, a) = :s",
       "The function is not allowed to be used this way in an expression; function: list_append"},
      {"attribute_exists(views)", "Attribute name is a reserved keyword; reserved keyword: views"},
      // Reserved words come before undefined names and operand counts; unknown
      // functions before reserved words; a predicate's own checks in order.
      {"attribute_exists(views, #nope)", "Attribute name is a reserved keyword; reserved keyword: views"},
      {"a = a and whatever((:s)) > a", "Invalid function name; function: whatever"},
      {"a = a AND #x = b AND :views > a",
       "The first operand must be distinct from the remaining operands for this operator or function; operator: =, "
       "first operand: [a]"},
      {"attribute_type(a, size(a)) and a = :nope",
       "Incorrect operand type for operator or function; operator or function: attribute_type, operand type: N"},
      {":s < abOrT", "Attribute name is a reserved keyword; reserved keyword: abOrT"},
      {"a.Size = :s", "Attribute name is a reserved keyword; reserved keyword: Size"},
      {"#undefined = :s",
       "An expression attribute name used in the document path is not defined; attribute name: #undefined"},
      {"a.#nope[1] = :s",
       "An expression attribute name used in the document path is not defined; attribute name: #nope"},
      {"a = :undefined",
       "An expression attribute value used in expression is not defined; attribute value: :undefined"},
      {"a = :s AND b = :nope AND #nope = c",
       "An expression attribute value used in expression is not defined; attribute value: :nope"},
      {"attribute_exists(a, b)",
       "Incorrect number of operands for operator or function; operator or function: attribute_exists, number of "
       "operands: 2"},
      {"attribute_type(a)",
       "Incorrect number of operands for operator or function; operator or function: attribute_type, number of "
       "operands: 1"},
      {"begins_with(a, size(b), c)",
       "Incorrect number of operands for operator or function; operator or function: begins_with, number of "
       "operands: 3"},
      {"size(a, a) = :s",
       "Incorrect number of operands for operator or function; operator or function: size, number of operands: 2"},
      {"a = a", "The first operand must be distinct from the remaining operands for this operator or function; "
                "operator: =, first operand: [a]"},
      {"#x <> x", "The first operand must be distinct from the remaining operands for this operator or function; "
                  "operator: <>, first operand: [x]"},
      {"contains(ab.bc[1].a, ab.bc[1].a)",
       "The first operand must be distinct from the remaining operands for this operator or function; operator: "
       "contains, first operand: [ab, bc, [1], a]"},
      {"attribute_exists(:s)",
       "Operator or function requires a document path; operator or function: attribute_exists"},
      {"attribute_not_exists(size(:s))",
       "Operator or function requires a document path; operator or function: attribute_not_exists"},
      {"attribute_type(a, :one)",
       "Incorrect operand type for operator or function; operator or function: attribute_type, operand type: N"},
      {"attribute_type(a, b)",
       "Incorrect operand type for operator or function; operator or function: attribute_type, operand type: "
       "{NS,SS,L,BS,N,M,B,BOOL,NULL,S}"},
      {"attribute_type(a, :typeBad)",
       "Invalid attribute type name found; type: DOG, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}"},
      {"begins_with(a, :one)",
       "Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"},
      {"begins_with(:l, a)",
       "Incorrect operand type for operator or function; operator or function: begins_with, operand type: L"},
      {"begins_with(a, size(a))",
       "Incorrect operand type for operator or function; operator or function: begins_with, operand type: N"},
      {"size(:one) > a", "Incorrect operand type for operator or function; operator or function: size, operand type: N"},
      {"size(size(a)) > :one",
       "Incorrect operand type for operator or function; operator or function: size, operand type: N"},
      {"size(:t) > a", "Incorrect operand type for operator or function; operator or function: size, operand type: BOOL"},
      {"a < :m", "Incorrect operand type for operator or function; operator or function: <, operand type: M"},
      {":l >= a", "Incorrect operand type for operator or function; operator or function: >=, operand type: L"},
      {"a <= :ss", "Incorrect operand type for operator or function; operator or function: <=, operand type: SS"},
      {"a > :t", "Incorrect operand type for operator or function; operator or function: >, operand type: BOOL"},
      {"a BETWEEN :l AND :l",
       "Incorrect operand type for operator or function; operator or function: BETWEEN, operand type: L"},
      {"a BETWEEN :ten AND :s",
       "The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: "
       "AttributeValue: {N:10}, upper bound operand: AttributeValue: {S:hello}"},
      {"a BETWEEN :ten AND :one",
       "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: "
       "AttributeValue: {N:10}, upper bound operand: AttributeValue: {N:1}"},
      {"a BETWEEN :z AND :a",
       "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: "
       "AttributeValue: {S:zebra}, upper bound operand: AttributeValue: {S:aardvark}"},
  };
  for (const Row& row : rows) {
    INFO(row.expression);
    CHECK(Parsed(row.expression) == std::string("error: Invalid ConditionExpression: ") + row.message);
  }
}

TEST_CASE("equality and IN take any type; comparisons of item values never err", "[unit]") {
  CHECK(Parsed("a = :m") == "(a = :m)");
  CHECK(Parsed("a <> :l") == "(a <> :l)");
  CHECK(Parsed("a IN (:l, :m, :t)") == "(a IN (:l, :m, :t))");
  CHECK(Parsed("a < b") == "(a < b)");
  CHECK(Parsed(":one < :ten") == "(:one < :ten)");
  CHECK(Parsed("a BETWEEN b AND :one") == "(a BETWEEN b AND :one)");
  CHECK(Parsed("contains(:l, a)") == "contains(:l, a)");
}

TEST_CASE("conditions report the top-level attributes they read", "[unit]") {
  ExpressionContext ctx = Context();
  auto c = ctx.ParseCondition("a.b[1] = :s AND (size(#n) > :one OR NOT contains(c, d.e))", ExpressionKind::kFilter);
  REQUIRE(c.ok());
  CHECK(ddb::api::ConditionAttributes(*c) == std::set<std::string>{"a", "c", "d", "name"});
}

TEST_CASE("condition limits: size, operators, IN operands, path depth", "[unit]") {
  std::string spaces(4091, ' ');
  CHECK(Parsed("a" + spaces + "= :s") == "(a = :s)");  // exactly 4096 bytes
  CHECK(Parsed("a" + spaces + " = :s") ==
        "error: Invalid ConditionExpression: Expression size has exceeded the maximum allowed size; expression "
        "size: 4097");

  // 149 nested ORs: 299 operators, accepted; 151: 301, rejected.
  auto nested = [](int depth) {
    std::string c = "a < b ";
    for (int i = 0; i < depth; ++i) c += "or (a < b ";
    return c + std::string(depth, ')');
  };
  CHECK(Parsed(nested(149)).rfind("error", 0) == std::string::npos);
  CHECK(Parsed(nested(150)) ==
        "error: Invalid ConditionExpression: The expression contains too many operators; operator count: 301");

  std::string in99 = "a IN (:one";
  for (int i = 0; i < 98; ++i) in99 += ", :one";
  CHECK(Parsed(in99 + ")").rfind("error", 0) == std::string::npos);
  CHECK(Parsed(in99 + ", :one)") ==
        "error: Invalid ConditionExpression: The IN operator is provided with too many operands; number of "
        "operands: 101");

  std::string deep = "a";
  for (int i = 1; i < 32; ++i) deep += ".b";
  CHECK(Parsed("attribute_exists(" + deep + ")") == "attribute_exists(" + deep + ")");
  CHECK(Parsed("attribute_exists(" + deep + "[0])") ==
        "error: Invalid ConditionExpression: The document path has too many nesting levels; nesting levels: 33");

  // Deep nesting is rejected cleanly, not by exhausting the stack.
  CHECK(Parsed(std::string(4000, '(')).rfind("error: Invalid ConditionExpression: Syntax error", 0) == 0);
  CHECK(Parsed(std::string(2000, '(') + "a<b" + std::string(2000, ')')).rfind("error", 0) == 0);
}

}  // namespace
