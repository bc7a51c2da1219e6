"""Snapshots and restore (/admin/snapshot, /admin/restore): every table back
to a named state, with -inMemory and with -dbPath (where the restored state
survives a restart); atomic to clients: concurrent scans see one state or the
other, never a mix."""

import json
import threading
import time

import ddb_support as ds


def admin(port, method, path, body=None):
    resp = ds.raw_request(port, method, path, body=json.dumps(body).encode() if body is not None else b"",
                          headers={"Content-Type": "application/json"})
    return resp.status, resp.json()


def snapshot(port, name):
    status, body = admin(port, "POST", "/admin/snapshot", {"name": name})
    assert status == 200, body


def restore(port, name):
    status, body = admin(port, "POST", "/admin/restore", {"name": name})
    assert status == 200, body
    return body["ms"]


def hash_table(client, name):
    ds.create_table(client, name, range_key=None)


def items_of(client, table):
    return sorted((it["pk"]["S"], it.get("v", {}).get("N")) for it in ds.scan_all(client, table))


def test_restore_brings_back_tables_and_items(module_server):
    port = module_server.port
    client = ds.make_client(module_server.endpoint)
    hash_table(client, "snap_users")
    for i in range(20):
        client.put_item(TableName="snap_users", Item={"pk": {"S": "u%02d" % i}, "v": {"N": "1"}})
    snapshot(port, "base")

    # Every kind of change afterwards: items, a new table, a deleted table, a setting.
    client.put_item(TableName="snap_users", Item={"pk": {"S": "u00"}, "v": {"N": "2"}})
    client.delete_item(TableName="snap_users", Key={"pk": {"S": "u01"}})
    client.put_item(TableName="snap_users", Item={"pk": {"S": "extra"}, "v": {"N": "3"}})
    hash_table(client, "snap_later")
    client.update_time_to_live(TableName="snap_users",
                               TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"})

    restore(port, "base")
    assert items_of(client, "snap_users") == [("u%02d" % i, "1") for i in range(20)]
    assert "snap_later" not in client.list_tables()["TableNames"]
    assert client.describe_time_to_live(TableName="snap_users")["TimeToLiveDescription"]["TimeToLiveStatus"] == \
        "DISABLED"
    # The restored tables take writes and consistent reads at once; the
    # dropped one can be created again.
    client.put_item(TableName="snap_users", Item={"pk": {"S": "after"}, "v": {"N": "4"}})
    got = client.get_item(TableName="snap_users", Key={"pk": {"S": "after"}}, ConsistentRead=True)
    assert got["Item"]["v"] == {"N": "4"}
    hash_table(client, "snap_later")
    assert client.scan(TableName="snap_later")["Count"] == 0

    # Restore again: the same state, as many times as wanted.
    for _ in range(3):
        restore(port, "base")
        assert items_of(client, "snap_users") == [("u%02d" % i, "1") for i in range(20)]
    status, body = admin(port, "GET", "/admin/snapshots")
    assert status == 200 and [s["name"] for s in body["snapshots"]] == ["base"]
    assert admin(port, "DELETE", "/admin/snapshots/base") == (200, {})
    assert admin(port, "POST", "/admin/restore", {"name": "base"})[0] == 404
    client.delete_table(TableName="snap_users")  # snap_later went with the last restore
    assert "snap_later" not in client.list_tables()["TableNames"]


def test_bad_snapshot_requests(module_server):
    port = module_server.port
    for body in ({}, {"name": ""}, {"name": "a/b"}, {"name": 5}, {"name": "x" * 256}):
        status, answer = admin(port, "POST", "/admin/snapshot", body)
        assert status == 400 and "name" in answer["error"], (body, answer)
    status, answer = admin(port, "POST", "/admin/restore", {"name": "never-taken"})
    assert status == 404 and answer["error"] == "no snapshot named never-taken"
    assert admin(port, "DELETE", "/admin/snapshots/never-taken")[0] == 404


def test_restore_is_atomic_to_concurrent_clients(server_factory):
    server = server_factory.start(extra_args=["-partitions", "4"])
    port = server.port
    client = ds.make_client(server.endpoint)
    hash_table(client, "atomic")
    for i in range(40):
        client.put_item(TableName="atomic", Item={"pk": {"S": "k%02d" % i}, "v": {"N": "1"}})
    snapshot(port, "one")
    for i in range(50):
        client.put_item(TableName="atomic", Item={"pk": {"S": "k%02d" % i}, "v": {"N": "2"}})
    snapshot(port, "two")
    expected = {"1": 40, "2": 50}

    stop = threading.Event()
    seen, errors = [], []

    def reader():
        c = ds.make_client(server.endpoint)
        deadline = time.monotonic() + 60
        while not stop.is_set() and time.monotonic() < deadline:
            try:
                # One Scan request reads every partition (4) in turn.
                items = c.scan(TableName="atomic", ConsistentRead=True)["Items"]
            except Exception as e:  # noqa: BLE001 - any failure is a finding
                errors.append(repr(e))
                return
            versions = {it["v"]["N"] for it in items}
            seen.append((len(items), tuple(sorted(versions))))

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        for i in range(20):
            restore(port, "one" if i % 2 == 0 else "two")
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
    assert not errors, errors[:3]
    assert seen, "the readers read nothing"
    mixed = [s for s in seen if len(s[1]) != 1 or expected[s[1][0]] != s[0]]
    assert not mixed, "scans that saw a mix of two states: %r" % mixed[:5]
    assert {s[1][0] for s in seen} == {"1", "2"}, "the readers saw only one state: %r" % seen[:5]

    # The replicas agree after the restores: eventually consistent scans,
    # spread over every replica, converge on the leader's answer.
    final = client.scan(TableName="atomic", ConsistentRead=True)["Items"]
    want = sorted((it["pk"]["S"], it["v"]["N"]) for it in final)
    assert len(want) == 50

    def eventual_scans():
        return [sorted((it["pk"]["S"], it["v"]["N"]) for it in client.scan(TableName="atomic")["Items"])
                for _ in range(6)]
    ds.poll_until(eventual_scans, lambda scans: all(s == want for s in scans), timeout=5.0,
                  what="every replica to hold the restored items")


def test_restore_with_db_path_survives_a_restart(server_factory, tmp_path):
    server = server_factory.start(db_path=tmp_path / "data")
    port = server.port
    client = ds.make_client(server.endpoint)
    hash_table(client, "durable")
    client.put_item(TableName="durable", Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    snapshot(port, "s")
    client.put_item(TableName="durable", Item={"pk": {"S": "a"}, "v": {"N": "2"}})
    client.put_item(TableName="durable", Item={"pk": {"S": "b"}, "v": {"N": "2"}})
    restore(port, "s")
    client.put_item(TableName="durable", Item={"pk": {"S": "c"}, "v": {"N": "3"}})
    server_factory.restart(server)
    client = ds.make_client(server.endpoint)
    assert items_of(client, "durable") == [("a", "1"), ("c", "3")]


def test_scrub_agrees_with_the_archive_after_a_restore(server_factory):
    """The WAL archive goes back with the snapshot: after a restore and new
    writes past the LSNs archived before it, every partition's replicas match
    the reference rebuilt from the archive."""
    server = server_factory.start()
    client = ds.make_client(server.endpoint)
    hash_table(client, "scrub_rs")
    for i in range(40):
        client.put_item(TableName="scrub_rs", Item={"pk": {"S": "a%d" % i}})
    assert admin(server.port, "POST", "/admin/archive", {})[0] == 200
    snapshot(server.port, "before")
    for i in range(40):
        client.put_item(TableName="scrub_rs", Item={"pk": {"S": "b%d" % i}, "v": {"S": "x" * 50}})
    assert admin(server.port, "POST", "/admin/archive", {})[0] == 200
    restore(server.port, "before")
    for i in range(80):
        client.put_item(TableName="scrub_rs", Item={"pk": {"S": "c%d" % i}})
    assert admin(server.port, "POST", "/admin/archive", {})[0] == 200
    status, report = admin(server.port, "POST", "/admin/scrub",
                           {"table": "scrub_rs", "namespace": ds.DUMMY_ACCESS_KEY + "_" + ds.REGION})
    assert status == 200
    assert report["alarms"] == []
    for p in report["partitions"]:
        assert p["result"] == "ok", p
        assert p["referenceDigest"], p  # compared with the archive, not only among replicas
    assert len(items_of(client, "scrub_rs")) == 120
