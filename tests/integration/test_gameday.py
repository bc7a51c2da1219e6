"""Game day on the real binary: under a steady write load from boto3 clients
with the SDK's standard retries, random storage nodes (and once a whole AZ)
are powered off for a few seconds at a time; autoadmin heals groups whose
member stays off past -healAfterMs. Afterwards every acknowledged write is
read back, scrub finds no mismatch, and the share of requests that failed
after the SDK's retries is reported.

GAMEDAY_SECONDS sets the length of the chaos (default 16 in `make test`;
`make gameday` runs 60). GAMEDAY_SEED picks the schedule (printed)."""

import os
import random
import threading
import time

import ddb_support as ds

CHAOS_S = float(os.environ.get("GAMEDAY_SECONDS", "16"))
SEED = int(os.environ.get("GAMEDAY_SEED", str(int(time.time()) % 100000)))
WRITERS = 4
NAMESPACE = ds.DUMMY_ACCESS_KEY + "_" + ds.REGION
# Per writer: a bound on the writes of one run, whatever the machine's speed.
MAX_WRITES_PER_WRITER = 200000


def admin(port, method, path, body=None):
    return ds.admin(port, method, path, body, timeout=30)


def power(port, on, target):
    status, body = admin(port, "POST", "/admin/power-on" if on else "/admin/power-off", {"target": target})
    assert status == 200, (target, body)


class Writer(threading.Thread):
    """Puts items with unique keys until told to stop; records what was acknowledged."""

    def __init__(self, endpoint, wid, stop):
        super().__init__(daemon=True)
        # boto3's standard retry mode, as an application would run it.
        self.client = ds.make_client(endpoint, max_attempts=3, read_timeout=20)
        self.wid = wid
        self.stop = stop
        self.acked = {}
        self.failed = 0
        self.attempted = 0
        self.errors = {}

    def run(self):
        for i in range(MAX_WRITES_PER_WRITER):
            if self.stop.is_set():
                return
            key = "w%d-%d" % (self.wid, i)
            self.attempted += 1
            try:
                self.client.put_item(TableName="gameday", Item={"pk": {"S": key}, "sk": {"N": "0"},
                                                                "v": {"N": str(i)}})
                self.acked[key] = str(i)
            except Exception as e:  # failed after the SDK's retries: counted, not fatal
                self.failed += 1
                name = type(e).__name__
                code = getattr(e, "response", {}).get("Error", {}).get("Code", "")
                self.errors[name + ":" + code] = self.errors.get(name + ":" + code, 0) + 1


def settled(port):
    """Every node on and every group with a leader, three full members and no log replica."""
    status, snap = admin(port, "GET", "/admin/cluster")
    if status != 200 or not all(n["up"] for n in snap["nodes"]):
        return False
    for t in snap["tables"]:
        for p in t["partitions"]:
            roles = {n["id"]: r["role"] for n in snap["nodes"] for r in n["replicas"] if r["group"] == p["group"]}
            if len(p["members"]) != 3 or p["logMembers"] or "leader" not in roles.values():
                return False
            if sorted(roles) != sorted(p["members"]):
                return False
    return True


def test_game_day(server_factory, tmp_path):
    print("game day: %.0f s of chaos, seed %d (GAMEDAY_SEED=%d reproduces the schedule)" % (CHAOS_S, SEED, SEED))
    rng = random.Random(SEED)
    server = server_factory.start(in_memory=False, db_path=tmp_path / "data",
                                  extra_args=["-scrubIntervalMs", "0", "-partitions", "4"])
    port = server.port
    client = ds.make_client(server.endpoint, max_attempts=3)
    ds.create_table(client, "gameday")
    status, snap = admin(port, "GET", "/admin/cluster")
    nodes = [n["name"] for n in snap["nodes"]]
    azs = sorted({n["az"] for n in snap["nodes"]})

    stop = threading.Event()
    writers = [Writer(server.endpoint, w, stop) for w in range(WRITERS)]
    for w in writers:
        w.start()
    outages = []
    try:
        t0 = time.monotonic()
        whole_az_at = rng.uniform(0.3, 0.6) * CHAOS_S
        az_done = False
        while time.monotonic() - t0 < CHAOS_S:
            if not az_done and time.monotonic() - t0 >= whole_az_at:
                target, az_done = rng.choice(azs), True
            else:
                target = rng.choice(nodes)
            down_s = rng.uniform(1.0, 3.5)
            power(port, False, target)
            outages.append((round(time.monotonic() - t0, 1), target, round(down_s, 1)))
            time.sleep(down_s)  # the outage itself, not a wait for a result
            power(port, True, target)
            time.sleep(rng.uniform(0.3, 1.0))  # time between outages
    finally:
        for n in nodes:
            power(port, True, n)
        stop.set()
        for w in writers:
            w.join(timeout=60)
    assert not any(w.is_alive() for w in writers), "a writer did not stop within 60 s"
    print("outages (start s, target, seconds off):", outages)

    ds.poll_until(lambda: settled(port), lambda ok: ok, timeout=60, interval=0.2,
                  what="every group led, three full members, no log replica")

    # Every acknowledged write is there, with its value.
    acked = {}
    for w in writers:
        acked.update(w.acked)
    items = {i["pk"]["S"]: i["v"]["N"] for i in ds.scan_all(client, "gameday")}
    lost = [k for k, v in acked.items() if items.get(k) != v]
    assert not lost, "%d acknowledged writes lost or wrong, e.g. %r" % (len(lost), lost[:10])

    # The replicas agree with each other and with the archive.
    status, report = admin(port, "POST", "/admin/scrub", {"namespace": NAMESPACE, "table": "gameday"})
    assert status == 200, report
    bad = [p for p in report["partitions"] if p["result"] != "ok"]
    assert not bad, bad
    assert not [a for a in report["alarms"] if "mismatch" in a["kind"]], report["alarms"]

    attempted = sum(w.attempted for w in writers)
    failed = sum(w.failed for w in writers)
    errors = {}
    for w in writers:
        for k, v in w.errors.items():
            errors[k] = errors.get(k, 0) + v
    share = failed / attempted if attempted else 0.0
    line = ("game day: %d writes attempted, %d acknowledged, %d failed after retries (%.2f%%) %r; "
            "%d outages; seed %d" % (attempted, len(acked), failed, 100 * share, errors, len(outages), SEED))
    print(line)
    report_path = os.environ.get("GAMEDAY_REPORT")
    if report_path:
        with open(report_path, "a") as f:
            f.write(line + "\n")
    assert len(acked) > 0 and len(outages) > 0
    # Retries ride out most outages; a run where most requests fail is broken.
    assert share < 0.25, line
