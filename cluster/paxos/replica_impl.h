// Replica::Impl: the state and helpers behind Replica (replica.h), internal
// to cluster/paxos.
//
// The logic is split by concern: replica.cc holds construction, the Ready
// cycle and the helpers shared by everything; replica_phase1.cc holds
// elections (Prepare/Promise, the recovery chain, becoming leader);
// replica_phase2.cc holds replication (Accept/Accepted, heartbeats, commit,
// catch-up, trim); replica_timers.cc holds ticks, leases, check-quorum and
// pre-vote; replica_membership.cc holds configurations, changes, snapshots
// and removal. The protocol and the invariants are described in replica.h.
//
// Thread safety: none; owned by one Replica.
#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cluster/paxos/memory_log.h"
#include "cluster/paxos/replica.h"
#include "cluster/paxos/split_mix.h"

namespace ddb::paxos {

enum class Role : uint8_t { kFollower, kCandidate, kLeader };

// A configuration and the LSN at which it is considered.
struct InForce {
  Lsn at = 0;
  const Configuration* config = nullptr;
};

// What this replica knows about one other member: the phase-1 fields while a
// candidate, the others while leader. Reset at every change of role.
struct Peer {
  NodeId id = 0;
  // Leader.
  Lsn match = 0;         // its persisted log equals ours through here
  Lsn next = 1;          // the next LSN to send it
  Lsn acked_commit = 0;  // its persisted commit LSN, as last acknowledged
  int64_t acked_tick = -1;  // the latest send tick of ours it acknowledged (leases)
  uint64_t heard_tick = 0;  // when it last answered us (check-quorum)
  bool needs_snapshot = false;  // it needs records below our first in-memory LSN
  // Added while we lead, at this tick: answers to messages sent at or before
  // it are ignored (they may come from a removed earlier replica on the same
  // node, at the same ballot). -1: a peer since we became leader.
  int64_t since_tick = -1;
  Lsn joined_lsn = 0;  // as it reported: it votes only from this LSN on
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
  const Peer* FindPeer(NodeId id) const;
  void AdoptBallot(Ballot b);  // a higher ballot: promise it, step down
  void AbandonProposals();
  void WriteRecord(Record r);
  void SetCommit(Lsn lsn);
  void SetTrim(Lsn lsn);
  void DropApplied() { log_.DropThrough(std::min(applied_lsn_, trim_lsn_)); }
  bool AnyPeerSendable() const;
  Ready TakeReady();
  void Advance(const Ready& ready);
  bool HasReady() const;
  bool AppliesItemsAt(Lsn lsn) const;
  void Step(const Message& m);

  // replica_timers.cc: ticks, leases, check-quorum, pre-vote.
  void Tick();
  void ResetElectionTimer();
  void OnElectionTimeout();
  bool MayPromise() const;        // not bound by a lease
  void HeardLeader();             // we acknowledged the leader of promised_
  void LeaveLeadership();         // a leader stops leading (still bound by its lease)
  int64_t LeaseStart() const;     // -1: no lease
  bool LeaseValid() const;
  bool CanServeConsistentRead() const;
  bool QuorumHeard() const;       // check-quorum
  void StepDown();
  void StartPreVote();
  void MaybeWinPreVote();
  void HandlePreVote(const Message& m);
  void HandlePreVoteResponse(const Message& m);
  // Quiescence (replica_timers.cc).
  bool CaughtUpAndIdle() const;  // leader: may go quiet
  void GoQuiet();
  void Wake(uint64_t ticks_missed, bool leader_alive);

  // replica_phase1.cc: elections.
  void Campaign();
  void LeadNewGroup();
  void BeginRound();
  void HandlePrepare(const Message& m);
  void HandlePromise(const Message& m);
  void PrepareChainMembers();
  void MaybeBecomeLeader();
  void BecomeLeader(bool opening_record = true);
  void MergeRecovered(const Record& r);

