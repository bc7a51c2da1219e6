// The WAL archive (segments, manifest, holes and checksum errors), archiving
// and trimming in a running cluster, and scrub: a flipped bit on one replica
// is found and repaired, and concurrent writes raise no false alarm.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cluster/archive.h"
#include "cluster/cluster.h"
#include "cluster/sqlite_db.h"
#include "cluster/transport.h"
#include "cluster/wal_record.h"

#undef CHECK
#include <catch2/catch.hpp>

namespace ddb::cluster {
namespace {

std::string TempDir() {
  std::string dir = (std::filesystem::temp_directory_path() / "ddb-scrub-test-XXXXXX").string();
  REQUIRE(mkdtemp(dir.data()) != nullptr);
  return dir;
}

std::vector<paxos::Record> Records(paxos::Lsn first, paxos::Lsn last) {
  std::vector<paxos::Record> out;
  for (paxos::Lsn l = first; l <= last; ++l) out.push_back(paxos::Record{l, 7, "data-" + std::to_string(l)});
  return out;
}

std::unique_ptr<Cluster> StartCluster(const std::string& dir = "") {
  ClusterOptions o;
  o.in_memory = dir.empty();
  o.data_dir = dir;
  o.partitions_per_table = 2;
  o.archive_interval_ms = 0;  // only when the test asks
  o.scrub_interval_ms = 0;
  auto c = Cluster::Start(o);
  REQUIRE(c.ok());
  return std::move(c.value());
}

Key K(int i) { return Key{"h" + std::to_string(i % 23), "r" + std::to_string(i)}; }

std::string NodeName(uint32_t id) {
  // Nodes are numbered az * 2 + i + 1 (the default 3 AZs x 2 nodes).
  return std::string("az-") + static_cast<char>('a' + (id - 1) / 2) + "-node-" + std::to_string((id - 1) % 2 + 1);
}

// (count, lowest LSN) of the WAL rows node file `node` of `dir` holds for
// `group`, or for every group when `group` is 0. The cluster must be closed.
std::pair<int64_t, int64_t> WalRows(const std::string& dir, const std::string& node, uint64_t group) {
  auto db = SqliteDb::Open((std::filesystem::path(dir) / (node + ".sqlite")).string(), false);
  REQUIRE(db.ok());
  auto st = (*db)->Prepare("SELECT count(*), coalesce(min(lsn), 0) FROM wal WHERE ?1=0 OR group_id=?1");
  REQUIRE(st.ok());
  st->Bind(1, static_cast<int64_t>(group));
  auto row = st->Step();
  REQUIRE(row.ok());
  REQUIRE(*row);
  return {st->Int(0), st->Int(1)};
}

PartitionInfo FirstPartition(Cluster& c, const std::string& table) {
  for (const TableInfo& t : c.Snapshot().tables) {
    if (t.meta.name == table) return t.partitions.front();
  }
  FAIL("no table " << table);
  return {};
}

// The partition's leader now and another member.
std::pair<uint32_t, uint32_t> LeaderAndOther(Cluster& c, const PartitionInfo& part) {
  uint32_t leader = 0;
  for (const NodeInfo& n : c.Snapshot().nodes) {
    for (const ReplicaInfo& r : n.replicas) {
      if (r.group == part.group && r.leader) leader = n.id;
    }
  }
  REQUIRE(leader != 0);
  return {leader, part.members[0] == leader ? part.members[1] : part.members[0]};
}

const PartitionScrub* Find(const ScrubReport& r, uint64_t group) {
  for (const PartitionScrub& p : r.partitions) {
    if (p.group == group) return &p;
  }
  return nullptr;
}

// Scrubs `table` again and checks that partition `group` is clean: every
// replica's digest equals the reference's.
void CheckScrubbedClean(Cluster& c, const std::string& table, uint64_t group) {
  auto again = c.ScrubNow(table);
  REQUIRE(again.ok());
  const PartitionScrub* p = Find(*again, group);
  REQUIRE(p != nullptr);
  CHECK(p->result == "ok");
  for (const ReplicaScrub& r : p->replicas) CHECK(r.digest == p->reference_digest);
}

size_t CountAlarms(const ScrubReport& r, const std::string& kind, uint32_t node) {
  size_t n = 0;
  for (const ScrubAlarm& a : r.alarms) n += a.kind == kind && a.node == node ? 1 : 0;
  return n;
}

TEST_CASE("wal record: a scrub marker round-trips and is checked", "[scrub]") {
  WalRecord m;
  m.op = WalRecord::Op::kScrubMarker;
  m.scrub_id = 0x123456789abcull;
  m.scrub_source = 5;
  std::string bytes = EncodeWalRecord(m);
  auto back = DecodeWalRecord(bytes);
  REQUIRE(back.ok());
  CHECK(back->op == WalRecord::Op::kScrubMarker);
  CHECK(back->scrub_id == m.scrub_id);
  CHECK(back->scrub_source == 5);
  CHECK(back->hash_key.empty());
  CHECK(DecodeWalRecord(bytes.substr(0, bytes.size() - 1)).status().code() == Status::Code::kCorruption);
  CHECK(DecodeWalRecord(bytes + "x").status().code() == Status::Code::kCorruption);
  bytes[1] = 0x41;  // an op nobody knows
  CHECK(DecodeWalRecord(bytes).status().code() == Status::Code::kCorruption);
}

TEST_CASE("archive: segments and manifest, read back after reopening", "[scrub]") {
  std::string dir = TempDir();
  {
    auto bucket = ArchiveBucket::OnDisk(dir);
    REQUIRE(bucket.ok());
    auto a = WalArchive::Open(bucket.take());
    REQUIRE(a.ok());
    REQUIRE((*a)->Append(4, 9, Records(1, 10)).ok());
    REQUIRE((*a)->Append(4, 9, Records(11, 12)).ok());
    CHECK((*a)->archived_lsn(9) == 12);
    CHECK((*a)->segment_count(9) == 2);
  }
  CHECK(std::filesystem::exists(std::filesystem::path(dir) / "MANIFEST"));
  CHECK(std::filesystem::exists(std::filesystem::path(dir) / "4/9/00000000000000000001-00000000000000000010.seg"));
  auto bucket = ArchiveBucket::OnDisk(dir);
  REQUIRE(bucket.ok());
  auto a = WalArchive::Open(bucket.take());
  REQUIRE(a.ok());
  CHECK((*a)->archived_lsn(9) == 12);
  auto got = (*a)->Read(9, 3, 11);
  REQUIRE(got.ok());
  REQUIRE(got->size() == 8);
  CHECK(got->front().lsn == 4);
  CHECK(got->back().data == "data-11");
  CHECK(got->back().ballot == 7);
  std::filesystem::remove_all(dir);
}

TEST_CASE("archive: the folder is made by the first object written", "[scrub]") {
  const std::filesystem::path dir = std::filesystem::path(TempDir()) / "archive";
  auto bucket = ArchiveBucket::OnDisk(dir.string());
  REQUIRE(bucket.ok());
  CHECK_FALSE(std::filesystem::exists(dir));
  auto all = (*bucket)->ReadAll();
  REQUIRE(all.ok());
  CHECK(all->empty());
  CHECK((*bucket)->Get("MANIFEST").status().code() == Status::Code::kNotFound);
  REQUIRE((*bucket)->ReplaceAll({}).ok());  // a snapshot restored before anything was archived
  CHECK_FALSE(std::filesystem::exists(dir));
  REQUIRE((*bucket)->ReplaceAll({{"4/9/a.seg", "x"}}).ok());
  CHECK(std::filesystem::exists(dir / "4" / "9" / "a.seg"));
  REQUIRE((*bucket)->Append("MANIFEST", "line\n").ok());
  auto m = (*bucket)->Get("MANIFEST");
  REQUIRE(m.ok());
  CHECK(*m == "line\n");
  std::filesystem::remove_all(dir.parent_path());
}

TEST_CASE("archive: a torn manifest line is dropped and the manifest rewritten", "[scrub]") {
  std::string dir = TempDir();
  {
    auto bucket = ArchiveBucket::OnDisk(dir);
    REQUIRE(bucket.ok());
    auto a = WalArchive::Open(bucket.take());
    REQUIRE(a.ok());
    REQUIRE((*a)->Append(4, 9, Records(1, 3)).ok());
    REQUIRE((*a)->bucket()->Append("MANIFEST", "table=4 partition=9 first=4 la").ok());  // a crash mid-line
  }
  for (int open = 0; open < 2; ++open) {
    auto bucket = ArchiveBucket::OnDisk(dir);
    REQUIRE(bucket.ok());
    auto a = WalArchive::Open(bucket.take());
    REQUIRE(a.ok());
    CHECK((*a)->load_error().empty() == (open == 1));
    CHECK((*a)->archived_lsn(9) == (open == 0 ? 3u : 5u));
    if (open == 0) REQUIRE((*a)->Append(4, 9, Records(4, 5)).ok());
    else CHECK((*a)->Read(9, 0, 5)->size() == 5);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("archive: a sequence hole is refused", "[scrub]") {
  auto a = WalArchive::Open(ArchiveBucket::InMemory());
  REQUIRE(a.ok());
  Status first = (*a)->Append(1, 2, Records(2, 5));  // must start at 1
  CHECK(first.code() == Status::Code::kCorruption);
  CHECK(first.message().find("sequence hole") != std::string::npos);
  REQUIRE((*a)->Append(1, 2, Records(1, 5)).ok());
  std::vector<paxos::Record> gap = Records(6, 9);
  gap.erase(gap.begin() + 1);  // 6, 8, 9
  CHECK((*a)->Append(1, 2, gap).code() == Status::Code::kCorruption);
  CHECK((*a)->Append(1, 2, Records(7, 8)).code() == Status::Code::kCorruption);
  CHECK((*a)->archived_lsn(2) == 5);
}

TEST_CASE("archive: a flipped bit in a segment is a checksum error", "[scrub]") {
  auto a = WalArchive::Open(ArchiveBucket::InMemory());
  REQUIRE(a.ok());
  REQUIRE((*a)->Append(1, 2, Records(1, 5)).ok());
  REQUIRE((*a)->Append(1, 2, Records(6, 8)).ok());
  const std::string name = (*a)->SegmentName(2, 7);
  REQUIRE(!name.empty());
  REQUIRE((*a)->bucket()->FlipBit(name, 20).ok());
  CHECK((*a)->Read(2, 0, 5).ok());  // the first segment is intact
  auto bad = (*a)->Read(2, 0, 8);
  REQUIRE(!bad.ok());
  CHECK(bad.status().code() == Status::Code::kCorruption);
  CHECK(bad.status().message().find("checksum") != std::string::npos);
  // The segment codec checks each record's CRC too.
  uint64_t table = 0, group = 0;
  std::vector<paxos::Record> out;
  std::string seg = EncodeSegment(1, 2, Records(1, 3));
  REQUIRE(DecodeSegment(seg, &table, &group, &out).ok());
  CHECK(out.size() == 3);
  CHECK(DecodeSegment(seg.substr(0, seg.size() - 1), &table, &group, &out).code() == Status::Code::kCorruption);
}

TEST_CASE("scrub: archiving writes segments, trims the WAL, and a restart still recovers", "[scrub]") {
  std::string dir = TempDir();
  uint64_t group = 0;
  {
    auto c = StartCluster(dir);
    auto t = c->CreateTable("ns/a1", "s");
    REQUIRE(t.ok());
    // About 300 records per partition: the archiver reads and trims them in
    // slices of 256 (archiver.cc, kSliceRecords).
    for (int i = 0; i < 600; ++i) REQUIRE(c->Put(*t, K(i), "v" + std::to_string(i), 2).ok());
    group = FirstPartition(*c, "ns/a1").group;
    REQUIRE(c->ArchiveNow().ok());
    const PartitionScrub* p = nullptr;
    ScrubReport r = c->ScrubState();
    p = Find(r, group);
    REQUIRE(p != nullptr);
    CHECK(p->archived_lsn > 256);
    uint64_t archived = 0;  // every record of both partitions, each with its opening record
    for (const PartitionScrub& q : r.partitions) archived += q.archived_lsn;
    CHECK(archived >= 600);
    CHECK(p->archive_segments >= 1);
    CHECK(r.alarms.empty());
    c->Stop();
  }
  CHECK(std::filesystem::exists(std::filesystem::path(dir) / "archive" / "MANIFEST"));
  // The live WAL of every node lost its archived prefix.
  for (const char* node : {"az-a-node-1", "az-a-node-2"}) {
    const auto [count, lowest] = WalRows(dir, node, group);
    if (count > 0) {
      CHECK(lowest > 1);
      CHECK(count < 60);
    }
  }
  auto c = StartCluster(dir);
  auto t = c->GetTable("ns/a1");
  REQUIRE(t.ok());
  for (int i = 0; i < 300; i += 11) {
    auto got = c->Get(*t, K(i), true);
    REQUIRE(got.ok());
    REQUIRE(got->has_value());
    CHECK(**got == "v" + std::to_string(i));
  }
  for (int i = 0; i < 20; ++i) REQUIRE(c->Put(*t, K(i), "w", 1).ok());
  auto report = c->ScrubNow("ns/a1");
  REQUIRE(report.ok());
  for (const PartitionScrub& p : report->partitions) {
    CHECK(p.result == "ok");
    CHECK(!p.reference_digest.empty());
  }
  c->Stop();
  std::filesystem::remove_all(dir);
}

// Records of 100 KB: the archiver's slices stop at 256 KB (kSliceBytes),
// three records each, for reads and for trims; everything is still archived,
// trimmed, and scrubbed against the reference rebuilt from the archive.
TEST_CASE("scrub: large records are archived and trimmed in slices bounded by bytes", "[scrub]") {
  std::string dir = TempDir();
  auto c = StartCluster(dir);
  auto t = c->CreateTable("ns/large", "s");
  REQUIRE(t.ok());
  const std::string big(100 * 1024, 'x');
  for (int i = 0; i < 40; ++i) REQUIRE(c->Put(*t, K(i), big + std::to_string(i), 2).ok());
  REQUIRE(c->ArchiveNow().ok());
  ScrubReport r = c->ScrubState();
  uint64_t archived = 0;
  for (const PartitionScrub& q : r.partitions) archived += q.archived_lsn;
  CHECK(archived >= 40);
  CHECK(r.alarms.empty());
  auto report = c->ScrubNow("ns/large");
  REQUIRE(report.ok());
  for (const PartitionScrub& p : report->partitions) CHECK(p.result == "ok");
  c.reset();  // closes the files
  // Every node's WAL kept at most a few records of the 40 (the trim stops at
  // what a member may still need).
  for (uint32_t id = 1; id <= 6; ++id) CHECK(WalRows(dir, NodeName(id), 0).first < 10);
  std::filesystem::remove_all(dir);
}

// Stale reads: a follower holds committed records back from its items but
// its replica counts them applied. The archiver trims a node's WAL only
// through what that node's file applied, so a follower powered off while it
// holds records replays them from its WAL when it comes back.
TEST_CASE("scrub: archiving keeps the WAL records a follower holds back for stale reads", "[scrub]") {
  std::string dir = TempDir();
  auto c = StartCluster(dir);
  auto t = c->CreateTable("ns/held", "s");
  REQUIRE(t.ok());
  for (int i = 0; i < 40; ++i) REQUIRE(c->Put(*t, K(i), "early", 5).ok());
  const PartitionInfo part = FirstPartition(*c, "ns/held");
  const auto [leader, follower] = LeaderAndOther(*c, part);
  REQUIRE(c->SetStaleReads(600000).ok());  // followers hold every later record
  for (int i = 40; i < 160; ++i) REQUIRE(c->Put(*t, K(i), "late", 4).ok());
  REQUIRE(c->ArchiveNow().ok());  // archives and trims every node's WAL
  // Powered off while it still holds them: what it held is only in its WAL.
  REQUIRE(c->PowerOff(NodeName(follower)).ok());
  REQUIRE(c->PowerOn(NodeName(follower)).ok());
  REQUIRE(c->SetStaleReads(0).ok());
  auto report = c->ScrubNow("ns/held");
  REQUIRE(report.ok());
  for (const PartitionScrub& p : report->partitions) CHECK(p.result == "ok");
  c->Stop();
  c.reset();
  // The follower's file holds every item of the partition, as the leader's.
  auto Items = [&](uint32_t node) {
    auto db = SqliteDb::Open((std::filesystem::path(dir) / (NodeName(node) + ".sqlite")).string(), false);
    REQUIRE(db.ok());
    auto n = (*db)->QueryInt("SELECT count(*) FROM items WHERE group_id=" + std::to_string(part.group));
    REQUIRE(n.ok());
    return *n;
  };
  const int64_t at_leader = Items(leader);
  CHECK(at_leader > 40);
  CHECK(Items(follower) == at_leader);
  std::filesystem::remove_all(dir);
}

// A table deleted after a snapshot comes back with the restore, and so does
// its WAL archive: the archiver must not then drop that archive as the
// deleted table's (the restored WALs are trimmed behind it: holes).
TEST_CASE("scrub: a table deleted after a snapshot and restored keeps its archive", "[scrub]") {
  std::string dir = TempDir();
  auto c = StartCluster(dir);
  auto t = c->CreateTable("ns/back", "s");
  REQUIRE(t.ok());
  for (int i = 0; i < 60; ++i) REQUIRE(c->Put(*t, K(i), "v", 1).ok());
  REQUIRE(c->ArchiveNow().ok());  // archives and trims the WALs
  REQUIRE(c->SaveSnapshot("s1").ok());
  REQUIRE(c->DeleteTable("ns/back").ok());
  REQUIRE(c->RestoreSnapshot("s1").ok());
  REQUIRE(c->ArchiveNow().ok());
  ScrubReport r = c->ScrubState();
  for (const ScrubAlarm& a : r.alarms) CHECK(a.kind + ": " + a.message == "");
  auto report = c->ScrubNow("ns/back");
  REQUIRE(report.ok());
  REQUIRE(!report->partitions.empty());
  for (const PartitionScrub& p : report->partitions) CHECK(p.result == "ok");
  auto back = c->GetTable("ns/back");
  REQUIRE(back.ok());
  auto got = c->Get(*back, K(7), true);
  REQUIRE(got.ok());
  CHECK(got->has_value());
  c->Stop();
  std::filesystem::remove_all(dir);
}

TEST_CASE("scrub: a flipped bit on one replica is found and repaired", "[scrub]") {
  auto c = StartCluster();
  auto t = c->CreateTable("ns/s1", "s");
  REQUIRE(t.ok());
  for (int i = 0; i < 100; ++i) REQUIRE(c->Put(*t, K(i), "value-" + std::to_string(i), 8).ok());
  auto clean = c->ScrubNow("ns/s1");
  REQUIRE(clean.ok());
  for (const PartitionScrub& p : clean->partitions) CHECK(p.result == "ok");

  PartitionInfo part = FirstPartition(*c, "ns/s1");
  for (uint32_t victim : {part.members[1], part.members[0]}) {  // a follower, then (usually) the leader
    CAPTURE(victim);
    auto rot = c->FlipItemBit(NodeName(victim), part.group, 17);
    REQUIRE(rot.ok());
    CHECK(!rot->key.hash.empty());
    auto report = c->ScrubNow("ns/s1");
    REQUIRE(report.ok());
    const PartitionScrub* p = Find(*report, part.group);
    REQUIRE(p != nullptr);
    CHECK(p->result == "repaired");
    CHECK(p->repairs >= 1);
    for (const ReplicaScrub& r : p->replicas) CHECK(r.state == (r.node == victim ? "repaired" : "ok"));
    CHECK(CountAlarms(*report, "replica-mismatch", victim) >= 1);
    CHECK(CountAlarms(*report, "replica-repaired", victim) >= 1);
    // Scrubbed again: every replica equals the reference.
    CheckScrubbedClean(*c, "ns/s1", part.group);
  }
  // A repair replaced the victims' rows: the running item totals (recounted
  // by NodeStore::ReplaceGroup) still match on every replica of the group, and the
  // table's partitions add up to the 100 items.
  bool agree = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!agree && std::chrono::steady_clock::now() < deadline) {
    ClusterSnapshot snap = c->Snapshot();
    uint64_t leader_items = 0, leader_bytes = 0, total = 0;
    for (const TableInfo& ti : snap.tables) {
      if (ti.meta.name != "ns/s1") continue;
      for (const PartitionInfo& p : ti.partitions) {
        total += p.item_count;
        if (p.group == part.group) {
          leader_items = p.item_count;
          leader_bytes = p.size_bytes;
        }
      }
    }
    int replicas = 0;
    agree = total == 100 && leader_items > 0;
    for (const NodeInfo& n : snap.nodes) {
      for (const ReplicaInfo& r : n.replicas) {
        if (r.group != part.group) continue;
        ++replicas;
        agree = agree && r.item_count == leader_items && r.size_bytes == leader_bytes;
      }
    }
    agree = agree && replicas == 3;
    if (!agree) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(agree);
  // Every item reads back as written, from the leader.
  for (int i = 0; i < 100; ++i) {
    auto got = c->Get(*t, K(i), true);
    REQUIRE(got.ok());
    REQUIRE(got->has_value());
    CHECK(**got == "value-" + std::to_string(i));
  }
  CHECK(c->FlipItemBit("az-q-node-1", part.group, 0).status().IsNotFound());
  CHECK(c->FlipItemBit(NodeName(part.members[0]), 999999, 0).status().IsNotFound());
}

// A partition of more than 500 items (kSliceItems) is scrubbed in slices
// of its hash range, one marker each, so that no replica's node thread
// digests the whole partition inside one group commit. Every slice is
// checked: bit rot in the first or a later slice is found and repaired.
// A follower holds a group's records back while its digest is taken in
// steps (scrub_store.h, deferred digests); with stale reads off, the
// eventually consistent reads it serves still see every acknowledged write.
TEST_CASE("scrub: eventually consistent reads during a scrub see the writes before them", "[scrub]") {
  auto c = StartCluster();
  auto t = c->CreateTable("ns/fresh", "s");
  REQUIRE(t.ok());
  constexpr int kItems = 2600;  // three slices a partition, each digest taken in steps
  for (int first = 0; first < kItems; first += 100) {
    std::vector<Cluster::WriteOp> ops;
    for (int i = first; i < first + 100; ++i) {
      ops.push_back(Cluster::WriteOp{Key{"k" + std::to_string(i), "r"}, false, "v", 2});
    }
    for (const Status& s : c->WriteBatch(*t, ops)) REQUIRE(s.ok());
  }
  std::atomic<bool> scrubbing{true};
  std::atomic<int> scrubs_ok{0};
  std::thread scrubber([&] {
    for (int i = 0; i < 4; ++i) {
      auto r = c->ScrubNow("ns/fresh");
      bool ok = r.ok();
      for (const PartitionScrub& p : r.ok() ? r->partitions : std::vector<PartitionScrub>{}) ok &= p.result == "ok";
      if (ok) ++scrubs_ok;
    }
    scrubbing = false;
  });
  int stale = 0, reads = 0;
  for (int i = 0; scrubbing && i < 20000; ++i) {
    const Key k{"k" + std::to_string(i * 7 % kItems), "r"};
    const std::string v = "w" + std::to_string(i);
    REQUIRE(c->Put(*t, k, v, 2).ok());
    for (int r = 0; r < 3; ++r) {  // the members in turn (Router::ToAnyReplica)
      auto got = c->Get(*t, k, /*consistent=*/false);
      REQUIRE(got.ok());
      REQUIRE(got->has_value());
      stale += **got != v;
      ++reads;
    }
  }
  scrubber.join();
  CHECK(stale == 0);
  CHECK(reads > 300);
  CHECK(scrubs_ok == 4);
}

TEST_CASE("scrub: a large partition is scrubbed in slices, and bit rot in any slice is found", "[scrub]") {
  auto c = StartCluster();
  auto t = c->CreateTable("ns/big", "s");
  REQUIRE(t.ok());
  constexpr int kItems = 2600;  // ~1,300 a partition: three slices each
  for (int first = 0; first < kItems; first += 100) {
    std::vector<Cluster::WriteOp> ops;
    for (int i = first; i < first + 100; ++i) {
      ops.push_back(Cluster::WriteOp{Key{"k" + std::to_string(i), "r"}, false, "v" + std::to_string(i), 2});
    }
    for (const Status& s : c->WriteBatch(*t, ops)) REQUIRE(s.ok());
  }
  auto first = c->ScrubNow("ns/big");
  REQUIRE(first.ok());
  auto second = c->ScrubNow("ns/big");
  REQUIRE(second.ok());
  for (const PartitionScrub& p : second->partitions) {
    CAPTURE(p.group);
    CHECK(p.result == "ok");
    CHECK(!p.reference_digest.empty());
    for (const ReplicaScrub& r : p.replicas) CHECK(r.digest == p.reference_digest);
    // Nothing was written between the two scrubs but their markers: one a slice.
    const PartitionScrub* before = Find(*first, p.group);
    REQUIRE(before != nullptr);
    CHECK(p.scrub_lsn - before->scrub_lsn >= 3);
    CHECK(p.scrub_lsn - before->scrub_lsn <= 4);
  }
  PartitionInfo part = FirstPartition(*c, "ns/big");
  const uint32_t victim = part.members[1];
  for (uint64_t pick : {uint64_t{0}, uint64_t{1000000007}}) {  // the first item, then one further on
    CAPTURE(pick);
    REQUIRE(c->FlipItemBit(NodeName(victim), part.group, pick).ok());
    auto report = c->ScrubNow("ns/big");
    REQUIRE(report.ok());
    const PartitionScrub* p = Find(*report, part.group);
    REQUIRE(p != nullptr);
    CHECK(p->result == "repaired");
    for (const ReplicaScrub& r : p->replicas) CHECK(r.state == (r.node == victim ? "repaired" : "ok"));
    CheckScrubbedClean(*c, "ns/big", part.group);
  }
}

TEST_CASE("scrub: no false alarm under concurrent writes", "[scrub]") {
  auto c = StartCluster();
  auto t = c->CreateTable("ns/s2", "s");
  REQUIRE(t.ok());
  std::atomic<bool> failed{false};
  std::atomic<int> written{0};
  std::vector<std::thread> writers;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < 400 && std::chrono::steady_clock::now() < deadline; ++i) {
        int k = w * 1000 + i;
        Status s = (i % 5 == 4) ? c->Delete(*t, K(k - 3)) : c->Put(*t, K(k), "x" + std::to_string(i), 3);
        if (!s.ok()) failed = true;
        ++written;
      }
    });
  }
  // Scrub again and again while the writers run (at least 3 rounds, at most 100).
  int rounds = 0;
  ScrubReport last;
  for (; rounds < 100 && (rounds < 3 || written < 1600); ++rounds) {
    auto r = c->ScrubNow("ns/s2");
    REQUIRE(r.ok());
    for (const PartitionScrub& p : r->partitions) {
      CHECK(p.result == "ok");
      for (const ReplicaScrub& rs : p.replicas) CHECK(rs.state == "ok");
    }
    last = *r;
  }
  for (auto& w : writers) w.join();
  CHECK(!failed);
  CHECK(written > 100);
  CHECK(rounds >= 3);
  CHECK(last.alarms.empty());
}

