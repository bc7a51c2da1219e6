// Validation of a parsed condition, in DynamoDB's order, resolving its
// placeholders on the way. The first failing check wins:
//   1. path depth ("too many nesting levels"), 2. operator count (300),
//   3. "The expression has redundant parentheses;",
//   4. "Invalid function name; function: f",
//   5. "The function is not allowed to be used this way in an expression;
//      function: f" (only size() is an operand; only attribute_exists,
//      attribute_not_exists, attribute_type, begins_with, contains are
//      conditions; if_not_exists and list_append are known but never allowed),
//   6. "Attribute name is a reserved keyword; reserved keyword: x",
//   7. then each predicate in document order: undefined #names/:values,
//      operand counts ("Incorrect number of operands for operator or function;
//      operator or function: size, number of operands: 2", IN's 100), "The
//      first operand must be distinct from the remaining operands for this
//      operator or function; operator: =, first operand: [a]", and the
//      operand type rules on constants (a value from the item never errs).
// The order follows dynalite's grammar (which mirrors DynamoDB's) and its
// suite. Not confirmed: where the depth and operator-count checks fall in
// this order, the IN operand count including the left operand, the wording
// "operator or function: BETWEEN" for non-scalar BETWEEN constants, the
// attribute_type type list's order, and counting functions as operators.
//
// Thread safety: pure, except for marking placeholders used in the context.
#include <string>

#include "api/expression_internal.h"

