// Key conditions: a validated KeyConditionExpression tree to key terms, the
// terms bound to a key schema, and matching key values against a term.
//
// The rules and messages are DynamoDB's, as dynalite's suite asserts them:
// only AND joins conditions; a condition names exactly one top-level key
// attribute and compares it with constants (=, <, <=, >, >=, BETWEEN,
// begins_with); "a > b"-style operands on the right are flipped ("<"); at most
// two conditions. Binding follows dynalite's Query (which follows DynamoDB's):
// the hash key needs "=", the range key any of the above.
//
// Thread safety: pure functions.
#include <string>
#include <utility>

#include "api/expression_internal.h"

namespace ddb::api {
namespace {

using MaybeMessage = expr::MaybeMessage;

constexpr char kInvalidOperator[] = "Invalid operator used in KeyConditionExpression: ";
constexpr char kInvalidCondition[] = "Invalid condition in KeyConditionExpression: ";

ComparisonOperator KeyOperator(CompareOp op, bool flipped) {
  switch (op) {
    case CompareOp::kLt: return flipped ? ComparisonOperator::kGt : ComparisonOperator::kLt;
    case CompareOp::kLe: return flipped ? ComparisonOperator::kGe : ComparisonOperator::kLe;
    case CompareOp::kGt: return flipped ? ComparisonOperator::kLt : ComparisonOperator::kGt;
    case CompareOp::kGe: return flipped ? ComparisonOperator::kLe : ComparisonOperator::kGe;
    default: return ComparisonOperator::kEq;
  }
}

MaybeMessage CheckOperatorAllowed(const Condition& c) {
  switch (c.kind) {
    case Condition::Kind::kOr: return std::string(kInvalidOperator) + "OR";
    case Condition::Kind::kNot: return std::string(kInvalidOperator) + "NOT";
    case Condition::Kind::kIn: return std::string(kInvalidOperator) + "IN";
    case Condition::Kind::kCompare:
      if (c.op == CompareOp::kNe) return std::string(kInvalidOperator) + "<>";
      return std::nullopt;
    case Condition::Kind::kCall:
      if (c.function != "begins_with") return kInvalidOperator + c.function;
      if (c.operands[0].kind != Operand::Kind::kPath) {
        return std::string(kInvalidCondition) + "begins_with operator must have the key attribute as its first operand";
      }
      return std::nullopt;
    case Condition::Kind::kBetween:
      if (c.operands[0].kind != Operand::Kind::kPath) {
        return std::string(kInvalidCondition) + "BETWEEN operator must have the key attribute as its first operand";
      }
      return std::nullopt;
    default: return std::nullopt;
  }
}

// One predicate to a term: exactly one top-level path, the rest constants.
MaybeMessage TermOf(const Condition& c, std::vector<KeyTerm>* terms) {
  const Path* key = nullptr;
  size_t key_index = 0;
  KeyTerm term;
  for (size_t i = 0; i < c.operands.size(); ++i) {
    const Operand& op = c.operands[i];
    if (op.kind == Operand::Kind::kCall) return "KeyConditionExpressions cannot contain nested operations";
    if (op.kind == Operand::Kind::kValue) {
      term.values.push_back(op.value);
      continue;
    }
    if (key != nullptr) return std::string(kInvalidCondition) + "Multiple attribute names used in one condition";
    if (op.path.nested()) return "KeyConditionExpressions cannot have conditions on nested attributes";
    key = &op.path;
    key_index = i;
  }
  if (key == nullptr) return std::string(kInvalidCondition) + "No key attribute specified";
  for (const KeyTerm& t : *terms) {
    if (t.name == key->top()) return "KeyConditionExpressions must only contain one condition per key";
  }
  term.name = key->top();
  if (c.kind == Condition::Kind::kBetween) {
    term.op = ComparisonOperator::kBetween;
  } else if (c.kind == Condition::Kind::kCall) {
    term.op = ComparisonOperator::kBeginsWith;
  } else {
    term.op = KeyOperator(c.op, key_index != 0);
  }
  terms->push_back(std::move(term));
  return std::nullopt;
}

MaybeMessage CollectTerms(const Condition& c, std::vector<KeyTerm>* terms) {
  if (MaybeMessage m = CheckOperatorAllowed(c)) return m;
  if (c.kind != Condition::Kind::kAnd) return TermOf(c, terms);
  for (const Condition& child : c.children) {
    if (MaybeMessage m = CollectTerms(child, terms)) return m;
  }
  return std::nullopt;
}

bool Indexable(ComparisonOperator op) {
  switch (op) {
    case ComparisonOperator::kEq:
    case ComparisonOperator::kLt:
    case ComparisonOperator::kLe:
    case ComparisonOperator::kGt:
    case ComparisonOperator::kGe:
    case ComparisonOperator::kBetween:
    case ComparisonOperator::kBeginsWith: return true;
    default: return false;
  }
}

const KeyTerm* FindTerm(const std::vector<KeyTerm>& terms, const std::string& name) {
  for (const KeyTerm& t : terms) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

// Checks one key attribute's term; `out` is null when the (range) attribute
// has none and needs none.
MaybeMessage BindOne(const std::vector<KeyTerm>& terms, const KeyAttribute& attr, bool is_hash, bool has_range,
                     const KeyTerm** out) {
  if (is_hash && !has_range && terms.size() > 1) return "Query key condition not supported";
  *out = FindTerm(terms, attr.name);
  if (*out == nullptr) {
    if (is_hash || terms.size() > 1) return "Query condition missed key schema element: " + attr.name;
    return std::nullopt;
  }
  if (!Indexable((*out)->op)) return "Attempted conditional constraint is not an indexable operation";
  for (const AttributeValue& v : (*out)->values) {
    if (v.type != attr.type) {
      return "One or more parameter values were invalid: Condition parameter type does not match schema type";
    }
  }
  if (is_hash && (*out)->op != ComparisonOperator::kEq) return "Query key condition not supported";
  return std::nullopt;
}

}  // namespace

ApiResult<std::vector<KeyTerm>> KeyConditionTerms(const Condition& tree) {
  std::vector<KeyTerm> terms;
  if (MaybeMessage m = CollectTerms(tree, &terms)) return Error::Validation(*m);
  if (terms.size() != 1 && terms.size() != 2) return Error::Validation("Conditions can be of length 1 or 2 only");
  return terms;
}

ApiResult<KeyCondition> BindKeyCondition(const std::vector<KeyTerm>& terms, const KeyAttribute& hash,
                                         const std::optional<KeyAttribute>& range) {
  const KeyTerm* hash_term = nullptr;
  if (MaybeMessage m = BindOne(terms, hash, true, range.has_value(), &hash_term)) return Error::Validation(*m);
  const KeyTerm* range_term = nullptr;
  if (range) {
    if (MaybeMessage m = BindOne(terms, *range, false, true, &range_term)) return Error::Validation(*m);
  }
  KeyCondition out;
  out.hash = *hash_term;
  if (range_term != nullptr) out.range = *range_term;
  return out;
}

bool KeyTermMatches(const KeyTerm& term, const AttributeValue& value) {
  if (term.values.empty()) return false;
  const AttributeValue& first = term.values[0];
  if (term.op == ComparisonOperator::kEq) return value == first;
  if (term.op == ComparisonOperator::kBeginsWith) return expr::ValueBeginsWith(value, first);
  if (value.type != first.type || !expr::IsScalarType(value.type)) return false;
  int order = expr::CompareScalars(value, first);
  switch (term.op) {
    case ComparisonOperator::kLt: return order < 0;
    case ComparisonOperator::kLe: return order <= 0;
    case ComparisonOperator::kGt: return order > 0;
    case ComparisonOperator::kGe: return order >= 0;
    case ComparisonOperator::kBetween:
      return term.values.size() == 2 && order >= 0 && term.values[1].type == value.type &&
             expr::CompareScalars(value, term.values[1]) <= 0;
    default: return false;
  }
}

}  // namespace ddb::api
