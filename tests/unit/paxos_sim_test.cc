// Deterministic simulation of a Paxos replication group
// (cluster/paxos/replica.h) with leases and membership changes.
//
// One seed drives everything on one thread: a network that drops, delays,
// reorders and duplicates messages; crashes that lose whatever was not
// persisted (a Ready is persisted as a whole at TakeReady time, and a crash
// may strike between persisting and sending); restarts from the simulated
// disk; partitions; proposals at whoever leads; explicit Campaign() calls
// that skip the pre-vote; one global clock that ticks every live replica at
// once; and configuration changes: a down member is replaced by a log
// replica on a spare node, and later a full replica comes back and the log
// replica leaves. Half the seeds start the group as the cluster creates a
// table's partition: every member's disk already promised ballot (1, L) and
// L is told LeadNewGroup(), which leads without phase 1; explicit campaigns
// are then sometimes LeadNewGroup() calls, which must fall back to a
// campaign whenever the group is not new any more. Most seeds let idle groups go quiet (quiesce_ticks): the
// simulator then stops ticking a quiet replica, wakes it with the ticks it
// missed before anything reaches it, and wakes it when a member's node
// becomes unreachable or restarts (the driver's per-node heartbeats; here an
// oracle). The simulator plays the driver: it
// persists, applies, installs snapshots from the leader's applied state, and
// drops a replica that says it was removed; a spare node is only ever given
// a fresh replica. The group starts as nodes 1-3; nodes 4-7 are spares.
//
// After every event the checkers run:
//   - at most one value per (LSN, ballot) is accepted, and at most one value
//     is chosen per LSN: chosen means a majority of the configuration in
//     force at that LSN in the proposer's own log (read from its simulated
//     disk, not from the replica) persisted it at one ballot, or some
//     replica applied it;
//   - a record at or below a replica's persisted commit LSN never changes on
//     its disk, and each replica applies LSNs in order, once, each equal to
//     the chosen value;
//   - every applied configuration follows the previous one by a single
//     change;
//   - at most one leader per ballot;
//   - a proposal committed at its leader is the proposer's value unless it
//     was abandoned first;
//   - no two replicas can serve consistent reads at overlapping global
//     ticks, and one that can has applied every acknowledged write.
// Then faults stop: every replica restarts, the network turns reliable, and
// every member of the leader's configuration must converge, applying every
// value acknowledged as committed and one more proposal. A failure prints
// the seed; an abort (a CHECK in the core) prints it from a signal handler.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <unistd.h>

#include "cluster/paxos/replica.h"
#include "cluster/paxos/split_mix.h"

// base/check.h's CHECK has done its work in the headers above; in this file
// CHECK is Catch2's.
#undef CHECK
#include <catch2/catch.hpp>

