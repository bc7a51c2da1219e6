// Query's and Scan's shared parameters and page rendering; see read_request.h.
#include "api/read_request.h"

#include <cmath>

#include "api/expression_context.h"
#include "api/expression_legacy.h"
#include "api/item_codec.h"
#include "api/item_json.h"
#include "api/secondary_index.h"

namespace ddb::api {

namespace {

ApiResult<bool> ReadScalars(const JsonValue& req, bool is_query, ReadRequest* r, Constraints* c) {
  auto n = GetString(req, "TableName", &r->table_name);
  if (!n.ok()) return n.error();
  c->TableName(*n ? &r->table_name : nullptr);
  int64_t limit = 0;
  auto l = GetInt64(req, "Limit", &limit);
  if (!l.ok()) return l.error();
  if (*l) {
    r->limit = limit;
    if (limit < 1) c->Fail(Quote(std::to_string(limit)), "limit", "Member must have value greater than or equal to 1");
  }
  auto cr = GetBool(req, "ConsistentRead", &r->consistent);
  if (!cr.ok()) return cr.error();
  auto sel = GetString(req, "Select", &r->select);
  if (!sel.ok()) return sel.error();
  r->select_given = *sel;
  if (r->select != "ALL_ATTRIBUTES" && r->select != "ALL_PROJECTED_ATTRIBUTES" &&
      r->select != "SPECIFIC_ATTRIBUTES" && r->select != "COUNT") {
    c->Fail(Quote(r->select), "select",
            "Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]");
  }
  auto rc = GetString(req, "ReturnConsumedCapacity", &r->return_consumed);
  if (!rc.ok()) return rc.error();
  if (r->return_consumed != "NONE" && r->return_consumed != "TOTAL" && r->return_consumed != "INDEXES") {
    c->Fail(Quote(r->return_consumed), "returnConsumedCapacity", "Member must satisfy enum value set: [INDEXES, TOTAL, NONE]");
  }
  if (is_query) {
    auto f = GetBool(req, "ScanIndexForward", &r->forward);
    if (!f.ok()) return f.error();
    return true;
  }
  int64_t v = 0;
  auto seg = GetInt64(req, "Segment", &v);
  if (!seg.ok()) return seg.error();
  if (*seg) {
    r->segment = v;
    if (v < 0) c->Fail(Quote(std::to_string(v)), "segment", "Member must have value greater than or equal to 0");
    if (v > 999999) c->Fail(Quote(std::to_string(v)), "segment", "Member must have value less than or equal to 999999");
  }
  auto total = GetInt64(req, "TotalSegments", &v);
  if (!total.ok()) return total.error();
  if (*total) {
    r->total_segments = v;
    if (v < 1) c->Fail(Quote(std::to_string(v)), "totalSegments", "Member must have value greater than or equal to 1");
    if (v > 1000000) {
      c->Fail(Quote(std::to_string(v)), "totalSegments", "Member must have value less than or equal to 1000000");
    }
  }
  return true;
}

// The expression parameters, in DynamoDB's order, then their legacy forms.
ApiResult<bool> ReadExpressions(const JsonValue& req, bool is_query, ReadRequest* r) {
  auto mixed = CheckExpressionParameters(req, is_query ? ExpressionOperation::kQuery : ExpressionOperation::kScan);
  if (!mixed.ok()) return mixed.error();
  auto ctx = ExpressionContext::Create(Member(req, "ExpressionAttributeNames"), Member(req, "ExpressionAttributeValues"));
  if (!ctx.ok()) return ctx.error();
  std::string text;
  std::optional<Condition> key_tree;
  auto parse = [&](const char* member, ExpressionKind kind, std::optional<Condition>* out) -> ApiResult<bool> {
    auto got = GetString(req, member, &text);
    if (!got.ok()) return got.error();
    if (!*got) return false;
    auto cond = ctx->ParseCondition(text, kind);
    if (!cond.ok()) return cond.error();
    *out = std::move(cond.value());
    return true;
  };
  if (is_query) {
    auto k = parse("KeyConditionExpression", ExpressionKind::kKeyCondition, &key_tree);
    if (!k.ok()) return k.error();
  }
  auto f = parse("FilterExpression", ExpressionKind::kFilter, &r->filter);
  if (!f.ok()) return f.error();
  auto p = GetString(req, "ProjectionExpression", &text);
  if (!p.ok()) return p.error();
  if (*p) {
    auto proj = ctx->ParseProjection(text);
    if (!proj.ok()) return proj.error();
    r->projection = std::move(proj.value());
  }
  auto unused = ctx->CheckAllUsed();
  if (!unused.ok()) return unused.error();
  // A Query of an index may give up to 8 conditions (a global index with
  // multi-attribute keys); binding to the index's key checks the count.
  const size_t max_terms = Member(req, "IndexName") != nullptr ? kMaxKeyConditionTerms : 2;
  if (key_tree) {
    auto terms = KeyConditionTerms(*key_tree, max_terms);
    if (!terms.ok()) return terms.error();
    r->key_terms = std::move(terms.value());
  }

  const char* filter_name = is_query ? "QueryFilter" : "ScanFilter";
  auto legacy_filter = ConvertFilter(Member(req, filter_name), Member(req, "ConditionalOperator"), filter_name);
  if (!legacy_filter.ok()) return legacy_filter.error();
  if (*legacy_filter) r->filter = std::move(**legacy_filter);
  if (const JsonValue* kc = Member(req, "KeyConditions"); kc && is_query) {
    auto terms = ConvertKeyConditions(*kc, max_terms);
    if (!terms.ok()) return terms.error();
    r->key_terms = std::move(terms.value());
  }
  if (const JsonValue* atg = Member(req, "AttributesToGet")) {
    auto proj = ConvertAttributesToGet(*atg);
    if (!proj.ok()) return proj.error();
    r->projection = std::move(proj.value());
  }
  return true;
}

ApiResult<bool> CheckSelect(const JsonValue& req, const ReadRequest& r) {
  if (r.select == "ALL_PROJECTED_ATTRIBUTES" && !r.index_name) {
    return Error::Validation("ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName");
  }
  const char* projection_param = Member(req, "AttributesToGet") ? "AttributesToGet" : "ProjectionExpression";
  if (r.select == "SPECIFIC_ATTRIBUTES" && !r.projection) {
    return Error::Validation(
        "Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES");
  }
  if (r.projection && r.select_given && r.select != "SPECIFIC_ATTRIBUTES") {
    return Error::Validation(std::string("Cannot specify the ") + projection_param + " when choosing to get " + r.select);
  }
  return true;
}

ApiResult<bool> CheckSegments(const ReadRequest& r) {
  if (r.segment && !r.total_segments) {
    return Error::Validation(
        "The TotalSegments parameter is required but was not present in the request when Segment parameter is present");
  }
  if (r.total_segments && !r.segment) {
    return Error::Validation(
        "The Segment parameter is required but was not present in the request when parameter TotalSegments is present");
  }
  if (r.segment && *r.segment >= *r.total_segments) {
    return Error::Validation("The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: " +
                             std::to_string(*r.segment) + " is not less than TotalSegments: " +
                             std::to_string(*r.total_segments));
  }
  return true;
}

}  // namespace

ApiResult<ReadRequest> ParseReadRequest(const JsonValue& req, bool is_query) {
  ReadRequest r;
  Constraints c;
  auto scalars = ReadScalars(req, is_query, &r, &c);
  if (!scalars.ok()) return scalars.error();
  const JsonValue* esk = nullptr;
  auto e = GetObject(req, "ExclusiveStartKey", &esk);
  if (!e.ok()) return e.error();
  if (esk != nullptr) {
    auto key = ParseItem(*esk);
    if (!key.ok()) return key.error();
    r.start_key = std::move(key.value());
  }
  std::string index;
  auto in = GetString(req, "IndexName", &index);
  if (!in.ok()) return in.error();
  if (*in) {
    c.TableName(&index, "indexName");
    r.index_name = index;
  }
  if (!c.ok()) return c.ToError();
  auto exprs = ReadExpressions(req, is_query, &r);
  if (!exprs.ok()) return exprs.error();
  if (is_query && r.key_terms.empty()) {
    return Error::Validation("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.");
  }
  auto select = CheckSelect(req, r);
  if (!select.ok()) return select.error();
  auto segments = CheckSegments(r);
  if (!segments.ok()) return segments.error();
  return r;
}

ApiResult<ReadTarget> ResolveReadTarget(Context& ctx, const ReadRequest& r, const ResolvedTable& t) {
  ReadTarget target{t.meta, nullptr, 0};
  if (!r.index_name) return target;
  const IndexDef* index = t.schema->FindIndex(*r.index_name);
  if (index == nullptr || index->status == "DELETING") {
    return Error::Validation("The table does not have the specified index: " + *r.index_name);
  }
  if (index->global && r.consistent) {
    return Error::Validation("Consistent reads are not supported on global secondary indexes");
  }
  if (index->global && index->status == "CREATING") {
    return Error::Validation("Cannot read from backfilling global secondary index: " + index->name);
  }
  if (index->global && r.select == "ALL_ATTRIBUTES" && r.select_given && index->projection != "ALL") {
    return Error::Validation("One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported "
                             "for global secondary index " + index->name + " because its projection type is not ALL");
  }
  if (index->global && r.projection) {
    std::string missing;
    for (const Path& p : r.projection->paths) {
      if (!IndexProjects(*t.schema, *index, p.top())) missing += (missing.empty() ? "" : ", ") + p.top();
    }
    if (!missing.empty()) {
      return Error::Validation("One or more parameter values were invalid: Global secondary index " + index->name +
                               " does not project [" + missing + "]");
    }
  }
  target.index = index;
  if (!index->global) {
    target.local_index = index->local_number;
    return target;
  }
  auto meta = ctx.cluster->GetTable(GlobalIndexTableName(t.meta.name, index->name));
  if (!meta.ok()) return Error::InternalServer("Internal server error");
  target.meta = std::move(meta.value());
  return target;
}

ApiResult<std::optional<cluster::Key>> ReadStartKey(const ReadRequest& r, const TableSchema& s,
                                                   const ReadTarget& target) {
  if (!r.start_key) return std::optional<cluster::Key>();
  auto key = target.index ? IndexStartKey(s, *target.index, *r.start_key)
                          : KeyOfKeyParam(s, *r.start_key, "The provided starting key is invalid: ");
  if (!key.ok()) return key.error();
  return std::optional<cluster::Key>(std::move(key.value()));
}

ApiResult<bool> FetchFromTable(Context& ctx, const ReadRequest& r, const ResolvedTable& t, const ReadTarget& target,
                               cluster::ScanPage* page) {
  const IndexDef* index = target.index;
  if (index == nullptr || index->global || index->projection == "ALL" || r.select == "COUNT") return true;
  bool fetch = r.select == "ALL_ATTRIBUTES" && r.select_given;
  if (r.projection) {
    for (const Path& p : r.projection->paths) fetch |= !IndexProjects(*t.schema, *index, p.top());
  }
  if (r.filter) {
    for (const std::string& a : ConditionAttributes(*r.filter)) fetch |= !IndexProjects(*t.schema, *index, a);
  }
  if (!fetch) return true;
  for (cluster::Row& row : page->rows) {
    auto item = DecodeItem(row.item);
    if (!item.ok()) return Error::InternalServer("Internal server error");
    auto key = KeyOfItem(*t.schema, *item);
    if (!key.ok()) return Error::InternalServer("Internal server error");
    auto stored = ctx.cluster->Get(t.meta, *key, r.consistent);
    if (!stored.ok()) return Error::FromStatus(stored.status());
    // Written with its index row: present unless deleted since this read.
    if (stored->has_value()) row.item = std::move(**stored);
  }
  return true;
}

ApiResult<std::string> RespondWithPage(const ReadRequest& r, const TableSchema& schema,
                                       const cluster::ScanPage& page, const IndexDef* index) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  const bool count_only = r.select == "COUNT";
  if (!count_only) {
    w.Key("Items");
    w.StartArray();
  }
  size_t count = 0, bytes = 0;
  Item last;
  for (const cluster::Row& row : page.rows) {
    auto item = DecodeItem(row.item);
    if (!item.ok()) return Error::InternalServer("Internal server error");
    bytes += ItemSize(*item);
    if (&row == &page.rows.back()) {
      last = index ? IndexKeyAttributesOf(schema, *index, *item) : KeyAttributesOf(schema, *item);
    }
    if (r.filter && !EvaluateCondition(*r.filter, &*item)) continue;
    ++count;
    if (count_only) continue;
    if (r.projection) *item = ApplyProjection(*r.projection, *item);
    WriteItem(*item, w);
  }
  if (!count_only) w.EndArray();
  w.Key("Count");
  w.Uint64(count);
  w.Key("ScannedCount");
  w.Uint64(page.rows.size());
  if (page.truncated && !page.rows.empty()) {
    w.Key("LastEvaluatedKey");
    WriteItem(last, w);
  }
  // A read of an index consumes the index's capacity, not the table's.
  Consumed consumed;
  if (index == nullptr) consumed.table = ReadUnits(bytes, r.consistent);
  else (index->global ? consumed.global : consumed.local)[index->name] = ReadUnits(bytes, r.consistent);
  WriteConsumedCapacity(w, r.table_name, r.return_consumed, consumed);
  w.EndObject();
  return std::string(buf.GetString());
}

}  // namespace ddb::api
