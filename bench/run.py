#!/usr/bin/python3
"""Side-by-side benchmark: ddb-local against dynalite and a bare-HTTP ceiling.

Run by `make bench` (full) and `make bench-smoke` (BENCH_SMOKE=1: a few seconds,
for `make test`). Standard library only. It starts, on 127.0.0.1 and free ports:
  ddb-local    ./ddb-local with default flags and an on-disk -dbPath in a temp dir
  dynalite     node bench/node_modules/dynalite/cli.js, in memory, table delays 0
  bare         build/bare_server (bench/bare_server.cc): a fixed body, no work
then drives each with wrk and the Lua scripts in bench/lua/ (closed loop,
keep-alive, fixed connection count), alternating the servers run by run
(A B C A B C ...) and taking the median per server. Every response is checked
by the Lua scripts; a run with any error is reported as FAILED, never as a
throughput, and an operation a server does not implement as "not supported".
It also measures start-up (spawn to the first successful ListTables, median of
BENCH_STARTUP_RUNS, timed in C++ by build/startup_probe (bench/startup_probe.cc)
so that Python's own start-up and polling are not in the figure; for ddb-local
on a fresh -dbPath, on an existing one and with -seed; one start of each server
and kind in turn, with each one's ratio to the bare server's), idle RSS and the
size of ./ddb-local.

Output: a table on stdout and bench/results/<timestamp>.json. Exit status 0
when every run succeeded, 1 when a run failed or a server did not start, 2 on
a setup problem (missing binary, wrk or node_modules).

Environment (defaults in brackets; BENCH_SMOKE=1 changes them as noted):
  BENCH_SECONDS        seconds per run [5; smoke 1]
  BENCH_CONNS          connection counts [1,16,64; smoke 16]
  BENCH_REPS           repetitions per server [2; smoke 1]
  BENCH_WORKLOADS      [put_item,get_item,query,batch_write_item]
  BENCH_STARTUP_RUNS   start-up samples per server [20; smoke 5]
  BENCH_GET_KEYS       keys preloaded for GetItem [10000; smoke 1000]
  BENCH_WRK_THREADS    wrk threads, at most the connection count [1]
  BENCH_SERVERS        servers to run [ddb-local,dynalite,bare]
  BENCH_DDB_FLAGS      extra flags for ddb-local, e.g. "-fsync" [none]
  BENCH_ONLY=startup   only start-up and idle RSS (no wrk runs): a few seconds
  BENCH_DDB_LOCAL      the ddb-local binary [./ddb-local], e.g. an older build to compare

Every loop is bounded in count and in time; every server this script starts is
killed when it exits (try/finally, atexit and SIGTERM/SIGINT handlers).
"""

import atexit
import http.client
import json
import os
import platform
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH_DIR)
HOST = "127.0.0.1"  # the only address this script sends traffic to

AUTH = ("AWS4-HMAC-SHA256 Credential=bench/20250101/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=host, Signature=0")
TABLE = "bench"
PAYLOAD = "abcdefghijklmnopqrstuvwxyz0123456789" * 5  # as in lua/common.lua
QUERY_ITEMS = 100  # sort keys s0000..s0099 in partition "q"
KEY_SPACE = 100000
NOTES = {
    "ddb-local": "  (a fresh -dbPath each time)",
    "ddb-local restart": "  (again on a -dbPath holding a table)",
    "ddb-local seed": "  (fresh -dbPath, -seed examples/testing/seed: 2 tables, 5 items)",
    "ddb-local seed in memory": "  (-inMemory, the same seed: docs/testing.md's command)",
    "bare": "  (reference: a trivial cpp-httplib server)",
}
SEED_DIR = os.path.join(ROOT, "examples", "testing", "seed")  # -seed for the "seed" start-up
SEED_PUT = "Users:id"  # the seed's table (key: the string attribute id) the seeded starts write to

WORKLOADS = {
    # name: (operation, Lua script)
    "put_item": ("PutItem", "put_item.lua"),
    "get_item": ("GetItem", "get_item.lua"),
    "query": ("Query", "query.lua"),
    "batch_write_item": ("BatchWriteItem", "batch_write_item.lua"),
}

START_TIMEOUT_S = 15.0
STOP_TIMEOUT_S = 5.0
REQUEST_TIMEOUT_S = 10.0
CLK_TCK = os.sysconf("SC_CLK_TCK")


def env_int(name, default):
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def env_list(name, default):
    value = os.environ.get(name, "")
    return [v.strip() for v in value.split(",") if v.strip()] if value.strip() else default


