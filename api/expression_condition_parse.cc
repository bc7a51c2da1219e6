// The condition grammar (ConditionExpression, FilterExpression,
// KeyConditionExpression) — syntax only; api/expression_condition_check.cc
// validates and resolves the tree.
//
//   condition := or EOF
//   or        := and (OR and)*
//   and       := not (AND not)*
//   not       := NOT* primary                  (NOT binds tighter than AND)
//   primary   := '(' or ')' | predicate        (tried in that order)
//   predicate := operand comparator operand
//              | operand BETWEEN operand AND operand
//              | operand IN '(' operand (',' operand)* ')'
//              | call                          (a function as a condition)
//   operand   := '(' operand ')' [path tail when the operand is a path]
//              | VALUE_REF | call | path
//   call      := NAME '(' operand (',' operand)* ')'
//   comparator := = | <> | < | <= | > | >=
//
// A '(' may open a parenthesized condition or a parenthesized operand, so the
// parser tries the first and backtracks; the syntax error reported is the
// farthest any alternative reached (expression_lexer.h). Doubled parentheses
// around a condition or operand, ((x)), are recorded for DynamoDB's "The
// expression has redundant parentheses;". A bare operand is not a condition:
// "foo" fails with token "<EOF>" near "foo", as in DynamoDB.
//
// Thread safety: a parser belongs to one call.
#include <utility>

#include "api/expression_internal.h"

namespace ddb::api::expr {
namespace {

std::optional<CompareOp> ComparatorOf(Tok t) {
  switch (t) {
    case Tok::kEq: return CompareOp::kEq;
    case Tok::kNe: return CompareOp::kNe;
    case Tok::kLt: return CompareOp::kLt;
    case Tok::kLe: return CompareOp::kLe;
    case Tok::kGt: return CompareOp::kGt;
    case Tok::kGe: return CompareOp::kGe;
    default: return std::nullopt;
  }
}

Condition Combine(Condition::Kind kind, std::vector<Condition> children) {
  if (children.size() == 1) return std::move(children[0]);
  Condition c;
  c.kind = kind;
  c.children = std::move(children);
  return c;
}

class ConditionParser {
 public:
  explicit ConditionParser(std::string_view text) : cur_(text) {}

  bool Parse(ParsedCondition* out) {
    bool wrapped = false;
    if (!ParseOr(&out->tree, &wrapped) || !cur_.Expect(Tok::kEof)) return false;
    out->redundant_parens = redundant_;
    return true;
  }
  std::string SyntaxError() const { return cur_.SyntaxError(); }

 private:
  struct Mark {
    size_t pos;
    bool redundant;
  };
  Mark Save() const { return {cur_.pos(), redundant_}; }
  void Restore(const Mark& m) {
    cur_.set_pos(m.pos);
    redundant_ = m.redundant;
  }

  // `wrapped`: the result is exactly one parenthesized condition.
  bool ParseOr(Condition* out, bool* wrapped) {
    std::vector<Condition> terms(1);
    if (!ParseAnd(&terms[0], wrapped)) return false;
    while (cur_.Accept(Tok::kOr)) {
      terms.emplace_back();
      bool ignored = false;
      if (!ParseAnd(&terms.back(), &ignored)) return false;
    }
    if (terms.size() > 1) *wrapped = false;
    *out = Combine(Condition::Kind::kOr, std::move(terms));
    return true;
  }

  bool ParseAnd(Condition* out, bool* wrapped) {
    std::vector<Condition> terms(1);
    if (!ParseNot(&terms[0], wrapped)) return false;
    while (cur_.Accept(Tok::kAnd)) {
      terms.emplace_back();
      bool ignored = false;
      if (!ParseNot(&terms.back(), &ignored)) return false;
    }
    if (terms.size() > 1) *wrapped = false;
    *out = Combine(Condition::Kind::kAnd, std::move(terms));
    return true;
  }

  // NOTs are counted in a loop, not by recursion.
  bool ParseNot(Condition* out, bool* wrapped) {
    int nots = 0;
    while (cur_.Accept(Tok::kNot)) ++nots;
    if (!ParsePrimary(out, wrapped)) return false;
    for (int i = 0; i < nots; ++i) {
      Condition c;
      c.kind = Condition::Kind::kNot;
      c.children.push_back(std::move(*out));
      *out = std::move(c);
      *wrapped = false;
    }
    return true;
  }

