// TableSchema: what api/ knows of a table beyond the cluster's metadata — its
// name as the user gave it, key schema, attribute definitions, billing mode —
// and the order-preserving encoding of key values.
//
// The schema is stored in the cluster as an opaque blob (cluster::TableMeta::
// schema): a small JSON document written and read only here. SchemaCache
// keeps the parsed form per table id so requests do not re-parse it.
//
// Thread safety: TableSchema is an immutable value once built; SchemaCache is
// safe from any thread.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "api/attribute_value.h"
#include "api/error.h"
#include "cluster/cluster.h"

namespace ddb::api {

struct KeyDef {
  std::string name;
  AttrType type = AttrType::kS;  // kS, kN or kB
};

struct AttributeDefinition {
  std::string name;
  std::string type;  // "S", "N" or "B"
};

// A secondary index (api/secondary_index.h maintains and reads them). A
// local index has one hash key (the table's) and one range key; a global
// index has 1..4 hash keys and 0..4 range keys (multi-attribute keys), in
// KeySchema order.
constexpr size_t kMaxIndexKeyAttributes = 4;  // of each kind, global indexes

struct IndexDef {
  std::string name;
  bool global = false;
  std::vector<KeyDef> hash;   // never empty
  std::vector<KeyDef> range;  // empty when the index has no sort key
  std::string projection = "ALL";             // KEYS_ONLY, INCLUDE or ALL
  std::vector<std::string> non_key_attributes;  // INCLUDE
  uint32_t local_number = 0;  // a local index's number in its partitions (1..5)
  uint64_t table_id = 0;      // a global index's cluster table
  std::string status = "ACTIVE";  // global: CREATING (backfilling), ACTIVE, DELETING
  int64_t read_capacity = 0;
  int64_t write_capacity = 0;

  // More than one hash or range attribute.
  bool multi_attribute() const { return hash.size() > 1 || range.size() > 1; }
};

struct TableSchema {
  std::string table_name;
  KeyDef hash;
  std::optional<KeyDef> range;
  std::vector<AttributeDefinition> attribute_definitions;
  std::string billing_mode = "PROVISIONED";  // or "PAY_PER_REQUEST"
  int64_t read_capacity = 0;
  int64_t write_capacity = 0;
  std::string table_id;  // a UUID, as DescribeTable's TableId
  std::vector<std::pair<std::string, std::string>> tags;  // TagResource, in key order
  std::string ttl_attribute;  // UpdateTimeToLive; empty when disabled
  // UpdateContinuousBackups: when point in time recovery was enabled (Unix
  // ms; 0: disabled) and its recovery period.
  int64_t pitr_since_ms = 0;
  int64_t pitr_days = 35;
  bool deletion_protection = false;  // DeletionProtectionEnabled: DeleteTable refuses
  std::string table_class;           // TableClass as last set; empty: never set (STANDARD)
  std::vector<IndexDef> indexes;  // local ones first, in creation order

  const IndexDef* FindIndex(const std::string& name) const;
  AttrType TypeOf(const std::string& attribute) const;  // from the attribute definitions

  std::string Serialize() const;
  static Result<TableSchema> Deserialize(const std::string& blob);
};

// The order-preserving bytes of a key value (S or B: its bytes; N: the
// Number's ordered encoding). `v` must be of type S, N or B.
std::string EncodeKeyValue(const AttributeValue& v);

// The key of `item` under `schema`, validated as PutItem validates it.
ApiResult<cluster::Key> KeyOfItem(const TableSchema& schema, const Item& item);
// A Key parameter (GetItem, DeleteItem, ExclusiveStartKey): exactly the key
// attributes, of the right types. `what` prefixes the schema mismatch message
// (e.g. "The provided starting key is invalid: ").
ApiResult<cluster::Key> KeyOfKeyParam(const TableSchema& schema, const Item& key,
                                      const std::string& what = "");
// The key attributes of a stored item (for LastEvaluatedKey).
Item KeyAttributesOf(const TableSchema& schema, const Item& item);

class SchemaCache {
 public:
  ApiResult<std::shared_ptr<const TableSchema>> Get(const cluster::TableMeta& meta);

 private:
  std::mutex mu_;
  // table id -> (the blob it was parsed from, the parsed schema)
  std::unordered_map<uint64_t, std::pair<std::string, std::shared_ptr<const TableSchema>>> by_id_;  // guarded by mu_
};

}  // namespace ddb::api
