// StorageNode: one storage node of the emulated fleet — a thread, its SQLite
// file (NodeStore), and the replicas of every partition it holds.
//
// The thread drives each replica's Paxos state machine (paxos::Replica): it
// takes messages from the transport and requests from routers off its inbox,
// steps the replicas, and then, for everything that became ready together,
// persists WAL records and hard state and applies committed records in ONE
// SQLite transaction (group commit), sends messages only after that commit,
// and answers the clients whose writes were applied. Reads are answered from
// the node's applied state; a consistent read only by the group's leader.
//
// Quiet groups (paxos::Replica, "Quiescence"): a group idle for quiesce_ticks
// goes quiet; its replica here is then asleep: not ticked, not polled for
// Ready, so an idle group costs no CPU. Anything that needs it (a message,
// a write, a consistent read, a membership change) wakes it first, with the
// ticks it slept. Instead of one heartbeat per group, every node sends one
// heartbeat per heartbeat interval to every other node (a message of group
// 0, `ballot` = the sender's incarnation); a node that has not heard a peer
// for election_ticks, or hears it with a new incarnation (it restarted),
// wakes every sleeping replica of a group with a member there, telling the
// followers of a leader there that their leader is gone, so they elect a
// new one as they would have without quiescence. A peer's heartbeat does not
// go through the inbox: it is noted (NoteHeartbeat) and read at the node
// thread's next round, which comes at the latest with its own heartbeat
// interval; only a new incarnation wakes the thread at once. An idle node
// thread so wakes once per interval, not once per peer's heartbeat too
// (six nodes idle: 1.5% of a core before, in futex wake-ups).
//
// Thread safety: the public methods post work to the node thread and may be
// called from any thread; everything else runs on the node thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cluster/cluster.h"
#include "cluster/node_store.h"
#include "cluster/paxos/replica.h"
#include "cluster/transport.h"
#include "cluster/wal_record.h"

namespace ddb::cluster {

// A transaction lock this node's leader found older than asked (StaleLocks).
struct StaleLock {
  uint64_t group = 0;
  std::string txn;
  uint64_t decision_group = 0;  // 0: a read-only transaction
};

// One participant's part of a transaction (StorageNode::Prepare).
struct TxnPrepare {
  std::string txn;
  Key key;
  Mutator mutator;              // decides the staged write; nullptr: none (a read)
  bool shared = false;          // a shared (read) lock
  uint64_t decision_group = 0;  // see WalRecord::decision_group
  // Refused (Busy) when it runs later than this: a copy of a prepare that
  // its coordinator stopped waiting for must never lock an item after the
  // transaction was decided (a sweep would then apply its write again).
  std::chrono::steady_clock::time_point deadline;
};

// One write of StorageNode::WriteBatch: a read-modify-write step (mutator
// set: what it decides is written) or a blind put or delete.
struct BatchStep {
  Key key;
  Mutator mutator;
  bool erase = false;  // without a mutator: a delete, else a put of item
  std::string item;
  uint32_t size = 0;
};

// The answer to a request posted to a node.
struct NodeReply {
  Status status;
  paxos::NodeId leader_hint = 0;       // set when the node is not the leader
  std::optional<std::string> item;     // Get
  ScanPage page;                       // Scan
  TableStats stats;                    // Stats
  std::optional<std::string> new_item; // Mutate
  std::vector<ReplicaInfo> replicas;   // Describe
  std::vector<OutboxRow> outbox;       // ReadOutbox
  uint64_t lsn = 0;                    // Mutate: the LSN of the write proposed
  bool wait_for_indexes = false;       // Mutate: it has global index writes to wait for
  bool committed = false;              // Decide: the transaction's outcome
  std::vector<StaleLock> stale;        // StaleLocks
  paxos::Ballot ballot = 0;            // ChangeMembership: the proposing leader's ballot
  std::optional<GroupCopy> copy;       // ReadSnapshot: the replicated rows at copy->lsn
  std::string config;                  // ReadSnapshot: the configuration there (encoded)
  std::vector<Status> statuses;        // WriteBatch (status OK): one per step
};
using ReplyFn = std::function<void(NodeReply)>;
NodeReply Reply(Status s, paxos::NodeId hint = 0);

// Identifies an item within a group: the two key parts, unambiguously joined.
std::string ItemKey(const std::string& hash, const std::string& range);
// The put or delete record that writes what a mutation decided (m.write set);
// the one place a Mutation becomes a WalRecord, for plain writes and
// transactions alike.
WalRecord WriteRecordOf(const Key& key, Mutation m);

// The group id of the nodes' own heartbeats (no replication group has it).
inline constexpr uint64_t kNodeHeartbeatGroup = 0;

struct NodeOptions {
  paxos::NodeId id = 0;
  std::string name;      // e.g. "az-a-node-1"
  std::string path;      // SQLite file, or ":memory:"
  bool fsync = false;
  int tick_ms = 10;
  int election_ticks = 30;
  int heartbeat_ticks = 5;
  int lease_ticks = 0;  // 0: derived (paxos::ReplicaConfig::lease_ticks)
  int quiesce_ticks = 0;  // an idle group goes quiet after this long; 0: never
  std::vector<paxos::NodeId> peer_ids;  // every other node (node heartbeats)
  // Called (on the node thread) after a group commit that added global index
  // writes to an outbox, so the propagator need not poll.
  std::function<void()> on_outbox;
  // Called on the node thread once its file is open (Start(true)).
  std::function<void()> on_open;
  // Finds another node by id, for a replica that needs a snapshot from its
  // leader (a member added after the leader trimmed its log).
  std::function<class StorageNode*(paxos::NodeId)> peer;
  // While this points to true, a file Open() makes is held in memory, with
  // its journal, until MoveToDisk() (ClusterOptions::load_in_memory), and
  // `load_marker` is made before it is on disk (NodeStore::Open).
  const std::atomic<bool>* load_in_memory = nullptr;
  std::string load_marker;
};

class StorageNode {
 public:
  StorageNode(NodeOptions options, Transport* transport);
  ~StorageNode();

