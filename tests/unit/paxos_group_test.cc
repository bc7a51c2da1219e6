// Scripted scenarios for leases, pre-vote, check-quorum and membership
// changes in the Paxos core (cluster/paxos/replica.h), and for the
// configuration codec (configuration.h). A small harness plays the driver
// of up to five replicas: it persists each Ready to an in-memory "disk",
// applies it (items are the data of applied records), installs snapshots
// from the leader's disk, and carries messages over links that a scenario
// can cut or hold. Time advances only through explicit ticks.
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "cluster/paxos/configuration.h"
#include "cluster/paxos/replica.h"

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
using ddb::paxos::ValidateConfiguration;
using ddb::paxos::ValidateConfigurationChange;
using Type = Message::Type;

constexpr uint64_t kGroup = 9;
constexpr int kElectionTicks = 10;
constexpr int kLeaseTicks = 5;

Configuration Conf(std::vector<std::pair<NodeId, MemberRole>> members) {
  Configuration c;
  for (const auto& [id, role] : members) c.members.push_back(Member{id, role});
  return c;
}
constexpr MemberRole kFull = MemberRole::kFull;
constexpr MemberRole kLog = MemberRole::kLog;

struct Disk {
  HardState hard_state;
  std::map<Lsn, Record> records;
  Lsn applied_lsn = 0;
  Configuration configuration;     // stored when a kConfig record is applied
  std::vector<std::string> items;  // data of the applied write records
};

struct Node {
  std::unique_ptr<Replica> replica;
  Disk disk;
  Lsn joined_lsn = 0;
  bool log_replica = false;  // the driver created it as one: snapshots copy no items
  std::vector<Lsn> abandoned;
  size_t log_only = 0;   // write records applied without items (log replica)
  size_t snapshots = 0;  // snapshots installed
};

class Net {
 public:
  explicit Net(bool auto_elect = false, int quiesce_ticks = 0)
      : auto_elect_(auto_elect), quiesce_ticks_(quiesce_ticks) {
    for (NodeId id : {1, 2, 3}) Start(id);
  }

  Replica& r(NodeId id) { return *nodes_[id].replica; }
  Node& node(NodeId id) { return nodes_[id]; }
  bool up(NodeId id) { return nodes_[id].replica != nullptr; }
  size_t sent(Type t) const { return sent_.count(t) ? sent_.at(t) : 0; }

  ReplicaConfig Config(NodeId id) const {
    ReplicaConfig c;
    c.group = kGroup;
    c.self = id;
    c.members = {1, 2, 3};
    c.election_ticks = kElectionTicks;
    c.heartbeat_ticks = 2;
    c.lease_ticks = kLeaseTicks;
    c.auto_elect = auto_elect_;
    c.quiesce_ticks = quiesce_ticks_;
    c.random_seed = 7;
    c.joined_lsn = nodes_.count(id) ? nodes_.at(id).joined_lsn : 0;
    return c;
  }

  void Start(NodeId id) {
    Node& n = nodes_[id];
    PersistedState s;
    s.hard_state = n.disk.hard_state;
    s.applied_lsn = n.disk.applied_lsn;
    s.configuration = n.disk.configuration;
    Lsn keep_above = std::min(n.disk.applied_lsn, n.disk.hard_state.trim_lsn);
    for (auto it = n.disk.records.upper_bound(keep_above); it != n.disk.records.end(); ++it) {
      s.records.push_back(it->second);
    }
    n.replica = std::make_unique<Replica>(Config(id), s);
  }
  void Crash(NodeId id) { nodes_[id].replica.reset(); }

  // The driver's part of adding a member: a fresh replica that knows the
  // LSN of the change and is promised to the proposing leader's ballot.
  void Add(NodeId id, Lsn joined_lsn, Ballot ballot, MemberRole role) {
    nodes_[id] = Node();
    nodes_[id].joined_lsn = joined_lsn;
    nodes_[id].log_replica = role == MemberRole::kLog;
    nodes_[id].disk.hard_state.promised = ballot;
    Start(id);
  }
  // The driver drops a removed replica and forgets its state.
  void Drop(NodeId id) { nodes_[id] = Node(); }

