// StorageNode, the requests routers and autoadmin send: each is posted to the
// node thread with its reply function, and runs there against the node's
// replicas and SQLite file.
#include "cluster/storage_node.h"

namespace ddb::cluster {

void StorageNode::CreateReplica(ReplicaRow row, ReplyFn reply) {
  Request(std::move(reply), [this, row = std::move(row)](ReplyFn done) mutable {
    if (FindGroup(row.group) != nullptr) return done(Reply(Status::Ok()));
    Status s = store_->CreateReplica(row);
    if (s.ok()) AddGroup(std::move(row));
    done(Reply(s));
  });
}

void StorageNode::Campaign(uint64_t group) {
  Request(nullptr, [this, group](ReplyFn) {
    if (Group* g = FindGroup(group)) g->replica->Campaign();
  });
}

void StorageNode::DropReplica(uint64_t group, ReplyFn reply) {
  Request(std::move(reply), [this, group](ReplyFn done) {
    if (Group* g = FindGroup(group)) {
      for (auto& [lsn, p] : g->pending) p.done(Reply(Status::NotFound("table deleted")));
      for (auto& [lsn, w] : g->after_commit) w.second(Reply(Status::NotFound("table deleted")));
      groups_.erase(group);
    }
    done(Reply(store_->DropReplica(group)));
  });
}

void StorageNode::Write(uint64_t group, WalRecord record, ReplyFn reply) {
  Request(std::move(reply), [this, group, record = std::move(record)](ReplyFn done) {
    Group* g = FindGroup(group);
    if (RefuseUnlessLeader(g, done)) return;
    if (record.op != WalRecord::Op::kTruncate) {
      Status locked = CheckLock(g, Key{record.hash_key, record.range_key}, "", false);
      if (!locked.ok()) return done(Reply(locked));
    }
    Propose(g, record, NodeReply(), std::move(done));
  });
}

void StorageNode::Mutate(uint64_t group, Key key, Mutator mutator, ReplyFn reply) {
  Request(std::move(reply), [this, group, key = std::move(key), mutator = std::move(mutator)](ReplyFn done) {
    Group* g = FindGroup(group);
    if (RefuseUnlessLeader(g, done)) return;
    RunMutator(g, key, mutator, std::move(done));
  });
}

// Reads: a consistent one only from a leader that holds a valid lease and
// has applied everything earlier leaders acknowledged (so a deposed leader
// that has not noticed yet cannot answer from stale state); any replica
// otherwise.
bool StorageNode::RefuseRead(uint64_t group, bool consistent, const ReplyFn& done) {
  Group* g = FindGroup(group);
  if (g == nullptr) return RefuseUnlessLeader(g, done);
  if (consistent && !g->replica->CanServeConsistentRead()) {
    done(Reply(Status::Unavailable("no leader with a valid lease here"),
               g->replica->IsLeader() ? 0 : g->replica->leader_hint()));
    return true;
  }
  return false;
}

void StorageNode::Get(uint64_t group, Key key, bool consistent, ReplyFn reply) {
  Request(std::move(reply), [this, group, key = std::move(key), consistent](ReplyFn done) {
    if (RefuseRead(group, consistent, done)) return;
    auto item = store_->Get(group, key);
    NodeReply r = Reply(item.status());
    if (item.ok()) r.item = std::move(item.value());
    done(std::move(r));
  });
}

void StorageNode::Scan(uint64_t group, std::optional<Key> after, size_t limit, size_t max_bytes,
                       bool consistent, uint64_t hash_lo, uint64_t hash_hi, ReplyFn reply) {
  Request(std::move(reply), [this, group, after = std::move(after), limit, max_bytes, consistent, hash_lo,
                             hash_hi](ReplyFn done) {
    if (RefuseRead(group, consistent, done)) return;
    NodeReply r;
    r.status = store_->Scan(group, after, limit, max_bytes, hash_lo, hash_hi, &r.page);
    done(std::move(r));
  });
}

void StorageNode::Query(uint64_t group, QuerySpec spec, bool consistent, ReplyFn reply) {
  Request(std::move(reply), [this, group, spec = std::move(spec), consistent](ReplyFn done) {
    if (RefuseRead(group, consistent, done)) return;
    NodeReply r;
    r.status = store_->Query(group, spec, &r.page);
    done(std::move(r));
  });
}

void StorageNode::Stats(uint64_t group, ReplyFn reply) {
  Request(std::move(reply), [this, group](ReplyFn done) {
    NodeReply r;
    r.status = store_->Stats(group, &r.stats);
    done(std::move(r));
  });
}

void StorageNode::Describe(ReplyFn reply) {
  Request(std::move(reply), [this](ReplyFn done) {
    NodeReply r;
    for (const auto& [id, g] : groups_) {
      const paxos::Replica& rep = *g.replica;
      r.replicas.push_back(ReplicaInfo{id, options_.id, rep.IsLeader(), rep.ballot(), rep.commit_lsn(),
                                       rep.applied_lsn(), rep.last_lsn()});
    }
    done(std::move(r));
  });
}

}  // namespace ddb::cluster
