// Snapshots: named copies of the whole cluster's data — the metadata store
// and every storage node's database — kept in memory, for test suites that
// restore a known state before each test.
//
// A copy is taken and put back with SQLite's online backup API, page by page,
// never item by item. The caller (ClusterImpl) powers every storage node off
// first, so that the node threads are stopped and each database holds exactly
// what its node persisted: the set of copies is a consistent cut of the
// cluster (a node sends nothing it has not persisted). After a restore the
// nodes are powered on and recover from the restored files, as after a crash.
//
// What it is not: snapshots do not outlive the process (with -dbPath too),
// and nothing here stops clients; callers hold off every request first.
//
// Thread safety: every method may be called from any thread (one mutex); the
// databases passed in must not be used by anyone else during the call.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cluster/cluster.h"
#include "cluster/sqlite_db.h"

namespace ddb::cluster {

class Snapshots {
 public:
  // Copies `meta` and `nodes` (in a fixed order) under `name`, replacing a
  // snapshot of that name.
  Status Save(const std::string& name, SqliteDb* meta, const std::vector<SqliteDb*>& nodes);
  // Copies snapshot `name` back over `meta` and `nodes`. NotFound.
  Status Restore(const std::string& name, SqliteDb* meta, const std::vector<SqliteDb*>& nodes);
  bool Has(const std::string& name);
  Status Delete(const std::string& name);
  std::vector<SnapshotInfo> List();

 private:
  struct Image {
    SnapshotInfo info;
    std::vector<std::unique_ptr<SqliteDb>> dbs;  // meta first, then the nodes
  };
  std::mutex mu_;
  std::map<std::string, Image> images_;  // guarded by mu_
};

}  // namespace ddb::cluster
