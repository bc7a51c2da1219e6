// Tests of the legacy parameters converted into expression trees
// (api/expression_legacy.h): Expected, QueryFilter/ScanFilter, KeyConditions,
// AttributeUpdates and AttributesToGet — the trees they become, how those
// evaluate or apply, and DynamoDB's validation messages.
#include <optional>
#include <string>
#include <vector>

#include "api/expression.h"
#include "api/expression_legacy.h"
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
using ddb::api::Item;
using ddb::api::KeyTerm;
using ddb::api::UpdateExpression;

// `request` holds Expected (or a filter) and maybe ConditionalOperator.
ApiResult<std::optional<Condition>> Convert(const std::string& request, const char* parameter) {
  rapidjson::Document d = Json(request);
  const auto* op = ddb::api::Member(d, "ConditionalOperator");
  if (std::string(parameter) == "Expected") return ddb::api::ConvertExpected(ddb::api::Member(d, "Expected"), op);
  return ddb::api::ConvertFilter(ddb::api::Member(d, parameter), op, parameter);
}

std::string Tree(const std::string& request, const char* parameter = "Expected") {
  auto c = Convert(request, parameter);
  if (!c.ok()) return "error: " + c.error().message;
  return *c ? (*c)->ToString() : "none";
}

bool Holds(const std::string& request, const Item* item, const char* parameter = "Expected") {
  auto c = Convert(request, parameter);
  INFO(request);
  REQUIRE(c.ok());
  REQUIRE(c->has_value());
  return ddb::api::EvaluateCondition(**c, item);
}

TEST_CASE("Expected converts into conditions", "[unit]") {
  struct Row {
    const char* request;
    const char* tree;
  };
  const Row rows[] = {
      {R"({"Expected": {"a": {"Value": {"S": "x"}}}})", R"((a = {"S":"x"}))"},
      {R"({"Expected": {"a": {"Exists": true, "Value": {"N": "1"}}}})", R"((a = {"N":"1"}))"},
      {R"({"Expected": {"a.b": {"Exists": false}}})", R"(attribute_not_exists("a.b"))"},
      {R"({"Expected": {"name": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "x"}]}}})",
       R"((name = {"S":"x"}))"},
      {R"({"Expected": {"a": {"ComparisonOperator": "NE", "Value": {"S": "x"}}}})", R"((a <> {"S":"x"}))"},
      {R"({"Expected": {"a": {"ComparisonOperator": "LT", "AttributeValueList": [{"N": "1"}]}}})", R"((a < {"N":"1"}))"},
      {R"({"Expected": {"a": {"ComparisonOperator": "LE", "AttributeValueList": [{"N": "1"}]}}})", R"((a <= {"N":"1"}))"},
      {R"({"Expected": {"a": {"ComparisonOperator": "GT", "AttributeValueList": [{"N": "1"}]}}})", R"((a > {"N":"1"}))"},
      {R"({"Expected": {"a": {"ComparisonOperator": "GE", "AttributeValueList": [{"N": "1"}]}}})", R"((a >= {"N":"1"}))"},
      {R"({"Expected": {"a": {"ComparisonOperator": "NOT_NULL"}}})", "attribute_exists(a)"},
      {R"({"Expected": {"a": {"ComparisonOperator": "NULL", "AttributeValueList": []}}})", "attribute_not_exists(a)"},
      {R"({"Expected": {"a": {"ComparisonOperator": "CONTAINS", "AttributeValueList": [{"S": "x"}]}}})",
       R"(contains(a, {"S":"x"}))"},
      {R"({"Expected": {"a": {"ComparisonOperator": "NOT_CONTAINS", "AttributeValueList": [{"S": "x"}]}}})",
       R"((attribute_exists(a) AND (NOT contains(a, {"S":"x"}))))"},
      {R"({"Expected": {"a": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"S": "x"}]}}})",
       R"(begins_with(a, {"S":"x"}))"},
      {R"({"Expected": {"a": {"ComparisonOperator": "IN", "AttributeValueList": [{"N": "1"}, {"N": "2"}]}}})",
       R"((a IN ({"N":"1"}, {"N":"2"})))"},
      {R"({"Expected": {"a": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"N": "1"}, {"N": "2"}]}}})",
       R"((a BETWEEN {"N":"1"} AND {"N":"2"}))"},
      {R"({"Expected": {"a": {"Value": {"N": "1"}}, "b": {"Exists": false}}})",
       R"(((a = {"N":"1"}) AND attribute_not_exists(b)))"},
      {R"({"Expected": {"a": {"Value": {"N": "1"}}, "b": {"Exists": false}}, "ConditionalOperator": "OR"})",
       R"(((a = {"N":"1"}) OR attribute_not_exists(b)))"},
      {R"({"Expected": {}})", "none"},
      {R"({})", "none"},
  };
  for (const Row& row : rows) {
    INFO(row.request);
    CHECK(Tree(row.request) == row.tree);
  }
}