namespace {

using ddb::paxos::Ballot;
using ddb::paxos::Configuration;
using ddb::paxos::DecodeConfiguration;
using ddb::paxos::EncodeConfiguration;
using ddb::paxos::HardState;
using ddb::paxos::kMaxRecordsPerMessage;
using ddb::paxos::Lsn;
using ddb::paxos::Member;
using ddb::paxos::MemberRole;
using ddb::paxos::Message;
using ddb::paxos::NodeId;
using ddb::paxos::PersistedState;
using ddb::paxos::Ready;
using ddb::paxos::Record;
using ddb::paxos::RecordKind;
using ddb::paxos::Replica;
using ddb::paxos::ReplicaConfig;
using ddb::paxos::SnapshotRequest;
using ddb::paxos::SplitMix64;
using ddb::paxos::ValidateConfigurationChange;

constexpr NodeId kNodes = 7;    // node ids 1..kNodes
constexpr NodeId kInitial = 3;  // nodes 1..kInitial form the first configuration
constexpr size_t kMaxNetwork = 2000;  // messages in flight; beyond, the oldest are lost
constexpr int kQuietRoundsMax = 600;
constexpr int kElectionTicks = 10;
constexpr int kLeaseTicks = 7;

char g_abort_note[96];  // "paxos sim: seed N" for the abort handler
bool g_trace = false;   // PAXOS_SIM_TRACE=1: print elections and membership events

uint64_t EnvOr(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::strtoull(v, nullptr, 10) : fallback;
}

void OnAbort(int) {
  ssize_t ignored = write(2, g_abort_note, strlen(g_abort_note));
  (void)ignored;
}

Configuration InitialConfig() {
  std::vector<NodeId> ids;
  for (NodeId id = 1; id <= kInitial; ++id) ids.push_back(id);
  return Configuration::AllFull(ids);
}

NodeId Proposer(Ballot b) { return static_cast<NodeId>(b & 0xffffffffu); }

// "round.proposer", as ballots are written in traces.
std::string ShowBallot(Ballot b) {
  return std::to_string(b >> 32) + "." + std::to_string(Proposer(b));
}

struct Disk {
  HardState hard_state;
  std::map<Lsn, Record> records;
  Lsn applied_lsn = 0;
  Configuration applied_config;  // what the driver stores when applying kConfig records
  // For the oracle only: every record above floor_lsn is on this disk, and
  // floor_config was in force at floor_lsn (moved by snapshots).
  Lsn floor_lsn = 0;
  Configuration floor_config = InitialConfig();
  std::map<Lsn, Configuration> config_records;  // the kConfig records on disk
};

struct SimNode {
  NodeId id = 0;
  bool exists = false;  // holds a replica of the group (running or not)
  std::unique_ptr<Replica> replica;  // null while crashed
  Disk disk;
  Lsn joined_lsn = 0;
  std::map<Lsn, std::string> pending;  // proposals awaiting their outcome
  uint64_t incarnation = 0;  // starts of its replica, for peers' liveness
  // Quiescence: not ticked while quiet; `missed` ticks are handed over at
  // Wake. `seen` is what the node's liveness watch saw of each other node
  // when it went quiet: reachable, and at which incarnation.
  bool asleep = false;
  uint64_t missed = 0;
  std::map<NodeId, std::pair<bool, uint64_t>> seen;
};

struct Accepted {
  std::string data;
  RecordKind kind = RecordKind::kData;
  std::set<NodeId> by;
  bool config_known = false;
  Configuration config;  // in force at the LSN in the proposer's log
};

struct ServeInterval {
  uint64_t first = 0, last = 0;  // global ticks
  NodeId node = 0;
};

class Sim {
 public:
  explicit Sim(uint64_t seed) : seed_(seed), rng_(seed) {
    DrawProfile();
    for (NodeId id = 1; id <= kNodes; ++id) node(id).id = id;
    // As ClusterImpl::CreateReplicas and CreateTable do, on half the seeds.
    new_group_ = rng_.Percent(50);
    const NodeId first = static_cast<NodeId>(1 + rng_.Uniform(kInitial));
    for (NodeId id = 1; id <= kInitial; ++id) {
      node(id).exists = true;
      if (new_group_) node(id).disk.hard_state.promised = ddb::paxos::MakeBallot(1, first);
      Start(node(id));
    }
    if (new_group_) {
      node(first).replica->LeadNewGroup();
      Drive(node(first));
    }
  }

  const std::string& failure() const { return failure_; }
  size_t chosen_count() const { return chosen_.size(); }
  size_t config_changes() const { return config_changes_; }
  size_t sleeps() const { return sleeps_; }

  void RunFaulty(int steps) {
    for (step_ = 0; step_ < steps && failure_.empty(); ++step_) {
      FaultyStep();
      CheckLeaders();
      CheckLeases();
    }
  }

  // Faults stop; everything must converge.
  void Quiesce() {
    faulty_ = false;
    isolated_ = 0;
    for (SimNode& n : nodes_) {
      if (n.exists && !n.replica) Start(n);
    }
    // One more proposal once converged; with quiescence, once every member
    // went quiet after it, another one, which must wake them.
    Lsn final_lsn = 0, wake_lsn = 0;
    for (round_ = 0; round_ < kQuietRoundsMax && failure_.empty(); ++round_) {
      DeliverAll();
      TickAll();
      CheckLeaders();
      CheckLeases();
      SimNode* leader = ConvergedLeader();
      if (leader == nullptr) continue;
      if (final_lsn == 0) {
        final_lsn = Propose(*leader);
      } else if (wake_lsn != 0 && MembersApplied(*leader, wake_lsn)) {
        return CheckAcked(*leader);
      } else if (wake_lsn == 0 && MembersApplied(*leader, final_lsn)) {
        if (quiesce_ticks_ == 0) return CheckAcked(*leader);
        if (MembersAsleep(*leader)) wake_lsn = Propose(*leader);
      }
    }
    if (failure_.empty()) Fail("no convergence after faults stopped: " + Describe());
  }

 private:
  SimNode& node(NodeId id) { return nodes_[id - 1]; }

