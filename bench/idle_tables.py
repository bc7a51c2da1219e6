#!/usr/bin/env python3
"""What idle tables cost: CPU of an idle ddb-local with TABLES tables of one
partition each (default 10,000: 30,000 replicas) against the same server with
no table, measured side by side in one run.

Starts ./ddb-local -dbPath <tmp> -partitions 1 on a free port of 127.0.0.1
twice: once with no table, once after creating TABLES tables (CreateTable
over a few keep-alive connections, bounded in count and time). For each it
waits until every partition is quiet (/admin/cluster) — skipped for the
empty one — and SETTLE more seconds (default 20: the new partitions' first
WAL segments are archived meanwhile), then reads the process's CPU seconds
(/proc/PID/stat) over SECONDS (default 60, so that one periodic scrub pass,
every 60 s by default, falls in it). Prints CPU as a percentage of one core
for both, the difference, the messages the cluster sent per second
(/admin/cluster network.messagesSent) and the RSS; exits non-zero on any
error. Environment: DDB_LOCAL (binary, default ./ddb-local), TABLES,
SECONDS, SETTLE, DDB_ARGS (more flags for both servers, space-separated,
e.g. "-scrubIntervalMs 0" to leave the periodic scrub out).
"""

import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from run import call_ok as call, cpu_seconds, free_port, rss_kb, run_workers

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.environ.get("DDB_LOCAL", os.path.join(ROOT, "ddb-local"))
TABLES = int(os.environ.get("TABLES", "10000"))
SECONDS = float(os.environ.get("SECONDS", "60"))
SETTLE = float(os.environ.get("SETTLE", "20"))
DDB_ARGS = os.environ.get("DDB_ARGS", "").split()
CONNECTIONS = 4
CREATE_TIMEOUT_S = 600
QUIET_TIMEOUT_S = 120






def admin(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", "/admin/cluster")
        resp = conn.getresponse()
        data = resp.read()
        if resp.status != 200:
            raise RuntimeError("/admin/cluster: %d" % resp.status)
        return json.loads(data)
    finally:
        conn.close()






def create_tables(port, n):
    deadline = time.monotonic() + CREATE_TIMEOUT_S

    def work(conn, k):
        for i in range(k, n, CONNECTIONS):
            if time.monotonic() > deadline:
                raise RuntimeError("creating tables took over %d s" % CREATE_TIMEOUT_S)
            call(conn, "CreateTable", {
                "TableName": "idle%05d" % i, "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]})

    run_workers(port, CONNECTIONS, work, CREATE_TIMEOUT_S)


def wait_quiet(port, n):
    deadline = time.monotonic() + QUIET_TIMEOUT_S
    while time.monotonic() < deadline:
        snap = admin(port)
        parts = [p for t in snap["tables"] for p in t["partitions"]]
        if len(parts) == n and all(p.get("quiescent") for p in parts):
            return
        time.sleep(0.5)
    raise RuntimeError("the partitions did not all go quiet within %d s" % QUIET_TIMEOUT_S)


def measure(tables):
    data = tempfile.mkdtemp(prefix="ddb-idle-")
    port = free_port()
    proc = subprocess.Popen([BINARY, "-port", str(port), "-dbPath", data, "-partitions", "1"] + DDB_ARGS,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        if not proc.stdout.readline().startswith(b"ddb-local listening"):
            raise RuntimeError("ddb-local did not start")
        t0 = time.monotonic()
        if tables:
            create_tables(port, tables)
        created_s = time.monotonic() - t0
        if tables:
            wait_quiet(port, tables)
        time.sleep(SETTLE)
        sent0, cpu0, w0 = admin(port)["network"]["messagesSent"], cpu_seconds(proc.pid), time.monotonic()
        time.sleep(SECONDS)
        sent1, cpu1, w1 = admin(port)["network"]["messagesSent"], cpu_seconds(proc.pid), time.monotonic()
        return {"tables": tables, "create_s": round(created_s, 1),
                "cpu_pct": round(100.0 * (cpu1 - cpu0) / (w1 - w0), 2),
                "messages_per_s": round((sent1 - sent0) / (w1 - w0)), "rss_kb": rss_kb(proc.pid)}
    finally:
        proc.kill()
        proc.wait()
        shutil.rmtree(data, ignore_errors=True)


def main():
    if not os.access(BINARY, os.X_OK):
        sys.exit("no ddb-local binary at %s (run make first)" % BINARY)
    empty = measure(0)
    full = measure(TABLES)
    print("idle ddb-local, %.0f s each, one partition per table (3 replicas):" % SECONDS)
    print("%8s %10s %12s %14s %9s" % ("tables", "create s", "CPU % core", "messages/s", "RSS MB"))
    for r in (empty, full):
        print("%8d %10.1f %12.2f %14d %9.1f" % (r["tables"], r["create_s"], r["cpu_pct"],
                                                r["messages_per_s"], r["rss_kb"] / 1024.0))
    print("difference: %+.2f%% of a core for %d idle tables" % (full["cpu_pct"] - empty["cpu_pct"], TABLES))


if __name__ == "__main__":
    main()
