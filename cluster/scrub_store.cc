// ScrubStore: digests, copies and repairs of a group's replicated rows; WAL
// reads, trimming and bit rot (see scrub_store.h).
#include "cluster/scrub_store.h"

#include <md5.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <memory>
#include <string>

#include "base/varint.h"
#include "cluster/node_store.h"

namespace ddb::cluster {

namespace {

// The tables that hold a group's replicated state: its items, its local
// indexes' rows (items in the spaces LocalSpace(group, i)), its outbox of
// global index writes, and its transaction locks and decisions. `types` has one letter per column: 'b' blob, 'i'
// integer. `order` is the primary key after group_id; `hashed` tables have
// an h column first in it, by which a scrub marker's slice selects rows.
struct ReplicatedTable {
  const char* name;
  const char* columns;
  const char* types;
  const char* order;
  uint32_t local_index;  // rows under group_id = LocalSpace(group, local_index)
  bool hashed;
};
constexpr ReplicatedTable kReplicatedTables[] = {
    {"items", "h,hk,rk,item,size", "bbbbi", "h,hk,rk", 0, true},
    {"items", "h,hk,rk,item,size", "bbbbi", "h,hk,rk", 1, true},
    {"items", "h,hk,rk,item,size", "bbbbi", "h,hk,rk", 2, true},
    {"items", "h,hk,rk,item,size", "bbbbi", "h,hk,rk", 3, true},
    {"items", "h,hk,rk,item,size", "bbbbi", "h,hk,rk", 4, true},
    {"items", "h,hk,rk,item,size", "bbbbi", "h,hk,rk", 5, true},
    {"outbox", "lsn,seq,data", "iib", "lsn,seq", 0, false},
    {"locks", "hk,rk,txn,shared,decision_group,staged", "bbbiib", "hk,rk,txn", 0, false},
    {"decisions", "txn,committed", "bi", "txn", 0, false},
};
static_assert(kMaxLocalIndexes == 5, "one items entry per local index space");
constexpr size_t kDigestsKept = 8;
constexpr size_t kCopiesKept = 2;

int64_t S(uint64_t v) { return static_cast<int64_t>(v); }

// How many columns `order` names (the first ones of `columns`).
int OrderColumns(const ReplicatedTable& t) {
  return 1 + static_cast<int>(std::count(t.order, t.order + std::char_traits<char>::length(t.order), ','));
}

std::string Hex(const unsigned char* p, size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[p[i] >> 4]);
    out.push_back(kDigits[p[i] & 15]);
  }
  return out;
}

// Streams every replicated row of a group to `row` (one call per row, with
// the table's index), in digest order.
template <typename RowFn>
Status ForEachRow(SqliteDb* db, uint64_t group, RowFn row) {
  for (size_t t = 0; t < std::size(kReplicatedTables); ++t) {
    const ReplicatedTable& table = kReplicatedTables[t];
    auto st = db->Prepare(std::string("SELECT ") + table.columns + " FROM " + table.name +
                          " WHERE group_id=?1 ORDER BY " + table.order);
    if (!st.ok()) return st.status();
    st->Bind(1, S(LocalSpace(group, table.local_index)));
    for (;;) {
      auto more = st->Step();
      if (!more.ok()) return more.status();
      if (!*more) break;
      RETURN_IF_ERROR(row(t, *st));
    }
  }
  return Status::Ok();
}

}  // namespace

