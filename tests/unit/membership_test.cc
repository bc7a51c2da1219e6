// Membership on a storage node's file (NodeStore): the configuration applied
// from kConfig records, the joined LSN and the role persist across a reopen;
// a log replica applies no items; a snapshot replaces a replica's rows and
// moves its LSNs; a file written before these columns existed still opens.
#include <filesystem>
#include <string>

#include <unistd.h>

#include "cluster/node_store.h"
#include "cluster/paxos/configuration.h"
#include "cluster/sqlite_db.h"
#include "cluster/wal_record.h"

#undef CHECK
#include <catch2/catch.hpp>

namespace ddb::cluster {
namespace {

std::string TempFile(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("ddb-membership-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto path = dir / name;
  std::filesystem::remove(path);
  return path.string();
}

paxos::Record Put(paxos::Lsn lsn, const std::string& key) {
  WalRecord w;
  w.op = WalRecord::Op::kPut;
  w.hash_key = key;
  w.item = "item-" + key;
  w.item_size = 10;
  return paxos::Record{lsn, 1, EncodeWalRecord(w)};
}

paxos::Record Config(paxos::Lsn lsn, const paxos::Configuration& c) {
  paxos::Record r{lsn, 1, paxos::EncodeConfiguration(c)};
  r.kind = paxos::RecordKind::kConfig;
  return r;
}

ReplicaRow Row(uint64_t group, bool log_replica, paxos::Lsn joined) {
  ReplicaRow row;
  row.group = group;
  row.table_id = 1;
  row.members = {1, 3, 5};
  row.hash_hi = UINT64_MAX;
  row.joined_lsn = joined;
  row.log_replica = log_replica;
  row.state.hard_state.promised = 77;
  return row;
}

TEST_CASE("membership: configuration, joined LSN and role persist; a log replica keeps no items", "[unit]") {
  const std::string path = TempFile("node.sqlite");
  paxos::Configuration next;
  next.members = {{1, paxos::MemberRole::kFull}, {3, paxos::MemberRole::kFull}, {4, paxos::MemberRole::kLog}};
  {
    auto store = NodeStore::Open(path, false);
    REQUIRE(store.ok());
    NodeStore& s = **store;
    REQUIRE(s.CreateReplica(Row(7, /*log_replica=*/false, 0)).ok());
    REQUIRE(s.CreateReplica(Row(8, /*log_replica=*/true, 12)).ok());
    REQUIRE(s.Begin().ok());
    for (uint64_t g : {7, 8}) {
      bool items = g == 7;
      REQUIRE(s.SaveRecord(g, Put(1, "a")).ok());
      REQUIRE(s.Apply(g, Put(1, "a"), items).ok());
      REQUIRE(s.SaveRecord(g, Config(2, next)).ok());
      REQUIRE(s.Apply(g, Config(2, next), items).ok());
    }
    REQUIRE(s.Commit().ok());
    CHECK(s.Get(7, Key{"a", ""}).value() == std::optional<std::string>("item-a"));
    CHECK(!s.Get(8, Key{"a", ""}).value().has_value());
  }
  auto store = NodeStore::Open(path, false);
  REQUIRE(store.ok());
  auto rows = (*store)->LoadReplicas();
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 2);
  const ReplicaRow& full = (*rows)[0];
  const ReplicaRow& log = (*rows)[1];
  CHECK(full.group == 7);
  CHECK(!full.log_replica);
  CHECK(full.joined_lsn == 0);
  CHECK(full.state.configuration == next);
  CHECK(full.state.applied_lsn == 2);
  CHECK(full.state.hard_state.promised == 77);
  CHECK(log.group == 8);
  CHECK(log.log_replica);
  CHECK(log.joined_lsn == 12);
  CHECK(log.state.configuration == next);
}

TEST_CASE("membership: a snapshot replaces a new member's rows and moves its LSNs", "[unit]") {
  auto source = NodeStore::Open(":memory:", false);
  auto target = NodeStore::Open(":memory:", false);
  REQUIRE(source.ok());
  REQUIRE(target.ok());
  REQUIRE((*source)->CreateReplica(Row(3, false, 0)).ok());
  REQUIRE((*target)->CreateReplica(Row(3, false, 40)).ok());
  REQUIRE((*source)->Begin().ok());
  for (paxos::Lsn lsn = 1; lsn <= 30; ++lsn) REQUIRE((*source)->Apply(3, Put(lsn, "k" + std::to_string(lsn)), true).ok());
  REQUIRE((*source)->Commit().ok());
  auto copy = (*source)->scrub().Copy(3);
  REQUIRE(copy.ok());
  copy->lsn = 30;
  paxos::Configuration c = paxos::Configuration::AllFull({1, 3, 5});
  REQUIRE((*target)->InstallSnapshot(3, *copy, paxos::EncodeConfiguration(c)).ok());

  std::string a, b;
  uint64_t rows_a = 0, rows_b = 0;
  REQUIRE((*source)->scrub().ComputeDigest(3, &a, &rows_a).ok());
  REQUIRE((*target)->scrub().ComputeDigest(3, &b, &rows_b).ok());
  CHECK(rows_a == 30);
  CHECK(a == b);
  CHECK(rows_a == rows_b);
  auto loaded = (*target)->LoadReplicas();
  REQUIRE(loaded.ok());
  CHECK((*loaded)[0].state.applied_lsn == 30);
  CHECK((*loaded)[0].state.hard_state.commit_lsn == 30);
  CHECK((*loaded)[0].state.configuration == c);
  CHECK((*loaded)[0].joined_lsn == 40);
}

TEST_CASE("membership: a node file from before log replicas opens and loads", "[unit]") {
  const std::string path = TempFile("old.sqlite");
  {
    auto db = SqliteDb::Open(path, false);
    REQUIRE(db.ok());
    REQUIRE((*db)->Exec("CREATE TABLE replicas(group_id INTEGER PRIMARY KEY, table_id INTEGER NOT NULL, "
                        "members TEXT NOT NULL, hash_lo INTEGER NOT NULL, hash_hi INTEGER NOT NULL, "
                        "promised INTEGER NOT NULL DEFAULT 0, commit_lsn INTEGER NOT NULL DEFAULT 0, "
                        "trim_lsn INTEGER NOT NULL DEFAULT 0, applied_lsn INTEGER NOT NULL DEFAULT 0);"
                        "INSERT INTO replicas(group_id,table_id,members,hash_lo,hash_hi,applied_lsn) "
                        "VALUES(5,2,'1,3,5',0,-1,9);")
                .ok());
  }
  auto store = NodeStore::Open(path, false);
  REQUIRE(store.ok());
  auto rows = (*store)->LoadReplicas();
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 1);
  CHECK((*rows)[0].group == 5);
  CHECK((*rows)[0].state.applied_lsn == 9);
  CHECK((*rows)[0].state.configuration.empty());
  CHECK((*rows)[0].joined_lsn == 0);
  CHECK(!(*rows)[0].log_replica);
}

}  // namespace
}  // namespace ddb::cluster
