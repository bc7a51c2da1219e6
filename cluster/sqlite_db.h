// SqliteDb and Statement: a thin RAII layer over the SQLite C API, returning
// Status instead of result codes. Statements are prepared once and reused
// (reset and rebound per use); PrepareLater() defers the preparing to the
// first Reset() or Step(), so that opening a file does not pay for
// statements a run may never use.
//
// Not a general ORM: only what cluster/ needs. Blobs and text are bound as
// std::string_view and must outlive the step that uses them.
//
// Thread safety: a SqliteDb and its Statements belong to one thread at a time
// (SQLite is opened with SQLITE_OPEN_NOMUTEX).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace ddb::cluster {

struct HeldDatabase;  // journal_write_buffer.h

class Statement {
 public:
  Statement() = default;
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement(Statement&& o) noexcept : stmt_(o.stmt_), db_(o.db_), sql_(o.sql_) {
    o.stmt_ = nullptr;
    o.sql_ = nullptr;
  }
  Statement& operator=(Statement&& o) noexcept;

  // Resets the statement and clears its bindings; call before each use. A
  // statement from PrepareLater() is prepared here the first time (if that
  // fails, the binds do nothing and Step() returns the error).
  Statement& Reset();
  Statement& Bind(int index, int64_t v);
  Statement& Bind(int index, std::string_view blob);  // bound as a BLOB
  Statement& BindText(int index, std::string_view text);
  Statement& BindNull(int index);

  // One step. Returns true when a row is available, false when done.
  Result<bool> Step();
  // Steps to completion, for statements that return no rows.
  Status Run();

  int64_t Int(int col) const;
  std::string Blob(int col) const;
  std::string_view BlobView(int col) const;  // valid until the next Step/Reset
  bool IsNull(int col) const;

 private:
  friend class SqliteDb;
  explicit Statement(sqlite3_stmt* s) : stmt_(s) {}
  Statement(sqlite3* db, const char* sql) : db_(db), sql_(sql) {}
  Status PrepareNow();  // a PrepareLater() statement's first use
  sqlite3_stmt* stmt_ = nullptr;
  sqlite3* db_ = nullptr;       // with sql_: not prepared yet
  const char* sql_ = nullptr;   // static; nullptr once prepared
};

class SqliteDb {
 public:
  // path ":memory:" opens a private in-memory database.
  static Result<std::unique_ptr<SqliteDb>> Open(const std::string& path, bool fsync) {
    return OpenFile(path, fsync, nullptr);
  }
  // A new file PATH (it must not exist), made from `image`, for a load
  // whose files are removed if the process dies before it finishes
  // (ClusterOptions::load_in_memory): it is held in memory
  // (journal_write_buffer.h) and its rollback journal too
  // (journal_mode=MEMORY), until MoveToDisk(). Written out early if it
  // grows past 4 MB; a process killed in a commit can then leave it torn.
  // The file `marker` is made before it is first written to disk. Not
  // with -fsync.
  static Result<std::unique_ptr<SqliteDb>> OpenHeld(const std::string& path, std::string_view image,
                                                    const std::string& marker);
  // Writes a file from OpenHeld() to its path, if it is not there yet, and
  // gives it its journal on disk, as Open gives every other file
  // (journal_mode=PERSIST); a no-op for any other file. No transaction may
  // be open.
  Status MoveToDisk();
  ~SqliteDb();

  Status Exec(const std::string& sql);
  Result<Statement> Prepare(const std::string& sql);
  // A statement prepared on its first use (Statement::Reset); `sql` must
  // outlive it (a string literal). It must not outlive this database.
  Statement PrepareLater(const char* sql) { return Statement(db_, sql); }
  // The first column of the first row of `sql` (0 when there is no row),
  // e.g. "PRAGMA user_version".
  Result<int64_t> QueryInt(const std::string& sql);
  // Transactions, through statements prepared once (every group commit
  // runs them: preparing them each time cost a tenth of a node's work).
  Status Begin() { return begin_.Reset().Run(); }
  Status Commit() { return commit_.Reset().Run(); }
  Status Rollback() { return rollback_.Reset().Run(); }
  int64_t Changes() const;
  // Replaces the whole content of `dest` with this database's, page by page
  // (SQLite's online backup API). Neither may be in a transaction; `dest`
  // keeps its journal mode.
  Status CopyTo(SqliteDb* dest);
  // Replaces an in-memory database's content with `image` (a database
  // file's bytes, e.g. schema_images.h's), copied, as a rollback-journal
  // database: no statement may be running.
  Status LoadImage(std::string_view image);
  // Writes `image` to PATH.new and renames it to PATH, so that PATH is never
  // a partial file, after removing any journal an earlier PATH left. With
  // `fsync`, the file is a WAL-mode one (the journal Open then gives it),
  // and the file and then its directory are synced.
  static Status CreateFile(const std::string& path, std::string_view image, bool fsync);
  // The error for a file or folder that another process holds (SQLite's
  // lock on a database, the lock on a data folder).
  static Status InUse(const std::string& path);
  // Defines the SQL function name(recorded, result) on this connection: it
  // stores `recorded` (an integer) in *slot and returns `result`. An UPSERT
  // reads the replaced row's old column through it (DO UPDATE SET
  // size=name(size, excluded.size)), in the same statement. *slot must
  // outlive this database.
  Status DefineRecorder(const char* name, int64_t* slot);
  // Adds a column to an existing table unless it has it (files written by an
  // older version); `definition` is "name TYPE ...".
  Status AddColumnIfMissing(const std::string& table, const std::string& definition);

 private:
  // `held`: OpenHeld's file, or null.
  static Result<std::unique_ptr<SqliteDb>> OpenFile(const std::string& path, bool fsync,
                                                    const HeldDatabase* held);
  explicit SqliteDb(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  Statement begin_, commit_, rollback_;
  bool held_ = false;  // opened by OpenHeld(), MoveToDisk() not run
};

}  // namespace ddb::cluster
