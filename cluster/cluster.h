// Cluster: the one interface api/ sees of everything below it.
//
// The cluster deals in bytes: a table's schema is an opaque blob that api/
// writes and reads back; keys are order-preserving encodings of the partition
// and sort key values (memcmp order is DynamoDB's order); items are opaque
// blobs. The cluster never parses any of them. Every call goes through a
// router (partition map from MemDS), to the leader (or, for an eventually
// consistent read, any replica) of the partition's replication group.
//
// What it is not: no JSON, no HTTP, no DynamoDB validation (api/ does that).
//
// Thread safety: every method may be called from any number of threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"

namespace ddb::cluster {

enum class TableState : uint8_t { kCreating = 0, kActive = 1, kDeleting = 2 };  // do not reorder: stored

struct TableMeta {
  std::string name;        // fully qualified: namespace + '/' + table name
  uint64_t id = 0;         // unique for the life of the data directory
  std::string schema;      // opaque, owned by api/
  int64_t created_ms = 0;  // Unix epoch milliseconds
  TableState state = TableState::kCreating;
  uint32_t partition_count = 0;
};

struct Key {
  std::string hash;   // encoded partition key value
  std::string range;  // encoded sort key value; empty for a hash-only table
  bool operator==(const Key& o) const { return hash == o.hash && range == o.range; }
};

struct Row {
  Key key;
  std::string item;
};

struct ScanPage {
  std::vector<Row> rows;
  // True when the page stopped because of the count or byte limit and more
  // rows may follow the last one (DynamoDB then returns LastEvaluatedKey).
  bool truncated = false;
};

struct TableStats {
  uint64_t item_count = 0;
  uint64_t size_bytes = 0;  // sum of the item sizes api/ reported on write
};

struct ClusterOptions {
  std::string data_dir;          // empty with in_memory
  bool in_memory = false;
  bool fsync = false;            // fsync every group commit (power-cut safety)
  int azs = 3;
  int nodes_per_az = 2;
  int memds_nodes = 3;
  int routers = 2;
  uint32_t partitions_per_table = 2;
  int tick_ms = 10;              // replica clock resolution
  int election_ticks = 30;       // failover after ~300 ms without a leader
  int heartbeat_ticks = 5;
  int request_timeout_ms = 10000;
};

class Cluster {
 public:
  virtual ~Cluster() = default;

  // Opens (or creates) the data directory and starts every node thread.
  // Errors: IoError when the directory cannot be created or written.
  static Result<std::unique_ptr<Cluster>> Start(const ClusterOptions& options);

  // Table metadata. CreateTable returns once every replica group exists and
  // the table is ACTIVE. AlreadyExists / NotFound as the names say.
  virtual Result<TableMeta> CreateTable(const std::string& name, const std::string& schema) = 0;
  virtual Result<TableMeta> GetTable(const std::string& name) = 0;
  // Tables whose names start with `prefix`, in name order.
  virtual std::vector<TableMeta> ListTables(const std::string& prefix) = 0;
  // Returns the table as it was, in state kDeleting; its data is dropped.
  virtual Result<TableMeta> DeleteTable(const std::string& name) = 0;
  virtual TableStats Stats(const TableMeta& table) = 0;

  // Item writes: acknowledged once a write quorum persisted the WAL record.
  // `size` is the item's DynamoDB size, kept for table statistics. With
  // `old`, it receives the item the write replaced (nullopt if there was
  // none), read atomically with the write by the leader.
  virtual Status Put(const TableMeta& table, const Key& key, std::string item, uint32_t size,
                     std::optional<std::string>* old = nullptr) = 0;
  virtual Status Delete(const TableMeta& table, const Key& key,
                        std::optional<std::string>* old = nullptr) = 0;

  // Reads. A consistent read is served by the leader; an eventual one by any
  // replica. An absent item is nullopt, not an error.
  virtual Result<std::optional<std::string>> Get(const TableMeta& table, const Key& key,
                                                 bool consistent) = 0;
  // Rows in scan order after `exclusive_start` (or from the start), at most
  // `limit` rows and about `max_bytes` of item bytes.
  virtual Result<ScanPage> Scan(const TableMeta& table, const std::optional<Key>& exclusive_start,
                                size_t limit, size_t max_bytes, bool consistent) = 0;

  // Stops every thread after finishing queued work; every acknowledged write
  // is in the node files. Idempotent.
  virtual void Stop() = 0;
};

}  // namespace ddb::cluster