  void Fail(const std::string& why) {
    if (!failure_.empty()) return;
    failure_ = (faulty_ ? "step " : "quiet round ") + std::to_string(faulty_ ? step_ : round_);
    failure_ += ": " + why;
  }

  ReplicaConfig Config(const SimNode& n) const {
    ReplicaConfig c;
    c.group = 1;
    c.self = n.id;
    if (n.joined_lsn == 0) {
      for (const Member& m : InitialConfig().members) c.members.push_back(m.id);
    }
    c.joined_lsn = n.joined_lsn;
    c.election_ticks = kElectionTicks;
    c.heartbeat_ticks = 2;
    c.lease_ticks = kLeaseTicks;
    c.random_seed = seed_;
    c.quiesce_ticks = quiesce_ticks_;
    return c;
  }

  void Start(SimNode& n) {
    PersistedState s;
    s.hard_state = n.disk.hard_state;
    s.applied_lsn = n.disk.applied_lsn;
    s.configuration = n.disk.applied_config;
    Lsn keep_above = std::min(n.disk.applied_lsn, n.disk.hard_state.trim_lsn);
    // A snapshot deleted the records it covers, so the first may be above
    // keep_above + 1, but never above applied_lsn + 1.
    for (auto it = n.disk.records.upper_bound(keep_above); it != n.disk.records.end(); ++it) {
      bool first = s.records.empty();
      if (first ? it->first > n.disk.applied_lsn + 1 : it->first != s.records.back().lsn + 1) {
        return Fail("a hole on disk");
      }
      s.records.push_back(it->second);
    }
    n.replica = std::make_unique<Replica>(Config(n), s);
    ++n.incarnation;
    n.asleep = false;
    n.missed = 0;
    Drive(n);  // hands out committed records that were not applied yet
  }

  void Crash(SimNode& n) {
    n.replica.reset();
    n.pending.clear();  // their clients see an error: outcome unknown
  }

  // The driver drops a replica that was removed: its node becomes a spare.
  void Drop(SimNode& n) {
    Trace("node " + std::to_string(n.id) + " dropped");
    Crash(n);
    n.exists = false;
    n.disk = Disk();
    n.joined_lsn = 0;
  }

  // --- The faulty phase. ---

  // Each seed draws its own mix of faults, from calm to hostile.
  struct Profile {
    // Per mille of steps.
    uint64_t drop = 0, duplicate = 0, crash = 0, partition = 0, reconfig = 0, campaign = 0;
    uint64_t calm = 0;  // toggles a calm spell: no proposals, so groups may go quiet
  };

  void DrawProfile() {
    profile_.drop = 5 + rng_.Uniform(80);
    profile_.duplicate = rng_.Uniform(40);
    profile_.crash = rng_.Uniform(15);
    profile_.partition = rng_.Uniform(8);
    profile_.reconfig = 2 + rng_.Uniform(10);
    profile_.campaign = rng_.Uniform(6);
    profile_.calm = 2 + rng_.Uniform(8);
    // One seed in four never quiesces; the others after 2 to 11 ticks.
    quiesce_ticks_ = rng_.Percent(25) ? 0 : static_cast<int>(2 + rng_.Uniform(10));
  }

  void FaultyStep() {
    uint64_t dice = rng_.Uniform(1000);
    if (dice < profile_.drop) return DropRandom();
    dice -= profile_.drop;
    if (dice < profile_.duplicate) return DuplicateRandom();
    dice -= profile_.duplicate;
    if (dice < profile_.crash) return CrashRandom();
    dice -= profile_.crash;
    if (dice < profile_.partition) return TogglePartition();
    dice -= profile_.partition;
    if (dice < profile_.reconfig) return ReconfigRandom();
    dice -= profile_.reconfig;
    if (dice < profile_.campaign) return CampaignRandom();
    dice -= profile_.campaign;
    if (dice < profile_.calm) {
      calm_ = !calm_;
      return;
    }
    dice = rng_.Uniform(1000);
    if (dice < 640) return DeliverRandom();
    if (dice < 760) return TickAll();
    if (dice < 900) return ProposeRandom();
    RestartRandom();
  }

  SimNode* RandomNode(bool running) {
    std::vector<SimNode*> pick;
    for (SimNode& n : nodes_) {
      if (n.exists && (n.replica != nullptr) == running) pick.push_back(&n);
    }
    return pick.empty() ? nullptr : pick[rng_.Uniform(pick.size())];
  }

  void CrashRandom() {
    if (SimNode* n = RandomNode(true)) Crash(*n);
  }

