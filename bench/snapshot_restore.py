#!/usr/bin/env python3
"""Restoring a snapshot against deleting and recreating the same tables.

Starts ./ddb-local -inMemory on a free port of 127.0.0.1, creates TABLES
tables holding ITEMS items in all (default 3 tables, 10,000 items of ~200
bytes), takes a snapshot, then ROUNDS times each (default 10):

  restore   POST /admin/restore {"name": "bench"} — below the API (SQLite
            backup of every node's database), requests held off meanwhile
  recreate  what a test suite does without snapshots: DeleteTable and
            CreateTable for each table, then BatchWriteItem of every item

and checks after each round that every table holds its items. Prints the
median, min and max of each and their ratio; exits non-zero on any error.
Environment: DDB_LOCAL (binary, default ./ddb-local), ITEMS, TABLES, ROUNDS.
"""

import json
import os
import re
import statistics
import subprocess
import sys
import time

import boto3
import botocore.config

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.environ.get("DDB_LOCAL", os.path.join(ROOT, "ddb-local"))
ITEMS = int(os.environ.get("ITEMS", "10000"))
TABLES = int(os.environ.get("TABLES", "3"))
ROUNDS = int(os.environ.get("ROUNDS", "10"))
START_TIMEOUT_S = 10


def table_names():
    return ["bench_%d" % t for t in range(TABLES)]


def items_for(t):
    n = ITEMS // TABLES + (1 if t < ITEMS % TABLES else 0)
    return [{"pk": {"S": "item-%06d" % i}, "payload": {"S": "x" * 180}, "n": {"N": str(i)}} for i in range(n)]


def create(client, name):
    client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])


def load(client, name, items):
    for i in range(0, len(items), 25):
        pending = {name: [{"PutRequest": {"Item": it}} for it in items[i:i + 25]]}
        for _ in range(20):
            pending = client.batch_write_item(RequestItems=pending)["UnprocessedItems"]
            if not pending:
                break
        if pending:
            raise RuntimeError("items still unprocessed after 20 attempts")


def count(client, name):
    total, start = 0, None
    while True:
        kwargs = {"TableName": name, "Select": "COUNT", "ConsistentRead": True}
        if start:
            kwargs["ExclusiveStartKey"] = start
        page = client.scan(**kwargs)
        total += page["Count"]
        start = page.get("LastEvaluatedKey")
        if not start:
            return total


def admin(base, path, body):
    import urllib.request
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(), method="POST")
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


def main():
    if not os.access(BINARY, os.X_OK):
        print("bench: no ddb-local at %s (make build)" % BINARY, file=sys.stderr)
        return 1
    proc = subprocess.Popen([BINARY, "-inMemory", "-port", "0"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        t0 = time.monotonic()
        line = proc.stdout.readline().decode()
        m = re.match(r"ddb-local listening on (http://\S+)", line)
        if not m or time.monotonic() - t0 > START_TIMEOUT_S:
            print("bench: ddb-local did not start: %r" % line, file=sys.stderr)
            return 1
        base = m.group(1)
        client = boto3.client("dynamodb", endpoint_url=base, region_name="us-east-1",
                              aws_access_key_id="bench", aws_secret_access_key="bench",
                              config=botocore.config.Config(retries={"max_attempts": 3, "mode": "standard"}))
        data = {name: items_for(t) for t, name in enumerate(table_names())}
        for name, items in data.items():
            create(client, name)
            load(client, name, items)
        admin(base, "/admin/snapshot", {"name": "bench"})

        def check():
            for name, items in data.items():
                got = count(client, name)
                if got != len(items):
                    raise RuntimeError("%s holds %d items, expected %d" % (name, got, len(items)))

        restore_ms, recreate_ms = [], []
        for _ in range(ROUNDS):
            client.put_item(TableName=table_names()[0], Item={"pk": {"S": "dirt"}})
            t = time.perf_counter()
            admin(base, "/admin/restore", {"name": "bench"})
            restore_ms.append((time.perf_counter() - t) * 1000)
            check()

            client.put_item(TableName=table_names()[0], Item={"pk": {"S": "dirt"}})
            t = time.perf_counter()
            for name, items in data.items():
                client.delete_table(TableName=name)
                create(client, name)
                load(client, name, items)
            recreate_ms.append((time.perf_counter() - t) * 1000)
            check()

        def row(label, xs):
            return "%-9s median %9.1f ms   min %9.1f   max %9.1f" % (label, statistics.median(xs), min(xs), max(xs))

        print("%d items in %d tables, %d rounds" % (ITEMS, TABLES, ROUNDS))
        print(row("restore", restore_ms))
        print(row("recreate", recreate_ms))
        print("restore is %.0fx faster" % (statistics.median(recreate_ms) / statistics.median(restore_ms)))
        return 0
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
