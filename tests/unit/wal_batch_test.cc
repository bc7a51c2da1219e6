// The batch record (WalRecord::Op::kBatch): several puts and deletes of one
// partition in one Paxos record. Its encoding round-trips and refuses damage;
// a node store applies it exactly as it would the same writes one record at
// a time (items, local index rows, outbox rows, item totals, scrub digest);
// through the cluster, a batch's writes of one partition take one LSN, and
// an item locked by a transaction is refused (Conflict) while the others of
// its batch are written.
#include <chrono>
#include <string>
#include <thread>

#include "cluster/cluster.h"
#include "cluster/node_store.h"
#include "cluster/wal_record.h"
#include "tests/unit/wal_records.h"

#undef CHECK
#include <catch2/catch.hpp>

namespace ddb::cluster {
namespace {

constexpr uint64_t kGroup = 9;

WalRecord Put(const std::string& hk, const std::string& rk, const std::string& item,
              std::vector<IndexWrite> index_writes = {}) {
  return testing::PutRecord(hk, rk, item, std::move(index_writes));
}

WalRecord Del(const std::string& hk, const std::string& rk, std::vector<IndexWrite> index_writes = {}) {
  WalRecord r;
  r.op = WalRecord::Op::kDelete;
  r.hash_key = hk;
  r.range_key = rk;
  r.index_writes = std::move(index_writes);
  return r;
}

IndexWrite Local(uint32_t idx, const std::string& hk, const std::string& rk, const std::string& item,
                 bool erase = false) {
  IndexWrite w;
  w.local_index = idx;
  w.key = Key{hk, rk};
  w.erase = erase;
  if (!erase) {
    w.item = item;
    w.size = static_cast<uint32_t>(item.size());
  }
  return w;
}

IndexWrite Global(uint64_t table, const std::string& hk, const std::string& item, bool erase = false) {
  IndexWrite w;
  w.global_table = table;
  w.global_name = "ns/t/gsi";
  w.key = Key{hk, "x"};
  w.erase = erase;
  if (!erase) {
    w.item = item;
    w.size = static_cast<uint32_t>(item.size());
  }
  return w;
}

// A batch of every kind of write: puts with and without index writes, a
// delete with index writes, a put and a delete of the same item.
WalRecord MixedBatch() {
  WalRecord b;
  b.op = WalRecord::Op::kBatch;
  b.writes.push_back(Put("a", "1", "item-a", {Local(1, "a", "la", "pa"), Global(77, "ga", "pga")}));
  b.writes.push_back(Put("b", "", std::string(300, 'b')));
  b.writes.push_back(Put("c", "2", "item-c", {Local(2, "c", "lc", "pc")}));
  b.writes.push_back(Del("c", "2", {Local(2, "c", "lc", "", true), Global(77, "gc", "", true)}));
  b.writes.push_back(Del("zz", "9"));
  return b;
}

void CheckSameWrite(const WalRecord& a, const WalRecord& b) {
  CHECK(a.op == b.op);
  CHECK(a.hash_key == b.hash_key);
  CHECK(a.range_key == b.range_key);
  CHECK(a.item == b.item);
  CHECK(a.item_size == b.item_size);
  REQUIRE(a.index_writes.size() == b.index_writes.size());
  for (size_t i = 0; i < a.index_writes.size(); ++i) {
    const IndexWrite& x = a.index_writes[i];
    const IndexWrite& y = b.index_writes[i];
    CHECK(x.local_index == y.local_index);
    CHECK(x.global_table == y.global_table);
    CHECK(x.global_name == y.global_name);
    CHECK(x.key == y.key);
    CHECK(x.erase == y.erase);
    CHECK(x.item == y.item);
    CHECK(x.size == y.size);
  }
}

TEST_CASE("wal record: a batch round-trips, write by write", "[unit]") {
  const WalRecord b = MixedBatch();
  const std::string bytes = EncodeWalRecord(b);
  CHECK(static_cast<uint8_t>(bytes[1]) == 0x08);  // the op number is on disk: it must not move
  auto back = DecodeWalRecord(bytes);
  REQUIRE(back.ok());
  CHECK(back->op == WalRecord::Op::kBatch);
  CHECK(back->hash_key.empty());
  CHECK(back->range_key.empty());
  REQUIRE(back->writes.size() == b.writes.size());
  for (size_t i = 0; i < b.writes.size(); ++i) CheckSameWrite(back->writes[i], b.writes[i]);
  // The other ops are unchanged by it: a put still encodes as before.
  auto put = DecodeWalRecord(EncodeWalRecord(b.writes[0]));
  REQUIRE(put.ok());
  CHECK(put->writes.empty());
  CheckSameWrite(*put, b.writes[0]);
}

TEST_CASE("wal record: a damaged batch is refused as corrupt", "[unit]") {
  const std::string bytes = EncodeWalRecord(MixedBatch());
  auto corrupt = [](const std::string& data) {
    return DecodeWalRecord(data).status().code() == Status::Code::kCorruption;
  };
  // Cut anywhere after the count, or one byte added.
  for (size_t cut = 4; cut < bytes.size(); cut += 7) CHECK(corrupt(bytes.substr(0, cut)));
  CHECK(corrupt(bytes.substr(0, bytes.size() - 1)));
  CHECK(corrupt(bytes + "x"));
  // An empty batch, and a count far beyond the bytes there.
  WalRecord empty;
  empty.op = WalRecord::Op::kBatch;
  CHECK(corrupt(EncodeWalRecord(empty)));
  std::string huge = bytes.substr(0, 4);  // version, op, two empty keys
  huge += '\x7f';
  CHECK(corrupt(huge + bytes.substr(5)));
  // A write inside that is neither a put nor a delete (a truncate, a batch).
  std::string inner = bytes;
  REQUIRE(inner[5] == 0x01);  // the first write's op
  inner[5] = 0x03;
  CHECK(corrupt(inner));
  inner[5] = 0x08;
  CHECK(corrupt(inner));
}

std::unique_ptr<NodeStore> OpenWithReplica() {
  auto store = NodeStore::Open(":memory:", false);
  REQUIRE(store.ok());
  ReplicaRow row;
  row.group = kGroup;
  row.table_id = 1;
  row.members = {1, 2, 3};
  row.hash_hi = UINT64_MAX;
  REQUIRE((*store)->CreateReplica(row).ok());
  return std::move(store.value());
}

std::pair<uint64_t, uint64_t> Totals(NodeStore& store, uint64_t space) {
  TableStats s;
  REQUIRE(store.ItemTotals(space, &s).ok());
  return {s.item_count, s.size_bytes};
}

std::string Digest(NodeStore& store) {
  std::string digest;
  uint64_t rows = 0;
  REQUIRE(store.scrub().ComputeDigest(kGroup, &digest, &rows).ok());
  return digest + "/" + std::to_string(rows);
}

TEST_CASE("node store: a batch applies as its writes would one by one", "[unit]") {
  auto batched = OpenWithReplica();
  auto single = OpenWithReplica();
  const WalRecord b = MixedBatch();
  // A first item both stores hold, which the batch's delete of "zz" removes.
  for (NodeStore* s : {batched.get(), single.get()}) {
    REQUIRE(s->Apply(kGroup, paxos::Record{1, 1, EncodeWalRecord(Put("zz", "9", "old"))}, true).ok());
  }
  REQUIRE(batched->Apply(kGroup, paxos::Record{2, 1, EncodeWalRecord(b)}, true).ok());
  paxos::Lsn lsn = 2;
  for (const WalRecord& w : b.writes) REQUIRE(single->Apply(kGroup, paxos::Record{lsn++, 1, EncodeWalRecord(w)}, true).ok());

  // The global index writes go to the outbox, in order, under the batch's LSN.
  std::vector<OutboxRow> rows;
  REQUIRE(batched->ReadOutbox(kGroup, 100, &rows).ok());
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].lsn == 2);
  CHECK(rows[1].lsn == 2);
  CHECK(rows[0].seq == 0);
  CHECK(rows[1].seq == 1);
  auto first = DecodeIndexWrite(rows[0].data);
  auto second = DecodeIndexWrite(rows[1].data);
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  CHECK(first->key.hash == "ga");
  CHECK(!first->erase);
  CHECK(second->key.hash == "gc");
  CHECK(second->erase);