  void Cut(NodeId a, NodeId b) { cuts_.insert({std::min(a, b), std::max(a, b)}); }
  void Isolate(NodeId id) {
    for (NodeId other = 1; other <= 5; ++other) {
      if (other != id) Cut(id, other);
    }
  }
  void Heal() { cuts_.clear(); }
  // While held, Settle() keeps messages in flight instead of delivering them.
  void Hold(bool hold) { hold_ = hold; }

  void Drain(NodeId id) {
    while (up(id) && r(id).HasReady()) Process(id, r(id).TakeReady());
  }

  // Everything ready is carried out and every message delivered (or lost
  // on a cut link or at a down node) until the network is quiet.
  void Settle() {
    for (int i = 0; i < 100000; ++i) {
      for (auto& [id, n] : nodes_) Drain(id);
      if (hold_ || queue_.empty()) return;
      Message m = queue_.front();
      queue_.pop_front();
      if (!up(m.to) || cuts_.count({std::min(m.from, m.to), std::max(m.from, m.to)})) continue;
      r(m.to).Step(m);
    }
    FAIL("the network never quiets");
  }

  // `ticks` global ticks: every live replica ticks, then everything settles.
  void TickAll(int ticks) {
    for (int i = 0; i < ticks; ++i) {
      for (auto& [id, n] : nodes_) {
        if (n.replica) n.replica->Tick();
      }
      Settle();
    }
  }

  void Elect(NodeId id) {
    r(id).Campaign();
    Settle();
    REQUIRE(r(id).IsLeader());
  }

  Lsn Write(NodeId leader, const std::string& data) {
    auto lsn = r(leader).Propose(data);
    REQUIRE(lsn.ok());
    Settle();
    return *lsn;
  }

 private:
  void Process(NodeId id, const Ready& ready) {
    Node& n = nodes_[id];
    if (ready.hard_state) n.disk.hard_state = *ready.hard_state;
    for (const Record& e : ready.entries) n.disk.records[e.lsn] = e;
    for (const Record& c : ready.committed) {
      REQUIRE(c.lsn == n.disk.applied_lsn + 1);
      if (c.kind == RecordKind::kConfig) {
        auto config = DecodeConfiguration(c.data);
        REQUIRE(config.ok());
        n.disk.configuration = *config;
      } else if (!c.data.empty() && ready.apply_items) {
        n.disk.items.push_back(c.data);
      } else if (!c.data.empty()) {
        ++n.log_only;
      }
      n.disk.applied_lsn = c.lsn;
    }
    n.abandoned.insert(n.abandoned.end(), ready.abandoned.begin(), ready.abandoned.end());
    for (const Message& m : ready.messages) {
      ++sent_[m.type];
      queue_.push_back(m);
    }
    n.replica->Advance(ready);
    if (ready.snapshot) InstallSnapshot(id, *ready.snapshot);
  }

  // Copies the leader's applied state, as the driver does for Ready::snapshot.
  void InstallSnapshot(NodeId id, const SnapshotRequest& req) {
    REQUIRE(nodes_.count(req.from));
    const Disk& src = nodes_[req.from].disk;
    Disk& d = nodes_[id].disk;
    if (src.applied_lsn < req.lsn || src.applied_lsn <= d.applied_lsn) return;
    Configuration c =
        src.configuration.empty() ? Configuration::AllFull({1, 2, 3}) : src.configuration;
    if (!nodes_[id].log_replica) d.items = src.items;
    d.applied_lsn = src.applied_lsn;
    d.configuration = c;
    d.hard_state.commit_lsn = std::max(d.hard_state.commit_lsn, src.applied_lsn);
    d.records.erase(d.records.begin(), d.records.upper_bound(src.applied_lsn));
    ++nodes_[id].snapshots;
    r(id).InstallSnapshot(src.applied_lsn, c);
  }

