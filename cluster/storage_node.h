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
#include <string>
#include <thread>
#include <vector>

#include "cluster/cluster.h"
#include "cluster/node_store.h"
#include "cluster/paxos/replica.h"
#include "cluster/transport.h"
#include "cluster/wal_record.h"

namespace ddb::cluster {

// The answer to a request posted to a node.
struct NodeReply {
  Status status;
  paxos::NodeId leader_hint = 0;       // set when the node is not the leader
  std::optional<std::string> item;     // Get
  ScanPage page;                       // Scan
  TableStats stats;                    // Stats
  std::optional<std::string> new_item; // Mutate
  std::vector<ReplicaInfo> replicas;   // Describe
};
using ReplyFn = std::function<void(NodeReply)>;
NodeReply Reply(Status s, paxos::NodeId hint = 0);

struct NodeOptions {
  paxos::NodeId id = 0;
  std::string name;      // e.g. "az-a-node-1"
  std::string path;      // SQLite file, or ":memory:"
  bool fsync = false;
  int tick_ms = 10;
  int election_ticks = 30;
  int heartbeat_ticks = 5;
};

class StorageNode {
 public:
  StorageNode(NodeOptions options, Transport* transport);
  ~StorageNode();

  // Opens the SQLite file and loads the replicas it holds. Before Start().
  Status Open();
  void Start();
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
  // Starts an election for `group` on this node now (no reply).
  void Campaign(uint64_t group);
  void DropReplica(uint64_t group, ReplyFn reply);
  // Proposes a put or delete; answers once it is committed and applied.
  void Write(uint64_t group, WalRecord record, ReplyFn reply);
  // Runs `mutator` on the latest version of the item and proposes what it
  // decides (see Cluster::Mutate). The reply's item and new_item are the
  // versions before and after.
  void Mutate(uint64_t group, Key key, Mutator mutator, ReplyFn reply);
  void Get(uint64_t group, Key key, bool consistent, ReplyFn reply);
  void Scan(uint64_t group, std::optional<Key> after, size_t limit, size_t max_bytes,
            bool consistent, uint64_t hash_lo, uint64_t hash_hi, ReplyFn reply);
  void Stats(uint64_t group, ReplyFn reply);
  void Query(uint64_t group, QuerySpec spec, bool consistent, ReplyFn reply);
  // The state of every replica on this node.
  void Describe(ReplyFn reply);

 private:
  struct Group {
    ReplicaRow row;
    std::unique_ptr<paxos::Replica> replica;
    // A client write proposed here while leader, by LSN.
    struct Pending {
      paxos::Ballot ballot = 0;  // the write is ours only if committed at this ballot
      std::string item_key;      // ItemKey() of the record, for the overlay
      NodeReply reply;           // sent once committed (status set then)
      ReplyFn done;
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
    // Follower only, with stale reads on: committed records waiting to be
    // applied to the items, each with the time it is due (in LSN order).
    std::deque<std::pair<std::chrono::steady_clock::time_point, paxos::Record>> delayed;
  };
  // A message from a peer, or a request (fn, run on the node thread with its
  // reply function, which is answered "unavailable" if the node is off).
  struct Task {
    std::optional<paxos::Message> message;
    std::function<void(ReplyFn)> fn;
    ReplyFn reply;
  };

  void Post(Task t);
  void Request(ReplyFn reply, std::function<void(ReplyFn)> body);
  void FailAll(const Status& why);
  void Run();
  void RunTask(Task& t);
  void TickAll();
  void FlushReady();
  Status PersistAndApply(std::vector<std::pair<Group*, paxos::Ready>>& readies);
  void Finish(std::vector<std::pair<Group*, paxos::Ready>>& readies);
  void AddGroup(ReplicaRow row, bool whole_group_restarted = false);
  // Stale reads: applies a committed record now or queues it (in a
  // transaction of the caller); applies what is due, or all of it.
  Status ApplyCommitted(Group* g, const paxos::Record& r);
  Status ApplyDelayed(Group* g, bool all);
  // Applies the queued records that are due (all of a leader's), in their
  // own transaction; called by the loop every round.
  void ApplyDueDelayed();
  Group* FindGroup(uint64_t group);
  bool RefuseUnlessLeader(Group* g, const ReplyFn& reply);
  bool RefuseRead(uint64_t group, bool consistent, const ReplyFn& done);
  // Proposes `record` as leader; the reply is sent when it commits.
  void Propose(Group* g, const WalRecord& record, NodeReply reply, ReplyFn done);
  Result<std::optional<std::string>> Latest(Group* g, const Key& key, paxos::Lsn* pending_lsn);
  void RunMutator(Group* g, const Key& key, const Mutator& mutator, ReplyFn done);
  void Settle(Group* g, const paxos::Ready& ready);

  NodeOptions options_;
  Transport* transport_;
  std::unique_ptr<NodeStore> store_;
  std::map<uint64_t, Group> groups_;  // node thread only

  std::atomic<int> disk_delay_ms_{0};
  std::atomic<int> stale_read_ms_{0};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Task> inbox_;  // guarded by mu_
  bool off_ = true;         // guarded by mu_; until Start()
  std::thread thread_;
};

}  // namespace ddb::cluster
