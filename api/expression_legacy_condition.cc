// Expected, QueryFilter, ScanFilter and KeyConditions converted into
// conditions and key terms (mapping in api/expression_legacy.h).
//
// Checks and messages are DynamoDB's as dynalite's suite asserts them, in its
// order: per attribute, Value with AttributeValueList, Exists with
// ComparisonOperator, a missing Value, the argument count ("One or more
// parameter values were invalid: Invalid number of argument(s) for the EQ
// ComparisonOperator"), mixed types, types the operator does not take
// ("ComparisonOperator LT is not valid for L AttributeValue type"), and a
// BETWEEN range out of order; then ConditionalOperator ("ConditionalOperator
// cannot be used without Filter or Expected", DynamoDB Local's wording).
// Not confirmed: that EQ and NE take every type (dynalite restricts them in
// filters to scalars and sets); that Expected applies the per-operator type
// rule (ScyllaDB's suite shows lists rejected for LE, IN, BETWEEN, CONTAINS);
// the serialization wording for members of the wrong JSON type. Not done:
// DynamoDB Local's "ConditionalOperator can only be used when Filter or
// Expected has two or more elements", which real DynamoDB may not enforce.
//
// Thread safety: pure functions.
#include <cctype>
#include <string>
#include <utility>

#include "api/expression_internal.h"
#include "api/expression_legacy.h"
#include "api/item_json.h"