  // Outbox rows are keyed by LSN, so they differ between the two; once
  // propagated (trimmed), the replicated rows are the same: equal scrub
  // digests (items, local index rows), equal totals.
  WalRecord trim;
  trim.op = WalRecord::Op::kOutboxTrim;
  trim.trim_lsn = 100;
  REQUIRE(batched->Apply(kGroup, paxos::Record{3, 1, EncodeWalRecord(trim)}, true).ok());
  REQUIRE(single->Apply(kGroup, paxos::Record{lsn, 1, EncodeWalRecord(trim)}, true).ok());
  CHECK(Digest(*batched) == Digest(*single));
  CHECK(Totals(*batched, kGroup) == Totals(*single, kGroup));
  CHECK(Totals(*batched, kGroup) == std::pair<uint64_t, uint64_t>{2, 6 + 300});
  CHECK(Totals(*batched, LocalSpace(kGroup, 1)) == std::pair<uint64_t, uint64_t>{1, 2});
  CHECK(Totals(*batched, LocalSpace(kGroup, 2)) == std::pair<uint64_t, uint64_t>{0, 0});
  auto a = batched->Get(kGroup, Key{"a", "1"});
  REQUIRE(a.ok());
  CHECK(*a == std::optional<std::string>("item-a"));
  auto c = batched->Get(kGroup, Key{"c", "2"});
  REQUIRE(c.ok());
  CHECK(!c->has_value());

