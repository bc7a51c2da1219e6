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
#include <functional>
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

// A write to a secondary index that goes with an item write (api/ computes
// them from the item's old and new versions). A local index's rows live in
// the base partition and change in the same replicated write; a global
// index is a table of its own, updated asynchronously from the base
// partition's outbox after the write commits (eventually consistent).
constexpr uint32_t kMaxLocalIndexes = 5;

struct IndexWrite {
  uint32_t local_index = 0;      // > 0: this local index of the table (1-based)
  uint64_t global_table = 0;     // > 0: the global index's table id ...
  std::string global_name;       // ... and name (a write is dropped if it is gone)
  Key key;                       // the index row's key
  bool erase = false;
  std::string item;              // put: the projected item
  uint32_t size = 0;             // put: its DynamoDB size
};

// What a read-modify-write step decided, given the item's latest version.
struct Mutation {
  Status status;        // not OK: write nothing and fail the call with it
  bool write = false;   // false: leave the item as it is
  bool erase = false;   // with write: delete the item
  std::string item;     // with write and !erase: the new item
  uint32_t size = 0;    // its DynamoDB size
  std::vector<IndexWrite> index_writes;  // with write
  // Global index writes are asynchronous, but by default Mutate returns once
  // they reached the index (unless propagation is paused), so that a client
  // reads its own writes through a global index as it nearly always does on
  // DynamoDB. False: return at commit (a backfill, which needs no wait).
  bool wait_for_indexes = true;
};
// Runs on the partition leader against the latest version of the item (the
// newest committed or already proposed one; nullopt when there is none).
// Must be a pure function of its argument and of what it owns: it may run
// more than once (again after a leader change), and may still run after the
// caller gave up waiting, so it must not refer to the caller's stack.
using Mutator = std::function<Mutation(const std::optional<std::string>& current)>;

struct MutateResult {
  std::optional<std::string> old_item;  // the version the mutator saw
  std::optional<std::string> new_item;  // the version after the call
};

// Transactions (TransactWriteItems, TransactGetItems): all or nothing across
// partitions and tables, by two-phase commit.
//   1. Prepare, on every participant's leader at once: the action's mutator
//      runs on the item's latest version (as for Mutate); unless the item is
//      locked by another transaction (Conflict) or the mutator fails, the
//      leader proposes a prepare record that locks the item and stages the
//      write the mutator decided. Locks are replicated state.
//   2. Decide: the group of the first action records the outcome (a decide
//      record; the first one for a transaction wins). A transaction is
//      committed exactly when its decide record says so.
//   3. Commit (or abort) records on every participant apply the staged
//      writes and release the locks.
// While an item is locked, plain writes and read-modify-writes of it fail
// with Conflict. A recovery sweep finishes what a coordinator left: a lock
// older than ClusterOptions::txn_recovery_ms gets its outcome from the
// decision group (recording "abort" when there is none yet) and is
// committed or aborted accordingly. Reads (TransactRead) take shared locks,
// read, and release them; all the items are locked at once at some moment,
// so the read is serializable with every write.
struct TxnAction {
  TableMeta table;
  Key key;
  // TransactWrite: decides the action's write, or none (a condition check);
  // its failure cancels the transaction. TransactRead: not used.
  Mutator mutator;
};
struct TxnActionResult {
  Status status;                        // the action's own outcome
  std::optional<std::string> item;      // the version it saw (its old item)
  std::optional<std::string> new_item;  // TransactWrite: the version it stages
};

// A Query's key range: one partition key, and sort keys within optional
// bounds (memcmp order of the encoded sort key), read in either direction.
struct SortBound {
  std::string value;
  bool inclusive = true;
};
struct QuerySpec {
  std::string hash;                  // encoded partition key
  std::optional<SortBound> lower;    // sort key >= / > value
  std::optional<SortBound> upper;    // sort key <= / < value
  bool forward = true;               // ascending sort key order
  std::optional<std::string> after;  // resume after this sort key (in `forward` order)
  size_t limit = SIZE_MAX;
  size_t max_bytes = SIZE_MAX;
  uint32_t local_index = 0;          // > 0: read this local index's rows instead
};

