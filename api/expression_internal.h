// Pieces the expression parsers, validators and evaluators share. Internal to
// api/expression_*.cc; the public surface is api/expression.h,
// api/expression_context.h and api/expression_legacy.h.
//
// Each text expression goes: CheckText (empty, size) -> Parse*Syntax (the
// tree with unresolved placeholders, or a syntax error) -> Validate* (DynamoDB's
// semantic checks in DynamoDB's order, resolving placeholders as it goes).
// Messages returned as MaybeMessage carry no "Invalid <Parameter>: " prefix;
// Invalid() adds it.
//
// Thread safety: pure functions, except that validation marks placeholders
// used in the (per-request) ExpressionContext.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/expression.h"
#include "api/expression_context.h"
#include "api/expression_lexer.h"

namespace ddb::api::expr {

using MaybeMessage = std::optional<std::string>;

// Deepest nesting of parentheses and function calls the parsers follow; the
// 300-operator limit keeps valid expressions far below it, and it bounds the
// parsers' recursion.
inline constexpr int kMaxParseDepth = 320;

// --- Errors -----------------------------------------------------------------
Error Invalid(ExpressionKind kind, const std::string& message);
// "The expression can not be empty;" (also for whitespace only), or the 4 KB
// limit: "Expression size has exceeded the maximum allowed size; expression size: N".
MaybeMessage CheckText(std::string_view text);

// --- Parsing ----------------------------------------------------------------
// name := NAME | NAME_REF; a keyword or anything else is a syntax error.
bool ParsePathName(TokenCursor& cur, PathElement* out);
// ( '.' name | '[' NUMBER ']' )*
bool ParsePathTail(TokenCursor& cur, Path* path);
// name tail
bool ParsePath(TokenCursor& cur, Path* path);

// Counts recursion while in scope; Enter() fails past kMaxParseDepth.
class DepthGuard {
 public:
  explicit DepthGuard(int* depth) : depth_(depth) { ++*depth_; }
  ~DepthGuard() { --*depth_; }
  DepthGuard(const DepthGuard&) = delete;
  DepthGuard& operator=(const DepthGuard&) = delete;
  bool ok() const { return *depth_ <= kMaxParseDepth; }

 private:
  int* depth_;
};

// --- Validation pieces ------------------------------------------------------
// "The document path has too many nesting levels; nesting levels: 33".
MaybeMessage CheckPathDepth(const Path& path);
// "Attribute name is a reserved keyword; reserved keyword: <name as written>".
MaybeMessage CheckReserved(const Path& path);
// Resolves #name elements: "An expression attribute name used in the document
// path is not defined; attribute name: #n".
MaybeMessage ResolvePath(Path* path, ExpressionContext& ctx);
// Resolves a :value operand: "An expression attribute value used in
// expression is not defined; attribute value: :v".
MaybeMessage ResolveValue(Operand* operand, ExpressionContext& ctx);
// DynamoDB's pairwise path check (update and projection): for each path,
// against every earlier one, "Two document paths overlap with each other;
// must remove or rewrite one of these paths; path one: [a], path two: [a, b]"
// when one is a prefix of the other, and "Two document paths conflict with
// each other; ..." when they first differ in kind (name vs index) at the same
// position. Any overlap is reported before any conflict.
MaybeMessage CheckOverlaps(const std::vector<Path>& paths);

// Every path and value operand in `op`, in document order.
template <typename Fn>
void ForEachLeaf(Operand& op, Fn&& fn) {
  if (op.kind == Operand::Kind::kCall) {
    for (Operand& a : op.args) ForEachLeaf(a, fn);
    return;
  }
  fn(op);
}

// --- Values -----------------------------------------------------------------
bool IsScalarType(AttrType t);  // S, N, B
// -1, 0, 1 for two values of the same scalar type: S and B by unsigned bytes,
// N numerically.
int CompareScalars(const AttributeValue& a, const AttributeValue& b);
// size(): S (UTF-8 bytes), B (bytes), sets and L (elements), M (entries);
// nullopt for N, BOOL and NULL.
std::optional<uint64_t> SizeOf(const AttributeValue& v);
AttributeValue NumberValue(uint64_t n);
// contains(): substring of S in S, of B in B, member of a set (matching
// element type), element of a list (any type).
bool ValueContains(const AttributeValue& haystack, const AttributeValue& needle);
// begins_with(): prefix of S in S, of B in B.
bool ValueBeginsWith(const AttributeValue& v, const AttributeValue& prefix);
// Compact DynamoDB JSON: {"S":"a"} (B as base64).
std::string ValueJson(const AttributeValue& v);
// DynamoDB's form in BETWEEN messages: {S:a}, {N:1}.
std::string MessageValue(const AttributeValue& v);
// DynamoDB's type words in ADD/DELETE messages: STRING, NUMBER, BINARY,
// BOOLEAN, NULL, LIST, MAP (sets keep their short names).
const char* LongTypeName(AttrType t);

// --- Conditions ---------------------------------------------------------------
struct ParsedCondition {
  Condition tree;
  bool redundant_parens = false;
};
// The syntax only; names and values stay unresolved.
ApiResult<ParsedCondition> ParseConditionSyntax(std::string_view text, ExpressionKind kind);
// DynamoDB's checks in DynamoDB's order; resolves the tree in place.
ApiResult<bool> ValidateCondition(ParsedCondition* parsed, ExpressionKind kind, ExpressionContext& ctx);

// --- Updates ------------------------------------------------------------------
struct ParsedUpdate {
  UpdateExpression tree;
  std::vector<UpdateAction::Kind> clauses;  // each clause keyword, in order
};
ApiResult<ParsedUpdate> ParseUpdateSyntax(std::string_view text);
ApiResult<bool> ValidateUpdate(ParsedUpdate* parsed, ExpressionContext& ctx);

// --- Projections -----------------------------------------------------------------
ApiResult<Projection> ParseProjectionSyntax(std::string_view text);
ApiResult<bool> ValidateProjection(Projection* projection, ExpressionContext& ctx);

}  // namespace ddb::api::expr
