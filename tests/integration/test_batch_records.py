"""BatchWriteItem's batch records (one WAL record per partition per batch)
end to end: on a table with a global and a local secondary index, 25-item
batches of puts and deletes write the items and their index rows; a batch
written while one node is powered off reaches that node once it is back; a
restart on the same -dbPath keeps everything; and scrub, which compares the
three replicas with each other and with a replica rebuilt from the archived
WAL, finds no mismatch."""

import json

import ddb_support as ds
from ddb_support import admin

NAMESPACE = ds.DUMMY_ACCESS_KEY + "_" + ds.REGION
TABLE = "batchrec"


def create(client):
    client.create_table(
        TableName=TABLE,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "N"},
                              {"AttributeName": "lsk", "AttributeType": "S"},
                              {"AttributeName": "g", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        LocalSecondaryIndexes=[{"IndexName": "bylsk",
                                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                              {"AttributeName": "lsk", "KeyType": "RANGE"}],
                                "Projection": {"ProjectionType": "ALL"}}],
        GlobalSecondaryIndexes=[{"IndexName": "byg",
                                 "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"},
                                               {"AttributeName": "sk", "KeyType": "RANGE"}],
                                 "Projection": {"ProjectionType": "ALL"}}],
        BillingMode="PAY_PER_REQUEST")
    ds.wait_active(client, TABLE)


def item(i):
    # Five partition keys, so that a batch spans partitions and each
    # partition gets several items of it.
    return {"pk": {"S": "p%d" % (i % 5)}, "sk": {"N": str(i)}, "lsk": {"S": "l%05d" % i},
            "g": {"S": "g%d" % (i % 3)}, "v": {"S": "value %d" % i}}


def key(i):
    return {"pk": {"S": "p%d" % (i % 5)}, "sk": {"N": str(i)}}


def batch(client, requests):
    assert len(requests) == 25
    resp = client.batch_write_item(RequestItems={TABLE: requests}, ReturnConsumedCapacity="TOTAL")
    assert resp["UnprocessedItems"] == {}, resp
    assert resp["ConsumedCapacity"][0]["TableName"] == TABLE
    return resp


def expect_rows(client, present):
    """The table and both indexes hold exactly the items of `present`."""
    got = sorted(int(it["sk"]["N"]) for it in ds.scan_all(client, TABLE))
    assert got == sorted(present)
    for p in range(5):
        want = sorted(i for i in present if i % 5 == p)
        rows = client.query(TableName=TABLE, IndexName="bylsk", ConsistentRead=True,
                            KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "p%d" % p}})
        assert [it["lsk"]["S"] for it in rows["Items"]] == ["l%05d" % i for i in want]
        assert all(it["v"]["S"] == "value %s" % it["sk"]["N"] for it in rows["Items"])
    for g in range(3):
        want = sorted(i for i in present if i % 3 == g)
        rows = ds.poll_until(
            lambda: client.query(TableName=TABLE, IndexName="byg", KeyConditionExpression="g = :g",
                                 ExpressionAttributeValues={":g": {"S": "g%d" % g}})["Items"],
            lambda items: sorted(int(it["sk"]["N"]) for it in items) == want,
            timeout=5.0, what="global index rows of g%d" % g)
        assert all(it["v"]["S"] == "value %s" % it["sk"]["N"] for it in rows)


def scrub_ok(port):
    """Scrubs every table (the base table and its global index's own table)."""
    status, report = admin(port, "POST", "/admin/scrub", {})
    assert status == 200, report
    assert len(report["partitions"]) == 4, report  # two tables of two partitions
    for p in report["partitions"]:
        assert p["result"] == "ok", json.dumps(report)
        assert len(p["replicas"]) == 3 and len({r["digest"] for r in p["replicas"]}) == 1, p
    assert report["alarms"] == [], report["alarms"]


def test_batches_write_items_and_index_rows_through_power_off_and_restart(server_factory, tmp_path):
    data = tmp_path / "data"
    # No healing: the node powered off keeps its replicas and catches up.
    args = ["-scrubIntervalMs", "0", "-healAfterMs", "0"]
    server = server_factory.start(in_memory=False, db_path=data, extra_args=args)
    client = ds.make_client(server.endpoint)
    create(client)

    batch(client, [{"PutRequest": {"Item": item(i)}} for i in range(25)])
    batch(client, [{"PutRequest": {"Item": item(i)}} for i in range(25, 50)])
    present = set(range(50))
    expect_rows(client, present)

    # Power off a node holding replicas of the table; write a batch of puts
    # and deletes (its replicas miss it), then power it on again.
    status, snap = admin(server.port, "GET", "/admin/cluster")
    assert status == 200
    victim = [n["name"] for n in snap["nodes"] if n["az"] == "az-b" and n["replicas"]][0]
    assert admin(server.port, "POST", "/admin/power-off", {"target": victim}) == (200, {})
    requests = [{"DeleteRequest": {"Key": key(i)}} for i in range(0, 20, 2)]
    requests += [{"PutRequest": {"Item": item(i)}} for i in range(50, 65)]
    batch(client, requests)
    present = (present - set(range(0, 20, 2))) | set(range(50, 65))
    expect_rows(client, present)
    assert admin(server.port, "POST", "/admin/power-on", {"target": victim}) == (200, {})

    # Once it has caught up, every replica holds the same rows as the other
    # two and as the archive's rebuilt reference.
    batch(client, [{"PutRequest": {"Item": item(i)}} for i in range(65, 90)])
    present |= set(range(65, 90))
    scrub_ok(server.port)
    expect_rows(client, present)

    # A restart on the same data directory keeps everything.
    server.stop()
    server.start()
    client = ds.make_client(server.endpoint)
    expect_rows(client, present)
    desc = client.describe_table(TableName=TABLE)["Table"]
    assert desc["ItemCount"] == len(present)
    scrub_ok(server.port)
