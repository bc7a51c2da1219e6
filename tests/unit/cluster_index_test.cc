// Secondary index writes through the cluster: a local index's rows change in
// the same replicated write as the item; a global index's writes reach the
// index table asynchronously through the outbox, survive a restart with the
// outbox still full, and are trimmed once propagated.
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include <unistd.h>

#include "cluster/cluster.h"

#undef CHECK
#include <catch2/catch.hpp>

namespace ddb::cluster {
namespace {

std::unique_ptr<Cluster> Start(const std::string& dir = "", bool paused = false) {
  ClusterOptions o;
  o.pause_index_propagation = paused;
  o.in_memory = dir.empty();
  o.data_dir = dir;
  o.partitions_per_table = 2;
  auto c = Cluster::Start(o);
  REQUIRE(c.ok());
  return std::move(c.value());
}

// A mutator that writes `item` at the key with the given index writes.
Mutator Writes(std::string item, std::vector<IndexWrite> writes) {
  return [item = std::move(item), writes = std::move(writes)](const std::optional<std::string>&) {
    Mutation m;
    m.write = true;
    m.item = item;
    m.size = static_cast<uint32_t>(item.size());
    m.index_writes = writes;
    return m;
  };
}

IndexWrite Local(uint32_t idx, Key key, std::string item) {
  IndexWrite w;
  w.local_index = idx;
  w.key = std::move(key);
  w.item = std::move(item);
  w.size = static_cast<uint32_t>(w.item.size());
  return w;
}

IndexWrite Global(const TableMeta& index, Key key, std::string item, bool erase = false) {
  IndexWrite w;
  w.global_table = index.id;
  w.global_name = index.name;
  w.key = std::move(key);
  w.erase = erase;
  w.item = std::move(item);
  w.size = static_cast<uint32_t>(w.item.size());
  return w;
}

// Waits (bounded) until the table holds `n` rows and no backlog is left.
size_t WaitForRows(Cluster* c, const TableMeta& index, const TableMeta& base, size_t n) {
  size_t rows = 0;
  for (int i = 0; i < 400; ++i) {
    rows = c->Stats(index).item_count;
    if (rows == n && c->Stats(base).index_backlog == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return rows;
}

TEST_CASE("cluster: a local index changes with the item, and truncates with it", "[cluster]") {
  auto c = Start();
  auto t = c->CreateTable("ns/lsi", "s");
  REQUIRE(t.ok());
  MutateResult r;
  for (int i = 0; i < 10; ++i) {
    Key base{"h", "r" + std::to_string(i)};
    Key idx{"h", std::string(1, static_cast<char>('z' - i)) + "|" + base.range};
    REQUIRE(c->Mutate(*t, base, Writes("item" + std::to_string(i), {Local(1, idx, "p" + std::to_string(i))}), &r).ok());
  }
  QuerySpec spec;
  spec.hash = "h";
  spec.local_index = 1;
  auto page = c->Query(*t, spec, true);
  REQUIRE(page.ok());
  REQUIRE(page->rows.size() == 10);
  CHECK(page->rows.front().item == "p9");  // index order, not base order
  CHECK(page->rows.back().item == "p0");
  spec.local_index = 0;
  page = c->Query(*t, spec, true);
  REQUIRE(page.ok());
  CHECK(page->rows.front().item == "item0");
  CHECK(c->Stats(*t, 1).item_count == 10);
  CHECK(c->Stats(*t).item_count == 10);
  auto scan = c->Scan(*t, std::nullopt, 100, 1 << 20, true, 0, UINT64_MAX, 1);
  REQUIRE(scan.ok());
  CHECK(scan->rows.size() == 10);
  REQUIRE(c->Truncate(*t).ok());
  CHECK(c->Stats(*t, 1).item_count == 0);
}

TEST_CASE("cluster: global index writes propagate, in order, and are trimmed", "[cluster]") {
  auto c = Start();
  auto base = c->CreateTable("ns/base", "s");
  auto index = c->CreateTable("ns/base/gsi", "s");
  REQUIRE(base.ok());
  REQUIRE(index.ok());
  MutateResult r;
  // Each item's index row moves from key "old<i>" to "new<i>"; the last
  // version of each must win.
  for (int i = 0; i < 50; ++i) {
    Key k{"h" + std::to_string(i), ""};
    REQUIRE(c->Mutate(*base, k, Writes("v1", {Global(*index, {"old" + std::to_string(i), k.hash}, "v1")}), &r).ok());
    REQUIRE(c->Mutate(*base, k, Writes("v2", {Global(*index, {"old" + std::to_string(i), k.hash}, "", true),
                                              Global(*index, {"new" + std::to_string(i), k.hash}, "v2")}),
                      &r)
                .ok());
  }
  CHECK(WaitForRows(c.get(), *index, *base, 50) == 50);
  auto page = c->Scan(*index, std::nullopt, 100, 1 << 20, true);
  REQUIRE(page.ok());
  REQUIRE(page->rows.size() == 50);
  for (const Row& row : page->rows) {
    CHECK(row.key.hash.rfind("new", 0) == 0);
    CHECK(row.item == "v2");
  }
  CHECK(c->Stats(*base).index_backlog == 0);
}

TEST_CASE("cluster: writes to a deleted global index are dropped", "[cluster]") {
  auto c = Start();
  auto base = c->CreateTable("ns/b2", "s");
  auto index = c->CreateTable("ns/b2/gone", "s");
  REQUIRE(base.ok());
  REQUIRE(index.ok());
  REQUIRE(c->DeleteTable("ns/b2/gone").ok());
  MutateResult r;
  REQUIRE(c->Mutate(*base, Key{"h", ""}, Writes("v", {Global(*index, {"k", "h"}, "v")}), &r).ok());
  size_t backlog = 1;
  for (int i = 0; i < 400 && backlog != 0; ++i) {
    backlog = c->Stats(*base).index_backlog;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(backlog == 0);
}

TEST_CASE("cluster: the outbox survives a restart and is propagated after it", "[cluster]") {
  auto dir = std::filesystem::temp_directory_path() / ("ddb-index-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  TableMeta base, index;
  {
    auto c = Start(dir.string(), /*paused=*/true);
    auto b = c->CreateTable("ns/b3", "s");
    auto i = c->CreateTable("ns/b3/g", "s");
    REQUIRE(b.ok());
    REQUIRE(i.ok());
    base = *b;
    index = *i;
    MutateResult r;
    for (int k = 0; k < 20; ++k) {
      Key key{"h" + std::to_string(k), ""};
      Status s = c->Mutate(base, key, Writes("v", {Global(index, {"g" + std::to_string(k), key.hash}, "v")}), &r);
      REQUIRE(s.ok());
    }
    CHECK(c->Stats(base).index_backlog == 20);
    CHECK(c->Stats(index).item_count == 0);
    c->Stop();
  }
  auto c = Start(dir.string());
  CHECK(WaitForRows(c.get(), index, base, 20) == 20);
  c->Stop();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ddb::cluster

namespace ddb::cluster {
namespace {

TEST_CASE("cluster: MutateBatch runs every step, also across a leader's power-off", "[cluster]") {
  auto c = Start();
  auto t = c->CreateTable("ns/mb", "s");
  REQUIRE(t.ok());
  auto batch = [&](int from) {
    std::vector<std::pair<Key, Mutator>> ops;
    for (int i = from; i < from + 30; ++i) {
      Key k{"h" + std::to_string(i), "r"};
      ops.emplace_back(k, Writes("v" + std::to_string(i), {Local(1, Key{k.hash, "i|" + k.range}, "p")}));
    }
    return c->MutateBatch(*t, ops);
  };
  for (const Status& s : batch(0)) CHECK(s.ok());
  // AZ a's replicas lead at first: power them off; the steps that reach a
  // deposed leader are sent again through the router.
  REQUIRE(c->PowerOff("az-a").ok());
  for (const Status& s : batch(30)) CHECK(s.ok());
  CHECK(c->Stats(*t).item_count == 60);
  CHECK(c->Stats(*t, 1).item_count == 60);
}

}  // namespace
}  // namespace ddb::cluster
