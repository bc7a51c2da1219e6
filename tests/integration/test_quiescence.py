"""Quiet groups: an idle partition's replicas stop ticking and stop their
per-group heartbeats (one heartbeat per pair of nodes watches over them), a
quiet leader gives its lease up and wakes for a write or a consistent read,
and the followers of a quiet group whose leader's node is powered off elect
a new leader, so writes go on."""

import time

import ddb_support as ds
from ddb_support import admin, cluster_snapshot as snapshot

NAMESPACE = ds.DUMMY_ACCESS_KEY + "_" + ds.REGION
TABLES = 60  # two partitions each: 120 groups, 360 replicas


def our_partitions(snap):
    return [p for t in snap["tables"] if t["name"].startswith(NAMESPACE + "/") for p in t["partitions"]]


def all_quiet(snap):
    parts = our_partitions(snap)
    groups = {p["group"] for p in parts}
    replicas = [r for n in snap["nodes"] for r in n["replicas"] if r["group"] in groups]
    return (len(parts) > 0 and all(p.get("quiescent") for p in parts) and
            len(replicas) == 3 * len(parts) and all(r["quiescent"] for r in replicas))


def test_idle_groups_go_quiet_and_wake(server_factory):
    server = server_factory.start(in_memory=True, extra_args=["-healAfterMs", "0", "-scrubIntervalMs", "0"])
    client = ds.make_client(server.endpoint)
    for i in range(TABLES):
        client.create_table(TableName="quiet%03d" % i, BillingMode="PAY_PER_REQUEST",
                            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    for i in range(20):
        client.put_item(TableName="quiet000", Item={"pk": {"S": "k%d" % i}, "v": {"N": str(i)}})

    # Every replica of every group goes quiet (the default: after 300 ms idle);
    # a quiet leader holds no lease.
    snap = ds.poll_until(lambda: snapshot(server.port), all_quiet, timeout=10, interval=0.1,
                         what="every group quiet")
    assert all(p["leaseMsLeft"] == 0 for p in our_partitions(snap))

    # Only the nodes' own heartbeats flow: 6 nodes, 5 peers each, every 50 ms
    # is 600 messages a second, whatever the number of groups (awake, these
    # 120 groups alone would send about 9,600: a heartbeat and its answer per
    # follower every 50 ms).
    before = snap["network"]["messagesSent"]
    t0 = time.monotonic()
    time.sleep(1.0)
    snap = snapshot(server.port)
    rate = (snap["network"]["messagesSent"] - before) / (time.monotonic() - t0)
    assert rate < 1500, rate
    assert all_quiet(snap)

    # A consistent read wakes the leader, which asks for a lease and answers.
    item = client.get_item(TableName="quiet000", Key={"pk": {"S": "k3"}}, ConsistentRead=True)["Item"]
    assert item["v"]["N"] == "3"
    # A write wakes the group too; it is read back at once.
    client.put_item(TableName="quiet001", Item={"pk": {"S": "new"}, "v": {"N": "1"}})
    assert client.get_item(TableName="quiet001", Key={"pk": {"S": "new"}},
                           ConsistentRead=True)["Item"]["v"]["N"] == "1"
    ds.poll_until(lambda: snapshot(server.port), all_quiet, timeout=10, interval=0.1,
                  what="quiet again after the write")


def test_quiet_group_elects_when_its_leaders_node_goes_off(server_factory):
    server = server_factory.start(in_memory=True, extra_args=["-healAfterMs", "0", "-scrubIntervalMs", "0"])
    client = ds.make_client(server.endpoint)
    ds.create_table(client, "lonely")
    for i in range(10):
        client.put_item(TableName="lonely", Item={"pk": {"S": "k%d" % i}, "sk": {"N": "1"}})
    snap = ds.poll_until(lambda: snapshot(server.port), all_quiet, timeout=10, interval=0.1,
                         what="the table's groups quiet")
    part = our_partitions(snap)[0]
    old_leader = part["leader"]
    names = {n["id"]: n["name"] for n in snap["nodes"]}
    status, _ = admin(server.port, "POST", "/admin/power-off", {"target": names[old_leader]})
    assert status == 200

    # Nobody heartbeats the quiet group: its followers learn of the loss from
    # the per-node heartbeats, elect a leader, and writes go on (the SDK
    # retries while the election runs).
    start = time.monotonic()
    client.put_item(TableName="lonely", Item={"pk": {"S": "k0"}, "sk": {"N": "1"}, "after": {"BOOL": True}})
    snap = ds.poll_until(
        lambda: snapshot(server.port),
        lambda s: [p for p in our_partitions(s) if p["group"] == part["group"]][0].get("leader", 0)
        not in (0, old_leader),
        timeout=5, interval=0.05, what="a new leader")
    assert time.monotonic() - start < 5
    for i in range(10):
        got = client.get_item(TableName="lonely", Key={"pk": {"S": "k%d" % i}, "sk": {"N": "1"}},
                              ConsistentRead=True)["Item"]
        assert got["pk"]["S"] == "k%d" % i
    assert client.get_item(TableName="lonely", Key={"pk": {"S": "k0"}, "sk": {"N": "1"}},
                           ConsistentRead=True)["Item"]["after"] == {"BOOL": True}

    # Back on, the node's replicas rejoin and the groups go quiet again.
    status, _ = admin(server.port, "POST", "/admin/power-on", {"target": names[old_leader]})
    assert status == 200
    ds.poll_until(lambda: snapshot(server.port), all_quiet, timeout=15, interval=0.1,
                  what="quiet again with every replica back")