  bool auto_elect_;
  int quiesce_ticks_;
  bool hold_ = false;
  std::map<NodeId, Node> nodes_;
  std::deque<Message> queue_;
  std::set<std::pair<NodeId, NodeId>> cuts_;
  std::map<Type, size_t> sent_;
};

// --- Leases. ---

TEST_CASE("paxos lease: runs from the send tick, renews, and expires", "[unit]") {
  Net net;
  net.Elect(1);  // at tick 0; the opening Accepts were sent at tick 0
  Replica& leader = net.r(1);
  REQUIRE(leader.CanServeConsistentRead());
  CHECK(leader.lease_ticks_left() == kLeaseTicks);
  CHECK_FALSE(net.r(2).CanServeConsistentRead());

  // Cut off, the leader keeps its lease for lease_ticks, then loses it
  // while it still believes it leads.
  net.Isolate(1);
  for (int t = 1; t < kLeaseTicks; ++t) {
    leader.Tick();
    net.Settle();
    CHECK(leader.CanServeConsistentRead());
    CHECK(leader.lease_ticks_left() == kLeaseTicks - t);
  }
  leader.Tick();  // tick 5
  net.Settle();
  CHECK_FALSE(leader.CanServeConsistentRead());
  CHECK(leader.lease_ticks_left() == 0);
  CHECK(leader.IsLeader());

  // A heartbeat acknowledged by a majority renews it.
  net.Heal();
  leader.Tick();  // tick 6: heartbeat
  net.Settle();
  CHECK(leader.CanServeConsistentRead());
  CHECK(leader.lease_ticks_left() == kLeaseTicks);

  // The lease runs from when the heartbeat was sent, not from the ack.
  net.Hold(true);
  leader.Tick();  // 7
  leader.Tick();  // 8: heartbeat, held in the network
  net.Settle();
  leader.Tick();  // 9
  net.Hold(false);
  net.Settle();  // the acks of tick 8 arrive at tick 9
  CHECK(leader.CanServeConsistentRead());
  CHECK(leader.lease_ticks_left() == 8 + kLeaseTicks - 9);
}

TEST_CASE("paxos lease: a partitioned old leader stops serving before a new one is elected",
          "[unit]") {
  Net net;
  net.Elect(1);
  net.TickAll(4);
  REQUIRE(net.r(1).CanServeConsistentRead());
  Ballot old_ballot = net.r(1).ballot();

  net.Isolate(1);
  int expired_at = -1, elected_at = -1;
  for (int t = 1; t <= 3 * kElectionTicks && elected_at < 0; ++t) {
    net.TickAll(1);
    if (expired_at < 0 && !net.r(1).CanServeConsistentRead()) expired_at = t;
    // Node 2 tries to take over at every tick; nodes 2 and 3 acknowledged
    // node 1, so they promise nothing before its lease has run out.
    net.r(2).Campaign();
    net.Settle();
    if (net.r(2).IsLeader()) elected_at = t;
    CHECK_FALSE((net.r(1).CanServeConsistentRead() && net.r(2).CanServeConsistentRead()));
  }
  REQUIRE(expired_at > 0);
  REQUIRE(elected_at > 0);
  CHECK(elected_at > expired_at);
  CHECK(elected_at >= kLeaseTicks);
  CHECK(net.r(2).ballot() > old_ballot);
  CHECK(net.r(2).CanServeConsistentRead());
  CHECK_FALSE(net.r(1).CanServeConsistentRead());

  // Writes go on at the new leader; the old one, still cut off, steps down
  // (check-quorum) and refuses them.
  net.Write(2, "after");
  net.TickAll(kElectionTicks);
  CHECK_FALSE(net.r(1).IsLeader());
  CHECK(net.r(1).Propose("stale").status().IsUnavailable());
  net.Heal();
  net.TickAll(4);
  CHECK(net.node(1).disk.items == net.node(2).disk.items);
  CHECK(net.r(1).leader_hint() == 2);
}

