// SqliteDb and Statement: the SQLite C API behind Status values.
#include "cluster/sqlite_db.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>

#include "cluster/page_cache.h"
#include "cluster/journal_write_buffer.h"

namespace ddb::cluster {

namespace {
Status SqlError(sqlite3* db, const std::string& what) {
  return Status::IoError(what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}
}  // namespace

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::operator=(Statement&& o) noexcept {
  if (this != &o) {
    sqlite3_finalize(stmt_);
    stmt_ = o.stmt_;
    db_ = o.db_;
    sql_ = o.sql_;
    o.stmt_ = nullptr;
    o.sql_ = nullptr;
  }
  return *this;
}

Status Statement::PrepareNow() {
  if (sqlite3_prepare_v3(db_, sql_, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) != SQLITE_OK) {
    sqlite3_finalize(stmt_);
    stmt_ = nullptr;
    return SqlError(db_, "prepare");
  }
  sql_ = nullptr;
  return Status::Ok();
}

Statement& Statement::Reset() {
  if (stmt_ == nullptr && sql_ != nullptr) (void)PrepareNow();  // Step() reports a failure
  if (stmt_ == nullptr) return *this;  // the binds are no-ops on a null statement; Step() fails
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  return *this;
}

Statement& Statement::Bind(int index, int64_t v) {
  sqlite3_bind_int64(stmt_, index, v);
  return *this;
}

Statement& Statement::Bind(int index, std::string_view blob) {
  // A zero-length blob must still bind as a BLOB, not NULL.
  static const char kEmpty = 0;
  sqlite3_bind_blob(stmt_, index, blob.empty() ? &kEmpty : blob.data(),
                    static_cast<int>(blob.size()), SQLITE_STATIC);
  return *this;
}

Statement& Statement::BindText(int index, std::string_view text) {
  sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
  return *this;
}

Statement& Statement::BindNull(int index) {
  sqlite3_bind_null(stmt_, index);
  return *this;
}

Result<bool> Statement::Step() {
  if (stmt_ == nullptr && sql_ != nullptr) RETURN_IF_ERROR(PrepareNow());
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return SqlError(sqlite3_db_handle(stmt_), "sqlite step");
}

Status Statement::Run() {
  for (;;) {
    Result<bool> r = Step();
    if (!r.ok()) return r.status();
    if (!*r) return Status::Ok();
  }
}

int64_t Statement::Int(int col) const { return sqlite3_column_int64(stmt_, col); }

std::string Statement::Blob(int col) const { return std::string(BlobView(col)); }

std::string_view Statement::BlobView(int col) const {
  const void* p = sqlite3_column_blob(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  if (p == nullptr || n <= 0) return {};
  return std::string_view(static_cast<const char*>(p), static_cast<size_t>(n));
}

bool Statement::IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

// Process-wide settings, before SQLite's first use: no bulk page-cache
// allocation per connection (SQLite otherwise allocates 20 pages, ~90 KB, for
// each of the seven connections at its first read; pages then come one at a
// time as a connection needs them). A no-op if SQLite was already in use.
namespace {
void ConfigureOnce() {
  static std::once_flag once;
  std::call_once(once, [] {
    (void)sqlite3_config(SQLITE_CONFIG_PAGECACHE, nullptr, 0, 0);
    // No memory statistics: with them every SQLite allocation takes one
    // process-wide mutex, which the six node threads fought over.
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    // No scan of the whole page cache at every commit (page_cache.h);
    // before anything initializes SQLite (finding a VFS does).
    InstallPageCache();
    // Each commit's journal in one or two write()s (journal_write_buffer.h).
    InstallJournalWriteBuffer();
  });
}
}  // namespace

Result<std::unique_ptr<SqliteDb>> SqliteDb::OpenHeld(const std::string& path, std::string_view image,
                                                    const std::string& marker) {
  const HeldDatabase held{image, marker};
  return OpenFile(path, false, &held);
}

Result<std::unique_ptr<SqliteDb>> SqliteDb::OpenFile(const std::string& path, bool fsync, const HeldDatabase* held) {
  ConfigureOnce();
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  if (held != nullptr) HoldNextDatabase(held);
  const int opened = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  HoldNextDatabase(nullptr);  // taken by the open, unless it failed first
  if (opened != SQLITE_OK) {
    Status s = SqlError(db, "cannot open " + path);
    sqlite3_close(db);
    return s;
  }
  std::unique_ptr<SqliteDb> out(new SqliteDb(db));
  // Exclusive locking mode, set before anything reads the file (PRAGMA
  // synchronous reads the schema): the process holds one connection per
  // file, so a read transaction takes no file lock, and a WAL's index (with
  // -fsync) lives in this connection's memory rather than in a shared -shm
  // file (make bench at 16 connections, with the WAL: GetItem +4%, PutItem
  // +3%). The first read, before journal_mode is set (setting it first
  // opens a WAL-mode file with a -shm file after all), takes the file lock,
  // held until the connection closes: a second process cannot use the same
  // files (it gives up after the busy timeout).
  std::string pragmas = "PRAGMA busy_timeout=1000; PRAGMA locking_mode=EXCLUSIVE; SELECT count(*) FROM sqlite_master;";
  // Without -fsync, a rollback journal kept between transactions
  // (journal_mode=PERSIST): a commit writes the old content of the pages it
  // changes to the -journal file, its pages in place into the database,
  // then zeroes the journal's header, which is the commit. All of it is in
  // the kernel before the COMMIT returns (journal_write_buffer.h), which
  // survives kill -9 of the process; nothing is synced: the promise is
  // survival of the process, not of the host. Each changed page is copied
  // twice by the kernel (journal, database), where the WAL copied it three
  // times (the frame, then the checkpoint read it back and wrote it into
  // the database) and checksummed every word of it. Side by side with the
  // WAL, three rounds A B at 16 connections, server CPU per request:
  // BatchWriteItem -2, -15 and -18% (requests/s +2 to +21%), PutItem 0 to
  // -6%, GetItem +2 to -18% (a page read looks up no WAL index).
  // With -fsync, WAL mode with synchronous=FULL: one fsync per commit,
  // where a rollback journal needs three (journal, database, header).
  // synchronous before journal_mode: switching a new file to WAL mode
  // under the default (FULL) cost four fdatasyncs per file, most of the
  // start-up time.
  if (fsync) {
    pragmas += "PRAGMA synchronous=FULL; PRAGMA journal_mode=WAL;";
    // Checkpoint every 100 WAL pages rather than SQLite's 1000: the group
    // commit that runs a checkpoint copies a tenth as much, which keeps
    // write latency even (make bench, PutItem at 16 connections: p99/p50
    // 2.7 against 3.1, the same throughput, ~3% more CPU).
    pragmas += "PRAGMA wal_autocheckpoint=100;";
  } else {
    // The journal keeps its size between transactions (its header zeroed),
    // up to 4 MB: a larger one (a snapshot restore's) is cut back after
    // its commit.
    out->held_ = held != nullptr;
    pragmas += out->held_
                   ? "PRAGMA synchronous=OFF; PRAGMA journal_mode=MEMORY; PRAGMA journal_size_limit=4194304;"
                   : "PRAGMA synchronous=OFF; PRAGMA journal_mode=PERSIST; PRAGMA journal_size_limit=4194304;";
  }
  // A 16 MB page cache per file rather than SQLite's 2 MB: a write's B-tree
  // descent then finds its pages in memory instead of reading them back
  // from the OS (12% of BatchWriteItem's CPU at 16 connections; with
  // page_cache.h, BatchWriteItem +5 to 8%). It fills only as pages are used.
  pragmas += "PRAGMA cache_size=-16384;";
  // Debian builds SQLite with SECURE_DELETE on: every delete writes zeros
  // over what it frees, freed pages included, so trimming the WAL table
  // wrote its whole freed size back through the WAL (GetItem's p99 at 16
  // connections, right after a BatchWriteItem run whose records the
  // archiver then trimmed: 3.7 ms with it, 1.3 ms without). Nothing here is
  // secret, and deleted bytes are unreachable either way.
  pragmas += "PRAGMA secure_delete=OFF;";
  if (path == ":memory:") pragmas = "PRAGMA journal_mode=MEMORY; PRAGMA synchronous=OFF;";
  Status set = out->Exec(pragmas);
  if (!set.ok() && sqlite3_errcode(db) == SQLITE_BUSY) {
    return InUse(path);
  }
  RETURN_IF_ERROR(set);
  out->begin_ = out->PrepareLater("BEGIN IMMEDIATE");
  out->commit_ = out->PrepareLater("COMMIT");
  out->rollback_ = out->PrepareLater("ROLLBACK");
  return out;
}

Status SqliteDb::InUse(const std::string& path) {
  return Status::IoError("cannot open " + path + ": it is in use by another process (another ddb-local on this -dbPath?)");
}

Status SqliteDb::MoveToDisk() {
  if (!held_) return Status::Ok();
  if (const int rc = WriteHeldDatabase(db_); rc != SQLITE_OK) {
    return Status::IoError(std::string("cannot write ") + sqlite3_db_filename(db_, "main") + ": " + sqlite3_errstr(rc));
  }
  // The pragma answers with the mode in force: the old one if it could not
  // change it.
  auto st = Prepare("PRAGMA journal_mode=PERSIST");
  if (!st.ok()) return st.status();
  auto row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row || st->BlobView(0) != "persist") return Status::IoError("sqlite: the journal could not be moved to disk");
  held_ = false;
  return Status::Ok();
}

// close_v2: the connection closes once the member statements are finalized.
SqliteDb::~SqliteDb() { sqlite3_close_v2(db_); }

Status SqliteDb::Exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string m = err ? err : "unknown error";
    sqlite3_free(err);
    return Status::IoError("sqlite: " + m);
  }
  return Status::Ok();
}