namespace ddb::api {
namespace {

constexpr char kInvalidPrefix[] = "One or more parameter values were invalid: ";
constexpr char kOperatorEnum[] =
    "[IN, NULL, BETWEEN, LT, NOT_CONTAINS, EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]";

using MaybeError = std::optional<Error>;

Error InvalidParameter(const std::string& m) { return Error::Validation(kInvalidPrefix + m); }

Error Constraint(const std::string& shown, const std::string& where, const std::string& what) {
  return Error::Validation("1 validation error detected: Value " + shown + " at '" + where +
                           "' failed to satisfy constraint: " + what);
}

std::string LowerFirst(const std::string& s) {
  std::string out = s;
  if (!out.empty()) out[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(out[0])));
  return out;
}

// One attribute's entry of Expected or of a filter, as read from JSON.
struct Entry {
  std::string name;
  std::optional<ComparisonOperator> op;
  bool has_list = false;
  std::vector<AttributeValue> list;
  std::optional<AttributeValue> value;
  std::optional<bool> exists;
};

MaybeError ReadOperator(const JsonValue& json, const std::string& where, Entry* e) {
  std::string name;
  ApiResult<bool> got = GetString(json, "ComparisonOperator", &name);
  if (!got.ok()) return got.error();
  if (!*got) return std::nullopt;
  e->op = ParseComparisonOperator(name);
  if (!e->op) return Constraint("'" + name + "'", where, std::string("Member must satisfy enum value set: ") + kOperatorEnum);
  return std::nullopt;
}

MaybeError ReadValues(const JsonValue& json, Entry* e) {
  const JsonValue* list = nullptr;
  ApiResult<bool> got = GetArray(json, "AttributeValueList", &list);
  if (!got.ok()) return got.error();
  e->has_list = *got;
  if (e->has_list) {
    for (const JsonValue& v : list->GetArray()) {
      ApiResult<AttributeValue> parsed = ParseAttributeValue(v);
      if (!parsed.ok()) return parsed.error();
      e->list.push_back(std::move(*parsed));
    }
  }
  if (const JsonValue* value = Member(json, "Value")) {
    ApiResult<AttributeValue> parsed = ParseAttributeValue(*value);
    if (!parsed.ok()) return parsed.error();
    e->value = std::move(*parsed);
  }
  return std::nullopt;
}

ApiResult<Entry> ReadEntry(const std::string& name, const JsonValue& json, const std::string& where) {
  if (!json.IsObject()) return Error::Serialization("Unexpected value type in payload");
  Entry e;
  e.name = name;
  if (MaybeError err = ReadOperator(json, where, &e)) return *err;
  if (MaybeError err = ReadValues(json, &e)) return *err;
  bool exists = false;
  ApiResult<bool> got = GetBool(json, "Exists", &exists);
  if (!got.ok()) return got.error();
  if (*got) e.exists = exists;
  return e;
}

bool CountOk(ComparisonOperator op, size_t n) {
  switch (op) {
    case ComparisonOperator::kNull:
    case ComparisonOperator::kNotNull: return n == 0;
    case ComparisonOperator::kIn: return n >= 1;
    case ComparisonOperator::kBetween: return n == 2;
    default: return n == 1;
  }
}

bool TypeOk(ComparisonOperator op, AttrType t) {
  switch (op) {
    case ComparisonOperator::kEq:
    case ComparisonOperator::kNe: return true;
    case ComparisonOperator::kBeginsWith: return t == AttrType::kS || t == AttrType::kB;
    default: return expr::IsScalarType(t);
  }
}

// The argument rules shared by Expected and the filters.
MaybeError CheckArguments(ComparisonOperator op, const std::vector<AttributeValue>& values) {
  const char* name = ComparisonOperatorName(op);
  if (!CountOk(op, values.size())) {
    return InvalidParameter(std::string("Invalid number of argument(s) for the ") + name + " ComparisonOperator");
  }
  for (const AttributeValue& v : values) {
    if (v.type != values[0].type) {
      return InvalidParameter("AttributeValues inside AttributeValueList must be of same type");
    }
  }
  for (const AttributeValue& v : values) {
    if (!TypeOk(op, v.type)) {
      return InvalidParameter(std::string("ComparisonOperator ") + name + " is not valid for " + TypeName(v.type) +
                              " AttributeValue type");
    }
  }
  if (op == ComparisonOperator::kBetween && expr::CompareScalars(values[0], values[1]) > 0) {
    return Error::Validation("The BETWEEN condition was provided a range where the lower bound is greater than the upper bound");
  }
  return std::nullopt;
}

// The values an entry compares with: AttributeValueList, or Value.
std::vector<AttributeValue> ValuesOf(const Entry& e) {
  std::vector<AttributeValue> values = e.list;
  if (!e.has_list && e.value) values.push_back(*e.value);
  return values;
}

MaybeError CheckExpectedEntry(const Entry& e) {
  const std::string attribute = " for Attribute: " + e.name;
  if (e.has_list && e.value) return InvalidParameter("Value and AttributeValueList cannot be used together" + attribute);
  if (e.op) {
    if (e.exists) return InvalidParameter("Exists and ComparisonOperator cannot be used together" + attribute);
    bool needs_values = *e.op != ComparisonOperator::kNull && *e.op != ComparisonOperator::kNotNull;
    if (needs_values && !e.has_list && !e.value) {
      return InvalidParameter(std::string("Value or AttributeValueList must be used with ComparisonOperator: ") +
                              ComparisonOperatorName(*e.op) + attribute);
    }
    return CheckArguments(*e.op, ValuesOf(e));
  }
  if (e.has_list) return InvalidParameter("AttributeValueList can only be used with a ComparisonOperator" + attribute);
  bool exists = e.exists.value_or(true);
  if (exists && !e.value) {
    return InvalidParameter(std::string("Value must be provided when Exists is ") +
                            (e.exists ? "true" : "null") + attribute);
  }
  if (!exists && e.value) return InvalidParameter("Value cannot be used when Exists is false" + attribute);
  return std::nullopt;
}

Condition Compare(CompareOp op, const std::string& name, const AttributeValue& v) {
  Condition c;
  c.kind = Condition::Kind::kCompare;
  c.op = op;
  c.operands = {Operand::OfPath(Path::Attribute(name)), Operand::OfValue(v)};
  return c;
}

Condition Call(const char* function, const std::string& name, const std::vector<AttributeValue>& values) {
  Condition c;
  c.kind = Condition::Kind::kCall;
  c.function = function;
  c.operands.push_back(Operand::OfPath(Path::Attribute(name)));
  for (const AttributeValue& v : values) c.operands.push_back(Operand::OfValue(v));
  return c;
}

Condition Combine(Condition::Kind kind, std::vector<Condition> parts) {
  if (parts.size() == 1) return std::move(parts[0]);
  Condition c;
  c.kind = kind;
  c.children = std::move(parts);
  return c;
}

Condition ConditionOf(ComparisonOperator op, const std::string& name, const std::vector<AttributeValue>& values) {
  switch (op) {
    case ComparisonOperator::kEq: return Compare(CompareOp::kEq, name, values[0]);
    case ComparisonOperator::kNe: return Compare(CompareOp::kNe, name, values[0]);
    case ComparisonOperator::kLt: return Compare(CompareOp::kLt, name, values[0]);
    case ComparisonOperator::kLe: return Compare(CompareOp::kLe, name, values[0]);
    case ComparisonOperator::kGt: return Compare(CompareOp::kGt, name, values[0]);
    case ComparisonOperator::kGe: return Compare(CompareOp::kGe, name, values[0]);
    case ComparisonOperator::kNotNull: return Call("attribute_exists", name, {});
    case ComparisonOperator::kNull: return Call("attribute_not_exists", name, {});
    case ComparisonOperator::kContains: return Call("contains", name, values);
    case ComparisonOperator::kBeginsWith: return Call("begins_with", name, values);
    case ComparisonOperator::kNotContains: {
      Condition negated;
      negated.kind = Condition::Kind::kNot;
      negated.children.push_back(Call("contains", name, values));
      std::vector<Condition> parts;
      parts.push_back(Call("attribute_exists", name, {}));
      parts.push_back(std::move(negated));
      return Combine(Condition::Kind::kAnd, std::move(parts));
    }
    case ComparisonOperator::kIn:
    case ComparisonOperator::kBetween: {
      Condition c;
      c.kind = op == ComparisonOperator::kIn ? Condition::Kind::kIn : Condition::Kind::kBetween;
      c.operands.push_back(Operand::OfPath(Path::Attribute(name)));
      for (const AttributeValue& v : values) c.operands.push_back(Operand::OfValue(v));
      return c;
    }
  }
  return Condition();
}

Condition ExpectedCondition(const Entry& e) {
  if (e.op) return ConditionOf(*e.op, e.name, ValuesOf(e));
  if (!e.exists.value_or(true)) return Call("attribute_not_exists", e.name, {});
  return Compare(CompareOp::kEq, e.name, *e.value);
}

// AND unless ConditionalOperator says OR; errors when given without conditions.
ApiResult<Condition::Kind> Joiner(const JsonValue* conditional_operator, size_t conditions) {
  if (conditional_operator == nullptr) return Condition::Kind::kAnd;
  std::string op;
  if (!conditional_operator->IsString()) {
    return Error::Serialization(JsonKind(*conditional_operator) + " cannot be converted to String");
  }
  op.assign(conditional_operator->GetString(), conditional_operator->GetStringLength());
  if (op != "AND" && op != "OR") {
    return Constraint("'" + op + "'", "conditionalOperator", "Member must satisfy enum value set: [AND, OR]");
  }
  if (conditions == 0) return Error::Validation("ConditionalOperator cannot be used without Filter or Expected");
  return op == "AND" ? Condition::Kind::kAnd : Condition::Kind::kOr;
}

template <typename Fn>
ApiResult<std::vector<Entry>> ReadEntries(const JsonValue& map, const std::string& parameter, Fn&& check) {
  if (!map.IsObject()) return Error::Serialization("Unexpected field type");
  std::vector<Entry> entries;
  for (auto m = map.MemberBegin(); m != map.MemberEnd(); ++m) {
    std::string name(m->name.GetString(), m->name.GetStringLength());
    std::string where = LowerFirst(parameter) + "." + name + ".member.comparisonOperator";
    ApiResult<Entry> e = ReadEntry(name, m->value, where);
    if (!e.ok()) return e.error();
    if (MaybeError err = check(*e, where)) return *err;
    entries.push_back(std::move(*e));
  }
  return entries;
}

MaybeError CheckFilterEntry(const Entry& e, const std::string& where) {
  if (!e.op) return Constraint("null", where, "Member must not be null");
  return CheckArguments(*e.op, e.list);
}

ApiResult<std::optional<Condition>> Join(std::vector<Condition> parts, const JsonValue* conditional_operator) {
  ApiResult<Condition::Kind> joiner = Joiner(conditional_operator, parts.size());
  if (!joiner.ok()) return joiner.error();
  if (parts.empty()) return std::optional<Condition>();
  return std::optional<Condition>(Combine(*joiner, std::move(parts)));
}

}  // namespace

