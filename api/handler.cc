// Handler: protocol checks, credentials, and dispatch to the operations.
#include "api/handler.h"

#include <strings.h>

#include <chrono>
#include <unordered_map>
#include <unordered_set>

#include "api/json.h"
#include "api/operations.h"

namespace ddb::api {

namespace {

const std::unordered_map<std::string, Operation>& Operations() {
  static const auto* ops = new std::unordered_map<std::string, Operation>{
      {"CreateTable", &CreateTable}, {"DescribeTable", &DescribeTable}, {"ListTables", &ListTables},
      {"DeleteTable", &DeleteTable}, {"PutItem", &PutItem},             {"GetItem", &GetItem},
      {"DeleteItem", &DeleteItem},   {"UpdateItem", &UpdateItem},   {"Scan", &Scan}, {"Query", &Query},
      {"UpdateTable", &UpdateTable}, {"TagResource", &TagResource}, {"UntagResource", &UntagResource},
      {"ListTagsOfResource", &ListTagsOfResource}, {"DescribeTimeToLive", &DescribeTimeToLive},
      {"UpdateTimeToLive", &UpdateTimeToLive}, {"DescribeLimits", &DescribeLimits},
      {"DescribeContinuousBackups", &DescribeContinuousBackups},
      {"UpdateContinuousBackups", &UpdateContinuousBackups},
      {"DescribeEndpoints", &DescribeEndpoints},
      {"BatchGetItem", &BatchGetItem}, {"BatchWriteItem", &BatchWriteItem},
      {"TransactWriteItems", &TransactWriteItems}, {"TransactGetItems", &TransactGetItems},
  };
  return *ops;
}

// The operations that write items hold the index builder's write gate.
bool WritesItems(const std::string& op) {
  return op == "PutItem" || op == "UpdateItem" || op == "DeleteItem" || op == "BatchWriteItem" ||
         op == "TransactWriteItems";
}

// "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/dynamodb/aws4_request, ..."
// gives the access key id and the region.
ApiResult<std::pair<std::string, std::string>> ParseCredential(std::string_view auth) {
  constexpr std::string_view kTag = "Credential=";
  size_t at = auth.find(kTag);
  if (at == std::string_view::npos) {
    return Error{400, "IncompleteSignatureException",
                 "Authorization header requires 'Credential' parameter. Authorization=" + std::string(auth)};
  }
  size_t start = at + kTag.size();
  size_t end = auth.find_first_of(", ", start);
  std::string_view scope = auth.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
  // key id / date / region / service / "aws4_request"
  std::string_view parts[5];
  size_t count = 0, from = 0;
  for (;;) {
    size_t slash = scope.find('/', from);
    if (count < 5) parts[count] = scope.substr(from, slash == std::string_view::npos ? slash : slash - from);
    ++count;
    if (slash == std::string_view::npos) break;
    from = slash + 1;
  }
  if (count != 5 || parts[0].empty() || parts[2].empty()) {
    return Error{400, "IncompleteSignatureException",
                 "Credential should be scoped to a valid region, not '" +
                     (count > 2 ? std::string(parts[2]) : std::string()) + "'. "};
  }
  return std::make_pair(std::string(parts[0]), std::string(parts[2]));
}

// A media type's name is case-insensitive (RFC 9110 8.3.1), its parameters
// (a charset) are ignored.
bool JsonContentType(std::string_view ct) {
  std::string_view base = ct.substr(0, ct.find(';'));
  while (!base.empty() && (base.back() == ' ' || base.back() == '\t')) base.remove_suffix(1);
  while (!base.empty() && (base.front() == ' ' || base.front() == '\t')) base.remove_prefix(1);
  auto is = [base](std::string_view want) {
    return base.size() == want.size() && strncasecmp(base.data(), want.data(), want.size()) == 0;
  };
  return is("application/x-amz-json-1.0") || is("application/json");
}

}  // namespace

Handler::Handler(cluster::Cluster* cluster, bool shared_db) : cluster_(cluster), shared_db_(shared_db) {
  indexes_.Start();
}

std::string Handler::OperationName(std::string_view target) {
  constexpr std::string_view kPrefix = "DynamoDB_20120810.";
  if (target.substr(0, kPrefix.size()) != kPrefix) return "";
  return std::string(target.substr(kPrefix.size()));
}

bool Handler::ReadsOnly(std::string_view target) {
  static const auto* reads = new std::unordered_set<std::string>{
      "GetItem",           "BatchGetItem",       "Query",          "Scan",
      "TransactGetItems",  "ListTables",         "DescribeTable",  "ListTagsOfResource",
      "DescribeTimeToLive", "DescribeContinuousBackups", "DescribeLimits", "DescribeEndpoints",
  };
  return reads->count(OperationName(target)) > 0;
}

std::string Handler::RenderError(const Error& e) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("__type");
  w.String(e.FullType());
  if (!e.message.empty()) {
    w.Key(e.cancellation_reasons_json.empty() ? "message" : "Message");
    w.String(e.message);
  }
  if (!e.cancellation_reasons_json.empty()) {
    w.Key("CancellationReasons");
    w.RawValue(e.cancellation_reasons_json.data(), e.cancellation_reasons_json.size(), rapidjson::kArrayType);
  }
  if (!e.item_json.empty()) {
    w.Key("Item");
    w.RawValue(e.item_json.data(), e.item_json.size(), rapidjson::kObjectType);
  }
  w.EndObject();
  return buf.GetString();
}