Result<Statement> SqliteDb::Prepare(const std::string& sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) != SQLITE_OK) {
    return SqlError(db_, "prepare");
  }
  return Statement(s);
}

Result<int64_t> SqliteDb::QueryInt(const std::string& sql) {
  auto st = Prepare(sql);
  if (!st.ok()) return st.status();
  auto row = st->Step();
  if (!row.ok()) return row.status();
  return *row ? st->Int(0) : 0;
}

int64_t SqliteDb::Changes() const { return sqlite3_changes64(db_); }

Status SqliteDb::DefineRecorder(const char* name, int64_t* slot) {
  auto record = [](sqlite3_context* ctx, int, sqlite3_value** args) {
    *static_cast<int64_t*>(sqlite3_user_data(ctx)) = sqlite3_value_int64(args[0]);
    sqlite3_result_value(ctx, args[1]);
  };
  // Not SQLITE_DETERMINISTIC: its effect is the point, it must run every time.
  int rc = sqlite3_create_function_v2(db_, name, 2, SQLITE_UTF8 | SQLITE_DIRECTONLY, slot, record, nullptr, nullptr,
                                      nullptr);
  if (rc != SQLITE_OK) return Status::IoError(std::string("sqlite: ") + sqlite3_errmsg(db_));
  return Status::Ok();
}