  // A log replica applies nothing of it.
  auto log = OpenWithReplica();
  REQUIRE(log->Apply(kGroup, paxos::Record{2, 1, EncodeWalRecord(b)}, false).ok());
  CHECK(Totals(*log, kGroup) == std::pair<uint64_t, uint64_t>{0, 0});
}

TEST_CASE("node store: a transaction's hard state and applied LSN are written at commit, dropped by rollback", "[unit]") {
  auto store = OpenWithReplica();
  auto state = [&]() {
    auto rows = store->LoadReplicas();
    REQUIRE(rows.ok());
    REQUIRE(rows->size() == 1);
    return std::make_pair(rows->front().state.applied_lsn, rows->front().state.hard_state.commit_lsn);
  };
  REQUIRE(store->Begin().ok());
  paxos::HardState hs;
  hs.promised = 5;
  hs.commit_lsn = 2;
  REQUIRE(store->SaveHardState(kGroup, hs).ok());
  for (paxos::Lsn lsn = 1; lsn <= 3; ++lsn) {
    REQUIRE(store->Apply(kGroup, paxos::Record{lsn, 1, EncodeWalRecord(Put("k" + std::to_string(lsn), "", "v"))}, true).ok());
  }
  hs.commit_lsn = 3;
  REQUIRE(store->SaveHardState(kGroup, hs).ok());
  REQUIRE(store->Commit().ok());
  CHECK(state() == std::make_pair(paxos::Lsn{3}, paxos::Lsn{3}));
  // Applied alone, then hard state alone.
  REQUIRE(store->Begin().ok());
  REQUIRE(store->Apply(kGroup, paxos::Record{4, 1, EncodeWalRecord(Put("k4", "", "v"))}, true).ok());
  REQUIRE(store->Commit().ok());
  CHECK(state() == std::make_pair(paxos::Lsn{4}, paxos::Lsn{3}));
  REQUIRE(store->Begin().ok());
  hs.commit_lsn = 4;
  REQUIRE(store->SaveHardState(kGroup, hs).ok());
  REQUIRE(store->Commit().ok());
  CHECK(state() == std::make_pair(paxos::Lsn{4}, paxos::Lsn{4}));
  // Rolled back: neither the item nor the positions.
  REQUIRE(store->Begin().ok());
  hs.commit_lsn = 5;
  REQUIRE(store->SaveHardState(kGroup, hs).ok());
  REQUIRE(store->Apply(kGroup, paxos::Record{5, 1, EncodeWalRecord(Put("k5", "", "v"))}, true).ok());
  REQUIRE(store->Rollback().ok());
  CHECK(state() == std::make_pair(paxos::Lsn{4}, paxos::Lsn{4}));
  CHECK(Totals(*store, kGroup).first == 4);
  // The next transaction does not write what the rolled-back one noted.
  REQUIRE(store->Begin().ok());
  REQUIRE(store->Commit().ok());
  CHECK(state() == std::make_pair(paxos::Lsn{4}, paxos::Lsn{4}));
}

