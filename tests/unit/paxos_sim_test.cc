// Deterministic simulation of a 3-replica Paxos group (cluster/paxos/replica.h).
//
// One seed drives everything on one thread: a network that drops, delays,
// reorders and duplicates messages; crashes that lose whatever was not
// persisted (a Ready is persisted as a whole at TakeReady time, and a crash
// may strike between persisting and sending); restarts from the simulated
// disk; proposals at whoever leads; ticks. After every event the checkers
// run:
//   - at most one value per (LSN, ballot) is accepted, and at most one value
//     is chosen per LSN: chosen means a majority persisted it at one ballot
//     (an oracle that does not trust the replicas' commit logic), or some
//     replica applied it;
//   - a record at or below a replica's persisted commit LSN never changes on
//     its disk, and each replica applies LSNs in order, once, each equal to
//     the chosen value;
//   - at most one leader per ballot;
//   - a proposal committed at its leader is the proposer's value unless it
//     was abandoned first.
// Then faults stop: every replica restarts, the network turns reliable, and
// all replicas must converge, applying every value acknowledged as committed
// and one more proposal. A failure prints the seed; an abort (a CHECK in the
// core) prints it from a signal handler.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
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
using ddb::paxos::HardState;
using ddb::paxos::kMaxRecordsPerMessage;
using ddb::paxos::Lsn;
using ddb::paxos::Message;
using ddb::paxos::NodeId;
using ddb::paxos::PersistedState;
using ddb::paxos::Ready;
using ddb::paxos::Record;
using ddb::paxos::Replica;
using ddb::paxos::ReplicaConfig;
using ddb::paxos::SplitMix64;

constexpr NodeId kNodes = 3;
constexpr size_t kMaxNetwork = 2000;  // messages in flight; beyond, the oldest are lost
constexpr int kQuietRoundsMax = 400;

char g_abort_note[96];  // "paxos sim: seed N" for the abort handler

uint64_t EnvOr(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::strtoull(v, nullptr, 10) : fallback;
}

void OnAbort(int) {
  ssize_t ignored = write(2, g_abort_note, strlen(g_abort_note));
  (void)ignored;
}

struct Disk {
  HardState hard_state;
  std::map<Lsn, Record> records;
  Lsn applied_lsn = 0;
};

struct SimNode {
  NodeId id = 0;
  std::unique_ptr<Replica> replica;  // null while crashed
  Disk disk;
  std::map<Lsn, std::string> pending;  // proposals awaiting their outcome
};

struct Accepted {
  std::string data;
  std::set<NodeId> by;
};

class Sim {
 public:
  explicit Sim(uint64_t seed) : seed_(seed), rng_(seed) {
    DrawProfile();
    for (NodeId id = 1; id <= kNodes; ++id) {
      nodes_[id - 1].id = id;
      Start(nodes_[id - 1]);
    }
  }

  const std::string& failure() const { return failure_; }
  size_t chosen_count() const { return chosen_.size(); }

  void RunFaulty(int steps) {
    for (step_ = 0; step_ < steps && failure_.empty(); ++step_) {
      FaultyStep();
      CheckLeaders();
    }
  }

  // Faults stop; everything must converge.
  void Quiesce() {
    faulty_ = false;
    isolated_ = 0;
    for (SimNode& n : nodes_) {
      if (!n.replica) Start(n);
    }
    Lsn final_lsn = 0;  // one more proposal once converged
    for (round_ = 0; round_ < kQuietRoundsMax && failure_.empty(); ++round_) {
      DeliverAll();
      for (SimNode& n : nodes_) {
        n.replica->Tick();
        Drive(n);
      }
      CheckLeaders();
      SimNode* leader = ConvergedLeader();
      if (leader == nullptr) continue;
      if (final_lsn == 0) {
        final_lsn = Propose(*leader);
      } else if (AllApplied(final_lsn)) {
        return CheckAcked();
      }
    }
    if (failure_.empty()) Fail("no convergence after faults stopped: " + Describe());
  }

