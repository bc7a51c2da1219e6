// ExpressionContext (the request's placeholder maps), the request-level
// parameter checks, and the entry points that chain parse and validation.
//
// Messages are DynamoDB's, as asserted by dynalite's suite and
// nubo-db/dynamodb-conformance (captured from AWS). The per-operation lists of
// expression and legacy parameters, in the order DynamoDB names them in
// "Can not use both expression and non-expression parameters", are
// dynalite's. Not confirmed: ConditionalOperator in the legacy lists of
// PutItem, DeleteItem and UpdateItem; the wording for an empty name in
// ExpressionAttributeNames; the last of two equal keys winning; the
// SerializationException wording for maps of the wrong JSON type.
//
// Thread safety: a context belongs to one request.
#include <algorithm>
#include <cctype>
#include <utility>

#include "api/expression_internal.h"
#include "api/item_json.h"

namespace ddb::api {
namespace {

struct ParameterLists {
  std::vector<const char*> expressions;
  std::vector<const char*> legacy;
};

ParameterLists ListsFor(ExpressionOperation op) {
  switch (op) {
    case ExpressionOperation::kGetItem:
    case ExpressionOperation::kBatchGetTable: return {{"ProjectionExpression"}, {"AttributesToGet"}};
    case ExpressionOperation::kPutItem:
    case ExpressionOperation::kDeleteItem: return {{"ConditionExpression"}, {"Expected", "ConditionalOperator"}};
    case ExpressionOperation::kUpdateItem:
      return {{"UpdateExpression", "ConditionExpression"}, {"AttributeUpdates", "Expected", "ConditionalOperator"}};
    case ExpressionOperation::kQuery:
      return {{"ProjectionExpression", "FilterExpression", "KeyConditionExpression"},
              {"AttributesToGet", "QueryFilter", "ConditionalOperator", "KeyConditions"}};
    case ExpressionOperation::kScan:
      return {{"ProjectionExpression", "FilterExpression"}, {"AttributesToGet", "ScanFilter", "ConditionalOperator"}};
    case ExpressionOperation::kTransactGet: return {{"ProjectionExpression"}, {}};
    case ExpressionOperation::kConditionCheck: return {{"ConditionExpression"}, {}};
  }
  return {};
}

std::vector<const char*> Given(const JsonValue& request, const std::vector<const char*>& names) {
  std::vector<const char*> out;
  for (const char* n : names) {
    if (Member(request, n) != nullptr) out.push_back(n);
  }
  return out;
}

std::string Joined(const std::vector<const char*>& names, const char* separator) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) out += (i > 0 ? separator : "") + std::string(names[i]);
  return out;
}

// ^[#:][0-9A-Za-z_]+$
bool ValidKey(const std::string& key, char sigil) {
  if (key.size() < 2 || key[0] != sigil) return false;
  for (size_t i = 1; i < key.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(key[i]);
    if (!std::isalnum(c) && c != '_') return false;
  }
  return true;
}

std::string KeyOf(const rapidjson::Value& name) { return std::string(name.GetString(), name.GetStringLength()); }

template <typename V>
void Put(std::vector<std::pair<std::string, V>>* list, std::string key, V value) {
  for (auto& [k, v] : *list) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  list->emplace_back(std::move(key), std::move(value));
}

Error InvalidKey(const char* map, const std::string& key) {
  return Error::Validation(std::string(map) + " contains invalid key: Syntax error; key: \"" + key + "\"");
}

ApiResult<std::vector<std::pair<std::string, std::string>>> ReadNames(const JsonValue& names) {
  if (!names.IsObject()) return Error::Serialization("Unexpected field type");
  for (auto m = names.MemberBegin(); m != names.MemberEnd(); ++m) {
    if (!m->value.IsString()) return Error::Serialization(JsonKind(m->value) + " cannot be converted to String");
  }
  if (names.MemberCount() == 0) return Error::Validation("ExpressionAttributeNames must not be empty");
  std::vector<std::pair<std::string, std::string>> out;
  for (auto m = names.MemberBegin(); m != names.MemberEnd(); ++m) {
    std::string key = KeyOf(m->name);
    if (!ValidKey(key, '#')) return InvalidKey("ExpressionAttributeNames", key);
    Put(&out, key, KeyOf(m->value));
  }
  for (const auto& [key, name] : out) {
    if (name.empty()) {
      return Error::Validation("ExpressionAttributeNames contains invalid value: Empty attribute name for key " + key);
    }
    // Wording not confirmed; the limit is DynamoDB's (64 KB attribute names).
    if (name.size() > 65535) {
      return Error::Validation(
          "ExpressionAttributeNames contains invalid value: Attribute name is too large, must be less than 65536 "
          "bytes for key " + key);
    }
  }
  return out;
}

ApiResult<std::vector<std::pair<std::string, AttributeValue>>> ReadValues(const JsonValue& values) {
  if (!values.IsObject()) return Error::Serialization("Unexpected field type");
  std::vector<ApiResult<AttributeValue>> parsed;
  for (auto m = values.MemberBegin(); m != values.MemberEnd(); ++m) {
    parsed.push_back(ParseAttributeValue(m->value));
    if (!parsed.back().ok() && parsed.back().error().type == "SerializationException") return parsed.back().error();
  }
  if (values.MemberCount() == 0) return Error::Validation("ExpressionAttributeValues must not be empty");
  for (auto m = values.MemberBegin(); m != values.MemberEnd(); ++m) {
    if (!ValidKey(KeyOf(m->name), ':')) return InvalidKey("ExpressionAttributeValues", KeyOf(m->name));
  }
  std::vector<std::pair<std::string, AttributeValue>> out;
  size_t i = 0;
  for (auto m = values.MemberBegin(); m != values.MemberEnd(); ++m, ++i) {
    if (!parsed[i].ok()) {
      return Error::Validation("ExpressionAttributeValues contains invalid value: " + parsed[i].error().message +
                               " for key " + KeyOf(m->name));
    }
    Put(&out, KeyOf(m->name), std::move(*parsed[i]));
  }
  return out;
}