// The leader's last LSN of the table's only partition. A consistent read
// first: it is answered only by an elected leader (CreateTable returns as the
// first election starts).
uint64_t LastLsn(Cluster& c, const TableMeta& t) {
  REQUIRE(c.Get(t, Key{"probe", "r"}, /*consistent=*/true).ok());
  for (const TableInfo& ti : c.Snapshot().tables) {
    if (ti.meta.id != t.id) continue;
    REQUIRE(ti.partitions.size() == 1);
    for (const NodeInfo& n : c.Snapshot().nodes) {
      for (const ReplicaInfo& r : n.replicas) {
        if (r.group == ti.partitions[0].group && r.leader) return r.last_lsn;
      }
    }
  }
  FAIL("no leader");
  return 0;
}

std::unique_ptr<Cluster> StartOnePartition() {
  ClusterOptions o;
  o.in_memory = true;
  o.partitions_per_table = 1;
  o.txn_recovery_ms = 600000;  // a lock left by a stopped coordinator stays
  o.txn_test_hook = [](const std::string& phase) { return phase != "prepared"; };
  auto c = Cluster::Start(o);
  REQUIRE(c.ok());
  return std::move(c.value());
}

TEST_CASE("cluster: a partition's batch is one record; a locked item is refused, the rest written", "[cluster]") {
  auto c = StartOnePartition();
  auto t = c->CreateTable("ns/batch", "s");
  REQUIRE(t.ok());
  std::vector<Cluster::WriteOp> ops;
  for (int i = 0; i < 25; ++i) {
    ops.push_back(Cluster::WriteOp{Key{"k" + std::to_string(i), "r"}, false, "v" + std::to_string(i), 2});
  }
  const uint64_t before = LastLsn(*c, *t);
  for (const Status& s : c->WriteBatch(*t, ops)) CHECK(s.ok());
  CHECK(LastLsn(*c, *t) == before + 1);
  CHECK(c->Stats(*t).item_count == 25);

  // A transaction stopped after prepare holds k3.
  std::vector<TxnAction> txn{TxnAction{*t, Key{"k3", "r"}, [](const std::optional<std::string>&) {
    Mutation m;
    m.write = true;
    m.item = "txn";
    m.size = 3;
    return m;
  }}};
  std::vector<TxnActionResult> results;
  CHECK(!c->TransactWrite(txn, &results, nullptr).ok());

  // Deletes of k0..k4, with k3 locked; a read-modify-write batch likewise.
  std::vector<Cluster::WriteOp> dels;
  for (int i = 0; i < 5; ++i) dels.push_back(Cluster::WriteOp{Key{"k" + std::to_string(i), "r"}, true, "", 0});
  std::vector<Status> out = c->WriteBatch(*t, dels);
  REQUIRE(out.size() == 5);
  for (int i = 0; i < 5; ++i) CHECK((i == 3 ? out[i].IsConflict() : out[i].ok()));
  CHECK(c->Stats(*t).item_count == 21);
  auto k3 = c->Get(*t, Key{"k3", "r"}, true);
  REQUIRE(k3.ok());
  CHECK(*k3 == std::optional<std::string>("v3"));

  std::vector<std::pair<Key, Mutator>> steps;
  for (int i = 2; i < 5; ++i) {
    steps.emplace_back(Key{"k" + std::to_string(i), "r"}, [i](const std::optional<std::string>& cur) {
      Mutation m;
      if (cur.has_value()) {  // only where absent
        m.status = Status::ConditionFailed("The conditional request failed");
        return m;
      }
      m.write = true;
      m.item = "again" + std::to_string(i);
      m.size = 6;
      return m;
    });
  }
  out = c->MutateBatch(*t, steps);
  REQUIRE(out.size() == 3);
  CHECK(out[0].ok());        // k2 was deleted
  CHECK(out[1].IsConflict());  // k3 is locked
  CHECK(out[2].ok());        // k4 was deleted
  CHECK(c->Stats(*t).item_count == 23);
  auto k2 = c->Get(*t, Key{"k2", "r"}, true);
  REQUIRE(k2.ok());
  CHECK(*k2 == std::optional<std::string>("again2"));
  // Run again: every condition fails now, nothing is written, no record.
  const uint64_t settled = LastLsn(*c, *t);
  out = c->MutateBatch(*t, steps);
  CHECK(out[0].code() == Status::Code::kConditionFailed);
  CHECK(out[1].IsConflict());
  CHECK(out[2].code() == Status::Code::kConditionFailed);
  CHECK(LastLsn(*c, *t) == settled);
}

}  // namespace
}  // namespace ddb::cluster