TEST_CASE("Expected validation messages", "[unit]") {
  const std::string p = "error: One or more parameter values were invalid: ";
  struct Row {
    const char* request;
    std::string message;
  };
  const Row rows[] = {
      {R"({"Expected": {"a": {}}})", p + "Value must be provided when Exists is null for Attribute: a"},
      {R"({"Expected": {"a": {"Exists": true}}})", p + "Value must be provided when Exists is true for Attribute: a"},
      {R"({"Expected": {"a": {"Exists": false, "Value": {"S": "a"}}}})",
       p + "Value cannot be used when Exists is false for Attribute: a"},
      {R"({"Expected": {"a": {"Value": {"S": "a"}, "AttributeValueList": []}}})",
       p + "Value and AttributeValueList cannot be used together for Attribute: a"},
      {R"({"Expected": {"a": {"ComparisonOperator": "EQ", "Exists": true}}})",
       p + "Exists and ComparisonOperator cannot be used together for Attribute: a"},
      {R"({"Expected": {"a": {"ComparisonOperator": "LT"}}})",
       p + "Value or AttributeValueList must be used with ComparisonOperator: LT for Attribute: a"},
      {R"({"Expected": {"a": {"AttributeValueList": [{"S": "a"}]}}})",
       p + "AttributeValueList can only be used with a ComparisonOperator for Attribute: a"},
      {R"({"Expected": {"a": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}, {"S": "b"}]}}})",
       p + "Invalid number of argument(s) for the EQ ComparisonOperator"},
      {R"({"Expected": {"a": {"ComparisonOperator": "NULL", "AttributeValueList": [{"S": "a"}]}}})",
       p + "Invalid number of argument(s) for the NULL ComparisonOperator"},
      {R"({"Expected": {"a": {"ComparisonOperator": "IN", "AttributeValueList": []}}})",
       p + "Invalid number of argument(s) for the IN ComparisonOperator"},
      {R"({"Expected": {"a": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"N": "1"}]}}})",
       p + "Invalid number of argument(s) for the BETWEEN ComparisonOperator"},
      {R"({"Expected": {"a": {"ComparisonOperator": "IN", "AttributeValueList": [{"N": "3"}, {"S": "dog"}]}}})",
       p + "AttributeValues inside AttributeValueList must be of same type"},
      {R"({"Expected": {"a": {"ComparisonOperator": "LE", "AttributeValueList": [{"L": []}]}}})",
       p + "ComparisonOperator LE is not valid for L AttributeValue type"},
      {R"({"Expected": {"a": {"ComparisonOperator": "CONTAINS", "AttributeValueList": [{"L": []}]}}})",
       p + "ComparisonOperator CONTAINS is not valid for L AttributeValue type"},
      {R"({"Expected": {"a": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"N": "1"}]}}})",
       p + "ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type"},
      {R"({"Expected": {"a": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"S": "b"}, {"S": "a"}]}}})",
       "error: The BETWEEN condition was provided a range where the lower bound is greater than the upper bound"},
      {R"({"Expected": {"a": {"ComparisonOperator": "XX", "AttributeValueList": [{"S": "b"}]}}})",
       "error: 1 validation error detected: Value 'XX' at 'expected.a.member.comparisonOperator' failed to satisfy "
       "constraint: Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, "
       "LE, BEGINS_WITH, GE, CONTAINS]"},
      {R"({"Expected": {"a": {"Value": {"SS": []}}}})", p + "An string set  may not be empty"},
      {R"({"Expected": {"a": {"Value": {"N": "x"}}}})", "error: The parameter cannot be converted to a numeric value: x"},
      {R"({"Expected": {}, "ConditionalOperator": "OR"})",
       "error: ConditionalOperator cannot be used without Filter or Expected"},
      {R"({"ConditionalOperator": "AND"})", "error: ConditionalOperator cannot be used without Filter or Expected"},
      {R"({"Expected": {"a": {"Value": {"N": "1"}}}, "ConditionalOperator": "AN"})",
       "error: 1 validation error detected: Value 'AN' at 'conditionalOperator' failed to satisfy constraint: Member "
       "must satisfy enum value set: [AND, OR]"},
  };
  for (const Row& row : rows) {
    INFO(row.request);
    CHECK(Tree(row.request) == row.message);
  }
}