ApiResult<std::string> Handler::Dispatch(const HttpRequest& request, std::string* table) {
  if (!JsonContentType(request.content_type)) return Error::UnknownOperation();
  auto op = Operations().find(OperationName(request.target));
  if (op == Operations().end()) return Error::UnknownOperation();
  if (request.authorization.empty()) {
    return Error::MissingAuthenticationToken("Request is missing Authentication Token");
  }
  auto cred = ParseCredential(request.authorization);
  if (!cred.ok()) return cred.error();
  rapidjson::Document doc;
  auto parsed = ParseBody(request.body, &doc);
  if (!parsed.ok()) return parsed.error();
  if (const JsonValue* name = Member(doc, "TableName"); name && name->IsString()) table->assign(name->GetString());
  Context ctx;
  ctx.cluster = cluster_;
  ctx.schemas = &schemas_;
  ctx.indexes = &indexes_;
  ctx.tokens = &tokens_;
  ctx.region = cred->second;
  ctx.host = std::string(request.host);
  ctx.faults = &faults_;
  if (!shared_db_) ctx.ns = cred->first + "_" + cred->second + "/";
  if (auto injected = faults_.ErrorFor(op->first, ctx.ns, doc)) return *injected;
  if (WritesItems(op->first)) {
    auto gate = indexes_.WriteGate();
    return op->second(ctx, doc);
  }
  return op->second(ctx, doc);
}

bool Handler::HasTable(const std::string& ns, const std::string& name) const {
  return cluster_->GetTable(ns + name).ok();
}

ApiResult<std::string> Handler::Call(const std::string& op, const std::string& ns, const JsonValue& request) {
  auto it = Operations().find(op);
  if (it == Operations().end()) return Error::UnknownOperation();
  Context ctx;
  ctx.cluster = cluster_;
  ctx.schemas = &schemas_;
  ctx.indexes = &indexes_;
  ctx.tokens = &tokens_;
  ctx.ns = ns;
  const size_t underscore = ns.rfind('_');
  ctx.region = underscore == std::string::npos ? "us-east-1" : ns.substr(underscore + 1, ns.size() - underscore - 2);
  if (WritesItems(op)) {
    auto gate = indexes_.WriteGate();
    return it->second(ctx, request);
  }
  return it->second(ctx, request);
}

HttpResponse Handler::Handle(const HttpRequest& request) {
  RequestGate::Pass pass(&gate_);
  const auto start = std::chrono::steady_clock::now();
  std::string table;
  auto result = Dispatch(request, &table);
  HttpResponse out = result.ok() ? HttpResponse{200, std::move(result.value())}
                                 : HttpResponse{result.error().http_status, RenderError(result.error())};
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  metrics_.Record(OperationName(request.target), table, out.status, result.ok() ? "" : result.error().type, ms);
  return out;
}

}  // namespace ddb::api