TEST_CASE("paxos lease: a restarted replica promises nothing while a lease it granted may run",
          "[unit]") {
  Net net;
  net.Elect(1);
  net.TickAll(2);
  net.Crash(3);
  net.Start(3);
  net.Isolate(1);
  net.Crash(2);  // node 3 is the only one left to promise
  net.Start(2);
  for (int t = 0; t <= kLeaseTicks; ++t) {
    net.r(2).Campaign();
    net.Settle();
    CHECK_FALSE(net.r(2).IsLeader());
    net.TickAll(1);
  }
  net.r(2).Campaign();
  net.Settle();
  CHECK(net.r(2).IsLeader());
}

// --- Pre-vote and check-quorum. ---

TEST_CASE("paxos pre-vote: a follower cut off from a reachable leader does not depose it",
          "[unit]") {
  Net net(/*auto_elect=*/true);
  net.Elect(1);
  Ballot ballot = net.r(1).ballot();
  net.Cut(1, 3);  // a gray failure: node 3 still reaches node 2
  net.TickAll(5 * kElectionTicks);
  CHECK(net.sent(Type::kPreVote) > 0);
  for (NodeId id : {1, 2, 3}) CHECK(net.r(id).ballot() == ballot);  // nothing persisted
  CHECK(net.r(1).IsLeader());
  CHECK(net.r(1).CanServeConsistentRead());
  net.Write(1, "x");

  net.Heal();
  net.TickAll(2);
  CHECK(net.r(3).leader_hint() == 1);
  CHECK(net.node(3).disk.items == std::vector<std::string>{"x"});

  // When the leader is really gone, the pre-vote passes and a new leader
  // is elected.
  net.Crash(1);
  net.TickAll(5 * kElectionTicks);
  CHECK((net.r(2).IsLeader() || net.r(3).IsLeader()));
  CHECK(net.r(2).ballot() > ballot);
}

TEST_CASE("paxos check-quorum: a leader that hears no majority steps down and abandons",
          "[unit]") {
  Net net;
  net.Elect(1);
  net.TickAll(2);  // last heard from its peers at tick 2
  net.Isolate(1);
  Lsn lsn = *net.r(1).Propose("lost");
  net.Settle();
  int ticks = 0;
  while (net.r(1).IsLeader() && ticks < 3 * kElectionTicks) {
    net.r(1).Tick();
    net.Settle();
    ++ticks;
  }
  CHECK(ticks == kElectionTicks);
  CHECK_FALSE(net.r(1).IsLeader());
  CHECK(net.node(1).abandoned == std::vector<Lsn>{lsn});
  CHECK(net.r(1).leader_hint() == 0);
}

// --- Membership. ---

