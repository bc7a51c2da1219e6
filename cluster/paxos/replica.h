// Replica: one member of a partition's replication group, as a pure
// Multi-Paxos state machine with leader leases, pre-vote, check-quorum and
// single-member configuration changes.
//
// It does no I/O, reads no clock and starts no thread. A driver (the storage
// node thread in cluster/storage_node.cc, or the simulator in tests/) feeds
// it messages (Step), time (Tick) and client proposals (Propose,
// ProposeConfig), and after each call collects a Ready: what to persist,
// what to send, what to apply.
//
// The Ready contract, in order:
//   1. persist `hard_state` (if set) and every record in `entries` (a record
//      with an LSN that is already stored replaces it; its `kind` is stored
//      with it), durably enough for the promise the driver makes (a SQLite
//      transaction per Ready);
//   2. only then send `messages` (except a leader's Ready with no `entries`
//      whose messages are all heartbeats: those carry only what is already
//      persisted, ballot, last LSN, a commit LSN a majority persisted and a
//      trim LSN every member did, and may go first, as may the answers to
//      the clients whose records `committed` holds);
//   3. apply `committed` in order (they are contiguous and start right after
//      the last LSN applied by this replica): a kData record with non-empty
//      data is a client write, applied to the items only when `apply_items`
//      (false on a log replica); a kConfig record is never decoded as a
//      write: the driver stores its data as the group's configuration (see
//      PersistedState::configuration). applied_lsn moves over every record;
//   4. call Advance(ready), before taking the next Ready;
//   5. if `snapshot` is set, install a snapshot when convenient (see
//      SnapshotRequest), then call InstallSnapshot() between an Advance and
//      the next TakeReady.
// Nothing needs to be re-delivered after a restart: the replica asks peers
// for what it is missing by itself.
// A record in `entries` counts towards the leader's own acceptance only after
// Advance() says it was persisted.
//
// Protocol (Multi-Paxos, one ballot per leadership term):
//   phase 1: a candidate picks a ballot above any it has seen and sends
//     Prepare(ballot, from_lsn = its commit LSN + 1); a peer that has not
//     promised a higher ballot (and is not bound by a lease, below) promises
//     it (persisted) and answers Promise with its accepted records from
//     from_lsn (at most kMaxRecordsPerMessage; `lsn` is its last LSN, and the
//     candidate asks again from where the answer stopped). With complete
//     answers from a majority of every configuration in its recovery chain
//     (below; itself included) the candidate is leader: it re-proposes, at
//     its own ballot, the highest-ballot value for each LSN it learned, fills
//     holes with no-ops (empty data), and appends a no-op (the "opening"
//     record) to commit the recovered tail.
//   phase 2: the leader assigns LSNs in order and sends Accept(ballot, records,
//     commit_lsn); a peer that has not promised a higher ballot persists the
//     records and answers Accepted(ballot, lsn, commit_lsn). A record at LSN x
//     is chosen when a majority of the configuration in force at x (below)
//     persisted it at the leader's ballot; commit_lsn advances over the
//     contiguous chosen prefix and reaches followers in later Accepts and in
//     heartbeats.
//
// How a follower knows a record is the leader's (before applying it):
//   - A leader at ballot B proposes one value per LSN, and sends every record
//     stamped with B (a record below its commit LSN is a chosen value, which
//     any ballot may propose). So on every replica the ballot held at an LSN
//     only grows, as Paxos acceptors require.
//   - A follower keeps `match`: its log equals the leader's through that LSN.
//     On a new ballot, match restarts at the follower's own commit LSN (the
//     chosen prefix, which the leader's log also holds). An Accept is used
//     only from match + 1 on, in order; records past a gap are refused with
//     Accepted(reject = true, ballot = the same ballot, lsn = match), which
//     tells the leader where to resend from. Accepted and HeartbeatAck carry
//     lsn = match (persisted) and commit_lsn = the follower's commit LSN.
//   - A follower's commit LSN is min(leader's commit_lsn, match): it applies
//     only records it holds and knows equal to the leader's committed ones.
//     Stale records above match (from older ballots) are kept, reported to
//     later candidates as Paxos requires, and never applied.
//   - The leader counts a peer for an LSN when the peer's acknowledged match
//     at the leader's ballot covers it, and itself when Advance() reports the
//     record persisted at its ballot.
//
// Configurations (configuration.h). The configuration in force at LSN x is
// the one in the last kConfig record at or below x in the log, or the base
// configuration (PersistedState::configuration, in force at applied_lsn; a
// new group's is ReplicaConfig::members, all kFull). So a change takes effect
// on a replica as soon as the record is in its log, for the record itself
// and every LSN after it. The rules that keep every quorum that may have
// chosen something intersecting every later phase-1 quorum:
//   - one change at a time, on a committed log: a leader accepts a change
//     only when every kConfig record in its log is committed, and appends it
//     only right after a fully committed log (so after its opening record:
//     the fix for Raft's single-server-change bug). Until its log is
//     committed the change waits, queued at the next LSN, and new writes are
//     held. So every later leader's recovery reaches the LSN of a change
//     that was never chosen, and such a change cannot reappear above a
//     later one (acceptors keep stale records above their match);
//   - each change adds, removes or demotes one member, so majorities of two
//     consecutive configurations intersect;
//   - recovery chain: a candidate needs complete answers from a majority of
//     the configuration in force at its commit LSN, and of every
//     configuration in a kConfig record among the highest-ballot values it
//     recovered; when answers reveal a configuration with new members, it
//     sends them Prepares too. A configuration chosen after the candidate's
//     commit LSN was chosen by a majority that intersects the previous one,
//     so it is always found;
//   - only a kFull member of the last configuration of its chain becomes
//     leader; a leader refuses to remove or demote itself.
// The leader sends to every member of the configurations in force from its
// commit LSN on (so a member being removed keeps receiving until the removal
// commits). A replica whose committed configuration does not list it is
// removed: it stops participating (removed() is true) and the driver drops
// it. The leader tells a removed member so with a Removed message (when the
// removal commits, and whenever a non-member writes to it); the receiver
// believes it unless it knows a configuration newer than the one named.
// A member being added is created empty, right after ProposeConfig returned
// the change's LSN (ReplicaConfig::joined_lsn), with hard_state.promised =
// the proposing leader's ballot (so it cannot accept for an older leader),
// and only after any earlier replica of the group on its node was dropped
// (that one's removal is committed before the new change is accepted). It
// learns the configuration from the leader's records, or from a snapshot
// when the leader no longer holds the records it needs, and it does not
// campaign before its commit LSN reaches joined_lsn. A node id can thus come
// back after a removal as a new, empty replica: every Promise, Accepted and
// HeartbeatAck carries the sender's joined_lsn, and an answer counts only
// for configurations in force at or after it (a lagging candidate whose
// configuration names the node's removed predecessor cannot count the empty
// newcomer as that predecessor); a leader also ignores answers to messages
// it sent before it added a peer.
//
// Leases (time is ticks; every replica is assumed to tick at the same rate;
// bounded drift is ignored, and one tick of margin covers the phase
// difference between two replicas' ticks). Every Heartbeat and Accept
// carries the leader's tick count at sending (Message::tick), echoed in the
// answer. The leader holds a lease until T + lease_ticks, where T is the
// latest send tick such that a majority of every configuration in force
// (itself included, at the current tick) acknowledged a message sent at or
// after T: the lease runs from the send, not from the ack. The protection is
// on the followers' side: a replica that acknowledged a leader at tick t
// promises no other ballot before tick t + lease_ticks + 1 (and a restarted
// replica that ever promised a ballot promises nothing during its first
// lease_ticks + 1 ticks, as it may have acknowledged a leader just before
// crashing); a leader with a valid lease promises nothing either, and one
// deposed by a higher ballot stays bound until its lease would have ended. Any
// majority that elects a new leader includes a replica that acknowledged the
// old leader's last renewal and then waited, so a new leader is elected only
// after every older lease has expired: a new leader may write at once, and
// Propose never waits for a lease. CanServeConsistentRead() additionally
// requires the leader's opening record to be applied, so that the applied
// state includes every write any earlier leader acknowledged.
//
// Elections, with auto_elect: a follower that hears no leader for
// election_ticks + jitter (in [0, election_ticks), from the seeded generator)
// first runs a pre-vote: it sends PreVote (no ballot change, nothing
// persisted) to the members of its configuration, and a peer grants it only
// when it has not heard a leader for election_ticks itself (a leader never
// grants). With grants from a majority (itself included) it campaigns. So a
// replica cut off from a healthy leader does not depose it on return.
// Check-quorum: a leader that has not heard from a majority of every
// configuration in force for election_ticks steps down (its proposals are
// abandoned); its lease expired earlier, since lease_ticks < election_ticks.
// Campaign() skips the pre-vote but not the lease rule.
//
// Quiescence (ReplicaConfig::quiesce_ticks > 0): an idle group stops
// ticking. A leader whose log is wholly committed and applied, with no
// proposal or change pending, and whose peers heard within election_ticks
// all hold and know committed its whole log, for quiesce_ticks in a row, goes
// quiet at a timed heartbeat: it sends that heartbeat with `quiesce` set,
// gives its lease up (so CanServeConsistentRead() is false until fresh acks
// after it wakes) and from then on needs no Tick. A follower that receives
// such a heartbeat from its leader while holding and knowing committed
// everything it names goes quiet too, without answering it (an answer would
// wake the leader). quiescent() tells the driver it may stop calling Tick;
// ticking a quiet replica only advances its clock. Anything else wakes it:
// the driver first calls Wake(ticks_missed, leader_alive) with the ticks it
// did not deliver (the clock must not fall behind: leases and promises are
// counted in it; a Step or a Propose without Wake wakes it as if nothing was
// missed, which is safe, only slower), then steps it. A woken leader sends
// heartbeats at once and counts its peers as just heard from; a woken
// follower restarts its election timer, and counts its leader as just heard
// unless the driver says the leader's node went silent (leader_alive false:
// then it grants pre-votes and campaigns after its timeout). Quiet followers
// thus depend on the driver to notice a dead leader: it watches one
// heartbeat per pair of nodes (cluster/storage_node.cc) instead of one per
// group. Safety never depends on it: a quiet leader holds no lease, and a
// quiet follower keeps every promise it made, in its caught-up clock.
//
// Catch-up: the leader tracks next/match per peer. It sends at most
// kMaxRecordsPerMessage records per Accept and keeps at most
// kMaxInflightRecords unacknowledged per peer; each Accepted asks for the next
// batch. A refusal (gap) or a HeartbeatAck whose lsn is below the leader's
// last LSN rewinds next to lsn + 1, so lost messages and restarted peers are
// repaired within a heartbeat, without the driver re-delivering anything.
// A peer that needs records the leader no longer holds (a member added after
// the log was trimmed) is sent a Snapshot message at heartbeat pace instead;
// it asks its driver for a snapshot (Ready::snapshot).
//
// Memory rule: a replica keeps in memory every record above
// min(applied LSN, trim LSN). The leader computes trim LSN as the lowest
// persisted commit LSN over the members of the configurations in force
// (peers report theirs in acks) and sends it in Accepts and heartbeats
// (Message::trim_lsn); every replica persists it in HardState. So no member
// can need a record the others have dropped, whoever leads next, except a
// member added later, which gets a snapshot. A member that stays down holds
// trim back until a membership change removes it; a removed member no
// longer does.
// The driver must keep records above min(applied_lsn, hard_state.trim_lsn) on
// disk and hand them back in PersistedState after a restart.
//
// Safety invariants (checked by the simulation tests): at most one value is
// chosen per LSN; a committed record is never lost or changed; at most one
// leader per ballot; applied prefixes of any two replicas agree; applied
// configurations follow one another by single changes; no two replicas can
// serve consistent reads at overlapping ticks, and one that can has applied
// every acknowledged write.
//
// Thread safety: none. One driver thread owns a Replica.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "cluster/paxos/configuration.h"