class Config:
    def __init__(self):
        self.smoke = os.environ.get("BENCH_SMOKE", "") not in ("", "0")
        s = self.smoke
        self.seconds = env_int("BENCH_SECONDS", 1 if s else 5)
        self.conns = [int(c) for c in env_list("BENCH_CONNS", ["16"] if s else ["1", "16", "64"])]
        self.reps = env_int("BENCH_REPS", 1 if s else 2)
        self.workloads = env_list("BENCH_WORKLOADS", list(WORKLOADS))
        self.startup_runs = env_int("BENCH_STARTUP_RUNS", 5 if s else 20)
        self.get_keys = env_int("BENCH_GET_KEYS", 1000 if s else 10000)
        self.wrk_threads = env_int("BENCH_WRK_THREADS", 1)
        self.servers = env_list("BENCH_SERVERS", ["ddb-local", "dynalite", "bare"])
        self.ddb_flags = os.environ.get("BENCH_DDB_FLAGS", "").split()
        self.ddb_local = os.environ.get("BENCH_DDB_LOCAL", "") or os.path.join(ROOT, "ddb-local")
        self.bare_server = os.path.join(ROOT, os.environ.get("BUILD", "build"), "bare_server")
        self.startup_probe = os.path.join(ROOT, os.environ.get("BUILD", "build"), "startup_probe")
        self.only = os.environ.get("BENCH_ONLY", "").strip()
        if self.only not in ("", "startup"):
            raise SystemExit("bench: BENCH_ONLY is 'startup' or unset")
        self.dynalite_cli = os.path.join(BENCH_DIR, "node_modules", "dynalite", "cli.js")
        for w in self.workloads:
            if w not in WORKLOADS:
                raise SystemExit("bench: unknown workload %r (known: %s)" % (w, ", ".join(WORKLOADS)))
        if not (1 <= self.seconds <= 600 and 1 <= self.reps <= 20 and self.conns
                and all(1 <= c <= 1024 for c in self.conns) and 1 <= self.startup_runs <= 200
                and 1 <= self.get_keys <= 1000000):
            raise SystemExit("bench: a BENCH_* setting is out of range")

    def as_dict(self):
        return {k: v for k, v in vars(self).items()}


# ---------------------------------------------------------------- processes

_live = []  # every Popen this script started and has not reaped yet


def _kill_all():
    for p in list(_live):
        stop_process(p)


def _on_signal(signum, _frame):
    raise SystemExit(128 + signum)


atexit.register(_kill_all)
signal.signal(signal.SIGTERM, _on_signal)
signal.signal(signal.SIGINT, _on_signal)


def spawn(argv, log_path):
    log = open(log_path, "ab")
    try:
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                             cwd=ROOT, start_new_session=True)
    finally:
        log.close()
    _live.append(p)
    return p


def stop_process(p):
    """Stops a process this script started: SIGTERM, then SIGKILL."""
    if p.poll() is None:
        try:
            p.terminate()
            p.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=STOP_TIMEOUT_S)
        except ProcessLookupError:
            pass
    if p in _live:
        _live.remove(p)


def describe_exit(code):
    if code is not None and code < 0:
        try:
            return "killed by %s" % signal.Signals(-code).name
        except ValueError:
            return "killed by signal %d" % -code
    return "exited with code %s" % code


def log_tail(path, limit=400):
    try:
        with open(path, "rb") as f:
            return f.read()[-limit:].decode("utf-8", "replace").strip()
    except OSError:
        return ""


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    """utime + stime of the whole process (all threads), from /proc/PID/stat."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # fields 14 and 15


def system_busy_seconds():
    """CPU seconds all processes have used so far (all cores), from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    # user, nice, system and steal; not irq/softirq, which loopback traffic itself causes.
    return (v[0] + v[1] + v[2] + v[7]) / CLK_TCK


def children_cpu_seconds():
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


# ---------------------------------------------------------------- DynamoDB calls

def call(conn, operation, body):
    """One DynamoDB JSON call over an open HTTPConnection: (status, parsed body or text)."""
    data = json.dumps(body).encode()
    conn.request("POST", "/", body=data, headers={
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": "DynamoDB_20120810." + operation,
        "X-Amz-Date": "20250101T000000Z",
        "Authorization": AUTH,
    })
    resp = conn.getresponse()
    text = resp.read().decode("utf-8", "replace")
    try:
        return resp.status, json.loads(text)
    except ValueError:
        return resp.status, text


def call_ok(conn, operation, body):
    """call(), raising on any answer but 200: the parsed body."""
    status, parsed = call(conn, operation, body)
    if status != 200:
        raise RuntimeError("%s: %d %s" % (operation, status, str(parsed)[:300]))
    return parsed


def connect(port):
    return http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)


def key(pk, sk):
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def item(pk, sk, n):
    it = key(pk, sk)
    it["n"] = {"N": str(n)}
    it["data"] = {"S": PAYLOAD}
    return it