 private:
  void Fail(const std::string& why) {
    if (!failure_.empty()) return;
    failure_ = (faulty_ ? "step " : "quiet round ") + std::to_string(faulty_ ? step_ : round_);
    failure_ += ": " + why;
  }

  ReplicaConfig Config(NodeId id) const {
    ReplicaConfig c;
    c.group = 1;
    c.self = id;
    c.members = {1, 2, 3};
    c.election_ticks = 10;
    c.heartbeat_ticks = 2;
    c.random_seed = seed_;
    return c;
  }

  void Start(SimNode& n) {
    PersistedState s;
    s.hard_state = n.disk.hard_state;
    s.applied_lsn = n.disk.applied_lsn;
    Lsn keep_above = std::min(n.disk.applied_lsn, n.disk.hard_state.trim_lsn);
    for (auto it = n.disk.records.upper_bound(keep_above); it != n.disk.records.end(); ++it) {
      if (it->first != keep_above + 1 + s.records.size()) return Fail("a hole on disk");
      s.records.push_back(it->second);
    }
    n.replica = std::make_unique<Replica>(Config(n.id), s);
    Drive(n);  // hands out committed records that were not applied yet
  }

  void Crash(SimNode& n) {
    n.replica.reset();
    n.pending.clear();  // their clients see an error: outcome unknown
  }

  // --- The faulty phase. ---

  // Each seed draws its own mix of faults, from calm to hostile.
  struct Profile {
    uint64_t drop = 0, duplicate = 0, crash = 0, partition = 0;  // per mille of steps
  };

  void DrawProfile() {
    profile_.drop = 5 + rng_.Uniform(80);
    profile_.duplicate = rng_.Uniform(40);
    profile_.crash = rng_.Uniform(15);
    profile_.partition = rng_.Uniform(8);
  }

