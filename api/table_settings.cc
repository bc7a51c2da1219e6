// A table's settings after creation: UpdateTable (billing mode and
// provisioned throughput), tags (TagResource, UntagResource,
// ListTagsOfResource), time to live (DescribeTimeToLive, UpdateTimeToLive),
// point in time recovery (DescribeContinuousBackups, UpdateContinuousBackups:
// the setting only; no restore to a point in time) and DescribeLimits. Each setting lives in the table's schema blob, replaced
// through Cluster::UpdateSchema.
//
// Time to live is recorded here; api/ttl_sweeper.cc deletes expired items.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <optional>

#include "api/index_builder.h"
#include "api/operations.h"

namespace ddb::api {

namespace {

constexpr size_t kMaxTags = 50;
constexpr int64_t kRecoveryDaysMax = 35;
constexpr int64_t kDayMs = 24 * 3600 * 1000;
// LatestRestorableDateTime is "typically 5 minutes before the current time".
constexpr int64_t kLatestRestorableLagMs = 5 * 60 * 1000;

// Stores `s` as the table's new schema; NotFound as DynamoDB words it.
ApiResult<cluster::TableMeta> Save(Context& ctx, const TableSchema& s) {
  auto saved = ctx.cluster->UpdateSchema(ctx.ns + s.table_name, s.Serialize());
  if (saved.ok()) return std::move(saved.value());
  if (saved.status().IsNotFound()) {
    return Error::ResourceNotFound("Requested resource not found: Table: " + s.table_name + " not found");
  }
  return Error::FromStatus(saved.status());
}

ApiResult<ResolvedTable> Named(Context& ctx, const JsonValue& req) {
  auto name = ReadTableName(req);
  if (!name.ok()) return name.error();
  return ResolveTable(ctx, *name, "Requested resource not found: Table: " + *name + " not found");
}

// The table name in "arn:aws:dynamodb:<region>:<account>:table/<name>"
// (a table of the caller's namespace); nullopt when `arn` is not a table ARN.
std::optional<std::string> TableOfArn(const std::string& arn) {
  const std::string marker = ":table/";
  const size_t at = arn.find(marker);
  if (arn.rfind("arn:aws:dynamodb:", 0) != 0 || at == std::string::npos) return std::nullopt;
  return arn.substr(at + marker.size());
}

// Characters of UTF-8 text (code points), as DynamoDB counts a string's length.
size_t Utf8Chars(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

ApiResult<ResolvedTable> ByArn(Context& ctx, const JsonValue& req) {
  std::string arn;
  auto got = GetString(req, "ResourceArn", &arn);
  if (!got.ok()) return got.error();
  if (!*got) {
    return Error::Validation("1 validation error detected: Value null at 'resourceArn' failed to satisfy "
                             "constraint: Member must not be null");
  }
  const size_t chars = Utf8Chars(arn);  // ResourceArnString: 1 to 1283 characters
  if (chars < 1 || chars > 1283) {
    Constraints c;
    c.Fail(Quote(arn), "resourceArn",
           chars < 1 ? "Member must have length greater than or equal to 1"
                     : "Member must have length less than or equal to 1283");
    return c.ToError();
  }
  if (arn.rfind("arn:", 0) != 0) {
    return Error::Validation("One or more parameter values were invalid: ARNs must start with 'arn:': " + arn);
  }
  const std::optional<std::string> name = TableOfArn(arn);
  if (!name) return Error::Validation("Invalid TableArn: Invalid ResourceArn provided as input " + arn);
  // An index's ARN (IndexArn in DescribeTable): its tags are the table's.
  if (name->find("/index/") != std::string::npos) {
    return Error::Validation(
        "One or more parameter values were invalid: Invalid resource arn provided, only table or stream is "
        "accepted. Provided resource arn: " + arn);
  }
  // DynamoDB's message has this typo.
  return ResolveTable(ctx, *name, "Requested resource not found: ResourcArn: " + arn + " not found");
}

// Characters of UTF-8 text (code points), and whether each is one a tag may
// hold: ASCII letters, digits, spaces and _ . : / = + - @, or any non-ASCII
// letter (DynamoDB's pattern is ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$).
bool TagText(const std::string& s, size_t* chars) {
  *chars = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++*chars;
    if (c >= 0x80) continue;
    if (!std::isalnum(c) && std::string(" _.:/=+-@").find(static_cast<char>(c)) == std::string::npos) return false;
  }
  return true;
}

}  // namespace

ApiResult<std::vector<std::pair<std::string, std::string>>> ReadTags(const JsonValue& tags) {
  std::vector<std::pair<std::string, std::string>> out;
  Constraints c;
  for (rapidjson::SizeType i = 0; i < tags.Size(); ++i) {
    const JsonValue& tag = tags[i];
    if (!tag.IsObject()) return Error::Serialization(JsonKind(tag) + " cannot be converted to Tag");
    const std::string path = "tags." + std::to_string(i + 1) + ".member.";
    std::string key, value;
    auto k = GetString(tag, "Key", &key);
    auto v = GetString(tag, "Value", &value);
    if (!k.ok()) return k.error();
    if (!v.ok()) return v.error();
    c.NotNull(*k, path + "key");
    c.NotNull(*v, path + "value");
    size_t key_chars = 0, value_chars = 0;
    const char* pattern = R"(Member must satisfy regular expression pattern: ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$)";
    if (*k && !TagText(key, &key_chars)) c.Fail(Quote(key), path + "key", pattern);
    if (*k && key_chars < 1) c.Fail(Quote(key), path + "key", "Member must have length greater than or equal to 1");
    if (*k && key_chars > 128) c.Fail(Quote(key), path + "key", "Member must have length less than or equal to 128");
    if (*v && !TagText(value, &value_chars)) c.Fail(Quote(value), path + "value", pattern);
    if (*v && value_chars > 256) c.Fail(Quote(value), path + "value", "Member must have length less than or equal to 256");
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& kv) { return kv.first == key; });
    if (it != out.end()) it->second = value;
    else out.emplace_back(key, value);
  }
  if (!c.ok()) return c.ToError();
  return out;
}

