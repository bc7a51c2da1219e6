// The journal write buffer (journal_write_buffer.h): a VFS shim over the
// platform's VFS. Each open file is a File whose platform file is stored
// right after it; every method forwards to that file. A journal (-journal or
// -wal) of a database opened through this VFS copies a write that lies in
// the part of the file already written into its shared mapping of the file,
// and appends other contiguous writes to `pending`, written out at the
// database's COMMIT_PHASETWO, before anything is written to the database
// file, or before anything else touches the journal. A database file held
// in memory (HoldNextDatabase) has no platform file until WriteOut() makes
// one: its methods serve its bytes from `held` meanwhile.
#include "cluster/journal_write_buffer.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <string>
#include <string_view>

namespace ddb::cluster {
namespace {

// Bytes a journal may hold back. SQLite's unix VFS writes at most 0x1ffff bytes
// per call (a longer write fails as "disk full"); a commit that dirties more
// goes out in several writes.
constexpr size_t kPendingBytesMax = 64 * 1024;
// The smallest mapping of a journal: SqliteDb::Open's journal_size_limit,
// which a rollback journal is cut back to after a larger transaction. A
// journal that outgrows its mapping is mapped again, twice as long as it is.
constexpr size_t kMapBytesMin = size_t{4} << 20;
// The most a held database file keeps in memory: one that would grow past
// it is written out at that write (a seed of a million items must not sit
// in the process's memory), and keeps its journal in memory until
// SqliteDb::MoveToDisk() as before.
constexpr size_t kHeldBytesMax = size_t{4} << 20;

std::atomic<unsigned long long> g_mapped_bytes{0};

struct File {
  sqlite3_file base;    // first: what SQLite holds
  sqlite3_file* real;   // the platform VFS's file, stored after this struct
  File* journal;        // a database file: its open journal, while that buffers
  File* main;           // a journal that buffers: its database file
  std::string* pending; // a journal that buffers: bytes not yet written
  sqlite3_int64 pending_at;
  bool shared;          // a database file asked for shared memory: its journal never buffers
  int fd;               // a journal that buffers: its platform file's descriptor, or -1
  char* map;            // a journal that buffers: a shared mapping of its file, or null
  size_t map_bytes;     // the mapping's length, which may reach past the file's end
  // A journal that buffers: [0, written) of its file is written by this
  // connection since it opened it, with no hole, so it has its blocks; a
  // copy into the mapping there cannot fault for want of disk space, nor
  // past the end of the file.
  sqlite3_int64 written;
  // A database file held in memory, or null once it is on disk (or never
  // was held). `real` is not open while it is held.
  struct Held* held;
  const char* name;     // its path, valid until Close (SQLite owns it)
};

struct Held {
  std::string bytes;
  std::string marker;   // HeldDatabase::marker
  int lock = SQLITE_LOCK_NONE;  // the lock SQLite holds on it
  int flags = 0;        // its xOpen flags, for opening it on disk
};

// Set by HoldNextDatabase, taken by this thread's next xOpen of a main
// database file.
thread_local const HeldDatabase* t_hold = nullptr;

// Where the platform file starts inside SQLite's allocation of szOsFile bytes.
constexpr size_t kRealOffset = (sizeof(File) + 15) / 16 * 16;

sqlite3_vfs* g_base = nullptr;  // the platform VFS
sqlite3_vfs g_vfs;

File* AsFile(sqlite3_file* f) { return reinterpret_cast<File*>(f); }
const sqlite3_io_methods* Real(File* f) { return f->real->pMethods; }

void Unmap(File* f) {
  if (f->map != nullptr) (void)munmap(f->map, f->map_bytes);
  f->map = nullptr;
  f->map_bytes = 0;
}

// The descriptor of the platform file, for mapping it: the unix VFS's file
// object starts with its methods, its VFS, its inode record and then the
// descriptor (os_unix.c, the same since SQLite 3.7). It is used only if it
// is a regular file with the device and inode of `name`; -1 otherwise, and
// the journal is then not mapped. Never closed here: closing any
// descriptor of a file drops the process's POSIX locks on it.
int DescriptorOf(File* f, const char* name) {
  struct UnixFileHead {
    const sqlite3_io_methods* methods;
    sqlite3_vfs* vfs;
    void* inode;
    int fd;
  };
  if (std::strcmp(g_base->zName, "unix") != 0) return -1;
  const int fd = reinterpret_cast<const UnixFileHead*>(f->real)->fd;
  struct stat by_fd {};
  struct stat by_name {};
  if (fd < 0 || fstat(fd, &by_fd) != 0 || stat(name, &by_name) != 0) return -1;
  if (!S_ISREG(by_fd.st_mode) || by_fd.st_dev != by_name.st_dev || by_fd.st_ino != by_name.st_ino) return -1;
  return fd;
}

// Maps the first max(kMapBytesMin, 2 x `bytes`, rounded up to a power of
// two) bytes of the journal's file. A failed mmap leaves it unmapped: its
// writes are then buffered and written, as without a mapping.
void MapJournal(File* f, sqlite3_int64 bytes) {
  Unmap(f);
  if (f->fd < 0) return;
  size_t length = kMapBytesMin;
  while (length < static_cast<size_t>(bytes) * 2) length *= 2;
  void* map = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, f->fd, 0);
  if (map == MAP_FAILED) return;
  f->map = static_cast<char*>(map);
  f->map_bytes = length;
}

// A write of [offset, end) to a journal's file was done: the written part
// grows if the write continued it (one past its end would leave a hole).
void NoteWritten(File* f, sqlite3_int64 offset, sqlite3_int64 end) {
  if (f->pending == nullptr || offset > f->written || end <= f->written) return;
  f->written = end;
  if (f->map != nullptr && static_cast<size_t>(end) > f->map_bytes) MapJournal(f, end);
}

// Makes a held file's platform file: its marker if it is not there, then
// PATH, which must not exist (made here with O_EXCL: the unix VFS's own
// open falls back to read-only on an existing file), with the held bytes;
// the lock SQLite holds is taken on it. On failure no file of it is left
// on disk and it stays held.
int WriteOut(File* f) {
  if (f->held == nullptr) return SQLITE_OK;
  const std::string& bytes = f->held->bytes;
  bool written = false;
  {
    std::lock_guard<std::mutex> lock(NewFileMutex());  // it creates files
    const int marker = ::open(f->held->marker.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (marker < 0) return SQLITE_CANTOPEN;
    ::close(marker);
    const int fd = ::open(f->name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return SQLITE_CANTOPEN;
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::pwrite(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    written = done == bytes.size();
    ::close(fd);
  }
  int out_flags = 0;
  int rc = written ? g_base->xOpen(g_base, f->name, f->real, f->held->flags, &out_flags) : SQLITE_IOERR_WRITE;
  const bool opened = rc == SQLITE_OK;
  if (opened && (out_flags & SQLITE_OPEN_READWRITE) == 0) rc = SQLITE_CANTOPEN;
  // The unix VFS goes up one level at a time: SHARED, RESERVED, EXCLUSIVE.
  for (int level : {SQLITE_LOCK_SHARED, SQLITE_LOCK_RESERVED, SQLITE_LOCK_EXCLUSIVE}) {
    if (rc == SQLITE_OK && level <= f->held->lock) rc = Real(f)->xLock(f->real, level);
  }
  if (rc != SQLITE_OK) {
    if (opened) (void)Real(f)->xClose(f->real);
    (void)::unlink(f->name);  // made above
    return rc;
  }
  delete f->held;
  f->held = nullptr;
  return SQLITE_OK;
}

// Writes out what a journal holds back; a no-op for every other file.
int Flush(File* f) {
  if (f->pending == nullptr || f->pending->empty()) return SQLITE_OK;
  const auto end = f->pending_at + static_cast<sqlite3_int64>(f->pending->size());
  const int rc = Real(f)->xWrite(f->real, f->pending->data(), static_cast<int>(f->pending->size()), f->pending_at);
  if (rc == SQLITE_OK) NoteWritten(f, f->pending_at, end);
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
  Unmap(journal);
  return rc;
}

int Close(sqlite3_file* file) {
  File* f = AsFile(file);
  // A file closed while held is gone, as if the process had died: its load
  // did not finish (SqliteDb::OpenHeld).
  if (f->held != nullptr) {
    delete f->held;
    f->held = nullptr;
    return SQLITE_OK;
  }
  int rc = f->pending != nullptr ? StopBuffering(f) : SQLITE_OK;  // unmaps it too
  if (f->journal != nullptr) (void)StopBuffering(f->journal);
  const int closed = Real(f)->xClose(f->real);
  return rc != SQLITE_OK ? rc : closed;
}

int Read(sqlite3_file* file, void* out, int bytes, sqlite3_int64 offset) {
  File* f = AsFile(file);
  if (f->held != nullptr) {
    // As a platform file reads: past the end, zeros and a short read.
    const auto at = static_cast<size_t>(offset);
    const std::string& held = f->held->bytes;
    const size_t have = at < held.size() ? std::min(held.size() - at, static_cast<size_t>(bytes)) : 0;
    if (have > 0) std::memcpy(out, held.data() + at, have);
    if (have == static_cast<size_t>(bytes)) return SQLITE_OK;
    std::memset(static_cast<char*>(out) + have, 0, static_cast<size_t>(bytes) - have);
    return SQLITE_IOERR_SHORT_READ;
  }
  if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  return Real(f)->xRead(f->real, out, bytes, offset);
}

int Write(sqlite3_file* file, const void* data, int bytes, sqlite3_int64 offset) {
  File* f = AsFile(file);
  if (int rc = FlushJournal(f); rc != SQLITE_OK) return rc;
  if (f->held != nullptr) {
    const auto end = static_cast<size_t>(offset) + static_cast<size_t>(bytes);
    if (end <= kHeldBytesMax) {
      std::string& held = f->held->bytes;
      if (end > held.size()) held.resize(end);
      std::memcpy(held.data() + offset, data, static_cast<size_t>(bytes));
      return SQLITE_OK;
    }
    if (int rc = WriteOut(f); rc != SQLITE_OK) return rc;
  }
  if (f->pending == nullptr) return Real(f)->xWrite(f->real, data, bytes, offset);
  const sqlite3_int64 end = offset + bytes;
  if (f->map != nullptr && end <= f->written && static_cast<size_t>(end) <= f->map_bytes) {
    // What the buffer holds goes first: it may overlap this write.
    if (int rc = Flush(f); rc != SQLITE_OK) return rc;
    std::memcpy(f->map + offset, data, static_cast<size_t>(bytes));
    g_mapped_bytes.fetch_add(static_cast<unsigned long long>(bytes), std::memory_order_relaxed);
    return SQLITE_OK;
  }
  std::string& p = *f->pending;
  const auto n = static_cast<size_t>(bytes);
  if (!p.empty() && offset == f->pending_at + static_cast<sqlite3_int64>(p.size()) && p.size() + n <= kPendingBytesMax) {
    p.append(static_cast<const char*>(data), n);
    return SQLITE_OK;
  }
  // Not contiguous (a frame rewritten in place, a new header) or full.
  if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  if (n > kPendingBytesMax) {
    const int rc = Real(f)->xWrite(f->real, data, bytes, offset);
    if (rc == SQLITE_OK) NoteWritten(f, offset, end);
    return rc;
  }
  p.assign(static_cast<const char*>(data), n);
  f->pending_at = offset;
  return SQLITE_OK;
}

int Truncate(sqlite3_file* file, sqlite3_int64 size) {
  File* f = AsFile(file);
  if (f->held != nullptr) {
    // As ftruncate(2): shorter, or longer with zeros.
    if (static_cast<size_t>(size) <= kHeldBytesMax) {
      f->held->bytes.resize(static_cast<size_t>(size));
      return SQLITE_OK;
    }
    if (int rc = WriteOut(f); rc != SQLITE_OK) return rc;
  }
  if (int rc = FlushJournal(f); rc != SQLITE_OK) return rc;
  if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  if (size < f->written) f->written = size;  // before: a failed truncate may have cut some
  return Real(f)->xTruncate(f->real, size);
}

int Sync(sqlite3_file* file, int flags) {
  File* f = AsFile(file);
  if (f->held != nullptr) return SQLITE_OK;
  if (int rc = FlushJournal(f); rc != SQLITE_OK) return rc;
  if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  return Real(f)->xSync(f->real, flags);
}

int FileSize(sqlite3_file* file, sqlite3_int64* size) {
  File* f = AsFile(file);
  if (f->held != nullptr) {
    *size = static_cast<sqlite3_int64>(f->held->bytes.size());
    return SQLITE_OK;
  }
  if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  return Real(f)->xFileSize(f->real, size);
}

// A held file is seen by no other connection: its locks are only noted,
// to be taken on the platform file when it is written out.
int Lock(sqlite3_file* file, int level) {
  File* f = AsFile(file);
  if (f->held == nullptr) return Real(f)->xLock(f->real, level);
  f->held->lock = std::max(f->held->lock, level);
  return SQLITE_OK;
}
int Unlock(sqlite3_file* file, int level) {
  File* f = AsFile(file);
  if (f->held == nullptr) return Real(f)->xUnlock(f->real, level);
  f->held->lock = std::min(f->held->lock, level);
  return SQLITE_OK;
}
int CheckReservedLock(sqlite3_file* file, int* out) {
  File* f = AsFile(file);
  if (f->held == nullptr) return Real(f)->xCheckReservedLock(f->real, out);
  *out = 0;
  return SQLITE_OK;
}

int FileControl(sqlite3_file* file, int op, void* arg) {
  File* f = AsFile(file);
  if (f->held != nullptr) return SQLITE_NOTFOUND;  // none applies to bytes in memory
  // The end of a commit on this database: its journal's last bytes (WAL
  // frames, or the zeroed header that commits a rollback journal) go to
  // the kernel before sqlite3_step() returns.
  if (op == SQLITE_FCNTL_COMMIT_PHASETWO) {
    if (int rc = FlushJournal(f); rc != SQLITE_OK) return rc;
  }
  if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  return Real(f)->xFileControl(f->real, op, arg);
}

// A held file answers as the unix VFS answers for a file on Linux's usual
// file systems, so that neither changes when it goes to disk.
int SectorSize(sqlite3_file* file) {
  File* f = AsFile(file);
  return f->held != nullptr ? 4096 : Real(f)->xSectorSize(f->real);
}
int DeviceCharacteristics(sqlite3_file* file) {
  File* f = AsFile(file);
  return f->held != nullptr ? SQLITE_IOCAP_POWERSAFE_OVERWRITE : Real(f)->xDeviceCharacteristics(f->real);
}

int ShmMap(sqlite3_file* file, int region, int region_bytes, int extend, void volatile** out) {
  File* f = AsFile(file);
  // Shared memory: another connection may read WAL frames as soon as they
  // are indexed, so this database's WAL writes go straight through.
  f->shared = true;
  if (f->held != nullptr) return SQLITE_IOERR_SHMMAP;  // never in WAL mode (SqliteDb::OpenHeld)
  if (f->journal != nullptr) {
    if (int rc = StopBuffering(f->journal); rc != SQLITE_OK) return rc;
  }
  if (Real(f)->iVersion < 2) return SQLITE_IOERR_SHMMAP;
  return Real(f)->xShmMap(f->real, region, region_bytes, extend, out);
}
int ShmLock(sqlite3_file* file, int offset, int n, int flags) {
  File* f = AsFile(file);
  return f->held != nullptr || Real(f)->iVersion < 2 ? SQLITE_IOERR_SHMLOCK : Real(f)->xShmLock(f->real, offset, n, flags);
}
void ShmBarrier(sqlite3_file* file) {
  File* f = AsFile(file);
  if (f->held == nullptr && Real(f)->iVersion >= 2) Real(f)->xShmBarrier(f->real);
}
int ShmUnmap(sqlite3_file* file, int delete_flag) {
  File* f = AsFile(file);
  return f->held != nullptr || Real(f)->iVersion < 2 ? SQLITE_OK : Real(f)->xShmUnmap(f->real, delete_flag);
}

int Fetch(sqlite3_file* file, sqlite3_int64 offset, int bytes, void** out) {
  File* f = AsFile(file);
  *out = nullptr;  // "no mapping": SQLite reads instead
  if (f->held != nullptr) return SQLITE_OK;
  if (int rc = Flush(f); rc != SQLITE_OK) return rc;
  return Real(f)->iVersion < 3 ? SQLITE_OK : Real(f)->xFetch(f->real, offset, bytes, out);
}
int Unfetch(sqlite3_file* file, sqlite3_int64 offset, void* page) {
  File* f = AsFile(file);
  return f->held != nullptr || Real(f)->iVersion < 3 ? SQLITE_OK : Real(f)->xUnfetch(f->real, offset, page);
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
  f->fd = -1;
  f->map = nullptr;
  f->map_bytes = 0;
  f->written = 0;
  f->held = nullptr;
  f->name = name;
  if ((flags & SQLITE_OPEN_MAIN_DB) != 0 && t_hold != nullptr) {
    f->held = new Held{std::string(t_hold->image), t_hold->marker, SQLITE_LOCK_NONE, flags};
    t_hold = nullptr;
    f->base.pMethods = &kMethods;
    if (out_flags != nullptr) *out_flags = flags;
    return SQLITE_OK;
  }
  int rc = SQLITE_OK;
  if ((flags & (SQLITE_OPEN_WAL | SQLITE_OPEN_MAIN_JOURNAL)) != 0) {
    std::lock_guard<std::mutex> lock(NewFileMutex());  // it may create the file
    rc = g_base->xOpen(g_base, name, f->real, flags, out_flags);
  } else {
    rc = g_base->xOpen(g_base, name, f->real, flags, out_flags);
  }
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
      // Mapped from the start; what the file holds already is rewritten
      // through write() before any of it is written through the mapping.
      f->fd = DescriptorOf(f, name);
      MapJournal(f, 0);
    }
  }
  return SQLITE_OK;
}

}  // namespace

std::mutex& NewFileMutex() {
  static std::mutex mu;
  return mu;
}

void HoldNextDatabase(const HeldDatabase* held) { t_hold = held; }

int WriteHeldDatabase(sqlite3* db) {
  sqlite3_file* file = nullptr;
  if (sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &file) != SQLITE_OK || file == nullptr ||
      file->pMethods != &kMethods) {
    return SQLITE_OK;
  }
  return WriteOut(AsFile(file));
}

unsigned long long JournalBytesMapped() { return g_mapped_bytes.load(std::memory_order_relaxed); }

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