Status SqliteDb::CopyTo(SqliteDb* dest) {
  sqlite3_backup* b = sqlite3_backup_init(dest->db_, "main", db_, "main");
  if (b == nullptr) return SqlError(dest->db_, "sqlite backup");
  int rc = sqlite3_backup_step(b, -1);
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) return SqlError(dest->db_, "sqlite backup step");
  return Status::Ok();
}

Status SqliteDb::LoadImage(std::string_view image) {
  if (image.size() < 100) return Status::InvalidArgument("sqlite image: no database header");
  auto* bytes = static_cast<unsigned char*>(sqlite3_malloc64(image.size()));
  if (bytes == nullptr) return Status::IoError("sqlite image: out of memory");
  std::memcpy(bytes, image.data(), image.size());
  const auto size = static_cast<sqlite3_int64>(image.size());
  // FREEONCLOSE: SQLite owns `bytes` from here on, on failure too.
  if (sqlite3_deserialize(db_, "main", bytes, size, size,
                          SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_RESIZEABLE) != SQLITE_OK) {
    return SqlError(db_, "sqlite deserialize");
  }
  return Exec("PRAGMA journal_mode=MEMORY");
}

Status SqliteDb::CreateFile(const std::string& path, std::string_view image, bool fsync) {
  if (image.size() < 100) return Status::InvalidArgument("sqlite image: no database header");
  const std::string temp = path + ".new";
  int fd = -1;
  int error = 0;  // errno, taken before the mutex is let go
  {
    // What changes the folder, one file at a time (journal_write_buffer.h);
    // the writes and syncs are not held up.
    std::lock_guard<std::mutex> lock(NewFileMutex());
    // A journal left by an earlier file of this name would be played back
    // into the new one (a hot rollback journal) or its frames read (a WAL).
    // Looked for first: a lookup shares the folder, an unlink (even of a
    // name that is not there) locks it.
    for (const char* suffix : {"-journal", "-wal"}) {
      const std::string left = path + suffix;
      if (::access(left.c_str(), F_OK) == 0) (void)::unlink(left.c_str());
    }
    fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) error = errno;
  }
  if (fd < 0) return Status::IoError("cannot create " + temp + ": " + std::strerror(error));
  // The images are rollback-journal files; with -fsync the file is a
  // WAL-mode one from its first byte (header bytes 18 and 19, the file
  // format's write and read versions), which SqliteDb::Open then finds as
  // it sets it, with no switch.
  std::string header(image.substr(0, 100));
  if (fsync) header[18] = header[19] = 2;
  for (std::string_view part : {std::string_view(header), image.substr(100)}) {
    size_t done = 0;
    while (done < part.size()) {
      const ssize_t n = ::write(fd, part.data() + done, part.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        const std::string why = n < 0 ? std::strerror(errno) : "short write";
        ::close(fd);
        return Status::IoError("cannot write " + temp + ": " + why);
      }
      done += static_cast<size_t>(n);
    }
  }
  if (fsync && ::fsync(fd) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    return Status::IoError("cannot sync " + temp + ": " + why);
  }
  ::close(fd);
  {
    std::lock_guard<std::mutex> lock(NewFileMutex());
    if (std::rename(temp.c_str(), path.c_str()) != 0) error = errno;
  }
  if (error != 0) return Status::IoError("cannot rename " + temp + ": " + std::strerror(error));
  if (!fsync) return Status::Ok();
  // The rename is an entry in the directory: with -fsync it is synced too,
  // or a power cut could leave the file without its name.
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return Status::IoError("cannot open " + dir + ": " + std::strerror(errno));
  const bool synced = ::fsync(dir_fd) == 0;
  const std::string why = synced ? "" : std::strerror(errno);
  ::close(dir_fd);
  if (!synced) return Status::IoError("cannot sync " + dir + ": " + why);
  return Status::Ok();
}

Status SqliteDb::AddColumnIfMissing(const std::string& table, const std::string& definition) {
  const std::string column = definition.substr(0, definition.find(' '));
  auto info = Prepare("SELECT 1 FROM pragma_table_info('" + table + "') WHERE name=?1");
  if (!info.ok()) return info.status();
  info->BindText(1, column);
  auto has = info->Step();
  if (!has.ok()) return has.status();
  if (*has) return Status::Ok();
  info->Reset();
  return Exec("ALTER TABLE " + table + " ADD COLUMN " + definition);
}

}  // namespace ddb::cluster
