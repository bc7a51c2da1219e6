// Safe JSON parsing and the checked accessors of api/json.h.
#include "api/json.h"

namespace ddb::api {

namespace {
// Deepest nesting of objects/arrays in `body`, ignoring brackets in strings.
// Stops counting once past the limit.
int MaxDepth(std::string_view body) {
  int depth = 0, max_depth = 0;
  bool in_string = false, escaped = false;
  for (char c : body) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '{' || c == '[') {
      if (++depth > max_depth) max_depth = depth;
      if (max_depth > kMaxJsonDepth) return max_depth;
    } else if (c == '}' || c == ']') --depth;
  }
  return max_depth;
}

Error WrongType(const JsonValue& v, const char* expected) {
  return Error::Serialization(JsonKind(v) + " cannot be converted to " + expected);
}
}  // namespace

std::string JsonKind(const JsonValue& v) {
  switch (v.GetType()) {
    case rapidjson::kNullType: return "NULL_VALUE";
    case rapidjson::kFalseType: return "FALSE_VALUE";
    case rapidjson::kTrueType: return "TRUE_VALUE";
    case rapidjson::kObjectType: return "START_OBJECT";
    case rapidjson::kArrayType: return "START_ARRAY";
    case rapidjson::kStringType: return "VALUE_STRING";
    case rapidjson::kNumberType: return (v.IsInt64() || v.IsUint64()) ? "NUMBER_VALUE" : "DECIMAL_VALUE";
  }
  return "UNKNOWN";
}

ApiResult<bool> ParseBody(std::string_view body, rapidjson::Document* doc) {
  if (MaxDepth(body) > kMaxJsonDepth) {
    return Error::Serialization("Nesting depth of the request exceeds the supported limit");
  }
  // Recursive: MaxDepth bounds its depth. Strings must be valid UTF-8:
  // what is accepted is stored and echoed back (in items, names, error
  // messages), and invalid bytes there make an answer that is not JSON.
  doc->Parse<rapidjson::kParseValidateEncodingFlag>(body.data(), body.size());
  // DynamoDB answers malformed JSON, and bytes that are not UTF-8, with a
  // SerializationException that has no message.
  if (doc->HasParseError()) return Error::Serialization("");
  if (!doc->IsObject()) return Error::Serialization("Start of structure or map found where not expected");
  return true;
}

const JsonValue* Member(const JsonValue& obj, const char* name) {
  if (!obj.IsObject()) return nullptr;
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || it->value.IsNull()) return nullptr;
  return &it->value;
}

ApiResult<bool> GetString(const JsonValue& obj, const char* name, std::string* out) {
  const JsonValue* v = Member(obj, name);
  if (v == nullptr) return false;
  if (!v->IsString()) return WrongType(*v, "String");
  out->assign(v->GetString(), v->GetStringLength());
  return true;
}

ApiResult<bool> GetBool(const JsonValue& obj, const char* name, bool* out) {
  const JsonValue* v = Member(obj, name);
  if (v == nullptr) return false;
  if (!v->IsBool()) return WrongType(*v, "Boolean");
  *out = v->GetBool();
  return true;
}

ApiResult<bool> GetInt64(const JsonValue& obj, const char* name, int64_t* out) {
  const JsonValue* v = Member(obj, name);
  if (v == nullptr) return false;
  if (v->IsInt64()) {
    *out = v->GetInt64();
    return true;
  }
  if (v->IsNumber()) return Error::Serialization("Number out of range of a Long: " + std::to_string(v->GetDouble()));
  return WrongType(*v, "Long");
}

ApiResult<bool> GetObject(const JsonValue& obj, const char* name, const JsonValue** out) {
  const JsonValue* v = Member(obj, name);
  if (v == nullptr) return false;
  if (!v->IsObject()) return WrongType(*v, "Map");
  *out = v;
  return true;
}

ApiResult<bool> GetArray(const JsonValue& obj, const char* name, const JsonValue** out) {
  const JsonValue* v = Member(obj, name);
  if (v == nullptr) return false;
  if (!v->IsArray()) return WrongType(*v, "List");
  *out = v;
  return true;
}

}  // namespace ddb::api