def is_unknown_operation(status, body):
    return status == 400 and isinstance(body, dict) and "UnknownOperation" in body.get("__type", "")


# ---------------------------------------------------------------- servers

class Server:
    """One server under test: how to start it and how to tell it is ready."""

    def __init__(self, name, cfg, workdir):
        self.name = name
        self.cfg = cfg
        self.workdir = workdir
        self.proc = None
        self.port = None
        self.log = None
        self.start_error = None

    def argv(self, port, tag):
        if self.name == "ddb-local":
            db = os.path.join(self.workdir, "db-%s" % tag)
            return [self.cfg.ddb_local, "-port", str(port), "-dbPath", db] + self.cfg.ddb_flags
        if self.name == "dynalite":
            return [shutil.which("node") or "node", self.cfg.dynalite_cli, "--port", str(port),
                    "--host", HOST, "--createTableMs", "0", "--deleteTableMs", "0",
                    "--updateTableMs", "0"]
        return [self.cfg.bare_server, str(port)]

    def ready_once(self, port):
        """True when one readiness request succeeds (ListTables; GET / for bare)."""
        conn = http.client.HTTPConnection(HOST, port, timeout=2)
        try:
            if self.name == "bare":
                conn.request("GET", "/")
                resp = conn.getresponse()
                resp.read()
                return resp.status == 200
            status, body = call(conn, "ListTables", {})
            return status == 200 and isinstance(body, dict) and "TableNames" in body
        except (OSError, http.client.HTTPException):
            return False
        finally:
            conn.close()

    def start(self, tag):
        """Starts a process; returns (Popen, port, seconds from exec to ready) or raises."""
        port = free_port()
        log = os.path.join(self.workdir, "%s-%s.log" % (self.name, tag))
        self.log = log
        t0 = time.perf_counter()
        p = spawn(self.argv(port, tag), log)
        deadline = t0 + START_TIMEOUT_S
        while time.perf_counter() < deadline:
            if self.ready_once(port):
                return p, port, time.perf_counter() - t0
            if p.poll() is not None:
                break
            time.sleep(0.0002)
        exited = p.poll() is not None
        stop_process(p)
        why = (describe_exit(p.returncode) + " before answering" if exited
               else "no answer within %.0f s" % START_TIMEOUT_S)
        raise RuntimeError("%s did not start (%s); its log: %s" % (self.name, why, log_tail(log)))

    def alive(self):
        return self.proc is not None and self.proc.poll() is None


def startup_once(cfg, server, argv, port, log_path, item_table=None, put=None):
    """Milliseconds from spawn to the first successful ListTables, as build/startup_probe
    measures it (no Python in the timed path), one probe request's, (with item_table)
    to the first answered consistent GetItem on that table (else None), and (with put,
    "TABLE:ATTR") to the first answered PutItem into that table (else None); raises
    RuntimeError when it did not start."""
    probe = [cfg.startup_probe, "-log", log_path, "-timeout_ms", str(int(START_TIMEOUT_S * 1000))]
    if server.name == "bare":
        probe.append("-bare")
    if item_table:
        probe += ["-item", item_table]
    if put:
        probe += ["-put", put]
    out = subprocess.run(probe + [str(port), "--"] + argv, stdin=subprocess.DEVNULL,
                         capture_output=True, text=True, cwd=ROOT,
                         timeout=START_TIMEOUT_S + 2 * STOP_TIMEOUT_S + 5)
    fields = out.stdout.split()
    if out.returncode != 0 or len(fields) != 8 or fields[0] != "startup_us":
        raise RuntimeError("%s did not start (%s); its log: %s" % (
            server.name, out.stderr.strip() or "probe exit %d" % out.returncode, log_tail(log_path)))
    item_ms = int(fields[5]) / 1000.0 if item_table else None
    put_ms = int(fields[7]) / 1000.0 if put else None
    return int(fields[1]) / 1000.0, int(fields[3]) / 1000.0, item_ms, put_ms


def startup_stats(samples, attempts, items=None, puts=None):
    """attempt_ms: the median time of one probe request to the running server;
    item_median_ms: to the first consistent GetItem answered, and put_median_ms:
    to the first PutItem answered, when measured."""
    stats = {"runs": len(samples), "median_ms": round(statistics.median(samples), 2),
             "min_ms": round(min(samples), 2), "max_ms": round(max(samples), 2),
             "attempt_ms": round(statistics.median(attempts), 3)}
    if items:
        stats["item_median_ms"] = round(statistics.median(items), 2)
    if puts:
        stats["put_median_ms"] = round(statistics.median(puts), 2)
    return stats


def startup_variants(server):
    """The kinds of start measured for a server (see measure_startups)."""
    return ["fresh", "restart", "seed", "seed in memory"] if server.name == "ddb-local" else ["fresh"]