namespace ddb::paxos {

// A ballot orders leadership terms. Encoded as (round << 32) | proposer id,
// so two proposers never pick the same ballot.
using Ballot = uint64_t;

inline Ballot MakeBallot(uint64_t round, NodeId proposer) { return (round << 32) | proposer; }
inline uint64_t BallotRound(Ballot b) { return b >> 32; }

// Do not reorder: persisted with every WAL record.
enum class RecordKind : uint8_t {
  kData = 0,    // a client write (WalRecord), or a no-op when data is empty
  kConfig = 1,  // data is EncodeConfiguration() of the group's next configuration
};

// One WAL record: the value accepted for an LSN, and the ballot it was
// accepted at.
struct Record {
  Lsn lsn = 0;
  Ballot ballot = 0;
  std::string data;
  RecordKind kind = RecordKind::kData;
};

// What a replica keeps on disk besides its records. Persisted together with
// the records of the same Ready.
struct HardState {
  Ballot promised = 0;   // highest ballot promised (or accepted at)
  Lsn commit_lsn = 0;    // highest LSN known committed
  Lsn trim_lsn = 0;      // every member holds and knows committed every record up to here
};

struct Message {
  // Do not reorder: messages may be logged by number. New types go last.
  enum class Type : uint8_t {
    kPrepare = 0,    // phase 1a: ballot, lsn = first LSN asked about
    // phase 1b: ballot, records = accepted records from the Prepare's lsn on,
    // lsn = the promiser's last LSN, commit_lsn, reject flag (a reject's
    // ballot is the promiser's; it may be lower than the Prepare's when the
    // promiser is bound by a lease)
    kPromise = 1,
    // phase 2a: ballot, records (stamped with ballot), commit_lsn, trim_lsn,
    // lsn = leader's last LSN, tick
    kAccept = 2,
    kAccepted = 3,   // phase 2b: ballot, lsn = matched prefix, commit_lsn, reject flag, tick (echo)
    // leader -> follower: ballot, commit_lsn, trim_lsn, lsn = leader's last LSN, tick
    kHeartbeat = 4,
    kHeartbeatAck = 5,  // ballot, lsn = matched prefix, commit_lsn, reject flag, tick (echo)
    // Pre-vote: ballot = the sender's promised ballot (unchanged), tick = the
    // sender's tick when the round started. Sent by a replica whose election
    // timer fired, before it campaigns.
    kPreVote = 6,
    // ballot = the answerer's promised ballot, reject = not granted, tick (echo)
    kPreVoteResponse = 7,
    // leader -> follower that needs records the leader no longer holds:
    // ballot, lsn = the LSN a snapshot must cover at least, commit_lsn,
    // trim_lsn, tick. Also a heartbeat; answered with a HeartbeatAck.
    kSnapshot = 8,
    // leader -> a node that is not a member: lsn = the LSN (at most) of the
    // committed configuration that does not list it.
    kRemoved = 9,
  };
  Type type = Type::kHeartbeat;
  uint64_t group = 0;
  NodeId from = 0;
  NodeId to = 0;
  Ballot ballot = 0;
  Lsn lsn = 0;
  Lsn commit_lsn = 0;
  Lsn trim_lsn = 0;             // Accept, Heartbeat, Snapshot: see HardState::trim_lsn
  // A higher ballot was promised; `ballot` carries it. On an Accepted with
  // the Accept's own ballot: the records did not follow the matched prefix
  // `lsn`, resend from lsn + 1. On a PreVoteResponse: not granted.
  bool reject = false;
  std::vector<Record> records;
  // The sender's tick count when it sent a Heartbeat, Accept, Snapshot or
  // PreVote; the answer echoes it (leases, pre-vote rounds).
  uint64_t tick = 0;
  // Heartbeat: the leader goes quiet (see Quiescence); not answered.
  bool quiesce = false;
  // Promise, Accepted, HeartbeatAck: the sender's ReplicaConfig::joined_lsn.
  // Its answers count only for configurations in force at or after that LSN
  // (a configuration before it may name an earlier, removed replica on the
  // same node).
  Lsn joined_lsn = 0;
  // True when the driver restarts every member of the group at the same
  // time, with no message of the earlier run left in flight (a snapshot
  // taken or restored with all nodes stopped, cluster/snapshots.h): no
  // leader of the earlier run is alive to hold a lease, so a restarted
  // replica need not wait lease_ticks + 1 ticks before promising.
  bool whole_group_restarted = false;
};

// Ready::snapshot: this replica needs records its leader no longer holds.
// The driver copies the applied state of replica `from` (its items — none
// when this replica is a log replica, which the driver knows from the change
// that created it —, its applied_lsn A and its stored configuration, all
// from one consistent read) and, only if A >= lsn and A > this replica's
// applied_lsn(), installs it in one transaction: replace the group's items,
// applied_lsn = A, configuration = the copied one, hard_state.commit_lsn =
// max(commit_lsn, A), and delete the group's WAL records at or below A
// (never those above). Then it calls InstallSnapshot(A, configuration),
// which tells the leader at once. The same request may be repeated while one
// is in progress; the driver ignores repeats.
struct SnapshotRequest {
  NodeId from = 0;  // the leader that asked for it
  Lsn lsn = 0;      // the snapshot must cover at least through here
};

struct Ready {
  std::optional<HardState> hard_state;  // persist when set
  std::vector<Record> entries;          // persist (replace by LSN)
  std::vector<Message> messages;        // send after persisting
  std::vector<Record> committed;        // apply in order after persisting
  // Whether this replica applies the kData records of `committed` to its
  // items: false while it is a log replica (true while it does not know its
  // role yet: a driver that created a log replica may skip items anyway).
  // One Ready never spans a change of this replica's role.
  bool apply_items = true;
  // Proposals of this replica that can no longer commit at the ballot they
  // were made at (leadership was lost): the driver fails their clients with a
  // retryable error. The record may still be chosen later under another
  // leader; that is DynamoDB's "unknown outcome" of a failed write.
  std::vector<Lsn> abandoned;
  std::optional<SnapshotRequest> snapshot;  // see SnapshotRequest
  bool empty() const {
    return !hard_state && entries.empty() && messages.empty() && committed.empty() &&
           abandoned.empty() && !snapshot;
  }
};

struct ReplicaConfig {
  uint64_t group = 0;
  NodeId self = 0;                 // non-zero: 0 means "unknown" in leader_hint()
  // The group's first configuration (all kFull), used when
  // PersistedState::configuration is empty. Includes self (unless joined_lsn is set).
  std::vector<NodeId> members;
  int election_ticks = 10;         // a follower that hears no leader for this many ticks campaigns
  int heartbeat_ticks = 2;         // a leader sends heartbeats this often
  // The leader's lease, in ticks; less than election_ticks. 0: derived as
  // election_ticks * 3 / 4 (when that is 0, leases are off and no replica
  // can serve consistent reads).
  int lease_ticks = 0;
  bool auto_elect = true;          // false: only an explicit Campaign() starts an election
  // A leader idle for this many ticks goes quiet with its followers (see
  // Quiescence); 0: never. At least heartbeat_ticks.
  int quiesce_ticks = 0;
  uint64_t random_seed = 1;        // jitters election timeouts; no global randomness
  // Non-zero: this replica was added to an existing group by the kConfig
  // record at this LSN (ProposeConfig's result). `members` is then ignored:
  // the configuration is learned from the leader. It may not campaign, and
  // does not believe it is removed, before its commit LSN reaches joined_lsn
  // (earlier records may be from a time it was not a member). The driver
  // stores it with the replica and passes it at every restart.
  Lsn joined_lsn = 0;
  // True when the driver restarts every member of the group at the same
  // time, with no message of the earlier run left in flight (a snapshot
  // taken or restored with all nodes stopped, cluster/snapshots.h): no
  // leader of the earlier run is alive to hold a lease, so a restarted
  // replica need not wait lease_ticks + 1 ticks before promising.
  bool whole_group_restarted = false;
};

// What the driver reloads from disk after a restart.
struct PersistedState {
  HardState hard_state;
  Lsn applied_lsn = 0;             // the driver applied every record up to here
  // Every record above min(applied_lsn, hard_state.trim_lsn) still stored
  // (a snapshot deletes those it covers), by LSN, with no holes, each with
  // its kind; the first is at most applied_lsn + 1 (more below is fine).
  std::vector<Record> records;
  // The configuration in force at applied_lsn: the data of the last kConfig
  // record the driver applied (decoded), or the one installed with the last
  // snapshot. Empty: none stored yet (ReplicaConfig::members, or unknown
  // for a replica with a joined_lsn).
  Configuration configuration;
};

// Limits: records per Accept or Promise, unacknowledged records per peer,
// committed records per Ready.
inline constexpr size_t kMaxRecordsPerMessage = 64;
inline constexpr Lsn kMaxInflightRecords = 4 * kMaxRecordsPerMessage;
inline constexpr size_t kMaxCommittedPerReady = 256;

class Replica {
 public:
  // Restores a replica as a follower (a fresh one from an empty state).
  Replica(const ReplicaConfig& config, const PersistedState& state);
  ~Replica();
  Replica(Replica&&) noexcept;
  Replica& operator=(Replica&&) noexcept;
  Replica(const Replica&) = delete;
  Replica& operator=(const Replica&) = delete;

