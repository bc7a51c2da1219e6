// The journal write buffer: a SQLite VFS, installed as the default, that
// wraps the platform's VFS and gathers the writes a transaction makes to its
// journal (the rollback journal, or the -wal file with -fsync) into as few
// write() calls as the journal's layout allows, and makes none at all for
// the part of the journal that earlier transactions already wrote: it
// copies those bytes into a shared mapping of the file.
//
// Why: SQLite writes a rollback journal's page record as three write()
// calls (page number, page, checksum) and a WAL frame as two (header,
// page), so a group commit of N dirty pages was 2N or 3N system calls on
// the node thread; with the buffer a commit's journal goes out in one or
// two. With the WAL, make bench at 16 connections, A B A B
// against the binary without it: PutItem +7%, BatchWriteItem +19%.
// Database files and temporary files pass straight through.
//
// Why the mapping: a journal kept between transactions (journal_mode=
// PERSIST) is rewritten from its start by every commit, so after the first
// few commits all of it lies in pages the file already has. A write() of
// them still costs the kernel a page-cache lookup, a page lock and the copy
// per page, and a file time update per call; through the mapping it is the
// copy alone (plus a page fault when the kernel's writeback has cleaned a
// page). PutItem at 16 connections, nine rounds A B: pwrite()s per request
// 9.3 to 7.9, server CPU per request +3 to -27% (median -7%). Only the part
// of the file that this connection wrote since it opened the file, from its
// start with no hole, is written through the mapping: its blocks exist, so
// a copy can neither fault for want of disk space nor land past the file's
// end; the rest goes through write() (and the buffer) as before. The
// mapping is MAP_SHARED: what is copied into it is in the kernel's page
// cache at once, as after a write().
//
// The contract that keeps acknowledged writes safe, in both journal modes:
// - Every byte SQLite wrote to a journal is in the kernel (a write() done)
//   before the COMMIT that wrote it returns. SQLite tells the main database
//   file SQLITE_FCNTL_COMMIT_PHASETWO at the end of every commit, after the
//   journal is finished (WAL frames written; a rollback journal's header
//   zeroed, which is what commits it) and before sqlite3_step() returns;
//   the buffer is written then.
// - Every byte SQLite wrote to a journal is in the kernel before anything
//   is written to the database file, truncates it or syncs it: a rollback
//   journal must hold a page's old content before the page is overwritten
//   in place (at a commit, or when a large transaction spills its cache).
// A copy into the mapping is in the kernel as soon as it is done. Nothing
// is acknowledged before that step returns, so kill -9 loses only
// transactions nobody was told about, as without the buffer. Anything else
// that looks at the journal (a read, sync, truncate, size, file control,
// close) writes the buffer first, so SQLite itself never sees the
// difference (a WAL checkpoint reads frames back; -fsync syncs them).
//
// Only a connection that keeps its WAL index in its own memory may buffer a
// WAL: SqliteDb::Open sets locking_mode=EXCLUSIVE before the first read, and
// SQLite then never maps the shared-memory (-shm) index. A database whose
// file is asked for shared memory (another connection could read frames
// that are indexed but still buffered) stops buffering its journal for good.
//
// Not a cache: nothing is held across commits, and reads are never served
// from the buffer or the mapping (a read() sees the page cache, which the
// mapping writes into). The database files are not mapped: every page
// written through a mapping counts in the process's RSS, up to the whole
// file (measured, three rounds A B: 1 to 15% less CPU per PutItem, and
// 38 MB more RSS after 5 s of it).
//
// It also opens every journal (-journal, -wal) under NewFileMutex(), as
// SqliteDb::CreateFile makes a database file: see there.
//
// And it holds new database files in memory (HoldNextDatabase), for a
// load whose files may be lost if the process dies (SqliteDb::OpenHeld):
// such a file has no file on disk until WriteHeldDatabase() writes it out,
// or it grows past 4 MB; from then on it is a file like any other, on the
// same connection. Closed while held, it is gone. Why: a -seed start on a new -dbPath
// made six files before its first answer, and each new file cost more
// than its writes (an inode, the folder's lock); held, the seed's files
// are written after the first answer (main.cc).
//
// Thread safety: a file is used by one connection, which SQLite serializes;
// installing is done once (InstallJournalWriteBuffer is idempotent).
#pragma once

#include <mutex>
#include <string>
#include <string_view>

struct sqlite3;

namespace ddb::cluster {

// Held while a file may be created in a data folder: a database file
// written from its image (SqliteDb::CreateFile) or a journal opened (made
// at a connection's first write). One at a time, and the others sleep:
// on ext4, right after many files were deleted nearby, making a file can
// take a millisecond while it holds its folder's lock, and threads that
// wait for that lock in the kernel spin on a core meanwhile. The node
// threads of a -seed start make their files at the same time; side by
// side, alternating, medians of 30 and 40 starts, six runs in both
// orders: 0.18 to 0.72 ms shorter with this mutex, in every run.
std::mutex& NewFileMutex();

// Makes the buffering VFS SQLite's default. Call before the first
// sqlite3_open (SqliteDb::Open does).
void InstallJournalWriteBuffer();
struct HeldDatabase {
  std::string_view image;  // the file's first bytes (a database file's)
  // Made (empty, if it is not there) before the file is first written to
  // disk: the sign that a load's files may be on disk unfinished.
  std::string marker;
};
// The next main database file this thread opens through SQLite is held in
// memory, starting as a copy of held->image, and its path is not touched.
// `held` is read by that open, which must follow before this thread opens
// another.
void HoldNextDatabase(const HeldDatabase* held);
// Writes database `db`'s held file to its path, which must not exist (it
// is made there, after the marker), and serves the file from there on; a
// no-op for a file that is not held. On failure (a SQLite result code)
// the file is not on disk and stays held. On the thread that uses `db`.
int WriteHeldDatabase(sqlite3* db);
// Bytes written to journals through their mappings since the process
// started, for tests.
unsigned long long JournalBytesMapped();

}  // namespace ddb::cluster