def startup_name(server, variant):
    return server.name if variant == "fresh" else "%s %s" % (server.name, variant)


def prepare_restart(server):
    """The first start of the "restart" variant, not measured: it creates the
    files and a table on the -dbPath every later restart starts on."""
    port = free_port()
    tag = "startup-restart-0"
    p = spawn(server.argv(port, tag), os.path.join(server.workdir, "%s-%s-prepare.log" % (server.name, tag)))
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not server.ready_once(port) and time.monotonic() < deadline and p.poll() is None:
            time.sleep(0.005)
        create_table(port)
    finally:
        stop_process(p)


def start_once(server, variant, i):
    """One measured start of `variant` (its i-th): (ms, attempt_ms, item_ms, put_ms)."""
    tag = "startup-%s-%d" % (variant.replace(" ", "-"), 0 if variant == "restart" else i)
    port = free_port()
    argv = server.argv(port, tag)
    if variant == "seed in memory":
        at = argv.index("-dbPath")
        argv[at:at + 2] = ["-inMemory"]
    # Seeded into the probe's namespace, so that its ListTables lists the
    # seed's tables and its PutItem finds one.
    seed = ["-seed", SEED_DIR, "-seedNamespace", "bench_us-east-1"] if variant.startswith("seed") else []
    # On a restart the table exists: also time the first consistent GetItem
    # (its node file open, its partition's leader elected with a lease).
    item_table = TABLE if variant == "restart" else None
    # A seeded start answers reads before its files are on disk (on a new
    # -dbPath) and writes after: also time the first write.
    put = SEED_PUT if variant.startswith("seed") else None
    log_path = os.path.join(server.workdir, "%s-%s-%d.log" % (server.name, tag, i))
    return startup_once(server.cfg, server, argv + seed, port, log_path, item_table, put)


def measure_startups(servers, runs, report):
    """Median time from exec to the first successful ListTables over `runs`
    cold starts of each server and variant, taken in turn (one start of each,
    then the next round), so that every figure, and their ratios, come from
    the same minutes of the machine, whose speed drifts. Variants (ddb-local
    only): "fresh" gives each start a new -dbPath; "restart" starts again and
    again on one -dbPath that already holds a table; "seed" is a fresh
    -dbPath with -seed of the small example seed (two tables, five items);
    "seed in memory" the same seed with -inMemory instead of a -dbPath, as
    docs/testing.md starts it for tests. Fills report["startup"] and
    report["start_errors"]."""
    cells = [(s, v) for s in servers for v in startup_variants(s)]
    samples = {startup_name(s, v): ([], [], [], []) for s, v in cells}
    failed = set()
    for s, v in cells:
        if v == "restart":
            try:
                prepare_restart(s)
            except (RuntimeError, OSError, http.client.HTTPException, subprocess.TimeoutExpired) as e:
                report["start_errors"][startup_name(s, v)] = str(e)
                failed.add(startup_name(s, v))
    log("bench: start-up of %s, %d rounds" % (", ".join(sorted(samples)), runs))
    for i in range(runs):
        for s, v in cells:
            name = startup_name(s, v)
            if name in failed:
                continue
            try:
                ms, attempt_ms, item_ms, put_ms = start_once(s, v, i)
            except (RuntimeError, OSError, http.client.HTTPException, subprocess.TimeoutExpired) as e:
                report["start_errors"][name] = str(e)
                failed.add(name)
                log("bench: %s" % e)
                continue
            samples[name][0].append(ms)
            samples[name][1].append(attempt_ms)
            if item_ms is not None:
                samples[name][2].append(item_ms)
            if put_ms is not None:
                samples[name][3].append(put_ms)
    for name, (ms, attempts, items, puts) in samples.items():
        if name not in failed and ms:
            report["startup"][name] = startup_stats(ms, attempts, items, puts)
    # Each variant's start against the bare server's, which does no work: the
    # same rounds, so the machine's drift is in both.
    bare = report["startup"].get("bare")
    if bare:
        report["startup_ratio_to_bare"] = {
            name: round(st["median_ms"] / bare["median_ms"], 2)
            for name, st in report["startup"].items() if name != "bare"}