ApiResult<std::optional<Condition>> ConvertExpected(const JsonValue* expected, const JsonValue* conditional_operator) {
  std::vector<Condition> parts;
  if (expected != nullptr) {
    auto entries = ReadEntries(*expected, "Expected", [](const Entry& e, const std::string&) {
      return CheckExpectedEntry(e);
    });
    if (!entries.ok()) return entries.error();
    for (const Entry& e : *entries) parts.push_back(ExpectedCondition(e));
  }
  return Join(std::move(parts), conditional_operator);
}

ApiResult<std::optional<Condition>> ConvertFilter(const JsonValue* filter, const JsonValue* conditional_operator,
                                                  const char* parameter) {
  std::vector<Condition> parts;
  if (filter != nullptr) {
    auto entries = ReadEntries(*filter, parameter, CheckFilterEntry);
    if (!entries.ok()) return entries.error();
    for (const Entry& e : *entries) parts.push_back(ConditionOf(*e.op, e.name, e.list));
  }
  return Join(std::move(parts), conditional_operator);
}

ApiResult<std::vector<KeyTerm>> ConvertKeyConditions(const JsonValue& key_conditions, size_t max_terms) {
  auto entries = ReadEntries(key_conditions, "KeyConditions", CheckFilterEntry);
  if (!entries.ok()) return entries.error();
  if (entries->empty() || entries->size() > max_terms) return Error::Validation("Conditions can be of length 1 or 2 only");
  std::vector<KeyTerm> terms;
  for (Entry& e : *entries) terms.push_back(KeyTerm{e.name, *e.op, std::move(e.list)});
  return terms;
}

}  // namespace ddb::api