TEST_CASE("scrub: after a node was powered off and on, no mismatch", "[scrub]") {
  auto c = StartCluster();
  auto t = c->CreateTable("ns/g1", "s");
  REQUIRE(t.ok());
  for (int i = 0; i < 30; ++i) REQUIRE(c->Put(*t, K(i), "a", 1).ok());
  PartitionInfo part = FirstPartition(*c, "ns/g1");
  const std::string victim = NodeName(part.members[2]);
  REQUIRE(c->PowerOff(victim).ok());
  for (int i = 0; i < 30; ++i) REQUIRE(c->Put(*t, K(i), "b", 1).ok());
  auto during = c->ScrubNow("ns/g1");
  REQUIRE(during.ok());
  const PartitionScrub* p = Find(*during, part.group);
  REQUIRE(p != nullptr);
  CHECK(p->result == "ok");
  CHECK(p->replicas[2].state == "unchecked");
  REQUIRE(c->PowerOn(victim).ok());
  for (int i = 30; i < 60; ++i) REQUIRE(c->Put(*t, K(i), "c", 1).ok());
  auto after = c->ScrubNow("ns/g1");
  REQUIRE(after.ok());
  for (const PartitionScrub& q : after->partitions) {
    CHECK(q.result == "ok");
    for (const ReplicaScrub& r : q.replicas) CHECK(r.state != "mismatch");
  }
  CHECK(after->alarms.empty());
}