std::string Md5Hex(std::string_view bytes) {
  MD5_CTX ctx;
  MD5Init(&ctx);
  MD5Update(&ctx, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  uint8_t md[MD5_DIGEST_LENGTH];
  MD5Final(md, &ctx);
  return Hex(md, sizeof md);
}

Status ScrubStore::ComputeDigest(uint64_t group, std::string* digest, uint64_t* rows, std::string_view lo,
                                 std::string_view hi) {
  DigestInProgress d(lo, hi);
  auto done = Step(group, &d, SIZE_MAX);
  if (!done.ok()) return done.status();
  *digest = std::move(d.result.digest);
  *rows = d.result.rows;
  return Status::Ok();
}

Result<Statement*> ScrubStore::StepStatement(size_t t, bool lo, bool hi, bool after) {
  const ReplicatedTable& table = kReplicatedTables[t];
  std::string sql = std::string("SELECT ") + table.columns + " FROM " + table.name + " WHERE group_id=?1";
  if (table.hashed && lo) sql += " AND h>=?2";
  if (table.hashed && hi) sql += " AND h<?3";
  // The order columns are the first ones of `columns`: at most three.
  if (after) {
    sql += std::string(" AND (") + table.order + ")>(?4";
    for (int c = 1; c < OrderColumns(table); ++c) sql += ",?" + std::to_string(4 + c);
    sql += ")";
  }
  sql += std::string(" ORDER BY ") + table.order + " LIMIT ?7";
  auto it = step_statements_.find(sql);
  if (it == step_statements_.end()) {
    auto st = db_->Prepare(sql);
    if (!st.ok()) return st.status();
    it = step_statements_.emplace(sql, st.take()).first;
  }
  return &it->second;
}

Result<bool> ScrubStore::Step(uint64_t group, DigestInProgress* d, size_t max_rows) {
  std::string buf;
  size_t budget = max_rows;
  while (d->table < std::size(kReplicatedTables)) {
    const ReplicatedTable& table = kReplicatedTables[d->table];
    if (!table.hashed && !d->lo.empty()) {  // the first slice's alone
      ++d->table;
      continue;
    }
    if (budget == 0) return false;
    auto st = StepStatement(d->table, !d->lo.empty(), !d->hi.empty(), !d->after.empty());
    if (!st.ok()) return st.status();
    Statement& q = **st;
    q.Reset().Bind(1, S(LocalSpace(group, table.local_index)));
    if (table.hashed && !d->lo.empty()) q.Bind(2, d->lo);
    if (table.hashed && !d->hi.empty()) q.Bind(3, d->hi);
    for (size_t c = 0; c < d->after.size(); ++c) {
      const int param = static_cast<int>(4 + c);
      if (table.types[c] == 'i') {
        q.Bind(param, d->after[c].i);
      } else {
        q.Bind(param, std::string_view(d->after[c].b));
      }
    }
    q.Bind(7, budget == SIZE_MAX ? int64_t{-1} : static_cast<int64_t>(budget));
    // The bound values are d->after's own bytes (not copied): the last
    // row's key goes elsewhere until the query is reset.
    std::vector<GroupCopy::Value> last(static_cast<size_t>(OrderColumns(table)));
    size_t got = 0;
    for (;;) {
      auto more = q.Step();
      if (!more.ok()) {
        q.Reset();
        return more.status();
      }
      if (!*more) break;
      buf.clear();
      if (d->after.empty() && got == 0) {  // the table's first row: its name first
        buf.append(table.name);
        buf.push_back('\0');
      }
      for (int c = 0; table.types[c] != '\0'; ++c) {
        const bool key = c < OrderColumns(table);
        if (table.types[c] == 'i') {
          const int64_t i = q.Int(c);
          const uint64_t v = static_cast<uint64_t>(i);
          for (int k = 7; k >= 0; --k) buf.push_back(static_cast<char>(v >> (8 * k)));
          if (key) last[static_cast<size_t>(c)].i = i;
        } else {
          std::string_view b = q.BlobView(c);
          PutVarint(&buf, b.size());
          buf.append(b);
          if (key) last[static_cast<size_t>(c)].b.assign(b);
        }
      }
      MD5Update(&d->md5, reinterpret_cast<const uint8_t*>(buf.data()), buf.size());
      ++d->result.rows;
      ++got;
    }
    q.Reset();  // no statement stays open between steps
    if (got > 0) d->after = std::move(last);
    if (budget != SIZE_MAX) budget -= got;
    // Fewer rows than asked for: the table is done.
    if (budget != 0) {
      ++d->table;
      d->after.clear();
    }
  }
  uint8_t md[MD5_DIGEST_LENGTH];
  MD5Final(md, &d->md5);
  d->result.digest = Hex(md, sizeof md);
  return true;
}

void ScrubStore::Keep(uint64_t group, MarkerDigest d) {
  auto& list = digests_[group];
  list.push_back(std::move(d));
  while (list.size() > kDigestsKept) list.pop_front();
}

Status ScrubStore::StepDigests(size_t max_rows) {
  if (pending_.empty()) return Status::Ok();
  auto it = pending_.begin();
  auto done = Step(it->first, &it->second, max_rows);
  if (!done.ok()) {
    pending_.erase(it);
    return done.status();
  }
  if (*done) {
    Keep(it->first, std::move(it->second.result));
    pending_.erase(it);
  }
  return Status::Ok();
}

Status ScrubStore::FinishDigest(uint64_t group) {
  auto it = pending_.find(group);
  if (it == pending_.end()) return Status::Ok();
  auto done = Step(group, &it->second, SIZE_MAX);
  if (done.ok()) Keep(group, std::move(it->second.result));
  pending_.erase(it);
  return done.status();
}

Result<GroupCopy> ScrubStore::Copy(uint64_t group) {
  GroupCopy copy;
  for (const ReplicatedTable& t : kReplicatedTables) copy.tables.push_back(GroupCopy::Table{t.name, {}});
  Status s = ForEachRow(db_, group, [&](size_t t, Statement& st) {
    const char* types = kReplicatedTables[t].types;
    std::vector<GroupCopy::Value> row;
    for (int c = 0; types[c] != '\0'; ++c) {
      GroupCopy::Value v;
      if (types[c] == 'i') {
        v.i = st.Int(c);
        copy.bytes += 8;
      } else {
        v.b = st.Blob(c);
        copy.bytes += v.b.size();
      }
      row.push_back(std::move(v));
    }
    copy.tables[t].rows.push_back(std::move(row));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return copy;
}

Status ScrubStore::Replace(uint64_t group, const GroupCopy& copy) {
  for (size_t t = 0; t < std::size(kReplicatedTables); ++t) {
    const ReplicatedTable& table = kReplicatedTables[t];
    const uint64_t space = LocalSpace(group, table.local_index);
    RETURN_IF_ERROR(db_->Exec(std::string("DELETE FROM ") + table.name + " WHERE group_id=" +
                              std::to_string(S(space))));
    if (t >= copy.tables.size() || copy.tables[t].name != table.name) {
      return Status::Corruption(std::string("repair copy lacks table ") + table.name);
    }
    std::string sql = std::string("INSERT INTO ") + table.name + "(group_id," + table.columns + ") VALUES(?1";
    const int columns = static_cast<int>(std::char_traits<char>::length(table.types));
    for (int c = 0; c < columns; ++c) sql += ",?" + std::to_string(c + 2);
    sql += ")";
    auto st = db_->Prepare(sql);
    if (!st.ok()) return st.status();
    for (const auto& row : copy.tables[t].rows) {
      if (static_cast<int>(row.size()) != columns) return Status::Corruption("repair copy: bad row");
      st->Reset().Bind(1, S(space));
      for (int c = 0; c < columns; ++c) {
        if (table.types[c] == 'i') {
          st->Bind(c + 2, row[c].i);
        } else {
          st->Bind(c + 2, std::string_view(row[c].b));
        }
      }
      RETURN_IF_ERROR(st->Run());
    }
  }
  return Status::Ok();
}

Status ScrubStore::OnMarker(uint64_t group, paxos::Lsn lsn, const WalRecord& marker) {
  // One digest per group at a time (its node completes one before it
  // applies the group's next record; this is for safety).
  RETURN_IF_ERROR(FinishDigest(group));
  DigestInProgress d(marker.hash_key, marker.range_key);
  d.result.scrub_id = marker.scrub_id;
  d.result.lsn = lsn;
  // A repair's copy is of the whole partition (its marker names no slice),
  // taken now, with its digest.
  const bool copy = marker.scrub_source != 0 && marker.scrub_source == node_id_;
  if (defer_digests_ && !copy) {
    pending_.insert_or_assign(group, std::move(d));
    return Status::Ok();
  }
  auto done = Step(group, &d, SIZE_MAX);
  if (!done.ok()) return done.status();
  Keep(group, std::move(d.result));
  if (copy) {
    auto taken = Copy(group);
    if (!taken.ok()) return taken.status();
    taken->lsn = lsn;
    while (copies_.size() >= kCopiesKept) copies_.erase(copies_.begin());
    copies_[{group, marker.scrub_id}] = std::move(taken.value());
  }
  return Status::Ok();
}

std::optional<MarkerDigest> ScrubStore::Digest(uint64_t group, uint64_t scrub_id) const {
  auto it = digests_.find(group);
  if (it == digests_.end()) return std::nullopt;
  for (const MarkerDigest& d : it->second) {
    if (d.scrub_id == scrub_id) return d;
  }
  return std::nullopt;
}

std::optional<GroupCopy> ScrubStore::TakeCopy(uint64_t group, uint64_t scrub_id) {
  auto it = copies_.find({group, scrub_id});
  if (it == copies_.end()) return std::nullopt;
  GroupCopy c = std::move(it->second);
  copies_.erase(it);
  return c;
}

ScrubStore::ScrubStore(SqliteDb* db)
    : db_(db),
      read_wal_(db->PrepareLater(
          "SELECT lsn,ballot,data,crc,kind FROM wal WHERE group_id=?1 AND lsn>?2 AND lsn<=?3 ORDER BY lsn LIMIT ?4")),
      trim_wal_(db->PrepareLater("DELETE FROM wal WHERE group_id=?1 AND lsn<=?2")),
      // length() of a blob comes from the record header: its overflow pages are not read.
      wal_slice_end_(db->PrepareLater(
          "SELECT lsn,length(data) FROM wal WHERE group_id=?1 AND lsn<=?2 ORDER BY lsn LIMIT ?3")),
      applied_lsn_(db->PrepareLater("SELECT coalesce(max(applied_lsn),0) FROM replicas WHERE group_id=?1")) {}

Result<std::vector<paxos::Record>> ScrubStore::ReadWal(uint64_t group, paxos::Lsn after, paxos::Lsn through,
                                                       size_t max, size_t max_bytes) {
  Statement& st = read_wal_.Reset();
  st.Bind(1, S(group)).Bind(2, S(after)).Bind(3, S(through)).Bind(4, S(max));
  std::vector<paxos::Record> out;
  size_t bytes = 0;
  Status s;
  while (s.ok() && bytes < max_bytes) {
    auto more = st.Step();
    if (!more.ok()) s = more.status();
    if (!s.ok() || !*more) break;
    paxos::Record r{static_cast<uint64_t>(st.Int(0)), static_cast<uint64_t>(st.Int(1)), st.Blob(2)};
    r.kind = static_cast<paxos::RecordKind>(st.Int(4));
    uLong crc = crc32(0, reinterpret_cast<const Bytef*>(r.data.data()), static_cast<uInt>(r.data.size()));
    if (static_cast<int64_t>(crc) != st.Int(3)) {
      s = Status::Corruption("WAL record checksum mismatch: group " + std::to_string(group) + " lsn " +
                             std::to_string(r.lsn));
      break;
    }
    bytes += r.data.size();
    out.push_back(std::move(r));
  }
  st.Reset();  // ends its read, which may have stopped early
  if (!s.ok()) return s;
  return out;
}

Status ScrubStore::TrimWal(uint64_t group, paxos::Lsn through) {
  return trim_wal_.Reset().Bind(1, S(group)).Bind(2, S(through)).Run();
}

Result<paxos::Lsn> ScrubStore::WalSliceEnd(uint64_t group, paxos::Lsn through, size_t max, size_t max_bytes) {
  Statement& st = wal_slice_end_.Reset();
  st.Bind(1, S(group)).Bind(2, S(through)).Bind(3, S(max));
  paxos::Lsn end = 0;
  size_t bytes = 0;
  Status s;
  while (bytes < max_bytes) {
    auto more = st.Step();
    if (!more.ok()) s = more.status();
    if (!s.ok() || !*more) break;
    end = static_cast<paxos::Lsn>(st.Int(0));
    bytes += static_cast<size_t>(st.Int(1));
  }
  st.Reset();  // ends its read, which may have stopped early
  if (!s.ok()) return s;
  return end;
}


Result<paxos::Lsn> ScrubStore::AppliedLsn(uint64_t group) {
  Statement& st = applied_lsn_.Reset();
  st.Bind(1, S(group));
  auto row = st.Step();
  const paxos::Lsn lsn = row.ok() && *row ? static_cast<paxos::Lsn>(st.Int(0)) : 0;
  st.Reset();
  if (!row.ok()) return row.status();
  return lsn;
}

Result<std::pair<std::string, std::string>> ScrubStore::FlipItemBit(uint64_t group, uint64_t pick) {
  auto count = db_->Prepare("SELECT count(*) FROM items WHERE group_id=?1");
  if (!count.ok()) return count.status();
  count->Bind(1, S(group));
  auto row = count->Step();
  if (!row.ok()) return row.status();
  const int64_t n = count->Int(0);
  if (n == 0) return Status::NotFound("the partition holds no item on this node");
  auto st = db_->Prepare("SELECT h,hk,rk,item FROM items WHERE group_id=?1 ORDER BY h,hk,rk LIMIT 1 OFFSET ?2");
  if (!st.ok()) return st.status();
  st->Bind(1, S(group)).Bind(2, static_cast<int64_t>(pick % static_cast<uint64_t>(n)));
  row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::NotFound("the partition holds no item on this node");
  std::string h = st->Blob(0), hk = st->Blob(1), rk = st->Blob(2), item = st->Blob(3);
  st->Reset();
  if (item.empty()) return Status::NotFound("empty item");
  // The last byte is usually text or a digit of the last attribute's value;
  // flipping its lowest bit keeps a digit a digit and ASCII text ASCII.
  item.back() = static_cast<char>(item.back() ^ 0x01);
  auto up = db_->Prepare("UPDATE items SET item=?5 WHERE group_id=?1 AND h=?2 AND hk=?3 AND rk=?4");
  if (!up.ok()) return up.status();
  up->Bind(1, S(group)).Bind(2, std::string_view(h)).Bind(3, std::string_view(hk)).Bind(4, std::string_view(rk));
  RETURN_IF_ERROR(up->Bind(5, std::string_view(item)).Run());
  return std::make_pair(hk, rk);
}

Status ScrubStore::CorruptWal(uint64_t group, paxos::Lsn lsn) {
  auto st = db_->Prepare("SELECT data FROM wal WHERE group_id=?1 AND lsn=?2");
  if (!st.ok()) return st.status();
  st->Bind(1, S(group)).Bind(2, S(lsn));
  auto row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::NotFound("no such WAL record");
  std::string data = st->Blob(0);
  st->Reset();
  if (data.empty()) data.push_back('\x01');
  else data.back() = static_cast<char>(data.back() ^ 0x01);
  auto up = db_->Prepare("UPDATE wal SET data=?3 WHERE group_id=?1 AND lsn=?2");
  if (!up.ok()) return up.status();
  return up->Bind(1, S(group)).Bind(2, S(lsn)).Bind(3, std::string_view(data)).Run();
}

Status ScrubStore::LoseWal(uint64_t group, paxos::Lsn lsn) {
  auto del = db_->Prepare("DELETE FROM wal WHERE group_id=?1 AND lsn=?2");
  if (!del.ok()) return del.status();
  RETURN_IF_ERROR(del->Bind(1, S(group)).Bind(2, S(lsn)).Run());
  return db_->Changes() == 1 ? Status::Ok() : Status::NotFound("no such WAL record");
}

}  // namespace ddb::cluster