  // replica_phase2.cc: replication.
  Result<Lsn> Propose(std::string data);
  void HandleAccept(const Message& m);
  void HandleAccepted(const Message& m);
  void HandleHeartbeat(const Message& m);
  void HandleHeartbeatAck(const Message& m);
  void Reply(Message::Type type, const Message& to, bool reject);
  bool FollowLeader(const Message& m);
  void LearnCommit(const Message& m);
  bool Sendable(const Peer& p) const;
  void SendAccepts(Peer& p);
  void BroadcastHeartbeats(bool timed);
  void OnAck(Peer& p, const Message& m);
  void AdvanceLeaderCommit();
  void UpdateLeaderTrim();

  // replica_membership.cc: configurations, changes, snapshots, removal.
  const Configuration* ConfigAt(Lsn lsn) const;  // null: not known
  Lsn ConfigPoint() const;                       // where configuration() is read
  const Configuration* Effective() const { return ConfigAt(ConfigPoint()); }
  // The configurations in force from the commit LSN on: the committed one
  // first (at the commit LSN; absent while unknown), then those of later
  // records (at their LSN).
  std::vector<InForce> ActiveConfigs() const;
  // Whether member `id` votes for a configuration considered at `at`: we
  // always do; a peer when it is one and joined the group at or before `at`.
  bool Votes(NodeId id, Lsn at) const;
  bool InActiveConfigs(NodeId id) const;
  bool CanLead() const;  // a kFull member of the committed configuration
  Result<Lsn> ProposeConfig(Configuration next);
  void MaybeAppendQueuedConfig();
  void NoteRecord(const Record& r);  // keeps configs_ in step with log_
  void SyncLeaderPeers();
  void OnCommitMoved(Lsn old_commit);
  void CheckRemoved();
  void MarkRemoved();
  void FoldConfigs();
  void SendRemoved(NodeId to);
  void HandleSnapshot(const Message& m);
  void HandleRemoved(const Message& m);
  void InstallSnapshot(Lsn lsn, const Configuration& configuration);

  ReplicaConfig config_;
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

  // Configurations by the LSN from which each is in force: the base (in
  // force at applied_lsn_, or at a snapshot's LSN) and one per kConfig record
  // in log_ above it. Empty while a joining replica knows none.
  std::map<Lsn, Configuration> configs_;
  bool removed_ = false;

  // Time, in ticks since construction.
  uint64_t now_ = 0;
  int election_elapsed_ = 0;
  int election_timeout_ = 0;
  int heartbeat_elapsed_ = 0;
  int64_t leader_contact_tick_ = -1;  // when we last acknowledged a leader
  uint64_t promise_after_tick_ = 0;   // promise no new ballot before this tick
  bool quiescent_ = false;
  int idle_ticks_ = 0;  // leader: ticks in a row CaughtUpAndIdle() held at heartbeats

  // Pre-vote (nothing of it is persisted).
  bool prevoting_ = false;
  uint64_t prevote_tick_ = 0;
  std::set<NodeId> prevote_grants_;
  Ballot seen_ballot_ = 0;  // highest ballot heard of in pre-vote answers

  // Candidate.
  Lsn recover_from_ = 1;
  std::map<Lsn, Record> recovered_;  // highest-ballot record per LSN
  std::map<Lsn, Configuration> recovered_configs_;  // the kConfig records among them

  // Leader.
  Lsn self_match_ = 0;          // our log is persisted at our ballot through here
  Lsn opening_lsn_ = 0;         // our first record at our ballot (the opening no-op)
  std::set<Lsn> proposals_;     // our proposals not known committed
  bool flush_accepts_ = false;  // Propose added records; send them at TakeReady
  Lsn notified_commit_ = 0;     // the commit LSN last sent to followers
  // A change accepted by ProposeConfig, appended at queued_config_lsn_ once
  // the whole log is committed; writes are held meanwhile.
  std::optional<Configuration> queued_config_;
  Lsn queued_config_lsn_ = 0;

  // The Ready being built.
  bool hard_state_dirty_ = false;
  std::set<Lsn> dirty_;  // LSNs written since the last TakeReady
  std::vector<Message> outbox_;
  std::vector<Lsn> abandoned_;
  std::optional<SnapshotRequest> snapshot_request_;
  Message snapshot_message_;  // the Snapshot message behind the last request
};

}  // namespace ddb::paxos