ApiResult<std::string> UpdateTable(Context& ctx, const JsonValue& req) {
  auto t = Named(ctx, req);
  if (!t.ok()) return t.error();
  auto unsupported = RejectUnsupported(req, {"SSESpecification", "ReplicaUpdates"});
  if (!unsupported.ok()) return unsupported.error();
  auto stream = RejectEnabledStream(req);
  if (!stream.ok()) return stream.error();
  TableSchema s = *t->schema;
  std::string mode;
  auto m = GetString(req, "BillingMode", &mode);
  if (!m.ok()) return m.error();
  const JsonValue* pt = nullptr;
  auto p = GetObject(req, "ProvisionedThroughput", &pt);
  if (!p.ok()) return p.error();
  const JsonValue* gsi_updates = nullptr;
  auto g = GetArray(req, "GlobalSecondaryIndexUpdates", &gsi_updates);
  if (!g.ok()) return g.error();
  const bool index_changes = gsi_updates != nullptr && gsi_updates->Size() > 0;
  Constraints c;
  auto options = ReadTableOptions(req, &s, &c);
  if (!options.ok()) return options.error();
  if (!c.ok()) return c.ToError();
  if (!*m && pt == nullptr && !index_changes && !*options) {
    return Error::Validation(
        "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates "
        "or SSESpecification or ReplicaUpdates is required");
  }
  if (*m && mode != "PROVISIONED" && mode != "PAY_PER_REQUEST") {
    return Error::Validation("1 validation error detected: Value " + Quote(mode) +
                             " at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set: "
                             "[PROVISIONED, PAY_PER_REQUEST]");
  }
  if (*m) s.billing_mode = mode;
  if (s.billing_mode == "PAY_PER_REQUEST") {
    if (pt != nullptr) {
      return Error::Validation(
          "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be "
          "specified when BillingMode is PAY_PER_REQUEST");
    }
    s.read_capacity = s.write_capacity = 0;
  } else {
    if (pt == nullptr && t->schema->billing_mode != "PROVISIONED") {
      return Error::Validation(
          "One or more parameter values were invalid: ProvisionedThroughput must be specified when BillingMode is "
          "PROVISIONED");
    }
    if (pt != nullptr) {
      int64_t r = 0, w = 0;
      auto rr = GetInt64(*pt, "ReadCapacityUnits", &r);
      auto ww = GetInt64(*pt, "WriteCapacityUnits", &w);
      if (!rr.ok()) return rr.error();
      if (!ww.ok()) return ww.error();
      if (!*rr || !*ww || r < 1 || w < 1) {
        return Error::Validation(
            "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be "
            "specified and at least 1");
      }
      if (!*m && r == s.read_capacity && w == s.write_capacity) {
        return Error::Validation(
            "The provisioned throughput for the table will not change. The requested value equals the current "
            "value. Current ReadCapacityUnits provisioned for the table: " + std::to_string(r) +
            ". Requested ReadCapacityUnits: " + std::to_string(r) +
            ". Current WriteCapacityUnits provisioned for the table: " + std::to_string(w) +
            ". Requested WriteCapacityUnits: " + std::to_string(w) +
            ". Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits.");
      }
      s.read_capacity = r;
      s.write_capacity = w;
    }
  }
  if (index_changes) {
    auto applied = ApplyIndexUpdates(ctx, req, *gsi_updates, &s);
    if (!applied.ok()) return applied.error();
  }
  auto meta = Save(ctx, s);
  if (!meta.ok()) return meta.error();
  if (index_changes) ctx.indexes->Schedule(meta->name);
  return Describe(ctx, "TableDescription", *meta, s, ctx.cluster->Stats(*meta), index_changes ? "UPDATING" : "ACTIVE");
}

