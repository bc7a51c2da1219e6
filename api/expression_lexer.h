// The expression lexer and the token cursor the expression parsers share.
// Internal to api/expression_*.cc.
//
// Token grammar (whitespace is space, tab, CR and LF, and separates tokens):
//   name      := [A-Za-z][A-Za-z0-9_]*     (AND OR NOT BETWEEN IN SET REMOVE
//                                           ADD DELETE, in any case, are keywords)
//   name_ref  := '#' [A-Za-z0-9_]+
//   value_ref := ':' [A-Za-z0-9_]+
//   number    := [0-9]+                     (list indexes only)
//   punct     := ( ) [ ] , . = <> < <= > >= + -
//   invalid   := any other single character (UTF-8 code point), including a
//                lone '#' or ':' and '_' at the start of a name
// DynamoDB lexes all expression kinds alike, so "ADD" is a keyword (and a
// syntax error) in a ConditionExpression too.
//
// Syntax errors name the offending token ("<EOF>" at the end) and quote the
// source from the start of the token before it to the end of the token after
// it: `Syntax error; token: "=", near: "a == b"`.
//
// Thread safety: a cursor belongs to one parse.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ddb::api::expr {

enum class Tok : uint8_t {
  kEof, kInvalid, kName, kNameRef, kValueRef, kNumber,
  kLParen, kRParen, kLBracket, kRBracket, kComma, kDot,
  kEq, kNe, kLt, kLe, kGt, kGe, kPlus, kMinus,
  kAnd, kOr, kNot, kBetween, kIn, kSet, kRemove, kAdd, kDelete,
};

struct Token {
  Tok type = Tok::kEof;
  size_t begin = 0;  // byte offsets into the text
  size_t end = 0;
};

// The tokens of `text`, ending with one kEof at text.size().
std::vector<Token> Tokenize(std::string_view text);

// Parse functions return false on a syntax error; the cursor remembers the
// farthest token any alternative failed at, which is the token reported.
class TokenCursor {
 public:
  explicit TokenCursor(std::string_view text) : text_(text), tokens_(Tokenize(text)) {}

  Tok type() const { return tokens_[pos_].type; }
  Tok type_at(size_t ahead) const;
  std::string text() const { return TextOf(pos_); }
  size_t pos() const { return pos_; }
  void set_pos(size_t pos) { pos_ = pos; }
  void Advance() {
    if (pos_ + 1 < tokens_.size()) ++pos_;
  }

  // Consumes the current token when it has type t.
  bool Accept(Tok t);
  // Accept, or a syntax error at the current token.
  bool Expect(Tok t);
  // Records a syntax error at the current token; returns false.
  bool Fail();
  // Records an error that is not a syntax error (a list index out of range),
  // which SyntaxError() then returns; returns false. The first one stands.
  bool FailWith(std::string message);

  // "Syntax error; token: ..., near: ..." for the farthest failure, or the
  // message of a FailWith.
  std::string SyntaxError() const;

 private:
  std::string TextOf(size_t i) const;

  std::string_view text_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  size_t farthest_ = 0;
  std::string message_;  // from FailWith
};

}  // namespace ddb::api::expr
