// ScrubStore: the part of a storage node's SQLite file that scrub, repair and
// the WAL archiver work on — digests of a group's replicated rows, copies of
// them, WAL reads with their checksums checked, WAL trimming, and bit rot.
//
// Replicated state: the rows of every table of the node file that holds a
// group's replicated state (kReplicatedTables in scrub_store.cc; today only
// `items`), selected by group_id in primary-key order. A new such table (an
// index) is added to that list and is then digested, copied and repaired too.
//
// Digest: MD5 over, table by table, the table's name and each row's columns
// (an integer as 8 bytes big-endian, a blob as varint(length) bytes), shown
// as 32 hex digits. Two replicas that applied the same records have equal
// digests; a flipped byte in any row changes it.
//
// Scrub markers (WalRecord::Op::kScrubMarker): NodeStore::Apply calls
// OnMarker inside the apply transaction, so every replica digests its rows
// as they are at exactly the marker's LSN, whatever writes come before and
// after it. A marker may name a slice of the partition: the items (every
// item space) whose h lies in [lo, hi), an empty bound being open; the
// slice with no lower bound also holds the tables without h (outbox, locks,
// decisions). The digests of the last few markers per group are kept in
// memory until the scrubber collects them (a moment later). A marker naming
// this node as its source also keeps a copy of the rows, for a repair
// (TakeCopy).
//
// Deferred digests (set_defer_digests, a storage node's store): OnMarker
// only begins the digest, and the node thread hashes it a few rows at a
// time between its other tasks (StepDigests), each step a query of its own
// that resumes after the last row hashed. A read then waits for one step,
// not for a whole slice (digests of 500-row slices took 1.6 ms on average
// under a GetItem load; a node thread's reads waited behind them). The
// group's rows must not change until the digest is complete: its node holds
// the group's later records back meanwhile, or completes the digest at once
// (FinishDigest) when it must apply them. Without deferral (the scrubber's
// reference store) OnMarker hashes every row at once, with the same steps.
//
// Thread safety: owned by the node thread, like NodeStore.
#pragma once

#include <md5.h>

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "cluster/paxos/replica.h"
#include "cluster/sqlite_db.h"
#include "cluster/wal_record.h"

namespace ddb::cluster {

// A group's digest at a scrub marker.
struct MarkerDigest {
  uint64_t scrub_id = 0;
  paxos::Lsn lsn = 0;
  std::string digest;  // 32 hex digits
  uint64_t rows = 0;
};

// Every replicated row of one group, table by table; a column is an integer
// or a blob, as the table's column types say.
struct GroupCopy {
  struct Value {
    int64_t i = 0;
    std::string b;
  };
  struct Table {
    std::string name;
    std::vector<std::vector<Value>> rows;
  };
  paxos::Lsn lsn = 0;  // the applied LSN the copy was taken at
  std::vector<Table> tables;
  size_t bytes = 0;
};

// The MD5 of `bytes` as 32 hex digits, as digests are shown.
std::string Md5Hex(std::string_view bytes);

class ScrubStore {
 public:
  explicit ScrubStore(SqliteDb* db);
  void set_node_id(uint32_t id) { node_id_ = id; }

  // Called by NodeStore::Apply when it applies a scrub marker at `lsn`.
  Status OnMarker(uint64_t group, paxos::Lsn lsn, const WalRecord& marker);
  // Deferred digests (above); off by default.
  void set_defer_digests(bool on) { defer_digests_ = on; }
  bool DigestPending(uint64_t group) const { return pending_.count(group) > 0; }
  bool AnyDigestPending() const { return !pending_.empty(); }
  // Hashes up to `max_rows` more rows of a pending digest (the lowest
  // group's); one complete is kept as OnMarker kept it before. A digest
  // whose read fails is dropped (that scrub finds this replica unchecked)
  // and the error returned.
  Status StepDigests(size_t max_rows);
  // Completes the group's pending digest, if it has one.
  Status FinishDigest(uint64_t group);
  // Drops the group's (or every) pending digest: its rows are replaced,
  // gone, or to be loaded again.
  void CancelDigest(uint64_t group) { pending_.erase(group); }
  void CancelDigests() { pending_.clear(); }
  std::optional<MarkerDigest> Digest(uint64_t group, uint64_t scrub_id) const;
  // The copy a marker naming this node kept; moved out (nullopt: none).
  std::optional<GroupCopy> TakeCopy(uint64_t group, uint64_t scrub_id);

