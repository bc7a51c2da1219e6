// NodeStore: the SQLite file of one storage node — the replicas it holds, their
// Paxos state and WAL records, and their items.
//
// Schema (one file per node, e.g. az-a-node-1.sqlite):
//   replicas(group_id PK, table_id, members TEXT "id,id,id", hash_lo, hash_hi,
//            promised, commit_lsn, trim_lsn, applied_lsn, config BLOB,
//            joined_lsn, log_replica, item_totals BLOB)
//       promised, commit_lsn and trim_lsn are the replica's paxos::HardState.
//       config is the group's configuration in force at applied_lsn (the
//       data of the last kConfig record applied, paxos/configuration.h; empty
//       before the first change), joined_lsn the LSN of the change that added
//       this replica to a running group (0: a founding member), log_replica 1
//       for a log replica (its items stay empty; see autoadmin.h).
//       item_totals is the count and summed size of the group's `items` rows
//       per item space (the base items and each local index), kept by every
//       change to `items` in the same transaction (EncodeItemTotals). It
//       lives in this row because the transaction that applies a record
//       writes the row anyway (applied_lsn), so the totals cost no page of
//       their own. Not replicated (scrub does not digest it): each file
//       derives it from its own items.
//   wal(group_id, lsn, ballot, data BLOB, crc, kind, PK(group_id, lsn))
//       kind is paxos::RecordKind (0 data, 1 configuration).
//       data is a WalRecord (wal_record.h) or empty for a no-op; crc is the
//       CRC-32 of data, checked when the record is loaded. Rows above
//       min(applied_lsn, trim_lsn) are loaded back into the replica at start.
//   items(group_id, h BLOB(8), hk BLOB, rk BLOB, item BLOB, size,
//         PK(group_id, h, hk, rk))
//       h is KeyHashBytes(KeyHash(hk)), so that primary-key order is scan order.
//       A local secondary index's rows live here too, in the item space
//       group_id | (index << 48) (LocalSpace), keyed by the index row's key,
//       written in the same transaction as the base item.
//   outbox(group_id, lsn, seq, data BLOB, PK(group_id, lsn, seq))
//       global secondary index writes of applied records (data is one
//       index_write of wal_record.h), waiting to be propagated to the
//       index's own table; an outbox trim record removes them.
//   locks(group_id, hk, rk, txn BLOB, shared, decision_group, staged BLOB,
//         PK(group_id, hk, rk, txn))
//       the transaction locks applied prepare records hold (wal_record.h);
//       commit applies `staged` to items and deletes the txn's rows, abort
//       deletes them.
//   decisions(group_id, txn BLOB, committed, PK(group_id, txn))
//       the outcome of each transaction decided in this group (the first
//       decide record of a txn wins). Never pruned yet.
// PRAGMA user_version is the schema's version (node_schema::kVersion in
// cluster/schemas.h): a file at that version opens without any DDL; a new
// file is the node file image made at build time (schema_images.h); an
// older one is upgraded in place.
//
// Writes happen inside Begin()/Commit(): the node thread groups every record
// that arrived together into one transaction (group commit).
//
// Thread safety: owned by the node thread.
#pragma once

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <utility>
#include <string>
#include <vector>

#include "base/status.h"
#include "cluster/cluster.h"
#include "cluster/paxos/replica.h"
#include "cluster/scrub_store.h"
#include "cluster/sqlite_db.h"
#include "cluster/wal_record.h"

