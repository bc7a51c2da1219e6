// Scan (without filters yet): paging by Limit and DynamoDB's 1 MB page size,
// ExclusiveStartKey / LastEvaluatedKey, Select COUNT, AttributesToGet.
#include <cmath>

#include "api/item_codec.h"
#include "api/item_json.h"
#include "api/operations.h"

namespace ddb::api {

namespace {
constexpr size_t kPageBytes = 1024 * 1024;
constexpr int64_t kMaxLimit = 1 << 30;

struct ScanRequest {
  std::string table_name;
  int64_t limit = kMaxLimit;
  bool consistent = false;
  std::string select = "ALL_ATTRIBUTES";
  std::string return_consumed = "NONE";
  std::vector<std::string> attributes_to_get;
  std::optional<Item> start_key;
};

ApiResult<ScanRequest> ParseScan(const JsonValue& req) {
  ScanRequest r;
  Constraints c;
  auto n = GetString(req, "TableName", &r.table_name);
  if (!n.ok()) return n.error();
  c.TableName(*n ? &r.table_name : nullptr);
  auto l = GetInt64(req, "Limit", &r.limit);
  if (!l.ok()) return l.error();
  if (*l && r.limit < 1) {
    c.Fail("'" + std::to_string(r.limit) + "'", "limit", "Member must have value greater than or equal to 1");
  }
  auto cr = GetBool(req, "ConsistentRead", &r.consistent);
  if (!cr.ok()) return cr.error();
  auto sel = GetString(req, "Select", &r.select);
  if (!sel.ok()) return sel.error();
  if (r.select != "ALL_ATTRIBUTES" && r.select != "ALL_PROJECTED_ATTRIBUTES" && r.select != "SPECIFIC_ATTRIBUTES" &&
      r.select != "COUNT") {
    c.Fail("'" + r.select + "'", "select",
           "Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]");
  }
  auto rc = GetString(req, "ReturnConsumedCapacity", &r.return_consumed);
  if (!rc.ok()) return rc.error();
  const JsonValue* atg = nullptr;
  auto a = GetArray(req, "AttributesToGet", &atg);
  if (!a.ok()) return a.error();
  if (atg != nullptr) {
    for (const JsonValue& v : atg->GetArray()) {
      if (!v.IsString()) return Error::Serialization(JsonKind(v) + " cannot be converted to String");
      r.attributes_to_get.emplace_back(v.GetString(), v.GetStringLength());
    }
  }
  const JsonValue* esk = nullptr;
  auto e = GetObject(req, "ExclusiveStartKey", &esk);
  if (!e.ok()) return e.error();
  if (esk != nullptr) {
    auto key = ParseItem(*esk);
    if (!key.ok()) return key.error();
    r.start_key = std::move(*key);
  }
  if (!c.ok()) return c.ToError();
  auto unsupported = RejectUnsupported(req, {"FilterExpression", "ScanFilter", "ConditionalOperator",
                                             "ProjectionExpression", "ExpressionAttributeNames",
                                             "ExpressionAttributeValues", "Segment", "TotalSegments",
                                             "IndexName"});
  if (!unsupported.ok()) return unsupported.error();
  if (r.select == "ALL_PROJECTED_ATTRIBUTES") {
    return Error::Validation("ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName");
  }
  if (r.select == "SPECIFIC_ATTRIBUTES" && r.attributes_to_get.empty()) {
    return Error::Validation(
        "Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES");
  }
  if (!r.attributes_to_get.empty() && r.select != "SPECIFIC_ATTRIBUTES" && *sel) {
    return Error::Validation(
        "Cannot specify the AttributesToGet when choosing to get " + r.select);
  }
  return r;
}

}  // namespace

ApiResult<std::string> Scan(Context& ctx, const JsonValue& req) {
  auto r = ParseScan(req);
  if (!r.ok()) return r.error();
  auto t = ResolveTable(ctx, r->table_name, "Requested resource not found");
  if (!t.ok()) return t.error();
  std::optional<cluster::Key> start;
  if (r->start_key) {
    auto key = KeyOfKeyParam(*t->schema, *r->start_key, "The provided starting key is invalid: ");
    if (!key.ok()) return key.error();
    start = std::move(*key);
  }
  auto page = ctx.cluster->Scan(t->meta, start, static_cast<size_t>(r->limit), kPageBytes, r->consistent);
  if (!page.ok()) return Error::FromStatus(page.status());

  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  if (r->select != "COUNT") {
    w.Key("Items");
    w.StartArray();
  }
  size_t bytes = 0;
  Item last;
  for (const cluster::Row& row : page->rows) {
    auto item = DecodeItem(row.item);
    if (!item.ok()) return Error::InternalServer("Internal server error");
    bytes += ItemSize(*item);
    if (&row == &page->rows.back()) last = KeyAttributesOf(*t->schema, *item);
    if (r->select != "COUNT") WriteItem(ProjectAttributes(std::move(*item), r->attributes_to_get), w);
  }
  if (r->select != "COUNT") w.EndArray();
  w.Key("Count");
  w.Uint64(page->rows.size());
  w.Key("ScannedCount");
  w.Uint64(page->rows.size());
  if (page->truncated && !page->rows.empty()) {
    w.Key("LastEvaluatedKey");
    WriteItem(last, w);
  }
  if (r->return_consumed != "NONE") {
    w.Key("ConsumedCapacity");
    w.StartObject();
    w.Key("TableName");
    w.String(r->table_name);
    w.Key("CapacityUnits");
    double units = std::max(1.0, std::ceil(static_cast<double>(bytes) / 4096.0));
    w.Double(r->consistent ? units : units / 2);
    w.EndObject();
  }
  w.EndObject();
  return std::string(buf.GetString());
}

}  // namespace ddb::api