  // The digest of the group's replicated rows now: all of them, or the
  // slice [lo, hi) of KeyHashBytes values (an empty bound is open).
  Status ComputeDigest(uint64_t group, std::string* digest, uint64_t* rows, std::string_view lo = {},
                       std::string_view hi = {});
  Result<GroupCopy> Copy(uint64_t group);
  // Replaces the group's replicated rows by `copy`; inside the caller's
  // transaction.
  Status Replace(uint64_t group, const GroupCopy& copy);

  // WAL records with after < lsn <= through, in LSN order: at most `max`,
  // and none after the one that brings their data to `max_bytes`.
  // Corruption when a record's CRC does not match its data.
  Result<std::vector<paxos::Record>> ReadWal(uint64_t group, paxos::Lsn after, paxos::Lsn through,
                                             size_t max, size_t max_bytes = SIZE_MAX);
  // Deletes the group's WAL records at or below `through`.
  Status TrimWal(uint64_t group, paxos::Lsn through);
  // The LSN of the last of the group's oldest WAL records at or below
  // `through`: at most `max` of them, and none after the one that brings
  // their data to `max_bytes` (0: no record at or below `through`).
  // Reads no record's data.
  Result<paxos::Lsn> WalSliceEnd(uint64_t group, paxos::Lsn through, size_t max, size_t max_bytes);
  // The LSN through which the group's records are applied to its items in
  // this file (it lags the replica's while a follower holds records back
  // for stale reads).
  Result<paxos::Lsn> AppliedLsn(uint64_t group);

  // Bit rot: flips one bit of the last byte of the stored item number
  // pick % count (in primary-key order), behind the WAL's back. Returns the
  // item's key bytes (hash key, range key); NotFound when the group has none.
  Result<std::pair<std::string, std::string>> FlipItemBit(uint64_t group, uint64_t pick);
  // Test hook: flips a bit of the data of WAL record `lsn`, keeping its CRC.
  Status CorruptWal(uint64_t group, paxos::Lsn lsn);
  // Deletes WAL record `lsn` of `group` (a record lost on disk). NotFound.
  Status LoseWal(uint64_t group, paxos::Lsn lsn);

 private:
  // A digest under way: the rows hashed so far end at `after` (the order
  // columns of the last one) in kReplicatedTables[table].
  struct DigestInProgress {
    DigestInProgress(std::string_view slice_lo, std::string_view slice_hi) : lo(slice_lo), hi(slice_hi) {
      MD5Init(&md5);
    }
    MarkerDigest result;  // scrub_id, lsn and the rows so far
    std::string lo, hi;   // the slice
    MD5_CTX md5;
    size_t table = 0;
    std::vector<GroupCopy::Value> after;  // empty: no row of `table` yet
  };
  // Hashes up to `max_rows` more rows (SIZE_MAX: all); true once complete,
  // with result.digest set.
  Result<bool> Step(uint64_t group, DigestInProgress* d, size_t max_rows);
  // The query of one step of table `table`, prepared once per form.
  Result<Statement*> StepStatement(size_t table, bool lo, bool hi, bool after);
  void Keep(uint64_t group, MarkerDigest d);

  SqliteDb* db_;
  // The archiver's statements, prepared once: it reads and trims in
  // slices, each a call here (scrub.h, "Archiving").
  Statement read_wal_, trim_wal_, wal_slice_end_, applied_lsn_;
  uint32_t node_id_ = 0;
  std::map<uint64_t, std::deque<MarkerDigest>> digests_;
  std::map<std::pair<uint64_t, uint64_t>, GroupCopy> copies_;
  bool defer_digests_ = false;
  std::map<uint64_t, DigestInProgress> pending_;  // by group
  std::map<std::string, Statement> step_statements_;  // by SQL
};

}  // namespace ddb::cluster
