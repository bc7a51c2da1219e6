// IndexBuilder: the background half of UpdateTable's GlobalSecondaryIndexUpdates.
//
// Creating a global index on a table that has items: UpdateTable adds the
// index to the schema as CREATING (writes from then on maintain it) and
// creates its table; the builder then backfills it — every item of the table
// is passed once more through its partition leader as a read-modify-write
// step that rewrites the item unchanged and emits its index row, so the
// backfill is ordered with every other write of the item (an item changed
// meanwhile is indexed from its newest version) — and marks the index
// ACTIVE. Deleting one: UpdateTable marks it DELETING (writes stop
// maintaining it); the builder drops its table and removes it from the
// schema. Unfinished work (a restart in the middle) is resumed at Start.
//
// The write gate closes a race: a write that read the schema before the
// index was added would not maintain it, and could land after the backfill
// passed its item. Every item write holds the gate shared; the builder takes
// it exclusively once before a backfill, which waits for those writes.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>

#include "api/table_schema.h"
#include "cluster/cluster.h"

namespace ddb::api {

class IndexBuilder {
 public:
  IndexBuilder(cluster::Cluster* cluster, SchemaCache* schemas) : cluster_(cluster), schemas_(schemas) {}
  ~IndexBuilder() { Stop(); }

  // Schedules every table with an index change left unfinished. The thread
  // starts with the first table scheduled.
  void Start();
  // Stops after the step in progress; unfinished work resumes at the next Start.
  void Stop();
  // The table (fully qualified name) has an index CREATING or DELETING.
  void Schedule(const std::string& table);
  // Held shared by every item write, for its whole duration.
  std::shared_lock<std::shared_mutex> WriteGate() { return std::shared_lock<std::shared_mutex>(gate_); }

 private:
  void Run();
  void Process(const std::string& table);
  // Returns false when stopped or the table is gone.
  bool Backfill(const cluster::TableMeta& meta, std::shared_ptr<const TableSchema> schema, const IndexDef& index);
  // Re-reads the table's schema, applies `change` to the named index, saves.
  void Finish(const std::string& table, const std::string& index, bool remove);
  bool stopping();

  cluster::Cluster* cluster_;
  SchemaCache* schemas_;
  std::shared_mutex gate_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;  // guarded by mu_
  bool stop_ = false;              // guarded by mu_
  std::thread thread_;             // started under mu_ (Schedule), joined by Stop
};

}  // namespace ddb::api
