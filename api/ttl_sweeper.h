// TtlSweeper: deletes expired items of tables with time to live enabled, as
// DynamoDB's background TTL process does (DynamoDB takes up to days; this
// sweeps every few seconds, which suits tests better).
//
// An item expires when its TTL attribute is a Number of epoch seconds in the
// past. Each deletion is a conditional delete through the leader ("the TTL
// attribute still holds the value I saw"), so an item updated meanwhile is
// not deleted. Each round is bounded in items examined and deleted.
//
// Thread safety: owns one thread; Start and Stop from one thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api/table_schema.h"
#include "api/index_builder.h"
#include "api/request_gate.h"
#include "cluster/cluster.h"

namespace ddb::api {

class TtlSweeper {
 public:
  TtlSweeper(cluster::Cluster* cluster, std::chrono::milliseconds interval)
      : cluster_(cluster), interval_(interval) {}
  ~TtlSweeper() { Stop(); }

  // Each sweep passes `gate` (the Handler's), so that no sweep runs during a
  // snapshot or a restore.
  void set_gate(RequestGate* gate) { gate_ = gate; }
  // Each table's sweep holds the index builder's write gate (read its schema
  // under it), as every item write does (index_builder.h).
  void set_index_builder(IndexBuilder* indexes) { indexes_ = indexes; }
  void Start();
  void Stop();
  // One sweep of every table now; returns the number of items deleted.
  size_t SweepOnce();
  uint64_t deleted() const { return deleted_.load(); }

 private:
  size_t SweepTable(const cluster::TableMeta& meta, std::shared_ptr<const TableSchema> table, int64_t now_s);
  // The names of the tables with a TTL attribute (or a schema that did not
  // parse), as of the cluster's TablesVersion().
  std::vector<std::string> TablesWithTtl();

  cluster::Cluster* cluster_;
  RequestGate* gate_ = nullptr;
  IndexBuilder* indexes_ = nullptr;
  std::chrono::milliseconds interval_;
  SchemaCache schemas_;
  std::atomic<uint64_t> deleted_{0};
  std::mutex list_mu_;  // guards the three below
  bool listed_ = false;
  uint64_t listed_version_ = 0;
  std::vector<std::string> ttl_tables_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace ddb::api
