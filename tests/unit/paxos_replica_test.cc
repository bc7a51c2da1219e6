// Scripted scenarios for the Paxos core (cluster/paxos/replica.h): an election
// by Campaign, commit after one follower's acceptance, catch-up of a
// restarted follower, stepping down on a higher-ballot rejection, recovery of
// the highest-ballot value, and no-op fill. A small harness plays the driver:
// it persists each Ready to an in-memory "disk", applies, advances, and
// delivers only the messages a scenario chooses.
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cluster/paxos/replica.h"

// base/check.h's CHECK has done its work in the headers above; in this file
// CHECK is Catch2's.
#undef CHECK
#include <catch2/catch.hpp>

namespace {

using ddb::paxos::Ballot;
using ddb::paxos::HardState;
using ddb::paxos::kMaxRecordsPerMessage;
using ddb::paxos::Lsn;
using ddb::paxos::MakeBallot;
using ddb::paxos::Message;
using ddb::paxos::NodeId;
using ddb::paxos::PersistedState;
using ddb::paxos::Ready;
using ddb::paxos::Record;
using ddb::paxos::Replica;
using ddb::paxos::ReplicaConfig;
using Type = Message::Type;

constexpr uint64_t kGroup = 7;

struct Disk {
  HardState hard_state;
  std::map<Lsn, Record> records;
  Lsn applied_lsn = 0;
};

struct Node {
  std::unique_ptr<Replica> replica;
  Disk disk;
  std::vector<std::string> applied;  // data applied, in LSN order
  std::vector<Lsn> abandoned;
};

ReplicaConfig Config(NodeId self) {
  ReplicaConfig c;
  c.group = kGroup;
  c.self = self;
  c.members = {1, 2, 3};
  c.auto_elect = false;
  c.random_seed = 42;
  return c;
}

PersistedState Load(const Disk& disk) {
  PersistedState s;
  s.hard_state = disk.hard_state;
  s.applied_lsn = disk.applied_lsn;
  Lsn keep_above = std::min(disk.applied_lsn, disk.hard_state.trim_lsn);
  for (const auto& [lsn, r] : disk.records) {
    if (lsn > keep_above) s.records.push_back(r);
  }
  return s;
}

Record Rec(Lsn lsn, Ballot b, std::string data) { return Record{lsn, b, std::move(data)}; }

class Group {
 public:
  Group() {
    for (NodeId id : {1, 2, 3}) Start(id);
  }

  Replica& r(NodeId id) { return *nodes_[id].replica; }
  Node& node(NodeId id) { return nodes_[id]; }
  void Crash(NodeId id) { nodes_[id].replica.reset(); }
  void Start(NodeId id) {
    nodes_[id].replica = std::make_unique<Replica>(Config(id), Load(nodes_[id].disk));
  }

  // Carries out one Ready as a driver does; returns its messages.
  std::vector<Message> Process(NodeId id, const Ready& ready) {
    Node& n = nodes_[id];
    if (ready.hard_state) n.disk.hard_state = *ready.hard_state;
    for (const Record& e : ready.entries) n.disk.records[e.lsn] = e;
    for (const Record& c : ready.committed) {
      REQUIRE(c.lsn == n.disk.applied_lsn + 1);
      n.applied.push_back(c.data);
      n.disk.applied_lsn = c.lsn;
    }
    n.abandoned.insert(n.abandoned.end(), ready.abandoned.begin(), ready.abandoned.end());
    for (const Message& m : ready.messages) REQUIRE(m.records.size() <= kMaxRecordsPerMessage);
    n.replica->Advance(ready);
    return ready.messages;
  }

  // Takes and carries out every Ready of `id`; returns all their messages.
  std::vector<Message> Drain(NodeId id) {
    std::vector<Message> out;
    while (nodes_[id].replica && r(id).HasReady()) {
      std::vector<Message> ms = Process(id, r(id).TakeReady());
      out.insert(out.end(), ms.begin(), ms.end());
    }
    return out;
  }