struct TableStats {
  uint64_t item_count = 0;
  uint64_t size_bytes = 0;  // sum of the item sizes api/ reported on write
  // Global index writes applied to the table but not yet propagated to
  // their index (the propagation lag, in writes).
  uint64_t index_backlog = 0;
};

// What the admin API and the web UI show of the machinery.
struct ReplicaInfo {
  uint64_t group = 0;
  uint32_t node = 0;
  bool leader = false;
  uint64_t ballot = 0;
  uint64_t commit_lsn = 0;
  uint64_t applied_lsn = 0;
  uint64_t last_lsn = 0;
  bool log_replica = false;          // WAL only (see autoadmin.h)
  uint64_t joined_lsn = 0;           // added to a running group at this LSN (0: founding member)
  // A leader's lease: milliseconds until it expires (ticks left × tick
  // length; 0: not a leader, or no valid lease, so no consistent reads).
  int64_t lease_ms_left = 0;
  // The group is quiet here (idle: this replica is not ticked; a quiet
  // leader holds no lease until something wakes it).
  bool quiescent = false;
  // The items this replica holds for the group (its applied state; 0 on a
  // log replica) and the sum of their sizes: running totals kept by the
  // node store, so reading them costs one row per replica.
  uint64_t item_count = 0;
  uint64_t size_bytes = 0;
  // The group's configuration as this replica knows it (a leader's is the
  // newest, possibly not yet committed): full members and log replicas.
  std::vector<uint32_t> full_members;
  std::vector<uint32_t> log_members;
};
struct NodeInfo {
  uint32_t id = 0;
  std::string name;  // "az-a-node-1"
  std::string az;    // "az-a"
  bool up = true;
  int disk_delay_ms = 0;  // a slow disk
  std::vector<ReplicaInfo> replicas;  // empty while down
};
struct PartitionInfo {
  uint64_t group = 0;
  uint64_t hash_lo = 0, hash_hi = 0;
  std::vector<uint32_t> members;      // full replicas serving requests
  std::vector<uint32_t> log_members;  // log replicas
  // From the group's leader's ReplicaInfo (the up leader with the highest
  // ballot); leader 0 and the rest 0 while the group has none.
  uint32_t leader = 0;
  int64_t lease_ms_left = 0;
  bool quiescent = false;  // the leader is quiet (ReplicaInfo::quiescent)
  uint64_t item_count = 0;
  uint64_t size_bytes = 0;
};
struct TableInfo {
  TableMeta meta;
  std::vector<PartitionInfo> partitions;
};
// Network faults between storage nodes.
struct NetworkFaults {
  // Groups of nodes or AZs ("az-a", "az-b-node-1") that cannot reach each
  // other; empty when the network is whole.
  std::vector<std::vector<std::string>> partition;
  double drop_rate = 0;  // probability that a message is lost
  int delay_ms = 0;      // added to every message
  double corrupt_rate = 0;  // probability that a bit of a message flips (the receiver's checksum drops it)
};