namespace ddb::cluster {

// A global index write waiting in a replica's outbox.
struct OutboxRow {
  uint64_t group = 0;
  uint64_t lsn = 0;
  uint32_t seq = 0;
  std::string data;  // an index_write (wal_record.h)
};

// The items-table space of a group's local index (0: the base items), and
// back: the group and local index of a space.
inline constexpr int kLocalSpaceShift = 48;
inline uint64_t LocalSpace(uint64_t group, uint32_t local_index) {
  return group | (static_cast<uint64_t>(local_index) << kLocalSpaceShift);
}
inline uint64_t SpaceGroup(uint64_t space) { return space & ((uint64_t{1} << kLocalSpaceShift) - 1); }
inline uint32_t SpaceIndex(uint64_t space) { return static_cast<uint32_t>(space >> kLocalSpaceShift); }

// The item count and summed size of each item space of a group: [0] its
// base items, [i] its local index i (LocalSpace).
struct SpaceTotals {
  int64_t items = 0;
  int64_t bytes = 0;
};
using GroupTotals = std::array<SpaceTotals, kMaxLocalIndexes + 1>;
// item_totals' bytes: (space index, items, bytes) as varints for each space
// that is not empty. Decode returns false on malformed bytes.
std::string EncodeItemTotals(const GroupTotals& totals);
bool DecodeItemTotals(std::string_view bytes, GroupTotals* totals);

// One lock an applied prepare record holds.
struct LockRow {
  Key key;
  std::string txn;
  bool shared = false;
  uint64_t decision_group = 0;
  std::string staged;
};

struct ReplicaRow {
  uint64_t group = 0;
  uint64_t table_id = 0;
  std::vector<paxos::NodeId> members;
  uint64_t hash_lo = 0;  // inclusive
  uint64_t hash_hi = 0;  // inclusive
  paxos::Lsn joined_lsn = 0;  // see paxos::ReplicaConfig::joined_lsn
  bool log_replica = false;   // WAL only: records are not applied to items
  // At creation only hard_state.promised is used (a member added to a
  // running group starts promised to the leader that added it).
  paxos::PersistedState state;
};

class NodeStore {
 public:
  // With `load_marker` (a path; without `fsync`), a file this call makes
  // is held in memory, with its journal, until MoveToDisk()
  // (SqliteDb::OpenHeld, which makes the marker before the file is on
  // disk); a file that exists is opened on disk as always.
  static Result<std::unique_ptr<NodeStore>> Open(const std::string& path, bool fsync,
                                                 const std::string& load_marker = {});
  Status MoveToDisk() { return db_->MoveToDisk(); }

  // Open made the file from the image: it had no rows then (StorageNode
  // reads no replicas from it).
  bool created() const { return created_; }
  Result<std::vector<ReplicaRow>> LoadReplicas();
  // `inserted` (optional): false when the group's row was there already.
  Status CreateReplica(const ReplicaRow& row, bool* inserted = nullptr);
  Status DropReplica(uint64_t group);

  // Within Begin()/Commit(), SaveHardState and Apply's move of applied_lsn
  // are noted in memory and written by Commit(): one UPDATE of a group's
  // replicas row per transaction, however many records it applied.
  Status Begin();
  Status Commit();
  Status Rollback();
  Status SaveHardState(uint64_t group, const paxos::HardState& hs);
  Status SaveRecord(uint64_t group, const paxos::Record& r);
  // Applies one committed record to the items table (unless !apply_items:
  // a log replica) and moves applied_lsn; a kConfig record is stored as the
  // group's configuration. Outside Begin()/Commit() it is its own
  // transaction.
  Status Apply(uint64_t group, const paxos::Record& r, bool apply_items);
  // Replaces the group's replicated rows by a copy taken from another
  // replica at copy.lsn, whose configuration there was `config` (encoded);
  // applied_lsn and commit_lsn move to copy.lsn. Its own transaction.
  Status InstallSnapshot(uint64_t group, const GroupCopy& copy, const std::string& config);
  // Within Begin()/Commit(): replaces the group's replicated rows by `copy`
  // (ScrubStore::Replace) and recounts its item totals.
  Status ReplaceGroup(uint64_t group, const GroupCopy& copy);
  // The group's stored configuration (encoded; empty: none yet).
  Result<std::string> StoredConfiguration(uint64_t group);

  // The transaction state of a group as applied: its locks, and the
  // outcome of every transaction decided in it.
  Result<std::vector<LockRow>> LoadLocks(uint64_t group);
  Result<std::map<std::string, bool>> LoadDecisions(uint64_t group);

  Result<std::optional<std::string>> Get(uint64_t group, const Key& key);
  // Rows after `after` (h, hk, rk), or from the start when nullopt, whose
  // hash lies in [hash_lo, hash_hi].
  // `space` is a group, or LocalSpace() of one of its local indexes.
  Status Scan(uint64_t space, const std::optional<Key>& after, size_t limit, size_t max_bytes,
              uint64_t hash_lo, uint64_t hash_hi, ScanPage* page);
  // Adds the space's item count and bytes (the running totals, read from
  // memory) and, in Stats, its outbox backlog (a count of its outbox rows).
  Status ItemTotals(uint64_t space, TableStats* stats);
  Status Stats(uint64_t space, TableStats* stats);
  // The bytes of one item collection: the `size` of every row with hash
  // bytes `h` and hash key `hk` in the group's own space and its local
  // indexes' spaces (ItemCollectionMetrics' estimate).
  Status CollectionBytes(uint64_t group, const std::string& h, const std::string& hk, uint64_t* bytes);
  // Reads spec.local_index's rows when it is set.
  Status Query(uint64_t group, const QuerySpec& spec, ScanPage* page);
  // The oldest `limit` outbox rows of a group, in (lsn, seq) order.
  Status ReadOutbox(uint64_t group, size_t limit, std::vector<OutboxRow>* rows);
  // The groups that may have outbox rows (a read that finds none forgets one).
  const std::set<uint64_t>& outbox_groups() const { return outbox_groups_; }
  // True once since the last call when an applied record added outbox rows.
  bool TakeOutboxAdded() { return std::exchange(outbox_added_, false); }

