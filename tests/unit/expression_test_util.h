// Helpers the expression tests share: JSON text to a document, an item or an
// ExpressionContext, and an item back to compact DynamoDB JSON. Include after
// catch.hpp (they use REQUIRE).
#pragma once

#include <string>
#include <utility>

#include "api/expression_context.h"
#include "api/item_json.h"
#include "api/json.h"

namespace ddb::api::testing {

inline rapidjson::Document Json(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str(), text.size());
  REQUIRE_FALSE(d.HasParseError());
  return d;
}

inline Item ItemOf(const std::string& json) {
  rapidjson::Document d = Json(json);
  auto item = ParseItem(d);
  REQUIRE(item.ok());
  return std::move(*item);
}

inline std::string ToJson(const Item& item) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  WriteItem(item, w);
  return std::string(buf.GetString(), buf.GetSize());
}

// The context of a request's ExpressionAttributeNames and -Values.
inline ExpressionContext ContextOf(const std::string& request) {
  rapidjson::Document d = Json(request);
  auto ctx = ExpressionContext::Create(Member(d, "ExpressionAttributeNames"), Member(d, "ExpressionAttributeValues"));
  REQUIRE(ctx.ok());
  return std::move(*ctx);
}

}  // namespace ddb::api::testing
