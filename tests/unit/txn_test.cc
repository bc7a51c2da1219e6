// Transactions in the cluster (cluster.h: two-phase commit): the records'
// codec, all-or-nothing across partitions and tables, locks against plain
// writes, and recovery when the coordinator stops half-way, a participant's
// leader is powered off between prepare and commit, or the whole cluster
// restarts with locks held.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "cluster/cluster.h"
#include "cluster/wal_record.h"

#undef CHECK
#include <catch2/catch.hpp>

namespace ddb::cluster {
namespace {

using Hook = std::function<bool(const std::string&)>;

std::unique_ptr<Cluster> StartCluster(Hook hook = nullptr, const std::string& dir = "", int recovery_ms = 300) {
  ClusterOptions o;
  o.in_memory = dir.empty();
  o.data_dir = dir;
  o.partitions_per_table = 3;
  o.txn_recovery_ms = recovery_ms;
  o.txn_test_hook = std::move(hook);
  auto c = Cluster::Start(o);
  REQUIRE(c.ok());
  return std::move(c.value());
}

// A mutator that writes `value` when the item holds `expect` (nullopt: absent).
Mutator SetIf(std::optional<std::string> expect, std::string value) {
  return [expect, value](const std::optional<std::string>& cur) {
    Mutation m;
    if (cur != expect) {
      m.status = Status::ConditionFailed("The conditional request failed");
      return m;
    }
    m.write = true;
    m.item = value;
    m.size = static_cast<uint32_t>(value.size());
    return m;
  };
}

// Appends an action that creates item k<i> with value "v".
void Add(std::vector<TxnAction>* actions, const TableMeta& t, int i) {
  actions->push_back(TxnAction{t, Key{"k" + std::to_string(i), ""}, SetIf(std::nullopt, "v")});
}

std::optional<std::string> Read(Cluster& c, const TableMeta& t, const Key& k) {
  auto got = c.Get(t, k, true);
  REQUIRE(got.ok());
  return *got;
}

// Polls `done` every 10 ms for at most `limit`.
bool Eventually(const std::function<bool()>& done, std::chrono::milliseconds limit = std::chrono::seconds(8)) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

TEST_CASE("txn: prepare, commit, abort and decide records round-trip", "[unit]") {
  WalRecord p;
  p.op = WalRecord::Op::kPrepare;
  p.hash_key = "h";
  p.range_key = "r";
  p.txn = std::string("\x00\x01txn", 5);
  p.shared = true;
  p.decision_group = 42;
  WalRecord staged;
  staged.op = WalRecord::Op::kPut;
  staged.hash_key = "h";
  staged.item = "item";
  staged.item_size = 4;
  p.staged = EncodeWalRecord(staged);
  auto back = DecodeWalRecord(EncodeWalRecord(p));
  REQUIRE(back.ok());
  CHECK(back->op == WalRecord::Op::kPrepare);
  CHECK(back->txn == p.txn);
  CHECK(back->shared);
  CHECK(back->decision_group == 42);
  CHECK(back->staged == p.staged);
  for (auto op : {WalRecord::Op::kCommit, WalRecord::Op::kAbort, WalRecord::Op::kDecide}) {
    WalRecord r;
    r.op = op;
    r.txn = "t1";
    r.commit = true;
    auto d = DecodeWalRecord(EncodeWalRecord(r));
    REQUIRE(d.ok());
    CHECK(d->op == op);
    CHECK(d->txn == "t1");
    CHECK(d->commit == (op == WalRecord::Op::kDecide));
  }
  std::string bad = EncodeWalRecord(p);
  bad.pop_back();
  CHECK(!DecodeWalRecord(bad).ok());
}

TEST_CASE("txn: all or nothing across tables and partitions", "[cluster]") {
  auto c = StartCluster();
  auto a = c->CreateTable("ns/a", "s");
  auto b = c->CreateTable("ns/b", "s");
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  std::vector<TxnAction> actions;
  for (int i = 0; i < 10; ++i) {
    actions.push_back(TxnAction{i % 2 ? *a : *b, Key{"k" + std::to_string(i), ""}, SetIf(std::nullopt, "v1")});
  }
  std::vector<TxnActionResult> results;
  REQUIRE(c->TransactWrite(actions, &results, nullptr).ok());
  for (int i = 0; i < 10; ++i) CHECK(Read(*c, i % 2 ? *a : *b, actions[i].key) == std::optional<std::string>("v1"));

  // One failed condition cancels everything; the others report OK.
  for (int i = 0; i < 10; ++i) actions[i].mutator = SetIf(std::string(i == 7 ? "other" : "v1"), "v2");
  Status s = c->TransactWrite(actions, &results, nullptr);
  CHECK(s.code() == Status::Code::kConditionFailed);
  REQUIRE(results.size() == 10);
  for (int i = 0; i < 10; ++i) {
    CHECK(results[i].status.code() == (i == 7 ? Status::Code::kConditionFailed : Status::Code::kOk));
    CHECK(results[i].item == std::optional<std::string>("v1"));
    CHECK(Read(*c, i % 2 ? *a : *b, actions[i].key) == std::optional<std::string>("v1"));
  }
  // The locks were released: plain writes go through at once.
  REQUIRE(c->Put(*a, actions[1].key, "plain", 5).ok());

  std::vector<TxnAction> reads;
  for (const TxnAction& w : actions) reads.push_back(TxnAction{w.table, w.key, nullptr});
  reads.push_back(TxnAction{*a, Key{"absent", ""}, nullptr});
  REQUIRE(c->TransactRead(reads, &results).ok());
  CHECK(results[1].item == std::optional<std::string>("plain"));
  CHECK(results[2].item == std::optional<std::string>("v1"));
  CHECK(!results[10].item);
}

TEST_CASE("txn: a coordinator that stops after prepare leaves locks the sweep aborts", "[cluster]") {
  std::atomic<bool> stop{true};
  auto c = StartCluster([&](const std::string& phase) { return !(stop && phase == "prepared"); });
  auto t = c->CreateTable("ns/t", "s");
  REQUIRE(t.ok());
  const Key x{"x", ""}, y{"y", ""};
  REQUIRE(c->Put(*t, x, "x0", 2).ok());
  std::vector<TxnActionResult> results;
  std::string id;
  Status s = c->TransactWrite({TxnAction{*t, x, SetIf("x0", "x1")}, TxnAction{*t, y, SetIf(std::nullopt, "y1")}},
                              &results, &id);
  CHECK(s.IsUncertain());
  // Locked: plain writes and read-modify-writes are refused; reads see the old state.
  CHECK(c->Put(*t, x, "other", 5).IsConflict());
  MutateResult r;
  CHECK(c->Mutate(*t, y, SetIf(std::nullopt, "y2"), &r).IsConflict());
  CHECK(Read(*c, *t, x) == std::optional<std::string>("x0"));
  CHECK(!Read(*c, *t, y));
  // The sweep finds no decision, records abort and releases the locks.
  CHECK(Eventually([&] { return c->Put(*t, y, "free", 4).ok(); }));
  CHECK(Read(*c, *t, x) == std::optional<std::string>("x0"));
  CHECK(Read(*c, *t, y) == std::optional<std::string>("free"));
  auto outcome = c->TransactionOutcome(*t, x, id);
  REQUIRE(outcome.ok());
  CHECK(!*outcome);
  stop = false;
  // The sweep releases the locks partition by partition: x's may go after y's.
  CHECK(Eventually([&] { return c->TransactWrite({TxnAction{*t, x, SetIf("x0", "x2")}}, &results, nullptr).ok(); }));
  CHECK(Read(*c, *t, x) == std::optional<std::string>("x2"));
}

TEST_CASE("txn: transactions meeting a held lock are cancelled with Conflict", "[cluster]") {
  std::atomic<bool> stop{true};
  // No sweep during the test: the lock stays until the cluster stops.
  auto c = StartCluster([&](const std::string& phase) { return !(stop && phase == "prepared"); }, "", 600000);
  auto t = c->CreateTable("ns/t", "s");
  REQUIRE(t.ok());
  const Key held{"held", ""}, free_key{"free", ""};
  std::vector<TxnActionResult> results;
  REQUIRE(c->TransactWrite({TxnAction{*t, held, SetIf(std::nullopt, "h")}}, &results, nullptr).IsUncertain());
  stop = false;
  // A write transaction: cancelled at once, the held item's result says Conflict.
  Status s = c->TransactWrite(
      {TxnAction{*t, free_key, SetIf(std::nullopt, "f")}, TxnAction{*t, held, SetIf(std::nullopt, "x")}}, &results,
      nullptr);
  CHECK(s.code() == Status::Code::kConditionFailed);
  REQUIRE(results.size() == 2);
  CHECK(results[0].status.ok());
  CHECK(results[1].status.IsConflict());
  CHECK(!Read(*c, *t, free_key));
  // A read transaction waits a bounded time for the writer, then gives up.
  const auto started = std::chrono::steady_clock::now();
  s = c->TransactRead({TxnAction{*t, free_key, nullptr}, TxnAction{*t, held, nullptr}}, &results);
  CHECK(s.code() == Status::Code::kConditionFailed);
  CHECK(results[1].status.IsConflict());
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(3));
  // The free item was not left locked by either.
  CHECK(c->Put(*t, free_key, "plain", 5).ok());
}

TEST_CASE("txn: a coordinator that stops after the decision is finished by the sweep", "[cluster]") {
  auto c = StartCluster([&](const std::string& phase) { return phase != "decided"; });
  auto t = c->CreateTable("ns/t", "s");
  REQUIRE(t.ok());
  std::vector<TxnAction> actions;
  for (int i = 0; i < 6; ++i) Add(&actions, *t, i);
  std::vector<TxnActionResult> results;
  std::string id;
  CHECK(c->TransactWrite(actions, &results, &id).IsUncertain());
  // Its outcome is already fixed: asking cannot abort it.
  auto outcome = c->TransactionOutcome(*t, actions[0].key, id);
  REQUIRE(outcome.ok());
  CHECK(*outcome);
  // Committed: every item shows up, none is lost.
  CHECK(Eventually([&] {
    for (const TxnAction& a : actions) {
      if (Read(*c, *t, a.key) != std::optional<std::string>("v")) return false;
    }
    return true;
  }));
  CHECK(Eventually([&] { return c->Put(*t, actions[0].key, "after", 5).ok(); }));
}

// The node leading the group that holds `key`'s partition: the one whose
// replica of some group is leader and that answers for it. We power off every
// node that leads anything; the groups fail over to other AZs.
std::vector<std::string> Leaders(Cluster& c) {
  std::vector<std::string> out;
  for (const NodeInfo& n : c.Snapshot().nodes) {
    for (const ReplicaInfo& r : n.replicas) {
      if (r.leader) {
        out.push_back(n.name);
        break;
      }
    }
  }
  return out;
}

TEST_CASE("txn: a participant leader powered off between prepare and commit", "[cluster]") {
  std::unique_ptr<Cluster> c;
  std::string victim;
  auto hook = [&](const std::string& phase) {
    if (phase == "prepared" && victim.empty()) {
      auto leaders = Leaders(*c);
      REQUIRE(!leaders.empty());
      victim = leaders.front();
      REQUIRE(c->PowerOff(victim).ok());
    }
    return true;
  };
  c = StartCluster(hook, "", 8000);  // the coordinator, not the sweep, finishes it
  auto t = c->CreateTable("ns/t", "s");
  REQUIRE(t.ok());
  std::vector<TxnAction> actions;
  for (int i = 0; i < 8; ++i) Add(&actions, *t, i);
  std::vector<TxnActionResult> results;
  Status s = c->TransactWrite(actions, &results, nullptr);
  REQUIRE(!victim.empty());
  INFO(s.ToString());
  // Committed (the decision and the locks are replicated), or at worst its
  // outcome unknown to the caller; either way, all or nothing, and no lock
  // is left behind.
  CHECK((s.ok() || s.IsUncertain()));
  CHECK(Eventually([&] {
    int written = 0;
    for (const TxnAction& a : actions) written += Read(*c, *t, a.key).has_value();
    return written == (s.ok() ? 8 : written) && (written == 0 || written == 8);
  }));
  CHECK(Eventually([&] {
    for (const TxnAction& a : actions) {
      if (!c->Put(*t, a.key, "after", 5).ok()) return false;
    }
    return true;
  }, std::chrono::seconds(20)));
  REQUIRE(c->PowerOn(victim).ok());
}

TEST_CASE("txn: the leading AZ is cut off between prepare and commit", "[cluster]") {
  std::unique_ptr<Cluster> c;
  bool cut = false;
  auto hook = [&](const std::string& phase) {
    if (phase == "prepared" && !cut) {
      NetworkFaults f;
      f.partition = {{"az-a"}, {"az-b", "az-c"}};  // AZ a's replicas lead every group
      REQUIRE(c->SetNetwork(f).ok());
      cut = true;
    }
    return true;
  };
  // The sweep waits longer than the failover takes, so that the coordinator
  // finishes the transaction itself.
  c = StartCluster(hook, "", 8000);
  auto t = c->CreateTable("ns/t", "s");
  REQUIRE(t.ok());
  std::vector<TxnAction> actions;
  for (int i = 0; i < 8; ++i) Add(&actions, *t, i);
  std::vector<TxnActionResult> results;
  Status s = c->TransactWrite(actions, &results, nullptr);
  REQUIRE(cut);
  INFO(s.ToString());
  // The new leaders in AZs b and c hold the replicated locks, and the
  // decision is recorded there: the transaction commits, all of it.
  CHECK((s.ok() || s.IsUncertain()));
  CHECK(Eventually([&] {
    for (const TxnAction& a : actions) {
      if (Read(*c, *t, a.key) != std::optional<std::string>("v")) return s.IsUncertain() && !Read(*c, *t, a.key);
    }
    return true;
  }));
  REQUIRE(c->SetNetwork(NetworkFaults{}).ok());
  CHECK(Eventually([&] {
    for (const TxnAction& a : actions) {
      if (!c->Put(*t, a.key, "after", 5).ok()) return false;
    }
    return true;
  }, std::chrono::seconds(20)));
}

TEST_CASE("txn: locks survive a restart and are then resolved", "[cluster]") {
  std::string dir = (std::filesystem::temp_directory_path() / "ddb-txn-test-XXXXXX").string();
  REQUIRE(mkdtemp(dir.data()) != nullptr);
  const Key x{"x", ""}, y{"y", ""};
  {
    auto c = StartCluster([](const std::string& phase) { return phase != "prepared"; }, dir, 60000);
    auto t = c->CreateTable("ns/t", "s");
    REQUIRE(t.ok());
    std::vector<TxnActionResult> results;
    CHECK(c->TransactWrite({TxnAction{*t, x, SetIf(std::nullopt, "x1")}, TxnAction{*t, y, SetIf(std::nullopt, "y1")}},
                           &results, nullptr)
              .IsUncertain());
    c->Stop();
  }
  auto c = StartCluster(nullptr, dir, 1500);
  auto t = c->GetTable("ns/t");
  REQUIRE(t.ok());
  // Rebuilt from the node files: still locked right after the restart.
  Status early = Status::Ok();
  CHECK(Eventually([&] {
    early = c->Put(*t, x, "early", 5);
    return !early.IsUnavailable();
  }));
  CHECK(early.IsConflict());
  CHECK(Eventually([&] { return c->Put(*t, x, "late", 4).ok(); }));
  CHECK(!Read(*c, *t, y));
  c->Stop();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ddb::cluster
