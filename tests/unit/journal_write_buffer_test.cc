// The journal write buffer (cluster/journal_write_buffer.h): what a process
// leaves on disk the moment a COMMIT returns holds that commit, and what it
// leaves in the middle of a transaction holds none of it, through group
// commits of many pages, transactions that spilled pages before their end
// (into the database file itself with a rollback journal), rollbacks, and
// with a WAL checkpoints and WAL restarts. "What it leaves" is a byte copy
// of the database and its journal taken while the connection is still open
// (no close, no checkpoint): what the kernel has, as after kill -9, whether
// the journal was written with write() or through its mapping.
#include <sqlite3.h>

#include <filesystem>
#include <string>

#include "cluster/journal_write_buffer.h"
#include "cluster/sqlite_db.h"

#undef CHECK
#include <catch2/catch.hpp>

#include "tests/unit/sqlite_text.h"
#include "tests/unit/temp_dir.h"

namespace ddb::cluster {
namespace {

namespace fs = std::filesystem;

using ddb::testing::TempDir;

// The rows of t in a copy of `path` (and its journal) as the kernel has
// them now; opening the copy plays a rollback journal back.
int64_t RowsAfterCrash(const TempDir& dir, const std::string& path, int copy) {
  const std::string crashed = dir.File("crashed" + std::to_string(copy) + ".sqlite");
  fs::copy_file(path, crashed);
  for (const char* journal : {"-journal", "-wal"}) {
    if (fs::exists(path + journal)) fs::copy_file(path + journal, crashed + journal);
  }
  auto db = SqliteDb::Open(crashed, false);
  REQUIRE(db.ok());
  auto rows = (*db)->QueryInt("SELECT count(*) FROM t");
  REQUIRE(rows.ok());
  auto check = (*db)->QueryInt("SELECT count(*) FROM t WHERE length(v) != 1000 OR v != zeroblob(1000)");
  REQUIRE(check.ok());
  CHECK(*check == 0);
  return *rows;
}

Status InsertRows(SqliteDb& db, int from, int count) {
  auto st = db.Prepare("INSERT INTO t(k, v) VALUES(?1, zeroblob(1000))");
  if (!st.ok()) return st.status();
  for (int i = from; i < from + count; ++i) {
    if (Status s = st->Reset().Bind(1, int64_t{i}).Run(); !s.ok()) return s;
  }
  return Status::Ok();
}

TEST_CASE("journal write buffer: SQLite's default VFS is the buffering one", "[unit]") {
  TempDir dir("ddb-journal-buffer");
  auto db = SqliteDb::Open(dir.File("any.sqlite"), false);  // installs it
  REQUIRE(db.ok());
  sqlite3_vfs* vfs = sqlite3_vfs_find(nullptr);
  REQUIRE(vfs != nullptr);
  CHECK(std::string(vfs->zName) == "ddb-journal-buffer");
}

// `fsync` picks the journal as SqliteDb::Open does: a rollback journal
// without it, a WAL with it.
void CheckCommitsSurvive(bool fsync) {
  TempDir dir("ddb-journal-buffer");
  const std::string path = dir.File("node.sqlite");
  auto opened = SqliteDb::Open(path, fsync);
  REQUIRE(opened.ok());
  SqliteDb& db = **opened;
  CHECK(ddb::testing::Text(&db, "PRAGMA journal_mode") == (fsync ? "wal" : "persist"));
  // A small page cache, so that a big transaction spills pages before its
  // COMMIT: into the WAL, or into the database file over pages whose old
  // content the rollback journal must already hold.
  REQUIRE(db.Exec("PRAGMA cache_size=8; CREATE TABLE t(k INTEGER PRIMARY KEY, v BLOB NOT NULL)").ok());
  int copies = 0;
  int64_t committed = 0;
  // One transaction of `rows` new rows.
  auto commit_rows = [&](int rows) {
    REQUIRE(db.Begin().ok());
    REQUIRE(InsertRows(db, static_cast<int>(committed), rows).ok());
    REQUIRE(db.Commit().ok());
    committed += rows;
  };

  // Group commits of many pages each (a 1000-byte row: ~4 per page).
  for (int round = 0; round < 5; ++round) {
    commit_rows(200);
    CHECK(RowsAfterCrash(dir, path, copies++) == committed);
  }
  // A transaction that spilled and changed pages already committed (rows
  // replaced in place), then rolled back: before and after its end, none
  // of it is there.
  REQUIRE(db.Begin().ok());
  REQUIRE(InsertRows(db, 100000, 400).ok());
  REQUIRE(db.Exec("UPDATE t SET v = randomblob(1000) WHERE k < 600").ok());
  CHECK(RowsAfterCrash(dir, path, copies++) == committed);
  // Two pages more at a time: whenever the last pages spilled are ones
  // whose old content was journaled just before, a copy taken then shows
  // whether that content reached the kernel before the page was
  // overwritten.
  for (int i = 0; i < 24; ++i) {
    const std::string first = std::to_string(600 + 8 * i);
    REQUIRE(db.Exec("UPDATE t SET v = randomblob(1000) WHERE k BETWEEN " + first + " AND " + first + " + 7").ok());
    CHECK(RowsAfterCrash(dir, path, copies++) == committed);
  }
  REQUIRE(db.Rollback().ok());
  CHECK(RowsAfterCrash(dir, path, copies++) == committed);
  // Commits after it overwrite that journal; single-row commits too.
  for (int i = 0; i < 30; ++i) {
    REQUIRE(InsertRows(db, static_cast<int>(committed), 1).ok());
    committed += 1;
  }
  CHECK(RowsAfterCrash(dir, path, copies++) == committed);
  // Enough commits for automatic checkpoints (every 100 WAL pages, set by
  // SqliteDb::Open) and WAL restarts from its first frame.
  for (int round = 0; round < 10; ++round) commit_rows(150);
  CHECK(RowsAfterCrash(dir, path, copies++) == committed);
  // A transaction that changes over 4 MB of committed pages: a rollback
  // journal outgrows its first mapping (4 MB, journal_write_buffer.cc) and
  // is mapped again. In the middle a copy shows none of it; after the
  // rollback none of it either; the same change again, committed, then
  // rewrites the journal through the new mapping.
  commit_rows(5000);
  REQUIRE(db.Begin().ok());
  REQUIRE(db.Exec("UPDATE t SET v = randomblob(1000)").ok());
  CHECK(RowsAfterCrash(dir, path, copies++) == committed);
  REQUIRE(db.Rollback().ok());
  CHECK(RowsAfterCrash(dir, path, copies++) == committed);
  REQUIRE(db.Exec("UPDATE t SET v = zeroblob(1000)").ok());
  CHECK(RowsAfterCrash(dir, path, copies++) == committed);
  auto rows = db.QueryInt("SELECT count(*) FROM t");
  REQUIRE(rows.ok());
  CHECK(*rows == committed);
}

TEST_CASE("journal write buffer: every returned COMMIT is on disk, and no unfinished one (rollback journal)", "[unit]") {
  CheckCommitsSurvive(/*fsync=*/false);
}

TEST_CASE("journal write buffer: every returned COMMIT is on disk, and no unfinished one (WAL, -fsync)", "[unit]") {
  CheckCommitsSurvive(/*fsync=*/true);
}

TEST_CASE("journal write buffer: a database shared through -shm writes its WAL straight through", "[unit]") {
  TempDir dir("ddb-journal-buffer");
  const std::string path = dir.File("shared.sqlite");
  // Two connections in normal locking mode, as SqliteDb::Open never makes:
  // the reader sees every commit of the writer.
  sqlite3* writer = nullptr;
  sqlite3* reader = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &writer) == SQLITE_OK);
  REQUIRE(sqlite3_exec(writer, "PRAGMA journal_mode=WAL; CREATE TABLE t(k INTEGER PRIMARY KEY, v BLOB)",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_open(path.c_str(), &reader) == SQLITE_OK);
  for (int i = 0; i < 20; ++i) {
    const std::string insert = "INSERT INTO t(k, v) VALUES(" + std::to_string(i) + ", zeroblob(1000))";
    REQUIRE(sqlite3_exec(writer, insert.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_stmt* count = nullptr;
    REQUIRE(sqlite3_prepare_v2(reader, "SELECT count(*) FROM t", -1, &count, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(count) == SQLITE_ROW);
    CHECK(sqlite3_column_int(count, 0) == i + 1);
    sqlite3_finalize(count);
  }
  sqlite3_close(reader);
  sqlite3_close(writer);
}

TEST_CASE("journal write buffer: a journal's rewrites go through its mapping", "[unit]") {
  TempDir dir("ddb-journal-buffer");
  auto opened = SqliteDb::Open(dir.File("mapped.sqlite"), false);
  REQUIRE(opened.ok());
  SqliteDb& db = **opened;
  REQUIRE(db.Exec("CREATE TABLE t(k INTEGER PRIMARY KEY, v BLOB NOT NULL)").ok());
  REQUIRE(InsertRows(db, 0, 50).ok());
  const unsigned long long before = JournalBytesMapped();
  REQUIRE(InsertRows(db, 50, 50).ok());
  CHECK(JournalBytesMapped() - before >= 50 * 4096);
}

}  // namespace
}  // namespace ddb::cluster