  bool ParsePrimary(Condition* out, bool* wrapped) {
    *wrapped = false;
    if (cur_.type() == Tok::kLParen) {
      DepthGuard guard(&depth_);
      if (!guard.ok()) return cur_.Fail();
      Mark mark = Save();
      cur_.Advance();
      bool inner_wrapped = false;
      if (ParseOr(out, &inner_wrapped) && cur_.Accept(Tok::kRParen)) {
        if (inner_wrapped) redundant_ = true;
        *wrapped = true;
        return true;
      }
      cur_.Fail();
      Restore(mark);
    }
    return ParsePredicate(out);
  }

  bool ParsePredicate(Condition* out) {
    Operand first;
    bool wrapped = false;
    if (!ParseOperand(&first, &wrapped)) return false;
    if (std::optional<CompareOp> op = ComparatorOf(cur_.type())) {
      cur_.Advance();
      out->kind = Condition::Kind::kCompare;
      out->op = *op;
      out->operands.push_back(std::move(first));
      return ParseOperandInto(&out->operands);
    }
    if (cur_.Accept(Tok::kBetween)) {
      out->kind = Condition::Kind::kBetween;
      out->operands.push_back(std::move(first));
      return ParseOperandInto(&out->operands) && cur_.Expect(Tok::kAnd) && ParseOperandInto(&out->operands);
    }
    if (cur_.Accept(Tok::kIn)) {
      out->kind = Condition::Kind::kIn;
      out->operands.push_back(std::move(first));
      return cur_.Expect(Tok::kLParen) && ParseOperandList(&out->operands) && cur_.Expect(Tok::kRParen);
    }
    if (first.kind != Operand::Kind::kCall) return cur_.Fail();
    out->kind = Condition::Kind::kCall;
    out->function = std::move(first.function);
    out->operands = std::move(first.args);
    return true;
  }

  bool ParseOperandInto(std::vector<Operand>* list) {
    list->emplace_back();
    bool wrapped = false;
    return ParseOperand(&list->back(), &wrapped);
  }

  bool ParseOperandList(std::vector<Operand>* list) {
    if (!ParseOperandInto(list)) return false;
    while (cur_.Accept(Tok::kComma)) {
      if (!ParseOperandInto(list)) return false;
    }
    return true;
  }

  // `wrapped`: the operand is exactly one parenthesized operand.
  bool ParseOperand(Operand* out, bool* wrapped) {
    *wrapped = false;
    if (cur_.type() == Tok::kLParen) return ParseGroupedOperand(out, wrapped);
    if (cur_.type() == Tok::kValueRef) {
      out->kind = Operand::Kind::kValue;
      out->ref = cur_.text();
      cur_.Advance();
      return true;
    }
    if (cur_.type() == Tok::kName && cur_.type_at(1) == Tok::kLParen) return ParseCall(out);
    out->kind = Operand::Kind::kPath;
    return ParsePath(cur_, &out->path);
  }

  bool ParseGroupedOperand(Operand* out, bool* wrapped) {
    DepthGuard guard(&depth_);
    if (!guard.ok()) return cur_.Fail();
    cur_.Advance();
    bool inner_wrapped = false;
    if (!ParseOperand(out, &inner_wrapped) || !cur_.Expect(Tok::kRParen)) return false;
    if (inner_wrapped) redundant_ = true;
    bool continues = cur_.type() == Tok::kDot || cur_.type() == Tok::kLBracket;
    if (out->kind == Operand::Kind::kPath && continues) return ParsePathTail(cur_, &out->path);
    *wrapped = true;
    return true;
  }

  bool ParseCall(Operand* out) {
    DepthGuard guard(&depth_);
    if (!guard.ok()) return cur_.Fail();
    out->kind = Operand::Kind::kCall;
    out->function = cur_.text();
    cur_.Advance();
    cur_.Advance();  // '('
    return ParseOperandList(&out->args) && cur_.Expect(Tok::kRParen);
  }

  TokenCursor cur_;
  bool redundant_ = false;
  int depth_ = 0;
};

}  // namespace

ApiResult<ParsedCondition> ParseConditionSyntax(std::string_view text, ExpressionKind kind) {
  if (MaybeMessage m = CheckText(text)) return Invalid(kind, *m);
  ConditionParser parser(text);
  ParsedCondition parsed;
  if (!parser.Parse(&parsed)) return Invalid(kind, parser.SyntaxError());
  return parsed;
}

}  // namespace ddb::api::expr