  // Leader only: appends `data` at the next LSN. Returns the LSN, or
  // Unavailable when this replica is not the leader (the driver redirects)
  // or while a configuration change waits for the log to commit (retry).
  // A leader is elected only once every earlier lease has expired, so it
  // never has to wait for a lease before writing.
  Result<Lsn> Propose(std::string data);

  // Leader only: appends a kConfig record that makes `next` the group's
  // configuration (in force at once on every replica that holds it), and
  // returns its LSN. The record is appended as soon as every earlier record
  // is committed (at once when they are); until then Propose is refused
  // ("writes are held ..."), and if leadership is lost first the LSN is
  // reported in Ready::abandoned. Errors: Unavailable when not the leader;
  // Busy while an earlier change is not committed; InvalidArgument when
  // `next` is not a single change from configuration()
  // (ValidateConfigurationChange) or would remove or demote the leader.
  // Create a member being added right after (see ReplicaConfig::joined_lsn).
  Result<Lsn> ProposeConfig(Configuration next);

  // Starts phase 1 with a new ballot now (a leader abandons its pending
  // proposals), without a pre-vote. Call it on one designated replica of a
  // new group to elect the first leader without waiting for a timeout.
  // Ignored on a replica that may not lead (a log replica, a removed one, or
  // one that does not know its configuration yet).
  void Campaign();
  // The first leader of a new group, without phase 1: the driver created
  // every member of the group empty and promised to MakeBallot(1, L), each
  // persisted before this call on L. Phase 1 at that ballot could only learn
  // what it already knows (a majority, all of them, promised it and
  // accepted nothing; no ballot below it was ever used, since a campaign
  // from such a promise is at round 2), so L leads at once. It writes no
  // opening record either (that record commits a recovered tail, and there
  // is none): it sends heartbeats, whose answers start its lease, and its
  // first proposal is LSN 1. Only while this replica is a follower with an
  // empty log, commit LSN 0, no joined_lsn and exactly that promise;
  // otherwise this is Campaign(). The first write to a new table then
  // waits for its own round of Accepts only.
  void LeadNewGroup();

