// MetaStore: tables and partitions in meta.sqlite.
#include "cluster/meta_store.h"

#include <unistd.h>

#include <mutex>

#include "cluster/schema_images.h"
#include "cluster/schemas.h"
#include "cluster/wal_record.h"

namespace ddb::cluster {

namespace {
constexpr int64_t kSchemaVersion = meta_schema::kVersion;
constexpr const char* kSchema = meta_schema::kTables;

}  // namespace

Result<std::unique_ptr<MetaStore>> MetaStore::Open(const std::string& path, bool fsync, const std::string& load_marker) {
  // A meta.sqlite that does not exist yet is the meta file image written
  // out (a WAL-mode file with the whole schema), rather than created empty,
  // switched to WAL mode and given its tables: it is on the path to a fresh
  // start's first answer. An in-memory one loads that image.
  const bool in_memory = path == ":memory:";
  const bool created = in_memory || ::access(path.c_str(), F_OK) != 0;
  const bool held = !load_marker.empty() && created && !in_memory && !fsync;
  if (!in_memory && created && !held) RETURN_IF_ERROR(SqliteDb::CreateFile(path, MetaFileImage(), fsync));
  auto db = held ? SqliteDb::OpenHeld(path, MetaFileImage(), load_marker) : SqliteDb::Open(path, fsync);
  if (!db.ok()) return db.status();
  std::unique_ptr<MetaStore> store(new MetaStore(db.take()));
  SqliteDb* sql = store->db_.get();
  if (in_memory) RETURN_IF_ERROR(sql->LoadImage(MetaFileImage()));
  // Prepared on first use, then kept (each table operation runs them).
  store->next_id_ = sql->PrepareLater(
      "INSERT INTO counters(name,value) VALUES(?1,?2) "
      "ON CONFLICT(name) DO UPDATE SET value=value+?2 RETURNING value");
  store->save_table_ =
      sql->PrepareLater("INSERT OR REPLACE INTO tables(name,id,schema,created_ms,state) VALUES(?1,?2,?3,?4,?5)");
  store->save_partition_ = sql->PrepareLater(
      "INSERT OR REPLACE INTO partitions(table_id,idx,group_id,hash_lo,hash_hi,members,log_members) "
      "VALUES(?1,?2,?3,?4,?5,?6,?7)");
  // The image has the whole schema at this version, and no rows.
  store->created_ = created;
  if (created) return store;
  auto version = sql->QueryInt("PRAGMA user_version");
  if (!version.ok()) return version.status();
  if (*version == kSchemaVersion) return store;  // the whole schema: no DDL
  // A new file, or one from before user_version was kept (every step is
  // idempotent); one transaction (a commit per statement otherwise).
  std::string ddl = std::string("BEGIN;") + kSchema + "COMMIT;";
  RETURN_IF_ERROR(sql->Exec(ddl));
  RETURN_IF_ERROR(sql->AddColumnIfMissing("partitions", "log_members TEXT NOT NULL DEFAULT ''"));
  if (*version > kSchemaVersion) return store;  // a later version's file keeps its number
  RETURN_IF_ERROR(sql->Exec("PRAGMA user_version=" + std::to_string(kSchemaVersion)));
  return store;
}

Result<std::vector<TableRoute>> MetaStore::LoadAll() {
  std::lock_guard<std::mutex> lock(mu_);
  auto t = db_->Prepare("SELECT name,id,schema,created_ms,state FROM tables ORDER BY name");
  auto p = db_->Prepare(
      "SELECT group_id,hash_lo,hash_hi,members,log_members FROM partitions WHERE table_id=?1 ORDER BY idx");
  if (!t.ok()) return t.status();
  if (!p.ok()) return p.status();
  std::vector<TableRoute> out;
  for (;;) {
    auto row = t->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    TableRoute r;
    r.meta.name = t->Blob(0);
    r.meta.id = static_cast<uint64_t>(t->Int(1));
    r.meta.schema = t->Blob(2);
    r.meta.created_ms = t->Int(3);
    r.meta.state = static_cast<TableState>(t->Int(4));
    p->Reset().Bind(1, t->Int(1));
    for (;;) {
      auto prow = p->Step();
      if (!prow.ok()) return prow.status();
      if (!*prow) break;
      PartitionRoute pr;
      pr.group = static_cast<uint64_t>(p->Int(0));
      pr.hash_lo = static_cast<uint64_t>(p->Int(1));
      pr.hash_hi = static_cast<uint64_t>(p->Int(2));
      pr.members = SplitNodeIds(p->Blob(3));
      pr.log_members = SplitNodeIds(p->Blob(4));
      r.partitions.push_back(std::move(pr));
    }
    r.meta.partition_count = static_cast<uint32_t>(r.partitions.size());
    out.push_back(std::move(r));
  }
  return out;
}

Result<uint64_t> MetaStore::NextId(const std::string& counter, uint64_t count) {
  std::lock_guard<std::mutex> lock(mu_);
  return NextIdLocked(counter, count);
}

Result<uint64_t> MetaStore::NextIdLocked(const std::string& counter, uint64_t count) {
  CHECK(count > 0);
  Statement& up = next_id_.Reset();
  up.BindText(1, counter).Bind(2, static_cast<int64_t>(count));
  auto row = up.Step();
  const uint64_t v = row.ok() && *row ? static_cast<uint64_t>(up.Int(0)) - count + 1 : 0;
  up.Reset();  // finishes the statement (outside a transaction, it commits)
  if (!row.ok()) return row.status();
  CHECK(*row);
  return v;
}

Status MetaStore::MoveToDisk() {
  std::lock_guard<std::mutex> lock(mu_);
  return db_->MoveToDisk();
}

Status MetaStore::SaveTable(const TableRoute& route) {
  std::lock_guard<std::mutex> lock(mu_);
  RETURN_IF_ERROR(db_->Begin());
  Status s = SaveRows(route);
  if (!s.ok()) {
    db_->Rollback();
    return s;
  }
  return db_->Commit();
}

// One commit (one write to the WAL) on the path of every CreateTable, and
// of a -seed start, where NextId twice and SaveTable made three.
Status MetaStore::CreateTable(TableRoute* route, uint64_t groups,
                              const std::function<void(uint64_t table_id, uint64_t first_group)>& fill) {
  std::lock_guard<std::mutex> lock(mu_);
  RETURN_IF_ERROR(db_->Begin());
  auto id = NextIdLocked("table_id", 1);
  Result<uint64_t> first = id.ok() ? NextIdLocked("group_id", groups) : Result<uint64_t>(id.status());
  Status s = first.status();
  if (s.ok()) {
    fill(*id, *first);
    s = SaveRows(*route);
  }
  if (!s.ok()) {
    db_->Rollback();
    return s;
  }
  return db_->Commit();
}

Status MetaStore::SaveRows(const TableRoute& route) {
  const TableMeta& m = route.meta;
  Statement& t = save_table_.Reset();
  t.BindText(1, m.name).Bind(2, static_cast<int64_t>(m.id)).Bind(3, m.schema);
  t.Bind(4, m.created_ms).Bind(5, static_cast<int64_t>(m.state));
  Status s = t.Run();
  for (size_t i = 0; s.ok() && i < route.partitions.size(); ++i) {
    const PartitionRoute& pr = route.partitions[i];
    std::string members = JoinNodeIds(pr.members);
    std::string log_members = JoinNodeIds(pr.log_members);
    Statement& p = save_partition_.Reset();
    p.Bind(1, static_cast<int64_t>(route.meta.id)).Bind(2, static_cast<int64_t>(i));
    p.Bind(3, static_cast<int64_t>(pr.group)).Bind(4, static_cast<int64_t>(pr.hash_lo));
    p.Bind(5, static_cast<int64_t>(pr.hash_hi)).BindText(6, members).BindText(7, log_members);
    s = p.Run();
  }
  return s;
}

Result<bool> MetaStore::HasGroup(uint64_t group) {
  std::lock_guard<std::mutex> lock(mu_);
  auto q = db_->Prepare("SELECT 1 FROM partitions WHERE group_id=?1 LIMIT 1");
  if (!q.ok()) return q.status();
  q->Bind(1, static_cast<int64_t>(group));
  return q->Step();
}

Status MetaStore::DeleteTable(const TableMeta& meta) {
  std::lock_guard<std::mutex> lock(mu_);
  auto t = db_->Prepare("DELETE FROM tables WHERE name=?1");
  auto p = db_->Prepare("DELETE FROM partitions WHERE table_id=?1");
  if (!t.ok()) return t.status();
  if (!p.ok()) return p.status();
  RETURN_IF_ERROR(db_->Begin());
  Status s = t->BindText(1, meta.name).Run();
  if (s.ok()) s = p->Bind(1, static_cast<int64_t>(meta.id)).Run();
  if (!s.ok()) {
    db_->Rollback();
    return s;
  }
  return db_->Commit();
}

}  // namespace ddb::cluster