TEST_CASE("legacy conditions evaluate as DynamoDB evaluates them", "[unit]") {
  Item item = ItemOf(R"({"a": {"N": "1"}, "s": {"S": "dog"}, "set": {"SS": ["x", "y"]}, "l": {"L": [{"N": "1"}]}})");
  CHECK(Holds(R"({"Expected": {"a": {"Value": {"N": "1"}}}})", &item));
  CHECK_FALSE(Holds(R"({"Expected": {"a": {"Value": {"S": "1"}}}})", &item));
  CHECK_FALSE(Holds(R"({"Expected": {"q": {"Value": {"N": "1"}}}})", &item));
  CHECK(Holds(R"({"Expected": {"q": {"Exists": false}}})", &item));
  CHECK(Holds(R"({"Expected": {"q": {"Exists": false}}})", nullptr));
  CHECK(Holds(R"({"Expected": {"a": {"ComparisonOperator": "NE", "AttributeValueList": [{"N": "2"}]}}})", &item));
  CHECK(Holds(R"({"Expected": {"q": {"ComparisonOperator": "NE", "AttributeValueList": [{"N": "2"}]}}})", &item));
  CHECK(Holds(R"({"Expected": {"set": {"ComparisonOperator": "CONTAINS", "AttributeValueList": [{"S": "x"}]}}})", &item));
  CHECK(Holds(R"({"Expected": {"l": {"ComparisonOperator": "CONTAINS", "AttributeValueList": [{"N": "1"}]}}})", &item));
  CHECK(Holds(R"({"Expected": {"s": {"ComparisonOperator": "NOT_CONTAINS", "AttributeValueList": [{"S": "x"}]}}})", &item));
  // NOT_CONTAINS on a missing attribute is false, unlike NE.
  CHECK_FALSE(Holds(R"({"Expected": {"q": {"ComparisonOperator": "NOT_CONTAINS", "AttributeValueList": [{"S": "x"}]}}})", &item));
  CHECK(Holds(R"({"Expected": {"s": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"S": "do"}]}}})", &item));
  CHECK(Holds(R"({"Expected": {"a": {"ComparisonOperator": "IN", "AttributeValueList": [{"N": "3"}, {"N": "1"}]}}})", &item));
  CHECK(Holds(R"({"Expected": {"a": {"ComparisonOperator": "NOT_NULL"}}})", &item));
  CHECK_FALSE(Holds(R"({"Expected": {"a": {"ComparisonOperator": "NULL"}}})", &item));
  CHECK(Holds(R"({"Expected": {"a": {"Value": {"N": "2"}}, "s": {"Value": {"S": "dog"}}}, "ConditionalOperator": "OR"})", &item));
  CHECK_FALSE(Holds(R"({"Expected": {"a": {"Value": {"N": "2"}}, "s": {"Value": {"S": "dog"}}}})", &item));
}

