"""Log replicas and healing (autoadmin): a member whose node is off for
-healAfterMs is replaced through Paxos membership changes — a log replica
first, then a full replica rebuilt on another node — while writes go on; the
partition map, the roles in /admin/cluster and scrub follow; the membership
survives a restart; a node that comes back holds no stale replica."""


import ddb_support as ds
from ddb_support import admin, cluster_snapshot as snapshot

HEAL_MS = 500
NAMESPACE = ds.DUMMY_ACCESS_KEY + "_" + ds.REGION


def partitions(snap, table):
    return [t for t in snap["tables"] if t["name"] == NAMESPACE + "/" + table][0]["partitions"]


def node_names(snap):
    return {n["id"]: n["name"] for n in snap["nodes"]}


def roles(snap, group):
    """node id -> role of its replica of `group`."""
    return {n["id"]: r["role"] for n in snap["nodes"] for r in n["replicas"] if r["group"] == group}


def az_of(snap, node_id):
    return [n["az"] for n in snap["nodes"] if n["id"] == node_id][0]


def put_range(client, table, lo, hi):
    for i in range(lo, hi):
        client.put_item(TableName=table, Item={"pk": {"S": "k%d" % i}, "sk": {"N": "1"}, "v": {"N": str(i)}})


def assert_all_readable(client, table, n):
    for i in range(n):
        item = client.get_item(TableName=table, Key={"pk": {"S": "k%d" % i}, "sk": {"N": "1"}},
                               ConsistentRead=True).get("Item")
        assert item is not None and item["v"]["N"] == str(i), (i, item)


def healed(snap, table, group, lost):
    """The group has three full members in three AZs, none on `lost`, no log replica,
    and every member's node reports the replica (the leader among them)."""
    p = [p for p in partitions(snap, table) if p["group"] == group][0]
    r = roles(snap, group)
    return (len(p["members"]) == 3 and lost not in p["members"] and p["logMembers"] == [] and
            len({az_of(snap, m) for m in p["members"]}) == 3 and
            sorted(r) == sorted(p["members"]) and "leader" in r.values() and "log" not in r.values())


def scrub_ok(port, table):
    status, report = admin(port, "POST", "/admin/scrub", {"namespace": NAMESPACE, "table": table})
    assert status == 200, report
    for p in report["partitions"]:
        assert p["result"] == "ok", p
        assert len(p["replicas"]) == 3 and len({r["digest"] for r in p["replicas"]}) == 1, p
    assert report["alarms"] == [], report["alarms"]


def test_lost_follower_is_replaced_and_membership_survives_restart(server_factory, tmp_path):
    data = tmp_path / "data"
    server = server_factory.start(in_memory=False, db_path=data,
                                  extra_args=["-healAfterMs", str(HEAL_MS), "-scrubIntervalMs", "0"])
    client = ds.make_client(server.endpoint)
    ds.create_table(client, "heal")
    put_range(client, "heal", 0, 80)
    snap = snapshot(server.port)
    part = partitions(snap, "heal")[0]
    group = part["group"]
    leader = [n for n, role in roles(snap, group).items() if role == "leader"][0]
    lost = [m for m in part["members"] if m != leader][0]
    status, _ = admin(server.port, "POST", "/admin/power-off", {"target": node_names(snap)[lost]})
    assert status == 200

    # Writes go on while the group heals; then it has three full members again,
    # the new one in the lost member's AZ (its other node).
    put_range(client, "heal", 80, 160)
    snap = ds.poll_until(lambda: snapshot(server.port), lambda s: healed(s, "heal", group, lost),
                         timeout=20, interval=0.1, what="the group healed")
    p = [p for p in partitions(snap, "heal") if p["group"] == group][0]
    replacement = [m for m in p["members"] if m not in part["members"]]
    assert len(replacement) == 1 and az_of(snap, replacement[0]) == az_of(snap, lost), (part, p)
    put_range(client, "heal", 160, 200)
    assert_all_readable(client, "heal", 200)
    scrub_ok(server.port, "heal")

    # The node comes back: its replica of the group was replaced, so it is dropped.
    status, _ = admin(server.port, "POST", "/admin/power-on", {"target": node_names(snap)[lost]})
    assert status == 200
    ds.poll_until(lambda: snapshot(server.port), lambda s: lost not in roles(s, group),
                  timeout=10, interval=0.05, what="the stale replica dropped")

    # A restart keeps the membership (meta.sqlite and each replica's configuration).
    members_before = {q["group"]: q["members"] for q in partitions(snapshot(server.port), "heal")}
    server = server_factory.restart(server)
    client = ds.make_client(server.endpoint)
    snap = snapshot(server.port)
    assert {q["group"]: q["members"] for q in partitions(snap, "heal")} == members_before
    assert_all_readable(client, "heal", 200)
    put_range(client, "heal", 200, 220)
    assert_all_readable(client, "heal", 220)
    snap = ds.poll_until(lambda: snapshot(server.port), lambda s: healed(s, "heal", group, lost),
                         timeout=10, interval=0.1, what="every member up after the restart")
    scrub_ok(server.port, "heal")


