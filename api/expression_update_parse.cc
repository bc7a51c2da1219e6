// The UpdateExpression grammar — syntax only; api/expression_update_check.cc
// validates and resolves the tree.
//
//   update    := clause+ EOF
//   clause    := SET set (',' set)*
//              | REMOVE path (',' path)*
//              | ADD path VALUE_REF (',' path VALUE_REF)*
//              | DELETE path VALUE_REF (',' path VALUE_REF)*
//   set       := path '=' value
//   value     := '(' sum ')' | sum              (tried in that order)
//   sum       := operand_p [('+' | '-') operand_p]
//   operand_p := '(' operand ')' | operand
//   operand   := VALUE_REF | call | path
//   call      := NAME '(' operand_p (',' operand_p)* ')'
//
// Clause keywords are case-insensitive; function names are not. Only one
// '+' or '-' is allowed ("SET a = b + c + d" fails at the second '+'), and
// arithmetic cannot appear inside a function's arguments. Each clause
// keyword is recorded so validation can reject a repeated one.
//
// Thread safety: a parser belongs to one call.
#include <utility>

#include "api/expression_internal.h"

namespace ddb::api::expr {
namespace {

class UpdateParser {
 public:
  explicit UpdateParser(std::string_view text) : cur_(text) {}

  bool Parse(ParsedUpdate* out) {
    do {
      if (!ParseClause(out)) return false;
    } while (cur_.type() != Tok::kEof);
    return true;
  }
  std::string SyntaxError() const { return cur_.SyntaxError(); }

 private:
  bool ParseClause(ParsedUpdate* out) {
    UpdateAction::Kind kind;
    switch (cur_.type()) {
      case Tok::kSet: kind = UpdateAction::Kind::kSet; break;
      case Tok::kRemove: kind = UpdateAction::Kind::kRemove; break;
      case Tok::kAdd: kind = UpdateAction::Kind::kAdd; break;
      case Tok::kDelete: kind = UpdateAction::Kind::kDelete; break;
      default: return cur_.Fail();
    }
    cur_.Advance();
    out->clauses.push_back(kind);
    do {
      out->tree.actions.emplace_back();
      if (!ParseAction(kind, &out->tree.actions.back())) return false;
    } while (cur_.Accept(Tok::kComma));
    return true;
  }

  bool ParseAction(UpdateAction::Kind kind, UpdateAction* action) {
    action->kind = kind;
    if (!ParsePath(cur_, &action->path)) return false;
    switch (kind) {
      case UpdateAction::Kind::kSet: return cur_.Expect(Tok::kEq) && ParseValue(&action->value);
      case UpdateAction::Kind::kRemove: return true;
      default:
        if (cur_.type() != Tok::kValueRef) return cur_.Fail();
        action->value.kind = Operand::Kind::kValue;
        action->value.ref = cur_.text();
        cur_.Advance();
        return true;
    }
  }

  bool ParseValue(Operand* out) {
    if (cur_.type() == Tok::kLParen) {
      size_t mark = cur_.pos();
      cur_.Advance();
      bool grouped = ParseSum(out) && cur_.Accept(Tok::kRParen);
      // "(b) + c" is a sum of a parenthesized operand, not a grouped value.
      if (grouped && cur_.type() != Tok::kPlus && cur_.type() != Tok::kMinus) return true;
      cur_.Fail();
      cur_.set_pos(mark);
      *out = Operand();
    }
    return ParseSum(out);
  }

  bool ParseSum(Operand* out) {
    Operand first;
    if (!ParseOperandP(&first)) return false;
    if (cur_.type() != Tok::kPlus && cur_.type() != Tok::kMinus) {
      *out = std::move(first);
      return true;
    }
    std::string op = cur_.type() == Tok::kPlus ? "+" : "-";
    cur_.Advance();
    Operand second;
    if (!ParseOperandP(&second)) return false;
    std::vector<Operand> args;
    args.push_back(std::move(first));
    args.push_back(std::move(second));
    *out = Operand::Call(op, std::move(args));
    return true;
  }

  bool ParseOperandP(Operand* out) {
    if (!cur_.Accept(Tok::kLParen)) return ParseOperand(out);
    DepthGuard guard(&depth_);
    if (!guard.ok()) return cur_.Fail();
    return ParseOperand(out) && cur_.Expect(Tok::kRParen);
  }

  bool ParseOperand(Operand* out) {
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

  bool ParseCall(Operand* out) {
    DepthGuard guard(&depth_);
    if (!guard.ok()) return cur_.Fail();
    out->kind = Operand::Kind::kCall;
    out->function = cur_.text();
    cur_.Advance();
    cur_.Advance();  // '('
    do {
      out->args.emplace_back();
      if (!ParseOperandP(&out->args.back())) return false;
    } while (cur_.Accept(Tok::kComma));
    return cur_.Expect(Tok::kRParen);
  }

  TokenCursor cur_;
  int depth_ = 0;
};

}  // namespace

ApiResult<ParsedUpdate> ParseUpdateSyntax(std::string_view text) {
  if (MaybeMessage m = CheckText(text)) return Invalid(ExpressionKind::kUpdate, *m);
  UpdateParser parser(text);
  ParsedUpdate parsed;
  if (!parser.Parse(&parsed)) return Invalid(ExpressionKind::kUpdate, parser.SyntaxError());
  return parsed;
}

}  // namespace ddb::api::expr