  // Scrub digests and repairs, WAL reads and trimming (scrub_store.h).
  ScrubStore& scrub() { return scrub_; }

  // The database itself, for snapshots (cluster/snapshots.cc) while the node
  // thread is stopped.
  SqliteDb* db() { return db_.get(); }

 private:
  explicit NodeStore(std::unique_ptr<SqliteDb> db) : db_(std::move(db)), scrub_(db_.get()) {}
  void PrepareStatements();
  Status Upgrade(int64_t version);
  static Status CopySchemaTemplate(SqliteDb* dest);
  // Applies a put or delete record (and its index writes) of the record at
  // `lsn`; `seq` numbers the record's outbox rows.
  Status ApplyItemWrite(uint64_t group, uint64_t lsn, const WalRecord& rec, uint32_t* seq);
  Status ApplyTxn(uint64_t group, uint64_t lsn, const WalRecord& rec, uint32_t* seq);
  Status ApplyIndexWrites(uint64_t group, uint64_t lsn, const std::vector<IndexWrite>& writes, uint32_t* seq);
  std::unique_ptr<SqliteDb> db_;
  Status ClearGroup(uint64_t group);  // items, local indexes and outbox
  Status SetApplied(uint64_t group, paxos::Lsn lsn);
  // Every change to `items` goes through these two, which keep the item
  // totals of the open transaction.
  Status PutItemRow(uint64_t space, const std::string& h, const std::string& hk, const std::string& rk,
                    const std::string& item, uint32_t size);
  Status DeleteItemRow(uint64_t space, const std::string& h, const std::string& hk, const std::string& rk);
  // Sets `totals` to the totals of `group` as the open transaction leaves
  // them (a copy of the committed ones at its first change there).
  Status PendingTotals(uint64_t group, GroupTotals** totals);
  Status RecountTotals(uint64_t group);  // from its items, the slow way
  // Adds the rows of a kCountItems statement (space, count, bytes) to
  // `counted`, by group and local index.
  Status CountItems(Statement& count, std::map<uint64_t, GroupTotals>* counted);
  Status LoadTotals();                   // totals_ from the replicas rows, once
  // Notes a replicas row's item_totals (empty: none) in totals_.
  Status NoteStoredTotals(uint64_t group, std::string_view bytes);
  // The replicas-row changes of the open transaction, per group.
  struct UnsavedState {
    std::optional<paxos::HardState> hard_state;
    std::optional<paxos::Lsn> applied_lsn;
    std::optional<GroupTotals> totals;
  };
  std::map<uint64_t, UnsavedState> unsaved_;
  Status SaveRow(uint64_t group, const UnsavedState& u);  // what u holds, now
  bool in_transaction_ = false;
  // The committed item totals of every group with items; loaded with the
  // replicas rows (LoadReplicas) or at their first use.
  std::map<uint64_t, GroupTotals> totals_;
  bool totals_loaded_ = false;
  bool created_ = false;
  Statement create_replica_;
  Statement save_row_, save_record_, put_item_, delete_item_, truncate_, set_config_;
  // The old size of the item put_item_ replaced, recorded by the statement
  // (SqliteDb::DefineRecorder); -1 when it inserted a new one.
  int64_t replaced_size_ = -1;
  Statement put_outbox_, trim_outbox_, clear_outbox_, read_outbox_, outbox_count_;
  Statement collection_bytes_;
  Statement put_lock_, txn_staged_, drop_txn_locks_, put_decision_, group_locks_, group_decisions_;
  Statement get_item_, scan_first_, scan_after_;
  // Query statements, one per shape of bounds and direction, prepared on first use.
  std::map<std::string, Statement> queries_;
  std::set<uint64_t> outbox_groups_;
  bool outbox_added_ = false;
  ScrubStore scrub_;
};

}  // namespace ddb::cluster
