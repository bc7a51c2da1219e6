// What the expression kinds share: error prefixes and the text checks, path
// parsing, and the path validations (depth, reserved words, placeholders,
// overlap and conflict).
//
// Messages are DynamoDB's, as asserted by dynalite's suite (run against
// DynamoDB) and ScyllaDB's test/alternator (written against DynamoDB). Not
// confirmed: that whitespace-only text counts as empty, and that a list index
// too large for a 32-bit int is a syntax error.
//
// Thread safety: pure functions (placeholder resolution marks the
// per-request context).
#include <cstdint>
#include <string>

#include "api/expression_internal.h"
#include "api/reserved_words.h"

namespace ddb::api::expr {
namespace {

constexpr uint64_t kMaxListIndex = 0x7FFFFFFF;

bool SameKind(const PathElement& a, const PathElement& b) { return a.is_index == b.is_index; }

std::string PairMessage(const char* what, const Path& one, const Path& two) {
  return std::string("Two document paths ") + what +
         " with each other; must remove or rewrite one of these paths; path one: " + one.MessageForm() +
         ", path two: " + two.MessageForm();
}

}  // namespace

Error Invalid(ExpressionKind kind, const std::string& message) {
  return Error::Validation(std::string("Invalid ") + ExpressionParameter(kind) + ": " + message);
}

MaybeMessage CheckText(std::string_view text) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return "The expression can not be empty;";
  if (text.size() > kMaxExpressionBytes) {
    return "Expression size has exceeded the maximum allowed size; expression size: " +
           std::to_string(text.size());
  }
  return std::nullopt;
}

bool ParsePathName(TokenCursor& cur, PathElement* out) {
  if (cur.type() == Tok::kName) {
    *out = PathElement::Name(cur.text());
  } else if (cur.type() == Tok::kNameRef) {
    *out = PathElement();
    out->ref = cur.text();
  } else {
    return cur.Fail();
  }
  cur.Advance();
  return true;
}

bool ParsePathTail(TokenCursor& cur, Path* path) {
  while (true) {
    if (cur.Accept(Tok::kDot)) {
      PathElement e;
      if (!ParsePathName(cur, &e)) return false;
      path->elements.push_back(std::move(e));
    } else if (cur.Accept(Tok::kLBracket)) {
      if (cur.type() != Tok::kNumber) return cur.Fail();
      std::string digits = cur.text();
      if (digits.size() > 10 || std::stoull(digits) > kMaxListIndex) {
        return cur.FailWith("List index is not within the allowable range; index: [" + digits + "]");
      }
      path->elements.push_back(PathElement::Index(static_cast<uint32_t>(std::stoull(digits))));
      cur.Advance();
      if (!cur.Expect(Tok::kRBracket)) return false;
    } else {
      return true;
    }
  }
}

bool ParsePath(TokenCursor& cur, Path* path) {
  PathElement first;
  if (!ParsePathName(cur, &first)) return false;
  path->elements.assign(1, std::move(first));
  return ParsePathTail(cur, path);
}

MaybeMessage CheckPathDepth(const Path& path) {
  if (path.elements.size() <= static_cast<size_t>(kMaxPathDepth)) return std::nullopt;
  return "The document path has too many nesting levels; nesting levels: " + std::to_string(path.elements.size());
}

MaybeMessage CheckReserved(const Path& path) {
  for (const PathElement& e : path.elements) {
    if (!e.is_index && e.ref.empty() && IsReservedWord(e.name)) {
      return "Attribute name is a reserved keyword; reserved keyword: " + e.name;
    }
  }
  return std::nullopt;
}

MaybeMessage ResolvePath(Path* path, ExpressionContext& ctx) {
  for (PathElement& e : path->elements) {
    if (e.is_index || e.ref.empty()) continue;
    const std::string* name = ctx.ResolveName(e.ref);
    if (name == nullptr) {
      return "An expression attribute name used in the document path is not defined; attribute name: " + e.ref;
    }
    e.name = *name;
  }
  return std::nullopt;
}

MaybeMessage ResolveValue(Operand* operand, ExpressionContext& ctx) {
  const AttributeValue* value = ctx.ResolveValue(operand->ref);
  if (value == nullptr) {
    return "An expression attribute value used in expression is not defined; attribute value: " + operand->ref;
  }
  operand->value = *value;
  return std::nullopt;
}

MaybeMessage CheckOverlaps(const std::vector<Path>& paths) {
  MaybeMessage conflict;
  for (size_t j = 1; j < paths.size(); ++j) {
    for (size_t i = 0; i < j; ++i) {
      const Path& one = paths[i];
      const Path& two = paths[j];
      size_t common = std::min(one.elements.size(), two.elements.size());
      size_t k = 0;
      while (k < common && SameKind(one.elements[k], two.elements[k]) && one.elements[k] == two.elements[k]) ++k;
      if (k == common) return PairMessage("overlap", one, two);
      if (!SameKind(one.elements[k], two.elements[k]) && !conflict) conflict = PairMessage("conflict", one, two);
    }
  }
  return conflict;
}

}  // namespace ddb::api::expr
