// Secondary indexes, api/'s side: the rows an item puts in each index, the
// writes that keep the indexes in step with the item, and the keys that
// Query and Scan use on an index.
//
// An index row is the item projected (KEYS_ONLY: the table's and the index's
// key attributes; INCLUDE: and the NonKeyAttributes; ALL: the whole item)
// under a key that is unique per base item:
//   local index:  hash = the base hash key
//                 range = Component(index sort key) + base range key
//   global index: hash = the index hash key; with several hash attributes
//                        (multi-attribute keys), Component(h1) + .. + Component(hn)
//                 range = Component(s1) + .. + Component(sm)   (its sort attributes, m = 0..4)
//                         + Component(base hash key) + base range key
// Component(x) escapes every 0x00 byte of x as 0x00 0xFF and ends with
// 0x00 0x00, so that concatenations sort by their first part, then the next
// (memcmp order is DynamoDB's order for each part). An item lacking an index
// key attribute (any one of several) is not in that index (a sparse index).
// The one-attribute forms are unchanged from before multi-attribute keys, so
// rows written then stay valid.
//
// The cluster stores a local index's rows in the base partition (written in
// the same replicated write), and a global index as a table of its own,
// named GlobalIndexTableName(), filled asynchronously.
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/error.h"
#include "api/table_schema.h"
#include "cluster/cluster.h"

namespace ddb::api {

constexpr size_t kMaxLocalIndexes = cluster::kMaxLocalIndexes;
constexpr size_t kMaxGlobalIndexes = 20;

// The cluster table of a global index of the table `table` (fully
// qualified): "<table>/<index>" (a table name holds no '/').
std::string GlobalIndexTableName(const std::string& table, const std::string& index);
// True for a name that GlobalIndexTableName made, given the namespace.
bool IsGlobalIndexTableName(const std::string& name, const std::string& ns);

// The schema blob of a global index's own table (only its keys matter).
std::string GlobalIndexTableSchema(const TableSchema& base, const IndexDef& index);

std::string Component(const std::string& encoded);

// Checks the index key attributes an item carries, as a write must: the
// type the attribute definitions give, not an empty string or binary.
ApiResult<bool> CheckIndexKeys(const TableSchema& schema, const Item& item);

// The index row of `item` in `index`, or nullopt when the item is not in it.
struct IndexRow {
  cluster::Key key;
  Item item;
};
std::optional<IndexRow> IndexRowOf(const TableSchema& schema, const IndexDef& index,
                                   const cluster::Key& base_key, const Item& item);

// How a write changes one index: the item's row in it before and after
// (either may be absent). Only for the indexes the write changes: an index
// being deleted, one the item is in neither before nor after, and one whose
// row stays the same (key and projected values) are left out.
struct IndexChange {
  const IndexDef* index;
  std::optional<IndexRow> before;
  std::optional<IndexRow> after;
  // The old row goes (the item left the index, or its index key changed).
  bool erases() const { return before && (!after || !(before->key == after->key)); }
};
std::vector<IndexChange> IndexChanges(const TableSchema& schema, const cluster::Key& base_key, const Item* old,
                                      const Item* next);

// The index writes that make `changes` (IndexChanges of one item write).
// `table` is the fully qualified name.
std::vector<cluster::IndexWrite> IndexWrites(const std::string& table, std::vector<IndexChange> changes);

// The index row key of an ExclusiveStartKey on an index (the table's and
// the index's key attributes, exactly).
ApiResult<cluster::Key> IndexStartKey(const TableSchema& schema, const IndexDef& index, const Item& start);

// The key attributes (the table's and the index's) of an index row's item,
// for LastEvaluatedKey.
Item IndexKeyAttributesOf(const TableSchema& schema, const IndexDef& index, const Item& item);

// True when the index holds attribute `name` of its items.
bool IndexProjects(const TableSchema& schema, const IndexDef& index, const std::string& name);

}  // namespace ddb::api