  // Opens the SQLite file and loads the replicas it holds, as at the start
  // of the process: every group restarts at once. By Start(true).
  Status Open();
  // Starts the node thread. With open_file, the thread opens the file
  // (Open()) once OpenFile() is called or something is posted to it (or it
  // is powered off), and requests and messages wait in the inbox meanwhile;
  // a node that cannot open its file stops the process (exit code 1) with a
  // line on stderr that names it. With `post_grace` above zero, something
  // posted opens the file only once it has waited that long (a node whose
  // file is not needed yet: ClusterImpl::Init, -seed's last AZ). With
  // `defer_thread` (and open_file), the thread itself is made only then:
  // by OpenFile(), or by the first peer heartbeat noted after something
  // posted has waited post_grace; until then posts wait in the inbox.
  void Start(bool open_file = false, std::chrono::milliseconds post_grace = std::chrono::milliseconds(0),
             bool defer_thread = false);
  // False when the file is open already (nothing to do).
  bool OpenFile();
  // Writes the file to disk, with its journal, if Open() held it in memory
  // (NodeOptions::load_in_memory), on the node thread; `done` gets the
  // status. Answered at once when Open() had not read the flag yet or did
  // not hold the file: clear the flag first.
  void MoveToDisk(ReplyFn done);
  // Finishes queued work, fails what cannot finish, and joins the thread.
  void Stop();

  // Fault injection. PowerOff stops the thread and forgets everything held in
  // memory (replica state, queued messages, writes in flight, which fail);
  // the SQLite file survives. PowerOn recovers from the file: Paxos state,
  // WAL, items. While off, messages are dropped and requests refused.
  void PowerOff();
  // `whole_cluster`: every node restarts now, from a consistent cut (see
  // paxos::ReplicaConfig::whole_group_restarted).
  Status PowerOn(bool whole_cluster = false);
  // The node's database, for snapshots (cluster/snapshots.cc); use it only
  // while the node is powered off.
  SqliteDb* db() { return store_->db(); }
  bool powered_on() const;
  // Its file is open (after Start(true), once OpenFile() or a post opened it).
  bool file_open() const { return file_open_.load(std::memory_order_acquire); }
  // Still when every group of the node is asleep: non-zero then, and the
  // same value for as long as none wakes, is added or dropped (the node's
  // own heartbeats, Describe and AppliedLsns change nothing); 0 while a group
  // is awake or the node is off. Two equal non-zero readings mean none of
  // its replicas changed in between: whole-cluster passes (the healer's)
  // skip their work on that.
  uint64_t stillness() const { return stillness_.load(std::memory_order_acquire); }
  // A slow disk: every group commit takes this much longer (0: none).
  void SetDiskDelay(std::chrono::milliseconds delay) { disk_delay_ms_ = static_cast<int>(delay.count()); }
  int disk_delay_ms() const { return disk_delay_ms_.load(); }
  // Stale reads (cluster/storage_node_stale.cc): while a replica of this node
  // is a follower, it applies committed records `delay` late, so eventually
  // consistent reads it serves may miss them. 0 turns it off.
  void SetStaleReads(std::chrono::milliseconds delay) { stale_read_ms_ = static_cast<int>(delay.count()); }