  // Delivers `m` and returns what its receiver sends in answer (nothing when
  // the receiver is down).
  std::vector<Message> Deliver(const Message& m) {
    if (!nodes_[m.to].replica) return {};
    r(m.to).Step(m);
    return Drain(m.to);
  }

  // Delivers the messages and everything they cause until the network is
  // quiet; messages to crashed nodes are lost.
  void Settle(const std::vector<Message>& first) {
    std::deque<Message> queue(first.begin(), first.end());
    for (int i = 0; !queue.empty(); ++i) {
      REQUIRE(i < 100000);
      std::vector<Message> more = Deliver(queue.front());
      queue.pop_front();
      queue.insert(queue.end(), more.begin(), more.end());
    }
  }

  // Node `id` campaigns and everything settles.
  void Elect(NodeId id) {
    r(id).Campaign();
    Settle(Drain(id));
    REQUIRE(r(id).IsLeader());
  }

  // Ticks the given replicas and nothing else (with auto_elect off, a
  // follower's tick sends nothing): lets the lease they granted run out.
  void Idle(std::vector<NodeId> ids, int ticks) {
    for (int i = 0; i < ticks; ++i) {
      for (NodeId id : ids) r(id).Tick();
    }
    for (NodeId id : ids) REQUIRE_FALSE(r(id).HasReady());
  }

  // The leader sends heartbeats; everything settles.
  void Heartbeat(NodeId leader) {
    r(leader).Tick();
    r(leader).Tick();
    Settle(Drain(leader));
  }