def create_table(port):
    conn = connect(port)
    try:
        status, body = call(conn, "CreateTable", {
            "TableName": TABLE,
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                     {"AttributeName": "sk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                          {"AttributeName": "sk", "KeyType": "RANGE"}],
            "BillingMode": "PAY_PER_REQUEST"})
        if status != 200:
            raise RuntimeError("CreateTable: %s %s" % (status, body))
        for _ in range(200):  # dynalite is CREATING until its next tick
            status, body = call(conn, "DescribeTable", {"TableName": TABLE})
            if status == 200 and body["Table"]["TableStatus"] == "ACTIVE":
                return
            time.sleep(0.01)
        raise RuntimeError("table %s never became ACTIVE" % TABLE)
    finally:
        conn.close()


def run_workers(port, count, work, timeout_s=600):
    """Runs work(conn, k) for k in 0..count-1 on `count` threads, each with
    its own connection to `port`; raises the first error, or a timeout."""
    errors = []

    def worker(k):
        conn = connect(port)
        try:
            work(conn, k)
        except Exception as e:  # reported below
            errors.append(e)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(count)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + timeout_s
    for t in threads:
        t.join(timeout=max(0.0, deadline - time.monotonic()))
    if errors:
        raise errors[0]
    if any(t.is_alive() for t in threads):
        raise RuntimeError("workers still running after %d s" % timeout_s)


def preload(port, get_keys):
    """Puts the GetItem keys g0.. and the Query partition q (s0000..s0099), 4 connections."""
    items = [item("g%d" % k, "s", k) for k in range(get_keys)]
    items += [item("q", "s%04d" % i, i) for i in range(QUERY_ITEMS)]

    def work(conn, k):
        for it in items[k::4]:
            status, body = call(conn, "PutItem", {"TableName": TABLE, "Item": it})
            if status != 200:
                raise RuntimeError("PutItem %s: %s %s" % (it["pk"]["S"], status, body))

    try:
        run_workers(port, 4, work)
    except (RuntimeError, OSError, http.client.HTTPException) as e:
        raise RuntimeError("preload failed: %s" % e)


def probe(port, workload):
    """None when the server implements the workload's operation, else 'not supported'."""
    conn = connect(port)
    try:
        if workload == "query":
            status, body = call(conn, "Query", {
                "TableName": TABLE, "KeyConditionExpression": "pk = :p AND sk BETWEEN :a AND :b",
                "ExpressionAttributeValues": {":p": {"S": "q"}, ":a": {"S": "s0000"},
                                              ":b": {"S": "s0009"}}})
        elif workload == "batch_write_item":
            status, body = call(conn, "BatchWriteItem", {"RequestItems": {TABLE: [
                {"PutRequest": {"Item": item("b0", "s", 0)}}]}})
        elif workload == "get_item":
            status, body = call(conn, "GetItem", {"TableName": TABLE, "Key": key("g0", "s")})
        else:
            status, body = call(conn, "PutItem", {"TableName": TABLE, "Item": item("p0", "s", 0)})
    except (OSError, http.client.HTTPException):
        return None  # let the wrk run show what is wrong
    finally:
        conn.close()
    return "not supported" if is_unknown_operation(status, body) else None


# ---------------------------------------------------------------- wrk runs

def run_wrk(cfg, server, workload, conns):
    """One closed-loop run; returns a dict with ok/error and the measurements."""
    script = os.path.join(BENCH_DIR, "lua", WORKLOADS[workload][1])
    threads = max(1, min(cfg.wrk_threads, conns))
    argv = ["wrk", "-t", str(threads), "-c", str(conns), "-d", "%ds" % cfg.seconds,
            "--timeout", "5s", "-s", script, "http://%s:%d/" % (HOST, server.port)]
    env = dict(os.environ, BENCH_TABLE=TABLE, BENCH_KEY_SPACE=str(KEY_SPACE),
               BENCH_GET_KEYS=str(cfg.get_keys))
    env["BENCH_EXPECT"] = "bare" if server.name == "bare" else ""
    pid = server.proc.pid
    run = {"server": server.name, "workload": workload, "conns": conns, "ok": False}
    if not server.alive():
        run["error"] = "server not running (%s)" % describe_exit(server.proc.poll())
        return run
    cpu0, busy0, wrk0 = cpu_seconds(pid), system_busy_seconds(), children_cpu_seconds()
    try:
        out = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                             text=True, timeout=cfg.seconds + 60)
    except subprocess.TimeoutExpired:
        run["error"] = "wrk did not finish in time"
        return run
    cpu1, busy1, wrk1 = cpu_seconds(pid), system_busy_seconds(), children_cpu_seconds()
    run["rss_kb"] = rss_kb(pid)
    run["wrk_cpu_s"] = round(wrk1 - wrk0, 3)
    if cpu0 is not None and cpu1 is not None:
        run["cpu_s"] = round(cpu1 - cpu0, 3)
        # What neither the server nor wrk used: other processes, i.e. noise.
        run["other_cpu_s"] = round(max(0.0, (busy1 - busy0) - run["cpu_s"] - run["wrk_cpu_s"]), 3)
    result = None
    for line in out.stdout.splitlines():
        if line.startswith("BENCH_RESULT "):
            result = json.loads(line[len("BENCH_RESULT "):])
    if out.returncode != 0 or result is None:
        run["error"] = "wrk exit %d: %s" % (out.returncode, (out.stderr or out.stdout)[-300:].strip())
        return run
    sock = result["socket_errors"]
    errors = (result["bad_status"] + result["bad_body"] + sock["connect"] + sock["read"]
              + sock["write"] + sock["timeout"])
    seconds = result["duration_us"] / 1e6
    run.update({
        "requests": result["requests"], "seconds": round(seconds, 3),
        "ops_per_s": round(result["requests"] / seconds, 1) if seconds > 0 else 0.0,
        "p50_ms": result["latency_us"]["p50"] / 1000.0, "p90_ms": result["latency_us"]["p90"] / 1000.0,
        "p99_ms": result["latency_us"]["p99"] / 1000.0, "max_ms": result["latency_us"]["max"] / 1000.0,
        "errors": errors, "bad_status": result["bad_status"], "bad_body": result["bad_body"],
        "socket_errors": sock,
    })
    if errors:
        run["error"] = "%d errors (bad status %d, bad body %d, socket %s); first: %s" % (
            errors, result["bad_status"], result["bad_body"], sock, result["sample"][:200])
    elif result["requests"] == 0:
        run["error"] = "no request completed"
    elif not server.alive():
        run["error"] = "server %s during the run; its log: %s" % (
            describe_exit(server.proc.returncode), log_tail(server.log))
    else:
        run["ok"] = True
    return run


