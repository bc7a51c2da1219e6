"""64 boto3 clients at once, one thread each, on one shared table: each
thread puts, reads back (strongly and eventually consistent) and deletes its
own items. Every request must succeed at the first attempt, within a
bounded time."""

import os
import threading
import time
import traceback
import uuid

import ddb_support as ds

N_THREADS = 64
ITEMS_PER_THREAD = int(os.environ.get("DDB_IT_ITEMS_PER_THREAD", "30"))
DEADLINE_S = 180.0


def test_64_threads_on_one_table(module_server):
    setup = ds.make_client(module_server.endpoint)
    table = "conc_" + uuid.uuid4().hex[:12]
    ds.create_table(setup, table)
    # Each thread has its own client (and connection pool).
    clients = [ds.make_client(module_server.endpoint, pool=4, max_attempts=2) for _ in range(N_THREADS)]
    barrier = threading.Barrier(N_THREADS, timeout=60)
    errors = []
    done = [0] * N_THREADS
    stop = threading.Event()

    def worker(t):
        client = clients[t]
        try:
            barrier.wait()
            pk = {"S": "thread-%02d" % t}
            items = []
            for i in range(ITEMS_PER_THREAD):
                if stop.is_set():
                    return
                item = {"pk": pk, "sk": {"N": str(i)}, "thread": {"N": str(t)},
                        "payload": {"S": ("t%02d-i%02d-" % (t, i)) * 20},
                        "tags": {"SS": ["t%d" % t, "i%d" % i]}}
                resp = ds.no_retries(client.put_item(TableName=table, Item=item))
                assert "Attributes" not in resp
                got = ds.no_retries(client.get_item(TableName=table, Key={"pk": pk, "sk": item["sk"]},
                                                    ConsistentRead=True))
                assert ds.norm_item(got.get("Item")) == ds.norm_item(item), (t, i)
                items.append(item)
            # Read all of this thread's keys back, eventually consistent.
            for item in items:
                ds.eventually_get(client, table, {"pk": pk, "sk": item["sk"]}, item, timeout=5.0)
            for item in items:
                resp = ds.no_retries(client.delete_item(TableName=table, Key={"pk": pk, "sk": item["sk"]}))
                assert "Attributes" not in resp, (t, item["sk"])
                got = ds.no_retries(client.get_item(TableName=table, Key={"pk": pk, "sk": item["sk"]},
                                                    ConsistentRead=True))
                assert "Item" not in got, (t, item["sk"])
                done[t] += 1
        except BaseException:  # noqa: B902 - reported to the main thread
            errors.append("thread %d:\n%s" % (t, traceback.format_exc()))
            stop.set()
            try:
                barrier.abort()
            except Exception:
                pass

    threads = [threading.Thread(target=worker, args=(t,), daemon=True) for t in range(N_THREADS)]
    t0 = time.monotonic()
    for th in threads:
        th.start()
    deadline = t0 + DEADLINE_S
    for th in threads:
        th.join(max(0.0, deadline - time.monotonic()))
    elapsed = time.monotonic() - t0
    alive = [i for i, th in enumerate(threads) if th.is_alive()]
    stop.set()
    print("%d threads x %d items: %.2f s" % (N_THREADS, ITEMS_PER_THREAD, elapsed))
    assert not errors, "\n".join(errors[:5])
    assert not alive, "threads %r still running after %.0f s" % (alive, DEADLINE_S)
    assert done == [ITEMS_PER_THREAD] * N_THREADS

    # Nothing is left behind.
    remaining = ds.poll_until(lambda: ds.scan_all(setup, table), lambda items: items == [],
                              timeout=5.0, what="table empty after all deletes")
    assert remaining == []
    setup.delete_table(TableName=table)
    ds.wait_deleted(setup, table)
