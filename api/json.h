// JSON access for api/: RapidJSON configured safely, and checked accessors.
//
// The build defines RAPIDJSON_ASSERT for every file of api/ as an always-on
// check that aborts (never an assert compiled out), and RAPIDJSON_HAS_STDSTRING.
// Bodies are parsed iteratively (no recursion on input nesting), after a
// pre-scan that rejects nesting deeper than kMaxJsonDepth, because RapidJSON's
// DOM destructor recurses.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "base/check.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "api/error.h"

namespace ddb::api {

using JsonValue = rapidjson::Value;
using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

constexpr int kMaxJsonDepth = 128;

// Parses a request body that must be a JSON object. SerializationException
// on malformed or too deeply nested JSON.
ApiResult<bool> ParseBody(std::string_view body, rapidjson::Document* doc);

// A member of an object; nullptr when absent or JSON null (DynamoDB treats
// both as "not given").
const JsonValue* Member(const JsonValue& obj, const char* name);

// Typed readers: ok(false) when absent, ok(true) when read, an error
// (SerializationException with DynamoDB's wording) when of the wrong type.
ApiResult<bool> GetString(const JsonValue& obj, const char* name, std::string* out);
ApiResult<bool> GetBool(const JsonValue& obj, const char* name, bool* out);
ApiResult<bool> GetInt64(const JsonValue& obj, const char* name, int64_t* out);
// Object and array members: out points into obj.
ApiResult<bool> GetObject(const JsonValue& obj, const char* name, const JsonValue** out);
ApiResult<bool> GetArray(const JsonValue& obj, const char* name, const JsonValue** out);

// The wording DynamoDB uses for a JSON value of the wrong kind, e.g.
// "NUMBER_VALUE cannot be converted to String".
std::string JsonKind(const JsonValue& v);

}  // namespace ddb::api