def summarize(runs):
    """The median of a cell's runs, or why the cell has no number."""
    failed = [r for r in runs if not r["ok"]]
    if failed:
        return {"status": "failed", "error": failed[0]["error"], "failed_runs": len(failed),
                "runs": len(runs)}

    def med(k):
        vals = [r[k] for r in runs if r.get(k) is not None]
        return round(statistics.median(vals), 3) if vals else None

    p50, p99 = med("p50_ms"), med("p99_ms")
    # The tail's spread: a target of the performance issue (at most 3). The
    # bare server's, in the same cell, is this machine's own at that load.
    spread = round(p99 / p50, 2) if p50 and p99 is not None else None
    return {"status": "ok", "runs": len(runs), "ops_per_s": med("ops_per_s"), "p50_ms": p50,
            "p99_ms": p99, "p99_over_p50": spread, "cpu_s": med("cpu_s"), "wrk_cpu_s": med("wrk_cpu_s"),
            "other_cpu_s": max(r.get("other_cpu_s") or 0.0 for r in runs),
            "rss_kb": max(r["rss_kb"] for r in runs if r.get("rss_kb") is not None)}


# ---------------------------------------------------------------- report

def fmt_cell(cell):
    if cell["status"] == "ok":
        return ["%.0f" % cell["ops_per_s"], "%.2f" % cell["p50_ms"], "%.2f" % cell["p99_ms"],
                "%.2f" % cell["p99_over_p50"] if cell.get("p99_over_p50") else "-",
                "%.2f" % cell["cpu_s"] if cell["cpu_s"] is not None else "-",
                "%.1f" % (cell["rss_kb"] / 1024.0) if cell["rss_kb"] else "-",
                "%.2f" % cell["other_cpu_s"]]
    if cell["status"] == "not supported":
        return ["not supported", "", "", "", "", "", ""]
    return ["FAILED", "", "", "", "", "", ""]


def render_table(report):
    header = ["workload", "conns", "server", "ops/s", "p50 ms", "p99 ms", "p99/p50", "CPU s", "RSS MB",
              "other CPU s", "ddb/dynalite", "of ceiling"]
    rows = []
    notes = []
    for cell in report["cells"]:
        ratio = cell.get("ratio_vs_dynalite")
        frac = cell.get("fraction_of_ceiling")
        rows.append([cell["workload"], str(cell["conns"]), cell["server"]] + fmt_cell(cell)
                    + ["%.2fx" % ratio if ratio is not None else "",
                       "%.0f%%" % (frac * 100) if frac is not None else ""])
        if cell["status"] == "failed":
            notes.append("%s %s c=%d: %s" % (cell["server"], cell["workload"], cell["conns"],
                                             cell["error"]))
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
    lines = ["  ".join(h.ljust(w) if i < 3 else h.rjust(w) for i, (h, w) in enumerate(zip(r, widths)))
             for r in [header] + rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines), notes


