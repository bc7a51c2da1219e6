// Per-partition item counts and bytes (the node store's item totals, kept in
// each replicas row) and the leader's lease time left, as the cluster
// snapshot shows them: the running totals always equal a count of the rows,
// through puts, replacements, deletes, local index rows, truncates, a
// rolled-back transaction, a reopen and a version 1 file (item_stats kept by
// triggers); a table's partitions add up to its items.
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "cluster/cluster.h"
#include "cluster/node_store.h"
#include "cluster/wal_record.h"

#undef CHECK
#include <catch2/catch.hpp>

namespace ddb::cluster {
namespace {

constexpr uint64_t kGroup = 7;

// count(*) and sum(size) of a space, read the slow way.
std::pair<uint64_t, uint64_t> Counted(NodeStore& store, uint64_t space) {
  auto st = store.db()->Prepare("SELECT count(*), coalesce(sum(size),0) FROM items WHERE group_id=?1");
  REQUIRE(st.ok());
  st->Bind(1, static_cast<int64_t>(space));
  auto row = st->Step();
  REQUIRE(row.ok());
  return {static_cast<uint64_t>(st->Int(0)), static_cast<uint64_t>(st->Int(1))};
}

std::pair<uint64_t, uint64_t> Totals(NodeStore& store, uint64_t space) {
  TableStats s;
  REQUIRE(store.ItemTotals(space, &s).ok());
  return {s.item_count, s.size_bytes};
}

void Apply(NodeStore& store, paxos::Lsn lsn, const WalRecord& rec) {
  REQUIRE(store.Apply(kGroup, paxos::Record{lsn, 1, EncodeWalRecord(rec)}, true).ok());
}

WalRecord Put(const std::string& hk, const std::string& rk, uint32_t size) {
  WalRecord r;
  r.op = WalRecord::Op::kPut;
  r.hash_key = hk;
  r.range_key = rk;
  r.item = std::string(size, 'x');
  r.item_size = size;
  return r;
}

WalRecord Del(const std::string& hk, const std::string& rk) {
  WalRecord r;
  r.op = WalRecord::Op::kDelete;
  r.hash_key = hk;
  r.range_key = rk;
  return r;
}

std::unique_ptr<NodeStore> OpenWithReplica(const std::string& path) {
  auto store = NodeStore::Open(path, false);
  REQUIRE(store.ok());
  ReplicaRow row;
  row.group = kGroup;
  row.table_id = 1;
  row.members = {1, 2, 3};
  row.hash_hi = UINT64_MAX;
  REQUIRE((*store)->CreateReplica(row).ok());
  return std::move(store.value());
}

TEST_CASE("item stats: running totals follow puts, replacements, deletes and truncates", "[unit]") {
  auto store = OpenWithReplica(":memory:");
  const uint64_t lsi = LocalSpace(kGroup, 1);
  CHECK(Totals(*store, kGroup) == std::pair<uint64_t, uint64_t>{0, 0});
  Apply(*store, 1, Put("a", "1", 10));
  Apply(*store, 2, Put("b", "1", 20));
  CHECK(Totals(*store, kGroup) == std::pair<uint64_t, uint64_t>{2, 30});
  Apply(*store, 3, Put("a", "1", 15));  // replaces: one item, new size
  CHECK(Totals(*store, kGroup) == std::pair<uint64_t, uint64_t>{2, 35});
  Apply(*store, 4, Del("b", "1"));
  Apply(*store, 5, Del("zz", "missing"));  // deletes nothing
  CHECK(Totals(*store, kGroup) == std::pair<uint64_t, uint64_t>{1, 15});
  // A put with a local index row: the index space has its own totals.
  WalRecord with_index = Put("c", "", 8);
  IndexWrite iw;
  iw.local_index = 1;
  iw.key = Key{"c", "idx"};
  iw.item = "yy";
  iw.size = 3;
  with_index.index_writes.push_back(iw);
  Apply(*store, 6, with_index);
  CHECK(Totals(*store, kGroup) == std::pair<uint64_t, uint64_t>{2, 23});
  CHECK(Totals(*store, lsi) == std::pair<uint64_t, uint64_t>{1, 3});
  CHECK(Totals(*store, kGroup) == Counted(*store, kGroup));
  CHECK(Totals(*store, lsi) == Counted(*store, lsi));
  // Stats (what DescribeTable's ItemCount reads) agrees.
  TableStats stats;
  REQUIRE(store->Stats(kGroup, &stats).ok());
  CHECK(stats.item_count == 2);
  CHECK(stats.size_bytes == 23);
  WalRecord truncate;
  truncate.op = WalRecord::Op::kTruncate;
  Apply(*store, 7, truncate);
  CHECK(Totals(*store, kGroup) == std::pair<uint64_t, uint64_t>{0, 0});
  CHECK(Totals(*store, lsi) == std::pair<uint64_t, uint64_t>{0, 0});
  // A group with no row at all reads as empty.
  CHECK(Totals(*store, 999) == std::pair<uint64_t, uint64_t>{0, 0});
}

TEST_CASE("item stats: the totals survive a reopen; a rolled-back transaction leaves them", "[unit]") {
  std::string dir = (std::filesystem::temp_directory_path() / "ddb-item-stats-XXXXXX").string();
  REQUIRE(mkdtemp(dir.data()) != nullptr);
  const std::string path = dir + "/node.sqlite";
  {
    auto store = OpenWithReplica(path);
    for (int i = 0; i < 10; ++i) Apply(*store, i + 1, Put("k" + std::to_string(i), "", 5 + i));
    REQUIRE(store->Begin().ok());
    REQUIRE(store->Apply(kGroup, paxos::Record{11, 1, EncodeWalRecord(Put("gone", "", 100))}, true).ok());
    REQUIRE(store->Rollback().ok());
    CHECK(Totals(*store, kGroup) == std::pair<uint64_t, uint64_t>{10, 95});
    CHECK(Totals(*store, kGroup) == Counted(*store, kGroup));
  }
  {
    // Read at first use, and as LoadReplicas loads them.
    auto reopened = NodeStore::Open(path, false);
    REQUIRE(reopened.ok());
    CHECK(Totals(**reopened, kGroup) == std::pair<uint64_t, uint64_t>{10, 95});
    Apply(**reopened, 11, Del("k0", ""));
    REQUIRE((*reopened)->LoadReplicas().ok());
    CHECK(Totals(**reopened, kGroup) == std::pair<uint64_t, uint64_t>{9, 90});
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("item stats: a version 1 file (item_stats kept by triggers) is upgraded", "[unit]") {
  std::string dir = (std::filesystem::temp_directory_path() / "ddb-item-stats-XXXXXX").string();
  REQUIRE(mkdtemp(dir.data()) != nullptr);
  const std::string path = dir + "/node.sqlite";
  {
    auto store = OpenWithReplica(path);
    for (int i = 0; i < 20; ++i) Apply(*store, i + 1, Put("k" + std::to_string(i), "", 5 + i));
    // What version 1 left: no item_totals column, an item_stats table and
    // the triggers that kept it (whose own counts the upgrade does not trust).
    REQUIRE(store->db()->Exec(R"sql(
      ALTER TABLE replicas DROP COLUMN item_totals;
      CREATE TABLE item_stats(group_id INTEGER PRIMARY KEY, items INTEGER NOT NULL, bytes INTEGER NOT NULL);
      INSERT INTO item_stats VALUES(7, 1000, 1000);
      CREATE TRIGGER item_stats_insert AFTER INSERT ON items BEGIN
        INSERT INTO item_stats(group_id, items, bytes) VALUES(new.group_id, 1, new.size)
          ON CONFLICT(group_id) DO UPDATE SET items = items + 1, bytes = bytes + excluded.bytes;
      END;
      CREATE TRIGGER item_stats_delete AFTER DELETE ON items BEGIN
        UPDATE item_stats SET items = items - 1, bytes = bytes - old.size WHERE group_id = old.group_id;
      END;
      CREATE TRIGGER item_stats_update AFTER UPDATE OF group_id, size ON items BEGIN
        UPDATE item_stats SET items = items - 1 WHERE group_id = old.group_id;
      END;
      DELETE FROM items WHERE hk = CAST('k0' AS BLOB);
      PRAGMA user_version=1;
    )sql").ok());
  }
  {
    auto reopened = NodeStore::Open(path, false);
    REQUIRE(reopened.ok());
    NodeStore& store = **reopened;
    auto version = store.db()->QueryInt("PRAGMA user_version");
    REQUIRE(version.ok());
    CHECK(*version == 2);
    auto left = store.db()->QueryInt("SELECT count(*) FROM sqlite_master WHERE name LIKE 'item_stats%'");
    REQUIRE(left.ok());
    CHECK(*left == 0);
    CHECK(Totals(store, kGroup) == Counted(store, kGroup));
    CHECK(Totals(store, kGroup).first == 19);
    Apply(store, 22, Put("new", "", 4));
    CHECK(Totals(store, kGroup) == Counted(store, kGroup));
  }
  {
    // Opening again keeps the totals (no second count, no double count).
    auto again = NodeStore::Open(path, false);
    REQUIRE(again.ok());
    CHECK(Totals(**again, kGroup).first == 20);
    CHECK(Totals(**again, kGroup) == Counted(**again, kGroup));
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("cluster snapshot: partitions add up to the table's items; leaders show a lease", "[cluster]") {
  ClusterOptions o;
  o.in_memory = true;
  o.partitions_per_table = 3;
  auto c = Cluster::Start(o);
  REQUIRE(c.ok());
  Cluster& cluster = **c;
  auto t = cluster.CreateTable("ns/stats", "s");
  REQUIRE(t.ok());
  for (int i = 0; i < 30; ++i) {
    REQUIRE(cluster.Put(*t, Key{"h" + std::to_string(i), ""}, "item", 100 + i).ok());
  }
  REQUIRE(cluster.Delete(*t, Key{"h0", ""}).ok());
  const int64_t lease_ms_max = int64_t{o.election_ticks} * 3 / 4 * o.tick_ms;
  // A leader's lease is renewed by every heartbeat round; on a loaded
  // machine a node thread may stall past it, so look for at most 5 s.
  bool all_leased = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!all_leased && std::chrono::steady_clock::now() < deadline) {
    ClusterSnapshot snap = cluster.Snapshot();
    const TableInfo* table = nullptr;
    for (const TableInfo& ti : snap.tables) {
      if (ti.meta.name == "ns/stats") table = &ti;
    }
    REQUIRE(table != nullptr);
    REQUIRE(table->partitions.size() == 3);
    uint64_t items = 0, bytes = 0;
    all_leased = true;
    for (const PartitionInfo& p : table->partitions) {
      items += p.item_count;
      bytes += p.size_bytes;
      all_leased = all_leased && p.leader != 0 && p.lease_ms_left > 0;
      CHECK(p.lease_ms_left <= lease_ms_max);
    }
    // Every write was acknowledged after its leader applied it.
    bool all_led = true;
    for (const PartitionInfo& p : table->partitions) all_led = all_led && p.leader != 0;
    if (all_led) {
      CHECK(items == 29);
      CHECK(bytes == 29 * 100 + (1 + 29) * 29 / 2);
    }
    // Followers report their own replica's totals; a follower holds no lease.
    for (const NodeInfo& n : snap.nodes) {
      for (const ReplicaInfo& r : n.replicas) {
        if (!r.leader) CHECK(r.lease_ms_left == 0);
      }
    }
    if (!all_leased) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(all_leased);
}

}  // namespace
}  // namespace ddb::cluster
