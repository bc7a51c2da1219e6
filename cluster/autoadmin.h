// Healer: autoadmin's healing of replication groups — log replicas when a
// member is lost, a full replica rebuilt in the background, and the
// partition map kept in step with each group's membership.
//
// It is not the Paxos side of a change (paxos::Replica::ProposeConfig decides
// it; storage_node_members.cc carries it out) and holds no state that must
// survive a restart: each pass derives what to do from what the nodes report
// (their replicas and the configuration each knows), so a restart in the
// middle of a heal simply goes on from where the groups are.
//
// A pass runs every kPassMs unless the last one found every group settled
// and nothing it looks at changed since (node power, links, partition map;
// a membership change shows in the map); then only every heal_recheck_ms,
// as a safety net (every 30 s), and not even then while every group of
// every node that is on stayed asleep since the last pass
// (StorageNode::stillness: nothing a pass looks at can have changed). So a
// large idle cluster costs no healing work: 10,000 idle tables cost 0.2% of
// a core in these passes before (a pass describes 30,000 replicas).
//
// One pass asks every node that is on for its replicas
// (StorageNode::Describe), finds each group's leader (the highest ballot
// reporting leadership; none this pass if any replica promised a higher
// ballot, as that leader may be deposed without knowing), and makes at most one
// membership change per group, through the leader, in this order:
//   1. a replica on a node the leader's configuration does not list (a node
//      that came back after it was replaced, or a member whose addition was
//      abandoned) is dropped (the leader also tells it with a Removed
//      message when it speaks up; this is the fallback);
//   2. a member is lost when its node has been off, or its link to the
//      leader's node cut, or it has not reported a replica of the group (a
//      creation that failed, a node that does not answer), for
//      heal_after_ms: without a log replica, add one
//      (kLog) on another node of the lost member's AZ when one is free, else
//      on any free node; with one, remove the lost member. The write quorum
//      is then 2 of {two full members, the log replica};
//   3. fewer than three full members: add a full replica on a free node of
//      an AZ that has none (the lost member's AZ), created empty; it catches
//      up from the leader's log, or from a snapshot of the leader's rows
//      when the leader trimmed its log. A log replica in that AZ is removed
//      first (two members in one AZ would make that AZ's failure cost the
//      group its quorum while the new one catches up; and with two nodes per
//      AZ and the lost one still off, its node is the only free one);
//   4. three full members, all caught up (applied their joining LSN), and a
//      log replica: remove the log replica.
// The partition map (meta.sqlite and MemDS) lists as members the full
// replicas that are founding or caught up, in node order, and the log
// replicas apart; routers only use the former.
//
// A node that comes back after its replica was replaced keeps nothing of it:
// the replica is dropped (1), and if the group lacks a member in that AZ,
// step 3 builds a new one there. A replica of a group that no table has
// (its table was deleted while the node was off) is dropped too: before it
// asked for votes that nobody answered, forever.
//
// Thread safety: Start/Stop from one thread; the pass runs on its own thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cluster/cluster.h"
#include "cluster/memds.h"
#include "cluster/storage_node.h"

namespace ddb::cluster {

class Healer {
 public:
  struct Hooks {
    // Every table's route (MemDS).
    std::function<std::vector<std::shared_ptr<const TableRoute>>()> routes;
    // Moves whenever a route changes (MemdsNode::version).
    std::function<uint64_t()> routes_version;
    // Rewrites one partition's members in meta.sqlite and MemDS.
    std::function<Status(const std::string& table, uint64_t table_id, uint64_t group,
                         std::vector<paxos::NodeId> members, std::vector<paxos::NodeId> log_members)>
        set_members;
    // True when the in-process network cuts the link between two nodes.
    std::function<bool(paxos::NodeId, paxos::NodeId)> link_cut;
    // Of `groups` (replicated on some node, in no route), those that no
    // table has, in any state: what a DeleteTable left on a node that was
    // off or did not answer. Asked under the table-operation lock, so a
    // table being created is never among them.
    std::function<std::vector<uint64_t>(const std::vector<uint64_t>& groups)> forgotten;
  };

  Healer(const ClusterOptions& options, std::vector<StorageNode*> nodes, Hooks hooks);
  ~Healer();
  void Start();  // no thread when heal_after_ms is 0
  void Stop();
  uint64_t passes() const { return passes_.load(std::memory_order_relaxed); }

 private:
  struct Seen {  // a replica as a node reported it
    StorageNode* node;
    ReplicaInfo info;
  };
  void Run();
  // What a pass would look at that can change without a node noticing: the
  // nodes' power, the links between them, and the partition map.
  uint64_t Fingerprint() const;
  // The nodes' stillness together (the powered-on ones): 0 while any group
  // is awake; equal non-zero values when none woke, was added or dropped.
  uint64_t Stillness() const;
  // True when every group was settled: nothing to heal, drop or wait for.
  bool Pass();
  // True when the group is settled (three full members serving, no log
  // replica, nothing lost, stale or catching up).
  bool HealGroup(const TableRoute& route, const PartitionRoute& p, const std::vector<Seen>& seen);
  // Drops the replicas of groups that no table has (Hooks::forgotten);
  // true when it found none to drop.
  bool DropForgotten(const std::map<uint64_t, std::vector<Seen>>& by_group,
                     const std::vector<std::shared_ptr<const TableRoute>>& routes);
  bool Lost(paxos::NodeId node, paxos::NodeId leader, int64_t now_ms, bool holds_replica);
  int AzOf(paxos::NodeId node) const { return static_cast<int>((node - 1) / options_.nodes_per_az); }
  // A node that is on, not a member, and holds no replica of the group.
  bool Free(paxos::NodeId node, const ReplicaInfo& leader, const std::vector<Seen>& seen) const;
  paxos::NodeId PickFree(int az, const ReplicaInfo& leader, const std::vector<Seen>& seen) const;
  // Proposes `next` through the leader; on success creates the member being
  // added (if any) on its node.
  void Change(const TableRoute& route, const PartitionRoute& p, const Seen& leader, paxos::Configuration next,
              paxos::NodeId added, bool log_replica);

  ClusterOptions options_;
  std::vector<StorageNode*> nodes_;
  std::map<paxos::NodeId, StorageNode*> by_id_;
  Hooks hooks_;
  // Since when (leader node, member node) has looked lost; entries not
  // looked at in a pass are forgotten. Pass thread only.
  std::map<std::pair<paxos::NodeId, paxos::NodeId>, int64_t> lost_since_ms_;
  std::map<std::pair<paxos::NodeId, paxos::NodeId>, int64_t> lost_seen_;
  // Pass thread only: what the last pass saw, to skip passes while nothing
  // changed and every group is settled (an idle cluster costs no pass).
  uint64_t last_fingerprint_ = 0;
  uint64_t last_stillness_ = 0;  // read before the last pass
  bool settled_ = false;
  int64_t last_pass_ms_ = 0;
  std::atomic<uint64_t> passes_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace ddb::cluster
