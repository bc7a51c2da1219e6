// Replica: one member of a partition's replication group, as a pure
// Multi-Paxos state machine.
//
// It does no I/O, reads no clock and starts no thread. A driver (the storage
// node thread in cluster/node.cc, or the simulator in tests/) feeds it
// messages (Step), time (Tick) and client proposals (Propose), and after each
// call collects a Ready: what to persist, what to send, what to apply.
//
// The Ready contract, in order:
//   1. persist `hard_state` (if set) and every record in `entries` (a record
//      with an LSN that is already stored replaces it), durably enough for
//      the promise the driver makes (a SQLite transaction per Ready);
//   2. only then send `messages`;
//   3. apply `committed` in order (they are contiguous and start right after
//      the last LSN applied by this replica);
//   4. call Advance(ready), before taking the next Ready.
// Nothing needs to be re-delivered after a restart: the replica asks peers
// for what it is missing by itself.
// A record in `entries` counts towards the leader's own acceptance only after
// Advance() says it was persisted.
//
// Protocol (Multi-Paxos, one ballot per leadership term):
//   phase 1: a candidate picks a ballot above any it has seen and sends
//     Prepare(ballot, from_lsn = its commit LSN + 1); a peer that has not
//     promised a higher ballot promises it (persisted) and answers Promise with
//     its accepted records from from_lsn (at most kMaxRecordsPerMessage; `lsn`
//     is its last LSN, and the candidate asks again from where the answer
//     stopped). With complete answers from a majority (itself included) the
//     candidate is leader: it re-proposes, at its own ballot, the
//     highest-ballot value for each LSN it learned, fills holes with no-ops
//     (empty data), and appends a no-op to commit the recovered tail.
//   phase 2: the leader assigns LSNs in order and sends Accept(ballot, records,
//     commit_lsn); a peer that has not promised a higher ballot persists the
//     records and answers Accepted(ballot, lsn, commit_lsn). A record is chosen
//     when a majority persisted it at the leader's ballot; commit_lsn advances
//     over the contiguous chosen prefix and reaches followers in later Accepts
//     and in heartbeats.
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
// Catch-up: the leader tracks next/match per peer. It sends at most
// kMaxRecordsPerMessage records per Accept and keeps at most
// kMaxInflightRecords unacknowledged per peer; each Accepted asks for the next
// batch. A refusal (gap) or a HeartbeatAck whose lsn is below the leader's
// last LSN rewinds next to lsn + 1, so lost messages and restarted peers are
// repaired within a heartbeat, without the driver re-delivering anything.
//
// Memory rule: a replica keeps in memory every record above
// min(applied LSN, trim LSN). The leader computes trim LSN as the lowest
// persisted commit LSN over all members (peers report theirs in acks) and
// sends it in Accepts and heartbeats (Message::trim_lsn); every replica
// persists it in HardState. So no member can need a record the others have
// dropped, whoever leads next. A member that stays down holds trim back:
// until membership changes remove it, the group keeps what it has not seen.
// The driver must keep records above min(applied_lsn, hard_state.trim_lsn) on
// disk and hand them back in PersistedState after a restart.
//
// Safety invariants (checked by the simulation tests): at most one value is
// chosen per LSN; a committed record is never lost or changed; at most one
// leader per ballot; applied prefixes of any two replicas agree.
//
// Elections: with auto_elect, a replica that hears no leader for
// election_ticks + jitter (in [0, election_ticks), from the seeded generator)
// campaigns; leaders send heartbeats every heartbeat_ticks. A leader leads
// until it hears of a higher ballot. There are no leases, no check-quorum and
// no pre-vote yet (their places are marked in replica.cc and
// replica_phase1.cc).
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