  void Step(const Message& m);
  void Tick();
  // Quiescence (see above): the driver may stop calling Tick while this is
  // true and HasReady() is false; before anything else reaches the replica
  // it calls Wake with the ticks it did not deliver, and whether the node of
  // the follower's leader kept answering meanwhile.
  bool quiescent() const;
  void Wake(uint64_t ticks_missed, bool leader_alive);

  bool HasReady() const;
  Ready TakeReady();
  void Advance(const Ready& ready);

  // The driver installed a snapshot through `lsn` whose configuration is
  // `configuration` (see SnapshotRequest). Ignored unless lsn is above
  // applied_lsn() and this replica is a follower.
  void InstallSnapshot(Lsn lsn, const Configuration& configuration);

  bool IsLeader() const;
  // A candidate, or a follower asking for pre-votes: an election of this
  // replica's is under way.
  bool Campaigning() const;
  // A leader whose lease is valid and whose opening record is applied: a
  // read of the applied state is linearizable.
  bool CanServeConsistentRead() const;
  // A leader whose opening record is applied (no lease needed): its applied
  // state includes every record an earlier leader may have acknowledged, so
  // a read-modify-write may read it.
  bool OpeningApplied() const;
  int lease_ticks_left() const;  // leader: ticks until its lease expires (0: none)
  NodeId leader_hint() const;  // 0 when unknown
  Ballot ballot() const;       // current promised ballot
  Lsn commit_lsn() const;
  Lsn applied_lsn() const;
  Lsn last_lsn() const;
  Lsn trim_lsn() const;        // see the memory rule above
  // The configuration this replica works with: a leader's latest, a
  // follower's in force at the end of the prefix it shares with its leader.
  // Empty while an added replica does not know it yet.
  const Configuration& configuration() const;
  // This replica is no longer a member: it ignores everything and the driver
  // should drop it (its state is no longer needed by the group).
  bool removed() const;

 private:
  struct Impl;  // replica_impl.h; the logic is in replica*.cc
  std::unique_ptr<Impl> impl_;
};

}  // namespace ddb::paxos
