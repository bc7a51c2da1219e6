// Opening storage files: a new node file is the schema template's file image
// (the whole schema, PRAGMA user_version set; a rollback journal, or a WAL
// with -fsync, either way from the first byte), an empty one gets a
// copy of the template; a file at the
// current version opens as it is; a file from before user_version is
// upgraded once; a later version's file keeps its number. Statements prepared
// on first use report a bad statement from Step() and never crash.
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "cluster/meta_store.h"
#include "cluster/node_store.h"
#include "cluster/sqlite_db.h"
#include "cluster/wal_record.h"

#undef CHECK
#include <catch2/catch.hpp>

#include "tests/unit/sqlite_text.h"
#include "tests/unit/temp_dir.h"

namespace ddb::cluster {
namespace {

constexpr int64_t kVersion = 2;      // node_schema::kVersion (cluster/schemas.h)
constexpr int64_t kMetaVersion = 1;  // meta_schema::kVersion

using ddb::testing::TempDir;
using ddb::testing::Text;

int64_t Int(SqliteDb* db, const std::string& sql) {
  auto v = db->QueryInt(sql);
  REQUIRE(v.ok());
  return *v;
}

// A database file's format write and read versions (header bytes 18 and
// 19): 1 for a rollback journal, 2 for a WAL.
std::pair<int, int> HeaderVersions(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  char header[20] = {};
  REQUIRE(f.read(header, sizeof(header)));
  return {header[18], header[19]};
}

std::set<std::string> SchemaNames(SqliteDb* db) {
  auto st = db->Prepare("SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'");
  REQUIRE(st.ok());
  std::set<std::string> names;
  for (;;) {
    auto row = st->Step();
    REQUIRE(row.ok());
    if (!*row) break;
    names.insert(st->Blob(0));
  }
  return names;
}

const std::set<std::string> kNodeSchema = {
    "replicas", "wal", "items", "outbox", "locks", "locks_by_txn", "decisions"};

ReplicaRow Row(uint64_t group) {
  ReplicaRow row;
  row.group = group;
  row.table_id = 1;
  row.members = {1, 2, 3};
  row.hash_hi = UINT64_MAX;
  return row;
}

void Put(NodeStore& store, uint64_t group, paxos::Lsn lsn, const std::string& hk, uint32_t size) {
  WalRecord r;
  r.op = WalRecord::Op::kPut;
  r.hash_key = hk;
  r.item = std::string(size, 'x');
  r.item_size = size;
  REQUIRE(store.Apply(group, paxos::Record{lsn, 1, EncodeWalRecord(r)}, true).ok());
}

TEST_CASE("store open: a new node file has the whole schema, its version, a rollback journal", "[unit]") {
  TempDir dir("ddb-store-open");
  const std::string path = dir.File("node.sqlite");
  {
    auto store = NodeStore::Open(path, false);
    REQUIRE(store.ok());
    CHECK((*store)->created());  // StorageNode reads no replicas from it
    SqliteDb* db = (*store)->db();
    CHECK(Int(db, "PRAGMA user_version") == kVersion);
    CHECK(Text(db, "PRAGMA journal_mode") == "persist");
    CHECK(SchemaNames(db) == kNodeSchema);
    REQUIRE((*store)->CreateReplica(Row(7)).ok());
    REQUIRE((*store)->Begin().ok());
    Put(**store, 7, 1, "a", 10);
    Put(**store, 7, 2, "b", 20);
    REQUIRE((*store)->Commit().ok());
  }
  // The file header says rollback journal (bytes 18 and 19 are 1), and the
  // journal is kept, its header zeroed: nothing to play back.
  CHECK(HeaderVersions(path) == std::make_pair(1, 1));
  CHECK(std::filesystem::exists(path + "-journal"));
  CHECK(!std::filesystem::exists(path + "-wal"));
  auto again = NodeStore::Open(path, false);
  REQUIRE(again.ok());
  CHECK(!(*again)->created());
  auto replicas = (*again)->LoadReplicas();
  REQUIRE(replicas.ok());
  REQUIRE(replicas->size() == 1);
  CHECK(replicas->front().state.applied_lsn == 2);
  TableStats stats;
  REQUIRE((*again)->ItemTotals(7, &stats).ok());
  CHECK(stats.item_count == 2);
  CHECK(stats.size_bytes == 30);
  auto item = (*again)->Get(7, Key{"b", ""});
  REQUIRE(item.ok());
  REQUIRE(item->has_value());
  CHECK(**item == std::string(20, 'x'));
}

// A new file is the template's image written to PATH.new and renamed; a
// PATH.new left by a crash is overwritten, and an empty file (a crash of an
// older version before its first write) gets the schema copied in.
TEST_CASE("store open: new files are written whole; a stale .new and an empty file are handled", "[unit]") {
  TempDir dir("ddb-store-open");
  const std::string path = dir.File("node.sqlite");
  std::ofstream(path + ".new") << "half a file from a crash";
  {
    auto store = NodeStore::Open(path, false);
    REQUIRE(store.ok());
    CHECK(Int((*store)->db(), "PRAGMA user_version") == kVersion);
    CHECK(SchemaNames((*store)->db()) == kNodeSchema);
  }
  CHECK(!std::filesystem::exists(path + ".new"));
  const std::string meta_path = dir.File("meta.sqlite");
  std::ofstream(meta_path + ".new") << "x";
  {
    auto meta = MetaStore::Open(meta_path, false);
    REQUIRE(meta.ok());
    CHECK((*meta)->created());
    CHECK(Text((*meta)->db(), "PRAGMA journal_mode") == "persist");
    CHECK(SchemaNames((*meta)->db()) == std::set<std::string>{"tables", "partitions", "counters"});
  }
  {
    auto meta = MetaStore::Open(meta_path, false);
    REQUIRE(meta.ok());
    CHECK(!(*meta)->created());
  }
  CHECK(!std::filesystem::exists(meta_path + ".new"));
  const std::string empty = dir.File("empty.sqlite");
  std::ofstream(empty).flush();
  auto store = NodeStore::Open(empty, false);
  REQUIRE(store.ok());
  CHECK(Int((*store)->db(), "PRAGMA user_version") == kVersion);
  CHECK(Text((*store)->db(), "PRAGMA journal_mode") == "persist");
  CHECK(SchemaNames((*store)->db()) == kNodeSchema);
  // With -fsync: a WAL-mode file as written, then the file and its
  // directory entry synced.
  auto synced = NodeStore::Open(dir.File("synced.sqlite"), true);
  REQUIRE(synced.ok());
  CHECK(HeaderVersions(dir.File("synced.sqlite")) == std::make_pair(2, 2));
  CHECK(Text((*synced)->db(), "PRAGMA journal_mode") == "wal");
  CHECK(SchemaNames((*synced)->db()) == kNodeSchema);
  CHECK(!SqliteDb::CreateFile(dir.File("no-such-dir/x.sqlite"), std::string(4096, '\0'), true).ok());
  CHECK(!SqliteDb::CreateFile(dir.File("short.sqlite"), "not a database", false).ok());
}

// The journal follows -fsync: a file written with it (WAL) and opened
// without it gets a rollback journal, and the other way round, with its
// rows; a new file never meets the journal of an earlier one of its name.
TEST_CASE("store open: the journal follows -fsync, and a new file ignores an old journal", "[unit]") {
  TempDir dir("ddb-store-open");
  const std::string path = dir.File("node.sqlite");
  for (bool fsync : {true, false, true}) {
    auto store = NodeStore::Open(path, fsync);
    REQUIRE(store.ok());
    CHECK(Text((*store)->db(), "PRAGMA journal_mode") == (fsync ? "wal" : "persist"));
    if ((*store)->created()) {
      REQUIRE((*store)->CreateReplica(Row(7)).ok());
      REQUIRE((*store)->Begin().ok());
      Put(**store, 7, 1, "a", 10);
      REQUIRE((*store)->Commit().ok());
    }
    auto item = (*store)->Get(7, Key{"a", ""});
    REQUIRE(item.ok());
    CHECK(item->has_value());
  }
  // A journal that a removed file left (as after a crash: a journal whose
  // header is not zeroed would be played back into any file of that name).
  const std::string other = dir.File("other.sqlite");
  std::ofstream(other + "-journal") << std::string(4096, 'j');
  std::ofstream(other + "-wal") << std::string(4096, 'w');
  auto fresh = NodeStore::Open(other, false);
  REQUIRE(fresh.ok());
  CHECK((*fresh)->created());
  CHECK(SchemaNames((*fresh)->db()) == kNodeSchema);
  CHECK(!std::filesystem::exists(other + "-wal"));
  CHECK(!std::filesystem::exists(other + "-journal"));  // removed, not yet made again (no write)
}

TEST_CASE("store open: reopening a current file changes no schema (schema_version)", "[unit]") {
  TempDir dir("ddb-store-open");
  const std::string node_path = dir.File("node.sqlite");
  const std::string meta_path = dir.File("meta.sqlite");
  int64_t node_schema = 0, meta_schema = 0;
  {
    auto store = NodeStore::Open(node_path, false);
    auto meta = MetaStore::Open(meta_path, false);
    REQUIRE(store.ok());
    REQUIRE(meta.ok());
    node_schema = Int((*store)->db(), "PRAGMA schema_version");
    meta_schema = Int((*meta)->db(), "PRAGMA schema_version");
  }
  for (int open = 0; open < 2; ++open) {
    auto store = NodeStore::Open(node_path, false);
    auto meta = MetaStore::Open(meta_path, false);
    REQUIRE(store.ok());
    REQUIRE(meta.ok());
    CHECK(Int((*store)->db(), "PRAGMA schema_version") == node_schema);
    CHECK(Int((*meta)->db(), "PRAGMA schema_version") == meta_schema);
  }
}

TEST_CASE("store open: in memory (the scrubber's reference) is a whole schema too", "[unit]") {
  auto a = NodeStore::Open(":memory:", false);
  auto b = NodeStore::Open(":memory:", false);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(SchemaNames((*a)->db()) == kNodeSchema);
  REQUIRE((*a)->CreateReplica(Row(3)).ok());
  Put(**a, 3, 1, "k", 4);
  // Each is its own database.
  auto other = (*b)->Get(3, Key{"k", ""});
  REQUIRE(other.ok());
  CHECK(!other->has_value());
}

TEST_CASE("store open: a node file from before user_version is upgraded once", "[unit]") {
  TempDir dir("ddb-store-open");
  const std::string path = dir.File("old.sqlite");
  {
    // An older binary's file: replicas without the log-replica columns and
    // item totals, user_version 0, and items.
    auto db = SqliteDb::Open(path, false);
    REQUIRE(db.ok());
    REQUIRE((*db)->Exec(R"sql(
      CREATE TABLE replicas(group_id INTEGER PRIMARY KEY, table_id INTEGER NOT NULL, members TEXT NOT NULL,
        hash_lo INTEGER NOT NULL, hash_hi INTEGER NOT NULL, promised INTEGER NOT NULL DEFAULT 0,
        commit_lsn INTEGER NOT NULL DEFAULT 0, trim_lsn INTEGER NOT NULL DEFAULT 0,
        applied_lsn INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE items(group_id INTEGER NOT NULL, h BLOB NOT NULL, hk BLOB NOT NULL, rk BLOB NOT NULL,
        item BLOB NOT NULL, size INTEGER NOT NULL, PRIMARY KEY(group_id, h, hk, rk)) WITHOUT ROWID;
      INSERT INTO replicas(group_id, table_id, members, hash_lo, hash_hi, applied_lsn)
        VALUES(9, 1, '1,2,3', 0, -1, 2);
      INSERT INTO items VALUES(9, x'01', 'a', '', 'xxxxx', 5), (9, x'02', 'b', '', 'xxxxxxx', 7);
    )sql").ok());
  }
  for (int open = 0; open < 2; ++open) {
    auto store = NodeStore::Open(path, false);
    REQUIRE(store.ok());
    SqliteDb* db = (*store)->db();
    CHECK(Int(db, "PRAGMA user_version") == kVersion);
    CHECK(SchemaNames(db) == kNodeSchema);
    CHECK(Int(db, "SELECT count(*) FROM pragma_table_info('replicas') WHERE name IN "
                  "('config','joined_lsn','log_replica','item_totals')") == 4);
    auto replicas = (*store)->LoadReplicas();
    REQUIRE(replicas.ok());
    REQUIRE(replicas->size() == 1);
    CHECK(replicas->front().state.applied_lsn == 2);
    CHECK(!replicas->front().log_replica);
    TableStats stats;
    REQUIRE((*store)->ItemTotals(9, &stats).ok());
    CHECK(stats.item_count == 2);  // filled once, not again at the second open
    CHECK(stats.size_bytes == 12);
  }
}

TEST_CASE("store open: a later version's node file opens and keeps its number", "[unit]") {
  TempDir dir("ddb-store-open");
  const std::string path = dir.File("later.sqlite");
  {
    auto store = NodeStore::Open(path, false);
    REQUIRE(store.ok());
    REQUIRE((*store)->db()->Exec("PRAGMA user_version=" + std::to_string(kVersion + 5)).ok());
  }
  auto store = NodeStore::Open(path, false);
  REQUIRE(store.ok());
  CHECK(Int((*store)->db(), "PRAGMA user_version") == kVersion + 5);
  CHECK(SchemaNames((*store)->db()) == kNodeSchema);
}

TEST_CASE("store open: meta.sqlite new, and from before user_version", "[unit]") {
  TempDir dir("ddb-store-open");
  {
    auto meta = MetaStore::Open(dir.File("meta.sqlite"), false);
    REQUIRE(meta.ok());
    CHECK(Int((*meta)->db(), "PRAGMA user_version") == kMetaVersion);
    CHECK(SchemaNames((*meta)->db()) ==
          std::set<std::string>{"tables", "partitions", "counters"});
    auto id = (*meta)->NextId("table_id");
    REQUIRE(id.ok());
    CHECK(*id == 1);
    // CreateTable: the next ids and the row, in one transaction.
    for (const char* name : {"ns/a", "ns/b"}) {
      TableRoute route;
      REQUIRE((*meta)->CreateTable(&route, 2, [&](uint64_t table_id, uint64_t first_group) {
        route.meta.name = name;
        route.meta.id = table_id;
        for (uint64_t g = first_group; g < first_group + 2; ++g) {
          PartitionRoute p;
          p.group = g;
          p.members = {1, 3, 5};
          route.partitions.push_back(p);
        }
      }).ok());
    }
    auto tables = (*meta)->LoadAll();
    REQUIRE(tables.ok());
    REQUIRE(tables->size() == 2);
    std::map<std::string, std::vector<uint64_t>> groups;
    for (const TableRoute& t : *tables) {
      for (const PartitionRoute& p : t.partitions) groups[t.meta.name + "#" + std::to_string(t.meta.id)].push_back(p.group);
    }
    CHECK(groups == std::map<std::string, std::vector<uint64_t>>{{"ns/a#2", {1, 2}}, {"ns/b#3", {3, 4}}});
  }
  const std::string old_path = dir.File("old-meta.sqlite");
  {
    auto db = SqliteDb::Open(old_path, false);
    REQUIRE(db.ok());
    REQUIRE((*db)->Exec(R"sql(
      CREATE TABLE tables(name TEXT PRIMARY KEY, id INTEGER NOT NULL, schema BLOB NOT NULL,
        created_ms INTEGER NOT NULL, state INTEGER NOT NULL);
      CREATE TABLE partitions(table_id INTEGER NOT NULL, idx INTEGER NOT NULL, group_id INTEGER NOT NULL,
        hash_lo INTEGER NOT NULL, hash_hi INTEGER NOT NULL, members TEXT NOT NULL, PRIMARY KEY(table_id, idx));
      INSERT INTO tables VALUES('ns/t', 4, x'00', 1, 1);
      INSERT INTO partitions VALUES(4, 0, 40, 0, -1, '1,3,5');
    )sql").ok());
  }
  auto meta = MetaStore::Open(old_path, false);
  REQUIRE(meta.ok());
  CHECK(Int((*meta)->db(), "PRAGMA user_version") == kMetaVersion);
  auto all = (*meta)->LoadAll();
  REQUIRE(all.ok());
  REQUIRE(all->size() == 1);
  REQUIRE(all->front().partitions.size() == 1);
  CHECK(all->front().partitions[0].group == 40);
  CHECK(all->front().partitions[0].members == std::vector<paxos::NodeId>{1, 3, 5});
  CHECK(all->front().partitions[0].log_members.empty());
}

TEST_CASE("sqlite: a statement prepared on first use", "[unit]") {
  auto db = SqliteDb::Open(":memory:", false);
  REQUIRE(db.ok());
  REQUIRE((*db)->Exec("CREATE TABLE t(a INTEGER)").ok());
  Statement insert = (*db)->PrepareLater("INSERT INTO t(a) VALUES(?1)");
  Statement moved = std::move(insert);  // not prepared yet: the SQL moves with it
  for (int64_t i = 1; i <= 3; ++i) REQUIRE(moved.Reset().Bind(1, i).Run().ok());
  CHECK(Int(db->get(), "SELECT sum(a) FROM t") == 6);
  // A bad statement: binds do nothing, Reset does not crash, Step reports it,
  // every time.
  Statement bad = (*db)->PrepareLater("SELECT b FROM missing WHERE a=?1");
  for (int i = 0; i < 2; ++i) {
    auto row = bad.Reset().Bind(1, int64_t{1}).Step();
    REQUIRE(!row.ok());
    CHECK(row.status().message().find("no such table: missing") != std::string::npos);
    CHECK(bad.Int(0) == 0);
    CHECK(bad.IsNull(0));
  }
  // Step without Reset prepares too.
  Statement count = (*db)->PrepareLater("SELECT count(*) FROM t");
  auto row = count.Step();
  REQUIRE(row.ok());
  REQUIRE(*row);
  CHECK(count.Int(0) == 3);
}

// A file held in memory for a load (SqliteDb::OpenHeld): nothing at its
// path until MoveToDisk(), which writes it and gives it its journal on
// disk; a file that outgrows what is held goes to disk at that write, with
// every row; one closed while held leaves nothing.
TEST_CASE("store open: a held file is on disk only from MoveToDisk, or once it outgrows memory", "[unit]") {
  TempDir dir("ddb-store-open");
  auto fill = [](NodeStore& store, int first, int count, uint32_t size) {
    REQUIRE(store.Begin().ok());
    for (int i = first; i < first + count; ++i) Put(store, 7, static_cast<paxos::Lsn>(i + 1), "k" + std::to_string(i), size);
    REQUIRE(store.Commit().ok());
  };
  auto rows = [](const std::string& path, int count) {
    auto store = NodeStore::Open(path, false);
    REQUIRE(store.ok());
    CHECK_FALSE((*store)->created());
    CHECK(Text((*store)->db(), "PRAGMA journal_mode") == "persist");
    for (int i = 0; i < count; ++i) {
      auto item = (*store)->Get(7, Key{"k" + std::to_string(i), ""});
      REQUIRE(item.ok());
      CHECK(item->has_value());
    }
  };
  const std::string path = dir.File("held.sqlite");
  const std::string marker = dir.File("load-marker");
  // A new held file with replica 7.
  auto open_held = [&] {
    auto store = NodeStore::Open(path, false, marker);
    REQUIRE(store.ok());
    REQUIRE((*store)->CreateReplica(Row(7)).ok());
    return store.take();
  };
  SECTION("MoveToDisk writes it, after the marker") {
    {
      auto store = open_held();
      CHECK(store->created());
      CHECK(Text(store->db(), "PRAGMA journal_mode") == "memory");
      fill(*store, 0, 50, 100);
      CHECK_FALSE(std::filesystem::exists(path));
      CHECK_FALSE(std::filesystem::exists(path + "-journal"));
      CHECK_FALSE(std::filesystem::exists(marker));
      REQUIRE(store->MoveToDisk().ok());
      CHECK(std::filesystem::exists(path));
      CHECK(std::filesystem::exists(marker));
      CHECK(Text(store->db(), "PRAGMA journal_mode") == "persist");
      fill(*store, 50, 10, 100);  // on disk now, with a journal there
      CHECK(std::filesystem::exists(path + "-journal"));
      REQUIRE(store->MoveToDisk().ok());  // nothing left to do
    }
    rows(path, 60);
  }
  SECTION("a file that outgrows what is held is written at that write") {
    {
      auto store = open_held();
      fill(*store, 0, 10, 1000);
      CHECK_FALSE(std::filesystem::exists(path));
      fill(*store, 10, 300, 16000);  // 4.8 MB: past the 4 MB held
      CHECK(std::filesystem::exists(marker));
      CHECK(std::filesystem::exists(path));
      CHECK_FALSE(std::filesystem::exists(path + "-journal"));  // its journal is still in memory
      fill(*store, 310, 10, 1000);
      REQUIRE(store->MoveToDisk().ok());
      CHECK(Text(store->db(), "PRAGMA journal_mode") == "persist");
    }
    rows(path, 320);
  }
  SECTION("closed while held, it leaves nothing") {
    {
      auto store = open_held();
      fill(*store, 0, 20, 100);
    }
    CHECK_FALSE(std::filesystem::exists(path));
    CHECK_FALSE(std::filesystem::exists(marker));
  }
  SECTION("with -fsync, or for a file that exists, nothing is held") {
    {
      auto store = NodeStore::Open(path, true, marker);
      REQUIRE(store.ok());
      CHECK(std::filesystem::exists(path));
      CHECK(Text((*store)->db(), "PRAGMA journal_mode") == "wal");
    }
    auto store = NodeStore::Open(path, false, marker);
    REQUIRE(store.ok());
    CHECK_FALSE((*store)->created());
    CHECK(Text((*store)->db(), "PRAGMA journal_mode") == "persist");
  }
  SECTION("a file at its path by then is not overwritten") {
    auto store = NodeStore::Open(path, false, marker);
    REQUIRE(store.ok());
    std::ofstream(path) << "another file";
    CHECK_FALSE((*store)->MoveToDisk().ok());
    std::ifstream in(path);
    std::string text;
    std::getline(in, text);
    CHECK(text == "another file");
  }
}

}  // namespace
}  // namespace ddb::cluster