  // An explicit Campaign(), as a driver does for a new group, at any time:
  // it skips the pre-vote, so only the lease rule protects the leader.
  void CampaignRandom() {
    if (SimNode* n = RandomNode(true)) {
      Touch(*n);
      if (!n->replica) return;
      if (new_group_ && rng_.Percent(50)) {
        n->replica->LeadNewGroup();  // not new any more (or not its ballot): a campaign
      } else {
        n->replica->Campaign();
      }
      Drive(*n);
    }
  }

  void RestartRandom() {
    if (SimNode* n = RandomNode(false)) Start(*n);
  }

  // Cuts one node off (both ways) or heals the cut.
  void TogglePartition() {
    isolated_ = isolated_ != 0 ? 0 : static_cast<NodeId>(1 + rng_.Uniform(kNodes));
  }

  void DeliverRandom() {
    if (network_.empty()) return;
    Deliver(TakeAt(rng_.Uniform(network_.size())));
  }

  void DropRandom() {
    if (!network_.empty()) TakeAt(rng_.Uniform(network_.size()));
  }

  void DuplicateRandom() {
    if (!network_.empty()) network_.push_back(network_[rng_.Uniform(network_.size())]);
  }

  // One global tick: every live replica ticks (ticks run at the same rate
  // everywhere, as the lease rule assumes), except quiet ones, which count
  // the ticks they miss (one in five is delivered anyway: a quiet replica's
  // Tick only moves its clock).
  void TickAll() {
    ++tick_;
    for (SimNode& n : nodes_) {
      if (!n.replica) continue;
      WatchLiveness(n);
      if (!n.replica) continue;
      if (n.replica->quiescent() && !n.replica->HasReady() && !rng_.Percent(20)) {
        if (!n.asleep) Sleep(n);
        ++n.missed;
        continue;
      }
      if (n.asleep) Touch(n);
      if (!n.replica) continue;
      n.replica->Tick();
      Drive(n);
    }
  }

  bool Reachable(NodeId id, NodeId from) const {
    return nodes_[id - 1].replica != nullptr && isolated_ != id && isolated_ != from;
  }

  void Sleep(SimNode& n) {
    ++sleeps_;
    n.asleep = true;
    n.missed = 0;
    n.seen.clear();
    for (const Member& m : n.replica->configuration().members) {
      if (m.id != n.id) n.seen[m.id] = {Reachable(m.id, n.id), node(m.id).incarnation};
    }
  }

  // The driver's liveness watch: a member's node that stopped answering or
  // restarted wakes the quiet replica; the follower of that node is told its
  // leader is gone.
  void WatchLiveness(SimNode& n) {
    if (!n.asleep) return;
    for (const auto& [id, was] : n.seen) {
      bool reachable = Reachable(id, n.id);
      if ((was.first && !reachable) || (reachable && node(id).incarnation != was.second)) {
        return Touch(n, id != n.replica->leader_hint());
      }
    }
  }

  // Wakes a quiet replica before anything reaches it, with the ticks it
  // missed; by default its leader is alive when the leader's node is
  // reachable.
  void Touch(SimNode& n, std::optional<bool> leader_alive = std::nullopt) {
    if (!n.asleep) return;
    NodeId leader = n.replica->leader_hint();
    bool alive = leader_alive ? *leader_alive : leader != 0 && Reachable(leader, n.id);
    n.replica->Wake(n.missed, alive);
    n.asleep = false;
    n.missed = 0;
    Drive(n);
  }

  SimNode* RandomLeader() {
    std::vector<SimNode*> leaders;
    for (SimNode& n : nodes_) {
      if (n.replica && n.replica->IsLeader()) leaders.push_back(&n);
    }
    return leaders.empty() ? nullptr : leaders[rng_.Uniform(leaders.size())];
  }

  void ProposeRandom() {
    if (calm_) return;
    if (SimNode* leader = RandomLeader()) Propose(*leader);
  }

