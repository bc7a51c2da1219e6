// MetaStore: the partition metadata system, persisted in meta.sqlite — tables,
// their partitions (hash ranges) and replica placement. MemDS loads from it at
// start; the table operations (autoadmin's part) write it.
//
// Schema:
//   tables(name TEXT PK, id, schema BLOB, created_ms, state)   state: TableState
//   partitions(table_id, idx, group_id, hash_lo, hash_hi, members TEXT "id,id,id",
//              log_members TEXT "id,..." (log replicas; usually ""), PK(table_id, idx))
//       members are the group's full replicas that serve reads (see
//       PartitionRoute); autoadmin rewrites both when a group heals.
//   counters(name TEXT PK, value)   "table_id", "group_id": the last ids handed out
// PRAGMA user_version is the schema's version (kSchemaVersion in the .cc): a
// file at that version opens without DDL.
//
// Thread safety: every method may be called from any thread (one mutex).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cluster/memds.h"
#include "cluster/sqlite_db.h"

namespace ddb::cluster {

class MetaStore {
 public:
  // `load_marker`: as NodeStore::Open's.
  static Result<std::unique_ptr<MetaStore>> Open(const std::string& path, bool fsync,
                                                 const std::string& load_marker = {});
  Status MoveToDisk();

  // Open made the file from the image: it had no rows then.
  bool created() const { return created_; }
  Result<std::vector<TableRoute>> LoadAll();
  // Hands out the next `count` ids of a counter ("table_id" or
  // "group_id") in one transaction; returns the first of them.
  Result<uint64_t> NextId(const std::string& counter, uint64_t count = 1);
  Status SaveTable(const TableRoute& route);  // inserts or replaces table and partitions
  // A new table, in one transaction: hands out its id and `groups` group
  // ids, calls `fill` with them to complete `route` (its meta.id and
  // partitions), and saves it. `fill` runs with the store's mutex held: it
  // must not call the store.
  Status CreateTable(TableRoute* route, uint64_t groups,
                     const std::function<void(uint64_t table_id, uint64_t first_group)>& fill);
  Status DeleteTable(const TableMeta& meta);
  // Whether a partition of some table, in any state, is replicated by
  // `group` (a group whose table was deleted is not).
  Result<bool> HasGroup(uint64_t group);
  // The database itself, for snapshots (cluster/snapshots.h), used only
  // while no table operation runs (ClusterImpl holds its DDL mutex).
  SqliteDb* db() { return db_.get(); }

 private:
  explicit MetaStore(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}
  // The parts of the methods above, with mu_ held: NextIdLocked commits on
  // its own outside a transaction; SaveRows needs one.
  Result<uint64_t> NextIdLocked(const std::string& counter, uint64_t count);
  Status SaveRows(const TableRoute& route);
  std::mutex mu_;
  std::unique_ptr<SqliteDb> db_;  // guarded by mu_
  Statement next_id_, save_table_, save_partition_;  // guarded by mu_; prepared on first use
  bool created_ = false;
};

}  // namespace ddb::cluster