// Scrub and the WAL archive (cluster/scrub.h), per partition.
struct ReplicaScrub {
  uint32_t node = 0;
  std::string digest;  // at the scrub marker; empty when not checked
  std::string state;   // "ok", "mismatch", "repaired", "unchecked" (down or no answer)
};
struct PartitionScrub {
  uint64_t group = 0;
  uint64_t table_id = 0;
  uint64_t archived_lsn = 0;     // highest LSN in the archive
  uint64_t archive_segments = 0;
  // Every replica's live WAL is trimmed through archived_lsn (false while a
  // member still holds records the archive has: it is tried again).
  bool wal_trimmed = true;
  int64_t last_scrub_ms = 0;     // Unix epoch ms of the last scrub; 0: never
  uint64_t scrub_lsn = 0;        // the LSN the replicas were compared at
  // "" (never), "ok", "mismatch" (not repaired), "repaired", "error"
  std::string result;
  std::string detail;
  std::string reference_digest;  // rebuilt from the archive ("" when unavailable)
  std::vector<ReplicaScrub> replicas;
  uint64_t mismatches = 0;       // replicas found bad, since start
  uint64_t repairs = 0;          // replicas repaired, since start
};
struct ScrubAlarm {
  int64_t time_ms = 0;
  uint64_t group = 0;
  uint32_t node = 0;   // 0: not one node's (the archive)
  // "replica-mismatch", "replica-repaired", "repair-failed", "wal-checksum",
  // "wal-hole", "archive-corrupt"
  std::string kind;
  std::string message;
};
struct ScrubReport {
  std::vector<PartitionScrub> partitions;  // every partition of every table
  std::vector<ScrubAlarm> alarms;          // the most recent, oldest first
  // Times the periodic scrub, due, found the cluster busy and waited.
  uint64_t periodic_waits = 0;
  // Periodic scrub passes that skipped the nodes: nothing was applied since
  // a pass that found no partition due, and no idle one is due again yet.
  uint64_t periodic_skips = 0;
};
// What FlipItemBit changed.
struct BitRot {
  uint32_t node = 0;
  uint64_t group = 0;
  Key key;
};

struct ClusterSnapshot {
  std::vector<NodeInfo> nodes;
  NetworkFaults network;
  uint64_t messages_sent = 0;
  uint64_t messages_dropped = 0;
  uint64_t messages_corrupted = 0;  // dropped by the receiver's checksum check
  int stale_reads_ms = 0;  // SetStaleReads
  std::vector<TableInfo> tables;
  std::vector<uint64_t> memds_lookups;                         // per MemDS node
  std::vector<std::pair<uint64_t, uint64_t>> router_cache;     // per router: hits, misses
  std::vector<uint64_t> router_backoffs;                       // per router: Router::backoffs
  bool index_propagation_paused = false;
  uint64_t heal_passes = 0;  // autoadmin passes over every node's replicas so far
  ScrubReport scrub;
};

// A named snapshot of every table (Cluster::SaveSnapshot).
struct SnapshotInfo {
  std::string name;
  int64_t created_ms = 0;  // Unix epoch milliseconds
};

// The file in a data directory that says a load's files may be there
// unfinished (ClusterOptions::load_in_memory).
inline constexpr const char* kLoadMarker = "load-in-progress";

struct ClusterOptions {
  std::string data_dir;          // empty with in_memory
  bool in_memory = false;
  bool pause_index_propagation = false;  // start with it paused (tests)
  bool fsync = false;            // fsync every group commit (power-cut safety)
  // Open the node files at once, while meta.sqlite opens, instead of
  // waiting for OpenStorage() (-seed: seeding needs them). On a new data
  // directory, the last AZ's nodes wait for OpenStorage() all the same: the
  // other AZs hold a majority of every group made then (ClusterImpl::Init).
  bool open_storage_at_start = false;
  // ... or until a request or message has waited this long in the inbox of
  // one of them (should a group need it after all).
  int late_az_open_ms = 20;
  // A load into a new data directory (no meta.sqlite) before any write is
  // acknowledged (-seed, which answers no write before FinishLoad()): until
  // FinishLoad(), every file the cluster makes is held in memory with its
  // rollback journal (SqliteDb::OpenHeld), so the load makes no file at
  // all, unless a file outgrows what is held. Before any of its files is
  // on disk, a marker (kLoadMarker) is made, and FinishLoad() removes it
  // once they all are: a process killed meanwhile can leave a file torn,
  // and a start that finds the marker (any start on disk, with this option
  // or not) removes the files the load made (the cluster's and
  // `load_files`, names in the data directory) and starts as on a new
  // directory; BeginLoad removes any `load_files` a new directory had.
  // Ignored with fsync or in_memory, and on a directory that has a
  // meta.sqlite.
  bool load_in_memory = false;
  std::vector<std::string> load_files;
  // Leave the periodic threads (archiving and scrub, the transaction sweep,
  // autoadmin's healer) to StartPeriodicWork() instead of starting them in
  // Start(): the server starts them 100 ms after it listens, so that making
  // them is not on the way to its first answers.
  bool defer_periodic_work = false;
  int azs = 3;
  int nodes_per_az = 2;
  int memds_nodes = 3;
  int routers = 2;
  uint32_t partitions_per_table = 2;
  int tick_ms = 10;              // replica clock resolution
  int election_ticks = 30;       // failover after ~300 ms without a leader
  int heartbeat_ticks = 5;
  int lease_ticks = 0;           // the leader's lease; 0: election_ticks * 3 / 4
  int quiesce_ticks = 30;        // an idle group goes quiet after this long; 0: never
  int request_timeout_ms = 10000;
  int archive_interval_ms = 1000;  // WAL archiving and trimming; 0: only on demand
  int scrub_interval_ms = 60000;   // periodic scrub of every partition; 0: only on demand
  int txn_recovery_ms = 2000;    // a transaction lock this old is resolved by the sweep
  // Tests only: called by a write transaction's coordinator at "prepared"
  // (every participant locked) and "decided" (commit recorded); returning
  // false stops the coordinator there, as if its process had died (the
  // call then returns Uncertain). It may also inject faults (power off).
  std::function<bool(const std::string& phase)> txn_test_hook;
  // Autoadmin heals a group whose member's node has been off (or cut off
  // from the group's leader) this long: log replica, then a rebuilt full
  // replica (autoadmin.h). 0: never.
  int heal_after_ms = 2000;
  // A healer that found every group settled looks again this often while
  // any group woke since its last pass (and never while none did).
  int heal_recheck_ms = 30000;
};