  // One membership change at a leader, as autoadmin would do it: replace a
  // down member by a log replica, bring a full replica back, remove the
  // extra member; sometimes demote a full member instead.
  void ReconfigRandom() {
    SimNode* leader = RandomLeader();
    if (leader == nullptr) return;
    Touch(*leader);
    if (!leader->replica) return;
    Configuration next = leader->replica->configuration();
    std::vector<NodeId> down, logs, others, spares;
    for (const Member& m : next.members) {
      if (m.id == leader->id) continue;
      others.push_back(m.id);
      if (!node(m.id).replica) down.push_back(m.id);
      if (m.role == MemberRole::kLog) logs.push_back(m.id);
    }
    for (SimNode& n : nodes_) {
      if (!n.exists && !next.Contains(n.id)) spares.push_back(n.id);
    }
    NodeId added = 0;
    auto pick = [this](const std::vector<NodeId>& v) { return v[rng_.Uniform(v.size())]; };
    if (next.members.size() >= 4) {
      NodeId gone = !down.empty() ? pick(down) : !logs.empty() ? pick(logs) : pick(others);
      std::vector<Member> kept;
      for (const Member& m : next.members) {
        if (m.id != gone) kept.push_back(m);
      }
      next.members = kept;
    } else if (!spares.empty() && !rng_.Percent(10)) {
      added = pick(spares);
      MemberRole role = !logs.empty() ? MemberRole::kFull
                        : !down.empty() ? MemberRole::kLog
                        : rng_.Percent(50) ? MemberRole::kLog : MemberRole::kFull;
      next.members.push_back(Member{added, role});
    } else {
      std::vector<Member*> full;
      for (Member& m : next.members) {
        if (m.id != leader->id && m.role == MemberRole::kFull) full.push_back(&m);
      }
      if (full.size() < 2) return;  // keep a second replica that may lead
      full[rng_.Uniform(full.size())]->role = MemberRole::kLog;
    }
    Ballot ballot = leader->replica->ballot();
    auto lsn = leader->replica->ProposeConfig(next);
    if (!lsn.ok()) {
      if (lsn.status().IsInvalidArgument()) {
        Fail("a valid change was refused: " + lsn.status().message());
      }
      return;  // a change in progress, or a leader too new
    }
    ++config_changes_;
    Trace("node " + std::to_string(leader->id) + " proposes " + Show(next) + " at LSN " +
          std::to_string(*lsn) + " ballot " + ShowBallot(ballot));
    leader->pending[*lsn] = EncodeConfiguration(next);
    if (added != 0) {
      // A fresh replica, promised to the proposing leader's ballot.
      SimNode& n = node(added);
      n.exists = true;
      n.disk = Disk();
      n.disk.hard_state.promised = ballot;
      n.joined_lsn = *lsn;
      Start(n);
    }
    Drive(*leader);
  }

  Message TakeAt(size_t i) {
    Message m = std::move(network_[i]);
    network_[i] = std::move(network_.back());
    network_.pop_back();
    return m;
  }

  // --- Driving replicas. ---

  Lsn Propose(SimNode& n) {
    std::string data = "s" + std::to_string(seed_) + "-" + std::to_string(++proposals_);
    Touch(n);
    if (!n.replica) return 0;
    auto lsn = n.replica->Propose(data);
    if (!lsn.ok()) {
      // Writes are held while a configuration change waits for the log.
      if (lsn.status().message().rfind("writes are held", 0) != 0) {
        Fail("a leader refused a proposal: " + lsn.status().message());
      }
      return 0;
    }
    n.pending[*lsn] = data;
    Drive(n);
    return *lsn;
  }

  void Deliver(const Message& m) {
    if (m.to < 1 || m.to > kNodes) return Fail("a message to nowhere");
    SimNode& n = node(m.to);
    if (!n.replica) return;                                // lost
    if (isolated_ == m.to || isolated_ == m.from) return;  // cut off
    Touch(n);
    if (!n.replica) return;
    n.replica->Step(m);
    Drive(n);
  }

  void DeliverAll() {
    for (size_t i = 0; !network_.empty() && failure_.empty(); ++i) {
      if (i > 200000) return Fail("the network never quiets");
      Message m = std::move(network_.front());
      network_.pop_front();
      Deliver(m);
    }
  }

  // Carries out every Ready as a driver does, checking as it goes.
  void Drive(SimNode& n) {
    for (int i = 0; n.replica && n.replica->HasReady() && failure_.empty(); ++i) {
      if (i > 1000) return Fail("HasReady never settles");
      Ready r = n.replica->TakeReady();
      Persist(n, r);
      if (faulty_ && rng_.Percent(1)) return Crash(n);  // persisted, not sent
      for (Message& m : r.messages) {
        if (m.records.size() > kMaxRecordsPerMessage) Fail("an oversized message");
        network_.push_back(std::move(m));
        if (network_.size() > kMaxNetwork) network_.pop_front();
      }
      Apply(n, r);
      n.replica->Advance(r);
      if (r.snapshot) InstallSnapshot(n, *r.snapshot);
    }
    if (n.replica && n.replica->removed()) Drop(n);
  }

