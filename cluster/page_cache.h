// The page cache: SQLite's own page cache (pcache1), wrapped so that a
// commit does not scan the whole cache for nothing.
//
// Why: when a B-tree page split reorders the new sibling pages, SQLite's
// balance_nonroot() moves a page through a temporary page number, the
// locking page (page 262145 with 4 KB pages), and back. pcache1 takes the
// largest page number it ever saw as the bound of what a later truncate
// must drop, so after any such split the truncate that ends every commit
// (to the database's size) walked every slot of the cache's hash table
// looking for pages above the size that were never there. With SQLite's
// default 2 MB cache that walk was 1-1.5% of a PutItem's CPU; with a
// larger cache it grew with the cache (6% at 64 MB) and ate what the
// larger cache saved in page reads.
//
// The wrapper keeps its own bound: the largest page number that a fetch
// returned or that a page was moved to, except the locking page, which
// SQLite never reads or writes (a page parked there while a split swaps
// two pages is counted, so a truncate at that moment still reaches it).
// A truncate whose limit is above that bound has nothing to drop and is
// skipped; every other call goes to pcache1 unchanged.
//
// Thread safety: SQLite calls a cache from one connection at a time;
// installing is done once (InstallPageCache is idempotent).
#pragma once

namespace ddb::cluster {

// Makes the wrapper SQLite's page cache. Call before SQLite initializes
// (SqliteDb::Open does, before its first sqlite3_open).
void InstallPageCache();
// How many truncates went on to pcache1 (the others were skipped), for tests.
unsigned long PageCacheTruncatesPassedOn();

}  // namespace ddb::cluster
