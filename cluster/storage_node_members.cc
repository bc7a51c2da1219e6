// StorageNode, membership: proposing a configuration change as leader,
// snapshots for members added after the leader trimmed its log (read on the
// leader's node, installed on the new member's), and dropping replicas the
// group removed (paxos::Replica::removed).
//
// A snapshot is the group's replicated rows (scrub_store.h, GroupCopy) at the
// leader's applied LSN, with the configuration in force there. A log replica
// installs only the LSN and the configuration: it keeps no items.
#include "cluster/storage_node.h"

namespace ddb::cluster {

void StorageNode::ChangeMembership(uint64_t group, paxos::Configuration next, ReplyFn reply) {
  Request(std::move(reply), [this, group, next = std::move(next)](ReplyFn done) mutable {
    Group* g = FindGroup(group);
    if (RefuseUnlessLeader(g, done)) return;
    Result<paxos::Lsn> lsn = g->replica->ProposeConfig(std::move(next));
    if (!lsn.ok()) return done(Reply(lsn.status(), g->replica->leader_hint()));
    NodeReply r;
    r.lsn = *lsn;
    r.ballot = g->replica->ballot();
    done(std::move(r));
  });
}

void StorageNode::ReadSnapshot(uint64_t group, ReplyFn reply) {
  Request(std::move(reply), [this, group](ReplyFn done) {
    Group* g = FindGroup(group);
    if (g == nullptr) return done(Reply(Status::NotFound("no such replica on this node")));
    if (g->row.log_replica) return done(Reply(Status::Unavailable("a log replica holds no items")));
    // The copy is taken at the replica's applied LSN: nothing held back.
    if (Status s = CatchUp(g); !s.ok()) return done(Reply(s));
    auto copy = store_->scrub().Copy(group);
    if (!copy.ok()) return done(Reply(copy.status()));
    auto config = store_->StoredConfiguration(group);
    if (!config.ok()) return done(Reply(config.status()));
    NodeReply r;
    r.copy = copy.take();
    r.copy->lsn = g->replica->applied_lsn();
    r.config = config.take();
    // A group never changed keeps its founding configuration implicit.
    if (r.config.empty()) r.config = paxos::EncodeConfiguration(paxos::Configuration::AllFull(g->row.members));
    done(std::move(r));
  });
}

void StorageNode::RequestSnapshot(Group* g, const paxos::SnapshotRequest& request) {
  if (g->snapshot_in_flight || !options_.peer) return;
  StorageNode* leader = options_.peer(request.from);
  if (leader == nullptr) return;
  g->snapshot_in_flight = true;
  const uint64_t group = g->row.group;
  // The answer comes on the leader's thread; it is installed on ours.
  leader->ReadSnapshot(group, [this, group](NodeReply fetched) {
    auto shared = std::make_shared<NodeReply>(std::move(fetched));
    Request(nullptr, [this, group, shared](ReplyFn) { InstallFetched(group, std::move(*shared)); });
  });
}

void StorageNode::InstallFetched(uint64_t group, NodeReply fetched) {
  Group* g = FindGroup(group);
  if (g == nullptr) return;
  Wake(g);
  g->snapshot_in_flight = false;
  // A failed read is asked again: the leader repeats its Snapshot message.
  if (!fetched.status.ok() || !fetched.copy || fetched.copy->lsn <= g->replica->applied_lsn()) return;
  auto config = paxos::DecodeConfiguration(fetched.config);
  if (!config.ok()) return;
  if (g->row.log_replica) {
    for (GroupCopy::Table& t : fetched.copy->tables) t.rows.clear();
  }
  // The replica may decline (it is no longer a follower, or was removed);
  // only a snapshot it took goes to the file, so the two never disagree.
  g->replica->InstallSnapshot(fetched.copy->lsn, *config);
  if (g->replica->applied_lsn() != fetched.copy->lsn) return;
  // Records held back for stale reads are older than the snapshot, which
  // already holds their effect: applied after it, they would undo newer
  // writes.
  g->delayed.clear();
  Status s = store_->InstallSnapshot(group, *fetched.copy, fetched.config);
  if (!s.ok()) {
    // The replica already holds the snapshot in memory: a node that cannot
    // write it stops rather than apply later records over stale rows.
    std::fprintf(stderr, "ddb-local: %s: snapshot of group %llu not installed: %s\n", options_.name.c_str(),
                 static_cast<unsigned long long>(group), s.ToString().c_str());
    CHECK(false && "storage node could not install a snapshot");
  }
  // The transaction locks and decisions in memory are the snapshot's now.
  s = LoadTxnState(g);
  if (!s.ok()) {
    std::fprintf(stderr, "ddb-local: %s: group %llu: transaction state not loaded: %s\n", options_.name.c_str(),
                 static_cast<unsigned long long>(group), s.ToString().c_str());
  }
  std::fprintf(stderr, "ddb-local: %s: group %llu: snapshot installed at LSN %llu (%zu bytes)\n",
               options_.name.c_str(), static_cast<unsigned long long>(group),
               static_cast<unsigned long long>(fetched.copy->lsn), fetched.copy->bytes);
}

void StorageNode::ForgetGroup(uint64_t group, const Status& why) {
  Group* g = FindGroup(group);
  if (g == nullptr) return;
  for (auto& [lsn, p] : g->pending) {
    if (p.done) p.done(Reply(why));  // empty: answered once committed
  }
  for (auto& [lsn, w] : g->after_commit) w.second(Reply(why));
  for (Group::ParkedRequest& w : g->parked) w.reply(Reply(why));
  groups_.erase(group);
  awake_.erase(group);
  parked_groups_.erase(group);
  locked_groups_.erase(group);
  ++group_changes_;
}

// A replica the group removed is no longer needed by anyone: its file rows go.
// Only an awake replica can have learned it (a message wakes a sleeping one).
void StorageNode::DropRemoved() {
  std::vector<uint64_t> removed;
  for (uint64_t id : awake_) {
    if (groups_.at(id).replica->removed()) removed.push_back(id);
  }
  for (uint64_t id : removed) {
    ForgetGroup(id, Status::Unavailable("replica removed from its group"));
    Status s = store_->DropReplica(id);
    if (!s.ok()) {
      std::fprintf(stderr, "ddb-local: %s: cannot drop removed replica of group %llu: %s\n",
                   options_.name.c_str(), static_cast<unsigned long long>(id), s.ToString().c_str());
    }
  }
}

}  // namespace ddb::cluster
