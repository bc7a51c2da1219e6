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

ApiResult<std::vector<KeyTerm>> KeyConditionTerms(const Condition& tree, size_t max_terms) {
  std::vector<KeyTerm> terms;
  if (MaybeMessage m = CollectTerms(tree, &terms)) return Error::Validation(*m);
  if (terms.empty() || terms.size() > max_terms) return Error::Validation("Conditions can be of length 1 or 2 only");
  return terms;
}

ApiResult<KeyCondition> BindKeyCondition(const std::vector<KeyTerm>& terms, const KeyAttribute& hash,
                                         const std::optional<KeyAttribute>& range) {
  if (terms.size() > 2) return Error::Validation("Conditions can be of length 1 or 2 only");
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

ApiResult<MultiKeyCondition> BindMultiKeyCondition(const std::vector<KeyTerm>& terms,
                                                   const std::vector<KeyAttribute>& hash,
                                                   const std::vector<KeyAttribute>& range) {
  MultiKeyCondition out;
  size_t bound = 0;
  auto check_term = [](const KeyTerm& t, const KeyAttribute& attr) -> MaybeMessage {
    if (!Indexable(t.op)) return "Attempted conditional constraint is not an indexable operation";
    for (const AttributeValue& v : t.values) {
      if (v.type != attr.type) {
        return "One or more parameter values were invalid: Condition parameter type does not match schema type";
      }
    }
    return std::nullopt;
  };
  for (const KeyAttribute& attr : hash) {
    const KeyTerm* t = FindTerm(terms, attr.name);
    if (t == nullptr || t->op != ComparisonOperator::kEq) {
      return Error::Validation("Query key condition not supported: every HASH key attribute of the index needs an "
                               "equality condition; key schema element: " + attr.name);
    }
    if (MaybeMessage m = check_term(*t, attr)) return Error::Validation(*m);
    out.hash.push_back(*t);
    ++bound;
  }
  for (const KeyAttribute& attr : range) {
    const KeyTerm* t = FindTerm(terms, attr.name);
    if (t == nullptr) break;
    if (!out.range.empty() && out.range.back().op != ComparisonOperator::kEq) {
      return Error::Validation("Query key condition not supported: RANGE key attributes before the last one in a "
                               "condition need an equality condition; key schema element: " + out.range.back().name);
    }
    if (MaybeMessage m = check_term(*t, attr)) return Error::Validation(*m);
    out.range.push_back(*t);
    ++bound;
  }
  if (bound != terms.size()) {
    // A condition on a later range attribute with one before it missing, or
    // on an attribute that is not a key of the index.
    for (const KeyTerm& t : terms) {
      bool is_key = false;
      for (const auto* attrs : {&hash, &range}) {
        for (const KeyAttribute& attr : *attrs) is_key |= attr.name == t.name;
      }
      if (!is_key) {
        const std::string& next = out.range.size() < range.size() ? range[out.range.size()].name : t.name;
        return Error::Validation("Query condition missed key schema element: " + next);
      }
    }
    const std::string& missing = range[out.range.size()].name;
    return Error::Validation("Query key condition not supported: RANGE key attributes must be given left to right "
                             "with equality conditions, without skipping one; key schema element: " + missing);
  }
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
