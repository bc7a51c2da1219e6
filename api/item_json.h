// DynamoDB's JSON form of AttributeValue and Item — {"S":"x"}, {"N":"1.5"},
// {"B":"<base64>"}, {"BOOL":true}, {"NULL":true}, {"M":{...}}, {"L":[...]},
// {"SS":[...]}, {"NS":[...]}, {"BS":[...]} — read with DynamoDB's validation
// and its exact error messages, and written back.
//
// Reading runs in two passes, as DynamoDB does: first the whole value is
// deserialized, so a JSON type mismatch anywhere is a SerializationException
// (e.g. {"S": 5}: "NUMBER_VALUE cannot be converted to String"); then it is
// validated, first error in document order, as a ValidationException. Keys
// that name no type are ignored, as are members whose value is JSON null
// (DynamoDB's deserializer drops both), so {"X": 1} is an empty AttributeValue.
// Empty S and B are accepted (key attributes are checked by the operations).
//
// Not here: key schema checks, attribute name rules, item size limits, and
// the "1 validation error detected" wrappers some operations add.
//
// Thread safety: pure functions.
#pragma once


#include "api/attribute_value.h"
#include "api/error.h"
#include "api/json.h"

namespace ddb::api {

// One AttributeValue object, e.g. an ExpressionAttributeValues entry. Its
// level is 1: it may hold values nested kMaxNestingLevels deep in all.
ApiResult<AttributeValue> ParseAttributeValue(const rapidjson::Value& v);

// A JSON object of attribute name -> AttributeValue: Item, Key,
// ExclusiveStartKey, ExpressionAttributeValues. JSON null reads as an empty
// item. When a name repeats, the last value wins.
ApiResult<Item> ParseItem(const rapidjson::Value& v);

// DynamoDB's wire JSON. B and BS are base64-encoded; sets come out in the
// model's (sorted) order.
void WriteAttributeValue(const AttributeValue& v, rapidjson::Writer<rapidjson::StringBuffer>& w);
void WriteItem(const Item& item, rapidjson::Writer<rapidjson::StringBuffer>& w);

}  // namespace ddb::api
