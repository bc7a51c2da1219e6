#!/usr/bin/python3
"""Instructions per request of ddb-local, counted by callgrind (not wall time).

The machine is shared, so wall-clock benchmarks are noisy; instruction
counts are not. This starts ./ddb-local under `valgrind --tool=callgrind`
(default flags: 3-way replication, SQLite on disk in a temp dir), creates
the benchmark table, then for each workload:
  1. zeroes the counters (callgrind_control -z), sleeps IDLE_S, dumps: the
     idle cost per second (node ticks, heartbeats);
  2. zeroes, sends REQUESTS requests from CLIENTS threads (keep-alive,
     closed loop), dumps;
and prints (load instructions - idle rate x load seconds) / requests.
Under valgrind the process runs on one core at a time, so the group
commits are smaller than at full speed: compare figures of this script with
each other, not with the benchmark.

Usage: bench/callgrind_ops.py [put_item|batch_write_item|get_item ...]
Environment: REQUESTS [400], CLIENTS [16], IDLE_S [3], DDB_FLAGS [""], BINARY [./ddb-local],
KEEP=1 keeps the callgrind output files (their paths are printed), for
callgrind_annotate.
Traffic goes only to 127.0.0.1; every loop is bounded in count and time.
"""

import glob
import http.client
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

from run import HOST, PAYLOAD, TABLE, call_ok as call, free_port

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REQUESTS = int(os.environ.get("REQUESTS", "400"))
CLIENTS = int(os.environ.get("CLIENTS", "16"))
IDLE_S = float(os.environ.get("IDLE_S", "3"))
TIMEOUT_S = 120



def item(pk, sk):
    return {"pk": {"S": pk}, "sk": {"S": sk}, "n": {"N": "1"}, "data": {"S": PAYLOAD}}


def body_of(workload, client, i):
    if workload == "put_item":
        return "PutItem", {"TableName": TABLE, "Item": item("p%d-%d" % (client, i), "s")}
    if workload == "get_item":
        return "GetItem", {"TableName": TABLE, "Key": {"pk": {"S": "p%d-%d" % (client, i)}, "sk": {"S": "s"}}}
    if workload == "batch_write_item":
        return "BatchWriteItem", {"RequestItems": {TABLE: [
            {"PutRequest": {"Item": item("b%d-%d-%d" % (client, i, j), "s")}} for j in range(25)]}}
    raise SystemExit("unknown workload " + workload)


def run_load(port, workload):
    per_client = [REQUESTS // CLIENTS + (1 if c < REQUESTS % CLIENTS else 0) for c in range(CLIENTS)]
    errors = []

    def client(c):
        conn = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT_S)
        try:
            for i in range(per_client[c]):
                op, body = body_of(workload, c, i)
                out = call(conn, op, body)
                if workload == "batch_write_item" and out.get("UnprocessedItems"):
                    raise RuntimeError("unprocessed items")
        except Exception as e:  # reported below
            errors.append(repr(e))
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(c,)) for c in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT_S * 10)
    if errors:
        raise RuntimeError(errors[0])


def dump_total(pid, outdir, label):
    before = set(glob.glob(os.path.join(outdir, "callgrind.out.*")))
    subprocess.run(["callgrind_control", "-d", label, str(pid)], check=True, capture_output=True, timeout=120)
    for _ in range(600):
        new = set(glob.glob(os.path.join(outdir, "callgrind.out.*"))) - before
        if new:
            break
        time.sleep(0.1)
    total = 0
    path = sorted(new)[-1]
    for _ in range(100):  # the dump may still be written
        with open(path) as f:
            text = f.read()
        m = re.search(r"^totals:\s+(\d+)", text, re.M) or re.search(r"^summary:\s+(\d+)", text, re.M)
        if m:
            total = int(m.group(1))
            break
        time.sleep(0.1)
    return total, path


def main():
    workloads = sys.argv[1:] or ["put_item", "batch_write_item"]
    binary = os.environ.get("BINARY") or os.path.join(ROOT, "ddb-local")
    work = tempfile.mkdtemp(prefix="ddb-callgrind-")
    port = free_port()
    argv = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + os.path.join(work, "callgrind.out.%p"),
            binary, "-port", str(port), "-dbPath", os.path.join(work, "data")] + os.environ.get("DDB_FLAGS", "").split()
    server = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "log"), "w"))
    try:
        deadline = time.time() + 300
        while time.time() < deadline:
            try:
                call(http.client.HTTPConnection(HOST, port, timeout=10), "ListTables", {})
                break
            except (OSError, RuntimeError):
                time.sleep(0.5)
        conn = http.client.HTTPConnection(HOST, port, timeout=TIMEOUT_S)
        call(conn, "CreateTable", {
            "TableName": TABLE,
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                     {"AttributeName": "sk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                          {"AttributeName": "sk", "KeyType": "RANGE"}],
            "BillingMode": "PAY_PER_REQUEST"})
        for workload in workloads:
            subprocess.run(["callgrind_control", "-z", str(server.pid)], check=True, capture_output=True, timeout=120)
            t0 = time.time()
            time.sleep(IDLE_S)
            idle, _ = dump_total(server.pid, work, "idle")
            idle_rate = idle / (time.time() - t0)
            subprocess.run(["callgrind_control", "-z", str(server.pid)], check=True, capture_output=True, timeout=120)
            t0 = time.time()
            run_load(port, workload)
            seconds = time.time() - t0
            load, path = dump_total(server.pid, work, workload)
            per_request = (load - idle_rate * seconds) / REQUESTS
            print("%-18s %d requests, %d clients: %.0f instructions/request "
                  "(load %.3g in %.1f s, idle %.3g/s)%s" % (
                      workload, REQUESTS, CLIENTS, per_request, load, seconds, idle_rate,
                      "  " + path if os.environ.get("KEEP") else ""), flush=True)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(120)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if not os.environ.get("KEEP"):
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
