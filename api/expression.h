// DynamoDB's expression language as trees: document paths, condition and
// filter expressions, update expressions, projections and key conditions —
// the trees, their canonical printed form, and what operations do with them
// (evaluate a condition on an item, apply an update, project an item).
//
// The pipeline is ScyllaDB Alternator's: parse once into a tree, resolve the
// request's placeholders (#name, :value) while validating the tree with
// DynamoDB's rules and exact messages, then evaluate as often as needed.
// Parsing and resolving live in api/expression_context.h (text expressions)
// and api/expression_legacy.h (Expected, AttributeUpdates and the other
// pre-expression parameters), which both produce the trees declared here.
// A tree built by either is valid: evaluation and application need no
// further checks beyond the data-dependent ones DynamoDB makes at run time.
//
// Not here: key schema checks ("Cannot update attribute pk. This attribute is
// part of the key", secondary index key types), item size limits, ReturnValues
// handling — the operations do those with the accessors below.
//
// Thread safety: plain values and pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "api/attribute_value.h"
#include "api/error.h"

namespace ddb::api {

// --- Limits (developer guide, "Expression parameters") ----------------------
inline constexpr size_t kMaxExpressionBytes = 4096;  // each expression string
inline constexpr int kMaxPathDepth = kMaxNestingLevels;  // elements in a document path
inline constexpr int kMaxInOperands = 100;  // IN: the left operand and the list together
inline constexpr int kMaxOperators = 300;  // operators and functions in one condition

// --- Document paths ---------------------------------------------------------

// One step of a path: a map key (or, first, an attribute name) or a list index.
struct PathElement {
  bool is_index = false;
  std::string name;      // the (resolved) name when !is_index
  uint32_t index = 0;    // when is_index
  std::string ref;       // "#n" when the name came from ExpressionAttributeNames

  static PathElement Name(std::string n);
  static PathElement Index(uint32_t i);
};
bool operator==(const PathElement& a, const PathElement& b);  // ignores ref

struct Path {
  std::vector<PathElement> elements;  // elements[0] is always a name

  static Path Attribute(std::string name);  // a top-level attribute
  const std::string& top() const { return elements.front().name; }
  bool nested() const { return elements.size() > 1; }
  // Canonical form: a.b[2].c; names that are not plain identifiers are
  // quoted as JSON strings ("a.b"[1]).
  std::string ToString() const;
  // DynamoDB's form in messages: [a, b, [2], c].
  std::string MessageForm() const;
};
bool operator==(const Path& a, const Path& b);

// The value `path` designates in `item`, or nullptr when any step is missing
// or of the wrong type (a name in a non-map, an index in a non-list or past
// its end).
const AttributeValue* FindPath(const Item& item, const Path& path);

// --- Operands ---------------------------------------------------------------

// A value-producing node: a path into the item, a constant, or a function of
// operands. Functions: size (conditions); if_not_exists, list_append, "+" and
// "-" (update SET values). A validated tree holds no other functions.
struct Operand {
  enum class Kind : uint8_t { kPath, kValue, kCall };
  Kind kind = Kind::kValue;
  Path path;                  // kPath
  AttributeValue value;       // kValue (resolved)
  std::string ref;            // kValue: ":v" when from ExpressionAttributeValues
  std::string function;       // kCall
  std::vector<Operand> args;  // kCall

  static Operand OfPath(Path p);
  static Operand OfValue(AttributeValue v);
  static Operand Call(std::string function, std::vector<Operand> args);
  // Paths print canonically, values as their placeholder (or, given directly,
  // as compact DynamoDB JSON), calls as f(a, b), arithmetic as (a + b).
  std::string ToString() const;
};

// --- Conditions (ConditionExpression, FilterExpression, Expected, filters) ---

enum class CompareOp : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe };
const char* CompareOpText(CompareOp op);  // "=", "<>", "<", "<=", ">", ">="

struct Condition {
  enum class Kind : uint8_t { kAnd, kOr, kNot, kCompare, kBetween, kIn, kCall };
  Kind kind = Kind::kCompare;
  CompareOp op = CompareOp::kEq;    // kCompare
  std::vector<Condition> children;  // kAnd, kOr (two or more), kNot (one)
  std::vector<Operand> operands;    // kCompare (2), kBetween (3), kIn (1 + list), kCall (args)
  std::string function;             // kCall: attribute_exists, attribute_not_exists,
                                    // attribute_type, begins_with, contains

  // Fully parenthesized: ((a = :v) AND (NOT attribute_exists(b))).
  std::string ToString() const;
};

// DynamoDB's semantics: comparing values of different types is false, not an
// error; a missing operand makes every comparison false except <> (true);
// < <= > >= BETWEEN order S (by UTF-8 bytes), N (numerically) and B (by
// unsigned bytes) and are false for other types. `item` is nullptr when there
// is no item (a conditional put of a new item).
bool EvaluateCondition(const Condition& condition, const Item* item);

// The top-level attribute names a condition reads (for "Filter Expression can
// only contain non-primary key attributes" and the like).
std::set<std::string> ConditionAttributes(const Condition& condition);

// --- Updates (UpdateExpression, AttributeUpdates) ---------------------------

struct UpdateAction {
  enum class Kind : uint8_t { kSet, kRemove, kAdd, kDelete };
  Kind kind = Kind::kSet;
  Path path;
  Operand value;  // kSet: the value expression; kAdd, kDelete: the constant
};