 private:
  std::map<NodeId, Node> nodes_;
};

std::vector<Message> To(const std::vector<Message>& ms, NodeId to) {
  std::vector<Message> out;
  for (const Message& m : ms) {
    if (m.to == to) out.push_back(m);
  }
  return out;
}

TEST_CASE("paxos: Campaign elects a leader that commits after one Accepted", "[unit]") {
  Group g;
  g.r(1).Campaign();
  std::vector<Message> prepares = g.Drain(1);
  REQUIRE(prepares.size() == 2);
  for (const Message& m : prepares) {
    CHECK(m.type == Type::kPrepare);
    CHECK(m.lsn == 1);
    CHECK(m.ballot == MakeBallot(1, 1));
  }
  REQUIRE(g.node(1).disk.hard_state.promised == MakeBallot(1, 1));  // persisted first

  std::vector<Message> promises = g.Deliver(To(prepares, 2)[0]);
  REQUIRE(promises.size() == 1);
  CHECK(promises[0].type == Type::kPromise);
  CHECK_FALSE(promises[0].reject);
  CHECK_FALSE(g.r(1).IsLeader());
  g.r(1).Step(promises[0]);
  REQUIRE(g.r(1).IsLeader());
  CHECK(g.r(1).leader_hint() == 1);
  CHECK(g.r(2).ballot() == g.r(1).ballot());

  // The new leader commits an opening no-op at LSN 1.
  std::vector<Message> noop = g.Drain(1);
  REQUIRE(To(noop, 2).size() == 1);
  CHECK(To(noop, 2)[0].type == Type::kAccept);

  auto lsn = g.r(1).Propose("put a");
  REQUIRE(lsn.ok());
  CHECK(*lsn == 2);
  Ready ready = g.r(1).TakeReady();
  REQUIRE(ready.entries.size() == 1);
  CHECK(ready.entries[0].data == "put a");

  // Node 2 accepts both; node 3 hears nothing.
  std::vector<Message> acks = g.Deliver(To(noop, 2)[0]);
  for (const Message& m : g.Deliver(To(ready.messages, 2)[0])) acks.push_back(m);
  REQUIRE(acks.size() == 2);
  CHECK(acks[1].type == Type::kAccepted);
  CHECK(acks[1].lsn == 2);
  for (const Message& m : acks) g.r(1).Step(m);
  // The leader has not persisted LSN 2 yet, so it cannot count itself.
  CHECK(g.r(1).commit_lsn() == 1);
  g.Process(1, ready);
  CHECK(g.r(1).commit_lsn() == 2);
  g.Drain(1);
  CHECK(g.node(1).applied == std::vector<std::string>{"", "put a"});
  CHECK(g.node(2).applied.empty());

  // Followers learn the commit LSN from heartbeats; node 3 catches up.
  g.Heartbeat(1);
  CHECK(g.node(2).applied == std::vector<std::string>{"", "put a"});
  CHECK(g.node(3).applied == std::vector<std::string>{"", "put a"});
  CHECK(g.r(3).leader_hint() == 1);
  g.Heartbeat(1);
  CHECK(g.r(1).trim_lsn() == 2);
  CHECK(g.r(3).trim_lsn() == 2);
}

TEST_CASE("paxos: LeadNewGroup leads a new group without phase 1", "[unit]") {
  Group g;
  // As CreateReplicas does: every member created promised to (1, 2).
  for (NodeId id : {1, 2, 3}) {
    g.node(id).disk.hard_state.promised = MakeBallot(1, 2);
    g.Start(id);
  }
  g.r(2).LeadNewGroup();
  REQUIRE(g.r(2).IsLeader());
  CHECK(g.r(2).ballot() == MakeBallot(1, 2));
  CHECK(g.r(2).last_lsn() == 0);  // no opening record
  std::vector<Message> sent = g.Drain(2);
  // A heartbeat to each follower, no Prepare and no Accept; its answer
  // starts the lease, so a consistent read needs no write first.
  REQUIRE(To(sent, 1).size() == 1);
  CHECK(To(sent, 1)[0].type == Type::kHeartbeat);
  REQUIRE(To(sent, 3).size() == 1);
  CHECK(To(sent, 3)[0].type == Type::kHeartbeat);
  CHECK_FALSE(g.r(2).CanServeConsistentRead());
  for (const Message& ack : g.Deliver(To(sent, 1)[0])) g.r(2).Step(ack);
  CHECK(g.r(2).CanServeConsistentRead());
  CHECK(g.r(1).leader_hint() == 2);
  // The first write is LSN 1, committed by one follower's Accepted.
  auto lsn = g.r(2).Propose("put a");
  REQUIRE(lsn.ok());
  CHECK(*lsn == 1);
  sent = g.Drain(2);
  REQUIRE(To(sent, 1).size() == 1);
  CHECK(To(sent, 1)[0].type == Type::kAccept);
  for (const Message& ack : g.Deliver(To(sent, 1)[0])) g.r(2).Step(ack);
  g.Drain(2);
  CHECK(g.r(2).commit_lsn() == 1);
  CHECK(g.node(2).applied == std::vector<std::string>{"put a"});

  // Not new any more: another member's LeadNewGroup is a campaign (phase 1)
  // at a higher round, once the lease it granted has run out.
  g.Idle({1}, 10);
  g.r(1).LeadNewGroup();
  CHECK_FALSE(g.r(1).IsLeader());
  std::vector<Message> prepares = g.Drain(1);
  REQUIRE_FALSE(prepares.empty());
  for (const Message& m : prepares) {
    CHECK(m.type == Type::kPrepare);
    CHECK(m.ballot == MakeBallot(2, 1));
  }
}

TEST_CASE("paxos: LeadNewGroup campaigns unless every member promised its ballot (1, self)", "[unit]") {
  Group g;  // members created without the promise: a plain campaign
  g.r(1).LeadNewGroup();
  CHECK_FALSE(g.r(1).IsLeader());
  std::vector<Message> prepares = g.Drain(1);
  REQUIRE(prepares.size() == 2);
  for (const Message& m : prepares) CHECK(m.type == Type::kPrepare);
  g.Settle(prepares);
  CHECK(g.r(1).IsLeader());
}

TEST_CASE("paxos: a non-leader refuses proposals", "[unit]") {
  Group g;
  auto lsn = g.r(2).Propose("x");
  REQUIRE_FALSE(lsn.ok());
  CHECK(lsn.status().IsUnavailable());
  CHECK(lsn.status().message() == "not the leader");
}

TEST_CASE("paxos: a restarted follower catches up from heartbeats alone", "[unit]") {
  Group g;
  g.Elect(1);
  for (int i = 0; i < 10; ++i) REQUIRE(g.r(1).Propose("a" + std::to_string(i)).ok());
  g.Settle(g.Drain(1));
  g.Heartbeat(1);
  REQUIRE(g.node(3).applied.size() == 11);

  // Node 3 goes down; 150 writes commit on nodes 1 and 2.
  g.Crash(3);
  for (int i = 0; i < 150; ++i) REQUIRE(g.r(1).Propose("b" + std::to_string(i)).ok());
  g.Settle(g.Drain(1));
  g.Heartbeat(1);
  REQUIRE(g.r(1).commit_lsn() == 161);
  REQUIRE(g.node(2).applied.size() == 161);
  CHECK(g.r(1).trim_lsn() == 11);  // node 3 still needs what follows

  // It restarts from its disk; nothing is re-delivered.
  g.Start(3);
  CHECK_FALSE(g.r(3).IsLeader());
  CHECK(g.r(3).applied_lsn() == 11);
  for (int i = 0; i < 3; ++i) g.Heartbeat(1);
  CHECK(g.node(3).applied == g.node(1).applied);
  CHECK(g.r(3).commit_lsn() == 161);
  CHECK(g.r(1).trim_lsn() == 161);
}

TEST_CASE("paxos: a leader rejected by a higher ballot steps down and abandons", "[unit]") {
  Group g;
  g.Elect(1);
  g.Heartbeat(1);
  auto lsn = g.r(1).Propose("x");
  REQUIRE(lsn.ok());
  std::vector<Message> accepts = g.Drain(1);  // held in the network for now

  // Nodes 2 and 3 acknowledged node 1, so they promise no other ballot until
  // the lease they granted has run out (lease_ticks + 1 ticks).
  g.r(2).Campaign();
  CHECK(g.r(2).ballot() == g.r(1).ballot());
  CHECK_FALSE(g.r(2).HasReady());
  g.Idle({2, 3}, Config(2).election_ticks * 3 / 4 + 1);

  // Node 2 wins with node 3's promise.
  g.r(2).Campaign();
  std::vector<Message> prepares = g.Drain(2);
  for (const Message& m : g.Deliver(To(prepares, 3)[0])) g.r(2).Step(m);
  REQUIRE(g.r(2).IsLeader());
  CHECK(g.r(2).ballot() > g.r(1).ballot());

  // Node 1's Accept reaches node 3, which has promised node 2's ballot.
  std::vector<Message> replies = g.Deliver(To(accepts, 3)[0]);
  REQUIRE(replies.size() == 1);
  CHECK(replies[0].type == Type::kAccepted);
  CHECK(replies[0].reject);
  CHECK(replies[0].ballot == g.r(2).ballot());
  g.r(1).Step(replies[0]);
  CHECK_FALSE(g.r(1).IsLeader());
  CHECK(g.r(1).ballot() == g.r(2).ballot());
  g.Drain(1);
  CHECK(g.node(1).abandoned == std::vector<Lsn>{*lsn});
  CHECK(g.r(1).Propose("y").status().IsUnavailable());

  // The new leader's log wins everywhere.
  g.Settle(g.Drain(2));
  g.Heartbeat(2);
  CHECK(g.node(1).applied == g.node(2).applied);
  CHECK(g.node(3).applied == g.node(2).applied);
}

TEST_CASE("paxos: recovery re-proposes the highest-ballot value", "[unit]") {
  Group g;
  // Node 1 accepted "old" at ballot 1.1; node 3 later accepted "new" at 2.3.
  for (NodeId id : {1, 3}) g.Crash(id);
  g.node(1).disk.hard_state.promised = MakeBallot(2, 3);
  g.node(1).disk.records[1] = Rec(1, MakeBallot(1, 1), "old");
  g.node(3).disk.hard_state.promised = MakeBallot(2, 3);
  g.node(3).disk.records[1] = Rec(1, MakeBallot(2, 3), "new");
  g.node(3).disk.records[2] = Rec(2, MakeBallot(2, 3), "tail");
  for (NodeId id : {1, 3}) g.Start(id);
  // Restarted replicas that promised a ballot may have granted a lease just
  // before they stopped: they promise nothing new until it has run out.
  g.r(1).Campaign();
  CHECK_FALSE(g.r(1).HasReady());
  g.Idle({1, 3}, Config(1).election_ticks * 3 / 4 + 1);

  g.r(1).Campaign();
  CHECK(g.r(1).ballot() == MakeBallot(3, 1));
  std::vector<Message> prepares = g.Drain(1);
  for (const Message& m : g.Deliver(To(prepares, 3)[0])) g.r(1).Step(m);
  REQUIRE(g.r(1).IsLeader());
  Ready ready = g.r(1).TakeReady();
  REQUIRE(ready.entries.size() == 3);
  CHECK(ready.entries[0].data == "new");
  CHECK(ready.entries[1].data == "tail");
  CHECK(ready.entries[2].data == "");  // the no-op that commits the tail
  for (const Record& e : ready.entries) CHECK(e.ballot == MakeBallot(3, 1));
  g.Settle(g.Process(1, ready));
  g.Heartbeat(1);
  for (NodeId id : {1, 2, 3}) {
    CHECK(g.node(id).applied == std::vector<std::string>{"new", "tail", ""});
  }
}

TEST_CASE("paxos: recovery fills holes with no-ops", "[unit]") {
  Group g;
  g.r(1).Campaign();
  Ballot b = g.r(1).ballot();
  g.Drain(1);
  // A promise reporting LSNs 1 and 3 but not 2.
  Message promise;
  promise.type = Type::kPromise;
  promise.group = kGroup;
  promise.from = 2;
  promise.to = 1;
  promise.ballot = b;
  promise.lsn = 3;
  promise.records = {Rec(1, MakeBallot(1, 2), "one"), Rec(3, MakeBallot(1, 2), "three")};
  g.r(1).Step(promise);
  REQUIRE(g.r(1).IsLeader());
  Ready ready = g.r(1).TakeReady();
  REQUIRE(ready.entries.size() == 4);
  CHECK(ready.entries[1].lsn == 2);
  CHECK(ready.entries[1].data == "");
  CHECK(ready.entries[3].data == "");
  g.Settle(g.Process(1, ready));
  g.Heartbeat(1);
  CHECK(g.node(3).applied == std::vector<std::string>{"one", "", "three", ""});
}

TEST_CASE("paxos: a follower that hears no leader campaigns after a jittered timeout", "[unit]") {
  ReplicaConfig c = Config(2);
  c.auto_elect = true;
  Replica r(c, PersistedState{});
  int ticks = 0;
  while (!r.HasReady() && ticks < 100) {
    r.Tick();
    ++ticks;
  }
  CHECK(ticks >= c.election_ticks);
  CHECK(ticks < 2 * c.election_ticks);
  // First a pre-vote: nothing persisted, the ballot unchanged.
  Ready ready = r.TakeReady();
  CHECK_FALSE(ready.hard_state);
  REQUIRE(ready.messages.size() == 2);
  for (const Message& m : ready.messages) CHECK(m.type == Type::kPreVote);
  r.Advance(ready);
  CHECK(r.ballot() == 0);

  // One grant makes a majority with its own: it campaigns.
  Message grant;
  grant.type = Type::kPreVoteResponse;
  grant.group = kGroup;
  grant.from = 3;
  grant.to = 2;
  grant.tick = ready.messages[0].tick;
  r.Step(grant);
  ready = r.TakeReady();
  REQUIRE(ready.hard_state);
  CHECK(ready.hard_state->promised == MakeBallot(1, 2));
  REQUIRE(ready.messages.size() == 2);
  for (const Message& m : ready.messages) CHECK(m.type == Type::kPrepare);
}

}  // namespace