ApiResult<std::string> TagResource(Context& ctx, const JsonValue& req) {
  auto t = ByArn(ctx, req);
  if (!t.ok()) return t.error();
  const JsonValue* tags = nullptr;
  auto got = GetArray(req, "Tags", &tags);
  if (!got.ok()) return got.error();
  if (tags == nullptr) {
    return Error::Validation("1 validation error detected: Value null at 'tags' failed to satisfy constraint: "
                             "Member must not be null");
  }
  auto given = ReadTags(*tags);
  if (!given.ok()) return given.error();
  TableSchema s = *t->schema;
  for (const auto& [key, value] : *given) {
    auto it = std::find_if(s.tags.begin(), s.tags.end(), [&](const auto& kv) { return kv.first == key; });
    if (it != s.tags.end()) it->second = value;
    else s.tags.emplace_back(key, value);
  }
  if (s.tags.size() > kMaxTags) return Error::LimitExceeded("Too many tags. Tags per resource limit: 50");
  std::sort(s.tags.begin(), s.tags.end());
  auto saved = Save(ctx, s);
  if (!saved.ok()) return saved.error();
  return std::string();  // DynamoDB answers TagResource and UntagResource with an empty body
}

ApiResult<std::string> UntagResource(Context& ctx, const JsonValue& req) {
  const JsonValue* keys = nullptr;
  auto got = GetArray(req, "TagKeys", &keys);
  if (!got.ok()) return got.error();
  // Each key is 1 to 128 characters (TagKeyString), checked with the
  // request's shape, before the ARN or the table.
  std::vector<std::string> names;
  if (keys != nullptr) {
    bool bad = false;
    for (const JsonValue& k : keys->GetArray()) {
      if (!k.IsString()) return Error::Serialization(JsonKind(k) + " cannot be converted to String");
      names.emplace_back(k.GetString(), k.GetStringLength());
      const size_t chars = Utf8Chars(names.back());
      bad = bad || chars < 1 || chars > 128;
    }
    if (bad) {
      Constraints c;
      c.MemberLengths(names, "tagKeys", 128);
      return c.ToError();
    }
  }
  auto t = ByArn(ctx, req);
  if (!t.ok()) return t.error();
  if (keys == nullptr) {
    return Error::Validation("1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: "
                             "Member must not be null");
  }
  TableSchema s = *t->schema;
  for (const std::string& key : names) {
    s.tags.erase(std::remove_if(s.tags.begin(), s.tags.end(), [&](const auto& kv) { return kv.first == key; }),
                 s.tags.end());
  }
  auto saved = Save(ctx, s);
  if (!saved.ok()) return saved.error();
  return std::string();  // DynamoDB answers TagResource and UntagResource with an empty body
}

