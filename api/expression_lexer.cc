// The expression lexer (grammar in expression_lexer.h) and DynamoDB's syntax
// error message.
//
// The message's form is DynamoDB's, as seen in real responses: the token
// ("<EOF>" at the end of input) and "near", the source from the start of the
// previous token to the end of the next one — "ADD hits : incr" fails with
// token ":" near "hits : incr", "SET _123 = :v" with token "_" near "SET _123",
// "SET a = :v," with token "<EOF>" near ",".
//
// Thread safety: pure functions; a cursor belongs to one parse.
#include "api/expression_lexer.h"

#include <algorithm>
#include <cctype>

namespace ddb::api::expr {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsWordChar(char c) { return IsAlpha(c) || IsDigit(c) || c == '_'; }

// Bytes in the UTF-8 sequence starting with `lead` (1 for a stray byte).
size_t CodePointBytes(unsigned char lead) {
  if (lead >= 0xF0 && lead < 0xF8) return 4;
  if (lead >= 0xE0) return lead < 0xF0 ? 3 : 1;
  if (lead >= 0xC0) return 2;
  return 1;
}

Tok KeywordOrName(std::string_view word) {
  struct Keyword {
    const char* text;
    Tok type;
  };
  static constexpr Keyword kKeywords[] = {
      {"AND", Tok::kAnd},         {"OR", Tok::kOr}, {"NOT", Tok::kNot},       {"BETWEEN", Tok::kBetween},
      {"IN", Tok::kIn},           {"SET", Tok::kSet}, {"REMOVE", Tok::kRemove}, {"ADD", Tok::kAdd},
      {"DELETE", Tok::kDelete},
  };
  for (const Keyword& k : kKeywords) {
    std::string_view kw(k.text);
    if (kw.size() != word.size()) continue;
    bool same = std::equal(kw.begin(), kw.end(), word.begin(), [](char a, char b) {
      return a == std::toupper(static_cast<unsigned char>(b));
    });
    if (same) return k.type;
  }
  return Tok::kName;
}

// The punctuation token at text[i], with its length; kInvalid when none.
Tok Punctuation(std::string_view text, size_t i, size_t* length) {
  char c = text[i];
  char next = i + 1 < text.size() ? text[i + 1] : '\0';
  *length = 1;
  switch (c) {
    case '(': return Tok::kLParen;
    case ')': return Tok::kRParen;
    case '[': return Tok::kLBracket;
    case ']': return Tok::kRBracket;
    case ',': return Tok::kComma;
    case '.': return Tok::kDot;
    case '=': return Tok::kEq;
    case '+': return Tok::kPlus;
    case '-': return Tok::kMinus;
    case '<':
      if (next == '>' || next == '=') *length = 2;
      return next == '>' ? Tok::kNe : next == '=' ? Tok::kLe : Tok::kLt;
    case '>':
      if (next == '=') *length = 2;
      return next == '=' ? Tok::kGe : Tok::kGt;
    default: return Tok::kInvalid;
  }
}

size_t WordEnd(std::string_view text, size_t i) {
  while (i < text.size() && IsWordChar(text[i])) ++i;
  return i;
}

Token NextToken(std::string_view text, size_t i) {
  char c = text[i];
  if (IsAlpha(c)) {
    size_t end = WordEnd(text, i);
    return {KeywordOrName(text.substr(i, end - i)), i, end};
  }
  if (IsDigit(c)) {
    size_t end = i;
    while (end < text.size() && IsDigit(text[end])) ++end;
    return {Tok::kNumber, i, end};
  }
  if ((c == '#' || c == ':') && i + 1 < text.size() && IsWordChar(text[i + 1])) {
    return {c == '#' ? Tok::kNameRef : Tok::kValueRef, i, WordEnd(text, i + 1)};
  }
  size_t length = 1;
  Tok type = Punctuation(text, i, &length);
  if (type == Tok::kInvalid) length = std::min(CodePointBytes(static_cast<unsigned char>(c)), text.size() - i);
  return {type, i, i + length};
}

}  // namespace

std::vector<Token> Tokenize(std::string_view text) {
  std::vector<Token> tokens;
  size_t i = 0;
  while (true) {
    while (i < text.size() && IsSpace(text[i])) ++i;
    if (i >= text.size()) break;
    tokens.push_back(NextToken(text, i));
    i = tokens.back().end;
  }
  tokens.push_back({Tok::kEof, text.size(), text.size()});
  return tokens;
}

Tok TokenCursor::type_at(size_t ahead) const {
  size_t i = std::min(pos_ + ahead, tokens_.size() - 1);
  return tokens_[i].type;
}

bool TokenCursor::Accept(Tok t) {
  if (type() != t) return false;
  Advance();
  return true;
}

bool TokenCursor::Expect(Tok t) { return Accept(t) || Fail(); }

bool TokenCursor::Fail() {
  farthest_ = std::max(farthest_, pos_);
  return false;
}

bool TokenCursor::FailWith(std::string message) {
  if (message_.empty()) message_ = std::move(message);
  return false;
}

std::string TokenCursor::TextOf(size_t i) const {
  const Token& t = tokens_[i];
  return std::string(text_.substr(t.begin, t.end - t.begin));
}

std::string TokenCursor::SyntaxError() const {
  if (!message_.empty()) return message_;
  size_t bad = std::max(farthest_, pos_);
  const Token& token = tokens_[bad];
  bool at_end = token.type == Tok::kEof;
  size_t from = bad > 0 ? tokens_[bad - 1].begin : token.begin;
  size_t to = token.end;
  if (at_end) {
    to = bad > 0 ? tokens_[bad - 1].end : token.end;
  } else if (tokens_[bad + 1].type != Tok::kEof) {
    to = tokens_[bad + 1].end;
  }
  std::string shown = at_end ? "<EOF>" : TextOf(bad);
  return "Syntax error; token: \"" + shown + "\", near: \"" + std::string(text_.substr(from, to - from)) + "\"";
}

}  // namespace ddb::api::expr