TEST_CASE("QueryFilter and ScanFilter convert with their own checks", "[unit]") {
  const std::string p = "error: One or more parameter values were invalid: ";
  CHECK(Tree(R"({"ScanFilter": {"a": {"ComparisonOperator": "GT", "AttributeValueList": [{"N": "1"}]},
                                 "b": {"ComparisonOperator": "NULL"}}, "ConditionalOperator": "OR"})",
             "ScanFilter") == R"(((a > {"N":"1"}) OR attribute_not_exists(b)))");
  CHECK(Tree(R"({"QueryFilter": {"a": {"AttributeValueList": [{"N": "1"}]}}})", "QueryFilter") ==
        "error: 1 validation error detected: Value null at 'queryFilter.a.member.comparisonOperator' failed to "
        "satisfy constraint: Member must not be null");
  CHECK(Tree(R"({"ScanFilter": {"a": {"ComparisonOperator": "EQ"}}})", "ScanFilter") ==
        p + "Invalid number of argument(s) for the EQ ComparisonOperator");
  for (const char* type : {R"({"BOOL": true})", R"({"NULL": true})", R"({"SS": ["a"]})", R"({"M": {}})", R"({"L": []})"}) {
    for (const char* op : {"LT", "LE", "GT", "GE", "IN"}) {
      std::string request = std::string(R"({"ScanFilter": {"a": {"ComparisonOperator": ")") + op +
                            R"(", "AttributeValueList": [)" + type + "]}}}";
      auto c = Convert(request, "ScanFilter");
      REQUIRE_FALSE(c.ok());
      INFO(request);
      CHECK(c.error().message.find(std::string("ComparisonOperator ") + op + " is not valid for ") != std::string::npos);
    }
  }
  CHECK(Tree(R"({"ScanFilter": {"a": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"N": "2"}, {"N": "1"}]}}})",
             "ScanFilter") ==
        "error: The BETWEEN condition was provided a range where the lower bound is greater than the upper bound");
  CHECK(Tree(R"({"QueryFilter": {}, "ConditionalOperator": "AND"})", "QueryFilter") ==
        "error: ConditionalOperator cannot be used without Filter or Expected");
}

TEST_CASE("KeyConditions convert into key terms", "[unit]") {
  auto convert = [](const std::string& json) -> std::string {
    rapidjson::Document d = Json(json);
    ApiResult<std::vector<KeyTerm>> terms = ddb::api::ConvertKeyConditions(d);
    if (!terms.ok()) return "error: " + terms.error().message;
    std::string out;
    for (const KeyTerm& t : *terms) out += (out.empty() ? "" : " AND ") + t.ToString();
    return out;
  };
  CHECK(convert(R"({"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]},
                    "sk": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"S": "x"}]}})") ==
        R"(pk = {"S":"a"} AND begins_with(sk, {"S":"x"}))");
  CHECK(convert(R"({"pk": {"ComparisonOperator": "NOT_NULL"}})") == "pk NOT_NULL");
  CHECK(convert(R"({})") == "error: Conditions can be of length 1 or 2 only");
  CHECK(convert(R"({"a": {"ComparisonOperator": "NULL"}, "b": {"ComparisonOperator": "NULL"},
                    "c": {"ComparisonOperator": "NULL"}})") == "error: Conditions can be of length 1 or 2 only");
  CHECK(convert(R"({"a": {"ComparisonOperator": "EQ", "AttributeValueList": [{"N": "1"}, {"SS": []}]}})") ==
        "error: One or more parameter values were invalid: An string set  may not be empty");
  CHECK(convert(R"({"a": {"ComparisonOperator": "IN", "AttributeValueList": [{"S": "b"}, {"N": "1"}]}})") ==
        "error: One or more parameter values were invalid: AttributeValues inside AttributeValueList must be of same "
        "type");
}

std::string Update(const std::string& updates, const std::string& old_item) {
  rapidjson::Document d = Json(updates);
  ApiResult<UpdateExpression> u = ddb::api::ConvertAttributeUpdates(d);
  if (!u.ok()) return "error: " + u.error().message;
  Item old = old_item.empty() ? Item() : ItemOf(old_item);
  auto out = ddb::api::ApplyUpdate(*u, old_item.empty() ? nullptr : &old, ItemOf(R"({"pk": {"S": "k"}})"));
  if (!out.ok()) return "error: " + out.error().message;
  return u->ToString() + " -> " + ToJson(*out);
}

