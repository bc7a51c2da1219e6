"""No acknowledged write is lost on kill -9: clients write under load, the
process is killed mid-flight, and after a restart on the same -dbPath every
write that was acknowledged is there (and every acknowledged delete holds)."""

import threading
import time

import ddb_support as ds

WRITERS = 8
MAX_WRITES_PER_WRITER = 400
LOAD_SECONDS = 1.5


def test_kill_9_loses_no_acknowledged_write(server_factory, tmp_path):
    db = tmp_path / "data"
    server = server_factory.start(db_path=db)
    client = ds.make_client(server.endpoint, max_attempts=1)
    ds.create_table(client, "durable")

    acked = {}          # key -> "present" / "deleted" / "either" (delete in flight)
    lock = threading.Lock()
    stop = threading.Event()

    def writer(wid):
        c = ds.make_client(server.endpoint, max_attempts=1, read_timeout=5)
        for n in range(MAX_WRITES_PER_WRITER):
            if stop.is_set():
                return
            key = {"pk": {"S": "w%d" % wid}, "sk": {"N": str(n)}}
            try:
                if n % 5 == 4:  # delete an earlier item of ours
                    victim = {"pk": key["pk"], "sk": {"N": str(n - 2)}}
                    # Until the delete is acknowledged, either outcome is allowed.
                    with lock:
                        acked[("w%d" % wid, str(n - 2))] = "either"
                    c.delete_item(TableName="durable", Key=victim)
                    with lock:
                        acked[("w%d" % wid, str(n - 2))] = "deleted"
                else:
                    c.put_item(TableName="durable", Item=dict(key, v={"S": "x" * 100}))
                    with lock:
                        acked[("w%d" % wid, str(n))] = "present"
            except Exception:  # the kill interrupts requests: not acknowledged
                return

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(WRITERS)]
    for t in threads:
        t.start()
    time.sleep(LOAD_SECONDS)
    server.kill()  # SIGKILL while writes are in flight
    stop.set()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    with lock:
        snapshot = {k: v for k, v in acked.items() if v != "either"}
    print("acknowledged before the kill: %d" % len(snapshot))
    assert len(snapshot) > 50, "too few writes were acknowledged before the kill to test anything"

    server.start()
    reader = ds.make_client(server.endpoint)
    missing, resurrected = [], []
    for (pk, sk), state in snapshot.items():
        got = reader.get_item(TableName="durable", Key={"pk": {"S": pk}, "sk": {"N": sk}},
                              ConsistentRead=True)
        if state == "present" and "Item" not in got:
            missing.append((pk, sk))
        if state == "deleted" and "Item" in got:
            resurrected.append((pk, sk))
    assert not missing, "acknowledged puts lost after kill -9: %r" % missing[:10]
    assert not resurrected, "acknowledged deletes undone after kill -9: %r" % resurrected[:10]
