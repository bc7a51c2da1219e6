// The page cache wrapper (cluster/page_cache.h): commits after B-tree page
// splits no longer send pcache1 a truncate with nothing to drop, while a
// rollback that grew the file still drops its pages, and what the
// database holds is unchanged by any of it.
#include <sqlite3.h>

#include <filesystem>
#include <random>
#include <string>

#include "cluster/page_cache.h"
#include "cluster/sqlite_db.h"

#undef CHECK
#include <catch2/catch.hpp>

#include "tests/unit/temp_dir.h"

namespace ddb::cluster {
namespace {

namespace fs = std::filesystem;

using ddb::testing::TempDir;

// One transaction of `count` rows with random keys: page splits all over
// the index, most of them reordering their new pages.
void InsertRandom(SqliteDb& db, std::mt19937_64& rng, int count) {
  REQUIRE(db.Exec("BEGIN").ok());
  auto st = db.Prepare("INSERT INTO t(k, v) VALUES(?1, randomblob(300))");
  REQUIRE(st.ok());
  for (int i = 0; i < count; ++i) {
    REQUIRE(st->Reset().Bind(1, static_cast<int64_t>(rng() >> 1)).Run().ok());
  }
}

TEST_CASE("page cache: commits after page splits skip pcache1's truncate; rollbacks still drop pages",
          "[unit]") {
  TempDir dir("ddb-page-cache");
  auto opened = SqliteDb::Open(dir.File("splits.sqlite"), false);  // installs the wrapper
  REQUIRE(opened.ok());
  SqliteDb& db = **opened;
  REQUIRE(db.Exec("CREATE TABLE t(k INTEGER PRIMARY KEY, v BLOB) WITHOUT ROWID").ok());
  std::mt19937_64 rng(7);

  const unsigned long before = PageCacheTruncatesPassedOn();
  for (int txn = 0; txn < 200; ++txn) {
    InsertRandom(db, rng, 20);
    REQUIRE(db.Exec("COMMIT").ok());
  }
  // Without the wrapper every commit after a reordering split passes one on
  // (pcache1 then walks its whole hash table); with it, none does.
  CHECK(PageCacheTruncatesPassedOn() - before == 0);
  auto rows = db.QueryInt("SELECT count(*) FROM t");
  REQUIRE(rows.ok());
  CHECK(*rows == 4000);

  // A rolled-back transaction that grew the file: its new pages are above
  // the database's size again and must leave the cache.
  const auto pages = db.QueryInt("PRAGMA page_count");
  REQUIRE(pages.ok());
  InsertRandom(db, rng, 2000);
  REQUIRE(db.Exec("ROLLBACK").ok());
  CHECK(PageCacheTruncatesPassedOn() - before >= 1);
  auto after = db.QueryInt("PRAGMA page_count");
  REQUIRE(after.ok());
  CHECK(*after == *pages);
  rows = db.QueryInt("SELECT count(*) FROM t");
  REQUIRE(rows.ok());
  CHECK(*rows == 4000);
  // The pages the rollback dropped are read back correctly when the file
  // grows again, and the B-tree is whole.
  InsertRandom(db, rng, 2000);
  REQUIRE(db.Exec("COMMIT").ok());
  rows = db.QueryInt("SELECT count(*) FROM t");
  REQUIRE(rows.ok());
  CHECK(*rows == 6000);
  auto check = db.QueryInt("SELECT count(*) FROM pragma_integrity_check WHERE integrity_check != 'ok'");
  REQUIRE(check.ok());
  CHECK(*check == 0);
}

}  // namespace
}  // namespace ddb::cluster
