// ProjectionExpression: its grammar, its validation, and projecting an item.
//
//   projection := path (',' path)* EOF          (path as in expression_common.cc)
//
// Validation order (dynalite's projection grammar, which mirrors DynamoDB's):
// path depth (not confirmed where), reserved words, undefined #names, then
// overlapping and conflicting paths ("Invalid ProjectionExpression: Two
// document paths overlap with each other; ...").
//
// Projection builds the result as DynamoDB shapes it: each existing path's
// value is copied into the same structure of maps; the elements of a list
// that are picked keep their relative order and form a new, compacted list
// (a.b[2].y of {a: {b: [1, 2, {x, y}]}} gives {a: {b: [{y}]}}); missing
// paths, and paths through values of the wrong kind, contribute nothing.
//
// Thread safety: pure functions.
#include <algorithm>
#include <numeric>
#include <utility>

#include "api/expression_internal.h"

namespace ddb::api {
namespace {

// The projection tree: a leaf copies a whole value; inner nodes are maps
// (keyed by names) or lists (keyed by the original indexes).
struct Node {
  const AttributeValue* leaf = nullptr;
  bool is_list = false;
  std::vector<Node> children;
  std::vector<std::string> names;  // parallel to children, for maps
  std::vector<uint32_t> indexes;   // parallel to children, for lists
};

Node* ChildOf(Node* node, const PathElement& e) {
  if (node->children.empty()) node->is_list = e.is_index;
  if (node->is_list != e.is_index) return nullptr;
  for (size_t i = 0; i < node->children.size(); ++i) {
    bool same = e.is_index ? node->indexes[i] == e.index : node->names[i] == e.name;
    if (same) return &node->children[i];
  }
  node->children.emplace_back();
  if (e.is_index) {
    node->indexes.push_back(e.index);
  } else {
    node->names.push_back(e.name);
  }
  return &node->children.back();
}

void Insert(Node* root, const Path& path, const AttributeValue* value) {
  Node* node = root;
  for (const PathElement& e : path.elements) {
    if (node->leaf != nullptr) return;  // an enclosing path already takes all of it
    node = ChildOf(node, e);
    if (node == nullptr) return;
  }
  *node = Node();
  node->leaf = value;
}

AttributeValue Materialize(const Node& node) {
  if (node.leaf != nullptr) return *node.leaf;
  if (!node.is_list) {
    std::map<std::string, AttributeValue> m;
    for (size_t i = 0; i < node.children.size(); ++i) m[node.names[i]] = Materialize(node.children[i]);
    return AttributeValue::M(std::move(m));
  }
  std::vector<size_t> order(node.children.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return node.indexes[a] < node.indexes[b]; });
  std::vector<AttributeValue> l;
  for (size_t i : order) l.push_back(Materialize(node.children[i]));
  return AttributeValue::L(std::move(l));
}

}  // namespace

Item ProjectPaths(const std::vector<Path>& paths, const Item& item) {
  Node root;
  for (const Path& path : paths) {
    const AttributeValue* value = FindPath(item, path);
    if (value != nullptr) Insert(&root, path, value);
  }
  Item out;
  for (size_t i = 0; i < root.children.size(); ++i) out[root.names[i]] = Materialize(root.children[i]);
  return out;
}

namespace expr {

ApiResult<Projection> ParseProjectionSyntax(std::string_view text) {
  if (MaybeMessage m = CheckText(text)) return Invalid(ExpressionKind::kProjection, *m);
  TokenCursor cur(text);
  Projection out;
  do {
    out.paths.emplace_back();
    if (!ParsePath(cur, &out.paths.back())) return Invalid(ExpressionKind::kProjection, cur.SyntaxError());
  } while (cur.Accept(Tok::kComma));
  if (!cur.Expect(Tok::kEof)) return Invalid(ExpressionKind::kProjection, cur.SyntaxError());
  return out;
}

ApiResult<bool> ValidateProjection(Projection* projection, ExpressionContext& ctx) {
  MaybeMessage m;
  for (const Path& p : projection->paths) {
    if (!m) m = CheckPathDepth(p);
  }
  for (const Path& p : projection->paths) {
    if (!m) m = CheckReserved(p);
  }
  for (Path& p : projection->paths) {
    if (!m) m = ResolvePath(&p, ctx);
  }
  if (!m) m = CheckOverlaps(projection->paths);
  if (m) return Invalid(ExpressionKind::kProjection, *m);
  return true;
}

}  // namespace expr
}  // namespace ddb::api
