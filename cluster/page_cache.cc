// The page cache wrapper (see page_cache.h).
#include "cluster/page_cache.h"

#include <sqlite3.h>

#include <atomic>
#include <mutex>
#include <new>

namespace ddb::cluster {

namespace {

// SQLite's default cache (pcache1), which every call ends up in.
sqlite3_pcache_methods2 inner;
std::atomic<unsigned long> truncates_passed_on{0};

struct Cache {
  sqlite3_pcache* pages;
  unsigned lock_page;     // the page number SQLite never stores (PENDING_BYTE)
  unsigned max_key = 0;   // no page above this, the lock page aside
  int at_lock_page = 0;   // pages moved to the lock page and not moved off
};

Cache* Of(sqlite3_pcache* p) { return reinterpret_cast<Cache*>(p); }

int Init(void* arg) { return inner.xInit(arg); }
void Shutdown(void* arg) { inner.xShutdown(arg); }

sqlite3_pcache* Create(int page_size, int extra, int purgeable) {
  sqlite3_pcache* pages = inner.xCreate(page_size, extra, purgeable);
  if (pages == nullptr) return nullptr;
  // SQLite's locking page: the one holding byte 0x40000000 (PENDING_BYTE).
  const unsigned lock_page = 0x40000000u / static_cast<unsigned>(page_size) + 1;
  Cache* c = new (std::nothrow) Cache{pages, lock_page};
  if (c == nullptr) {  // SQLite reports out of memory; nothing may throw into C
    inner.xDestroy(pages);
    return nullptr;
  }
  return reinterpret_cast<sqlite3_pcache*>(c);
}

void Cachesize(sqlite3_pcache* p, int n) { inner.xCachesize(Of(p)->pages, n); }
int Pagecount(sqlite3_pcache* p) { return inner.xPagecount(Of(p)->pages); }

sqlite3_pcache_page* Fetch(sqlite3_pcache* p, unsigned key, int create) {
  Cache* c = Of(p);
  sqlite3_pcache_page* page = inner.xFetch(c->pages, key, create);
  if (page != nullptr && key > c->max_key && key != c->lock_page) c->max_key = key;
  return page;
}

void Unpin(sqlite3_pcache* p, sqlite3_pcache_page* page, int discard) { inner.xUnpin(Of(p)->pages, page, discard); }

void Rekey(sqlite3_pcache* p, sqlite3_pcache_page* page, unsigned old_key, unsigned new_key) {
  Cache* c = Of(p);
  inner.xRekey(c->pages, page, old_key, new_key);
  if (old_key == c->lock_page) --c->at_lock_page;
  if (new_key == c->lock_page) {
    ++c->at_lock_page;
  } else if (new_key > c->max_key) {
    c->max_key = new_key;
  }
}

void Truncate(sqlite3_pcache* p, unsigned limit) {
  Cache* c = Of(p);
  const bool lock_page_dropped = c->at_lock_page > 0 && c->lock_page >= limit;
  if (c->max_key < limit && !lock_page_dropped) return;  // nothing at or above limit
  inner.xTruncate(c->pages, limit);
  truncates_passed_on.fetch_add(1, std::memory_order_relaxed);
  if (c->max_key >= limit) c->max_key = limit == 0 ? 0 : limit - 1;
  if (lock_page_dropped) c->at_lock_page = 0;
}

void Destroy(sqlite3_pcache* p) {
  inner.xDestroy(Of(p)->pages);
  delete Of(p);
}

void Shrink(sqlite3_pcache* p) { inner.xShrink(Of(p)->pages); }

}  // namespace

unsigned long PageCacheTruncatesPassedOn() { return truncates_passed_on.load(std::memory_order_relaxed); }

void InstallPageCache() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (sqlite3_config(SQLITE_CONFIG_GETPCACHE2, &inner) != SQLITE_OK || inner.xCreate == nullptr) return;
    static sqlite3_pcache_methods2 wrapper = {
        1,       inner.pArg, Init,     Shutdown, Create, Cachesize, Pagecount,
        Fetch,   Unpin,      Rekey,    Truncate, Destroy, Shrink,
    };
    (void)sqlite3_config(SQLITE_CONFIG_PCACHE2, &wrapper);
  });
}

}  // namespace ddb::cluster
