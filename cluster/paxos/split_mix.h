// SplitMix64: a tiny seeded pseudo-random generator for the Paxos core and
// the simulation tests.
//
// The core may not use <random> or any global source of randomness: a run is
// reproduced from its seed alone. SplitMix64 (Steele, Lea, Flood 2014) is
// small, fast and good enough for election jitter and test scheduling; it is
// not for anything that needs to be unpredictable.
//
// Thread safety: none; each owner keeps its own generator.
#pragma once

#include <cstdint>

namespace ddb::paxos {

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}

  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

  // A value in [0, n); 0 when n is 0. The modulo bias is irrelevant here.
  uint64_t Uniform(uint64_t n) { return n == 0 ? 0 : Next() % n; }

  // True with probability percent/100.
  bool Percent(uint64_t percent) { return Uniform(100) < percent; }

 private:
  uint64_t state_;
};

}  // namespace ddb::paxos
