// NodeStore: schema and statements of a storage node's SQLite file.
#include "cluster/node_store.h"

#include <unistd.h>
#include <zlib.h>

#include <algorithm>

#include "base/varint.h"
#include "cluster/schema_images.h"
#include "cluster/schemas.h"
#include "cluster/wal_record.h"

namespace ddb::cluster {

namespace {
constexpr int64_t kSchemaVersion = node_schema::kVersion;
constexpr const char* kSchema = node_schema::kTables;

int64_t Crc(std::string_view d) {
  return static_cast<int64_t>(
      crc32(0, reinterpret_cast<const Bytef*>(d.data()), static_cast<uInt>(d.size())));
}

// An item space's row count and summed size, per space (a WHERE or GROUP BY
// clause follows; CountItems reads the rows).
constexpr const char* kCountItems = "SELECT group_id, count(*), coalesce(sum(size), 0) FROM items";

// SQLite integers are signed 64-bit; hashes and ballots are stored bit for bit.
int64_t S(uint64_t v) { return static_cast<int64_t>(v); }
uint64_t U(int64_t v) { return static_cast<uint64_t>(v); }

}  // namespace

std::string EncodeItemTotals(const GroupTotals& totals) {
  std::string out;
  for (size_t i = 0; i < totals.size(); ++i) {
    if (totals[i].items == 0 && totals[i].bytes == 0) continue;
    PutVarint(&out, i);
    PutVarint(&out, U(totals[i].items));
    PutVarint(&out, U(totals[i].bytes));
  }
  return out;
}

bool DecodeItemTotals(std::string_view bytes, GroupTotals* totals) {
  *totals = GroupTotals{};
  while (!bytes.empty()) {
    uint64_t i = 0, items = 0, size = 0;
    if (!GetVarint(&bytes, &i) || !GetVarint(&bytes, &items) || !GetVarint(&bytes, &size)) return false;
    if (i >= totals->size()) return false;
    (*totals)[i] = SpaceTotals{S(items), S(size)};
  }
  return true;
}

// A file emptied by a crash before its first write is filled with a
// page-by-page copy (SqliteDb's backup API) of an in-memory database loaded
// with the node file image, so a file is only ever empty or whole.
Status NodeStore::CopySchemaTemplate(SqliteDb* dest) {
  auto image = SqliteDb::Open(":memory:", false);
  if (!image.ok()) return image.status();
  RETURN_IF_ERROR(image.value()->LoadImage(NodeFileImage()));
  return image.value()->CopyTo(dest);
}

Result<std::unique_ptr<NodeStore>> NodeStore::Open(const std::string& path, bool fsync, const std::string& load_marker) {
  // A new file is the node file image written out (no DDL, no rollback
  // journal created and deleted), an in-memory database that image loaded.
  const bool in_memory = path == ":memory:";
  const bool created = in_memory || ::access(path.c_str(), F_OK) != 0;
  const bool held = !load_marker.empty() && created && !in_memory && !fsync;
  if (!in_memory && created && !held) RETURN_IF_ERROR(SqliteDb::CreateFile(path, NodeFileImage(), fsync));
  auto db = held ? SqliteDb::OpenHeld(path, NodeFileImage(), load_marker) : SqliteDb::Open(path, fsync);
  if (!db.ok()) return db.status();
  std::unique_ptr<NodeStore> store(new NodeStore(db.take()));
  SqliteDb* sql = store->db_.get();
  if (in_memory) RETURN_IF_ERROR(sql->LoadImage(NodeFileImage()));
  if (created) {
    // The image: the whole schema at this version, and no rows (no outbox
    // groups, no item totals).
    store->PrepareStatements();
    store->created_ = true;
    store->totals_loaded_ = true;
    return store;
  }
  auto version = sql->QueryInt("PRAGMA user_version");
  if (!version.ok()) return version.status();
  if (*version != kSchemaVersion) {
    auto tables = sql->QueryInt("SELECT count(*) FROM sqlite_master");
    if (!tables.ok()) return tables.status();
    if (*tables == 0 && *version == 0) {
      RETURN_IF_ERROR(CopySchemaTemplate(sql));
    } else {
      RETURN_IF_ERROR(store->Upgrade(*version));
    }
  }
  store->PrepareStatements();
  auto groups = sql->Prepare("SELECT DISTINCT group_id FROM outbox");
  if (!groups.ok()) return groups.status();
  for (;;) {
    auto row = groups->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    store->outbox_groups_.insert(U(groups->Int(0)));
  }
  return store;
}

// A file written before user_version was kept (or by a later version): every
// step is idempotent, as each ran at every start before. One transaction.
Status NodeStore::Upgrade(int64_t version) {
  RETURN_IF_ERROR(db_->Begin());
  Status s = db_->Exec(kSchema);
  // Columns added by the log-replica work, and version 2's item totals.
  const char* const kColumns[] = {"config BLOB NOT NULL DEFAULT x''", "joined_lsn INTEGER NOT NULL DEFAULT 0",
                                  "log_replica INTEGER NOT NULL DEFAULT 0", "item_totals BLOB NOT NULL DEFAULT x''"};
  for (const char* column : kColumns) {
    if (s.ok()) s = db_->AddColumnIfMissing("replicas", column);
  }
  // Version 1 kept the totals in item_stats, by triggers; older files kept
  // none. Both count them from their items once.
  if (s.ok() && version < 2) s = db_->Exec(node_schema::kDropItemStats);
  if (s.ok() && version < 2) {
    std::map<uint64_t, GroupTotals> counted;
    auto count = db_->Prepare(std::string(kCountItems) + " GROUP BY group_id");
    s = count.ok() ? CountItems(*count, &counted) : count.status();
    // Before PrepareStatements: a statement of its own.
    auto save = db_->Prepare("UPDATE replicas SET item_totals=?2 WHERE group_id=?1");
    if (s.ok()) s = save.status();
    for (auto it = counted.begin(); s.ok() && it != counted.end(); ++it) {
      s = save->Reset().Bind(1, S(it->first)).Bind(2, EncodeItemTotals(it->second)).Run();
    }
  }
  // A later version's file keeps its number.
  if (s.ok() && version < kSchemaVersion) s = db_->Exec("PRAGMA user_version=" + std::to_string(kSchemaVersion));
  if (!s.ok()) {
    (void)db_->Rollback();
    return s;
  }
  return db_->Commit();
}

// Each is prepared on its first use (SqliteDb::PrepareLater): preparing all
// of them at open cost more than reading the schema.
void NodeStore::PrepareStatements() {
  struct {
    Statement* stmt;
    const char* sql;
  } const kStatements[] = {
      {&create_replica_, "INSERT OR IGNORE INTO replicas(group_id,table_id,members,hash_lo,hash_hi,promised,"
                         "joined_lsn,log_replica) VALUES(?1,?2,?3,?4,?5,?6,?7,?8)"},
      // The replica's changing state, one UPDATE for whatever changed (NULL:
      // unchanged; SaveRow).
      {&save_row_, "UPDATE replicas SET promised=coalesce(?2,promised), commit_lsn=coalesce(?3,commit_lsn), "
                   "trim_lsn=coalesce(?4,trim_lsn), applied_lsn=coalesce(?5,applied_lsn), "
                   "item_totals=coalesce(?6,item_totals) WHERE group_id=?1"},
      {&save_record_, "INSERT OR REPLACE INTO wal(group_id,lsn,ballot,data,crc,kind) VALUES(?1,?2,?3,?4,?5,?6)"},
      // New or replaced, one statement; a replaced item's old size is
      // recorded in replaced_size_ (PutItemRow).
      {&put_item_, "INSERT INTO items(group_id,h,hk,rk,item,size) VALUES(?1,?2,?3,?4,?5,?6) "
                   "ON CONFLICT DO UPDATE SET item=excluded.item, size=ddb_replaced(size,excluded.size)"},
      {&delete_item_, "DELETE FROM items WHERE group_id=?1 AND h=?2 AND hk=?3 AND rk=?4 RETURNING size"},
      {&truncate_, "DELETE FROM items WHERE group_id=?1"},
      {&set_config_, "UPDATE replicas SET config=?2 WHERE group_id=?1"},
      {&get_item_, "SELECT item FROM items WHERE group_id=?1 AND h=?2 AND hk=?3 AND rk=?4"},
      {&scan_first_, "SELECT hk,rk,item FROM items WHERE group_id=?1 AND h>=?6 AND h<=?7 "
                     "ORDER BY h,hk,rk LIMIT ?5"},
      {&scan_after_, "SELECT hk,rk,item FROM items WHERE group_id=?1 AND (h,hk,rk)>(?2,?3,?4) "
                     "AND h>=?6 AND h<=?7 ORDER BY h,hk,rk LIMIT ?5"},
      {&put_outbox_, "INSERT OR REPLACE INTO outbox(group_id,lsn,seq,data) VALUES(?1,?2,?3,?4)"},
      {&trim_outbox_, "DELETE FROM outbox WHERE group_id=?1 AND lsn<=?2"},
      {&clear_outbox_, "DELETE FROM outbox WHERE group_id=?1"},
      {&read_outbox_, "SELECT lsn,seq,data FROM outbox WHERE group_id=?1 ORDER BY lsn,seq LIMIT ?2"},
      {&outbox_count_, "SELECT count(*) FROM outbox WHERE group_id=?1"},
      {&collection_bytes_, "SELECT coalesce(sum(size),0) FROM items WHERE group_id=?1 AND h=?2 AND hk=?3"},
      {&put_lock_, "INSERT OR REPLACE INTO locks(group_id,hk,rk,txn,shared,decision_group,staged) "
                   "VALUES(?1,?2,?3,?4,?5,?6,?7)"},
      {&txn_staged_, "SELECT staged FROM locks WHERE group_id=?1 AND txn=?2"},
      {&drop_txn_locks_, "DELETE FROM locks WHERE group_id=?1 AND txn=?2"},
      {&put_decision_, "INSERT OR IGNORE INTO decisions(group_id,txn,committed) VALUES(?1,?2,?3)"},
      {&group_locks_, "SELECT hk,rk,txn,shared,decision_group,staged FROM locks WHERE group_id=?1"},
      {&group_decisions_, "SELECT txn,committed FROM decisions WHERE group_id=?1"},
  };
  for (const auto& s : kStatements) *s.stmt = db_->PrepareLater(s.sql);
  CHECK(db_->DefineRecorder("ddb_replaced", &replaced_size_).ok());  // fails only out of memory
}

Result<std::vector<ReplicaRow>> NodeStore::LoadReplicas() {
  std::vector<ReplicaRow> rows;
  auto q = db_->Prepare(
      "SELECT group_id,table_id,members,hash_lo,hash_hi,promised,commit_lsn,applied_lsn,trim_lsn,"
      "config,joined_lsn,log_replica,item_totals FROM replicas ORDER BY group_id");
  if (!q.ok()) return q.status();
  auto w = db_->Prepare("SELECT lsn,ballot,data,crc,kind FROM wal WHERE group_id=?1 AND lsn>?2 ORDER BY lsn");
  if (!w.ok()) return w.status();
  totals_.clear();
  totals_loaded_ = false;
  for (;;) {
    auto more = q->Step();
    if (!more.ok()) return more.status();
    if (!*more) break;
    ReplicaRow r;
    r.group = U(q->Int(0));
    r.table_id = U(q->Int(1));
    r.members = SplitNodeIds(q->Blob(2));
    r.hash_lo = U(q->Int(3));
    r.hash_hi = U(q->Int(4));
    r.state.hard_state.promised = U(q->Int(5));
    r.state.hard_state.commit_lsn = U(q->Int(6));
    r.state.applied_lsn = U(q->Int(7));
    r.state.hard_state.trim_lsn = U(q->Int(8));
    if (std::string config = q->Blob(9); !config.empty()) {
      auto c = paxos::DecodeConfiguration(config);
      if (!c.ok()) return c.status();
      r.state.configuration = c.take();
    }
    r.joined_lsn = U(q->Int(10));
    r.log_replica = q->Int(11) != 0;
    RETURN_IF_ERROR(NoteStoredTotals(r.group, q->BlobView(12)));
    // The replica needs every record above min(applied, trim): peers may
    // still ask for those (see the memory rule in paxos/replica.h).
    paxos::Lsn keep_above = std::min(r.state.applied_lsn, r.state.hard_state.trim_lsn);
    w->Reset().Bind(1, S(r.group)).Bind(2, S(keep_above));
    for (;;) {
      auto rec = w->Step();
      if (!rec.ok()) return rec.status();
      if (!*rec) break;
      paxos::Record pr{U(w->Int(0)), U(w->Int(1)), w->Blob(2)};
      pr.kind = static_cast<paxos::RecordKind>(w->Int(4));
      if (Crc(pr.data) != w->Int(3)) {
        return Status::Corruption("WAL record checksum mismatch: group " + std::to_string(r.group) +
                                  " lsn " + std::to_string(pr.lsn));
      }
      r.state.records.push_back(std::move(pr));
    }
    rows.push_back(std::move(r));
  }
  totals_loaded_ = true;
  return rows;
}

Status NodeStore::LoadTotals() {
  if (totals_loaded_) return Status::Ok();
  auto q = db_->Prepare("SELECT group_id, item_totals FROM replicas WHERE item_totals != x''");
  if (!q.ok()) return q.status();
  for (;;) {
    auto row = q->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    RETURN_IF_ERROR(NoteStoredTotals(U(q->Int(0)), q->BlobView(1)));
  }
  totals_loaded_ = true;
  return Status::Ok();
}

Status NodeStore::NoteStoredTotals(uint64_t group, std::string_view bytes) {
  if (bytes.empty()) return Status::Ok();
  if (!DecodeItemTotals(bytes, &totals_[group])) {
    return Status::Corruption("item totals of group " + std::to_string(group) + " are malformed");
  }
  return Status::Ok();
}

Status NodeStore::PendingTotals(uint64_t group, GroupTotals** totals) {
  if (!in_transaction_) return Status::Internal("items changed outside a transaction");
  RETURN_IF_ERROR(LoadTotals());
  UnsavedState& u = unsaved_[group];
  if (!u.totals) {
    auto it = totals_.find(group);
    u.totals = it == totals_.end() ? GroupTotals{} : it->second;
  }
  *totals = &*u.totals;
  return Status::Ok();
}

Status NodeStore::PutItemRow(uint64_t space, const std::string& h, const std::string& hk, const std::string& rk,
                             const std::string& item, uint32_t size) {
  if (SpaceIndex(space) > kMaxLocalIndexes) return Status::Internal("no such item space");
  GroupTotals* totals = nullptr;
  RETURN_IF_ERROR(PendingTotals(SpaceGroup(space), &totals));
  SpaceTotals& t = (*totals)[SpaceIndex(space)];
  replaced_size_ = -1;
  put_item_.Reset().Bind(1, S(space)).Bind(2, h).Bind(3, hk).Bind(4, rk).Bind(5, item).Bind(6, int64_t{size});
  RETURN_IF_ERROR(put_item_.Run());
  if (replaced_size_ < 0) {
    t.items += 1;
    t.bytes += size;
  } else {
    t.bytes += int64_t{size} - replaced_size_;
  }
  return Status::Ok();
}

Status NodeStore::DeleteItemRow(uint64_t space, const std::string& h, const std::string& hk, const std::string& rk) {
  if (SpaceIndex(space) > kMaxLocalIndexes) return Status::Internal("no such item space");
  GroupTotals* totals = nullptr;
  RETURN_IF_ERROR(PendingTotals(SpaceGroup(space), &totals));
  delete_item_.Reset().Bind(1, S(space)).Bind(2, h).Bind(3, hk).Bind(4, rk);
  auto deleted = delete_item_.Step();
  if (!deleted.ok()) return deleted.status();
  if (*deleted) {
    SpaceTotals& t = (*totals)[SpaceIndex(space)];
    t.items -= 1;
    t.bytes -= delete_item_.Int(0);
  }
  // RETURNING: the delete is done by the first step; reset ends the statement.
  delete_item_.Reset();
  return Status::Ok();
}

Status NodeStore::RecountTotals(uint64_t group) {
  GroupTotals* totals = nullptr;
  RETURN_IF_ERROR(PendingTotals(group, &totals));
  auto count = db_->Prepare(std::string(kCountItems) + " WHERE group_id=?1");
  if (!count.ok()) return count.status();
  std::map<uint64_t, GroupTotals> counted;
  for (uint32_t i = 0; i <= kMaxLocalIndexes; ++i) {
    RETURN_IF_ERROR(CountItems(count->Reset().Bind(1, S(LocalSpace(group, i))), &counted));
  }
  *totals = counted[group];
  return Status::Ok();
}

Status NodeStore::CountItems(Statement& count, std::map<uint64_t, GroupTotals>* counted) {
  for (;;) {
    auto row = count.Step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
    const uint64_t space = U(count.Int(0));
    if (count.Int(1) > 0 && SpaceIndex(space) <= kMaxLocalIndexes) {
      (*counted)[SpaceGroup(space)][SpaceIndex(space)] = SpaceTotals{count.Int(1), count.Int(2)};
    }
  }
}

Status NodeStore::CreateReplica(const ReplicaRow& row, bool* inserted) {
  std::string members = JoinNodeIds(row.members);
  Statement& st = create_replica_.Reset();
  st.Bind(1, S(row.group)).Bind(2, S(row.table_id)).BindText(3, members);
  st.Bind(4, S(row.hash_lo)).Bind(5, S(row.hash_hi)).Bind(6, S(row.state.hard_state.promised));
  st.Bind(7, S(row.joined_lsn)).Bind(8, int64_t{row.log_replica ? 1 : 0});
  RETURN_IF_ERROR(st.Run());
  if (inserted != nullptr) *inserted = db_->Changes() == 1;
  return Status::Ok();
}

Status NodeStore::DropReplica(uint64_t group) {
  std::string g = std::to_string(group);
  RETURN_IF_ERROR(Begin());
  Status s = ClearGroup(group);
  if (s.ok()) {
    s = db_->Exec("DELETE FROM wal WHERE group_id=" + g + "; DELETE FROM locks WHERE group_id=" + g +
                  "; DELETE FROM decisions WHERE group_id=" + g + "; DELETE FROM replicas WHERE group_id=" + g);
  }
  if (!s.ok()) {
    (void)Rollback();
    return s;
  }
  unsaved_.erase(group);  // its row is gone
  RETURN_IF_ERROR(Commit());
  totals_.erase(group);
  return Status::Ok();
}

Status NodeStore::ClearGroup(uint64_t group) {
  scrub_.CancelDigest(group);  // of rows about to go
  GroupTotals* totals = nullptr;
  RETURN_IF_ERROR(PendingTotals(group, &totals));
  for (uint32_t i = 0; i <= kMaxLocalIndexes; ++i) {
    RETURN_IF_ERROR(truncate_.Reset().Bind(1, S(LocalSpace(group, i))).Run());
  }
  *totals = GroupTotals{};
  outbox_groups_.erase(group);
  return clear_outbox_.Reset().Bind(1, S(group)).Run();
}

Status NodeStore::ApplyIndexWrites(uint64_t group, uint64_t lsn, const std::vector<IndexWrite>& writes,
                                   uint32_t* seq) {
  for (const IndexWrite& w : writes) {
    if (w.local_index > 0 && w.local_index <= kMaxLocalIndexes) {
      std::string h = KeyHashBytes(KeyHash(w.key.hash));
      const uint64_t space = LocalSpace(group, w.local_index);
      RETURN_IF_ERROR(w.erase ? DeleteItemRow(space, h, w.key.hash, w.key.range)
                              : PutItemRow(space, h, w.key.hash, w.key.range, w.item, w.size));
    } else if (w.global_table != 0) {
      std::string data;
      AppendIndexWrite(w, &data);
      put_outbox_.Reset().Bind(1, S(group)).Bind(2, S(lsn)).Bind(3, int64_t{(*seq)++});
      RETURN_IF_ERROR(put_outbox_.Bind(4, data).Run());
      outbox_groups_.insert(group);
      outbox_added_ = true;
    }
  }
  return Status::Ok();
}

Status NodeStore::Begin() {
  RETURN_IF_ERROR(db_->Begin());
  in_transaction_ = true;
  return Status::Ok();
}

Status NodeStore::Commit() {
  for (const auto& [group, u] : unsaved_) {
    if (Status s = SaveRow(group, u); !s.ok()) {
      (void)Rollback();
      return s;
    }
  }
  std::map<uint64_t, UnsavedState> saved;
  saved.swap(unsaved_);
  in_transaction_ = false;
  RETURN_IF_ERROR(db_->Commit());
  for (auto& [group, u] : saved) {
    if (u.totals) totals_[group] = *u.totals;
  }
  return Status::Ok();
}

// One UPDATE of the row: a persist (hard state), an apply (applied_lsn, with
// the item totals when items changed), both, or the totals alone.
Status NodeStore::SaveRow(uint64_t group, const UnsavedState& u) {
  Statement& st = save_row_.Reset().Bind(1, S(group));
  if (u.hard_state) {
    st.Bind(2, S(u.hard_state->promised)).Bind(3, S(u.hard_state->commit_lsn)).Bind(4, S(u.hard_state->trim_lsn));
  } else {
    st.BindNull(2).BindNull(3).BindNull(4);
  }
  if (u.applied_lsn) {
    st.Bind(5, S(*u.applied_lsn));
  } else {
    st.BindNull(5);
  }
  if (u.totals) {
    st.Bind(6, EncodeItemTotals(*u.totals));
  } else {
    st.BindNull(6);
  }
  return st.Run();
}

Status NodeStore::Rollback() {
  unsaved_.clear();
  in_transaction_ = false;
  return db_->Rollback();
}

Status NodeStore::SaveHardState(uint64_t group, const paxos::HardState& hs) {
  if (in_transaction_) {
    unsaved_[group].hard_state = hs;
    return Status::Ok();
  }
  return SaveRow(group, UnsavedState{hs, std::nullopt, std::nullopt});
}

Status NodeStore::SetApplied(uint64_t group, paxos::Lsn lsn) {
  if (in_transaction_) {
    unsaved_[group].applied_lsn = lsn;
    return Status::Ok();
  }
  return SaveRow(group, UnsavedState{std::nullopt, lsn, std::nullopt});
}

Status NodeStore::SaveRecord(uint64_t group, const paxos::Record& r) {
  save_record_.Reset().Bind(1, S(group)).Bind(2, S(r.lsn)).Bind(3, S(r.ballot));
  return save_record_.Bind(4, r.data).Bind(5, Crc(r.data)).Bind(6, static_cast<int64_t>(r.kind)).Run();
}

Status NodeStore::Apply(uint64_t group, const paxos::Record& r, bool apply_items) {
  if (!in_transaction_) {
    RETURN_IF_ERROR(Begin());
    Status s = Apply(group, r, apply_items);
    if (!s.ok()) {
      (void)Rollback();
      return s;
    }
    return Commit();
  }
  // A digest under way is of the rows before this record (a storage node
  // holds a follower's records back until it is complete instead).
  if (apply_items) RETURN_IF_ERROR(scrub_.FinishDigest(group));
  // Configuration records change the group, not its items.
  if (r.kind == paxos::RecordKind::kConfig) {
    RETURN_IF_ERROR(set_config_.Reset().Bind(1, S(group)).Bind(2, r.data).Run());
  }
  if (apply_items && !r.data.empty() && r.kind == paxos::RecordKind::kData) {
    auto rec = DecodeWalRecord(r.data);
    if (!rec.ok()) return rec.status();
    if (rec->op == WalRecord::Op::kScrubMarker) {
      RETURN_IF_ERROR(scrub_.OnMarker(group, r.lsn, *rec));
      return SetApplied(group, r.lsn);
    }
    if (rec->op == WalRecord::Op::kTruncate) {
      RETURN_IF_ERROR(ClearGroup(group));
      return SetApplied(group, r.lsn);
    }
    if (rec->op == WalRecord::Op::kOutboxTrim) {
      RETURN_IF_ERROR(trim_outbox_.Reset().Bind(1, S(group)).Bind(2, S(rec->trim_lsn)).Run());
      return SetApplied(group, r.lsn);
    }
    uint32_t seq = 0;  // outbox rows of this record
    if (rec->op == WalRecord::Op::kBatch) {
      for (const WalRecord& w : rec->writes) RETURN_IF_ERROR(ApplyItemWrite(group, r.lsn, w, &seq));
    } else {
      RETURN_IF_ERROR(IsTxnOp(rec->op) ? ApplyTxn(group, r.lsn, *rec, &seq) : ApplyItemWrite(group, r.lsn, *rec, &seq));
    }
  }
  return SetApplied(group, r.lsn);
}

Status NodeStore::ApplyItemWrite(uint64_t group, uint64_t lsn, const WalRecord& rec, uint32_t* seq) {
  if (rec.op != WalRecord::Op::kPut && rec.op != WalRecord::Op::kDelete) {
    return Status::Corruption("staged record is not a put or delete");
  }
  std::string h = KeyHashBytes(KeyHash(rec.hash_key));
  RETURN_IF_ERROR(rec.op == WalRecord::Op::kPut
                      ? PutItemRow(group, h, rec.hash_key, rec.range_key, rec.item, rec.item_size)
                      : DeleteItemRow(group, h, rec.hash_key, rec.range_key));
  return ApplyIndexWrites(group, lsn, rec.index_writes, seq);
}

Status NodeStore::ApplyTxn(uint64_t group, uint64_t lsn, const WalRecord& rec, uint32_t* seq) {
  switch (rec.op) {
    case WalRecord::Op::kPrepare:
      put_lock_.Reset().Bind(1, S(group)).Bind(2, rec.hash_key).Bind(3, rec.range_key).Bind(4, rec.txn);
      return put_lock_.Bind(5, int64_t{rec.shared}).Bind(6, S(rec.decision_group)).Bind(7, rec.staged).Run();
    case WalRecord::Op::kCommit: {
      std::vector<std::string> staged;
      txn_staged_.Reset().Bind(1, S(group)).Bind(2, rec.txn);
      for (;;) {
        auto row = txn_staged_.Step();
        if (!row.ok()) return row.status();
        if (!*row) break;
        staged.push_back(txn_staged_.Blob(0));
      }
      txn_staged_.Reset();
      for (const std::string& bytes : staged) {
        if (bytes.empty()) continue;  // a lock without a write (ConditionCheck, Get)
        auto write = DecodeWalRecord(bytes);
        if (!write.ok()) return write.status();
        RETURN_IF_ERROR(ApplyItemWrite(group, lsn, *write, seq));
      }
      return drop_txn_locks_.Reset().Bind(1, S(group)).Bind(2, rec.txn).Run();
    }
    case WalRecord::Op::kAbort:
      return drop_txn_locks_.Reset().Bind(1, S(group)).Bind(2, rec.txn).Run();
    case WalRecord::Op::kDecide:
      return put_decision_.Reset().Bind(1, S(group)).Bind(2, rec.txn).Bind(3, int64_t{rec.commit}).Run();
    default:
      return Status::Corruption("not a transaction record");
  }
}

Result<std::vector<LockRow>> NodeStore::LoadLocks(uint64_t group) {
  std::vector<LockRow> out;
  group_locks_.Reset().Bind(1, S(group));
  for (;;) {
    auto row = group_locks_.Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    LockRow l;
    l.key = Key{group_locks_.Blob(0), group_locks_.Blob(1)};
    l.txn = group_locks_.Blob(2);
    l.shared = group_locks_.Int(3) != 0;
    l.decision_group = U(group_locks_.Int(4));
    l.staged = group_locks_.Blob(5);
    out.push_back(std::move(l));
  }
  group_locks_.Reset();
  return out;
}

Result<std::map<std::string, bool>> NodeStore::LoadDecisions(uint64_t group) {
  std::map<std::string, bool> out;
  group_decisions_.Reset().Bind(1, S(group));
  for (;;) {
    auto row = group_decisions_.Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out[group_decisions_.Blob(0)] = group_decisions_.Int(1) != 0;
  }
  group_decisions_.Reset();
  return out;
}

Status NodeStore::InstallSnapshot(uint64_t group, const GroupCopy& copy, const std::string& config) {
  RETURN_IF_ERROR(Begin());
  Status s = ClearGroup(group);
  if (s.ok()) s = ReplaceGroup(group, copy);
  if (s.ok()) s = set_config_.Reset().Bind(1, S(group)).Bind(2, config).Run();
  if (s.ok()) s = SetApplied(group, copy.lsn);
  if (s.ok()) {
    auto st = db_->Prepare("UPDATE replicas SET commit_lsn=max(commit_lsn,?2) WHERE group_id=?1");
    s = st.ok() ? st->Bind(1, S(group)).Bind(2, S(copy.lsn)).Run() : st.status();
  }
  if (s.ok()) {
    for (const GroupCopy::Table& t : copy.tables) {
      if (t.name == "outbox" && !t.rows.empty()) outbox_groups_.insert(group);
    }
    return Commit();
  }
  (void)Rollback();
  return s;
}

Status NodeStore::ReplaceGroup(uint64_t group, const GroupCopy& copy) {
  scrub_.CancelDigest(group);  // of rows that are gone
  RETURN_IF_ERROR(scrub_.Replace(group, copy));
  return RecountTotals(group);
}

Result<std::string> NodeStore::StoredConfiguration(uint64_t group) {
  auto st = db_->Prepare("SELECT config FROM replicas WHERE group_id=?1");
  if (!st.ok()) return st.status();
  st->Bind(1, S(group));
  auto row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::NotFound("no replica of group " + std::to_string(group));
  return st->Blob(0);
}

Result<std::optional<std::string>> NodeStore::Get(uint64_t group, const Key& key) {
  std::string h = KeyHashBytes(KeyHash(key.hash));
  get_item_.Reset().Bind(1, S(group)).Bind(2, h).Bind(3, key.hash).Bind(4, key.range);
  auto row = get_item_.Step();
  if (!row.ok()) return row.status();
  std::optional<std::string> out;
  if (*row) out = get_item_.Blob(0);
  get_item_.Reset();
  return out;
}

Status NodeStore::Scan(uint64_t group, const std::optional<Key>& after, size_t limit,
                       size_t max_bytes, uint64_t hash_lo, uint64_t hash_hi, ScanPage* page) {
  std::string h, lo = KeyHashBytes(hash_lo), hi = KeyHashBytes(hash_hi);
  Statement* st = after ? &scan_after_ : &scan_first_;
  st->Reset().Bind(1, S(group));
  if (after) {
    h = KeyHashBytes(KeyHash(after->hash));
    st->Bind(2, h).Bind(3, after->hash).Bind(4, after->range);
  }
  int64_t rows = limit > static_cast<size_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(limit);
  st->Bind(5, rows).Bind(6, lo).Bind(7, hi);
  size_t bytes = 0;
  for (;;) {
    auto row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    Row r{{st->Blob(0), st->Blob(1)}, st->Blob(2)};
    bytes += r.item.size();
    page->rows.push_back(std::move(r));
    if (page->rows.size() >= limit || bytes >= max_bytes) {
      page->truncated = true;
      break;
    }
  }
  st->Reset();
  return Status::Ok();
}

Status NodeStore::Query(uint64_t group, const QuerySpec& spec, ScanPage* page) {
  // WHERE group, hash and hash key; then the bounds that are present, the
  // resume point as one more bound; ORDER BY rk in the asked direction.
  std::string sql = "SELECT hk,rk,item FROM items WHERE group_id=?1 AND h=?2 AND hk=?3";
  std::vector<const std::string*> binds;
  auto bound = [&](const char* op, const std::string& v) {
    binds.push_back(&v);
    sql += std::string(" AND rk") + op + "?" + std::to_string(3 + binds.size());
  };
  if (spec.lower) bound(spec.lower->inclusive ? ">=" : ">", spec.lower->value);
  if (spec.upper) bound(spec.upper->inclusive ? "<=" : "<", spec.upper->value);
  if (spec.after) bound(spec.forward ? ">" : "<", *spec.after);
  sql += spec.forward ? " ORDER BY rk ASC" : " ORDER BY rk DESC";
  sql += " LIMIT ?" + std::to_string(4 + binds.size());
  auto it = queries_.find(sql);
  if (it == queries_.end()) {
    auto st = db_->Prepare(sql);
    if (!st.ok()) return st.status();
    it = queries_.emplace(sql, std::move(st.value())).first;
  }
  Statement& st = it->second;
  std::string h = KeyHashBytes(KeyHash(spec.hash));
  st.Reset().Bind(1, S(LocalSpace(group, spec.local_index))).Bind(2, h).Bind(3, spec.hash);
  for (size_t i = 0; i < binds.size(); ++i) st.Bind(static_cast<int>(4 + i), *binds[i]);
  int64_t limit = spec.limit > static_cast<size_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(spec.limit);
  st.Bind(static_cast<int>(4 + binds.size()), limit);
  size_t bytes = 0;
  for (;;) {
    auto row = st.Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    Row r{{st.Blob(0), st.Blob(1)}, st.Blob(2)};
    bytes += r.item.size();
    page->rows.push_back(std::move(r));
    if (page->rows.size() >= spec.limit || bytes >= spec.max_bytes) {
      page->truncated = true;
      break;
    }
  }
  st.Reset();
  return Status::Ok();
}

Status NodeStore::ItemTotals(uint64_t space, TableStats* stats) {
  RETURN_IF_ERROR(LoadTotals());
  auto it = totals_.find(SpaceGroup(space));
  if (it == totals_.end() || SpaceIndex(space) > kMaxLocalIndexes) return Status::Ok();
  const SpaceTotals& t = it->second[SpaceIndex(space)];
  stats->item_count += U(t.items);
  stats->size_bytes += U(t.bytes);
  return Status::Ok();
}

Status NodeStore::Stats(uint64_t space, TableStats* stats) {
  RETURN_IF_ERROR(ItemTotals(space, stats));
  outbox_count_.Reset().Bind(1, S(space));
  auto row = outbox_count_.Step();
  if (!row.ok()) return row.status();
  if (*row) stats->index_backlog += U(outbox_count_.Int(0));
  outbox_count_.Reset();
  return Status::Ok();
}

Status NodeStore::CollectionBytes(uint64_t group, const std::string& h, const std::string& hk, uint64_t* bytes) {
  *bytes = 0;
  for (uint32_t i = 0; i <= kMaxLocalIndexes; ++i) {
    collection_bytes_.Reset().Bind(1, S(LocalSpace(group, i))).Bind(2, h).Bind(3, hk);
    auto row = collection_bytes_.Step();
    if (!row.ok()) return row.status();
    if (*row) *bytes += U(collection_bytes_.Int(0));
  }
  collection_bytes_.Reset();
  return Status::Ok();
}

Status NodeStore::ReadOutbox(uint64_t group, size_t limit, std::vector<OutboxRow>* rows) {
  read_outbox_.Reset().Bind(1, S(group)).Bind(2, static_cast<int64_t>(limit));
  for (;;) {
    auto row = read_outbox_.Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    rows->push_back(OutboxRow{group, U(read_outbox_.Int(0)), static_cast<uint32_t>(read_outbox_.Int(1)),
                              read_outbox_.Blob(2)});
  }
  read_outbox_.Reset();
  if (rows->empty()) outbox_groups_.erase(group);
  return Status::Ok();
}

}  // namespace ddb::cluster