def test_lost_az_keeps_a_log_replica_until_it_returns(server_factory, tmp_path):
    server = server_factory.start(in_memory=True,
                                  extra_args=["-healAfterMs", str(HEAL_MS), "-scrubIntervalMs", "0"])
    client = ds.make_client(server.endpoint)
    ds.create_table(client, "azheal")
    put_range(client, "azheal", 0, 50)
    snap = snapshot(server.port)
    groups = [p["group"] for p in partitions(snap, "azheal")]
    status, _ = admin(server.port, "POST", "/admin/power-off", {"target": "az-c"})
    assert status == 200

    # With az-c off, each group runs on two full members and a log replica on
    # a node of another AZ (no node of az-c is on); /admin/cluster shows it.
    def with_log(s):
        for g in groups:
            p = [p for p in partitions(s, "azheal") if p["group"] == g][0]
            r = roles(s, g)
            if len(p["members"]) != 2 or len(p["logMembers"]) != 1 or r.get(p["logMembers"][0]) != "log":
                return False
            if any(az_of(s, m) == "az-c" for m in p["members"] + p["logMembers"]):
                return False
        return True
    ds.poll_until(lambda: snapshot(server.port), with_log, timeout=20, interval=0.1,
                  what="a log replica in every group")
    put_range(client, "azheal", 50, 120)
    assert_all_readable(client, "azheal", 120)

    # The AZ comes back: a full replica is rebuilt there, the log replica goes.
    status, _ = admin(server.port, "POST", "/admin/power-on", {"target": "az-c"})
    assert status == 200
    for g in groups:
        ds.poll_until(lambda: snapshot(server.port), lambda s: healed(s, "azheal", g, 0),
                      timeout=20, interval=0.1, what="group %d healed" % g)
    assert_all_readable(client, "azheal", 120)
    scrub_ok(server.port, "azheal")


def test_heal_after_flag_is_checked(server_factory):
    rc, _, err = ds.run_binary(["-healAfterMs", "-1"])
    assert rc != 0 and "healAfterMs" in err


def test_election_timeout_and_lease_flags(server_factory):
    rc, _, err = ds.run_binary(["-leaseMs", "300", "-electionTimeoutMs", "300"])
    assert rc == 2 and "-leaseMs must be less than -electionTimeoutMs (300)" in err
    rc, _, err = ds.run_binary(["-electionTimeoutMs", "10"])
    assert rc == 2 and "invalid value for -electionTimeoutMs: '10'" in err

    # Short timings: the leader's node goes off and a new leader takes over.
    server = server_factory.start(in_memory=True, extra_args=["-electionTimeoutMs", "100", "-leaseMs", "60",
                                                              "-healAfterMs", "0"])
    client = ds.make_client(server.endpoint)
    ds.create_table(client, "fast")
    put_range(client, "fast", 0, 10)
    snap = snapshot(server.port)
    group = partitions(snap, "fast")[0]["group"]
    old = [n for n, role in roles(snap, group).items() if role == "leader"][0]
    status, _ = admin(server.port, "POST", "/admin/power-off", {"target": node_names(snap)[old]})
    assert status == 200
    put_range(client, "fast", 10, 40)
    snap = ds.poll_until(lambda: snapshot(server.port),
                         lambda s: "leader" in roles(s, group).values(), timeout=5, interval=0.02,
                         what="a new leader")
    assert [n for n, role in roles(snap, group).items() if role == "leader"] != [old]
    assert_all_readable(client, "fast", 40)
    # -healAfterMs 0: nothing is replaced.
    assert partitions(snap, "fast")[0]["members"] == partitions(snapshot(server.port), "fast")[0]["members"]
    assert old in partitions(snapshot(server.port), "fast")[0]["members"]


def test_member_cut_off_by_the_network_is_replaced(server_factory):
    server = server_factory.start(in_memory=True,
                                  extra_args=["-healAfterMs", str(HEAL_MS), "-scrubIntervalMs", "0"])
    client = ds.make_client(server.endpoint)
    ds.create_table(client, "cut")
    put_range(client, "cut", 0, 40)
    groups = [p["group"] for p in partitions(snapshot(server.port), "cut")]
    status, _ = admin(server.port, "POST", "/admin/network", {"partition": [["az-a"], ["az-b", "az-c"]]})
    assert status == 200
    put_range(client, "cut", 40, 80)

    # Every node stays on; az-a's members are cut off from their leaders, so
    # each group runs on az-b and az-c with a log replica there.
    def cut_off(s):
        for g in groups:
            p = [p for p in partitions(s, "cut") if p["group"] == g][0]
            if len(p["members"]) != 2 or len(p["logMembers"]) != 1:
                return False
            if any(az_of(s, m) == "az-a" for m in p["members"] + p["logMembers"]):
                return False
        return True
    ds.poll_until(lambda: snapshot(server.port), cut_off, timeout=20, interval=0.1,
                  what="az-a's members replaced")
    status, _ = admin(server.port, "POST", "/admin/network", {})
    assert status == 200
    for g in groups:
        ds.poll_until(lambda: snapshot(server.port), lambda s: healed(s, "cut", g, 0),
                      timeout=20, interval=0.1, what="group %d healed" % g)
    put_range(client, "cut", 80, 100)
    assert_all_readable(client, "cut", 100)
    scrub_ok(server.port, "cut")