TEST_CASE("paxos membership: a log replica replaces a down member, then the full one returns",
          "[unit]") {
  Net net(/*auto_elect=*/true);  // a removed member probes with pre-votes
  net.Elect(1);
  for (int i = 0; i < 5; ++i) net.Write(1, "a" + std::to_string(i));
  net.TickAll(2);
  net.Crash(3);
  for (int i = 0; i < 5; ++i) net.Write(1, "b" + std::to_string(i));
  net.TickAll(2);
  REQUIRE(net.r(1).trim_lsn() > 0);  // node 4 will need a snapshot

  // Add a log replica on node 4: the change commits with 3 of 4 (1, 2, 4).
  Configuration with_log = Conf({{1, kFull}, {2, kFull}, {3, kFull}, {4, kLog}});
  auto added = net.r(1).ProposeConfig(with_log);
  REQUIRE(added.ok());
  net.Add(4, *added, net.r(1).ballot(), kLog);
  CHECK(net.r(1).configuration() == with_log);  // in force once appended
  net.Settle();
  net.TickAll(4);
  CHECK(net.r(1).commit_lsn() >= *added);
  CHECK(net.node(4).snapshots == 1);
  CHECK(net.r(4).configuration() == with_log);
  CHECK(net.node(4).disk.configuration == with_log);

  // Remove the down member: now 2 of {1, 2, 4L}.
  Configuration replaced = Conf({{1, kFull}, {2, kFull}, {4, kLog}});
  auto removed = net.r(1).ProposeConfig(replaced);
  REQUIRE(removed.ok());
  net.Settle();
  net.TickAll(2);
  CHECK(net.r(1).commit_lsn() >= *removed);
  for (NodeId id : {1, 2, 4}) CHECK(net.r(id).configuration() == replaced);

  // With node 2 down too, the log replica keeps the write quorum.
  net.Crash(2);
  Lsn lsn = net.Write(1, "c");
  net.TickAll(2);
  CHECK(net.r(1).commit_lsn() >= lsn);
  CHECK(net.node(1).disk.items.back() == "c");
  CHECK(net.node(4).log_only > 0);  // a log replica applies no items
  CHECK(net.node(4).disk.items.empty());
  Ballot ballot = net.r(4).ballot();
  net.r(4).Campaign();  // a log replica never leads
  CHECK(net.r(4).ballot() == ballot);
  net.Start(2);
  net.TickAll(2);

  // The old node 3 comes back, still believing it is a member; the leader
  // tells it it was removed, and the driver drops it.
  net.Start(3);
  net.TickAll(3 * kElectionTicks);
  CHECK(net.r(3).removed());
  net.Drop(3);

  // Swap back: a fresh full replica on node 3 catches up from a snapshot;
  // then the log replica leaves and finds itself removed.
  Configuration back = Conf({{1, kFull}, {2, kFull}, {4, kLog}, {3, kFull}});
  auto readded = net.r(1).ProposeConfig(back);
  REQUIRE(readded.ok());
  net.Add(3, *readded, net.r(1).ballot(), kFull);
  net.Settle();
  net.TickAll(4);
  CHECK(net.node(3).snapshots == 1);
  CHECK(net.r(3).configuration() == back);
  Configuration full = Conf({{1, kFull}, {2, kFull}, {3, kFull}});
  REQUIRE(net.r(1).ProposeConfig(full).ok());
  net.Settle();
  net.TickAll(4);
  CHECK(net.r(4).removed());
  net.Drop(4);
  lsn = net.Write(1, "d");
  net.TickAll(2);
  for (NodeId id : {1, 2, 3}) {
    CHECK(net.r(id).configuration() == full);
    CHECK(net.r(id).applied_lsn() >= lsn);
    CHECK(net.node(id).disk.items == net.node(1).disk.items);
  }
  CHECK(net.r(1).trim_lsn() >= lsn);  // the removed members no longer hold it back

  // A restart reloads the configuration the driver stored.
  net.Crash(3);
  net.Start(3);
  CHECK(net.r(3).configuration() == full);
}