  paxos::NodeId id() const { return options_.id; }
  const std::string& name() const { return options_.name; }

  // Called by the transport.
  void Deliver(paxos::Message m);

  // Requests (answered through `reply`, on the node thread).
  void CreateReplica(ReplicaRow row, ReplyFn reply);
  // Starts an election for `group` on this node now (no reply). new_group:
  // the group was just created with every member promised to (1, this
  // node), so its replica here leads at once (paxos::Replica::LeadNewGroup).
  void Campaign(uint64_t group, bool new_group = false);
  void DropReplica(uint64_t group, ReplyFn reply);
  // Leader only: proposes `next` as the group's configuration
  // (paxos::Replica::ProposeConfig); the reply's lsn is the change's LSN and
  // ballot the leader's, which a member being added is created with.
  void ChangeMembership(uint64_t group, paxos::Configuration next, ReplyFn reply);
  // A copy of the group's replicated rows at its applied LSN, with the
  // configuration in force there: a snapshot for a new member.
  void ReadSnapshot(uint64_t group, ReplyFn reply);
  // Proposes a put or delete; answers once it is committed and applied.
  void Write(uint64_t group, WalRecord record, ReplyFn reply);
  // Runs `mutator` on the latest version of the item and proposes what it
  // decides (see Cluster::Mutate). The reply's item and new_item are the
  // versions before and after.
  void Mutate(uint64_t group, Key key, Mutator mutator, ReplyFn reply);
  // Writes the steps of one partition as ONE batch record (one with a single
  // write is a plain put or delete record); answers once it is applied. A
  // step whose item is locked by a transaction (Conflict) or whose mutator
  // fails writes nothing and gets that status; the others are written, in
  // order (a later step of the same key reads and overrides an earlier one).
  void WriteBatch(uint64_t group, std::vector<BatchStep> steps, ReplyFn reply);
  void Get(uint64_t group, Key key, bool consistent, ReplyFn reply);
  void Scan(uint64_t group, std::optional<Key> after, size_t limit, size_t max_bytes,
            bool consistent, uint64_t hash_lo, uint64_t hash_hi, uint32_t local_index, ReplyFn reply);
  void Stats(uint64_t group, uint32_t local_index, ReplyFn reply);
  // NodeStore::CollectionBytes of the item collection of `hash_key`, in
  // the reply's stats.size_bytes.
  void CollectionBytes(uint64_t group, std::string hash_key, ReplyFn reply);
  // The oldest outbox rows (global index writes to propagate) of every group
  // this node leads, at most `limit` per group.
  void ReadOutbox(size_t limit, ReplyFn reply);
  void Query(uint64_t group, QuerySpec spec, bool consistent, ReplyFn reply);
  // The state of every replica on this node: Paxos positions, lease time
  // left, and (with `item_totals`) its item count and bytes (one item_stats
  // row per replica).
  void Describe(ReplyFn reply, bool item_totals = true);
  // Each replica's group and applied LSN alone (the other ReplicaInfo
  // fields left empty): what the archiver and the scrub look at, without
  // Describe's member lists and Paxos positions for every replica.
  void AppliedLsns(ReplyFn reply);
  // Committed records applied on this node so far (any thread): unchanged
  // means no replica here moved, so periodic passes may skip their work.
  uint64_t applied_records() const { return applied_records_.load(std::memory_order_relaxed); }
  // Runs `fn` on the node thread, between group commits, with the node's
  // store and the group's replica (nullptr when this node holds none), and
  // answers with its status. For the archiver and scrub (cluster/scrub.h);
  // `fn` must not keep either pointer.
  using InspectFn = std::function<Status(NodeStore&, const paxos::Replica*)>;
  void Inspect(uint64_t group, InspectFn fn, ReplyFn reply);

