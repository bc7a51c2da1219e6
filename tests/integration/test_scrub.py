"""Scrub, bit rot and the WAL archive through the admin API: a flipped bit on
one replica is found by "scrub now", raised as an alarm (admin API and log)
and repaired; the archive holds segments and a manifest under -dbPath; bad
admin requests get 400 or 404."""

import os

import ddb_support as ds
from ddb_support import admin


def partitions_of(snap, table):
    return [t for t in snap["tables"] if t["name"].endswith("/" + table)][0]["partitions"]


def test_bit_rot_is_found_alarmed_and_repaired(server_factory, tmp_path):
    data = tmp_path / "data"
    server = server_factory.start(in_memory=False, db_path=data, extra_args=["-scrubIntervalMs", "0"])
    port = server.port
    client = ds.make_client(server.endpoint)
    ds.create_table(client, "rot")
    for i in range(60):
        client.put_item(TableName="rot", Item={"pk": {"S": "p%d" % (i % 7)}, "sk": {"N": str(i)},
                                               "v": {"S": "value %d" % i}})

    status, report = admin(port, "POST", "/admin/scrub", {"namespace": ds.DUMMY_ACCESS_KEY + "_" + ds.REGION,
                                                           "table": "rot"})
    assert status == 200, report
    assert report["partitions"] and all(p["result"] == "ok" for p in report["partitions"]), report
    assert report["alarms"] == []

    _, snap = admin(port, "GET", "/admin/cluster")
    part = partitions_of(snap, "rot")[0]
    victim_id = part["members"][2]
    victim = [n["name"] for n in snap["nodes"] if n["id"] == victim_id][0]
    status, rot = admin(port, "POST", "/admin/bit-rot", {"node": victim, "partition": part["group"], "pick": 5})
    assert status == 200, rot
    assert rot["node"] == victim_id and rot["partition"] == part["group"] and rot["hashKeyHex"]

    status, report = admin(port, "POST", "/admin/scrub", {})
    assert status == 200
    mine = [p for p in report["partitions"] if p["group"] == part["group"]][0]
    assert mine["result"] == "repaired", mine
    assert mine["repairs"] == 1 and mine["mismatches"] == 1
    states = {r["node"]: r["state"] for r in mine["replicas"]}
    assert states[victim_id] == "repaired"
    assert [s for n, s in states.items() if n != victim_id] == ["ok", "ok"]
    kinds = [(a["kind"], a["node"]) for a in report["alarms"]]
    assert ("replica-mismatch", victim_id) in kinds and ("replica-repaired", victim_id) in kinds

    # The snapshot the web UI reads shows the same, per partition.
    _, snap = admin(port, "GET", "/admin/cluster")
    shown = [p for p in partitions_of(snap, "rot") if p["group"] == part["group"]][0]["scrub"]
    assert shown["result"] == "repaired" and shown["lastScrubMs"] > 0 and shown["archivedLsn"] >= shown["scrubLsn"]
    assert any(a["kind"] == "replica-mismatch" for a in snap["scrubAlarms"])

    # Scrubbed again: clean; every item reads back as written.
    _, report = admin(port, "POST", "/admin/scrub", {})
    assert all(p["result"] == "ok" for p in report["partitions"]), report
    items = ds.scan_all(client, "rot")
    assert sorted(int(it["sk"]["N"]) for it in items) == list(range(60))
    assert all(it["v"]["S"] == "value %s" % it["sk"]["N"] for it in items)

    # The archive: a manifest and segments under -dbPath/archive.
    assert admin(port, "POST", "/admin/archive", {}) == (200, {})
    manifest = (data / "archive" / "MANIFEST").read_text()
    line = [l for l in manifest.splitlines() if " partition=%d " % part["group"] in l][0]
    segment = line.split("segment=")[1].split()[0]
    assert os.path.exists(data / "archive" / segment)
    assert "replica-mismatch" in server.stderr_text()


def test_scrub_and_bit_rot_bad_requests(module_server):
    port = module_server.port
    client = ds.make_client(module_server.endpoint)
    ds.create_table(client, "rot_bad")
    _, snap = admin(port, "GET", "/admin/cluster")
    part = partitions_of(snap, "rot_bad")[0]
    node = [n["name"] for n in snap["nodes"] if n["id"] == part["members"][0]][0]
    # An empty partition has no item to rot.
    status, body = admin(port, "POST", "/admin/bit-rot", {"node": node, "partition": part["group"]})
    assert status == 404 and "no item" in body["error"]
    status, body = admin(port, "POST", "/admin/bit-rot", {"node": "az-q-node-1", "partition": part["group"]})
    assert status == 404 and "az-q-node-1" in body["error"]
    assert admin(port, "POST", "/admin/bit-rot", {"partition": part["group"]})[0] == 400
    assert admin(port, "POST", "/admin/bit-rot", {"node": node})[0] == 400
    assert admin(port, "POST", "/admin/bit-rot", {"node": node, "partition": "x"})[0] == 400
    assert admin(port, "POST", "/admin/scrub", {"table": "nope"})[0] == 404
    assert admin(port, "POST", "/admin/scrub", {"table": 5})[0] == 400
    assert admin(port, "POST", "/admin/network", {"corruptRate": 2})[0] == 400
    assert admin(port, "POST", "/admin/network", {"corruptRate": "x"})[0] == 400
    assert admin(port, "POST", "/admin/network", {"corruptRate": 0.05}) == (200, {})
    for i in range(20):
        client.put_item(TableName="rot_bad", Item={"pk": {"S": "c%d" % i}, "sk": {"N": "1"}})
    _, snap = admin(port, "GET", "/admin/cluster")
    assert snap["network"]["corruptRate"] == 0.05 and snap["network"]["messagesCorrupted"] > 0
    assert admin(port, "POST", "/admin/network", {}) == (200, {})
    assert len(ds.scan_all(client, "rot_bad")) == 20
    status, state = admin(port, "GET", "/admin/scrub")
    assert status == 200 and "partitions" in state and "alarms" in state
    client.delete_table(TableName="rot_bad")
