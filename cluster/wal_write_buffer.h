// The WAL write buffer: a SQLite VFS, installed as the default, that wraps
// the platform's VFS and gathers the writes a transaction makes to its
// -wal file into one write() at the end of the commit.
//
// Why: SQLite writes each WAL frame as two write() calls (the 24-byte frame
// header, then the page), so a group commit of N dirty pages was 2N system
// calls on the node thread; with the buffer it is one (a PutItem at 16
// connections went from 26 pwrite() calls to 8, checkpoints included).
// make bench at 16 connections, A B A B against the binary without it:
// PutItem +7%, BatchWriteItem +19%. Database files, journals and temporary files pass
// straight through.
//
// The contract that keeps acknowledged writes safe: every byte SQLite wrote
// to a -wal file is in the kernel (a write() done) before the COMMIT that
// wrote it returns. SQLite tells the main database file
// SQLITE_FCNTL_COMMIT_PHASETWO at the end of every commit, after the WAL
// frames and before sqlite3_step() returns; the buffer is written then.
// Nothing is acknowledged before that step returns, so kill -9 loses only
// transactions nobody was told about, as without the buffer. Anything else
// that looks at the -wal file (a read, sync, truncate, size, file control,
// close) writes the buffer first, so SQLite itself never sees the
// difference (a checkpoint reads frames back; -fsync syncs them).
//
// Only a connection that keeps its WAL index in its own memory may buffer:
// SqliteDb::Open sets locking_mode=EXCLUSIVE before the first read, and
// SQLite then never maps the shared-memory (-shm) index. A database whose
// file is asked for shared memory (another connection could read frames
// that are indexed but still buffered) stops buffering its WAL for good.
//
// Not a cache: nothing is held across commits, and reads are never served
// from the buffer.
//
// Thread safety: a file is used by one connection, which SQLite serializes;
// installing is done once (InstallWalWriteBuffer is idempotent).
#pragma once

namespace ddb::cluster {

// Makes the buffering VFS SQLite's default. Call before the first
// sqlite3_open (SqliteDb::Open does).
void InstallWalWriteBuffer();

}  // namespace ddb::cluster