  // Copies the applied state of the requesting leader's node, as a driver
  // would (there are no items in the simulation: the applied LSN and the
  // stored configuration are the state).
  void InstallSnapshot(SimNode& n, const SnapshotRequest& req) {
    if (req.from < 1 || req.from > kNodes) return Fail("a snapshot from nowhere");
    const SimNode& src = node(req.from);
    if (!src.exists) return;
    Lsn a = src.disk.applied_lsn;
    if (a < req.lsn || a <= n.disk.applied_lsn) return;
    Configuration c = src.disk.applied_config.empty() ? InitialConfig() : src.disk.applied_config;
    Disk& d = n.disk;
    d.applied_lsn = a;
    d.applied_config = c;
    d.hard_state.commit_lsn = std::max(d.hard_state.commit_lsn, a);
    d.records.erase(d.records.begin(), d.records.upper_bound(a));
    d.config_records.erase(d.config_records.begin(), d.config_records.upper_bound(a));
    d.floor_lsn = a;
    d.floor_config = c;
    Trace("node " + std::to_string(n.id) + " installs a snapshot of node " +
          std::to_string(src.id) + " at " + std::to_string(a) + ": " + Show(c));
    n.replica->InstallSnapshot(a, c);
  }

  void Persist(SimNode& n, const Ready& r) {
    Lsn commit = n.disk.hard_state.commit_lsn;
    if (r.hard_state) {
      if (r.hard_state->commit_lsn < commit) Fail("the persisted commit LSN went back");
      if (r.hard_state->promised < n.disk.hard_state.promised) Fail("the promise went back");
      n.disk.hard_state = *r.hard_state;
    }
    for (const Record& e : r.entries) {
      auto old = n.disk.records.find(e.lsn);
      if (old != n.disk.records.end() && e.lsn <= commit && old->second.data != e.data) {
        Fail("a committed record changed on disk at LSN " + std::to_string(e.lsn));
      }
      if (old != n.disk.records.end() && e.ballot < old->second.ballot) {
        Fail("an accepted ballot went back at LSN " + std::to_string(e.lsn));
      }
      if (e.lsn <= n.disk.floor_lsn) Fail("a record written below a snapshot");
      n.disk.records[e.lsn] = e;
      n.disk.config_records.erase(e.lsn);
      if (e.kind == RecordKind::kConfig) {
        auto c = DecodeConfiguration(e.data);
        if (!c.ok()) return Fail("an undecodable configuration record");
        n.disk.config_records[e.lsn] = c.take();
      }
      Accept(n, e);
    }
  }

  // The configuration in force at `lsn` in the log on this disk.
  static const Configuration& ConfigOnDisk(const Disk& d, Lsn lsn) {
    auto it = d.config_records.upper_bound(lsn);
    if (it == d.config_records.begin()) return d.floor_config;
    return std::prev(it)->second;
  }

  // The oracle: a majority of the configuration in force at the LSN in the
  // proposer's log, persisting one (LSN, ballot), chooses its value.
  void Accept(SimNode& n, const Record& e) {
    Accepted& a = accepted_[{e.lsn, e.ballot}];
    if (a.by.empty()) {
      a.data = e.data;
      a.kind = e.kind;
    }
    if (a.data != e.data || a.kind != e.kind) return Fail("two values at one LSN and ballot");
    if (Proposer(e.ballot) == n.id && !a.config_known) {
      a.config = ConfigOnDisk(n.disk, e.lsn);
      a.config_known = true;
    }
    if (!a.config_known) {
      // A leader re-sends records below its commit LSN stamped with its
      // ballot without writing them again: they must be chosen values.
      auto chosen = chosen_.find(e.lsn);
      if (chosen == chosen_.end() || chosen->second != e.data) {
        Fail("a record persisted before its proposer persisted it at LSN " + std::to_string(e.lsn));
      }
      return;
    }
    a.by.insert(n.id);
    size_t votes = 0;
    for (const Member& m : a.config.members) votes += a.by.count(m.id);
    if (votes >= a.config.quorum()) Choose(e.lsn, a.data);
  }

  void Choose(Lsn lsn, const std::string& data) {
    auto [it, fresh] = chosen_.emplace(lsn, data);
    if (!fresh && it->second != data) {
      Fail("two values chosen at LSN " + std::to_string(lsn) + ": '" + it->second + "' and '" +
           data + "'");
    }
  }

