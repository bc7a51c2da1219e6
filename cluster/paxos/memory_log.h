// MemoryLog: the records a Paxos replica keeps in memory, a contiguous run
// of LSNs [first_lsn, last_lsn] with no holes.
//
// The replica writes only at or just above its matched prefix, so its log
// never has holes; a record at an LSN already held replaces it. The prefix
// the replica no longer needs is dropped with DropThrough (see the memory
// rule in replica.h). It is not the WAL: the driver keeps every record on disk.
//
// Thread safety: none; owned by one Replica.
#pragma once

#include <deque>

#include "cluster/paxos/replica.h"

namespace ddb::paxos {

class MemoryLog {
 public:
  // An empty log whose first record will be `first_lsn` (>= 1).
  explicit MemoryLog(Lsn first_lsn = 1);

  Lsn first_lsn() const { return first_lsn_; }
  // first_lsn() - 1 when empty.
  Lsn last_lsn() const { return first_lsn_ + records_.size() - 1; }
  bool empty() const { return records_.empty(); }
  bool Contains(Lsn lsn) const { return lsn >= first_lsn_ && lsn <= last_lsn(); }

  // The record at `lsn`; CHECKs that it is held.
  const Record& At(Lsn lsn) const;

  // Replaces the record at r.lsn, or appends it when r.lsn == last_lsn() + 1.
  // CHECKs that r.lsn is in [first_lsn(), last_lsn() + 1].
  void Put(Record r);

  // Forgets every record at or below `lsn` (at most up to last_lsn()).
  void DropThrough(Lsn lsn);

 private:
  Lsn first_lsn_;
  std::deque<Record> records_;
};

}  // namespace ddb::paxos
