// Evaluation of a validated condition on an item, with DynamoDB's semantics
// (api/expression.h): values of different types are unequal and unordered, a
// missing operand makes a comparison false (but <> true), and functions on
// values of the wrong type are false rather than errors, because any type
// error DynamoDB reports was caught when the expression was validated.
//
// Thread safety: pure functions.
#include <optional>
#include <utility>

#include "api/expression_internal.h"

namespace ddb::api {
namespace {

// An operand's value: a pointer into the item or the tree, or a computed one.
class Value {
 public:
  static Value Missing() { return Value(); }
  static Value Of(const AttributeValue* v) {
    Value out;
    out.ptr_ = v;
    return out;
  }
  static Value Owned(AttributeValue v) {
    Value out;
    out.owned_ = std::move(v);
    return out;
  }
  const AttributeValue* get() const { return ptr_ != nullptr ? ptr_ : owned_ ? &*owned_ : nullptr; }

 private:
  const AttributeValue* ptr_ = nullptr;
  std::optional<AttributeValue> owned_;
};

Value Evaluate(const Operand& op, const Item* item) {
  switch (op.kind) {
    case Operand::Kind::kPath: return Value::Of(item != nullptr ? FindPath(*item, op.path) : nullptr);
    case Operand::Kind::kValue: return Value::Of(&op.value);
    case Operand::Kind::kCall: {
      if (op.function != "size" || op.args.size() != 1) return Value::Missing();
      Value arg = Evaluate(op.args[0], item);
      if (arg.get() == nullptr) return Value::Missing();
      std::optional<uint64_t> size = expr::SizeOf(*arg.get());
      return size ? Value::Owned(expr::NumberValue(*size)) : Value::Missing();
    }
  }
  return Value::Missing();
}

bool SameScalars(const AttributeValue* a, const AttributeValue* b) {
  return a != nullptr && b != nullptr && a->type == b->type && expr::IsScalarType(a->type);
}

bool EvaluateCompare(const Condition& c, const Item* item) {
  Value left = Evaluate(c.operands[0], item);
  Value right = Evaluate(c.operands[1], item);
  const AttributeValue* a = left.get();
  const AttributeValue* b = right.get();
  bool both = a != nullptr && b != nullptr;
  switch (c.op) {
    case CompareOp::kEq: return both && *a == *b;
    case CompareOp::kNe: return !(both && *a == *b);
    default: break;
  }
  if (!SameScalars(a, b)) return false;
  int order = expr::CompareScalars(*a, *b);
  switch (c.op) {
    case CompareOp::kLt: return order < 0;
    case CompareOp::kLe: return order <= 0;
    case CompareOp::kGt: return order > 0;
    case CompareOp::kGe: return order >= 0;
    default: return false;
  }
}

bool EvaluateBetween(const Condition& c, const Item* item) {
  Value x = Evaluate(c.operands[0], item);
  Value lo = Evaluate(c.operands[1], item);
  Value hi = Evaluate(c.operands[2], item);
  if (!SameScalars(x.get(), lo.get()) || !SameScalars(x.get(), hi.get())) return false;
  return expr::CompareScalars(*lo.get(), *x.get()) <= 0 && expr::CompareScalars(*x.get(), *hi.get()) <= 0;
}

bool EvaluateIn(const Condition& c, const Item* item) {
  Value x = Evaluate(c.operands[0], item);
  if (x.get() == nullptr) return false;
  for (size_t i = 1; i < c.operands.size(); ++i) {
    Value candidate = Evaluate(c.operands[i], item);
    if (candidate.get() != nullptr && *candidate.get() == *x.get()) return true;
  }
  return false;
}

bool EvaluateCall(const Condition& c, const Item* item) {
  const std::string& f = c.function;
  Value first = Evaluate(c.operands[0], item);
  if (f == "attribute_exists") return first.get() != nullptr;
  if (f == "attribute_not_exists") return first.get() == nullptr;
  Value second = Evaluate(c.operands[1], item);
  const AttributeValue* a = first.get();
  const AttributeValue* b = second.get();
  if (a == nullptr || b == nullptr) return false;
  if (f == "attribute_type") return b->type == AttrType::kS && b->scalar == TypeName(a->type);
  if (f == "begins_with") return expr::ValueBeginsWith(*a, *b);
  if (f == "contains") return expr::ValueContains(*a, *b);
  return false;
}

}  // namespace

bool EvaluateCondition(const Condition& c, const Item* item) {
  switch (c.kind) {
    case Condition::Kind::kAnd:
      for (const Condition& child : c.children) {
        if (!EvaluateCondition(child, item)) return false;
      }
      return true;
    case Condition::Kind::kOr:
      for (const Condition& child : c.children) {
        if (EvaluateCondition(child, item)) return true;
      }
      return false;
    case Condition::Kind::kNot: return !EvaluateCondition(c.children[0], item);
    case Condition::Kind::kCompare: return EvaluateCompare(c, item);
    case Condition::Kind::kBetween: return EvaluateBetween(c, item);
    case Condition::Kind::kIn: return EvaluateIn(c, item);
    case Condition::Kind::kCall: return EvaluateCall(c, item);
  }
  return false;
}

}  // namespace ddb::api
