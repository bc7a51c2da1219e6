// Transport: the in-process network between storage nodes. Replicas of a group
// exchange paxos::Message values through it; it hands each message to the
// destination node's inbox — or, when faults are set, drops or delays it.
//
// Faults (set through Cluster::SetNetwork): links cut between nodes (a
// network partition), a drop probability per message, a fixed delay per
// message (delivered in order by a timer thread), and a corruption
// probability. Without faults a message is handed over at once on the
// sender's thread.
//
// Checksums: the sender computes a CRC-32 of every message (MessageCrc: every
// field, every record's LSN, ballot, kind and data; zlib's CRC-32, the
// header fields fed in one call) and the receiving side
// checks it before the node sees the message; a corrupted message (a bit
// flipped in flight by the corruption fault) is dropped and counted, as a
// network would drop a frame whose checksum fails. Paxos recovers from drops.
//
// Thread safety: Send and the fault setters may be called from any thread;
// Register happens before any node thread starts.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>
#include <utility>

#include "cluster/paxos/replica.h"

namespace ddb::cluster {

// CRC-32 of everything a message carries.
uint32_t MessageCrc(const paxos::Message& m);

class Transport {
 public:
  using Inbox = std::function<void(paxos::Message)>;
  Transport() = default;
  ~Transport();

  void Register(paxos::NodeId node, Inbox inbox) { inboxes_[node] = std::move(inbox); }
  void Send(paxos::Message m);

  // Cuts (or restores) both directions between every pair of `cut`.
  void SetCutLinks(std::set<std::pair<paxos::NodeId, paxos::NodeId>> cut);
  bool IsCut(paxos::NodeId a, paxos::NodeId b) const;
  void SetDropRate(double rate);  // 0 .. 1
  void SetDelay(std::chrono::milliseconds delay);
  void SetCorruptRate(double rate);  // 0 .. 1: a bit flips after the checksum was taken
  struct Faults {
    std::set<std::pair<paxos::NodeId, paxos::NodeId>> cut;
    double drop_rate = 0;
    std::chrono::milliseconds delay{0};
    double corrupt_rate = 0;
    uint64_t sent = 0;     // messages sent so far (delivered or not)
    uint64_t dropped = 0;  // messages lost to cuts and drops so far
    uint64_t corrupted = 0;  // messages dropped by the receiver's checksum check
  };
  Faults faults() const;
  // Drops what is still delayed and stops the timer thread (before the nodes
  // it delivers to go away).
  void Stop();

 private:
  void Deliver(paxos::Message m, uint32_t crc);
  void DelayLoop();
  double NextRandom();  // under mu_

  std::unordered_map<paxos::NodeId, Inbox> inboxes_;  // fixed after start

  mutable std::mutex mu_;
  Faults faults_;            // guarded by mu_
  uint64_t random_ = 0x9e3779b97f4a7c15ull;  // guarded by mu_; xorshift state
  std::condition_variable cv_;
  struct Delayed {
    std::chrono::steady_clock::time_point due;
    paxos::Message m;
    uint32_t crc;
  };
  std::deque<Delayed> delayed_;  // guarded by mu_
  bool stopping_ = false;    // guarded by mu_
  std::thread delay_thread_;  // started on the first delayed message
};

}  // namespace ddb::cluster
