// Scrub digests (cluster/scrub_store.h). Their bytes are pinned: a digest
// of a given set of rows (items, local index rows, outbox rows; a slice of
// them) is the one earlier versions took. A deferred digest, taken a few
// rows at a time while other groups are written between the steps, is the
// digest taken at once; the group's rows being replaced or dropped cancels it.
#include <memory>
#include <tuple>
#include <string>
#include <vector>

#include "cluster/node_store.h"
#include "cluster/wal_record.h"
#include "tests/unit/wal_records.h"

#undef CHECK
#include <catch2/catch.hpp>

namespace ddb::cluster {
namespace {

constexpr uint64_t kGroup = 9;
constexpr uint64_t kOther = 10;

WalRecord Put(const std::string& hk, const std::string& rk, const std::string& item,
              std::vector<IndexWrite> index_writes = {}) {
  return testing::PutRecord(hk, rk, item, std::move(index_writes));
}

IndexWrite Index(uint32_t local_index, uint64_t global_table, const std::string& hk, const std::string& item) {
  IndexWrite w;
  w.local_index = local_index;
  w.global_table = global_table;
  if (global_table != 0) w.global_name = "ns/t/gsi";
  w.key = Key{hk, "x"};
  w.item = item;
  w.size = static_cast<uint32_t>(item.size());
  return w;
}

WalRecord Marker(uint64_t scrub_id, const std::string& lo = "", const std::string& hi = "") {
  WalRecord r;
  r.op = WalRecord::Op::kScrubMarker;
  r.scrub_id = scrub_id;
  r.hash_key = lo;
  r.range_key = hi;
  return r;
}

struct Store {
  std::unique_ptr<NodeStore> store;
  paxos::Lsn lsn = 0;

  Store() {
    auto opened = NodeStore::Open(":memory:", false);
    REQUIRE(opened.ok());
    store = std::move(opened.value());
    for (uint64_t group : {kGroup, kOther}) {
      ReplicaRow row;
      row.group = group;
      row.table_id = group;
      row.members = {1, 2, 3};
      row.hash_hi = UINT64_MAX;
      REQUIRE(store->CreateReplica(row).ok());
    }
  }
  void Apply(uint64_t group, const WalRecord& r) {
    REQUIRE(store->Apply(group, paxos::Record{++lsn, 1, EncodeWalRecord(r)}, true).ok());
  }
  // 40 items of kGroup, some with local index rows (two spaces) and
  // global index writes (outbox rows), and a few items of kOther.
  void Fill() {
    for (int i = 0; i < 40; ++i) {
      const std::string k = "k" + std::to_string(i);
      std::vector<IndexWrite> ix;
      if (i % 3 == 0) ix.push_back(Index(1, 0, k, "l1-" + k));
      if (i % 5 == 0) ix.push_back(Index(2, 0, k, "l2-" + k));
      if (i % 7 == 0) ix.push_back(Index(0, 77, "g" + k, "g-" + k));
      Apply(kGroup, Put(k, i % 2 ? "r" : "", std::string(static_cast<size_t>(10 + i), 'a' + i % 26), ix));
    }
    for (int i = 0; i < 5; ++i) Apply(kOther, Put("o" + std::to_string(i), "", "other"));
  }
  std::string Now(const std::string& lo = "", const std::string& hi = "") {
    std::string digest;
    uint64_t rows = 0;
    REQUIRE(store->scrub().ComputeDigest(kGroup, &digest, &rows, lo, hi).ok());
    return digest + "/" + std::to_string(rows);
  }
  std::string AtMarker(uint64_t scrub_id) {
    auto d = store->scrub().Digest(kGroup, scrub_id);
    return d ? d->digest + "/" + std::to_string(d->rows) : "";
  }
};

// A slice boundary: the KeyHashBytes of an item in the middle.
std::string Middle() { return KeyHashBytes(KeyHash("k20")); }

TEST_CASE("scrub digest: the bytes of a digest are those of earlier versions", "[unit]") {
  Store s;
  s.Fill();
  CHECK(s.Now() == "3e269fae8ef8996ace6853d3ec30d196/68");
  CHECK(s.Now("", Middle()) == "0a6d11e8f8590545bdcd28961f320115/24");
  CHECK(s.Now(Middle(), "") == "c5ab45c6a34ab8fb54fa49dc7c979d27/44");
}

TEST_CASE("scrub digest: a deferred digest taken in steps is the digest taken at once", "[unit]") {
  Store at_once;
  at_once.Fill();
  const std::string whole = at_once.Now();
  const std::string low = at_once.Now("", Middle());
  const std::string high = at_once.Now(Middle(), "");

  for (size_t step : {size_t{1}, size_t{3}, size_t{16}, size_t{1000}}) {
    Store s;
    s.Fill();
    s.store->scrub().set_defer_digests(true);
    uint64_t id = 0;
    for (const auto& [lo, hi, want] : {std::tuple{std::string(), std::string(), whole},
                                       std::tuple{std::string(), Middle(), low},
                                       std::tuple{Middle(), std::string(), high}}) {
      s.Apply(kGroup, Marker(++id, lo, hi));
      REQUIRE(s.store->scrub().DigestPending(kGroup));
      CHECK(s.AtMarker(id).empty());
      // Other groups are written between the steps; kGroup is not.
      size_t steps = 0;
      while (s.store->scrub().DigestPending(kGroup)) {
        REQUIRE(s.store->scrub().StepDigests(step).ok());
        s.Apply(kOther, Put("between-" + std::to_string(id) + "-" + std::to_string(steps), "", "x"));
        REQUIRE(++steps < 1000);
      }
      CHECK(s.AtMarker(id) == want);
      if (step == 1) CHECK(steps >= std::stoul(want.substr(want.find('/') + 1)));  // one row a step
    }
  }
}

TEST_CASE("scrub digest: a pending digest is completed on demand, or dropped with its rows", "[unit]") {
  Store at_once;
  at_once.Fill();
  Store s;
  s.Fill();
  s.store->scrub().set_defer_digests(true);
  s.Apply(kGroup, Marker(1));
  REQUIRE(s.store->scrub().StepDigests(5).ok());
  REQUIRE(s.store->scrub().FinishDigest(kGroup).ok());
  CHECK_FALSE(s.store->scrub().AnyDigestPending());
  CHECK(s.AtMarker(1) == at_once.Now());

  // A second marker's digest is begun only when the first is complete.
  s.Apply(kGroup, Marker(2, "", Middle()));
  s.Apply(kGroup, Marker(3, Middle(), ""));
  CHECK(s.AtMarker(2) == at_once.Now("", Middle()));
  REQUIRE(s.store->scrub().DigestPending(kGroup));

  // Dropping the replica drops its digest under way.
  REQUIRE(s.store->DropReplica(kGroup).ok());
  CHECK_FALSE(s.store->scrub().DigestPending(kGroup));
  CHECK(s.AtMarker(3).empty());
}

}  // namespace
}  // namespace ddb::cluster
