// NodeStore: the SQLite file of one storage node — the replicas it holds, their
// Paxos state and WAL records, and their items.
//
// Schema (one file per node, e.g. az-a-node-1.sqlite):
//   replicas(group_id PK, table_id, members TEXT "id,id,id", hash_lo, hash_hi,
//            promised, commit_lsn, trim_lsn, applied_lsn)
//       promised, commit_lsn and trim_lsn are the replica's paxos::HardState.
//   wal(group_id, lsn, ballot, data BLOB, crc, kind, PK(group_id, lsn))
//       kind is paxos::RecordKind (0 data, 1 configuration).
//       data is a WalRecord (wal_record.h) or empty for a no-op; crc is the
//       CRC-32 of data, checked when the record is loaded. Rows above
//       min(applied_lsn, trim_lsn) are loaded back into the replica at start.
//   items(group_id, h BLOB(8), hk BLOB, rk BLOB, item BLOB, size,
//         PK(group_id, h, hk, rk))
//       h is KeyHashBytes(KeyHash(hk)), so that primary-key order is scan order.
//
// Writes happen inside Begin()/Commit(): the node thread groups every record
// that arrived together into one transaction (group commit).
//
// Thread safety: owned by the node thread.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "cluster/cluster.h"
#include "cluster/paxos/replica.h"
#include "cluster/sqlite_db.h"

namespace ddb::cluster {

struct ReplicaRow {
  uint64_t group = 0;
  uint64_t table_id = 0;
  std::vector<paxos::NodeId> members;
  uint64_t hash_lo = 0;  // inclusive
  uint64_t hash_hi = 0;  // inclusive
  paxos::PersistedState state;
};

class NodeStore {
 public:
  static Result<std::unique_ptr<NodeStore>> Open(const std::string& path, bool fsync);

  Result<std::vector<ReplicaRow>> LoadReplicas();
  Status CreateReplica(const ReplicaRow& row);
  Status DropReplica(uint64_t group);

  Status Begin() { return db_->Begin(); }
  Status Commit() { return db_->Commit(); }
  Status Rollback() { return db_->Rollback(); }
  Status SaveHardState(uint64_t group, const paxos::HardState& hs);
  Status SaveRecord(uint64_t group, const paxos::Record& r);
  // Applies one committed record to the items table and moves applied_lsn.
  Status Apply(uint64_t group, const paxos::Record& r);

  Result<std::optional<std::string>> Get(uint64_t group, const Key& key);
  // Rows after `after` (h, hk, rk), or from the start when nullopt, whose
  // hash lies in [hash_lo, hash_hi].
  Status Scan(uint64_t group, const std::optional<Key>& after, size_t limit, size_t max_bytes,
              uint64_t hash_lo, uint64_t hash_hi, ScanPage* page);
  Status Stats(uint64_t group, TableStats* stats);
  Status Query(uint64_t group, const QuerySpec& spec, ScanPage* page);
  // The database itself, for snapshots (cluster/snapshots.cc) while the node
  // thread is stopped.
  SqliteDb* db() { return db_.get(); }

 private:
  explicit NodeStore(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}
  Status Prepare();
  std::unique_ptr<SqliteDb> db_;
  Statement save_hard_state_, save_record_, put_item_, delete_item_, truncate_, set_applied_;
  Statement get_item_, scan_first_, scan_after_, stats_;
  // Query statements, one per shape of bounds and direction, prepared on first use.
  std::map<std::string, Statement> queries_;
};

}  // namespace ddb::cluster