  // Transactions (storage_node_txn.cc; the protocol is in cluster.h).
  // Prepare: the leader runs the mutator on the latest version of the item
  // and, unless the item is locked by another transaction (Conflict) or the
  // mutation fails (its status), proposes a prepare record that locks the
  // item and stages the write. The reply's item is the version seen.
  void Prepare(uint64_t group, TxnPrepare prepare, ReplyFn reply);
  // Proposes commit (apply the staged writes) or abort for `txn` in `group`;
  // answers at once when the transaction holds nothing there.
  void Resolve(uint64_t group, std::string txn, bool commit, ReplyFn reply);
  // Records `commit` as the outcome of `txn` unless one is recorded; the
  // reply's `committed` is the outcome that holds.
  void Decide(uint64_t group, std::string txn, bool commit, ReplyFn reply);
  // The locks older than `age` in the groups this node leads.
  void StaleLocks(std::chrono::milliseconds age, ReplyFn reply);

 private:
  struct Group {
    ReplicaRow row;
    std::unique_ptr<paxos::Replica> replica;
    // A client write proposed here while leader, by LSN.
    struct Pending {
      paxos::Ballot ballot = 0;  // the write is ours only if committed at this ballot
      std::vector<std::string> item_keys;  // ItemKey() of the items it writes, for the overlay
      NodeReply reply;           // sent once committed (status set then)
      ReplyFn done;
      // A plain put, delete or batch with no global index writes to wait
      // for: it may be answered once committed, before this leader applies
      // it (AnswerCommitted); `done` is then empty.
      bool answer_early = false;
    };
    std::map<paxos::Lsn, Pending> pending;
    // Leader only: the newest proposed, not yet applied version of each item
    // with a write in flight (nullopt: a delete), and its LSN. Read-modify-
    // write steps read through it so that they see every earlier write.
    std::map<std::string, std::pair<paxos::Lsn, std::optional<std::string>>> overlay;
    // Answers that depend on a proposed version: sent once that LSN commits
    // (or failed if it is abandoned).
    std::multimap<paxos::Lsn, std::pair<NodeReply, ReplyFn>> after_commit;
    // Leader only: the LSN of a truncate proposed and not yet applied (0:
    // none). Until it is, an item without an overlay entry reads as absent.
    paxos::Lsn truncate_lsn = 0;

    // Transaction state. On a follower, the applied state; on a leader, the
    // applied state plus the effect of its own proposals in flight (applied
    // when proposed, like the overlay); rebuilt from the node file when the
    // proposals are abandoned, and at start.
    struct Lock {
      Key key;
      bool shared = false;
      uint64_t decision_group = 0;
      std::string staged;  // encoded WalRecord, or ""
      std::chrono::steady_clock::time_point since;
    };
    std::map<std::string, std::map<std::string, Lock>> locks;  // ItemKey -> txn -> lock
    std::map<std::string, std::vector<std::string>> txn_items;  // txn -> ItemKeys it locks
    // txn -> (committed, LSN of its decide record; 0 when loaded from the file)
    std::map<std::string, std::pair<bool, paxos::Lsn>> decisions;
    // Follower only, with stale reads on or a scrub digest under way:
    // committed records waiting to be applied to the items, each with the
    // time it is due (in LSN order).
    std::deque<std::pair<std::chrono::steady_clock::time_point, paxos::Record>> delayed;
    bool snapshot_in_flight = false;  // a snapshot was asked of the leader
    // Asleep (quiet, see above) since node tick asleep_since: not in awake_.
    bool asleep = false;
    uint64_t asleep_since = 0;
    // Requests parked on the node thread until something this replica
    // does settles: a consistent read waits for the leader's lease
    // (WaitForLease), a write for this replica's election (WaitForElection),
    // an eventually consistent read for this round's apply (WaitForApplied).
    struct ParkedRequest {
      enum class For { kLease, kElection, kApplied };
      std::chrono::steady_clock::time_point deadline;
      std::function<void(ReplyFn)> fn;
      ReplyFn reply;
      For what = For::kLease;
      paxos::Lsn applied = 0;  // kApplied: runs once the replica applied this far
    };
    std::vector<ParkedRequest> parked;
  };
  // What this node hears of another node (quiet groups' failure detection).
  struct PeerNode {
    uint64_t heard_tick = 0;   // node tick of its last heartbeat
    uint64_t incarnation = 0;  // 0: not heard yet
    bool alive = true;
  };
  // A message from a peer, or a request (fn, run on the node thread with its
  // reply function, which is answered "unavailable" if the node is off).
  struct Task {
    std::optional<paxos::Message> message;
    std::function<void(ReplyFn)> fn;
    ReplyFn reply;
    // A write to propose, or a replication message (Accept, Accepted): work
    // for the round's group commit, worth gathering more of (Run).
    bool write = false;
  };

