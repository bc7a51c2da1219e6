// The expression trees of api/expression.h: factories, path lookup, the
// canonical printed forms, and the small accessors operations use.
//
// Canonical forms (what the table-driven tests compare):
//   path       a.b[2]."x y"        (names that are not identifiers are JSON-quoted)
//   operand    a.b | :v | {"S":"x"} | size(a) | (a + :one)
//   condition  (a = :v) | (a BETWEEN :lo AND :hi) | (a IN (:x, :y)) |
//              attribute_exists(a) | (NOT c) | (c1 AND c2 AND c3)
//   update     SET a = :v, b = (b + :one) REMOVE c ADD d :n DELETE e :s
//   projection a, b.c[1]
//   key term   pk = {"S":"a"} | sk BETWEEN {"N":"1"} AND {"N":"9"} | begins_with(sk, {"S":"x"})
//
// Thread safety: pure functions.
#include <cctype>
#include <utility>

#include "api/expression.h"
#include "api/expression_internal.h"

namespace ddb::api {
namespace {

bool IsIdentifier(const std::string& s) {
  if (s.empty() || !std::isalpha(static_cast<unsigned char>(s[0]))) return false;
  for (unsigned char c : s) {
    if (!std::isalnum(c) && c != '_') return false;
  }
  return true;
}

std::string Quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string JoinOperands(const std::vector<Operand>& ops, size_t from) {
  std::string out;
  for (size_t i = from; i < ops.size(); ++i) out += (i > from ? ", " : "") + ops[i].ToString();
  return out;
}

const char* ClauseName(UpdateAction::Kind kind) {
  switch (kind) {
    case UpdateAction::Kind::kSet: return "SET";
    case UpdateAction::Kind::kRemove: return "REMOVE";
    case UpdateAction::Kind::kAdd: return "ADD";
    case UpdateAction::Kind::kDelete: return "DELETE";
  }
  return "?";
}

std::string ActionText(const UpdateAction& a) {
  switch (a.kind) {
    case UpdateAction::Kind::kSet: return a.path.ToString() + " = " + a.value.ToString();
    case UpdateAction::Kind::kRemove: return a.path.ToString();
    default: return a.path.ToString() + " " + a.value.ToString();
  }
}

void CollectAttributes(const Operand& op, std::set<std::string>* out) {
  if (op.kind == Operand::Kind::kPath) out->insert(op.path.top());
  for (const Operand& a : op.args) CollectAttributes(a, out);
}

}  // namespace

PathElement PathElement::Name(std::string n) {
  PathElement e;
  e.name = std::move(n);
  return e;
}

PathElement PathElement::Index(uint32_t i) {
  PathElement e;
  e.is_index = true;
  e.index = i;
  return e;
}

bool operator==(const PathElement& a, const PathElement& b) {
  if (a.is_index != b.is_index) return false;
  return a.is_index ? a.index == b.index : a.name == b.name;
}

bool operator==(const Path& a, const Path& b) { return a.elements == b.elements; }

Path Path::Attribute(std::string name) {
  Path p;
  p.elements.push_back(PathElement::Name(std::move(name)));
  return p;
}

std::string Path::ToString() const {
  std::string out;
  for (size_t i = 0; i < elements.size(); ++i) {
    const PathElement& e = elements[i];
    if (e.is_index) {
      out += "[" + std::to_string(e.index) + "]";
      continue;
    }
    if (i > 0) out += ".";
    out += IsIdentifier(e.name) ? e.name : Quoted(e.name);
  }
  return out;
}

std::string Path::MessageForm() const {
  std::string out = "[";
  for (size_t i = 0; i < elements.size(); ++i) {
    const PathElement& e = elements[i];
    out += (i > 0 ? ", " : "") + (e.is_index ? "[" + std::to_string(e.index) + "]" : e.name);
  }
  return out + "]";
}

const AttributeValue* FindPath(const Item& item, const Path& path) {
  auto top = item.find(path.top());
  if (top == item.end()) return nullptr;
  const AttributeValue* v = &top->second;
  for (size_t i = 1; i < path.elements.size(); ++i) {
    const PathElement& e = path.elements[i];
    if (e.is_index) {
      if (v->type != AttrType::kL || e.index >= v->list.size()) return nullptr;
      v = &v->list[e.index];
    } else {
      if (v->type != AttrType::kM) return nullptr;
      auto it = v->map.find(e.name);
      if (it == v->map.end()) return nullptr;
      v = &it->second;
    }
  }
  return v;
}

Operand Operand::OfPath(Path p) {
  Operand o;
  o.kind = Kind::kPath;
  o.path = std::move(p);
  return o;
}

Operand Operand::OfValue(AttributeValue v) {
  Operand o;
  o.kind = Kind::kValue;
  o.value = std::move(v);
  return o;
}

Operand Operand::Call(std::string function, std::vector<Operand> args) {
  Operand o;
  o.kind = Kind::kCall;
  o.function = std::move(function);
  o.args = std::move(args);
  return o;
}

std::string Operand::ToString() const {
  switch (kind) {
    case Kind::kPath: return path.ToString();
    case Kind::kValue: return ref.empty() ? expr::ValueJson(value) : ref;
    case Kind::kCall:
      if ((function == "+" || function == "-") && args.size() == 2) {
        return "(" + args[0].ToString() + " " + function + " " + args[1].ToString() + ")";
      }
      return function + "(" + JoinOperands(args, 0) + ")";
  }
  return "?";
}

const char* CompareOpText(CompareOp op) {
  static constexpr const char* kText[] = {"=", "<>", "<", "<=", ">", ">="};
  return kText[static_cast<int>(op)];
}

std::string Condition::ToString() const {
  switch (kind) {
    case Kind::kAnd:
    case Kind::kOr: {
      std::string out = "(";
      for (size_t i = 0; i < children.size(); ++i) {
        out += (i > 0 ? (kind == Kind::kAnd ? " AND " : " OR ") : "") + children[i].ToString();
      }
      return out + ")";
    }
    case Kind::kNot: return "(NOT " + children[0].ToString() + ")";
    case Kind::kCompare:
      return "(" + operands[0].ToString() + " " + CompareOpText(op) + " " + operands[1].ToString() + ")";
    case Kind::kBetween:
      return "(" + operands[0].ToString() + " BETWEEN " + operands[1].ToString() + " AND " +
             operands[2].ToString() + ")";
    case Kind::kIn: return "(" + operands[0].ToString() + " IN (" + JoinOperands(operands, 1) + "))";
    case Kind::kCall: return function + "(" + JoinOperands(operands, 0) + ")";
  }
  return "?";
}

std::set<std::string> ConditionAttributes(const Condition& condition) {
  std::set<std::string> out;
  for (const Condition& c : condition.children) {
    std::set<std::string> sub = ConditionAttributes(c);
    out.insert(sub.begin(), sub.end());
  }
  for (const Operand& op : condition.operands) CollectAttributes(op, &out);
  return out;
}

std::string UpdateExpression::ToString() const {
  std::string out;
  for (size_t i = 0; i < actions.size(); ++i) {
    bool new_clause = i == 0 || actions[i].kind != actions[i - 1].kind;
    if (new_clause) {
      out += (i > 0 ? " " : "") + std::string(ClauseName(actions[i].kind)) + " ";
    } else {
      out += ", ";
    }
    out += ActionText(actions[i]);
  }
  return out;
}

std::vector<Path> UpdateExpression::ModifiedPaths() const {
  std::vector<Path> out;
  for (const UpdateAction& a : actions) out.push_back(a.path);
  return out;
}

std::set<std::string> UpdateExpression::ModifiedAttributes() const {
  std::set<std::string> out;
  for (const UpdateAction& a : actions) out.insert(a.path.top());
  return out;
}

bool UpdateExpression::CreatesItem() const {
  if (actions.empty()) return true;
  for (const UpdateAction& a : actions) {
    if (a.kind == UpdateAction::Kind::kSet || a.kind == UpdateAction::Kind::kAdd) return true;
  }
  return false;
}

std::string Projection::ToString() const {
  std::string out;
  for (size_t i = 0; i < paths.size(); ++i) out += (i > 0 ? ", " : "") + paths[i].ToString();
  return out;
}

const char* ComparisonOperatorName(ComparisonOperator op) {
  static constexpr const char* kNames[] = {"EQ",       "NE",           "LE",          "LT", "GE",
                                           "GT",       "NOT_NULL",     "NULL",        "CONTAINS",
                                           "NOT_CONTAINS", "BEGINS_WITH", "IN",       "BETWEEN"};
  return kNames[static_cast<int>(op)];
}

std::optional<ComparisonOperator> ParseComparisonOperator(const std::string& name) {
  for (int i = 0; i <= static_cast<int>(ComparisonOperator::kBetween); ++i) {
    auto op = static_cast<ComparisonOperator>(i);
    if (name == ComparisonOperatorName(op)) return op;
  }
  return std::nullopt;
}

std::string KeyTerm::ToString() const {
  auto v = [this](size_t i) { return i < values.size() ? expr::ValueJson(values[i]) : std::string("?"); };
  switch (op) {
    case ComparisonOperator::kEq: return name + " = " + v(0);
    case ComparisonOperator::kLt: return name + " < " + v(0);
    case ComparisonOperator::kLe: return name + " <= " + v(0);
    case ComparisonOperator::kGt: return name + " > " + v(0);
    case ComparisonOperator::kGe: return name + " >= " + v(0);
    case ComparisonOperator::kBetween: return name + " BETWEEN " + v(0) + " AND " + v(1);
    case ComparisonOperator::kBeginsWith: return "begins_with(" + name + ", " + v(0) + ")";
    default: {
      std::string out = name + " " + ComparisonOperatorName(op);
      for (size_t i = 0; i < values.size(); ++i) out += (i ? ", " : " ") + v(i);
      return out;
    }
  }
}

std::string KeyCondition::ToString() const {
  return range ? hash.ToString() + " AND " + range->ToString() : hash.ToString();
}

}  // namespace ddb::api