TEST_CASE("scrub: the archiver finds a hole in a replica's WAL", "[scrub]") {
  std::string dir = TempDir();
  auto c = StartCluster(dir);
  auto t = c->CreateTable("ns/h1", "s");
  REQUIRE(t.ok());
  for (int i = 0; i < 20; ++i) REQUIRE(c->Put(*t, K(i), "h", 1).ok());
  PartitionInfo part = FirstPartition(*c, "ns/h1");
  // Record 6 vanishes from two replicas' files (the leader's, read first,
  // and another), behind their backs.
  auto [leader, other] = LeaderAndOther(*c, part);
  for (uint32_t m : {leader, other}) REQUIRE(c->LoseWalRecord(NodeName(m), part.group, 6).ok());
  CHECK(c->LoseWalRecord(NodeName(leader), part.group, 6).IsNotFound());
  REQUIRE(c->ArchiveNow().ok());
  ScrubReport r = c->ScrubState();
  const PartitionScrub* p = Find(r, part.group);
  REQUIRE(p != nullptr);
  CHECK(p->archived_lsn > 6);  // read from the third replica
  CHECK(CountAlarms(r, "wal-hole", leader) == 1);
  auto archived = c->ScrubNow("ns/h1");
  REQUIRE(archived.ok());
  CHECK(Find(*archived, part.group)->result == "ok");
  c->Stop();
  std::filesystem::remove_all(dir);
}