TEST_CASE("paxos membership: one change at a time, and only single changes", "[unit]") {
  Net net;
  net.Elect(1);
  net.Write(1, "a");
  Configuration three = Conf({{1, kFull}, {2, kFull}, {3, kFull}});

  // Refusals that need no log.
  auto two_at_once = net.r(1).ProposeConfig(Conf({{1, kFull}, {2, kFull}, {4, kLog}}));
  REQUIRE(two_at_once.status().IsInvalidArgument());
  CHECK(two_at_once.status().message() ==
        "configuration: a change must add one member, remove one member or demote one member "
        "(found 2 differences)");
  auto self = net.r(1).ProposeConfig(Conf({{2, kFull}, {3, kFull}}));
  CHECK(self.status().message() == "configuration: the leader cannot remove or demote itself");
  CHECK(net.r(2).ProposeConfig(three).status().message() == "not the leader");

  // A change waits for earlier records to commit, holding writes meanwhile.
  REQUIRE(net.r(1).Propose("b").ok());
  Configuration four = Conf({{1, kFull}, {2, kFull}, {3, kFull}, {4, kLog}});
  auto first = net.r(1).ProposeConfig(four);
  REQUIRE(first.ok());
  CHECK(*first == net.r(1).last_lsn() + 1);
  auto held = net.r(1).Propose("c");
  REQUIRE(held.status().IsUnavailable());
  CHECK(held.status().message() ==
        "writes are held while a configuration change waits for the log to commit");
  auto second = net.r(1).ProposeConfig(three);
  REQUIRE(second.status().IsBusy());
  CHECK(second.status().message() == "a configuration change is in progress: the one at LSN " +
                                         std::to_string(*first) + " is not committed yet");

  // Once "b" commits, the change is appended at the LSN returned; it is
  // still refused a successor until it commits itself.
  net.Add(4, *first, net.r(1).ballot(), kLog);
  net.Hold(true);
  net.Settle();
  net.Hold(false);
  net.Settle();
  CHECK(net.r(1).last_lsn() >= *first);
  CHECK(net.r(1).configuration() == four);
  net.TickAll(2);
  REQUIRE(net.r(1).commit_lsn() >= *first);
  CHECK(net.r(1).Propose("c").ok());

  // A log replica is not promoted in place.
  auto promote = net.r(1).ProposeConfig(Conf({{1, kFull}, {2, kFull}, {3, kFull}, {4, kFull}}));
  REQUIRE(promote.status().IsInvalidArgument());
  CHECK(promote.status().message() ==
        "configuration: a log replica cannot be promoted in place: add a full replica, then "
        "remove the log replica");

  // Demoting a full member is a single change too.
  net.Settle();
  REQUIRE(net.r(1).ProposeConfig(Conf({{1, kFull}, {2, kFull}, {3, kLog}, {4, kLog}})).ok());
  net.Settle();
  net.TickAll(2);
  CHECK(net.r(3).configuration().members[2].role == kLog);
  Ballot ballot = net.r(3).ballot();
  net.r(3).Campaign();  // it may no longer lead
  CHECK(net.r(3).ballot() == ballot);
}

TEST_CASE("paxos membership: a change abandoned by a deposed leader is reported", "[unit]") {
  Net net;
  net.Elect(1);
  REQUIRE(net.r(1).Propose("x").ok());
  auto change = net.r(1).ProposeConfig(Conf({{1, kFull}, {2, kFull}, {3, kLog}}));
  REQUIRE(change.ok());  // queued behind "x"
  net.Isolate(1);
  net.Settle();
  net.TickAll(kElectionTicks);
  CHECK_FALSE(net.r(1).IsLeader());
  CHECK(net.node(1).abandoned == std::vector<Lsn>{*change - 1, *change});
}

// --- The configuration codec. ---

// --- Quiescence. ---

