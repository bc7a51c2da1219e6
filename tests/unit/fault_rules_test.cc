// FaultRules: parsing, matching by operation, table, namespace and key,
// counts and deadlines; and the admin API's refusal of fault injection when
// it is off.
#include "api/admin.h"
#include "api/fault_rules.h"
#include "api/json.h"

// After the project headers: Catch2's CHECK replaces base/check.h's from here on.
#include <catch2/catch.hpp>
#include <string>

namespace ddb::api {
namespace {

rapidjson::Document Json(const std::string& text) {
  rapidjson::Document d;
  REQUIRE(ParseBody(text, &d).ok());
  return d;
}

FaultRule Rule(const std::string& text) {
  auto r = FaultRules::Parse(Json(text));
  REQUIRE(r.ok());
  return std::move(*r);
}

std::string ParseError(const std::string& text) {
  auto r = FaultRules::Parse(Json(text));
  REQUIRE(!r.ok());
  return r.error().message;
}

// The error type ErrorFor answers for `op` on `body`, or "" for none.
std::string Fire(FaultRules& rules, const std::string& op, const std::string& body, const std::string& ns = "") {
  rapidjson::Document d = Json(body);
  auto e = rules.ErrorFor(op, ns, d);
  return e ? e->type : "";
}

TEST_CASE("fault rules: a count fires exactly that many times", "[unit]") {
  FaultRules rules;
  rules.Add(Rule(R"({"fault":"ThrottlingException","table":"T","count":2})"));
  const std::string put = R"({"TableName":"T","Item":{"pk":{"S":"a"}}})";
  CHECK(Fire(rules, "GetItem", R"({"TableName":"T","Key":{"pk":{"S":"a"}}})").empty());  // writes only
  CHECK(Fire(rules, "PutItem", R"({"TableName":"U","Item":{"pk":{"S":"a"}}})").empty());
  CHECK(Fire(rules, "PutItem", put) == "ThrottlingException");
  CHECK(Fire(rules, "UpdateItem", R"({"TableName":"T","Key":{"pk":{"S":"a"}}})") == "ThrottlingException");
  CHECK(Fire(rules, "PutItem", put).empty());
  CHECK(rules.ToJson() == R"({"rules":[]})");
}

TEST_CASE("fault rules: operations, namespaces and batches", "[unit]") {
  FaultRules rules;
  rules.Add(Rule(R"({"fault":"InternalServerError","table":"T","operations":"read","namespace":"k_r","count":9})"));
  CHECK(Fire(rules, "Query", R"({"TableName":"T"})", "other_r/").empty());
  CHECK(Fire(rules, "Query", R"({"TableName":"T"})", "k_r/") == "InternalServerError");
  CHECK(Fire(rules, "BatchGetItem", R"({"RequestItems":{"T":{"Keys":[{"pk":{"S":"x"}}]}}})", "k_r/") ==
        "InternalServerError");
  CHECK(Fire(rules, "BatchWriteItem", R"({"RequestItems":{"T":[]}})", "k_r/").empty());
}

TEST_CASE("fault rules: a key filter matches the request's key attributes", "[unit]") {
  FaultRules rules;
  rules.Add(Rule(R"({"fault":"TransactionConflictException","table":"T","key":{"pk":{"S":"hot"}},"count":5})"));
  CHECK(Fire(rules, "PutItem", R"({"TableName":"T","Item":{"pk":{"S":"cold"},"v":{"N":"1"}}})").empty());
  CHECK(Fire(rules, "PutItem", R"({"TableName":"T","Item":{"pk":{"S":"hot"},"v":{"N":"1"}}})") ==
        "TransactionConflictException");
  CHECK(Fire(rules, "DeleteItem", R"({"TableName":"T","Key":{"pk":{"N":"1"}}})").empty());
  const std::string batch =
      R"({"RequestItems":{"T":[{"PutRequest":{"Item":{"pk":{"S":"a"}}}},)"
      R"({"DeleteRequest":{"Key":{"pk":{"S":"hot"}}}}]}})";
  CHECK(Fire(rules, "BatchWriteItem", batch) == "TransactionConflictException");
  CHECK(Fire(rules, "Scan", R"({"TableName":"T"})").empty());
}

TEST_CASE("fault rules: UnprocessedItems holds back the last half, or 'items'", "[unit]") {
  FaultRules rules;
  rules.Add(Rule(R"({"fault":"UnprocessedItems","table":"T","count":1})"));
  rules.Add(Rule(R"({"fault":"UnprocessedItems","table":"T","count":1,"items":2})"));
  rapidjson::Document reqs = Json(R"({"x":[]})");
  CHECK(rules.UnprocessedFor("", "U", reqs["x"], 5) == 0);
  CHECK(rules.UnprocessedFor("", "T", reqs["x"], 5) == 3);
  CHECK(rules.UnprocessedFor("", "T", reqs["x"], 5) == 2);
  CHECK(rules.UnprocessedFor("", "T", reqs["x"], 5) == 0);
  rules.Add(Rule(R"({"fault":"UnprocessedKeys","table":"T","count":1,"items":4})"));
  rapidjson::Document ka = Json(R"({"Keys":[{"pk":{"S":"a"}}]})");
  CHECK(rules.UnprocessedFor("", "T", reqs["x"], 5) == 0);  // a keys rule holds no items back
  CHECK(rules.UnprocessedKeysFor("", "T", ka, 10) == 4);
  CHECK(rules.UnprocessedKeysFor("", "T", ka, 10) == 0);
  // An UnprocessedItems rule never turns into an error.
  rules.Add(Rule(R"({"fault":"UnprocessedItems","count":1})"));
  CHECK(Fire(rules, "BatchWriteItem", R"({"RequestItems":{"T":[]}})").empty());
}

TEST_CASE("fault rules: a deadline ends a rule", "[unit]") {
  FaultRules rules;
  FaultRule r = Rule(R"({"fault":"RequestLimitExceeded","durationMs":1000})");
  r.deadline = std::chrono::steady_clock::now() - std::chrono::milliseconds(1);  // already past
  rules.Add(std::move(r));
  CHECK(Fire(rules, "PutItem", R"({"TableName":"T","Item":{}})").empty());
  uint64_t id = rules.Add(Rule(R"({"fault":"RequestLimitExceeded","durationMs":60000})"));
  CHECK(Fire(rules, "PutItem", R"({"TableName":"T","Item":{}})") == "RequestLimitExceeded");
  CHECK(Fire(rules, "PutItem", R"({"TableName":"T","Item":{}})") == "RequestLimitExceeded");
  CHECK(rules.Remove(id));
  CHECK(!rules.Remove(id));
  CHECK(Fire(rules, "PutItem", R"({"TableName":"T","Item":{}})").empty());
}

TEST_CASE("fault rules: DynamoDB's status, type and message", "[unit]") {
  Error e = FaultRules::Injected(Rule(R"({"fault":"ProvisionedThroughputExceededException","count":1})"));
  CHECK(e.http_status == 400);
  CHECK(e.FullType() == "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException");
  e = FaultRules::Injected(Rule(R"({"fault":"InternalServerError","count":1})"));
  CHECK(e.http_status == 500);
  CHECK(e.message == "Internal server error");
  e = FaultRules::Injected(Rule(R"({"fault":"ThrottlingException","count":1,"message":"slow down"})"));
  CHECK(e.message == "slow down");
}

TEST_CASE("fault rules: invalid rules are refused with a reason", "[unit]") {
  CHECK(ParseError(R"({"fault":"Nope","count":1})").find("\"fault\" is one of") == 0);
  CHECK(ParseError(R"({"fault":"ThrottlingException"})") == "a rule needs \"count\", \"durationMs\" or both");
  CHECK(ParseError(R"({"fault":"ThrottlingException","count":0})") == "\"count\" is from 1 to 1000000");
  CHECK(ParseError(R"({"fault":"ThrottlingException","count":1,"operations":"Fly"})") ==
        "\"operations\" is \"write\", \"read\", \"any\" or an operation name");
  CHECK(ParseError(R"({"fault":"UnprocessedItems","count":1,"operations":"PutItem"})") ==
        "UnprocessedItems rules apply to BatchWriteItem only");
  CHECK(ParseError(R"({"fault":"ThrottlingException","count":1,"items":3})") ==
        "\"items\" is for UnprocessedItems and UnprocessedKeys rules");
  CHECK(ParseError(R"({"fault":"UnprocessedKeys","count":1,"operations":"Query"})") ==
        "UnprocessedKeys rules apply to BatchGetItem only");
  CHECK(ParseError(R"({"fault":"ThrottlingException","count":1,"key":{}})") ==
        "\"key\" is an object of attributes in DynamoDB JSON");
}

TEST_CASE("admin: fault injection answers 403 when it is off", "[unit]") {
  FaultRules rules;
  AdminHandler admin(nullptr, nullptr, &rules, /*fault_injection=*/false);
  for (const char* path : {"/admin/faults", "/admin/power-off", "/admin/network", "/admin/slow-disk"}) {
    HttpResponse r = admin.Handle("POST", path, R"({"fault":"ThrottlingException","count":1})");
    CHECK(r.status == 403);
  }
  CHECK(admin.Handle("DELETE", "/admin/faults", "").status == 403);
  CHECK(rules.ToJson() == R"({"rules":[]})");
  AdminHandler open(nullptr, nullptr, &rules, true);
  HttpResponse added = open.Handle("POST", "/admin/faults", R"({"fault":"ThrottlingException","count":1})");
  CHECK(added.status == 200);
  CHECK(added.body == R"({"id":1})");
  CHECK(open.Handle("DELETE", "/admin/faults/1", "").status == 200);
  CHECK(open.Handle("DELETE", "/admin/faults/1", "").status == 404);
}

}  // namespace
}  // namespace ddb::api