TEST_CASE("scrub: the archiver finds WAL checksum errors", "[scrub]") {
  auto c = StartCluster();
  auto t = c->CreateTable("ns/s3", "s");
  REQUIRE(t.ok());
  for (int i = 0; i < 40; ++i) REQUIRE(c->Put(*t, K(i), "y", 1).ok());
  PartitionInfo part = FirstPartition(*c, "ns/s3");
  // Record 3 rots on the leader (read first) and another replica: the
  // archiver alarms and reads the third.
  auto [leader, other] = LeaderAndOther(*c, part);
  REQUIRE(c->CorruptWalRecord(NodeName(leader), part.group, 3).ok());
  REQUIRE(c->CorruptWalRecord(NodeName(other), part.group, 3).ok());
  REQUIRE(c->ArchiveNow().ok());
  ScrubReport r = c->ScrubState();
  const PartitionScrub* p = Find(r, part.group);
  REQUIRE(p != nullptr);
  CHECK(p->archived_lsn > 3);
  CHECK(CountAlarms(r, "wal-checksum", leader) == 1);
  // With the third one rotten too, nothing past record 2 can be archived.
  auto t2 = c->CreateTable("ns/s4", "s");
  REQUIRE(t2.ok());
  for (int i = 0; i < 10; ++i) REQUIRE(c->Put(*t2, K(i), "y", 1).ok());
  PartitionInfo p2 = FirstPartition(*c, "ns/s4");
  for (uint32_t m : p2.members) REQUIRE(c->CorruptWalRecord(NodeName(m), p2.group, 2).ok());
  REQUIRE(c->ArchiveNow().ok());
  r = c->ScrubState();
  p = Find(r, p2.group);
  REQUIRE(p != nullptr);
  CHECK(p->archived_lsn == 0);
  for (uint32_t m : p2.members) CHECK(CountAlarms(r, "wal-checksum", m) >= 1);
}

