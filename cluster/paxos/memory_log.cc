// MemoryLog: a contiguous in-memory run of Paxos records (see memory_log.h).
#include "cluster/paxos/memory_log.h"

#include <utility>

namespace ddb::paxos {

MemoryLog::MemoryLog(Lsn first_lsn) : first_lsn_(first_lsn) { CHECK(first_lsn >= 1); }

const Record& MemoryLog::At(Lsn lsn) const {
  CHECK(Contains(lsn));
  return records_[lsn - first_lsn_];
}

void MemoryLog::Put(Record r) {
  CHECK(r.lsn >= first_lsn_ && r.lsn <= last_lsn() + 1);
  if (r.lsn == last_lsn() + 1) {
    records_.push_back(std::move(r));
    return;
  }
  records_[r.lsn - first_lsn_] = std::move(r);
}

void MemoryLog::DropThrough(Lsn lsn) {
  if (lsn > last_lsn()) lsn = last_lsn();
  while (first_lsn_ <= lsn) {
    records_.pop_front();
    ++first_lsn_;
  }
}

}  // namespace ddb::paxos