ApiResult<std::string> ListTagsOfResource(Context& ctx, const JsonValue& req) {
  auto t = ByArn(ctx, req);
  if (!t.ok()) return t.error();
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("Tags");
  w.StartArray();
  for (const auto& [k, v] : t->schema->tags) {
    w.StartObject();
    w.Key("Key");
    w.String(k);
    w.Key("Value");
    w.String(v);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buf.GetString());
}

ApiResult<std::string> DescribeTimeToLive(Context& ctx, const JsonValue& req) {
  auto t = Named(ctx, req);
  if (!t.ok()) return t.error();
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("TimeToLiveDescription");
  w.StartObject();
  w.Key("TimeToLiveStatus");
  w.String(t->schema->ttl_attribute.empty() ? "DISABLED" : "ENABLED");
  if (!t->schema->ttl_attribute.empty()) {
    w.Key("AttributeName");
    w.String(t->schema->ttl_attribute);
  }
  w.EndObject();
  w.EndObject();
  return std::string(buf.GetString());
}

ApiResult<std::string> UpdateTimeToLive(Context& ctx, const JsonValue& req) {
  const JsonValue* spec = nullptr;
  auto got = GetObject(req, "TimeToLiveSpecification", &spec);
  if (!got.ok()) return got.error();
  bool enabled = false;
  std::string attribute;
  Constraints c;
  c.NotNull(spec != nullptr, "timeToLiveSpecification");
  if (spec != nullptr) {
    auto a = GetString(*spec, "AttributeName", &attribute);
    auto e = GetBool(*spec, "Enabled", &enabled);
    if (!a.ok()) return a.error();
    if (!e.ok()) return e.error();
    c.NotNull(*a, "timeToLiveSpecification.attributeName");
    if (*a && attribute.empty()) {
      c.Fail("''", "timeToLiveSpecification.attributeName", "Member must have length greater than or equal to 1");
    }
    if (*a && attribute.size() > 255) {
      c.Fail(Quote(attribute), "timeToLiveSpecification.attributeName",
             "Member must have length less than or equal to 255");
    }
    c.NotNull(*e, "timeToLiveSpecification.enabled");
  }
  if (!c.ok()) return c.ToError();
  auto t = Named(ctx, req);
  if (!t.ok()) return t.error();
  TableSchema s = *t->schema;
  if (enabled && !s.ttl_attribute.empty()) return Error::Validation("TimeToLive is already enabled");
  if (!enabled && s.ttl_attribute.empty()) return Error::Validation("TimeToLive is already disabled");
  if (!enabled && s.ttl_attribute != attribute) {
    return Error::Validation("TimeToLive is active on a different AttributeName: current AttributeName is " +
                             s.ttl_attribute);
  }
  s.ttl_attribute = enabled ? attribute : "";
  auto saved = Save(ctx, s);
  if (!saved.ok()) return saved.error();
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("TimeToLiveSpecification");
  w.StartObject();
  w.Key("Enabled");
  w.Bool(enabled);
  w.Key("AttributeName");
  w.String(attribute);
  w.EndObject();
  w.EndObject();
  return std::string(buf.GetString());
}

namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The continuous-backup operations' TableName: a table's name or its ARN.
// A missing table is TableNotFoundException here, not ResourceNotFound.
ApiResult<ResolvedTable> BackupTable(Context& ctx, const JsonValue& req) {
  std::string given;
  auto got = GetString(req, "TableName", &given);
  if (!got.ok()) return got.error();
  std::optional<std::string> name = *got ? TableOfArn(given) : std::nullopt;
  if (!name) {
    auto n = ReadTableName(req);
    if (!n.ok()) return n.error();
    name = *n;
  }
  auto t = ResolveTable(ctx, *name, "");
  if (!t.ok() && t.error().type == "ResourceNotFoundException") {
    return Error{400, "TableNotFoundException", "Table not found: " + *name};
  }
  return t;
}

