"""Atomic read-modify-write under contention (issue 3): 16 clients increment
one counter for a few seconds, half with a conditional update ("n = what I
read"), half with ADD. No increment may be lost or doubled, and every
ConditionalCheckFailedException must be justified: the item it returns
(ReturnValuesOnConditionCheckFailure=ALL_OLD) really differs from what the
client expected. Requests go out as raw signed HTTP so that no SDK retry can
repeat a write."""

import threading
import time

import ddb_support as ds

CLIENTS = 16
SECONDS = 3.0
MAX_OPS_PER_CLIENT = 2000
KEY = {"pk": {"S": "counter"}}


def call(port, op, payload):
    resp = ds.raw_call(port, op, payload, timeout=30)
    body = resp.json()
    return resp.status, body


def test_conditional_increments_and_add_lose_nothing(module_server):
    port = module_server.port
    client = ds.make_client(module_server.endpoint)
    ds.create_table(client, "counters", hash_key=("pk", "S"), range_key=None)
    status, _ = call(port, "PutItem", {"TableName": "counters", "Item": dict(KEY, n={"N": "0"}, a={"N": "0"})})
    assert status == 200

    lock = threading.Lock()
    totals = {"cond_ok": 0, "cond_failed": 0, "add_ok": 0}
    problems = []
    deadline = time.monotonic() + SECONDS

    def conditional(cid):
        ok = failed = 0
        for _ in range(MAX_OPS_PER_CLIENT):
            if time.monotonic() > deadline:
                break
            status, got = call(port, "GetItem", {"TableName": "counters", "Key": KEY, "ConsistentRead": True})
            if status != 200:
                problems.append(("GetItem", status, got))
                return
            seen = got["Item"]["n"]["N"]
            status, body = call(port, "UpdateItem", {
                "TableName": "counters", "Key": KEY,
                "UpdateExpression": "SET n = n + :one",
                "ConditionExpression": "n = :seen",
                "ExpressionAttributeValues": {":one": {"N": "1"}, ":seen": {"N": seen}},
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                "ReturnValues": "UPDATED_NEW"})
            if status == 200:
                if int(body["Attributes"]["n"]["N"]) != int(seen) + 1:
                    problems.append(("increment skipped a value", seen, body))
                ok += 1
            elif body.get("__type", "").endswith("#ConditionalCheckFailedException"):
                if body.get("Item", {}).get("n", {}).get("N") == seen:
                    problems.append(("unjustified ConditionalCheckFailedException", seen, body))
                failed += 1
            else:
                problems.append(("UpdateItem", status, body))
                return
        with lock:
            totals["cond_ok"] += ok
            totals["cond_failed"] += failed

    def adder(cid):
        ok = 0
        for _ in range(MAX_OPS_PER_CLIENT):
            if time.monotonic() > deadline:
                break
            status, body = call(port, "UpdateItem", {
                "TableName": "counters", "Key": KEY, "UpdateExpression": "ADD a :one",
                "ExpressionAttributeValues": {":one": {"N": "1"}}})
            if status != 200:
                problems.append(("ADD", status, body))
                return
            ok += 1
        with lock:
            totals["add_ok"] += ok

    threads = [threading.Thread(target=conditional if i % 2 == 0 else adder, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    assert not problems, problems[:5]

    status, got = call(port, "GetItem", {"TableName": "counters", "Key": KEY, "ConsistentRead": True})
    assert status == 200
    print("totals:", totals)
    assert totals["cond_ok"] > 0 and totals["add_ok"] > 0
    assert int(got["Item"]["n"]["N"]) == totals["cond_ok"], (got, totals)
    assert int(got["Item"]["a"]["N"]) == totals["add_ok"], (got, totals)