template <typename V>
std::vector<std::string> Unused(const std::vector<std::pair<std::string, V>>& all, const std::set<std::string>& used) {
  std::vector<std::string> out;
  for (const auto& entry : all) {
    if (used.count(entry.first) == 0) out.push_back(entry.first);
  }
  return out;
}

std::string Braced(const std::vector<std::string>& keys) {
  std::string out = "{";
  for (size_t i = 0; i < keys.size(); ++i) out += (i > 0 ? ", " : "") + keys[i];
  return out + "}";
}

}  // namespace

const char* ExpressionParameter(ExpressionKind kind) {
  switch (kind) {
    case ExpressionKind::kCondition: return "ConditionExpression";
    case ExpressionKind::kFilter: return "FilterExpression";
    case ExpressionKind::kKeyCondition: return "KeyConditionExpression";
    case ExpressionKind::kUpdate: return "UpdateExpression";
    case ExpressionKind::kProjection: return "ProjectionExpression";
  }
  return "?";
}

ApiResult<bool> CheckExpressionParameters(const JsonValue& request, ExpressionOperation operation) {
  ParameterLists lists = ListsFor(operation);
  std::vector<const char*> expressions = Given(request, lists.expressions);
  if (!expressions.empty()) {
    std::vector<const char*> legacy = Given(request, lists.legacy);
    // Query may pair the legacy KeyConditions with FilterExpression.
    if (Member(request, "KeyConditionExpression") == nullptr) {
      legacy.erase(std::remove_if(legacy.begin(), legacy.end(),
                                  [](const char* n) { return std::string(n) == "KeyConditions"; }),
                   legacy.end());
    }
    if (!legacy.empty()) {
      return Error::Validation(
          "Can not use both expression and non-expression parameters in the same request: Non-expression "
          "parameters: {" + Joined(legacy, ", ") + "} Expression parameters: {" + Joined(expressions, ", ") + "}");
    }
  }
  if (Member(request, "ExpressionAttributeNames") != nullptr && expressions.empty()) {
    return Error::Validation("ExpressionAttributeNames can only be specified when using expressions");
  }
  std::vector<const char*> value_expressions;
  for (const char* e : lists.expressions) {
    if (std::string(e) != "ProjectionExpression") value_expressions.push_back(e);
  }
  bool uses_values = !Given(request, value_expressions).empty();
  if (Member(request, "ExpressionAttributeValues") != nullptr && !value_expressions.empty() && !uses_values) {
    return Error::Validation("ExpressionAttributeValues can only be specified when using expressions: " +
                             Joined(value_expressions, " and ") + (value_expressions.size() > 1 ? " are" : " is") +
                             " null");
  }
  return true;
}

ApiResult<ExpressionContext> ExpressionContext::Create(const JsonValue* names, const JsonValue* values) {
  ExpressionContext ctx;
  if (names != nullptr) {
    auto read = ReadNames(*names);
    if (!read.ok()) return read.error();
    ctx.names_ = std::move(*read);
  }
  if (values != nullptr) {
    auto read = ReadValues(*values);
    if (!read.ok()) return read.error();
    ctx.values_ = std::move(*read);
  }
  return ctx;
}

const std::string* ExpressionContext::ResolveName(const std::string& ref) {
  for (const auto& [key, name] : names_) {
    if (key == ref) {
      used_names_.insert(ref);
      return &name;
    }
  }
  return nullptr;
}

const AttributeValue* ExpressionContext::ResolveValue(const std::string& ref) {
  for (const auto& [key, value] : values_) {
    if (key == ref) {
      used_values_.insert(ref);
      return &value;
    }
  }
  return nullptr;
}

ApiResult<bool> ExpressionContext::CheckAllUsed() const {
  std::vector<std::string> names = Unused(names_, used_names_);
  if (!names.empty()) {
    return Error::Validation("Value provided in ExpressionAttributeNames unused in expressions: keys: " + Braced(names));
  }
  std::vector<std::string> values = Unused(values_, used_values_);
  if (!values.empty()) {
    return Error::Validation("Value provided in ExpressionAttributeValues unused in expressions: keys: " +
                             Braced(values));
  }
  return true;
}

ApiResult<Condition> ExpressionContext::ParseCondition(std::string_view text, ExpressionKind kind) {
  auto parsed = expr::ParseConditionSyntax(text, kind);
  if (!parsed.ok()) return parsed.error();
  auto valid = expr::ValidateCondition(&*parsed, kind, *this);
  if (!valid.ok()) return valid.error();
  return std::move(parsed->tree);
}

ApiResult<UpdateExpression> ExpressionContext::ParseUpdate(std::string_view text) {
  auto parsed = expr::ParseUpdateSyntax(text);
  if (!parsed.ok()) return parsed.error();
  auto valid = expr::ValidateUpdate(&*parsed, *this);
  if (!valid.ok()) return valid.error();
  return std::move(parsed->tree);
}

ApiResult<Projection> ExpressionContext::ParseProjection(std::string_view text) {
  auto parsed = expr::ParseProjectionSyntax(text);
  if (!parsed.ok()) return parsed.error();
  auto valid = expr::ValidateProjection(&*parsed, *this);
  if (!valid.ok()) return valid.error();
  return std::move(*parsed);
}

}  // namespace ddb::api