TEST_CASE("scrub: a rotten archive segment raises an alarm; the replicas' majority decides", "[scrub]") {
  std::string dir = TempDir();
  auto c = StartCluster(dir);
  auto t = c->CreateTable("ns/r1", "s");
  REQUIRE(t.ok());
  for (int i = 0; i < 30; ++i) REQUIRE(c->Put(*t, K(i), "q", 1).ok());
  PartitionInfo part = FirstPartition(*c, "ns/r1");
  REQUIRE(c->ArchiveNow().ok());
  // Flip a byte in the middle of the partition's first segment, on disk.
  std::ifstream manifest(std::filesystem::path(dir) / "archive" / "MANIFEST");
  std::string line, segment;
  while (std::getline(manifest, line)) {
    if (line.find(" partition=" + std::to_string(part.group) + " ") == std::string::npos) continue;
    segment = line.substr(line.find("segment=") + 8);
    segment = segment.substr(0, segment.find(' '));
    break;
  }
  REQUIRE(!segment.empty());
  const auto path = std::filesystem::path(dir) / "archive" / segment;
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    bytes = ss.str();
  }
  REQUIRE(bytes.size() > 40);
  bytes[bytes.size() / 2] ^= 0x10;
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
  }
  auto report = c->ScrubNow("ns/r1");
  REQUIRE(report.ok());
  const PartitionScrub* p = Find(*report, part.group);
  REQUIRE(p != nullptr);
  CHECK(p->result == "ok");
  CHECK(p->reference_digest.empty());
  CHECK(CountAlarms(*report, "archive-corrupt", 0) >= 1);
  c->Stop();
  std::filesystem::remove_all(dir);
}