TEST_CASE("AttributeUpdates convert into updates with legacy semantics", "[unit]") {
  const std::string p = "error: One or more parameter values were invalid: ";
  struct Row {
    const char* updates;
    const char* old_item;
    std::string result;
  };
  const Row rows[] = {
      {R"({"a": {"Value": {"S": "x"}}})", "", R"(SET a = {"S":"x"} -> {"a":{"S":"x"},"pk":{"S":"k"}})"},
      {R"({"a.b": {"Action": "PUT", "Value": {"N": "1"}}})", "", R"(SET "a.b" = {"N":"1"} -> {"a.b":{"N":"1"},"pk":{"S":"k"}})"},
      {R"({"a": {"Action": "DELETE"}})", R"({"a": {"N": "1"}, "b": {"N": "2"}})", R"(REMOVE a -> {"b":{"N":"2"}})"},
      {R"({"n": {"Action": "ADD", "Value": {"N": "2"}}})", R"({"n": {"N": "1"}})", R"(ADD n {"N":"2"} -> {"n":{"N":"3"}})"},
      {R"({"n": {"Action": "ADD", "Value": {"N": "2"}}})", "", R"(ADD n {"N":"2"} -> {"n":{"N":"2"},"pk":{"S":"k"}})"},
      {R"({"l": {"Action": "ADD", "Value": {"L": [{"S": "b"}]}}})", R"({"l": {"L": [{"S": "a"}]}})",
       R"(ADD l {"L":[{"S":"b"}]} -> {"l":{"L":[{"S":"a"},{"S":"b"}]}})"},
      {R"({"s": {"Action": "ADD", "Value": {"SS": ["b", "c"]}}})", R"({"s": {"SS": ["a", "b"]}})",
       R"(ADD s {"SS":["b","c"]} -> {"s":{"SS":["a","b","c"]}})"},
      {R"({"s": {"Action": "DELETE", "Value": {"SS": ["a", "b"]}}})", R"({"s": {"SS": ["a", "b"]}})",
       R"(DELETE s {"SS":["a","b"]} -> {})"},
      {R"({})", "", R"( -> {"pk":{"S":"k"}})"},
      {R"({"a": {"Action": "PUT"}})", "", p + "Only DELETE action is allowed when no attribute value is specified"},
      {R"({"a": {"Action": "ADD"}})", "", p + "Only DELETE action is allowed when no attribute value is specified"},
      {R"({"a": {"Action": "DELETE", "Value": {"S": "1"}}})", "",
       p + "DELETE action with value is not supported for the type S"},
      {R"({"a": {"Action": "DELETE", "Value": {"L": []}}})", "",
       p + "DELETE action with value is not supported for the type L"},
      {R"({"a": {"Action": "ADD", "Value": {"S": "1"}}})", "", p + "ADD action is not supported for the type S"},
      {R"({"a": {"Action": "ADD", "Value": {"B": "YQ=="}}})", "", p + "ADD action is not supported for the type B"},
      {R"({"a": {"Action": "ADD", "Value": {"M": {}}}})", "", p + "ADD action is not supported for the type M"},
      {R"({"a": {"Action": "CHANGE", "Value": {"N": "1"}}})", "",
       "error: 1 validation error detected: Value 'CHANGE' at 'attributeUpdates.a.member.action' failed to satisfy "
       "constraint: Member must satisfy enum value set: [ADD, DELETE, PUT]"},
      {R"({"b": {"Action": "DELETE", "Value": {"NS": ["1"]}}})", R"({"b": {"SS": ["1"]}})",
       "error: Type mismatch for attribute to update"},
      {R"({"c": {"Action": "ADD", "Value": {"NS": ["1"]}}})", R"({"c": {"N": "1"}})",
       "error: Type mismatch for attribute to update"},
      {R"({"d": {"Action": "ADD", "Value": {"N": "1"}}})", R"({"d": {"NS": ["1"]}})",
       "error: Type mismatch for attribute to update"},
  };
  for (const Row& row : rows) {
    INFO(row.updates << " on " << row.old_item);
    CHECK(Update(row.updates, row.old_item) == row.result);
  }
}

TEST_CASE("AttributesToGet converts into a projection", "[unit]") {
  rapidjson::Document ok = Json(R"(["a", "b.c", "name"])");
  auto p = ddb::api::ConvertAttributesToGet(ok);
  REQUIRE(p.ok());
  CHECK(p->ToString() == R"(a, "b.c", name)");
  Item item = ItemOf(R"({"a": {"N": "1"}, "b.c": {"N": "2"}, "b": {"M": {"c": {"N": "3"}}}, "z": {"N": "4"}})");
  CHECK(ToJson(ddb::api::ApplyProjection(*p, item)) == R"({"a":{"N":"1"},"b.c":{"N":"2"}})");
  rapidjson::Document dup = Json(R"(["a", "a"])");
  auto bad = ddb::api::ConvertAttributesToGet(dup);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message == "One or more parameter values were invalid: Duplicate value in attribute name: a");
}

}  // namespace