struct UpdateExpression {
  std::vector<UpdateAction> actions;  // in expression order, clause by clause
  // AttributeUpdates semantics: ADD also appends lists, and a type mismatch
  // reads "Type mismatch for attribute to update".
  bool legacy = false;

  // SET a = :v, b = (b + :one) REMOVE c ADD d :n DELETE e :s
  std::string ToString() const;
  // Every path the update writes, in action order (for UPDATED_OLD and
  // UPDATED_NEW, which return ProjectPaths of these on the old or new item).
  std::vector<Path> ModifiedPaths() const;
  // The top-level attributes the update writes (for key attribute checks).
  std::set<std::string> ModifiedAttributes() const;
  // False when every action is REMOVE or DELETE: DynamoDB then does not
  // create a missing item. An empty (legacy) update creates it.
  bool CreatesItem() const;
};

// Applies `update` to `old_item`, or, when there is none (nullptr), to an
// item made of `key`. All SET values are read from the item before anything
// is written, and list indexes refer to positions before the update (removed
// elements are dropped, and elements set past the end appended in index
// order, after all actions). Errors are ValidationExceptions with DynamoDB's
// messages: "The provided expression refers to an attribute that does not
// exist in the item", "An operand in the update expression has an incorrect
// data type", "The document path provided in the update expression is
// invalid for update", and Number's overflow and precision messages.
ApiResult<Item> ApplyUpdate(const UpdateExpression& update, const Item* old_item, const Item& key);

// --- Projections (ProjectionExpression, AttributesToGet) --------------------

struct Projection {
  std::vector<Path> paths;
  std::string ToString() const;  // a.b[1], c
};

// The parts of `item` the paths designate, shaped as DynamoDB shapes them:
// maps keep the projected keys, list elements picked keep their relative
// order and are compacted into a new list; missing paths are skipped.
Item ProjectPaths(const std::vector<Path>& paths, const Item& item);
inline Item ApplyProjection(const Projection& p, const Item& item) { return ProjectPaths(p.paths, item); }

// --- Key conditions (KeyConditionExpression, KeyConditions) -----------------

// The legacy ComparisonOperator vocabulary, also used for key conditions.
enum class ComparisonOperator : uint8_t {
  kEq, kNe, kLe, kLt, kGe, kGt, kNotNull, kNull, kContains, kNotContains, kBeginsWith, kIn, kBetween
};
const char* ComparisonOperatorName(ComparisonOperator op);  // "EQ", "NOT_NULL", ...
std::optional<ComparisonOperator> ParseComparisonOperator(const std::string& name);

// One condition on one key attribute.
struct KeyTerm {
  std::string name;
  ComparisonOperator op = ComparisonOperator::kEq;
  std::vector<AttributeValue> values;
  std::string ToString() const;  // pk = {"S":"a"}, sk BETWEEN {"N":"1"} AND {"N":"9"}
};

struct KeyAttribute {
  std::string name;
  AttrType type = AttrType::kS;  // S, N or B
};

// A validated KeyConditionExpression tree's one or two terms, with DynamoDB's
// messages: "Invalid operator used in KeyConditionExpression: OR", "Invalid
// condition in KeyConditionExpression: Multiple attribute names used in one
// condition", "KeyConditionExpressions cannot contain nested operations",
// "KeyConditionExpressions cannot have conditions on nested attributes",
// "KeyConditionExpressions must only contain one condition per key",
// "Conditions can be of length 1 or 2 only" (more than `max_terms`: 2, or
// kMaxKeyConditionTerms for a Query of an index, whose binding checks the
// count against the index's key), and others.
constexpr size_t kMaxKeyConditionTerms = 8;  // 4 hash + 4 range attributes
ApiResult<std::vector<KeyTerm>> KeyConditionTerms(const Condition& tree, size_t max_terms = 2);

// A Query's key condition bound to the key schema.
struct KeyCondition {
  KeyTerm hash;                  // op kEq
  std::optional<KeyTerm> range;  // op kEq, kLt, kLe, kGt, kGe, kBetween or kBeginsWith
  std::string ToString() const;
};

// Binds the one or two terms of a key condition to the table's (or index's)
// key, with DynamoDB's messages: "Query condition missed key schema element:
// sk", "Query key condition not supported", "Attempted conditional constraint
// is not an indexable operation", "One or more parameter values were invalid:
// Condition parameter type does not match schema type".
ApiResult<KeyCondition> BindKeyCondition(const std::vector<KeyTerm>& terms, const KeyAttribute& hash,
                                         const std::optional<KeyAttribute>& range);

// True when a key value satisfies the term (EQ, LT, LE, GT, GE, BETWEEN,
// BEGINS_WITH).
bool KeyTermMatches(const KeyTerm& term, const AttributeValue& value);

// A Query's key condition bound to a global index with multi-attribute keys
// (several hash or range attributes): an equality on every hash attribute,
// in KeySchema order; then conditions on a leading run of the range
// attributes, left to right, all equalities but the last.
struct MultiKeyCondition {
  std::vector<KeyTerm> hash;   // one per hash attribute, op kEq
  std::vector<KeyTerm> range;  // range attributes 1..k; all kEq but the last
};
ApiResult<MultiKeyCondition> BindMultiKeyCondition(const std::vector<KeyTerm>& terms,
                                                   const std::vector<KeyAttribute>& hash,
                                                   const std::vector<KeyAttribute>& range);

}  // namespace ddb::api
