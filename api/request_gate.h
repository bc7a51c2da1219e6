// RequestGate: lets requests through concurrently, and can be closed so that
// something (a snapshot or a restore) runs with no request in flight. Closing
// waits for the requests inside to leave; requests that arrive meanwhile wait
// until it opens again, so a client sees the state before or after, never a
// mix. A closer is never starved: new requests wait as soon as it asks.
//
// Cost for a request when the gate is open: two atomic operations, no lock.
//
// Thread safety: every method may be called from any thread. One closer at a
// time (Close is serialized by its own mutex).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace ddb::api {

class RequestGate {
 public:
  // RAII: a request inside the gate.
  class Pass {
   public:
    explicit Pass(RequestGate* g) : g_(g) { g_->Enter(); }
    ~Pass() { g_->Leave(); }
    Pass(const Pass&) = delete;
    Pass& operator=(const Pass&) = delete;

   private:
    RequestGate* g_;
  };
  // RAII: the gate closed, with nobody inside.
  class Closed {
   public:
    explicit Closed(RequestGate* g) : g_(g) { g_->Close(); }
    ~Closed() { g_->Open(); }
    Closed(const Closed&) = delete;
    Closed& operator=(const Closed&) = delete;

   private:
    RequestGate* g_;
  };

  void Enter() {
    for (;;) {
      inside_.fetch_add(1);  // seq_cst: ordered against closing_ below and in Close
      if (!closing_.load()) return;
      Leave();
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return !closing_.load(); });
    }
  }
  void Leave() {
    if (inside_.fetch_sub(1) == 1 && closing_.load()) {
      std::lock_guard<std::mutex> lock(mu_);
      cv_.notify_all();
    }
  }
  void Close() {
    closer_.lock();
    std::unique_lock<std::mutex> lock(mu_);
    closing_.store(true);
    // Bounded waits: a Leave between our check and the wait is seen at the
    // next round.
    while (inside_.load() != 0) cv_.wait_for(lock, std::chrono::milliseconds(1));
  }
  void Open() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      closing_.store(false);
    }
    cv_.notify_all();
    closer_.unlock();
  }

 private:
  std::atomic<int64_t> inside_{0};
  std::atomic<bool> closing_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::mutex closer_;
};

}  // namespace ddb::api
