// FaultRules: parsing, matching and firing of deterministic fault rules.
#include "api/fault_rules.h"

#include <algorithm>

namespace ddb::api {

// A table the request touches, with the key-bearing objects it sends for it.
struct FaultRules::Target {
  std::string table;
  std::vector<const JsonValue*> keys;  // Key / Item objects; empty for Query, Scan
};

namespace {

using Target = FaultRules::Target;

using Clock = std::chrono::steady_clock;

constexpr int64_t kMaxCount = 1000000;
constexpr int64_t kMaxDurationMs = 24LL * 3600 * 1000;

const char* const kErrorFaults[] = {"ProvisionedThroughputExceededException", "ThrottlingException",
                                    "RequestLimitExceeded", "InternalServerError", "TransactionConflictException"};
const char* const kOperations[] = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "GetItem",
                                   "Query",   "Scan",       "BatchGetItem", "CreateTable", "DescribeTable",
                                   "DeleteTable", "UpdateTable", "ListTables", "TransactWriteItems",
                                   "TransactGetItems"};

bool IsWrite(const std::string& op) {
  return op == "PutItem" || op == "UpdateItem" || op == "DeleteItem" || op == "BatchWriteItem" ||
         op == "TransactWriteItems";
}
bool IsRead(const std::string& op) {
  return op == "GetItem" || op == "Query" || op == "Scan" || op == "BatchGetItem" || op == "TransactGetItems";
}

bool OperationMatches(const std::string& rule_ops, const std::string& op) {
  if (rule_ops == "any") return true;
  if (rule_ops == "write") return IsWrite(op);
  if (rule_ops == "read") return IsRead(op);
  return rule_ops == op;
}

void AddBatchWriteKeys(const JsonValue& requests, std::vector<const JsonValue*>* keys) {
  if (!requests.IsArray()) return;
  for (const JsonValue& r : requests.GetArray()) {
    if (!r.IsObject()) continue;
    if (const JsonValue* put = Member(r, "PutRequest"); put && put->IsObject()) {
      if (const JsonValue* item = Member(*put, "Item")) keys->push_back(item);
    }
    if (const JsonValue* del = Member(r, "DeleteRequest"); del && del->IsObject()) {
      if (const JsonValue* key = Member(*del, "Key")) keys->push_back(key);
    }
  }
}

std::vector<Target> TargetsOf(const std::string& op, const JsonValue& request) {
  std::vector<Target> out;
  if (op == "TransactWriteItems" || op == "TransactGetItems") {
    // Every action's table and key: {"Put": {"TableName", "Item"}}, {"Update": {..., "Key"}}, ...
    const JsonValue* items = Member(request, "TransactItems");
    if (items == nullptr || !items->IsArray()) return out;
    for (const JsonValue& action : items->GetArray()) {
      if (!action.IsObject()) continue;
      for (const auto& m : action.GetObject()) {
        if (!m.value.IsObject()) continue;
        Target t;
        if (const JsonValue* name = Member(m.value, "TableName"); name && name->IsString()) t.table = name->GetString();
        if (const JsonValue* key = Member(m.value, "Key")) t.keys.push_back(key);
        if (const JsonValue* item = Member(m.value, "Item")) t.keys.push_back(item);
        out.push_back(std::move(t));
      }
    }
    return out;
  }
  if (op == "BatchWriteItem" || op == "BatchGetItem") {
    const JsonValue* items = Member(request, "RequestItems");
    if (items == nullptr || !items->IsObject()) return out;
    for (const auto& m : items->GetObject()) {
      Target t;
      t.table.assign(m.name.GetString(), m.name.GetStringLength());
      if (op == "BatchWriteItem") {
        AddBatchWriteKeys(m.value, &t.keys);
      } else if (m.value.IsObject()) {
        if (const JsonValue* ks = Member(m.value, "Keys"); ks && ks->IsArray()) {
          for (const JsonValue& k : ks->GetArray()) t.keys.push_back(&k);
        }
      }
      out.push_back(std::move(t));
    }
    return out;
  }
  Target t;
  if (const JsonValue* name = Member(request, "TableName"); name && name->IsString()) t.table = name->GetString();
  if (const JsonValue* key = Member(request, op == "PutItem" ? "Item" : "Key")) t.keys.push_back(key);
  out.push_back(std::move(t));
  return out;
}

// True when `attrs` (a Key or Item) holds every attribute of `rule_key` with
// the same DynamoDB JSON value.
bool KeyMatches(const JsonValue& rule_key, const JsonValue& attrs) {
  if (!attrs.IsObject()) return false;
  for (const auto& m : rule_key.GetObject()) {
    auto it = attrs.FindMember(m.name);
    if (it == attrs.MemberEnd() || !(it->value == m.value)) return false;
  }
  return true;
}

bool TargetMatches(const FaultRule& rule, const Target& t) {
  if (!rule.table.empty() && rule.table != t.table) return false;
  if (!rule.key) return true;
  return std::any_of(t.keys.begin(), t.keys.end(), [&](const JsonValue* k) { return KeyMatches(*rule.key, *k); });
}

bool IsHoldBack(const FaultRule& rule) {
  return rule.fault == "UnprocessedItems" || rule.fault == "UnprocessedKeys";
}

bool NamespaceMatches(const FaultRule& rule, const std::string& ns) {
  return rule.ns.empty() || rule.ns + "/" == ns;
}

Error Bad(const std::string& m) { return Error{400, "BadRule", m}; }

ApiResult<bool> ReadFilters(const JsonValue& body, FaultRule* r) {
  auto t = GetString(body, "table", &r->table);
  auto n = GetString(body, "namespace", &r->ns);
  auto o = GetString(body, "operations", &r->operations);
  auto m = GetString(body, "message", &r->message);
  if (!t.ok() || !n.ok() || !o.ok() || !m.ok()) {
    return Bad("\"table\", \"namespace\", \"operations\" and \"message\" are strings");
  }
  const bool unprocessed = r->fault == "UnprocessedItems";
  const bool unprocessed_keys = r->fault == "UnprocessedKeys";
  if (!*o) r->operations = unprocessed ? "BatchWriteItem" : unprocessed_keys ? "BatchGetItem" : "write";
  bool known = r->operations == "write" || r->operations == "read" || r->operations == "any";
  for (const char* op : kOperations) known |= r->operations == op;
  if (!known) return Bad("\"operations\" is \"write\", \"read\", \"any\" or an operation name");
  if (unprocessed && r->operations != "BatchWriteItem") {
    return Bad("UnprocessedItems rules apply to BatchWriteItem only");
  }
  if (unprocessed_keys && r->operations != "BatchGetItem") {
    return Bad("UnprocessedKeys rules apply to BatchGetItem only");
  }
  if (const JsonValue* key = Member(body, "key")) {
    if (!key->IsObject() || key->ObjectEmpty()) return Bad("\"key\" is an object of attributes in DynamoDB JSON");
    auto doc = std::make_shared<rapidjson::Document>();
    doc->CopyFrom(*key, doc->GetAllocator());
    r->key = doc;
    rapidjson::StringBuffer buf;
    JsonWriter w(buf);
    key->Accept(w);
    r->key_json.assign(buf.GetString(), buf.GetSize());
  }
  return true;
}

ApiResult<bool> ReadLimits(const JsonValue& body, FaultRule* r) {
  int64_t count = 0, duration_ms = 0, items = 0;
  auto c = GetInt64(body, "count", &count);
  auto d = GetInt64(body, "durationMs", &duration_ms);
  auto i = GetInt64(body, "items", &items);
  if (!c.ok() || (*c && (count < 1 || count > kMaxCount))) return Bad("\"count\" is from 1 to 1000000");
  if (!d.ok() || (*d && (duration_ms < 1 || duration_ms > kMaxDurationMs))) {
    return Bad("\"durationMs\" is from 1 to 86400000");
  }
  if (!*c && !*d) return Bad("a rule needs \"count\", \"durationMs\" or both");
  if (!i.ok() || (*i && (items < 1 || items > 100))) return Bad("\"items\" is from 1 to 100");
  if (*i && r->fault != "UnprocessedItems" && r->fault != "UnprocessedKeys") {
    return Bad("\"items\" is for UnprocessedItems and UnprocessedKeys rules");
  }
  r->remaining = *c ? count : -1;
  if (*d) r->deadline = Clock::now() + std::chrono::milliseconds(duration_ms);
  r->items = items;
  return true;
}

}  // namespace