  void FaultyStep() {
    uint64_t dice = rng_.Uniform(1000);
    if (dice < profile_.drop) return DropRandom();
    dice -= profile_.drop;
    if (dice < profile_.duplicate) return DuplicateRandom();
    dice -= profile_.duplicate;
    if (dice < profile_.crash) return Crash(nodes_[rng_.Uniform(kNodes)]);
    dice -= profile_.crash;
    if (dice < profile_.partition) return TogglePartition();
    dice = rng_.Uniform(1000);
    if (dice < 520) return DeliverRandom();
    if (dice < 770) return TickRandom();
    if (dice < 900) return ProposeRandom();
    SimNode& n = nodes_[rng_.Uniform(kNodes)];
    if (!n.replica) Start(n);
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

  void TickRandom() {
    SimNode& n = nodes_[rng_.Uniform(kNodes)];
    if (!n.replica) return;
    n.replica->Tick();
    Drive(n);
  }

  void ProposeRandom() {
    std::vector<SimNode*> leaders;
    for (SimNode& n : nodes_) {
      if (n.replica && n.replica->IsLeader()) leaders.push_back(&n);
    }
    if (!leaders.empty()) Propose(*leaders[rng_.Uniform(leaders.size())]);
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
    auto lsn = n.replica->Propose(data);
    if (!lsn.ok()) {
      Fail("a leader refused a proposal");
      return 0;
    }
    n.pending[*lsn] = data;
    Drive(n);
    return *lsn;
  }

  void Deliver(const Message& m) {
    if (m.to < 1 || m.to > kNodes) return Fail("a message to nowhere");
    SimNode& n = nodes_[m.to - 1];
    if (!n.replica) return;                            // lost
    if (isolated_ == m.to || isolated_ == m.from) return;  // cut off
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
    }
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
      n.disk.records[e.lsn] = e;
      Accept(n.id, e);
    }
  }

  // The oracle: a majority persisting one (LSN, ballot) chooses its value.
  void Accept(NodeId id, const Record& e) {
    Accepted& a = accepted_[{e.lsn, e.ballot}];
    if (a.by.empty()) a.data = e.data;
    if (a.data != e.data) return Fail("two values at one LSN and ballot");
    a.by.insert(id);
    if (a.by.size() * 2 > kNodes) Choose(e.lsn, a.data);
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
      n.disk.applied_lsn = c.lsn;
      auto p = n.pending.find(c.lsn);
      if (p == n.pending.end()) continue;
      if (p->second != c.data) Fail("a proposal was replaced without being abandoned");
      acked_[c.lsn] = c.data;
      n.pending.erase(p);
    }
    for (Lsn lsn : r.abandoned) {
      if (n.pending.erase(lsn) == 0) Fail("abandoned an LSN that was not proposed");
    }
  }

  // --- Checks. ---

  void CheckLeaders() {
    for (SimNode& n : nodes_) {
      if (!n.replica || !n.replica->IsLeader()) continue;
      Ballot b = n.replica->ballot();
      if ((b & 0xffffffffu) != n.id) Fail("a leader at another node's ballot");
      auto [it, fresh] = leaders_.emplace(b, n.id);
      if (!fresh && it->second != n.id) Fail("two leaders at one ballot");
    }
  }

  // The leader, once every replica has applied all it holds.
  SimNode* ConvergedLeader() {
    SimNode* leader = nullptr;
    for (SimNode& n : nodes_) {
      if (n.replica->IsLeader()) leader = &n;
    }
    if (leader == nullptr) return nullptr;
    Lsn last = leader->replica->last_lsn();
    if (leader->replica->commit_lsn() != last) return nullptr;
    return AllApplied(last) ? leader : nullptr;
  }

  bool AllApplied(Lsn lsn) const {
    for (const SimNode& n : nodes_) {
      if (n.disk.applied_lsn < lsn) return false;
    }
    return true;
  }

  void CheckAcked() {
    Lsn max_chosen = chosen_.empty() ? 0 : chosen_.rbegin()->first;
    for (const SimNode& n : nodes_) {
      if (n.disk.applied_lsn < max_chosen) Fail("a chosen value is not applied everywhere");
    }
    for (const auto& [lsn, data] : acked_) {
      if (chosen_.at(lsn) != data) Fail("an acknowledged write was lost");
    }
  }

  std::string Describe() const {
    std::string s;
    for (const SimNode& n : nodes_) {
      const Replica& r = *n.replica;
      s += "[node " + std::to_string(n.id) + " leader=" + std::to_string(r.IsLeader()) +
           " ballot=" + std::to_string(r.ballot()) + " commit=" + std::to_string(r.commit_lsn()) +
           " applied=" + std::to_string(r.applied_lsn()) + " last=" + std::to_string(r.last_lsn()) +
           "] ";
    }
    return s;
  }

  uint64_t seed_;
  SplitMix64 rng_;
  SimNode nodes_[kNodes];
  std::deque<Message> network_;
  Profile profile_;
  bool faulty_ = true;
  NodeId isolated_ = 0;
  int step_ = 0;   // in the faulty phase
  int round_ = 0;  // in the quiet phase
  uint64_t proposals_ = 0;
  std::map<std::pair<Lsn, Ballot>, Accepted> accepted_;
  std::map<Lsn, std::string> chosen_;
  std::map<Lsn, std::string> acked_;
  std::map<Ballot, NodeId> leaders_;
  std::string failure_;
};

TEST_CASE("paxos sim: safety under faults, then convergence", "[sim]") {
  // PAXOS_SIM_SEEDS=N PAXOS_SIM_FIRST=S run N seeds from S (a soak, or one
  // failing seed); the default is the CI run.
  const uint64_t kFirst = EnvOr("PAXOS_SIM_FIRST", 1);
  const uint64_t kSeeds = EnvOr("PAXOS_SIM_SEEDS", 1000);
  const int kSteps = static_cast<int>(EnvOr("PAXOS_SIM_STEPS", 2000));
  std::signal(SIGABRT, OnAbort);
  size_t chosen = 0;
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
  }
  std::signal(SIGABRT, SIG_DFL);
  // The scheduler must let work through, not only faults.
  CHECK(chosen > kSeeds * 50);
}

}  // namespace
