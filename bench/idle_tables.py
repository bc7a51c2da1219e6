#!/usr/bin/env python3
"""What idle tables cost: CPU of an idle ddb-local with TABLES tables of one
partition each (default 10,000: 30,000 replicas) against the same server with
no table, measured side by side in one run.

Starts two ./ddb-local -dbPath <tmp> -partitions 1 on free ports of
127.0.0.1 at once, and creates TABLES tables in the second (CreateTable over
a few keep-alive connections, bounded in count and time); both then idle
side by side, so that what else the machine does weighs on both alike. It
waits until every partition is quiet (/admin/cluster), SETTLE more seconds
(default 20: the new partitions' first WAL segments are archived
meanwhile), and until the servers have run FIRST_PASS seconds (default 65:
past the first periodic scrub pass, 60 s after start by default, the one
that finds every partition idle; later passes ask the nodes nothing while
nothing is written, and the healer makes no pass while every group
sleeps). Then it reads both processes' CPU seconds (/proc/PID/stat) over the
same SECONDS (default 120, so that two periodic scrub passes fall in it;
over 60 s the difference moved by up to 0.3% of a core from run to run).
Prints CPU as a percentage of one core for both, the difference, the
messages the cluster sent per second (/admin/cluster network.messagesSent),
the RSS and the healer's passes; exits non-zero on any error. Environment:
DDB_LOCAL (binary, default ./ddb-local), TABLES, SECONDS, SETTLE,
FIRST_PASS, DDB_ARGS (more flags for both servers, space-separated, e.g.
"-scrubIntervalMs 0" to leave the periodic scrub out).
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
SECONDS = float(os.environ.get("SECONDS", "120"))
SETTLE = float(os.environ.get("SETTLE", "20"))
FIRST_PASS = float(os.environ.get("FIRST_PASS", "65"))
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


class Server:
    """One ddb-local on a fresh -dbPath and a free port."""

    def __init__(self, tables):
        self.tables = tables
        self.data = tempfile.mkdtemp(prefix="ddb-idle-")
        self.port = free_port()
        self.proc = subprocess.Popen([BINARY, "-port", str(self.port), "-dbPath", self.data, "-partitions", "1"]
                                     + DDB_ARGS, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        if not self.proc.stdout.readline().startswith(b"ddb-local listening"):
            raise RuntimeError("ddb-local did not start")
        self.started = time.monotonic()
        self.create_s = 0.0

    def fill(self):
        if not self.tables:
            return
        t0 = time.monotonic()
        create_tables(self.port, self.tables)
        self.create_s = time.monotonic() - t0
        wait_quiet(self.port, self.tables)

    def sample(self):
        return admin(self.port), cpu_seconds(self.proc.pid), time.monotonic()

    def stop(self):
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.data, ignore_errors=True)


def measure(servers):
    """Both servers' CPU over the same window, once every table is quiet."""
    for s in servers:
        s.fill()
    first = min(s.started for s in servers)
    time.sleep(max(SETTLE, FIRST_PASS - (time.monotonic() - first)))
    before = [s.sample() for s in servers]
    time.sleep(SECONDS)
    after = [s.sample() for s in servers]
    out = []
    for s, (a0, cpu0, w0), (a1, cpu1, w1) in zip(servers, before, after):
        out.append({"tables": s.tables, "create_s": round(s.create_s, 1),
                    "cpu_pct": round(100.0 * (cpu1 - cpu0) / (w1 - w0), 2),
                    "messages_per_s": round((a1["network"]["messagesSent"] - a0["network"]["messagesSent"])
                                            / (w1 - w0)),
                    "rss_kb": rss_kb(s.proc.pid), "heal_passes": a1["healPasses"] - a0["healPasses"]})
    return out


def main():
    if not os.access(BINARY, os.X_OK):
        sys.exit("no ddb-local binary at %s (run make first)" % BINARY)
    servers = []
    try:
        servers = [Server(0), Server(TABLES)]
        empty, full = measure(servers)
    finally:
        for s in servers:
            s.stop()
    print("idle ddb-local, both servers over the same %.0f s, one partition per table (3 replicas):" % SECONDS)
    print("%8s %10s %12s %14s %9s %12s" % ("tables", "create s", "CPU % core", "messages/s", "RSS MB", "heal passes"))
    for r in (empty, full):
        print("%8d %10.1f %12.2f %14d %9.1f %12d" % (r["tables"], r["create_s"], r["cpu_pct"],
                                                     r["messages_per_s"], r["rss_kb"] / 1024.0, r["heal_passes"]))
    print("difference: %+.2f%% of a core for %d idle tables" % (full["cpu_pct"] - empty["cpu_pct"], TABLES))


if __name__ == "__main__":
    main()