ApiResult<FaultRule> FaultRules::Parse(const JsonValue& body) {
  FaultRule r;
  auto f = GetString(body, "fault", &r.fault);
  bool known = r.fault == "UnprocessedItems" || r.fault == "UnprocessedKeys";
  for (const char* e : kErrorFaults) known |= r.fault == e;
  if (!f.ok() || !*f || !known) {
    return Bad(
        "\"fault\" is one of ProvisionedThroughputExceededException, ThrottlingException, "
        "RequestLimitExceeded, InternalServerError, TransactionConflictException, UnprocessedItems, "
        "UnprocessedKeys");
  }
  auto filters = ReadFilters(body, &r);
  if (!filters.ok()) return filters.error();
  auto limits = ReadLimits(body, &r);
  if (!limits.ok()) return limits.error();
  return r;
}

Error FaultRules::Injected(const FaultRule& rule) {
  const std::string& f = rule.fault;
  Error e;
  if (f == "ProvisionedThroughputExceededException") {
    e = {400, f,
         "The level of configured provisioned throughput for the table was exceeded. Consider increasing your "
         "provisioning level with the UpdateTable API."};
  } else if (f == "ThrottlingException") {
    e = {400, f, "Rate of requests exceeds the allowed throughput."};
  } else if (f == "RequestLimitExceeded") {
    e = {400, f,
         "Throughput exceeds the current throughput limit for your account. Please contact AWS Support at "
         "https://aws.amazon.com/support request a limit increase"};
  } else if (f == "InternalServerError") {
    e = Error::InternalServer("Internal server error");
  } else {
    e = {400, "TransactionConflictException", "Transaction is ongoing for the item"};
  }
  if (!rule.message.empty()) e.message = rule.message;
  return e;
}

