#!/usr/bin/env python3
"""Footprint with a large table: ddb-local's RSS idle, after loading ITEMS
items (default 1,000,000 of ~200 bytes), and while one client scans the whole
table, against the RSS after the load (a scan that streams keeps it flat).

Starts ./ddb-local -dbPath <tmp> on a free port of 127.0.0.1 (default flags:
3-way replication, SQLite on disk), creates one table, loads the items with
BatchWriteItem (25 per request, CONNECTIONS keep-alive connections, every
response checked, bounded in count and time), reads VmRSS (/proc/PID/status),
then scans the table page by page (DynamoDB's 1 MB pages) while sampling the
RSS after every page, checks that the scan returned every item once, and
prints the RSS figures, the size of the data directory and the ratio of the
peak RSS during the scan to the RSS after the load. Exits non-zero on any
error. Environment: DDB_LOCAL (binary, default ./ddb-local), ITEMS.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time

from run import call_ok as call, connect, free_port, rss_kb, run_workers

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.environ.get("DDB_LOCAL", os.path.join(ROOT, "ddb-local"))
ITEMS = int(os.environ.get("ITEMS", "1000000"))
CONNECTIONS = 4
LOAD_TIMEOUT_S = 900
SCAN_TIMEOUT_S = 900
MAX_RETRIES = 50  # per batch, for UnprocessedItems
TABLE = "footprint"








def rss_mb_of(pid):
    return rss_kb(pid) / 1024.0


def dir_mb(path):
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            total += os.path.getsize(os.path.join(root, f))
    return total / (1024.0 * 1024.0)


def item(i):
    return {"pk": {"S": "item-%07d" % i}, "n": {"N": str(i)}, "payload": {"S": "p" * 170}}


def load(port):
    deadline = time.monotonic() + LOAD_TIMEOUT_S

    def work(conn, k):
        for start in range(k * 25, ITEMS, CONNECTIONS * 25):
            if time.monotonic() > deadline:
                raise RuntimeError("loading took over %d s" % LOAD_TIMEOUT_S)
            pending = {TABLE: [{"PutRequest": {"Item": item(i)}} for i in range(start, min(ITEMS, start + 25))]}
            for _ in range(MAX_RETRIES):
                pending = call(conn, "BatchWriteItem", {"RequestItems": pending})["UnprocessedItems"]
                if not pending:
                    break
            if pending:
                raise RuntimeError("items still unprocessed after %d attempts" % MAX_RETRIES)

    run_workers(port, CONNECTIONS, work, LOAD_TIMEOUT_S)


def scan(port, pid):
    deadline = time.monotonic() + SCAN_TIMEOUT_S
    conn = connect(port)
    seen, peak, pages, start = 0, 0.0, 0, None
    try:
        while True:
            if time.monotonic() > deadline:
                raise RuntimeError("the scan took over %d s" % SCAN_TIMEOUT_S)
            body = {"TableName": TABLE, "ProjectionExpression": "pk"}
            if start is not None:
                body["ExclusiveStartKey"] = start
            page = call(conn, "Scan", body)
            seen += page["Count"]
            pages += 1
            peak = max(peak, rss_mb_of(pid))
            start = page.get("LastEvaluatedKey")
            if start is None:
                return seen, peak, pages
    finally:
        conn.close()


def main():
    if not os.access(BINARY, os.X_OK):
        sys.exit("no ddb-local binary at %s (run make first)" % BINARY)
    data = tempfile.mkdtemp(prefix="ddb-footprint-")
    port = free_port()
    proc = subprocess.Popen([BINARY, "-port", str(port), "-dbPath", data],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        if not proc.stdout.readline().startswith(b"ddb-local listening"):
            raise RuntimeError("ddb-local did not start")
        idle = rss_mb_of(proc.pid)
        conn = connect(port)
        call(conn, "CreateTable", {
            "TableName": TABLE, "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]})
        conn.close()
        t0 = time.monotonic()
        load(port)
        load_s = time.monotonic() - t0
        loaded = rss_mb_of(proc.pid)
        t0 = time.monotonic()
        seen, peak, pages = scan(port, proc.pid)
        scan_s = time.monotonic() - t0
        if seen != ITEMS:
            raise RuntimeError("the scan returned %d items, not %d" % (seen, ITEMS))
        after = rss_mb_of(proc.pid)
        print("ddb-local footprint, %d items of ~200 bytes (3 replicas, SQLite on disk):" % ITEMS)
        print("  idle RSS after start        %7.1f MB" % idle)
        print("  RSS after loading           %7.1f MB  (loaded in %.0f s, %.0f items/s)" % (loaded, load_s, ITEMS / load_s))
        print("  peak RSS during a full scan %7.1f MB  (%d pages in %.0f s; %.2fx the RSS after loading)" %
              (peak, pages, scan_s, peak / loaded))
        print("  RSS after the scan          %7.1f MB" % after)
        print("  data directory              %7.1f MB" % dir_mb(data))
    finally:
        proc.kill()
        proc.wait()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
