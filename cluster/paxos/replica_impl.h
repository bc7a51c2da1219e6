// Replica::Impl: the state and helpers behind Replica (replica.h), internal
// to cluster/paxos.
//
// The logic is split by phase: replica.cc holds construction, the Ready
// cycle, ticks and the helpers shared by both phases; replica_phase1.cc holds
// elections (Prepare/Promise, recovery, becoming leader); replica_phase2.cc
// holds replication (Accept/Accepted, heartbeats, commit, catch-up, trim).
// The protocol and the invariants are described in replica.h.
//
// Thread safety: none; owned by one Replica.
#pragma once

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "cluster/paxos/memory_log.h"
#include "cluster/paxos/replica.h"
#include "cluster/paxos/split_mix.h"

namespace ddb::paxos {

enum class Role : uint8_t { kFollower, kCandidate, kLeader };

// What this replica knows about one other member: the phase-1 fields while a
// candidate, the others while leader. Reset at every change of role.
struct Peer {
  NodeId id = 0;
  // Leader.
  Lsn match = 0;         // its persisted log equals ours through here
  Lsn next = 1;          // the next LSN to send it
  Lsn acked_commit = 0;  // its persisted commit LSN, as last acknowledged
  // Candidate.
  bool recovered = false;  // we hold every record it has at or above recover_from
  Lsn promise_last = 0;    // its last LSN, as it reported
  Lsn promise_covered = 0; // its records received through here
};

// Members end in _ as in a class: Impl keeps invariants, unlike Peer.
struct Replica::Impl {
  Impl(const ReplicaConfig& config, const PersistedState& state);

  // replica.cc: shared helpers.
  Message NewMessage(Message::Type type, NodeId to) const;
  void Send(Message m) { outbox_.push_back(std::move(m)); }
  Peer* FindPeer(NodeId id);
  void ResetElectionTimer();
  void AdoptBallot(Ballot b);  // a higher ballot: promise it, step down
  void AbandonProposals();
  void WriteRecord(Record r);
  void SetCommit(Lsn lsn);
  void SetTrim(Lsn lsn);
  void DropApplied() { log_.DropThrough(std::min(applied_lsn_, trim_lsn_)); }
  bool AnyPeerSendable() const;
  void Tick();
  Ready TakeReady();
  void Advance(const Ready& ready);
  bool HasReady() const;

  // replica_phase1.cc: elections.
  void Campaign();
  void HandlePrepare(const Message& m);
  void HandlePromise(const Message& m);
  void MaybeBecomeLeader();
  void BecomeLeader();
  void MergeRecovered(const Record& r);

  // replica_phase2.cc: replication.
  Result<Lsn> Propose(std::string data);
  void HandleAccept(const Message& m);
  void HandleAccepted(const Message& m);
  void HandleHeartbeat(const Message& m);
  void HandleHeartbeatAck(const Message& m);
  void Reply(Message::Type type, NodeId to, bool reject);
  bool FollowLeader(const Message& m);
  void LearnCommit(const Message& m);
  bool Sendable(const Peer& p) const;
  void SendAccepts(Peer& p);
  void BroadcastHeartbeats();
  void OnAck(Peer& p, const Message& m);
  void AdvanceLeaderCommit();
  void UpdateLeaderTrim();

  ReplicaConfig config_;
  size_t quorum_ = 1;
  SplitMix64 rng_;
  std::vector<Peer> peers_;

  Role role_ = Role::kFollower;
  NodeId leader_ = 0;  // leader hint; 0 when unknown
  Ballot promised_ = 0;
  Lsn commit_lsn_ = 0;
  Lsn trim_lsn_ = 0;
  Lsn applied_lsn_ = 0;    // as reported by Advance
  Lsn handed_out_lsn_ = 0; // committed records put in a Ready through here
  HardState durable_;      // as of the last Advance
  MemoryLog log_;
  // Our log equals the log of the leader of `promised` through here (as a
  // follower; a leader's own log trivially matches).
  Lsn match_lsn_ = 0;

  int election_elapsed_ = 0;
  int election_timeout_ = 0;
  int heartbeat_elapsed_ = 0;

  // Candidate.
  Lsn recover_from_ = 1;
  std::map<Lsn, Record> recovered_;  // highest-ballot record per LSN

  // Leader.
  Lsn self_match_ = 0;          // our log is persisted at our ballot through here
  std::set<Lsn> proposals_;     // our proposals not known committed
  bool flush_accepts_ = false;  // Propose added records; send them at TakeReady
  Lsn notified_commit_ = 0;     // the commit LSN last sent to followers

  // The Ready being built.
  bool hard_state_dirty_ = false;
  std::set<Lsn> dirty_;  // LSNs written since the last TakeReady
  std::vector<Message> outbox_;
  std::vector<Lsn> abandoned_;
};

}  // namespace ddb::paxos