uint64_t FaultRules::Add(FaultRule rule) {
  std::lock_guard<std::mutex> lock(mu_);
  rule.id = next_id_++;
  rules_.push_back(std::move(rule));
  size_.store(rules_.size());
  return rules_.back().id;
}

bool FaultRules::Remove(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = std::find_if(rules_.begin(), rules_.end(), [id](const FaultRule& r) { return r.id == id; });
  if (it == rules_.end()) return false;
  rules_.erase(it);
  size_.store(rules_.size());
  return true;
}

size_t FaultRules::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = rules_.size();
  rules_.clear();
  size_.store(0);
  return n;
}

void FaultRules::ExpireLocked(Clock::time_point now) {
  rules_.erase(std::remove_if(rules_.begin(), rules_.end(),
                              [now](const FaultRule& r) { return r.deadline && *r.deadline <= now; }),
               rules_.end());
  size_.store(rules_.size());
}

void FaultRules::FireLocked(size_t i) {
  FaultRule& r = rules_[i];
  ++r.fired;
  if (r.remaining > 0 && --r.remaining == 0) {
    rules_.erase(rules_.begin() + static_cast<std::ptrdiff_t>(i));
    size_.store(rules_.size());
  }
}

std::string FaultRules::ToJson() {
  std::lock_guard<std::mutex> lock(mu_);
  const auto now = Clock::now();
  ExpireLocked(now);
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  w.Key("rules");
  w.StartArray();
  for (const FaultRule& r : rules_) {
    w.StartObject();
    w.Key("id");
    w.Uint64(r.id);
    w.Key("fault");
    w.String(r.fault);
    w.Key("table");
    w.String(r.table);
    w.Key("namespace");
    w.String(r.ns);
    w.Key("operations");
    w.String(r.operations);
    if (r.key) {
      w.Key("key");
      w.RawValue(r.key_json.data(), r.key_json.size(), rapidjson::kObjectType);
    }
    if (!r.message.empty()) {
      w.Key("message");
      w.String(r.message);
    }
    if (r.items > 0) {
      w.Key("items");
      w.Int64(r.items);
    }
    w.Key("remaining");  // null: until it expires
    if (r.remaining >= 0) w.Int64(r.remaining); else w.Null();
    w.Key("expiresInMs");  // null: when its count is spent
    if (r.deadline) {
      w.Int64(std::chrono::duration_cast<std::chrono::milliseconds>(*r.deadline - now).count());
    } else {
      w.Null();
    }
    w.Key("fired");
    w.Uint64(r.fired);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

std::optional<Error> FaultRules::ErrorFor(const std::string& operation, const std::string& ns,
                                          const JsonValue& request) {
  if (size_.load() == 0) return std::nullopt;
  const std::vector<Target> targets = TargetsOf(operation, request);
  std::lock_guard<std::mutex> lock(mu_);
  ExpireLocked(Clock::now());
  for (size_t i = 0; i < rules_.size(); ++i) {
    const FaultRule& r = rules_[i];
    if (IsHoldBack(r) || !OperationMatches(r.operations, operation) || !NamespaceMatches(r, ns)) {
      continue;
    }
    if (std::none_of(targets.begin(), targets.end(), [&](const Target& t) { return TargetMatches(r, t); })) {
      continue;
    }
    Error e = Injected(r);
    FireLocked(i);
    return e;
  }
  return std::nullopt;
}

size_t FaultRules::UnprocessedFor(const std::string& ns, const std::string& table, const JsonValue& requests,
                                  size_t count) {
  if (size_.load() == 0 || count == 0) return 0;
  Target t;
  t.table = table;
  AddBatchWriteKeys(requests, &t.keys);
  return HeldBack("UnprocessedItems", ns, t, count);
}

size_t FaultRules::UnprocessedKeysFor(const std::string& ns, const std::string& table, const JsonValue& keys,
                                      size_t count) {
  if (size_.load() == 0 || count == 0) return 0;
  Target t;
  t.table = table;
  if (keys.IsObject()) {
    if (const JsonValue* ks = Member(keys, "Keys"); ks && ks->IsArray()) {
      for (const JsonValue& k : ks->GetArray()) t.keys.push_back(&k);
    }
  }
  return HeldBack("UnprocessedKeys", ns, t, count);
}

size_t FaultRules::HeldBack(const std::string& fault, const std::string& ns, const Target& t, size_t count) {
  std::lock_guard<std::mutex> lock(mu_);
  ExpireLocked(Clock::now());
  for (size_t i = 0; i < rules_.size(); ++i) {
    const FaultRule& r = rules_[i];
    if (r.fault != fault || !NamespaceMatches(r, ns) || !TargetMatches(r, t)) continue;
    size_t held = r.items > 0 ? std::min(count, static_cast<size_t>(r.items)) : (count + 1) / 2;
    FireLocked(i);
    return held;
  }
  return 0;
}

}  // namespace ddb::api
