// StorageNode, a participant's side of transactions: locks, prepare,
// commit/abort, the decide record of a coordinator group, and the list of
// stale locks the recovery sweep resolves (the protocol is in cluster.h,
// the records in wal_record.h).
//
// Invariants:
//   1. Group::locks and Group::txn_items describe the same locks.
//   2. An item has either shared locks only, or exactly one exclusive lock.
//   3. A leader's maps include the effect of its own proposals in flight;
//      every other record changes them when it is applied (NoteCommitted).
//      When proposals are abandoned, the maps are reloaded from the file.
#include "cluster/storage_node.h"

namespace ddb::cluster {

namespace {
using Clock = std::chrono::steady_clock;
}  // namespace

Status StorageNode::LoadTxnState(Group* g) {
  g->locks.clear();
  g->txn_items.clear();
  g->decisions.clear();
  auto locks = store_->LoadLocks(g->row.group);
  if (!locks.ok()) return locks.status();
  const auto now = Clock::now();
  for (LockRow& l : locks.value()) {
    std::string item_key = ItemKey(l.key.hash, l.key.range);
    g->txn_items[l.txn].push_back(item_key);
    g->locks[item_key][l.txn] = Group::Lock{std::move(l.key), l.shared, l.decision_group, std::move(l.staged), now};
  }
  auto decisions = store_->LoadDecisions(g->row.group);
  if (!decisions.ok()) return decisions.status();
  for (const auto& [txn, committed] : decisions.value()) g->decisions[txn] = {committed, 0};
  NoteLocked(g);
  return Status::Ok();
}

void StorageNode::NoteLocked(Group* g) {
  if (g->txn_items.empty()) {
    locked_groups_.erase(g->row.group);
  } else {
    locked_groups_.insert(g->row.group);
  }
}

std::vector<StorageNode::Group::Lock> StorageNode::NoteTxnRecord(Group* g, const WalRecord& rec, paxos::Lsn lsn) {
  std::vector<Group::Lock> released;
  switch (rec.op) {
    case WalRecord::Op::kPrepare: {
      std::string item_key = ItemKey(rec.hash_key, rec.range_key);
      auto& holders = g->locks[item_key];
      if (holders.find(rec.txn) == holders.end()) g->txn_items[rec.txn].push_back(item_key);
      holders[rec.txn] = Group::Lock{Key{rec.hash_key, rec.range_key}, rec.shared, rec.decision_group, rec.staged,
                                     Clock::now()};
      break;
    }
    case WalRecord::Op::kCommit:
    case WalRecord::Op::kAbort: {
      auto it = g->txn_items.find(rec.txn);
      if (it == g->txn_items.end()) break;
      for (const std::string& item_key : it->second) {
        auto holders = g->locks.find(item_key);
        if (holders == g->locks.end()) continue;
        auto lock = holders->second.find(rec.txn);
        if (lock != holders->second.end()) {
          released.push_back(std::move(lock->second));
          holders->second.erase(lock);
        }
        if (holders->second.empty()) g->locks.erase(holders);
      }
      g->txn_items.erase(it);
      break;
    }
    case WalRecord::Op::kDecide:
      g->decisions.emplace(rec.txn, std::make_pair(rec.commit, lsn));  // the first one wins
      break;
    default:
      break;
  }
  if (IsTxnOp(rec.op)) NoteLocked(g);
  return released;
}

Status StorageNode::CheckLock(Group* g, const Key& key, const std::string& txn, bool shared) {
  auto it = g->locks.find(ItemKey(key.hash, key.range));
  if (it == g->locks.end()) return Status::Ok();
  for (const auto& [holder, lock] : it->second) {
    if (!txn.empty() && holder == txn) continue;
    if (shared && lock.shared) continue;
    return Status::Conflict("Transaction is ongoing for the item");
  }
  return Status::Ok();
}

void StorageNode::ProposeTxn(Group* g, const WalRecord& record, NodeReply reply, ReplyFn done) {
  Wake(g);  // done by RefuseUnlessLeader already; a sleeping group would never flush
  Result<paxos::Lsn> lsn = g->replica->Propose(EncodeWalRecord(record));
  if (!lsn.ok()) return done(Reply(lsn.status(), g->replica->leader_hint()));
  std::vector<std::string> written;
  for (Group::Lock& lock : NoteTxnRecord(g, record, *lsn)) {
    // A commit makes the staged writes the items' newest versions at once,
    // so that later read-modify-write steps read through them.
    if (record.op != WalRecord::Op::kCommit || lock.staged.empty()) continue;
    auto write = DecodeWalRecord(lock.staged);
    CHECK(write.ok() && "staged write does not decode");
    std::string item_key = ItemKey(write->hash_key, write->range_key);
    std::optional<std::string> version;
    if (write->op == WalRecord::Op::kPut) version = std::move(write->item);
    g->overlay[item_key] = {*lsn, std::move(version)};
    written.push_back(std::move(item_key));
  }
  g->pending[*lsn] = Group::Pending{g->replica->ballot(), std::move(written), std::move(reply), std::move(done)};
}

void StorageNode::NoteCommitted(Group* g, const paxos::Ready& ready) {
  bool reload = false;
  for (const paxos::Record& r : ready.committed) {
    if (r.kind != paxos::RecordKind::kData || r.data.size() < 2) continue;
    if (!IsTxnOp(static_cast<WalRecord::Op>(static_cast<uint8_t>(r.data[1])))) continue;
    auto own = g->pending.find(r.lsn);
    if (own != g->pending.end()) {
      // Ours: already noted when proposed. Another leader's value at an LSN
      // we proposed at: ours was noted and is not what was chosen.
      if (own->second.ballot != r.ballot) reload = true;
      continue;
    }
    auto rec = DecodeWalRecord(r.data);
    if (rec.ok()) NoteTxnRecord(g, *rec, r.lsn);
  }
  if (reload) {
    Status s = LoadTxnState(g);
    CHECK(s.ok() && "cannot reload transaction state");
  }
}

void StorageNode::Prepare(uint64_t group, TxnPrepare prepare, ReplyFn reply) {
  Request(std::move(reply), [this, group, prepare = std::move(prepare)](ReplyFn done) {
    Group* g = FindGroup(group);
    if (RefuseUnlessLeader(g, done)) return;
    // The maps must include every earlier leader's records.
    if (WaitForLease(g, done)) return;
    if (Clock::now() > prepare.deadline) return done(Reply(Status::Busy("transaction prepare came too late")));
    paxos::Lsn seen_lsn = 0;
    auto current = Latest(g, prepare.key, &seen_lsn);
    if (!current.ok()) return done(Reply(current.status()));
    if (Status locked = CheckLock(g, prepare.key, prepare.txn, prepare.shared); !locked.ok()) {
      return done(Reply(locked));
    }
    Mutation m = prepare.mutator ? prepare.mutator(*current) : Mutation{};
    NodeReply r;
    r.status = m.status;
    r.item = *current;
    r.new_item = *current;
    if (!m.status.ok()) {
      // As RunMutator: an answer resting on a version in flight waits for it.
      if (seen_lsn == 0) return done(std::move(r));
      g->after_commit.emplace(seen_lsn, std::make_pair(std::move(r), std::move(done)));
      return;
    }
    WalRecord rec;
    rec.op = WalRecord::Op::kPrepare;
    rec.hash_key = prepare.key.hash;
    rec.range_key = prepare.key.range;
    rec.txn = prepare.txn;
    rec.shared = prepare.shared;
    rec.decision_group = prepare.decision_group;
    if (m.write) {
      WalRecord write = WriteRecordOf(prepare.key, std::move(m));
      if (write.op == WalRecord::Op::kPut) {
        r.new_item = write.item;
      } else {
        r.new_item.reset();
      }
      rec.staged = EncodeWalRecord(write);
    }
    ProposeTxn(g, rec, std::move(r), std::move(done));
  });
}

void StorageNode::Resolve(uint64_t group, std::string txn, bool commit, ReplyFn reply) {
  Request(std::move(reply), [this, group, txn = std::move(txn), commit](ReplyFn done) {
    Group* g = FindGroup(group);
    if (RefuseUnlessLeader(g, done)) return;
    if (WaitForLease(g, done)) return;
    if (g->txn_items.find(txn) == g->txn_items.end()) return done(Reply(Status::Ok()));
    WalRecord rec;
    rec.op = commit ? WalRecord::Op::kCommit : WalRecord::Op::kAbort;
    rec.txn = txn;
    ProposeTxn(g, rec, NodeReply(), std::move(done));
  });
}

void StorageNode::Decide(uint64_t group, std::string txn, bool commit, ReplyFn reply) {
  Request(std::move(reply), [this, group, txn = std::move(txn), commit](ReplyFn done) {
    Group* g = FindGroup(group);
    if (RefuseUnlessLeader(g, done)) return;
    if (WaitForLease(g, done)) return;
    auto it = g->decisions.find(txn);
    if (it != g->decisions.end()) {
      NodeReply r;
      r.committed = it->second.first;
      // A decision still in flight counts once it is chosen.
      if (it->second.second <= g->replica->applied_lsn()) return done(std::move(r));
      g->after_commit.emplace(it->second.second, std::make_pair(std::move(r), std::move(done)));
      return;
    }
    WalRecord rec;
    rec.op = WalRecord::Op::kDecide;
    rec.txn = txn;
    rec.commit = commit;
    NodeReply r;
    r.committed = commit;
    ProposeTxn(g, rec, std::move(r), std::move(done));
  });
}

void StorageNode::StaleLocks(std::chrono::milliseconds age, ReplyFn reply) {
  Request(std::move(reply), [this, age](ReplyFn done) {
    NodeReply r;
    const auto cutoff = Clock::now() - age;
    for (uint64_t id : locked_groups_) {
      Group& g = groups_.at(id);
      // A quiet leader holding locks is woken: the next sweep finds its lease.
      if (g.asleep && g.replica->IsLeader()) Wake(&g);
      if (!g.replica->CanServeConsistentRead()) continue;
      for (const auto& [txn, item_keys] : g.txn_items) {
        const Group::Lock* oldest = nullptr;
        for (const std::string& item_key : item_keys) {
          auto holders = g.locks.find(item_key);
          if (holders == g.locks.end()) continue;
          auto l = holders->second.find(txn);
          if (l == holders->second.end()) continue;
          if (oldest == nullptr || l->second.since < oldest->since) oldest = &l->second;
        }
        if (oldest != nullptr && oldest->since < cutoff) r.stale.push_back(StaleLock{id, txn, oldest->decision_group});
      }
    }
    done(std::move(r));
  });
}

}  // namespace ddb::cluster
