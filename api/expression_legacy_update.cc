// AttributeUpdates converted into an UpdateExpression, and AttributesToGet
// into a Projection (mapping in api/expression_legacy.h).
//
// AttributeUpdates: PUT (the default) -> SET a = v; DELETE without a value ->
// REMOVE a; DELETE with a set -> DELETE a v; ADD with a number, a set or a
// list -> ADD a v (the update is marked legacy, so ADD appends lists). Checks
// and messages as dynalite's suite asserts them: "One or more parameter
// values were invalid: Only DELETE action is allowed when no attribute value
// is specified", "... DELETE action with value is not supported for the type
// S", "... ADD action is not supported for the type S". Not confirmed: the
// enum order in the Action constraint message (DynamoDB Local's
// "[ADD, DELETE, PUT]").
//
// Thread safety: pure functions.
#include <set>
#include <string>
#include <utility>

#include "api/expression_internal.h"
#include "api/expression_legacy.h"
#include "api/item_json.h"

namespace ddb::api {
namespace {

constexpr char kInvalidPrefix[] = "One or more parameter values were invalid: ";

Error InvalidParameter(const std::string& m) { return Error::Validation(kInvalidPrefix + m); }

ApiResult<UpdateAction> ActionOf(const std::string& name, const JsonValue& json) {
  if (!json.IsObject()) return Error::Serialization("Unexpected value type in payload");
  std::string action = "PUT";
  ApiResult<bool> got = GetString(json, "Action", &action);
  if (!got.ok()) return got.error();
  if (action != "PUT" && action != "ADD" && action != "DELETE") {
    return Error::Validation("1 validation error detected: Value '" + action + "' at 'attributeUpdates." + name +
                             ".member.action' failed to satisfy constraint: Member must satisfy enum value set: "
                             "[ADD, DELETE, PUT]");
  }
  UpdateAction out;
  out.path = Path::Attribute(name);
  const JsonValue* value = Member(json, "Value");
  if (value == nullptr) {
    if (action != "DELETE") return InvalidParameter("Only DELETE action is allowed when no attribute value is specified");
    out.kind = UpdateAction::Kind::kRemove;
    return out;
  }
  ApiResult<AttributeValue> parsed = ParseAttributeValue(*value);
  if (!parsed.ok()) return parsed.error();
  AttrType t = parsed->type;
  if (action == "DELETE" && !parsed->is_set()) {
    return InvalidParameter(std::string("DELETE action with value is not supported for the type ") + TypeName(t));
  }
  if (action == "ADD" && !parsed->is_set() && t != AttrType::kN && t != AttrType::kL) {
    return InvalidParameter(std::string("ADD action is not supported for the type ") + TypeName(t));
  }
  out.kind = action == "PUT" ? UpdateAction::Kind::kSet
             : action == "ADD" ? UpdateAction::Kind::kAdd
                               : UpdateAction::Kind::kDelete;
  out.value = Operand::OfValue(std::move(*parsed));
  return out;
}

}  // namespace

ApiResult<UpdateExpression> ConvertAttributeUpdates(const JsonValue& updates) {
  if (!updates.IsObject()) return Error::Serialization("Unexpected field type");
  UpdateExpression out;
  out.legacy = true;
  for (auto m = updates.MemberBegin(); m != updates.MemberEnd(); ++m) {
    ApiResult<UpdateAction> action = ActionOf(std::string(m->name.GetString(), m->name.GetStringLength()), m->value);
    if (!action.ok()) return action.error();
    out.actions.push_back(std::move(*action));
  }
  return out;
}

ApiResult<Projection> ConvertAttributesToGet(const JsonValue& attributes) {
  if (!attributes.IsArray()) return Error::Serialization("Unexpected field type");
  if (attributes.Empty()) {
    return Error::Validation(
        "1 validation error detected: Value '[]' at 'attributesToGet' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1");
  }
  Projection out;
  std::set<std::string> seen;
  for (const JsonValue& a : attributes.GetArray()) {
    if (!a.IsString()) return Error::Serialization(JsonKind(a) + " cannot be converted to String");
    std::string name(a.GetString(), a.GetStringLength());
    if (name.empty()) return InvalidParameter("Empty attribute name");
    if (name.size() > 65535) return InvalidParameter("Attribute name is too large, must be less than 65536 bytes");
    if (!seen.insert(name).second) return InvalidParameter("Duplicate value in attribute name: " + name);
    out.paths.push_back(Path::Attribute(std::move(name)));
  }
  return out;
}

}  // namespace ddb::api
