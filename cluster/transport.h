// Transport: the in-process network between storage nodes. Replicas of a group
// exchange paxos::Message values through it; it hands each message to the
// destination node's inbox.
//
// This is the seam for network faults (drop, delay, partition), which a later
// change adds; today it delivers every message to a node that is registered.
//
// Thread safety: Send may be called from any thread once every node is
// registered; Register happens before any node thread starts.
#pragma once

#include <functional>
#include <unordered_map>

#include "cluster/paxos/replica.h"

namespace ddb::cluster {

class Transport {
 public:
  using Inbox = std::function<void(paxos::Message)>;
  void Register(paxos::NodeId node, Inbox inbox) { inboxes_[node] = std::move(inbox); }
  void Send(paxos::Message m) const {
    auto it = inboxes_.find(m.to);
    if (it != inboxes_.end()) it->second(std::move(m));
  }

 private:
  std::unordered_map<paxos::NodeId, Inbox> inboxes_;
};

}  // namespace ddb::cluster
