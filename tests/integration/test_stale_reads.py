"""Stale reads on request (-staleReadsMs, POST /admin/stale-reads): followers
apply committed writes late, so an eventually consistent read can return the
previous version while a consistent read of the same write is exact."""

import json
import time

import ddb_support as ds

READS = 9  # eventually consistent reads spread over the three replicas


def admin(port, method, path, body=None):
    resp = ds.raw_request(port, method, path, body=json.dumps(body).encode() if body is not None else b"",
                          headers={"Content-Type": "application/json"})
    return resp.status, resp.json()


def versions(client, table, key, consistent, n):
    out = []
    for _ in range(n):
        item = client.get_item(TableName=table, Key=key, ConsistentRead=consistent).get("Item")
        out.append(item["v"]["N"] if item else None)
    return out


def test_stale_eventual_read_fresh_consistent_read(server_factory):
    server = server_factory.start(extra_args=["-staleReadsMs", "30000"])
    client = ds.make_client(server.endpoint)
    ds.create_table(client, "stale", range_key=None)
    key = {"pk": {"S": "k"}}
    client.put_item(TableName="stale", Item={**key, "v": {"N": "1"}})
    # The write is acknowledged (a quorum persisted it; the leader applied it),
    # but the followers hold it back for 30 s.
    assert versions(client, "stale", key, True, 3) == ["1", "1", "1"]
    eventual = versions(client, "stale", key, False, READS)
    assert None in eventual, "no eventually consistent read was stale: %r" % eventual
    assert set(eventual) <= {None, "1"}

    client.put_item(TableName="stale", Item={**key, "v": {"N": "2"}})
    assert versions(client, "stale", key, True, 3) == ["2", "2", "2"]
    eventual = versions(client, "stale", key, False, READS)
    assert None in eventual and "2" in eventual, eventual
    scan = client.scan(TableName="stale", ConsistentRead=True)["Items"]
    assert [it["v"]["N"] for it in scan] == ["2"]
    status, snap = admin(server.port, "GET", "/admin/cluster")
    assert status == 200 and snap["staleReadsMs"] == 30000

    # Turned off, the followers catch up at once.
    assert admin(server.port, "POST", "/admin/stale-reads", {"delayMs": 0}) == (200, {})
    deadline = time.monotonic() + 5
    while versions(client, "stale", key, False, READS) != ["2"] * READS:
        assert time.monotonic() < deadline, "followers did not catch up after stale reads were turned off"


def test_stale_reads_off_by_default_and_through_admin(module_server):
    port = module_server.port
    client = ds.make_client(module_server.endpoint)
    ds.create_table(client, "fresh", range_key=None)
    status, snap = admin(port, "GET", "/admin/cluster")
    assert snap["staleReadsMs"] == 0
    key = {"pk": {"S": "a"}}
    client.put_item(TableName="fresh", Item={**key, "v": {"N": "1"}})
    # Off (the default): a follower applies a write as soon as it knows it is
    # committed, so the eventually consistent reads catch up within moments.
    deadline = time.monotonic() + 5
    while versions(client, "fresh", key, False, READS) != ["1"] * READS:
        assert time.monotonic() < deadline

    assert admin(port, "POST", "/admin/stale-reads", {"delayMs": 20000}) == (200, {})
    try:
        client.put_item(TableName="fresh", Item={**key, "v": {"N": "2"}})
        eventual = versions(client, "fresh", key, False, READS)
        assert "1" in eventual, eventual
        assert versions(client, "fresh", key, True, 2) == ["2", "2"]
        # A conditional update runs on the leader against the exact version.
        resp = client.update_item(TableName="fresh", Key=key, UpdateExpression="SET v = v + :one",
                                  ConditionExpression="v = :two", ReturnValues="UPDATED_NEW",
                                  ExpressionAttributeValues={":one": {"N": "1"}, ":two": {"N": "2"}})
        assert resp["Attributes"]["v"] == {"N": "3"}
    finally:
        assert admin(port, "POST", "/admin/stale-reads", {"delayMs": 0}) == (200, {})
    for body in ({}, {"delayMs": -1}, {"delayMs": 60001}, {"delayMs": "5"}):
        assert admin(port, "POST", "/admin/stale-reads", body)[0] == 400
    client.delete_table(TableName="fresh")
