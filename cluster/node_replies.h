// NodeReplies: the replies of requests posted to storage nodes (or anything
// answering with a ReplyFn), each in its slot, waited for with a bound. The
// state is shared with the reply functions, so a reply that comes after the
// wait gave up is harmless.
//
// Thread safety: Slot's functions may be called from any thread; the other
// methods from the thread that waits.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "base/status.h"
#include "cluster/storage_node.h"

namespace ddb::cluster {

class NodeReplies {
 public:
  explicit NodeReplies(size_t n) : state_(std::make_shared<State>()) {
    state_->left = n;
    state_->replies.resize(n);
  }

  // The reply function of slot `i`; call it once.
  ReplyFn Slot(size_t i) {
    return [state = state_, i](NodeReply r) {
      bool wake;
      {
        std::lock_guard<std::mutex> lock(state->mu);
        if (!r.status.ok() && state->status.ok()) state->status = r.status;
        state->replies[i] = std::move(r);
        // The last reply; any reply when WaitUntil waits (its condition may
        // hold now). WaitAll's waiter (a batch write's) is woken once.
        wake = --state->left == 0 || state->each;
      }
      if (wake) state->cv.notify_all();
    };
  }

  // True when every reply came within `timeout`.
  bool WaitAll(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(state_->mu);
    return state_->cv.wait_for(lock, timeout, [&] { return state_->left == 0; });
  }

  // Waits until every reply came or `enough(replies)` holds (called with the
  // replies so far, under the lock), for at most `timeout`; true unless it
  // timed out.
  template <typename Enough>
  bool WaitUntil(std::chrono::milliseconds timeout, Enough enough) {
    std::unique_lock<std::mutex> lock(state_->mu);
    state_->each = true;
    return state_->cv.wait_for(lock, timeout, [&] { return state_->left == 0 || enough(state_->replies); });
  }

  // WaitAll, then the first error among the replies (Unavailable when some
  // did not come in time).
  Status Wait(std::chrono::milliseconds timeout) {
    if (!WaitAll(timeout)) return Status::Unavailable("storage nodes did not answer");
    std::lock_guard<std::mutex> lock(state_->mu);
    return state_->status;
  }

  // The reply of slot `i` if it came (after a wait), moved out; nullopt if not.
  std::optional<NodeReply> Take(size_t i) {
    std::lock_guard<std::mutex> lock(state_->mu);
    if (!state_->replies[i]) return std::nullopt;
    std::optional<NodeReply> out = std::move(state_->replies[i]);
    state_->replies[i].reset();
    return out;
  }

 private:
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    size_t left = 0;
    bool each = false;  // WaitUntil waits: wake it at every reply
    Status status;
    std::vector<std::optional<NodeReply>> replies;
  };
  std::shared_ptr<State> state_;
};

}  // namespace ddb::cluster
