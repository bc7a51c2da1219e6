// StorageNode, the leader's write side: proposing records, the overlay of
// proposed-but-unapplied versions that read-modify-write steps read through,
// and settling proposals once Paxos decides them.
//
// Invariant: an item's overlay entry exists exactly while a proposal of ours
// for that item is in flight; its LSN is the newest such proposal. A leader
// that loses its ballot has every proposal abandoned, which empties the
// overlay (a later leader reads committed state, which includes whatever of
// ours was chosen).
#include <algorithm>

#include "cluster/storage_node.h"

namespace ddb::cluster {

std::string ItemKey(const std::string& hash, const std::string& range) {
  std::string k = std::to_string(hash.size());
  k.push_back(':');
  k += hash;
  k += range;
  return k;
}

WalRecord WriteRecordOf(const Key& key, Mutation m) {
  WalRecord rec;
  rec.op = m.erase ? WalRecord::Op::kDelete : WalRecord::Op::kPut;
  rec.hash_key = key.hash;
  rec.range_key = key.range;
  rec.index_writes = std::move(m.index_writes);
  if (!m.erase) {
    rec.item = std::move(m.item);
    rec.item_size = m.size;
  }
  return rec;
}

void StorageNode::Propose(Group* g, const WalRecord& record, NodeReply reply, ReplyFn done) {
  Wake(g);  // done by RefuseUnlessLeader already; a sleeping group would never flush
  Result<paxos::Lsn> lsn = g->replica->Propose(EncodeWalRecord(record));
  if (!lsn.ok()) return done(Reply(lsn.status(), g->replica->leader_hint()));
  reply.lsn = *lsn;
  if (record.op == WalRecord::Op::kTruncate) {
    g->overlay.clear();  // every version in flight is older than the truncate
    g->truncate_lsn = *lsn;
    g->pending[*lsn] = Group::Pending{g->replica->ballot(), {}, std::move(reply), std::move(done)};
    return;
  }
  if (record.op == WalRecord::Op::kScrubMarker) {  // changes no item: no overlay entry
    g->pending[*lsn] = Group::Pending{g->replica->ballot(), {}, std::move(reply), std::move(done)};
    return;
  }
  const bool early = !reply.wait_for_indexes;
  if (record.op == WalRecord::Op::kBatch) {  // an overlay entry per item, the last write of each
    std::vector<std::string> keys;
    keys.reserve(record.writes.size());
    for (const WalRecord& w : record.writes) {
      keys.push_back(ItemKey(w.hash_key, w.range_key));
      std::optional<std::string> version;
      if (w.op == WalRecord::Op::kPut) version = w.item;
      g->overlay[keys.back()] = {*lsn, std::move(version)};
    }
    g->pending[*lsn] = Group::Pending{g->replica->ballot(), std::move(keys), std::move(reply), std::move(done), early};
    return;
  }
  std::string key = ItemKey(record.hash_key, record.range_key);
  std::optional<std::string> version;
  if (record.op == WalRecord::Op::kPut) version = record.item;
  g->overlay[key] = {*lsn, std::move(version)};
  const bool plain = record.op == WalRecord::Op::kPut || record.op == WalRecord::Op::kDelete;
  g->pending[*lsn] =
      Group::Pending{g->replica->ballot(), {std::move(key)}, std::move(reply), std::move(done), plain && early};
}

// Safe to answer before applying: the record is committed (a majority of
// the group persisted it at our ballot), so it survives any crash; the
// notices go out first, so an eventually consistent read sent after the
// answer finds every replica knowing it committed (and waiting for its
// apply, WaitForApplied); and this node runs nothing else before the group
// commit that applies it, so its own reads and read-modify-writes see it.
void StorageNode::AnswerCommitted(Group* g, paxos::Ready& ready) {
  if (!g->replica->IsLeader() || ready.committed.empty() || !ready.entries.empty() || !ready.abandoned.empty() ||
      ready.snapshot) {
    return;
  }
  for (const paxos::Message& m : ready.messages) {
    if (m.type != paxos::Message::Type::kHeartbeat) return;
  }
  for (paxos::Message& m : ready.messages) transport_->Send(std::move(m));
  ready.messages.clear();
  for (const paxos::Record& r : ready.committed) {
    auto it = g->pending.find(r.lsn);
    if (it == g->pending.end() || !it->second.answer_early || it->second.ballot != r.ballot) continue;
    it->second.done(std::move(it->second.reply));
    it->second.done = nullptr;
  }
}

Result<std::optional<std::string>> StorageNode::Latest(Group* g, const Key& key, paxos::Lsn* pending_lsn) {
  *pending_lsn = 0;
  auto it = g->overlay.find(ItemKey(key.hash, key.range));
  if (it != g->overlay.end()) {
    *pending_lsn = it->second.first;
    return it->second.second;
  }
  if (g->truncate_lsn != 0) {
    *pending_lsn = g->truncate_lsn;
    return std::optional<std::string>();
  }
  return store_->Get(g->row.group, key);
}

void StorageNode::RunMutator(Group* g, const Key& key, const Mutator& mutator, ReplyFn done) {
  paxos::Lsn seen_lsn = 0;
  auto current = Latest(g, key, &seen_lsn);
  if (!current.ok()) return done(Reply(current.status()));
  if (Status locked = CheckLock(g, key, "", false); !locked.ok()) return done(Reply(locked));
  Mutation m = mutator(*current);
  NodeReply reply;
  reply.status = m.status;
  reply.item = *current;
  reply.new_item = *current;
  if (m.status.ok() && m.write) {
    const bool wait_for_indexes = m.wait_for_indexes;
    WalRecord rec = WriteRecordOf(key, std::move(m));
    for (const IndexWrite& w : rec.index_writes) reply.wait_for_indexes |= w.global_table != 0 && wait_for_indexes;
    if (rec.op == WalRecord::Op::kPut) {
      reply.new_item = rec.item;
    } else {
      reply.new_item.reset();
    }
    return Propose(g, rec, std::move(reply), std::move(done));
  }
  // Nothing to write. If the answer rests on a version still in flight, it
  // may only be given once that version is chosen.
  if (seen_lsn == 0) return done(std::move(reply));
  g->after_commit.emplace(seen_lsn, std::make_pair(std::move(reply), std::move(done)));
}

void StorageNode::WriteBatch(uint64_t group, std::vector<BatchStep> steps, ReplyFn reply) {
  Request(std::move(reply), [this, group, steps = std::move(steps)](ReplyFn done) mutable {
    Group* g = FindGroup(group);
    if (RefuseUnlessLeader(g, done)) return;
    ProposeBatch(g, steps, std::move(done));
  }, /*write=*/true);
}

void StorageNode::ProposeBatch(Group* g, std::vector<BatchStep>& steps, ReplyFn done) {
  NodeReply reply;
  reply.statuses.resize(steps.size());
  WalRecord batch;
  batch.op = WalRecord::Op::kBatch;
  batch.writes.reserve(steps.size());
  paxos::Lsn rests_on = 0;  // the newest version in flight an unwritten step's answer rests on
  for (size_t i = 0; i < steps.size(); ++i) {
    BatchStep& step = steps[i];
    if (Status locked = CheckLock(g, step.key, "", false); !locked.ok()) {
      reply.statuses[i] = locked;
      continue;
    }
    if (!step.mutator) {
      WalRecord w;
      w.op = step.erase ? WalRecord::Op::kDelete : WalRecord::Op::kPut;
      w.hash_key = std::move(step.key.hash);
      w.range_key = std::move(step.key.range);
      if (!step.erase) {
        w.item = std::move(step.item);
        w.item_size = step.size;
      }
      batch.writes.push_back(std::move(w));
      continue;
    }
    // The latest version: an earlier write of this batch, else the overlay or the applied state.
    auto earlier = std::find_if(batch.writes.rbegin(), batch.writes.rend(), [&](const WalRecord& w) {
      return w.hash_key == step.key.hash && w.range_key == step.key.range;
    });
    paxos::Lsn seen_lsn = 0;
    Result<std::optional<std::string>> current = std::optional<std::string>();
    if (earlier != batch.writes.rend()) {
      if (earlier->op == WalRecord::Op::kPut) current = std::optional<std::string>(earlier->item);
    } else {
      current = Latest(g, step.key, &seen_lsn);
    }
    if (!current.ok()) {
      reply.statuses[i] = current.status();
      continue;
    }
    Mutation m = step.mutator(*current);
    reply.statuses[i] = m.status;
    if (!m.status.ok() || !m.write) {
      rests_on = std::max(rests_on, seen_lsn);
      continue;
    }
    const bool wait_for_indexes = m.wait_for_indexes;
    batch.writes.push_back(WriteRecordOf(step.key, std::move(m)));
    for (const IndexWrite& w : batch.writes.back().index_writes) {
      reply.wait_for_indexes |= w.global_table != 0 && wait_for_indexes;
    }
  }
  if (batch.writes.empty()) {
    // Nothing to write: answered now, or once the versions seen are chosen.
    if (rests_on == 0) return done(std::move(reply));
    g->after_commit.emplace(rests_on, std::make_pair(std::move(reply), std::move(done)));
    return;
  }
  // The batch's LSN comes after every version its steps saw, so its commit
  // also answers the steps that wrote nothing. One write is a plain record.
  if (batch.writes.size() == 1) return Propose(g, batch.writes.front(), std::move(reply), std::move(done));
  Propose(g, batch, std::move(reply), std::move(done));
}

void StorageNode::Settle(Group* g, const paxos::Ready& ready) {
  for (const paxos::Record& r : ready.committed) {
    auto it = g->pending.find(r.lsn);
    if (it != g->pending.end()) {
      Group::Pending& p = it->second;
      for (const std::string& item_key : p.item_keys) {
        auto ov = g->overlay.find(item_key);
        if (ov != g->overlay.end() && ov->second.first == r.lsn) g->overlay.erase(ov);
      }
      if (g->truncate_lsn == r.lsn) g->truncate_lsn = 0;
      bool ours = p.ballot == r.ballot;
      // Another leader decided this LSN; it may have re-proposed our value
      // (recovered from the accepted records), so the outcome is unknown.
      if (!ours) p.reply = Reply(Status::Uncertain("write superseded by a new leader"));
      if (p.done) p.done(std::move(p.reply));  // empty: answered before the apply (AnswerCommitted)
      g->pending.erase(it);
    }
    for (auto w = g->after_commit.begin(); w != g->after_commit.end() && w->first <= r.lsn;) {
      w->second.second(std::move(w->second.first));
      w = g->after_commit.erase(w);
    }
  }
  if (ready.abandoned.empty()) return;
  for (paxos::Lsn lsn : ready.abandoned) {
    auto it = g->pending.find(lsn);
    if (it == g->pending.end()) continue;
    if (it->second.done) {
      it->second.done(Reply(Status::Uncertain("leader changed with the write in flight"), g->replica->leader_hint()));
    }
    g->pending.erase(it);
  }
  // Every answer waiting on an abandoned version fails; the client retries
  // against the new leader, which reads committed state.
  for (auto& [lsn, w] : g->after_commit) {
    w.second(Reply(Status::Unavailable("leader changed"), g->replica->leader_hint()));
  }
  g->after_commit.clear();
  g->overlay.clear();
  g->truncate_lsn = 0;
  // The locks and decisions of the abandoned proposals go with them; what
  // was applied is in the file (a later leader may still choose some of
  // them: they are then noted as any other leader's records).
  Status s = LoadTxnState(g);
  CHECK(s.ok() && "cannot reload transaction state");
}

}  // namespace ddb::cluster