TEST_CASE("paxos quiescence: an idle group goes quiet and wakes on a write", "[unit]") {
  Net net(/*auto_elect=*/true, /*quiesce_ticks=*/4);
  net.Elect(1);
  net.Write(1, "a");
  net.TickAll(6);  // idle at two heartbeats in a row
  for (NodeId id : {1, 2, 3}) CHECK(net.r(id).quiescent());
  CHECK(net.r(1).IsLeader());
  CHECK_FALSE(net.r(1).CanServeConsistentRead());  // the lease was given up
  CHECK(net.r(1).lease_ticks_left() == 0);
  size_t heartbeats = net.sent(Type::kHeartbeat);
  size_t acks = net.sent(Type::kHeartbeatAck);
  net.TickAll(5 * kElectionTicks);  // only time passes: no heartbeat, no election
  CHECK(net.sent(Type::kHeartbeat) == heartbeats);
  CHECK(net.sent(Type::kHeartbeatAck) == acks);
  CHECK(net.r(1).IsLeader());
  CHECK_FALSE(net.r(2).IsLeader());

  // A write wakes the leader; its Accepts wake the followers, whose answers
  // give it a lease again.
  Lsn lsn = net.Write(1, "b");
  for (NodeId id : {1, 2, 3}) {
    CHECK_FALSE(net.r(id).quiescent());
    CHECK(net.node(id).disk.applied_lsn == lsn);
  }
  CHECK(net.r(1).CanServeConsistentRead());

  // Quiet again; a lagging follower keeps the group awake until it caught up.
  net.Cut(1, 3);
  net.Write(1, "c");
  net.TickAll(2);  // 3 is still heard (its last answer is recent) but behind
  CHECK_FALSE(net.r(1).quiescent());
  net.Heal();
  net.TickAll(8);
  for (NodeId id : {1, 2, 3}) CHECK(net.r(id).quiescent());
  CHECK(net.node(3).disk.items == std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("paxos quiescence: followers of a dead quiet leader elect once woken", "[unit]") {
  Net net(/*auto_elect=*/true, /*quiesce_ticks=*/2);
  net.Elect(1);
  net.Write(1, "a");
  net.TickAll(4);
  for (NodeId id : {1, 2, 3}) REQUIRE(net.r(id).quiescent());
  net.Crash(1);
  net.TickAll(5 * kElectionTicks);  // nobody notices: quiet replicas only keep time
  CHECK_FALSE(net.r(2).IsLeader());
  CHECK_FALSE(net.r(3).IsLeader());

  // Woken as if the leader were alive (e.g. by a message), a follower
  // refuses pre-votes for an election timeout; told the leader's node went
  // silent, both grant and one is elected.
  net.r(2).Wake(0, /*leader_alive=*/false);
  net.r(3).Wake(0, /*leader_alive=*/false);
  net.TickAll(3 * kElectionTicks);
  CHECK((net.r(2).IsLeader() || net.r(3).IsLeader()));
  NodeId leader = net.r(2).IsLeader() ? 2 : 3;
  Lsn lsn = net.Write(leader, "b");
  CHECK(net.node(5 - leader).disk.applied_lsn == lsn);
}

TEST_CASE("paxos configuration: encoding round trip and validation", "[unit]") {
  Configuration c = Conf({{7, kFull}, {300000, kLog}, {2, kFull}});
  std::string data = EncodeConfiguration(c);
  CHECK(data.size() == 2 + 3 * 5);
  CHECK(data[0] == 1);
  auto back = DecodeConfiguration(data);
  REQUIRE(back.ok());
  CHECK(*back == c);
  CHECK(back->quorum() == 2);
  CHECK(back->IsFull(7));
  CHECK_FALSE(back->IsFull(300000));

  CHECK(DecodeConfiguration("").status().message() == "configuration record: truncated header");
  CHECK(DecodeConfiguration(std::string("\x02\x00", 2)).status().message() ==
        "configuration record: unknown version 2");
  CHECK(DecodeConfiguration(data.substr(0, data.size() - 1)).status().message() ==
        "configuration record: length does not match member count");
  CHECK(ValidateConfiguration(Conf({{1, kLog}})).message() == "configuration: no full member");
  CHECK(ValidateConfiguration(Conf({{1, kFull}, {1, kLog}})).message() ==
        "configuration: member 1 twice");
  CHECK(ValidateConfiguration(Conf({{0, kFull}})).message() == "configuration: member id 0");
  CHECK(ValidateConfiguration(Configuration()).message() == "configuration: no members");
  CHECK(DecodeConfiguration(EncodeConfiguration(Conf({{1, kLog}}))).status().code() ==
        ddb::Status::Code::kCorruption);

  Configuration three = Conf({{1, kFull}, {2, kFull}, {3, kFull}});
  CHECK(ValidateConfigurationChange(three, Conf({{1, kFull}, {2, kFull}})).ok());
  Configuration four = Conf({{1, kFull}, {2, kFull}, {3, kFull}, {4, kLog}});
  CHECK(ValidateConfigurationChange(three, four).ok());
  CHECK(ValidateConfigurationChange(three, Conf({{1, kFull}, {2, kLog}, {3, kFull}})).ok());
  CHECK_FALSE(ValidateConfigurationChange(three, three).ok());
}

}  // namespace