class Cluster {
 public:
  virtual ~Cluster() = default;

  // Opens (or creates) the data directory and starts every node thread.
  // Errors: IoError when the directory cannot be created or written.
  static Result<std::unique_ptr<Cluster>> Start(const ClusterOptions& options);

  // Table metadata. CreateTable returns once every replica exists, but for
  // members whose node file is not open yet (at the start of the process:
  // a majority of each group is enough then, the others are created after,
  // in order), and the table is ACTIVE. AlreadyExists / NotFound as the names say.
  virtual Result<TableMeta> CreateTable(const std::string& name, const std::string& schema) = 0;
  virtual Result<TableMeta> GetTable(const std::string& name) = 0;
  // Tables whose names start with `prefix`, in name order.
  virtual std::vector<TableMeta> ListTables(const std::string& prefix) = 0;
  // Moves at every change of a table's metadata (create, delete, schema,
  // partition members): unchanged, ListTables answers as it did.
  virtual uint64_t TablesVersion() = 0;
  // Replaces a table's schema blob (UpdateTable, tags, TTL settings).
  virtual Result<TableMeta> UpdateSchema(const std::string& name, const std::string& schema) = 0;
  // Returns the table as it was, in state kDeleting; its data is dropped.
  virtual Result<TableMeta> DeleteTable(const std::string& name) = 0;
  // Item count and size of the table, or of one of its local indexes.
  virtual TableStats Stats(const TableMeta& table, uint32_t local_index = 0) = 0;
  // The bytes of the item collection of `hash_key` (the items with that
  // partition key and their local index rows), read on the partition's
  // leader after the writes it answered: ItemCollectionMetrics.
  virtual Result<uint64_t> CollectionBytes(const TableMeta& table, const std::string& hash_key) = 0;

  // Item writes: acknowledged once a write quorum persisted the WAL record.
  // `size` is the item's DynamoDB size, kept for table statistics.
  virtual Status Put(const TableMeta& table, const Key& key, std::string item, uint32_t size) = 0;
  virtual Status Delete(const TableMeta& table, const Key& key) = 0;
  // Many independent puts and deletes at once (BatchWriteItem): each is its
  // own write with its own status, but they go to their leaders together,
  // so they share group commits instead of waiting for each other.
  struct WriteOp {
    Key key;
    bool erase = false;
    std::string item;   // put
    uint32_t size = 0;  // put
  };
  virtual std::vector<Status> WriteBatch(const TableMeta& table, const std::vector<WriteOp>& ops) = 0;

