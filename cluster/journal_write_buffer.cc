// The journal write buffer (journal_write_buffer.h): a VFS shim over the
// platform's VFS. Each open file is a File whose platform file is stored
// right after it; every method forwards to that file. A journal (-journal or
// -wal) of a database opened through this VFS appends contiguous writes to
// `pending` and writes them out at the database's COMMIT_PHASETWO, before
// anything is written to the database file, or before anything else touches
// the journal.
#include "cluster/journal_write_buffer.h"

#include <sqlite3.h>

#include <mutex>
#include <string>

namespace ddb::cluster {
namespace {

// Bytes a journal may hold back. SQLite's unix VFS writes at most 0x1ffff bytes
// per call (a longer write fails as "disk full"); a commit that dirties more
// goes out in several writes.
constexpr size_t kPendingBytesMax = 64 * 1024;

struct File {
  sqlite3_file base;    // first: what SQLite holds
  sqlite3_file* real;   // the platform VFS's file, stored after this struct
  File* journal;        // a database file: its open journal, while that buffers
  File* main;           // a journal that buffers: its database file
  std::string* pending; // a journal that buffers: bytes not yet written
  sqlite3_int64 pending_at;
  bool shared;          // a database file asked for shared memory: its journal never buffers
};

// Where the platform file starts inside SQLite's allocation of szOsFile bytes.
constexpr size_t kRealOffset = (sizeof(File) + 15) / 16 * 16;

sqlite3_vfs* g_base = nullptr;  // the platform VFS
sqlite3_vfs g_vfs;

File* AsFile(sqlite3_file* f) { return reinterpret_cast<File*>(f); }
const sqlite3_io_methods* Real(File* f) { return f->real->pMethods; }

// Writes out what a journal holds back; a no-op for every other file.
int Flush(File* f) {
  if (f->pending == nullptr || f->pending->empty()) return SQLITE_OK;
  const int rc = Real(f)->xWrite(f->real, f->pending->data(), static_cast<int>(f->pending->size()), f->pending_at);
  f->pending->clear();
  return rc;
}

// Writes out what the journal of database file `f` holds back, before `f`
// itself is written, truncated or synced.
int FlushJournal(File* f) { return f->journal != nullptr ? Flush(f->journal) : SQLITE_OK; }

// A journal stops buffering (its database closes first, or is shared).
int StopBuffering(File* journal) {
  const int rc = Flush(journal);
  if (journal->main != nullptr) journal->main->journal = nullptr;
  journal->main = nullptr;
  delete journal->pending;
  journal->pending = nullptr;
  return rc;
}

int Close(sqlite3_file* file) {
  File* f = AsFile(file);
  int rc = f->pending != nullptr ? StopBuffering(f) : SQLITE_OK;
  if (f->journal != nullptr) (void)StopBuffering(f->journal);
  const int closed = Real(f)->xClose(f->real);
  return rc != SQLITE_OK ? rc : closed;
}

int Read(sqlite3_file* file, void* out, int bytes, sqlite3_int64 offset) {
  File* f = AsFile(file);
  if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  return Real(f)->xRead(f->real, out, bytes, offset);
}

int Write(sqlite3_file* file, const void* data, int bytes, sqlite3_int64 offset) {
  File* f = AsFile(file);
  if (int rc = FlushJournal(f); rc != SQLITE_OK) return rc;
  if (f->pending == nullptr) return Real(f)->xWrite(f->real, data, bytes, offset);
  std::string& p = *f->pending;
  const auto n = static_cast<size_t>(bytes);
  if (!p.empty() && offset == f->pending_at + static_cast<sqlite3_int64>(p.size()) && p.size() + n <= kPendingBytesMax) {
    p.append(static_cast<const char*>(data), n);
    return SQLITE_OK;
  }
  // Not contiguous (a frame rewritten in place, a new header) or full.
  if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  if (n > kPendingBytesMax) return Real(f)->xWrite(f->real, data, bytes, offset);
  p.assign(static_cast<const char*>(data), n);
  f->pending_at = offset;
  return SQLITE_OK;
}

int Truncate(sqlite3_file* file, sqlite3_int64 size) {
  File* f = AsFile(file);
  if (int rc = FlushJournal(f); rc != SQLITE_OK) return rc;
  if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  return Real(f)->xTruncate(f->real, size);
}

int Sync(sqlite3_file* file, int flags) {
  File* f = AsFile(file);
  if (int rc = FlushJournal(f); rc != SQLITE_OK) return rc;
  if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  return Real(f)->xSync(f->real, flags);
}

int FileSize(sqlite3_file* file, sqlite3_int64* size) {
  File* f = AsFile(file);
  if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  return Real(f)->xFileSize(f->real, size);
}

int Lock(sqlite3_file* file, int level) { return Real(AsFile(file))->xLock(AsFile(file)->real, level); }
int Unlock(sqlite3_file* file, int level) { return Real(AsFile(file))->xUnlock(AsFile(file)->real, level); }
int CheckReservedLock(sqlite3_file* file, int* out) {
  return Real(AsFile(file))->xCheckReservedLock(AsFile(file)->real, out);
}

int FileControl(sqlite3_file* file, int op, void* arg) {
  File* f = AsFile(file);
  // The end of a commit on this database: its journal's last bytes (WAL
  // frames, or the zeroed header that commits a rollback journal) go to
  // the kernel before sqlite3_step() returns.
  if (op == SQLITE_FCNTL_COMMIT_PHASETWO) {
    if (int rc = FlushJournal(f); rc != SQLITE_OK) return rc;
  }
  if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  return Real(f)->xFileControl(f->real, op, arg);
}

int SectorSize(sqlite3_file* file) { return Real(AsFile(file))->xSectorSize(AsFile(file)->real); }
int DeviceCharacteristics(sqlite3_file* file) {
  return Real(AsFile(file))->xDeviceCharacteristics(AsFile(file)->real);
}

int ShmMap(sqlite3_file* file, int region, int region_bytes, int extend, void volatile** out) {
  File* f = AsFile(file);
  // Shared memory: another connection may read WAL frames as soon as they
  // are indexed, so this database's WAL writes go straight through.
  f->shared = true;
  if (f->journal != nullptr) {
    if (int rc = StopBuffering(f->journal); rc != SQLITE_OK) return rc;
  }
  if (Real(f)->iVersion < 2) return SQLITE_IOERR_SHMMAP;
  return Real(f)->xShmMap(f->real, region, region_bytes, extend, out);
}
int ShmLock(sqlite3_file* file, int offset, int n, int flags) {
  File* f = AsFile(file);
  return Real(f)->iVersion < 2 ? SQLITE_IOERR_SHMLOCK : Real(f)->xShmLock(f->real, offset, n, flags);
}
void ShmBarrier(sqlite3_file* file) {
  File* f = AsFile(file);
  if (Real(f)->iVersion >= 2) Real(f)->xShmBarrier(f->real);
}
int ShmUnmap(sqlite3_file* file, int delete_flag) {
  File* f = AsFile(file);
  return Real(f)->iVersion < 2 ? SQLITE_OK : Real(f)->xShmUnmap(f->real, delete_flag);
}

int Fetch(sqlite3_file* file, sqlite3_int64 offset, int bytes, void** out) {
  File* f = AsFile(file);
  *out = nullptr;  // "no mapping": SQLite reads instead
  if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  return Real(f)->iVersion < 3 ? SQLITE_OK : Real(f)->xFetch(f->real, offset, bytes, out);
}
int Unfetch(sqlite3_file* file, sqlite3_int64 offset, void* page) {
  File* f = AsFile(file);
  return Real(f)->iVersion < 3 ? SQLITE_OK : Real(f)->xUnfetch(f->real, offset, page);
}

const sqlite3_io_methods kMethods = {
    3,         Close,     Read,       Write,     Truncate,    Sync,      FileSize,
    Lock,      Unlock,    CheckReservedLock,     FileControl, SectorSize, DeviceCharacteristics,
    ShmMap,    ShmLock,   ShmBarrier, ShmUnmap,  Fetch,       Unfetch,
};

int Open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* out, int flags, int* out_flags) {
  File* f = AsFile(out);
  f->base.pMethods = nullptr;  // SQLite calls no method of a file that failed to open
  f->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(f) + kRealOffset);
  f->journal = nullptr;
  f->main = nullptr;
  f->pending = nullptr;
  f->pending_at = 0;
  f->shared = false;
  const int rc = g_base->xOpen(g_base, name, f->real, flags, out_flags);
  if (rc != SQLITE_OK) return rc;
  f->base.pMethods = &kMethods;
  if ((flags & (SQLITE_OPEN_WAL | SQLITE_OPEN_MAIN_JOURNAL)) != 0 && name != nullptr) {
    // SQLite names a journal by its database; that file was opened here too.
    sqlite3_file* db = sqlite3_database_file_object(name);
    File* main = db != nullptr && db->pMethods == &kMethods ? AsFile(db) : nullptr;
    if (main != nullptr && !main->shared && main->journal == nullptr) {
      f->main = main;
      f->pending = new std::string();
      main->journal = f;
    }
  }
  return SQLITE_OK;
}

}  // namespace

void InstallJournalWriteBuffer() {
  static std::once_flag once;
  std::call_once(once, [] {
    g_base = sqlite3_vfs_find(nullptr);
    if (g_base == nullptr) return;
    g_vfs = *g_base;
    g_vfs.szOsFile = static_cast<int>(kRealOffset) + g_base->szOsFile;
    g_vfs.zName = "ddb-journal-buffer";
    g_vfs.pNext = nullptr;
    g_vfs.xOpen = Open;
    (void)sqlite3_vfs_register(&g_vfs, /*makeDflt=*/1);
  });
}

}  // namespace ddb::cluster