// An in-memory cluster with `o`'s periodic work and one-partition tables,
// holding table `name` with 20 items (K(0) to K(19)).
std::unique_ptr<Cluster> PeriodicCluster(ClusterOptions o, const std::string& name) {
  o.in_memory = true;
  o.partitions_per_table = 1;
  auto c = Cluster::Start(o);
  REQUIRE(c.ok());
  auto t = (*c)->CreateTable(name, "s");
  REQUIRE(t.ok());
  for (int i = 0; i < 20; ++i) REQUIRE((*c)->Put(*t, K(i), "z" + std::to_string(i), 2).ok());
  return std::move(c.value());
}

TEST_CASE("scrub: the periodic scrub finds and repairs bit rot by itself", "[scrub]") {
  ClusterOptions o;
  o.archive_interval_ms = 50;
  o.scrub_interval_ms = 100;
  auto c = PeriodicCluster(o, "ns/p1");
  PartitionInfo part = FirstPartition(*c, "ns/p1");
  REQUIRE(c->FlipItemBit(NodeName(part.members[1]), part.group, 3).ok());
  // Bounded wait for the background thread: at most 10 s.
  const PartitionScrub* p = nullptr;
  ScrubReport r;
  for (int attempt = 0; attempt < 500; ++attempt) {
    r = c->ScrubState();
    p = Find(r, part.group);
    if (p != nullptr && p->repairs >= 1 && p->archived_lsn > 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(p != nullptr);
  CHECK(p->repairs >= 1);
  CHECK(p->archived_lsn >= 20);
  CHECK(p->last_scrub_ms > 0);
  CHECK(CountAlarms(r, "replica-mismatch", part.members[1]) >= 1);
}

// Background work gives way to a busy cluster: while requests come fast the
// periodic scrub waits (a second at a time), but a partition changed under
// a load that does not stop is still scrubbed (after ten intervals); once
// the requests stop, it no longer waits.
TEST_CASE("scrub: the periodic scrub waits while the cluster is busy, but not for ever", "[scrub]") {
  ClusterOptions o;
  o.archive_interval_ms = 0;
  o.scrub_interval_ms = 100;
  auto c = PeriodicCluster(o, "ns/busy");
  auto t = c->GetTable("ns/busy");
  REQUIRE(t.ok());
  const uint64_t group = FirstPartition(*c, "ns/busy").group;
  auto last_scrub = [&] {
    ScrubReport r = c->ScrubState();
    const PartitionScrub* p = Find(r, group);
    return p == nullptr ? int64_t{0} : p->last_scrub_ms;
  };
  auto waits = [&] { return c->ScrubState().periodic_waits; };
  auto now_ms = [] {  // as last_scrub_ms counts: Unix epoch milliseconds
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch()).count();
  };
  // Each request looks its table up first; one thread doing only that is
  // far above the threshold (1,000 a second).
  std::atomic<bool> loading{true};
  std::thread load([&] {
    while (loading) (void)c->GetTable("ns/busy");
  });
  // Bounded waits (polls of 20 ms, at most 15 s each).
  auto poll = [](const std::function<bool()>& done) {
    for (int i = 0; i < 750 && !done(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return done();
  };
  CHECK(poll([&] { return waits() >= 3; }));
  REQUIRE(c->Put(*t, K(100), "changed under load", 2).ok());
  const int64_t changed_at = now_ms();
  CHECK(poll([&] { return last_scrub() >= changed_at; }));
  loading = false;
  load.join();
  const uint64_t waited = waits();
  REQUIRE(c->Put(*t, K(101), "changed when idle", 2).ok());
  const int64_t idle_at = now_ms();
  CHECK(poll([&] { return last_scrub() >= idle_at; }));
  CHECK(waits() <= waited + 1);  // a last look may still see the load's tail
}

// A new table's group has no record until its first write: the periodic
// scrub has nothing to compare there and leaves it for later, while it
// scrubs a written one.
TEST_CASE("scrub: the periodic scrub leaves a never-written partition until its first write", "[scrub]") {
  ClusterOptions o;
  o.archive_interval_ms = 50;
  o.scrub_interval_ms = 50;
  auto c = PeriodicCluster(o, "ns/w1");
  auto empty = c->CreateTable("ns/e1", "s");
  REQUIRE(empty.ok());
  const uint64_t written = FirstPartition(*c, "ns/w1").group;
  const uint64_t never = FirstPartition(*c, "ns/e1").group;
  auto scrubbed = [&](uint64_t group) -> int64_t {
    ScrubReport r = c->ScrubState();
    const PartitionScrub* p = Find(r, group);
    return p == nullptr ? 0 : p->last_scrub_ms;
  };
  // Bounded wait for the written partition's second scrub (its idle
  // rescrub, ten intervals after the first): at most 10 s. Every pass in
  // between had the empty one in view.
  int64_t first = 0, second = 0;
  for (int attempt = 0; attempt < 500 && second == 0; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const int64_t last = scrubbed(written);
    if (first == 0) {
      first = last;
    } else if (last != first) {
      second = last;
    }
  }
  REQUIRE(second > 0);
  CHECK(scrubbed(never) == 0);
  // Between the two, passes found nothing applied since one that had nothing
  // due, and skipped the nodes.
  CHECK(c->ScrubState().periodic_skips > 0);
  // Its first write makes it due at the next pass.
  REQUIRE(c->Put(*empty, K(1), "v", 1).ok());
  int64_t later = 0;
  for (int attempt = 0; attempt < 500 && later == 0; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    later = scrubbed(never);
  }
  CHECK(later > 0);
  c->Stop();
}

TEST_CASE("scrub: deferred periodic work starts with StartPeriodicWork, once", "[scrub]") {
  ClusterOptions o;
  o.archive_interval_ms = 20;
  o.defer_periodic_work = true;
  auto c = PeriodicCluster(o, "ns/d1");
  const uint64_t group = FirstPartition(*c, "ns/d1").group;
  // Ten archive intervals go by with no archiving thread.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const ScrubReport before = c->ScrubState();
  const PartitionScrub* p = Find(before, group);
  CHECK((p == nullptr || p->archived_lsn == 0));
  c->StartPeriodicWork();
  c->StartPeriodicWork();  // idempotent
  // Bounded wait for the archiving thread: at most 10 s.
  paxos::Lsn archived = 0;
  for (int attempt = 0; attempt < 500 && archived < 20; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ScrubReport r = c->ScrubState();
    if (const PartitionScrub* q = Find(r, group)) archived = q->archived_lsn;
  }
  CHECK(archived >= 20);
  c->Stop();
  c->StartPeriodicWork();  // after Stop: starts nothing, returns
}

// The trim LSN reaches the archived LSN only once the group has told every
// member (its last heartbeats, up to going quiet): the archiver's passes,
// which skip the nodes once nothing is applied any more, still retry the
// trim of those groups until it is done.
TEST_CASE("scrub: an idle group's WAL is trimmed through its archive by the periodic passes", "[scrub]") {
  ClusterOptions o;
  o.archive_interval_ms = 20;
  o.scrub_interval_ms = 0;
  auto c = PeriodicCluster(o, "ns/t1");
  const uint64_t group = FirstPartition(*c, "ns/t1").group;
  // Bounded wait: at most 10 s (the group goes quiet after 0.3 s; the trim
  // is retried every tenth pass, 0.2 s).
  bool trimmed = false;
  paxos::Lsn archived = 0;
  for (int attempt = 0; attempt < 500 && !(trimmed && archived >= 20); ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ScrubReport r = c->ScrubState();
    if (const PartitionScrub* q = Find(r, group)) {
      archived = q->archived_lsn;
      trimmed = q->wal_trimmed;
    }
  }
  CHECK(archived >= 20);
  CHECK(trimmed);
  c->Stop();
}

TEST_CASE("transport: writes go on while messages are corrupted in flight", "[scrub]") {
  auto c = StartCluster();
  auto t = c->CreateTable("ns/n1", "s");
  REQUIRE(t.ok());
  NetworkFaults faults;
  faults.corrupt_rate = 0.1;
  REQUIRE(c->SetNetwork(faults).ok());
  for (int i = 0; i < 50; ++i) REQUIRE(c->Put(*t, K(i), "c" + std::to_string(i), 2).ok());
  ClusterSnapshot snap = c->Snapshot();
  CHECK(snap.messages_corrupted > 0);
  CHECK(snap.network.corrupt_rate == 0.1);
  REQUIRE(c->SetNetwork(NetworkFaults{}).ok());
  for (int i = 0; i < 50; ++i) {
    auto got = c->Get(*t, K(i), true);
    REQUIRE(got.ok());
    REQUIRE(got->has_value());
    CHECK(**got == "c" + std::to_string(i));
  }
  auto report = c->ScrubNow("ns/n1");
  REQUIRE(report.ok());
  for (const PartitionScrub& p : report->partitions) CHECK(p.result == "ok");
}

TEST_CASE("transport: every message is checksummed; a corrupted one is dropped", "[scrub]") {
  Transport t;
  std::vector<paxos::Message> got;
  t.Register(2, [&](paxos::Message m) { got.push_back(std::move(m)); });
  paxos::Message m;
  m.type = paxos::Message::Type::kAccept;
  m.group = 5;
  m.from = 1;
  m.to = 2;
  m.ballot = 77;
  m.records.push_back(paxos::Record{3, 77, "payload"});
  const uint32_t crc = MessageCrc(m);
  paxos::Message changed = m;
  changed.records[0].data[0] ^= 1;
  CHECK(MessageCrc(changed) != crc);
  changed = m;
  changed.commit_lsn = 1;
  CHECK(MessageCrc(changed) != crc);
  // Any one bit of a longer record (8-byte steps and a tail), and the split
  // of the bytes between records.
  paxos::Message big = m;
  big.records[0].data = std::string(301, 'x');
  const uint32_t big_crc = MessageCrc(big);
  for (size_t byte : {size_t{0}, size_t{7}, size_t{8}, size_t{150}, size_t{296}, size_t{300}}) {
    for (int bit = 0; bit < 8; bit += 3) {
      changed = big;
      changed.records[0].data[byte] ^= static_cast<char>(1 << bit);
      CHECK(MessageCrc(changed) != big_crc);
    }
  }
  changed = big;
  changed.records[0].data.resize(150);
  changed.records.push_back(paxos::Record{4, 77, std::string(151, 'x')});
  CHECK(MessageCrc(changed) != big_crc);
  CHECK(MessageCrc(big) == big_crc);

  t.Send(m);
  REQUIRE(got.size() == 1);
  CHECK(got[0].records[0].data == "payload");
  t.SetCorruptRate(1);
  for (int i = 0; i < 10; ++i) t.Send(m);
  m.records.clear();  // no data: the ballot flips instead
  t.Send(m);
  CHECK(got.size() == 1);
  CHECK(t.faults().corrupted == 11);
  t.SetCorruptRate(0);
  t.Send(m);
  CHECK(got.size() == 2);
}

}  // namespace
}  // namespace ddb::cluster