  // Deletes every item of the table, keeping the table: one truncate record
  // through each partition's replication group.
  virtual Status Truncate(const TableMeta& table) = 0;
  // Atomic read-modify-write of one item (conditional writes, updates,
  // ReturnValues): the leader runs `mutator` on the latest version and
  // proposes its result, in one step that no other write of the item can
  // interleave with. `result` is filled even when the mutation fails (the
  // caller may want the version that failed a condition). A mutation that
  // writes nothing is answered once the version it saw is committed.
  virtual Status Mutate(const TableMeta& table, const Key& key, Mutator mutator,
                        MutateResult* result) = 0;
  // Many read-modify-write steps at once, each with its own status, sent to
  // their leaders together (BatchWriteItem on a table with indexes). The
  // mutators must give the same result when run twice (blind puts and
  // deletes that maintain indexes): a step whose outcome is unknown is run
  // again.
  virtual std::vector<Status> MutateBatch(const TableMeta& table,
                                          const std::vector<std::pair<Key, Mutator>>& ops) = 0;

  // Transactions (see TxnAction). `results` gets one entry per action.
  // OK: every action was applied (or read) at once. ConditionFailed: the
  // transaction was cancelled (nothing written); each result says why
  // (ConditionFailed, Conflict, InvalidArgument, or OK). Conflict: the
  // recovery sweep aborted it first. Other errors as for Mutate (Uncertain:
  // the outcome is unknown; the sweep will finish it either way).
  // `txn_id`, when not null, receives the transaction's id (for
  // TransactionOutcome after an Uncertain answer).
  virtual Status TransactWrite(const std::vector<TxnAction>& actions, std::vector<TxnActionResult>* results,
                               std::string* txn_id) = 0;
  // The outcome of write transaction `txn_id` whose first action was on
  // `first_key` of `table`: true when committed. One that is not decided yet
  // is decided now: aborted. So after this, it can never commit.
  virtual Result<bool> TransactionOutcome(const TableMeta& table, const Key& first_key,
                                          const std::string& txn_id) = 0;
  // Consistent reads of every item at one moment; ConditionFailed with
  // Conflict results when a write kept holding an item.
  virtual Status TransactRead(const std::vector<TxnAction>& actions, std::vector<TxnActionResult>* results) = 0;

  // Reads. A consistent read is served by the leader; an eventual one by any
  // replica. An absent item is nullopt, not an error.
  virtual Result<std::optional<std::string>> Get(const TableMeta& table, const Key& key,
                                                 bool consistent) = 0;
  // Rows in scan order after `exclusive_start` (or from the start), at most
  // `limit` rows and about `max_bytes` of item bytes, among the keys whose
  // hash lies in [hash_lo, hash_hi] (a parallel scan's segment; a resume
  // point outside it is InvalidArgument); of a local index's rows when
  // `local_index` > 0.
  virtual Result<ScanPage> Scan(const TableMeta& table, const std::optional<Key>& exclusive_start,
                                size_t limit, size_t max_bytes, bool consistent, uint64_t hash_lo = 0,
                                uint64_t hash_hi = UINT64_MAX, uint32_t local_index = 0) = 0;

  // The items of one partition key within the spec's sort key range, in sort
  // key order (or reverse), at most `limit` rows and about `max_bytes`.
  virtual Result<ScanPage> Query(const TableMeta& table, const QuerySpec& spec, bool consistent) = 0;

  // The state of every node, replica, table and partition, now.
  virtual ClusterSnapshot Snapshot() = 0;
  // Fault injection: power a node ("az-b-node-1") or a whole AZ ("az-b") off
  // or on. NotFound for an unknown name.
  virtual Status PowerOff(const std::string& target) = 0;
  virtual Status PowerOn(const std::string& target) = 0;
  // Replaces the network faults (an empty partition heals it). NotFound for
  // an unknown name.
  virtual Status SetNetwork(const NetworkFaults& faults) = 0;
  // Slows every group commit of a node (or an AZ's nodes) by `delay_ms`.
  virtual Status SetDiskDelay(const std::string& target, int delay_ms) = 0;
  // Pauses (or resumes) the propagation of writes to global indexes: while
  // paused, index queries return what was propagated before.
  virtual void PauseIndexPropagation(bool paused) = 0;