  void Apply(SimNode& n, const Ready& r) {
    for (const Record& c : r.committed) {
      if (c.lsn != n.disk.applied_lsn + 1) return Fail("committed records out of order");
      Choose(c.lsn, c.data);
      if (c.kind == RecordKind::kConfig) ApplyConfig(n, c);
      n.disk.applied_lsn = c.lsn;
      auto p = n.pending.find(c.lsn);
      if (p == n.pending.end()) continue;
      if (p->second != c.data) Fail("a proposal was replaced without being abandoned");
      acked_[c.lsn] = c.data;
      max_acked_ = std::max(max_acked_, c.lsn);
      n.pending.erase(p);
    }
    for (Lsn lsn : r.abandoned) {
      if (n.pending.erase(lsn) == 0) Fail("abandoned an LSN that was not proposed");
    }
  }

  void ApplyConfig(SimNode& n, const Record& c) {
    auto next = DecodeConfiguration(c.data);
    if (!next.ok()) return Fail("an undecodable configuration was committed");
    const Configuration& prev =
        n.disk.applied_config.empty() ? InitialConfig() : n.disk.applied_config;
    if (!ValidateConfigurationChange(prev, *next).ok()) {
      Fail("applied configurations do not follow by single changes at LSN " +
           std::to_string(c.lsn) + " on node " + std::to_string(n.id) + ": " + Show(prev) +
           " then " + Show(*next));
    }
    Trace("node " + std::to_string(n.id) + " applies " + Show(*next) + " at LSN " +
          std::to_string(c.lsn) + " (ballot " + ShowBallot(c.ballot) + ")");
    n.disk.applied_config = next.take();
  }

  // --- Checks. ---

  void CheckLeaders() {
    for (SimNode& n : nodes_) {
      if (!n.replica || !n.replica->IsLeader()) continue;
      Ballot b = n.replica->ballot();
      if (Proposer(b) != n.id) Fail("a leader at another node's ballot");
      auto [it, fresh] = leaders_.emplace(b, n.id);
      if (fresh) {
        Trace("node " + std::to_string(n.id) + " leads at " + ShowBallot(b) + ", commit " +
              std::to_string(n.replica->commit_lsn()) + " last " +
              std::to_string(n.replica->last_lsn()) + ", " + Show(n.replica->configuration()));
      }
      if (!fresh && it->second != n.id) Fail("two leaders at one ballot");
    }
  }

  // No two ballots' consistent-read windows overlap on the global clock, and
  // a replica that may serve one has applied every acknowledged write.
  void CheckLeases() {
    for (SimNode& n : nodes_) {
      if (!n.replica || !n.replica->CanServeConsistentRead()) continue;
      if (!n.replica->IsLeader()) Fail("a consistent read at a non-leader");
      if (n.disk.applied_lsn < max_acked_) {
        Fail("node " + std::to_string(n.id) + " may serve a consistent read without the write " +
             "acknowledged at LSN " + std::to_string(max_acked_));
      }
      Ballot b = n.replica->ballot();
      auto [it, fresh] = serving_.emplace(b, ServeInterval{tick_, tick_, n.id});
      it->second.last = tick_;
      for (const auto& [other, iv] : serving_) {
        if (other == b || iv.last < it->second.first || it->second.last < iv.first) continue;
        Fail("nodes " + std::to_string(iv.node) + " and " + std::to_string(n.id) +
             " may both serve consistent reads at tick " + std::to_string(tick_));
      }
    }
  }

  // The leader, once every member of its configuration has applied all it
  // holds.
  SimNode* ConvergedLeader() {
    SimNode* leader = nullptr;
    for (SimNode& n : nodes_) {
      if (n.replica && n.replica->IsLeader()) leader = &n;
    }
    if (leader == nullptr) return nullptr;
    Lsn last = leader->replica->last_lsn();
    if (leader->replica->commit_lsn() != last) return nullptr;
    return MembersApplied(*leader, last) ? leader : nullptr;
  }

  bool MembersApplied(SimNode& leader, Lsn lsn) {
    for (const Member& m : leader.replica->configuration().members) {
      const SimNode& n = node(m.id);
      if (!n.replica || n.disk.applied_lsn < lsn) return false;
    }
    return true;
  }

  bool MembersAsleep(SimNode& leader) {
    for (const Member& m : leader.replica->configuration().members) {
      if (!node(m.id).asleep) return false;
    }
    return true;
  }

