// WAL records for node store tests: an item put with its index writes.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "cluster/wal_record.h"

namespace ddb::cluster::testing {

inline WalRecord PutRecord(const std::string& hk, const std::string& rk, const std::string& item,
                           std::vector<IndexWrite> index_writes = {}) {
  WalRecord r;
  r.op = WalRecord::Op::kPut;
  r.hash_key = hk;
  r.range_key = rk;
  r.item = item;
  r.item_size = static_cast<uint32_t>(item.size());
  r.index_writes = std::move(index_writes);
  return r;
}

}  // namespace ddb::cluster::testing
