// WalRecord: the payload of one Paxos record (one WAL row) of a partition's
// replication group, and the partition hash of a key.
//
// Format grammar (all integers are LEB128 varints):
//   record  := version op body          version := 0x01
//   op      := 0x01 (put) | 0x02 (delete) | 0x03 (truncate)
//            | 0x04 (prepare) | 0x05 (commit) | 0x06 (abort) | 0x07 (decide)
//            | 0x08 (batch) | 0x20 (outbox trim) | 0x40 (scrub marker)
//   put     := bytes(hash_key) bytes(range_key) varint(item_size) bytes(item) [indexes]
//   delete  := bytes(hash_key) bytes(range_key) [indexes]
//   batch   := bytes("") bytes("") varint(n) write{n}      n >= 1
//       several puts and deletes of one partition (BatchWriteItem), applied
//       in order, in one go, at one LSN; each as the single record would be.
//   write   := op(0x01 | 0x02) bytes(hash_key) bytes(range_key)
//              [op = 0x01: varint(item_size) bytes(item)] varint(m) index_write{m}
//   truncate:= bytes("") bytes("")      every item of the partition goes
//   prepare := bytes(hash_key) bytes(range_key) bytes(txn) varint(flags)
//              varint(decision_group) bytes(staged)
//       locks the item for transaction `txn`. flags bit 0: a shared lock (a
//       TransactGetItems read; shared locks coexist, every other lock is
//       exclusive). decision_group: the group holding the transaction's
//       decide record (0: none, a read-only transaction, which only ever
//       aborts). staged: the encoded put or delete WalRecord that commit
//       applies, as the write path built it, or "" (nothing to write).
//   commit  := bytes("") bytes("") bytes(txn)   apply txn's staged writes
//                                               here, release its locks
//   abort   := bytes("") bytes("") bytes(txn)   release txn's locks
//   decide  := bytes("") bytes("") bytes(txn) varint(outcome)
//       outcome 1: commit, 2: abort. The first decide of a txn in a group
//       wins; later ones change nothing.
//   trim    := bytes("") bytes("") varint(lsn)
//                                       outbox rows up to lsn were propagated
//   indexes := varint(n) index_write{n} (absent when n = 0)
//   index_write := varint(local_index) varint(global_table) bytes(global_name)
//                  byte(erase) bytes(hash_key) bytes(range_key)
//                  [erase = 0: varint(item_size) bytes(item)]
//   marker  := bytes(lo) bytes(hi) varint(scrub_id) varint(source_node)
//              every replica computes its scrub digest when it applies it
//              (cluster/scrub_store.h), of the items whose h (KeyHashBytes)
//              lies in [lo, hi), an empty bound being open (both empty: the
//              whole partition, as every marker before slices was);
//              source_node != 0 also keeps a copy of that node's replicated
//              rows for a repair (its marker names no slice)
//   bytes(x):= varint(len(x)) x
// An empty payload is a Paxos no-op and is not a WalRecord.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "cluster/cluster.h"

namespace ddb::cluster {

struct WalRecord {
  // Do not reorder: stored on disk.
  // kOutboxTrim and kScrubMarker are far from the others so that new item
  // ops can follow 7.
  enum class Op : uint8_t {
    kPut = 1, kDelete = 2, kTruncate = 3, kPrepare = 4, kCommit = 5, kAbort = 6, kDecide = 7,
    kBatch = 8, kOutboxTrim = 0x20, kScrubMarker = 0x40,
  };
  Op op = Op::kPut;
  std::string hash_key;
  std::string range_key;
  std::string item;        // put only
  uint32_t item_size = 0;  // put only: DynamoDB size, for statistics
  std::vector<IndexWrite> index_writes;  // put and delete
  // Batch only: its puts and deletes (each of op kPut or kDelete, with its
  // keys, item and index writes), in the order they apply.
  std::vector<WalRecord> writes;
  uint64_t trim_lsn = 0;   // outbox trim only
  uint64_t scrub_id = 0;      // scrub marker only: names the scrub round
  uint32_t scrub_source = 0;  // scrub marker only: node that keeps a copy (0: none)
  // Transactions (prepare, commit, abort, decide); see the grammar.
  std::string txn;
  bool shared = false;          // prepare
  uint64_t decision_group = 0;  // prepare
  std::string staged;           // prepare
  bool commit = false;          // decide: the outcome
};

inline bool IsTxnOp(WalRecord::Op op) { return op >= WalRecord::Op::kPrepare && op <= WalRecord::Op::kDecide; }

std::string EncodeWalRecord(const WalRecord& r);
Result<WalRecord> DecodeWalRecord(std::string_view data);
// One index_write of the grammar above (an outbox row holds one).
void AppendIndexWrite(const IndexWrite& w, std::string* out);
Result<IndexWrite> DecodeIndexWrite(std::string_view data);

// The position of a partition key in the hash ring: the first 8 bytes of its
// MD5, big-endian. Partitions own contiguous ranges of it; scans walk it in order.
uint64_t KeyHash(std::string_view hash_key);
// KeyHash as 8 big-endian bytes, so that memcmp order is numeric order.
std::string KeyHashBytes(uint64_t h);

// A replica group's members as stored in meta.sqlite and node files: "1,3,5".
std::string JoinNodeIds(const std::vector<uint32_t>& ids);
std::vector<uint32_t> SplitNodeIds(const std::string& text);

}  // namespace ddb::cluster