namespace ddb::api::expr {
namespace {

bool IsLeafFunction(const std::string& f) {
  return f == "attribute_exists" || f == "attribute_not_exists" || f == "attribute_type" ||
         f == "begins_with" || f == "contains";
}
bool IsKnownFunction(const std::string& f) {
  return IsLeafFunction(f) || f == "size" || f == "if_not_exists" || f == "list_append";
}

size_t ExpectedOperands(const std::string& f) {
  return (f == "attribute_type" || f == "begins_with" || f == "contains") ? 2 : 1;
}

std::string TypeError(const std::string& function, const std::string& type) {
  return "Incorrect operand type for operator or function; operator or function: " + function +
         ", operand type: " + type;
}

// The type an operand has before any item is seen: a constant's, or N for size().
std::optional<AttrType> StaticType(const Operand& op) {
  if (op.kind == Operand::Kind::kValue) return op.value.type;
  if (op.kind == Operand::Kind::kCall && op.function == "size") return AttrType::kN;
  return std::nullopt;
}

bool IsLeaf(const Condition& c) {
  return c.kind != Condition::Kind::kAnd && c.kind != Condition::Kind::kOr && c.kind != Condition::Kind::kNot;
}

// Visits the predicates (leaves) of a condition in document order; stops at
// the first message.
template <typename Fn>
MaybeMessage ForEachPredicate(Condition& c, Fn&& fn) {
  if (IsLeaf(c)) return fn(c);
  for (Condition& child : c.children) {
    if (MaybeMessage m = ForEachPredicate(child, fn)) return m;
  }
  return std::nullopt;
}

// Visits every call among `ops` (and nested in them), children first.
template <typename Fn>
MaybeMessage ForEachCall(std::vector<Operand>& ops, Fn&& fn) {
  for (Operand& op : ops) {
    if (op.kind != Operand::Kind::kCall) continue;
    if (MaybeMessage m = ForEachCall(op.args, fn)) return m;
    if (MaybeMessage m = fn(op.function, op.args)) return m;
  }
  return std::nullopt;
}

// --- Whole-tree checks -----------------------------------------------------------

size_t CountOperators(const std::vector<Operand>& ops) {
  size_t n = 0;
  for (const Operand& op : ops) {
    if (op.kind == Operand::Kind::kCall) n += 1 + CountOperators(op.args);
  }
  return n;
}

size_t CountOperators(const Condition& c) {
  if (!IsLeaf(c)) {
    size_t n = c.kind == Condition::Kind::kNot ? 1 : c.children.size() - 1;
    for (const Condition& child : c.children) n += CountOperators(child);
    return n;
  }
  return 1 + CountOperators(c.operands);
}

MaybeMessage CheckDepths(Condition& tree) {
  return ForEachPredicate(tree, [](Condition& leaf) -> MaybeMessage {
    MaybeMessage found;
    for (Operand& op : leaf.operands) {
      ForEachLeaf(op, [&](Operand& o) {
        if (!found && o.kind == Operand::Kind::kPath) found = CheckPathDepth(o.path);
      });
    }
    return found;
  });
}

MaybeMessage CheckUnknownFunctions(Condition& tree) {
  auto unknown = [](const std::string& f, std::vector<Operand>&) -> MaybeMessage {
    if (IsKnownFunction(f)) return std::nullopt;
    return "Invalid function name; function: " + f;
  };
  return ForEachPredicate(tree, [&](Condition& leaf) -> MaybeMessage {
    if (leaf.kind == Condition::Kind::kCall) {
      if (MaybeMessage m = unknown(leaf.function, leaf.operands)) return m;
    }
    return ForEachCall(leaf.operands, unknown);
  });
}

MaybeMessage Misused(const std::string& f) {
  return "The function is not allowed to be used this way in an expression; function: " + f;
}

// Operands may only be size(); checks nested calls too, outermost first.
MaybeMessage CheckOperandFunctions(const std::vector<Operand>& ops) {
  for (const Operand& op : ops) {
    if (op.kind != Operand::Kind::kCall) continue;
    if (op.function != "size") return Misused(op.function);
    if (MaybeMessage m = CheckOperandFunctions(op.args)) return m;
  }
  return std::nullopt;
}

MaybeMessage CheckMisusedFunctions(Condition& tree) {
  return ForEachPredicate(tree, [](Condition& leaf) -> MaybeMessage {
    if (leaf.kind == Condition::Kind::kCall && !IsLeafFunction(leaf.function)) return Misused(leaf.function);
    return CheckOperandFunctions(leaf.operands);
  });
}

MaybeMessage CheckReservedWords(Condition& tree) {
  return ForEachPredicate(tree, [](Condition& leaf) -> MaybeMessage {
    MaybeMessage found;
    for (Operand& op : leaf.operands) {
      ForEachLeaf(op, [&](Operand& o) {
        if (!found && o.kind == Operand::Kind::kPath) found = CheckReserved(o.path);
      });
    }
    return found;
  });
}

// --- Per-predicate checks ----------------------------------------------------------

MaybeMessage ResolveOperands(std::vector<Operand>& ops, ExpressionContext& ctx) {
  MaybeMessage found;
  for (Operand& op : ops) {
    ForEachLeaf(op, [&](Operand& o) {
      if (found) return;
      found = o.kind == Operand::Kind::kPath ? ResolvePath(&o.path, ctx) : ResolveValue(&o, ctx);
    });
  }
  return found;
}

MaybeMessage CountMessage(const std::string& f, size_t n) {
  return "Incorrect number of operands for operator or function; operator or function: " + f +
         ", number of operands: " + std::to_string(n);
}

MaybeMessage CheckOperandCounts(Condition& leaf) {
  auto count = [](const std::string& f, std::vector<Operand>& args) -> MaybeMessage {
    if (args.size() == ExpectedOperands(f)) return std::nullopt;
    return CountMessage(f, args.size());
  };
  if (MaybeMessage m = ForEachCall(leaf.operands, count)) return m;
  if (leaf.kind == Condition::Kind::kCall) return count(leaf.function, leaf.operands);
  if (leaf.kind == Condition::Kind::kIn && leaf.operands.size() > static_cast<size_t>(kMaxInOperands)) {
    return "The IN operator is provided with too many operands; number of operands: " +
           std::to_string(leaf.operands.size());
  }
  return std::nullopt;
}

MaybeMessage CheckDistinct(const Condition& leaf) {
  bool two = leaf.operands.size() == 2;
  bool applies = leaf.kind == Condition::Kind::kCompare ||
                 (leaf.kind == Condition::Kind::kCall && leaf.function != "attribute_exists" &&
                  leaf.function != "attribute_not_exists");
  if (!two || !applies) return std::nullopt;
  const Operand& a = leaf.operands[0];
  const Operand& b = leaf.operands[1];
  if (a.kind != Operand::Kind::kPath || b.kind != Operand::Kind::kPath || !(a.path == b.path)) return std::nullopt;
  std::string op = leaf.kind == Condition::Kind::kCompare ? CompareOpText(leaf.op) : leaf.function;
  return "The first operand must be distinct from the remaining operands for this operator or function; "
         "operator: " + op + ", first operand: " + a.path.MessageForm();
}

MaybeMessage CheckSizeArguments(Condition& leaf) {
  return ForEachCall(leaf.operands, [](const std::string& f, std::vector<Operand>& args) -> MaybeMessage {
    std::optional<AttrType> t = StaticType(args[0]);
    bool bad = t && (*t == AttrType::kN || *t == AttrType::kBool || *t == AttrType::kNull);
    return bad ? TypeError(f, TypeName(*t)) : MaybeMessage();
  });
}

MaybeMessage CheckAttributeType(const std::vector<Operand>& args) {
  std::optional<AttrType> t = StaticType(args[1]);
  if (!t) return TypeError("attribute_type", "{NS,SS,L,BS,N,M,B,BOOL,NULL,S}");
  if (*t != AttrType::kS) return TypeError("attribute_type", TypeName(*t));
  static constexpr const char* kTypes[] = {"S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"};
  for (const char* name : kTypes) {
    if (args[1].value.scalar == name) return std::nullopt;
  }
  return "Invalid attribute type name found; type: " + args[1].value.scalar +
         ", valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}";
}

MaybeMessage CheckFunctionTypes(const Condition& leaf) {
  const std::string& f = leaf.function;
  const std::vector<Operand>& args = leaf.operands;
  if (f == "attribute_exists" || f == "attribute_not_exists") {
    if (args[0].kind == Operand::Kind::kPath) return std::nullopt;
    return "Operator or function requires a document path; operator or function: " + f;
  }
  if (f == "attribute_type") return CheckAttributeType(args);
  if (f == "begins_with") {
    for (const Operand& a : args) {
      std::optional<AttrType> t = StaticType(a);
      if (t && *t != AttrType::kS && *t != AttrType::kB) return TypeError(f, TypeName(*t));
    }
  }
  return std::nullopt;
}

MaybeMessage CheckScalarOperands(const std::vector<Operand>& ops, const std::string& op_name) {
  for (const Operand& a : ops) {
    std::optional<AttrType> t = StaticType(a);
    if (t && !IsScalarType(*t)) return TypeError(op_name, TypeName(*t));
  }
  return std::nullopt;
}

MaybeMessage CheckBetweenBounds(const Condition& leaf) {
  const Operand& lo = leaf.operands[1];
  const Operand& hi = leaf.operands[2];
  if (lo.kind != Operand::Kind::kValue || hi.kind != Operand::Kind::kValue) return std::nullopt;
  std::string bounds = "lower bound operand: AttributeValue: " + MessageValue(lo.value) +
                       ", upper bound operand: AttributeValue: " + MessageValue(hi.value);
  if (lo.value.type != hi.value.type) {
    return "The BETWEEN operator requires same data type for lower and upper bounds; " + bounds;
  }
  if (CompareScalars(lo.value, hi.value) > 0) {
    return "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; " + bounds;
  }
  return std::nullopt;
}

MaybeMessage CheckTypes(Condition& leaf) {
  if (MaybeMessage m = CheckSizeArguments(leaf)) return m;
  switch (leaf.kind) {
    case Condition::Kind::kCall: return CheckFunctionTypes(leaf);
    case Condition::Kind::kCompare:
      if (leaf.op == CompareOp::kEq || leaf.op == CompareOp::kNe) return std::nullopt;
      return CheckScalarOperands(leaf.operands, CompareOpText(leaf.op));
    case Condition::Kind::kBetween:
      if (MaybeMessage m = CheckScalarOperands(leaf.operands, "BETWEEN")) return m;
      return CheckBetweenBounds(leaf);
    default: return std::nullopt;
  }
}

MaybeMessage CheckPredicate(Condition& leaf, ExpressionContext& ctx) {
  if (MaybeMessage m = ResolveOperands(leaf.operands, ctx)) return m;
  if (MaybeMessage m = CheckOperandCounts(leaf)) return m;
  if (MaybeMessage m = CheckDistinct(leaf)) return m;
  return CheckTypes(leaf);
}

}  // namespace

ApiResult<bool> ValidateCondition(ParsedCondition* parsed, ExpressionKind kind, ExpressionContext& ctx) {
  Condition& tree = parsed->tree;
  MaybeMessage m = CheckDepths(tree);
  size_t operators = CountOperators(tree);
  if (!m && operators > static_cast<size_t>(kMaxOperators)) {
    m = "The expression contains too many operators; operator count: " + std::to_string(operators);
  }
  if (!m && parsed->redundant_parens) m = "The expression has redundant parentheses;";
  if (!m) m = CheckUnknownFunctions(tree);
  if (!m) m = CheckMisusedFunctions(tree);
  if (!m) m = CheckReservedWords(tree);
  if (!m) m = ForEachPredicate(tree, [&](Condition& leaf) { return CheckPredicate(leaf, ctx); });
  if (m) return Invalid(kind, *m);
  return true;
}

}  // namespace ddb::api::expr