  void Post(Task t);
  void Request(ReplyFn reply, std::function<void(ReplyFn)> body, bool write = false);
  void FailAll(const Status& why);
  // The thread's body (Start): with open_file, it waits to be asked (or for
  // a post, then post_grace) and opens the file; then Run().
  void ThreadMain(bool open_file, std::chrono::milliseconds post_grace);
  // Makes the thread that Start(defer_thread) did not; mu_ held.
  void StartDeferredThreadLocked();
  void Run();
  void RunTask(Task& t);
  void TickAll();
  void FlushReady();
  Status PersistAndApply(std::vector<std::pair<Group*, paxos::Ready>>& readies);
  void Finish(std::vector<std::pair<Group*, paxos::Ready>>& readies);
  // `created`: its row was just inserted, so it has no transaction state
  // (locks, decisions) to load.
  void AddGroup(ReplicaRow row, bool whole_group_restarted = false, bool created = false);
  // Applies a committed record now or queues it (in a transaction of the
  // caller): a follower queues its records for stale reads, and while its
  // group's scrub digest is under way (ScrubStore, deferred digests);
  // applies what is due, or all of it (completing the digest first).
  Status ApplyCommitted(Group* g, const paxos::Record& r, bool apply_items);
  Status ApplyDelayed(Group* g, bool all);
  // Applies the queued records that are due (all of a leader's; none of a
  // follower's whose digest is under way), in their own transaction;
  // called by the loop every round.
  void ApplyDueDelayed();
  // Applies every record the group queued, in a transaction of its own:
  // before a leader serves anything, and before a follower serves an
  // eventually consistent read when stale reads are off.
  Status CatchUp(Group* g);
  // Hashes the next rows of a pending scrub digest; called by the loop
  // every round, which does not sleep while one is pending.
  void StepDigests();
  Group* FindGroup(uint64_t group);
  // Quiet groups (see above).
  void Wake(Group* g, paxos::NodeId gone = 0);
  void SleepQuietGroups();
  void SendNodeHeartbeats();
  // Any thread (the transport's caller): notes a peer's heartbeat.
  void NoteHeartbeat(paxos::NodeId from, uint64_t incarnation);
  // Node thread, under mu_: the peers heard since the last round, with
  // their incarnations (the loop calls HearNode for each).
  void TakeHeard(std::vector<std::pair<paxos::NodeId, uint64_t>>* heard);
  void HearNode(paxos::NodeId from, uint64_t incarnation);
  void WatchPeers();
  void WakeGroupsWith(paxos::NodeId node);
  // A consistent read at a leader without a lease (a quiet leader gave it
  // up; a new one has none yet): the running request is parked until the
  // lease is back or its deadline passes (true: it was parked or refused).
  bool WaitForLease(Group* g, const ReplyFn& done);
  // Parks a request (RunParked runs it again); returns true.
  bool Park(Group* g, Group::ParkedRequest request);
  // A write at a replica whose election is under way (a table just
  // created, a failover), or that just won one and has not applied its
  // opening record: the running request is parked until the election is
  // decided (ElectionDecided), at most an election timeout, instead of
  // being refused without another leader to name, which makes the router
  // back off and retry (true: it was parked).
  bool WaitForElection(Group* g, const ReplyFn& done);
  static bool ElectionDecided(const Group& g);
  // An eventually consistent read at a replica that knows of committed
  // records it has not applied yet (a commit notice stepped in this round):
  // the running request is parked until this round's group commit has
  // applied them (true: it was parked). A leader sends its commit notice
  // before it answers the write, so a read sent after that answer sees the
  // write at every replica, unless stale reads are on.
  bool WaitForApplied(Group* g, const ReplyFn& done);
  void RunParked();
  bool RefuseUnlessLeader(Group* g, const ReplyFn& reply);
  bool RefuseRead(uint64_t group, bool consistent, const ReplyFn& done);
  // Proposes `record` as leader; the reply is sent when it commits.
  void Propose(Group* g, const WalRecord& record, NodeReply reply, ReplyFn done);
  Result<std::optional<std::string>> Latest(Group* g, const Key& key, paxos::Lsn* pending_lsn);
  void RunMutator(Group* g, const Key& key, const Mutator& mutator, ReplyFn done);
  void ProposeBatch(Group* g, std::vector<BatchStep>& steps, ReplyFn done);
  void Settle(Group* g, const paxos::Ready& ready);
  // A leader's Ready that only commits (no new records, no messages but
  // commit notices): sends the notices and answers its committed plain
  // writes now, before the group commit that applies them, which then
  // leaves the critical path of a write (see FlushReady).
  void AnswerCommitted(Group* g, paxos::Ready& ready);
  // Transactions (storage_node_txn.cc).
  Status LoadTxnState(Group* g);
  // The effect of a transaction record on g's lock and decision maps;
  // returns the locks a commit or abort released.
  std::vector<Group::Lock> NoteTxnRecord(Group* g, const WalRecord& rec, paxos::Lsn lsn);
  // Conflict when `key` is locked by a transaction other than `txn` (an
  // empty txn: a plain write) in a way a `shared` lock cannot share.
  void NoteLocked(Group* g);  // keeps locked_groups_ in step with g->txn_items
  Status CheckLock(Group* g, const Key& key, const std::string& txn, bool shared);
  void ProposeTxn(Group* g, const WalRecord& record, NodeReply reply, ReplyFn done);
  // Applies the memory effect of transaction records committed here that
  // this leader did not propose (a follower's, or a previous leader's).
  void NoteCommitted(Group* g, const paxos::Ready& ready);
  // Membership (storage_node_members.cc).
  void RequestSnapshot(Group* g, const paxos::SnapshotRequest& request);
  void InstallFetched(uint64_t group, NodeReply fetched);
  void DropRemoved();
  void ForgetGroup(uint64_t group, const Status& why);