namespace ddb::paxos {

using NodeId = uint32_t;
using Lsn = uint64_t;  // log sequence number; the first record is LSN 1
// A ballot orders leadership terms. Encoded as (round << 32) | proposer id,
// so two proposers never pick the same ballot.
using Ballot = uint64_t;

inline Ballot MakeBallot(uint64_t round, NodeId proposer) { return (round << 32) | proposer; }
inline uint64_t BallotRound(Ballot b) { return b >> 32; }

// One WAL record: the value accepted for an LSN, and the ballot it was
// accepted at. Empty data is a no-op.
struct Record {
  Lsn lsn = 0;
  Ballot ballot = 0;
  std::string data;
};

// What a replica keeps on disk besides its records. Persisted together with
// the records of the same Ready.
struct HardState {
  Ballot promised = 0;   // highest ballot promised (or accepted at)
  Lsn commit_lsn = 0;    // highest LSN known committed
  Lsn trim_lsn = 0;      // every member holds and knows committed every record up to here
};

struct Message {
  // Do not reorder: messages may be logged by number.
  enum class Type : uint8_t {
    kPrepare = 0,    // phase 1a: ballot, lsn = first LSN asked about
    // phase 1b: ballot, records = accepted records from the Prepare's lsn on,
    // lsn = the promiser's last LSN, commit_lsn, reject flag
    kPromise = 1,
    // phase 2a: ballot, records (stamped with ballot), commit_lsn, trim_lsn,
    // lsn = leader's last LSN
    kAccept = 2,
    kAccepted = 3,   // phase 2b: ballot, lsn = matched prefix, commit_lsn, reject flag
    kHeartbeat = 4,  // leader -> follower: ballot, commit_lsn, trim_lsn, lsn = leader's last LSN
    kHeartbeatAck = 5,  // ballot, lsn = matched prefix, commit_lsn, reject flag
  };
  Type type = Type::kHeartbeat;
  uint64_t group = 0;
  NodeId from = 0;
  NodeId to = 0;
  Ballot ballot = 0;
  Lsn lsn = 0;
  Lsn commit_lsn = 0;
  Lsn trim_lsn = 0;             // Accept, Heartbeat: see HardState::trim_lsn
  // A higher ballot was promised; `ballot` carries it. On an Accepted with
  // the Accept's own ballot: the records did not follow the matched prefix
  // `lsn`, resend from lsn + 1.
  bool reject = false;
  std::vector<Record> records;
};

struct Ready {
  std::optional<HardState> hard_state;  // persist when set
  std::vector<Record> entries;          // persist (replace by LSN)
  std::vector<Message> messages;        // send after persisting
  std::vector<Record> committed;        // apply in order after persisting
  // Proposals of this replica that can no longer commit at the ballot they
  // were made at (leadership was lost): the driver fails their clients with a
  // retryable error. The record may still be chosen later under another
  // leader; that is DynamoDB's "unknown outcome" of a failed write.
  std::vector<Lsn> abandoned;
  bool empty() const {
    return !hard_state && entries.empty() && messages.empty() && committed.empty() &&
           abandoned.empty();
  }
};

struct ReplicaConfig {
  uint64_t group = 0;
  NodeId self = 0;                 // non-zero: 0 means "unknown" in leader_hint()
  std::vector<NodeId> members;     // includes self; size 3 in ddb-local
  int election_ticks = 10;         // a follower that hears no leader for this many ticks campaigns
  int heartbeat_ticks = 2;         // a leader sends heartbeats this often
  bool auto_elect = true;          // false: only an explicit Campaign() starts an election
  uint64_t random_seed = 1;        // jitters election timeouts; no global randomness
};

// What the driver reloads from disk after a restart.
struct PersistedState {
  HardState hard_state;
  Lsn applied_lsn = 0;             // the driver applied every record up to here
  // Every record above min(applied_lsn, hard_state.trim_lsn), by LSN, with
  // no holes (more below is fine).
  std::vector<Record> records;
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
  // Unavailable when this replica is not the leader (the driver redirects).
  Result<Lsn> Propose(std::string data);

  // Starts phase 1 with a new ballot now (a leader abandons its pending
  // proposals). Call it on one designated replica of a new group to elect the
  // first leader without waiting for a timeout.
  void Campaign();

  void Step(const Message& m);
  void Tick();

  bool HasReady() const;
  Ready TakeReady();
  void Advance(const Ready& ready);

  bool IsLeader() const;
  NodeId leader_hint() const;  // 0 when unknown
  Ballot ballot() const;       // current promised ballot
  Lsn commit_lsn() const;
  Lsn applied_lsn() const;
  Lsn last_lsn() const;
  Lsn trim_lsn() const;        // see the memory rule above

 private:
  struct Impl;  // replica_impl.h; the logic is in replica*.cc
  std::unique_ptr<Impl> impl_;
};

}  // namespace ddb::paxos