def build_cells(cfg, runs, unsupported):
    cells = []
    for workload in cfg.workloads:
        for conns in cfg.conns:
            by_server = {}
            for name in cfg.servers:
                if (name, workload) in unsupported:
                    cell = {"status": "not supported"}
                else:
                    cell = summarize([r for r in runs if r["server"] == name
                                      and r["workload"] == workload and r["conns"] == conns])
                cell.update(server=name, workload=workload, conns=conns)
                by_server[name] = cell
            ceiling = by_server.get("bare")
            dyn = by_server.get("dynalite")
            for name, cell in by_server.items():
                if cell["status"] != "ok":
                    continue
                if name == "ddb-local" and dyn and dyn["status"] == "ok":
                    cell["ratio_vs_dynalite"] = round(cell["ops_per_s"] / dyn["ops_per_s"], 3)
                if name != "bare" and ceiling and ceiling["status"] == "ok":
                    cell["fraction_of_ceiling"] = round(cell["ops_per_s"] / ceiling["ops_per_s"], 3)
            cells.extend(by_server[name] for name in cfg.servers)
    return cells


def tool_versions(cfg):
    def first_line(argv):
        try:
            out = subprocess.run(argv, capture_output=True, text=True, timeout=10)
            return (out.stdout or out.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return None

    dyn = None
    try:
        with open(os.path.join(BENCH_DIR, "node_modules", "dynalite", "package.json")) as f:
            dyn = json.load(f)["version"]
    except (OSError, ValueError, KeyError):
        pass
    return {"ddb-local": first_line([cfg.ddb_local, "-version"]), "dynalite": dyn,
            "node": first_line(["node", "--version"]), "wrk": first_line(["wrk", "--version"]),
            "git": first_line(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"]),
            "kernel": platform.release(), "cpus": os.cpu_count()}


# ---------------------------------------------------------------- main

def check_setup(cfg):
    missing = []
    if "ddb-local" in cfg.servers and not os.access(cfg.ddb_local, os.X_OK):
        missing.append("%s (make build)" % cfg.ddb_local)
    if "bare" in cfg.servers and not os.access(cfg.bare_server, os.X_OK):
        missing.append("%s (make bench builds it)" % cfg.bare_server)
    if "dynalite" in cfg.servers and not os.path.exists(cfg.dynalite_cli):
        missing.append("%s (npm ci --prefix bench)" % cfg.dynalite_cli)
    if "dynalite" in cfg.servers and not shutil.which("node"):
        missing.append("node")
    if not os.access(cfg.startup_probe, os.X_OK):
        missing.append("%s (make bench builds it)" % cfg.startup_probe)
    if not shutil.which("wrk") and not cfg.only:
        missing.append("wrk (apt-get install wrk)")
    if missing:
        print("bench: missing " + "; ".join(missing), file=sys.stderr)
        sys.exit(2)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def main():
    cfg = Config()
    check_setup(cfg)
    started = time.strftime("%Y%m%dT%H%M%S")
    workdir = tempfile.mkdtemp(prefix="ddb-bench-")
    servers = [Server(name, cfg, workdir) for name in cfg.servers]
    report = {"started": started, "config": cfg.as_dict(), "versions": tool_versions(cfg),
              "startup": {}, "idle_rss_kb": {}, "start_errors": {}, "runs": []}
    if os.path.exists(cfg.ddb_local):
        report["ddb_local_binary_bytes"] = os.path.getsize(cfg.ddb_local)
    unsupported = set()
    try:
        # Start-up: cold starts, each with a fresh -dbPath for ddb-local;
        # ddb-local's restarts on an existing -dbPath and its starts with
        # -seed; one of each in turn. The bare server shows the floor of this
        # machine and of the probe.
        measure_startups(servers, cfg.startup_runs, report)

        # The servers under load, one process each for the whole run.
        for s in servers:
            try:
                s.proc, s.port, _ = s.start("main")
                time.sleep(1.0)  # idle
                report["idle_rss_kb"][s.name] = rss_kb(s.proc.pid)
                if cfg.only == "startup":
                    stop_process(s.proc)
                    s.proc = None
                    continue
                if s.name != "bare":
                    create_table(s.port)
                    log("bench: preloading %s (%d items)" % (s.name, cfg.get_keys + QUERY_ITEMS))
                    preload(s.port, cfg.get_keys)
                    for w in cfg.workloads:
                        if probe(s.port, w):
                            unsupported.add((s.name, w))
                            log("bench: %s does not support %s" % (s.name, WORKLOADS[w][0]))
            except (RuntimeError, OSError, http.client.HTTPException) as e:
                if s.proc is not None and s.proc.poll() is not None:
                    e = "%s; the server %s; its log: %s" % (e, describe_exit(s.proc.returncode),
                                                            log_tail(s.log))
                report["start_errors"][s.name] = str(e)
                log("bench: %s failed to start: %s" % (s.name, e))
                if s.proc:
                    stop_process(s.proc)

        for workload in ([] if cfg.only else cfg.workloads):
            for conns in cfg.conns:
                for rep in range(cfg.reps):
                    for s in servers:  # A B C A B C: alternated, run by run
                        if (s.name, workload) in unsupported:
                            continue
                        if s.name in report["start_errors"] and not s.alive():
                            run = {"server": s.name, "workload": workload, "conns": conns,
                                   "ok": False, "error": "server failed to start"}
                        else:
                            run = run_wrk(cfg, s, workload, conns)
                        run["rep"] = rep
                        report["runs"].append(run)
                        log("bench: %-9s %-16s c=%-3d rep %d: %s" % (
                            s.name, workload, conns, rep,
                            "%.0f ops/s p50 %.2f ms p99 %.2f ms" % (run["ops_per_s"], run["p50_ms"],
                                                                   run["p99_ms"])
                            if run["ok"] else "FAILED " + run["error"]))
        for s in servers:
            if s.proc is not None and s.proc.poll() is not None:
                report["start_errors"].setdefault(s.name, "%s during the benchmark; its log: %s"
                                                  % (describe_exit(s.proc.returncode), log_tail(s.log)))
    finally:
        for s in servers:
            if s.proc is not None:
                stop_process(s.proc)
        _kill_all()
        shutil.rmtree(workdir, ignore_errors=True)

    report["cells"] = [] if cfg.only else build_cells(cfg, report["runs"], unsupported)
    table, notes = render_table(report) if report["cells"] else ("(no load runs: BENCH_ONLY=%s)" % cfg.only, [])
    print("\nddb-local benchmark, %s: %d s runs, %d rep(s), median; wrk closed loop, keep-alive, %s"
          % (started, cfg.seconds, cfg.reps, "smoke" if cfg.smoke else "startup only" if cfg.only else "full"))
    print(table)
    for n in notes:
        print("FAILED: " + n)
    print("CPU s: the server's CPU time during a run (median); other CPU s: the most that other"
          " processes used in one run of the cell (noise).")
    budget = cfg.seconds * (os.cpu_count() or 1)
    noisy = [r for r in report["runs"] if (r.get("other_cpu_s") or 0) > 0.1 * budget]
    if noisy:
        print("WARNING: in %d of %d runs other processes used over 10%% of the machine's CPU"
              " (up to %.1f of %d CPU-s): the figures are noisy; rerun on a quiet machine."
              % (len(noisy), len(report["runs"]), max(r["other_cpu_s"] for r in noisy), budget))
    print("\nStart-up (spawn to the first successful ListTables, timed by build/startup_probe)"
          " and footprint:")
    for name in ("ddb-local", "ddb-local restart", "ddb-local seed", "ddb-local seed in memory", "dynalite", "bare"):
        st = report["startup"].get(name)
        idle = report["idle_rss_kb"].get(name)
        if st or idle:
            print("  %-24s start %s ms median of %d (min %s, max %s; one probe request %s ms);"
                  "%s%s" % (
                name, st["median_ms"] if st else "-", st["runs"] if st else 0,
                st["min_ms"] if st else "-", st["max_ms"] if st else "-", st["attempt_ms"] if st else "-",
                " idle RSS %.1f MB" % (idle / 1024.0) if idle else "",
                NOTES.get(name, "")))
            if st and "item_median_ms" in st:
                print("  %-24s first consistent GetItem answered %s ms after the spawn (median)"
                      % ("", st["item_median_ms"]))
            if st and "put_median_ms" in st:
                print("  %-24s first PutItem answered %s ms after the spawn (median)"
                      % ("", st["put_median_ms"]))
    ratios = report.get("startup_ratio_to_bare", {})
    if ratios:
        print("  side by side (one start of each in turn): start / the bare server's start: " +
              ", ".join("%s %.2f" % (name, ratios[name]) for name in
                        ("ddb-local", "ddb-local restart", "ddb-local seed", "ddb-local seed in memory", "dynalite")
                        if name in ratios))
    if "ddb_local_binary_bytes" in report:
        print("  ddb-local binary: %.2f MB (%d bytes)" % (report["ddb_local_binary_bytes"] / 1048576.0,
                                                         report["ddb_local_binary_bytes"]))
    for name, err in report["start_errors"].items():
        print("SERVER FAILED: %s: %s" % (name, err))

    results_dir = os.path.join(BENCH_DIR, "results")
    os.makedirs(results_dir, exist_ok=True)
    path = os.path.join(results_dir, "%s%s.json" % (started, "-smoke" if cfg.smoke else ""))
    with open(path + ".tmp", "w") as f:
        json.dump(report, f, indent=1, sort_keys=True)
    os.replace(path + ".tmp", path)
    print("\nWritten to %s" % os.path.relpath(path, ROOT))

    failed = bool(report["start_errors"]) or any(c["status"] == "failed" for c in report["cells"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