  // Scrub (cluster/scrub.h). ScrubNow scrubs every partition of the table
  // named (every table when empty) now, repairs what it finds, and returns
  // the report; NotFound for an unknown table.
  virtual Result<ScrubReport> ScrubNow(const std::string& table) = 0;
  virtual ScrubReport ScrubState() = 0;
  // Archives what is committed and trims the live WAL, now.
  virtual Status ArchiveNow() = 0;
  // Bit rot: flips one bit of a stored item of partition `group` on `node`
  // ("az-b-node-1"), behind the WAL's back; `pick` chooses the item. NotFound
  // for an unknown node, a group it does not hold or one without items.
  virtual Result<BitRot> FlipItemBit(const std::string& node, uint64_t group, uint64_t pick) = 0;
  // Test hook: flips a bit of WAL record `lsn` of `group` on `node`, keeping
  // its stored CRC.
  virtual Status CorruptWalRecord(const std::string& node, uint64_t group, uint64_t lsn) = 0;
  // Test hook: deletes WAL record `lsn` of `group` on `node` (a hole).
  virtual Status LoseWalRecord(const std::string& node, uint64_t group, uint64_t lsn) = 0;

  // Stale reads on request: followers apply committed writes `delay_ms`
  // late (0: at once, the default), so eventually consistent reads may miss
  // them; consistent reads, served by leaders, stay exact.
  virtual Status SetStaleReads(int delay_ms) = 0;

  // Snapshots (cluster/snapshots.h): a copy of every table, taken and put
  // back below the API with SQLite's backup API while every storage node is
  // briefly powered off, then powered on again with its leaders elected.
  // The caller must hold off every other request while Save or Restore runs
  // (requests would fail or wait for the nodes). Restore is NotFound for an
  // unknown name; both are Busy while a network delay is set (a delayed
  // message of the earlier run must not reach the restarted replicas).
  virtual Status SaveSnapshot(const std::string& name) = 0;
  virtual Status RestoreSnapshot(const std::string& name) = 0;
  virtual Status DeleteSnapshot(const std::string& name) = 0;
  virtual std::vector<SnapshotInfo> ListSnapshots() = 0;

  // Start() opens only meta.sqlite; each storage node opens its own file on
  // its own thread when a request or message first reaches it, or when this
  // is called (the server calls it once it listens, so that the files open
  // while it already answers: ListTables and DescribeTable need none of
  // them). A request that needs a node waits until its file is open.
  // `one_at_a_time`: the nodes open their files one after another (each
  // asks the next once it is done), leaving the other core to the requests;
  // otherwise all at once.
  virtual void OpenStorage(bool one_at_a_time = false) = 0;

  // Ends ClusterOptions::load_in_memory's load: the marker is made, every
  // file held in memory is written to disk with its journal, then `files`
  // (name in the data directory, among ClusterOptions::load_files, and
  // content), then the marker is removed. Call it before any write is
  // acknowledged (what a read saw before it, a start after a load that
  // failed loads again); a no-op without such a load.
  virtual Status FinishLoad(const std::vector<std::pair<std::string, std::string>>& files = {}) = 0;
  // A load held in memory is under way: FinishLoad() has work to do.
  virtual bool Loading() const = 0;

  // Starts the periodic threads that ClusterOptions::defer_periodic_work
  // held back (what any of them would do can also be asked for at once:
  // ScrubNow, ArchiveNow). Idempotent; a no-op when none was held back.
  virtual void StartPeriodicWork() = 0;

  // Stops every thread after finishing queued work; every acknowledged write
  // is in the node files. Idempotent.
  virtual void Stop() = 0;
};

}  // namespace ddb::cluster
