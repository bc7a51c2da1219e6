// StorageNode, the requests routers and autoadmin send: each is posted to the
// node thread with its reply function, and runs there against the node's
// replicas and SQLite file.
#include "cluster/storage_node.h"

namespace ddb::cluster {

void StorageNode::CreateReplica(ReplicaRow row, ReplyFn reply) {
  Request(std::move(reply), [this, row = std::move(row)](ReplyFn done) mutable {
    if (FindGroup(row.group) != nullptr) return done(Reply(Status::Ok()));
    bool inserted = false;
    Status s = store_->CreateReplica(row, &inserted);
    if (s.ok()) AddGroup(std::move(row), /*whole_group_restarted=*/false, /*created=*/inserted);
    done(Reply(s));
  });
}

void StorageNode::Campaign(uint64_t group, bool new_group) {
  Request(nullptr, [this, group, new_group](ReplyFn) {
    if (Group* g = FindGroup(group)) {
      Wake(g);
      if (new_group) {
        g->replica->LeadNewGroup();
      } else {
        g->replica->Campaign();
      }
    }
  });
}

void StorageNode::DropReplica(uint64_t group, ReplyFn reply) {
  Request(std::move(reply), [this, group](ReplyFn done) {
    ForgetGroup(group, Status::NotFound("table deleted"));
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
  }, /*write=*/true);
}

void StorageNode::Mutate(uint64_t group, Key key, Mutator mutator, ReplyFn reply) {
  Request(std::move(reply), [this, group, key = std::move(key), mutator = std::move(mutator)](ReplyFn done) {
    Group* g = FindGroup(group);
    if (RefuseUnlessLeader(g, done)) return;
    RunMutator(g, key, mutator, std::move(done));
  }, /*write=*/true);
}

// Reads: a consistent one only from a leader that holds a valid lease and
// has applied everything earlier leaders acknowledged (so a deposed leader
// that has not noticed yet cannot answer from stale state); any replica
// otherwise, once it applied what it knows committed.
bool StorageNode::RefuseRead(uint64_t group, bool consistent, const ReplyFn& done) {
  Group* g = FindGroup(group);
  if (g == nullptr) return RefuseUnlessLeader(g, done);
  if (consistent) return WaitForLease(g, done);
  // Records a follower holds back only for a scrub digest are applied
  // first: without stale reads on, a read sees what the replica knows.
  if (stale_read_ms_.load() == 0) {
    if (Status s = CatchUp(g); !s.ok()) {
      done(Reply(s));
      return true;
    }
  }
  return WaitForApplied(g, done);
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
                       bool consistent, uint64_t hash_lo, uint64_t hash_hi, uint32_t local_index,
                       ReplyFn reply) {
  Request(std::move(reply), [this, group, after = std::move(after), limit, max_bytes, consistent, hash_lo,
                             hash_hi, local_index](ReplyFn done) {
    if (RefuseRead(group, consistent, done)) return;
    NodeReply r;
    r.status = store_->Scan(LocalSpace(group, local_index), after, limit, max_bytes, hash_lo, hash_hi, &r.page);
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

void StorageNode::Stats(uint64_t group, uint32_t local_index, ReplyFn reply) {
  Request(std::move(reply), [this, group, local_index](ReplyFn done) {
    NodeReply r;
    r.status = store_->Stats(LocalSpace(group, local_index), &r.stats);
    done(std::move(r));
  });
}

void StorageNode::CollectionBytes(uint64_t group, std::string hash_key, ReplyFn reply) {
  Request(std::move(reply), [this, group, hash_key = std::move(hash_key)](ReplyFn done) {
    NodeReply r;
    r.status = store_->CollectionBytes(group, KeyHashBytes(KeyHash(hash_key)), hash_key, &r.stats.size_bytes);
    done(std::move(r));
  });
}

void StorageNode::ReadOutbox(size_t limit, ReplyFn reply) {
  Request(std::move(reply), [this, limit](ReplyFn done) {
    NodeReply r;
    // A copy: reading a group that turns out empty forgets it.
    const std::set<uint64_t> groups = store_->outbox_groups();
    for (uint64_t id : groups) {
      Group* g = FindGroup(id);
      if (g == nullptr || !g->replica->IsLeader()) continue;
      r.status = store_->ReadOutbox(id, limit, &r.outbox);
      if (!r.status.ok()) break;
    }
    done(std::move(r));
  });
}

void StorageNode::Describe(ReplyFn reply, bool item_totals) {
  Request(std::move(reply), [this, item_totals](ReplyFn done) {
    NodeReply r;
    for (const auto& [id, g] : groups_) {
      const paxos::Replica& rep = *g.replica;
      ReplicaInfo info;
      info.group = id;
      info.node = options_.id;
      info.leader = rep.IsLeader();
      info.ballot = rep.ballot();
      info.commit_lsn = rep.commit_lsn();
      info.applied_lsn = rep.applied_lsn();
      info.last_lsn = rep.last_lsn();
      info.log_replica = g.row.log_replica;
      info.joined_lsn = g.row.joined_lsn;
      info.lease_ms_left = int64_t{rep.lease_ticks_left()} * options_.tick_ms;
      info.quiescent = g.asleep;
      if (item_totals && !g.row.log_replica) {
        TableStats items;
        if (store_->ItemTotals(id, &items).ok()) {
          info.item_count = items.item_count;
          info.size_bytes = items.size_bytes;
        }
      }
      for (const paxos::Member& m : rep.configuration().members) {
        (m.role == paxos::MemberRole::kLog ? info.log_members : info.full_members).push_back(m.id);
      }
      r.replicas.push_back(std::move(info));
    }
    done(std::move(r));
  });
}

void StorageNode::AppliedLsns(ReplyFn reply) {
  Request(std::move(reply), [this](ReplyFn done) {
    NodeReply r;
    r.replicas.reserve(groups_.size());
    for (const auto& [id, g] : groups_) {
      ReplicaInfo info;
      info.group = id;
      info.node = options_.id;
      info.applied_lsn = g.replica->applied_lsn();
      r.replicas.push_back(std::move(info));
    }
    done(std::move(r));
  });
}

void StorageNode::Inspect(uint64_t group, InspectFn fn, ReplyFn reply) {
  Request(std::move(reply), [this, group, fn = std::move(fn)](ReplyFn done) {
    Group* g = FindGroup(group);
    done(Reply(fn(*store_, g == nullptr ? nullptr : g->replica.get())));
  });
}

}  // namespace ddb::cluster