  NodeOptions options_;
  Transport* transport_;
  std::unique_ptr<NodeStore> store_;
  std::map<uint64_t, Group> groups_;  // node thread only
  // Node thread only: the groups not asleep (ticked and polled for Ready),
  // the groups with parked reads, the node's clock in ticks, what it hears
  // of the other nodes, and its own incarnation (changes at every power on).
  std::set<uint64_t> awake_;
  std::set<uint64_t> parked_groups_;  // the groups with parked requests
  std::set<uint64_t> locked_groups_;  // the groups with transaction locks (NoteLocked)
  uint64_t node_tick_ = 0;
  std::map<paxos::NodeId, PeerNode> peer_nodes_;
  uint64_t incarnation_ = 0;
  // Node thread only: moves when a group wakes, is added or is forgotten;
  // published as stillness_ at the end of each round while no group is awake.
  uint64_t group_changes_ = 1;
  // The request RunTask is running, and until when it may wait for a lease
  // (zero: it was not parked yet; WaitForLease sets the deadline then).
  const std::function<void(ReplyFn)>* running_ = nullptr;
  std::chrono::steady_clock::time_point running_deadline_;

  std::atomic<int> disk_delay_ms_{0};
  std::atomic<uint64_t> applied_records_{0};
  std::atomic<uint64_t> stillness_{0};
  std::atomic<int> stale_read_ms_{0};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Task> inbox_;  // guarded by mu_
  // Guarded by mu_: each peer's incarnation as last heard, and whether it
  // was heard since the node thread last looked (NoteHeartbeat); wake_for_
  // heard_: a peer restarted, the thread must look now.
  struct Heard {
    uint64_t incarnation = 0;
    bool fresh = false;
  };
  std::map<paxos::NodeId, Heard> heard_;
  bool any_heard_ = false;
  bool wake_for_heard_ = false;
  bool off_ = true;         // guarded by mu_; until Start()
  bool open_file_now_ = false;  // guarded by mu_: OpenFile() was called
  // Guarded by mu_: Start(defer_thread) made no thread yet; its post_grace,
  // and when the first post waiting in the inbox came.
  bool thread_deferred_ = false;
  std::chrono::milliseconds deferred_grace_{0};
  std::chrono::steady_clock::time_point first_post_;
  bool load_in_memory_ = false;  // guarded by mu_: Open() held the file in memory
  std::atomic<bool> file_open_{false};  // set once Open() succeeded
  std::thread thread_;
};

}  // namespace ddb::cluster