  void CheckAcked(SimNode& leader) {
    Lsn max_chosen = chosen_.empty() ? 0 : chosen_.rbegin()->first;
    if (!MembersApplied(leader, max_chosen)) Fail("a chosen value is not applied everywhere");
    for (const auto& [lsn, data] : acked_) {
      if (chosen_.at(lsn) != data) Fail("an acknowledged write was lost");
    }
  }

  void Trace(const std::string& what) const {
    if (!g_trace) return;
    std::printf("t%llu %s %d: %s\n", static_cast<unsigned long long>(tick_),
                faulty_ ? "step" : "quiet round", faulty_ ? step_ : round_, what.c_str());
  }

  static std::string Show(const Configuration& c) {
    std::string s = "{";
    for (const Member& m : c.members) {
      s += std::to_string(m.id) + (m.role == MemberRole::kLog ? "L" : "") + " ";
    }
    return s + "}";
  }

  std::string Describe() const {
    std::string s;
    for (const SimNode& n : nodes_) {
      if (!n.exists) continue;
      s += "[node " + std::to_string(n.id);
      if (!n.replica) {
        s += " down] ";
        continue;
      }
      const Replica& r = *n.replica;
      s += " leader=" + std::to_string(r.IsLeader()) + " ballot=" + std::to_string(r.ballot()) +
           " commit=" + std::to_string(r.commit_lsn()) + " applied=" +
           std::to_string(r.applied_lsn()) + " last=" + std::to_string(r.last_lsn()) +
           " members=" + Show(r.configuration()) + (n.asleep ? " asleep" : "") + "] ";
    }
    return s;
  }

  uint64_t seed_;
  SplitMix64 rng_;
  SimNode nodes_[kNodes];
  std::deque<Message> network_;
  Profile profile_;
  bool faulty_ = true;
  bool calm_ = false;
  NodeId isolated_ = 0;
  int quiesce_ticks_ = 0;
  int step_ = 0;   // in the faulty phase
  int round_ = 0;  // in the quiet phase
  uint64_t tick_ = 0;  // the global clock
  uint64_t proposals_ = 0;
  size_t config_changes_ = 0;
  size_t sleeps_ = 0;  // a replica went quiet
  std::map<std::pair<Lsn, Ballot>, Accepted> accepted_;
  std::map<Lsn, std::string> chosen_;
  std::map<Lsn, std::string> acked_;
  Lsn max_acked_ = 0;
  std::map<Ballot, NodeId> leaders_;
  std::map<Ballot, ServeInterval> serving_;
  std::string failure_;
  bool new_group_ = false;  // started by LeadNewGroup()
};

TEST_CASE("paxos sim: safety under faults, then convergence", "[sim]") {
  // PAXOS_SIM_SEEDS=N PAXOS_SIM_FIRST=S run N seeds from S (a soak, or one
  // failing seed); the default is the CI run.
  const uint64_t kFirst = EnvOr("PAXOS_SIM_FIRST", 1);
  const uint64_t kSeeds = EnvOr("PAXOS_SIM_SEEDS", 3000);
  const int kSteps = static_cast<int>(EnvOr("PAXOS_SIM_STEPS", 3000));
  std::signal(SIGABRT, OnAbort);
  g_trace = EnvOr("PAXOS_SIM_TRACE", 0) != 0;
  size_t chosen = 0, changes = 0, sleeps = 0;
  for (uint64_t seed = kFirst; seed < kFirst + kSeeds; ++seed) {
    std::snprintf(g_abort_note, sizeof g_abort_note, "paxos sim: aborted at seed %llu\n",
                  static_cast<unsigned long long>(seed));
    Sim sim(seed);
    sim.RunFaulty(kSteps);
    if (sim.failure().empty()) sim.Quiesce();
    CAPTURE(seed);
    INFO(sim.failure());
    REQUIRE(sim.failure().empty());
    chosen += sim.chosen_count();
    changes += sim.config_changes();
    sleeps += sim.sleeps();
  }
  std::signal(SIGABRT, SIG_DFL);
  // The scheduler must let work through, not only faults.
  CHECK(chosen > kSeeds * 50);
  CHECK(changes > kSeeds);
  CHECK(sleeps > kSeeds);  // quiescence is exercised
  if (EnvOr("PAXOS_SIM_STATS", 0) != 0) {
    std::printf("paxos sim: %zu chosen, %zu configuration changes, %zu quiet spells over %llu seeds\n",
                chosen, changes, sleeps, static_cast<unsigned long long>(kSeeds));
  }
}

}  // namespace