// {"ContinuousBackupsDescription": ...} for `s`. Continuous backups are
// ENABLED on every table (DynamoDB's documentation); point in time recovery
// as UpdateContinuousBackups left it.
std::string ContinuousBackups(const TableSchema& s) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("ContinuousBackupsDescription");
  w.StartObject();
  w.Key("ContinuousBackupsStatus");
  w.String("ENABLED");
  w.Key("PointInTimeRecoveryDescription");
  w.StartObject();
  if (s.pitr_since_ms == 0) {
    w.Key("PointInTimeRecoveryStatus");
    w.String("DISABLED");
  } else {
    const int64_t now = NowMs();
    const int64_t earliest = std::max(s.pitr_since_ms, now - s.pitr_days * kDayMs);
    const int64_t latest = std::max(earliest, now - kLatestRestorableLagMs);
    w.Key("EarliestRestorableDateTime");
    w.Double(static_cast<double>(earliest) / 1000);
    w.Key("LatestRestorableDateTime");
    w.Double(static_cast<double>(latest) / 1000);
    w.Key("PointInTimeRecoveryStatus");
    w.String("ENABLED");
    w.Key("RecoveryPeriodInDays");
    w.Int64(s.pitr_days);
  }
  w.EndObject();
  w.EndObject();
  w.EndObject();
  return std::string(buf.GetString());
}

}  // namespace

ApiResult<std::string> DescribeContinuousBackups(Context& ctx, const JsonValue& req) {
  auto t = BackupTable(ctx, req);
  if (!t.ok()) return t.error();
  return ContinuousBackups(*t->schema);
}

ApiResult<std::string> UpdateContinuousBackups(Context& ctx, const JsonValue& req) {
  const JsonValue* spec = nullptr;
  auto got = GetObject(req, "PointInTimeRecoverySpecification", &spec);
  if (!got.ok()) return got.error();
  bool enabled = false;
  int64_t days = kRecoveryDaysMax;
  Constraints c;
  c.NotNull(spec != nullptr, "pointInTimeRecoverySpecification");
  if (spec != nullptr) {
    auto e = GetBool(*spec, "PointInTimeRecoveryEnabled", &enabled);
    if (!e.ok()) return e.error();
    c.NotNull(*e, "pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled");
    auto d = GetInt64(*spec, "RecoveryPeriodInDays", &days);
    if (!d.ok()) return d.error();
    const std::string path = "pointInTimeRecoverySpecification.recoveryPeriodInDays";
    if (*d && days < 1) c.Fail(Quote(std::to_string(days)), path, "Member must have value greater than or equal to 1");
    if (*d && days > kRecoveryDaysMax) {
      c.Fail(Quote(std::to_string(days)), path, "Member must have value less than or equal to 35");
    }
  }
  if (!c.ok()) return c.ToError();
  auto t = BackupTable(ctx, req);
  if (!t.ok()) return t.error();
  TableSchema s = *t->schema;
  if (enabled) {
    if (s.pitr_since_ms == 0) s.pitr_since_ms = NowMs();
    s.pitr_days = days;
  } else {
    s.pitr_since_ms = 0;
    s.pitr_days = kRecoveryDaysMax;
  }
  auto saved = Save(ctx, s);
  if (!saved.ok()) return saved.error();
  return ContinuousBackups(s);
}

ApiResult<std::string> DescribeLimits(Context&, const JsonValue&) {
  return std::string(
      R"({"AccountMaxReadCapacityUnits":80000,"AccountMaxWriteCapacityUnits":80000,)"
      R"("TableMaxReadCapacityUnits":40000,"TableMaxWriteCapacityUnits":40000})");
}

// The one endpoint is the address the client reached (DynamoDB answers with
// its regional endpoint).
ApiResult<std::string> DescribeEndpoints(Context& ctx, const JsonValue&) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("Endpoints");
  w.StartArray();
  w.StartObject();
  w.Key("Address");
  w.String(ctx.host.empty() ? "localhost:8000" : ctx.host);
  w.Key("CachePeriodInMinutes");
  w.Int(1440);
  w.EndObject();
  w.EndArray();
  w.EndObject();
  return std::string(buf.GetString());
}

}  // namespace ddb::api
