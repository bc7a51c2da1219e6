"""Secondary indexes through boto3: CreateTable with local and global
indexes and DynamoDB's validation of them, DescribeTable's index fields,
Query and Scan on an index (key conditions, order, paging both ways,
projections and fetches, sparse indexes, parallel scan), indexes kept in step
by PutItem, UpdateItem, DeleteItem and BatchWriteItem (a rejected write
changes nothing), global indexes created on a populated table by UpdateTable
(backfill, CREATING then ACTIVE) and deleted, and indexes across a restart."""

import json
import uuid

import pytest

import ddb_support as ds


def uid():
    return uuid.uuid4().hex[:10]


def defs(*pairs):
    return [{"AttributeName": n, "AttributeType": t} for n, t in pairs]


def keys(hash_key, range_key=None):
    out = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    if range_key:
        out.append({"AttributeName": range_key, "KeyType": "RANGE"})
    return out


def create_indexed(client, name):
    """pk S + sk N; LSI by_amount (pk, amount N; KEYS_ONLY); GSI by_status
    (status S, amount N; INCLUDE note); GSI by_owner (owner S; ALL)."""
    client.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=defs(("pk", "S"), ("sk", "N"), ("amount", "N"), ("status", "S"), ("owner", "S")),
        KeySchema=keys("pk", "sk"),
        LocalSecondaryIndexes=[{"IndexName": "by_amount", "KeySchema": keys("pk", "amount"),
                                "Projection": {"ProjectionType": "KEYS_ONLY"}}],
        GlobalSecondaryIndexes=[
            {"IndexName": "by_status", "KeySchema": keys("status", "amount"),
             "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["note"]}},
            {"IndexName": "by_owner", "KeySchema": keys("owner"), "Projection": {"ProjectionType": "ALL"}}])
    ds.wait_active(client, name)


def item(pk, sk, amount=None, status=None, owner=None, note="n", extra="x"):
    it = {"pk": {"S": pk}, "sk": {"N": str(sk)}, "note": {"S": note}, "extra": {"S": extra}}
    if amount is not None:
        it["amount"] = {"N": str(amount)}
    if status is not None:
        it["status"] = {"S": status}
    if owner is not None:
        it["owner"] = {"S": owner}
    return it


def query_all(client, table, index, cond, values, names=None, forward=True, limit=None, **kw):
    """Every page of a Query; returns (items, pages)."""
    args = dict(TableName=table, IndexName=index, KeyConditionExpression=cond,
                ExpressionAttributeValues=values, ScanIndexForward=forward, **kw)
    if names:
        args["ExpressionAttributeNames"] = names
    if limit:
        args["Limit"] = limit
    return ds.query_pages(client, **args)


STATUS = {"#s": "status"}


def status_query(client, table, status, **kw):
    return query_all(client, table, "by_status", "#s = :s", {":s": {"S": status}}, names=STATUS, **kw)[0]


@pytest.fixture(scope="module")
def table(ddb):
    name = "idx_" + uid()
    create_indexed(ddb, name)
    return name


def test_describe_lists_indexes_and_list_tables_hides_them(ddb, table):
    for i in range(6):
        ddb.put_item(TableName=table, Item=item("d", i, amount=i, status="s", owner="o"))
    ds.poll_until(lambda: len(status_query(ddb, table, "s")), lambda n: n == 6, what="propagation")
    desc = ddb.describe_table(TableName=table)["Table"]
    (lsi,) = desc["LocalSecondaryIndexes"]
    assert lsi["IndexName"] == "by_amount"
    assert lsi["KeySchema"] == keys("pk", "amount")
    assert lsi["Projection"] == {"ProjectionType": "KEYS_ONLY"}
    assert lsi["IndexArn"] == desc["TableArn"] + "/index/by_amount"
    assert lsi["ItemCount"] == 6 and lsi["IndexSizeBytes"] > 0
    assert "IndexStatus" not in lsi and "ProvisionedThroughput" not in lsi
    gsis = {g["IndexName"]: g for g in desc["GlobalSecondaryIndexes"]}
    assert set(gsis) == {"by_status", "by_owner"}
    assert gsis["by_status"]["IndexStatus"] == "ACTIVE"
    assert gsis["by_status"]["Projection"] == {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["note"]}
    assert gsis["by_status"]["KeySchema"] == keys("status", "amount")
    assert gsis["by_status"]["IndexArn"] == desc["TableArn"] + "/index/by_status"
    assert gsis["by_status"]["ItemCount"] == 6
    assert table in ddb.list_tables()["TableNames"]
    assert not [t for t in ddb.list_tables()["TableNames"] if "/" in t]


def test_local_index_order_projection_and_fetch(ddb, table):
    for i in range(10):
        ddb.put_item(TableName=table, Item=item("lsi", i, amount=100 - i))
    ddb.put_item(TableName=table, Item=item("lsi", 99))  # no amount: not in the index
    got, _ = query_all(ddb, table, "by_amount", "pk = :p AND amount BETWEEN :a AND :b",
                       {":p": {"S": "lsi"}, ":a": {"N": "93"}, ":b": {"N": "97"}}, ConsistentRead=True)
    assert [g["amount"]["N"] for g in got] == ["93", "94", "95", "96", "97"]
    assert all(set(g) == {"pk", "sk", "amount"} for g in got)  # KEYS_ONLY
    got, _ = query_all(ddb, table, "by_amount", "pk = :p", {":p": {"S": "lsi"}}, forward=False, limit=3)
    assert [g["amount"]["N"] for g in got] == [str(100 - i) for i in range(10)]
    # ALL_ATTRIBUTES (and attributes the index does not hold) are fetched from the table.
    got, _ = query_all(ddb, table, "by_amount", "pk = :p AND amount > :a", {":p": {"S": "lsi"}, ":a": {"N": "98"}},
                       Select="ALL_ATTRIBUTES")
    assert got == [item("lsi", 1, amount=99), item("lsi", 0, amount=100)]
    got, _ = query_all(ddb, table, "by_amount", "pk = :p AND amount = :a", {":p": {"S": "lsi"}, ":a": {"N": "95"}},
                       ProjectionExpression="note")
    assert got == [{"note": {"S": "n"}}]
    # An update moves the item in the index; a delete removes it.
    ddb.update_item(TableName=table, Key={"pk": {"S": "lsi"}, "sk": {"N": "0"}}, UpdateExpression="SET amount = :a",
                    ExpressionAttributeValues={":a": {"N": "1"}})
    ddb.delete_item(TableName=table, Key={"pk": {"S": "lsi"}, "sk": {"N": "1"}})
    got, _ = query_all(ddb, table, "by_amount", "pk = :p", {":p": {"S": "lsi"}})
    assert [(g["sk"]["N"], g["amount"]["N"]) for g in got][:2] == [("0", "1"), ("9", "91")]
    assert len(got) == 9


def test_global_index_paging_both_ways_exactly_once(ddb, table):
    n = 57
    for i in range(n):
        ddb.put_item(TableName=table, Item=item("g%d" % i, i, amount=i % 7, status="paged", note="note%d" % i))
    got = ds.poll_until(lambda: status_query(ddb, table, "paged"), lambda r: len(r) == n, what="propagation")
    expect = sorted(((i % 7, "g%d" % i) for i in range(n)))
    for forward in (True, False):
        for limit in (None, 1, 5, 50):
            got = status_query(ddb, table, "paged", forward=forward, limit=limit)
            seen = [(int(g["amount"]["N"]), g["pk"]["S"]) for g in got]
            assert len(set(seen)) == n
            amounts = [a for a, _ in seen]
            assert amounts == sorted(amounts, reverse=not forward)
            assert sorted(seen) == expect
    # INCLUDE: the keys and the note, nothing else.
    assert set(got[0]) == {"pk", "sk", "status", "amount", "note"}
    # Conditions on the index's sort key.
    got = query_all(ddb, table, "by_status", "#s = :s AND amount < :a", {":s": {"S": "paged"}, ":a": {"N": "2"}},
                    names=STATUS)[0]
    assert sorted(int(g["amount"]["N"]) for g in got) == sorted(i % 7 for i in range(n) if i % 7 < 2)
    count = ddb.query(TableName=table, IndexName="by_status", KeyConditionExpression="#s = :s",
                      ExpressionAttributeNames=STATUS, ExpressionAttributeValues={":s": {"S": "paged"}},
                      Select="COUNT")
    assert count["Count"] == n and "Items" not in count


def test_global_index_follows_updates_and_deletes(ddb, table):
    ddb.put_item(TableName=table, Item=item("mv", 1, amount=5, status="a", owner="alice"))
    ds.poll_until(lambda: status_query(ddb, table, "a"), lambda r: any(g["pk"]["S"] == "mv" for g in r),
                  what="item in a")
    ddb.update_item(TableName=table, Key={"pk": {"S": "mv"}, "sk": {"N": "1"}}, UpdateExpression="SET #s = :b",
                    ExpressionAttributeNames=STATUS, ExpressionAttributeValues={":b": {"S": "b"}})
    ds.poll_until(lambda: status_query(ddb, table, "b"), lambda r: [g["pk"]["S"] for g in r] == ["mv"],
                  what="item moved to b")
    assert not [g for g in status_query(ddb, table, "a") if g["pk"]["S"] == "mv"]
    # Removing the key attribute takes the item out (a sparse index).
    ddb.update_item(TableName=table, Key={"pk": {"S": "mv"}, "sk": {"N": "1"}}, UpdateExpression="REMOVE #s",
                    ExpressionAttributeNames=STATUS)
    ds.poll_until(lambda: status_query(ddb, table, "b"), lambda r: r == [], what="item gone from b")
    owned = query_all(ddb, table, "by_owner", "#o = :o", {":o": {"S": "alice"}}, names={"#o": "owner"})[0]
    assert [g["pk"]["S"] for g in owned] == ["mv"] and "extra" in owned[0]  # ALL
    ddb.delete_item(TableName=table, Key={"pk": {"S": "mv"}, "sk": {"N": "1"}})
    ds.poll_until(lambda: query_all(ddb, table, "by_owner", "#o = :o", {":o": {"S": "alice"}},
                                    names={"#o": "owner"})[0], lambda r: r == [], what="item gone from by_owner")


def test_batch_write_maintains_indexes(ddb, table):
    puts = [{"PutRequest": {"Item": item("bw%d" % i, i, amount=i, status="batch")}} for i in range(20)]
    ddb.batch_write_item(RequestItems={table: puts})
    ds.poll_until(lambda: len(status_query(ddb, table, "batch")), lambda n: n == 20, what="batch propagation")
    dels = [{"DeleteRequest": {"Key": {"pk": {"S": "bw%d" % i}, "sk": {"N": str(i)}}}} for i in range(10)]
    ddb.batch_write_item(RequestItems={table: dels})
    ds.poll_until(lambda: len(status_query(ddb, table, "batch")), lambda n: n == 10, what="batch deletes")


def test_parallel_scan_of_a_global_index(ddb, table):
    for i in range(40):
        ddb.put_item(TableName=table, Item=item("ps%d" % i, i, amount=i, status="scan", owner="ps%d" % i))
    ds.poll_until(lambda: len(status_query(ddb, table, "scan")), lambda n: n == 40, what="propagation")
    seen = []
    for seg in range(4):
        args = dict(TableName=table, IndexName="by_owner", Segment=seg, TotalSegments=4, Limit=7)
        while True:
            resp = ddb.scan(**args)
            seen += [g["pk"]["S"] for g in resp["Items"] if g["pk"]["S"].startswith("ps")]
            if "LastEvaluatedKey" not in resp:
                break
            args["ExclusiveStartKey"] = resp["LastEvaluatedKey"]
    assert sorted(seen) == sorted("ps%d" % i for i in range(40))


def test_read_errors(ddb, table, ddb_raw_params):
    q = dict(TableName=table, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "x"}})
    ds.assert_error(ddb.query, "ValidationException", "The table does not have the specified index: nope",
                    IndexName="nope", **q)
    ds.assert_error(ddb.query, "ValidationException", "Consistent reads are not supported on global secondary indexes",
                    TableName=table, IndexName="by_status", ConsistentRead=True, KeyConditionExpression="#s = :s",
                    ExpressionAttributeNames=STATUS, ExpressionAttributeValues={":s": {"S": "a"}})
    ds.assert_error(ddb.scan, "ValidationException", "Consistent reads are not supported on global secondary indexes",
                    TableName=table, IndexName="by_owner", ConsistentRead=True)
    msg = ds.assert_error(ddb.scan, "ValidationException", TableName=table, IndexName="by_status",
                          Select="ALL_ATTRIBUTES")
    assert "ALL_ATTRIBUTES" in msg and "by_status" in msg
    ds.assert_error(ddb.scan, "ValidationException",
                    "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName",
                    TableName=table, Select="ALL_PROJECTED_ATTRIBUTES")
    # The key condition must use the index's keys.
    ds.assert_error(ddb.query, "ValidationException", IndexName="by_status", **q)
    # A global index cannot give attributes it does not project.
    ds.assert_error(ddb.scan, "ValidationException",
                    "One or more parameter values were invalid: Global secondary index by_status does not project "
                    "[extra]", TableName=table, IndexName="by_status", ProjectionExpression="extra")
    # A resume point outside the key condition.
    ds.assert_error(ddb.query, "ValidationException",
                    "The provided starting key is outside query boundaries based on provided conditions",
                    TableName=table, IndexName="by_status", KeyConditionExpression="#s = :s AND amount = :a",
                    ExpressionAttributeNames=STATUS, ExpressionAttributeValues={":s": {"S": "a"}, ":a": {"N": "1"}},
                    ExclusiveStartKey={"status": {"S": "a"}, "amount": {"N": "2"}, "pk": {"S": "x"}, "sk": {"N": "1"}})


def test_rejected_writes_change_nothing(ddb, table):
    key = {"pk": {"S": "bad"}, "sk": {"N": "1"}}
    ds.assert_error(ddb.put_item, "ValidationException",
                    "One or more parameter values were invalid: Type mismatch for Index Key status Expected: S "
                    "Actual: N IndexName: by_status",
                    TableName=table, Item=dict(key, status={"N": "1"}))
    ds.assert_error(ddb.put_item, "ValidationException",
                    "One or more parameter values are not valid. A value specified for a secondary index key is not "
                    "supported. The AttributeValue for a key attribute cannot contain an empty string value. "
                    "IndexName: by_owner, IndexKey: owner",
                    TableName=table, Item=dict(key, owner={"S": ""}))
    assert "Item" not in ddb.get_item(TableName=table, Key=key, ConsistentRead=True)
    ddb.put_item(TableName=table, Item=dict(key, status={"S": "ok"}))
    msg = ds.assert_error(ddb.update_item, "ValidationException", TableName=table, Key=key,
                          UpdateExpression="SET amount = :v", ExpressionAttributeValues={":v": {"S": "str"}})
    assert "Type mismatch for Index Key amount" in msg
    assert ddb.get_item(TableName=table, Key=key, ConsistentRead=True)["Item"] == dict(key, status={"S": "ok"})
    ds.assert_error(ddb.batch_write_item, "ValidationException",
                    RequestItems={table: [{"PutRequest": {"Item": dict(key, amount={"S": "x"})}}]})


@pytest.mark.parametrize("params, message", [
    (dict(KeySchema=keys("pk"), AttributeDefinitions=defs(("pk", "S"), ("x", "N")),
          LocalSecondaryIndexes=[{"IndexName": "lsi1", "KeySchema": keys("pk", "x"),
                                  "Projection": {"ProjectionType": "ALL"}}]),
     "One or more parameter values were invalid: Table KeySchema does not have a range key, which is required when "
     "specifying a LocalSecondaryIndex"),
    (dict(KeySchema=keys("pk", "sk"), AttributeDefinitions=defs(("pk", "S"), ("sk", "S"), ("x", "N")),
          LocalSecondaryIndexes=[{"IndexName": "lsi1", "KeySchema": keys("x", "sk"),
                                  "Projection": {"ProjectionType": "ALL"}}]),
     "One or more parameter values were invalid: Index KeySchema does not have the same leading hash key as table "
     "KeySchema for index: lsi1. index hash key: x, table hash key: pk"),
    (dict(KeySchema=keys("pk"), AttributeDefinitions=defs(("pk", "S")),
          GlobalSecondaryIndexes=[{"IndexName": "gsi1", "KeySchema": keys("x"),
                                   "Projection": {"ProjectionType": "ALL"}}]),
     "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. "
     "Keys: [x], AttributeDefinitions: [pk]"),
    (dict(KeySchema=keys("pk"), AttributeDefinitions=defs(("pk", "S"), ("x", "S"), ("y", "S")),
          GlobalSecondaryIndexes=[{"IndexName": "gsi1", "KeySchema": keys("x"),
                                   "Projection": {"ProjectionType": "ALL"}}]),
     "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number "
     "of attributes defined in AttributeDefinitions"),
    (dict(KeySchema=keys("pk"), AttributeDefinitions=defs(("pk", "S"), ("x", "S")),
          GlobalSecondaryIndexes=[{"IndexName": "gsi1", "KeySchema": keys("x"), "Projection": {"ProjectionType": "ALL"}},
                                  {"IndexName": "gsi1", "KeySchema": keys("x"), "Projection": {"ProjectionType": "ALL"}}]),
     "One or more parameter values were invalid: Duplicate index name: gsi1"),
    (dict(KeySchema=keys("pk"), AttributeDefinitions=defs(("pk", "S"), ("x", "S")),
          GlobalSecondaryIndexes=[{"IndexName": "gsi1", "KeySchema": keys("x"),
                                   "Projection": {"ProjectionType": "INCLUDE"}}]),
     "One or more parameter values were invalid: ProjectionType is INCLUDE, but NonKeyAttributes is not specified"),
    (dict(KeySchema=keys("pk"), AttributeDefinitions=defs(("pk", "S"), ("x", "S")),
          GlobalSecondaryIndexes=[{"IndexName": "gsi1", "KeySchema": keys("x"),
                                   "Projection": {"ProjectionType": "nonsense"}}]),
     "1 validation error detected: Value 'nonsense' at 'globalSecondaryIndexes.1.member.projection.projectionType' "
     "failed to satisfy constraint: Member must satisfy enum value set: [ALL, INCLUDE, KEYS_ONLY]"),
    (dict(KeySchema=keys("pk"), AttributeDefinitions=defs(("pk", "S"), ("x", "S")),
          GlobalSecondaryIndexes=[{"IndexName": "gsi1", "KeySchema": keys("x"),
                                   "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["a", "n" * 256]}}]),
     "1 validation error detected: Value '[a, " + "n" * 256 + "]' at "
     "'globalSecondaryIndexes.1.member.projection.nonKeyAttributes' failed to satisfy constraint: Member must "
     "satisfy constraint: [Member must have length less than or equal to 255, Member must have length greater "
     "than or equal to 1]"),
])
def test_create_table_index_validation(ddb_raw_params, ddb, params, message):
    name = "bad_" + uid()
    ds.assert_error(ddb_raw_params.create_table, "ValidationException", message, TableName=name,
                    BillingMode="PAY_PER_REQUEST", **params)
    assert name not in ddb.list_tables()["TableNames"]


def test_too_many_local_indexes(ddb_raw_params):
    lsis = [{"IndexName": "lsi%d" % i, "KeySchema": keys("pk", "x"), "Projection": {"ProjectionType": "ALL"}}
            for i in range(6)]
    ds.assert_error(ddb_raw_params.create_table, "ValidationException",
                    "One or more parameter values were invalid: Number of LocalSecondaryIndexes exceeds per-table "
                    "limit of 5", TableName="bad_" + uid(), BillingMode="PAY_PER_REQUEST",
                    KeySchema=keys("pk", "sk"), AttributeDefinitions=defs(("pk", "S"), ("sk", "S"), ("x", "S")),
                    LocalSecondaryIndexes=lsis)


def test_update_table_checks_definition_names_before_the_index(ddb):
    # An attribute name over 255 bytes is a constraint violation, reported
    # before the index's key is found missing from the definitions.
    name = "upd_" + uid()
    ds.create_table(ddb, name, hash_key=("pk", "S"), range_key=None)
    long_name = "d" * 256
    gsi = {"IndexName": "gsi1", "KeySchema": keys("short"), "Projection": {"ProjectionType": "ALL"}}
    ds.assert_error(ddb.update_table, "ValidationException",
                    "1 validation error detected: Value '" + long_name + "' at "
                    "'attributeDefinitions.1.member.attributeName' failed to satisfy constraint: Member must have "
                    "length less than or equal to 255",
                    TableName=name, AttributeDefinitions=defs((long_name, "S")),
                    GlobalSecondaryIndexUpdates=[{"Create": gsi}])
    assert "GlobalSecondaryIndexes" not in ddb.describe_table(TableName=name)["Table"]


def test_update_table_creates_a_global_index_with_backfill_and_deletes_it(ddb):
    name = "upd_" + uid()
    ds.create_table(ddb, name, hash_key=("pk", "S"), range_key=None)
    for i in range(150):
        it = {"pk": {"S": "k%d" % i}}
        if i % 5:
            it["color"] = {"S": "c%d" % (i % 3)}
        ddb.put_item(TableName=name, Item=it)
    gsi = {"IndexName": "by_color", "KeySchema": keys("color"), "Projection": {"ProjectionType": "KEYS_ONLY"}}
    resp = ddb.update_table(TableName=name, AttributeDefinitions=defs(("color", "S")),
                            GlobalSecondaryIndexUpdates=[{"Create": gsi}])
    (created,) = resp["TableDescription"]["GlobalSecondaryIndexes"]
    assert created["IndexStatus"] == "CREATING" and created["Backfilling"] is True
    # A write while the index is being built is in it too.
    ddb.put_item(TableName=name, Item={"pk": {"S": "late"}, "color": {"S": "c0"}})
    ds.poll_until(lambda: ddb.describe_table(TableName=name)["Table"]["GlobalSecondaryIndexes"][0]["IndexStatus"],
                  lambda s: s == "ACTIVE", timeout=30, what="index ACTIVE")
    got = query_all(ddb, name, "by_color", "color = :c", {":c": {"S": "c0"}})[0]
    assert sorted(g["pk"]["S"] for g in got) == sorted(["late"] + ["k%d" % i for i in range(150) if i % 5 and i % 3 == 0])
    ds.assert_error(ddb.update_table, "ValidationException",
                    "One or more parameter values were invalid: Attempting to create an index which already exists",
                    TableName=name, AttributeDefinitions=defs(("color", "S")),
                    GlobalSecondaryIndexUpdates=[{"Create": gsi}])
    ds.assert_error(ddb.update_table, "ResourceNotFoundException", TableName=name,
                    GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "nope"}}])
    # The keys of a created index must be in the request's AttributeDefinitions.
    msg = ds.assert_error(ddb.update_table, "ValidationException", TableName=name,
                          GlobalSecondaryIndexUpdates=[{"Create": dict(gsi, IndexName="again")}])
    assert "AttributeDefinitions" in msg
    ds.assert_error(ddb.update_table, "LimitExceededException", TableName=name,
                    GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "by_color"}},
                                                 {"Delete": {"IndexName": "other"}}])
    ddb.update_table(TableName=name, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "by_color"}}])
    ds.poll_until(lambda: ddb.describe_table(TableName=name)["Table"], lambda t: "GlobalSecondaryIndexes" not in t,
                  timeout=30, what="index deleted")
    ds.assert_error(ddb.query, "ValidationException", "The table does not have the specified index: by_color",
                    TableName=name, IndexName="by_color", KeyConditionExpression="color = :c",
                    ExpressionAttributeValues={":c": {"S": "c0"}})


def test_delete_and_recreate_with_the_same_index_names(ddb):
    name = "rec_" + uid()
    for _ in range(2):
        create_indexed(ddb, name)
        ddb.put_item(TableName=name, Item=item("r", 1, amount=1, status="only", owner="o"))
        ds.poll_until(lambda: len(status_query(ddb, name, "only")), lambda n: n == 1, what="propagation")
        ddb.delete_table(TableName=name)
        ds.wait_deleted(ddb, name)


def test_indexes_survive_a_restart(server_factory, tmp_path):
    server = server_factory.start(in_memory=False, db_path=tmp_path / "data")
    client = ds.make_client(server.endpoint)
    name = "rst_" + uid()
    create_indexed(client, name)
    for i in range(30):
        client.put_item(TableName=name, Item=item("p", i, amount=30 - i, status="kept", owner="o%d" % i))
    ds.poll_until(lambda: len(status_query(client, name, "kept")), lambda n: n == 30, what="propagation")
    server = server_factory.restart(server)
    client = ds.make_client(server.endpoint)
    assert len(status_query(client, name, "kept")) == 30
    got = query_all(client, name, "by_amount", "pk = :p", {":p": {"S": "p"}})[0]
    assert [g["amount"]["N"] for g in got] == [str(a) for a in range(1, 31)]
    client.put_item(TableName=name, Item=item("p", 100, amount=0, status="kept"))
    ds.poll_until(lambda: len(status_query(client, name, "kept")), lambda n: n == 31, what="propagation")


def admin(port, path, body):
    resp = ds.raw_request(port, "POST", path, body=json.dumps(body).encode(),
                          headers={"Content-Type": "application/json"})
    return resp.status, resp.json()


def test_paused_propagation_shows_eventual_consistency(server_factory):
    server = server_factory.start()
    client = ds.make_client(server.endpoint)
    name = "lag_" + uid()
    create_indexed(client, name)
    assert admin(server.port, "/admin/index-propagation", {"paused": True}) == (200, {})
    client.put_item(TableName=name, Item=item("lag", 1, amount=7, status="late"))
    # The local index changed with the item; the global one has not seen it yet.
    got = query_all(client, name, "by_amount", "pk = :p", {":p": {"S": "lag"}}, ConsistentRead=True)[0]
    assert [g["amount"]["N"] for g in got] == ["7"]
    assert status_query(client, name, "late") == []
    snap = ds.raw_request(server.port, "GET", "/admin/cluster").json()
    assert snap["indexPropagationPaused"] is True
    marked = {t["name"].split("/")[-1]: t.get("globalIndexOf") for t in snap["tables"]}
    assert marked == {name: None, "by_status": name, "by_owner": name}
    assert admin(server.port, "/admin/index-propagation", {"paused": False}) == (200, {})
    ds.poll_until(lambda: len(status_query(client, name, "late")), lambda n: n == 1, what="propagation resumed")
    assert admin(server.port, "/admin/index-propagation", {})[0] == 400


def test_reset_of_one_table_empties_its_indexes(server_factory):
    server = server_factory.start(shared_db=True)
    client = ds.make_client(server.endpoint)
    name = "rst1_" + uid()
    create_indexed(client, name)
    for i in range(5):
        client.put_item(TableName=name, Item=item("r", i, amount=i, status="gone"))
    ds.poll_until(lambda: len(status_query(client, name, "gone")), lambda n: n == 5, what="propagation")
    assert admin(server.port, "/admin/reset", {"table": name}) == (200, {"truncated": 1})
    assert status_query(client, name, "gone") == []
    assert query_all(client, name, "by_amount", "pk = :p", {":p": {"S": "r"}})[0] == []


def test_expired_items_leave_their_indexes(server_factory):
    server = server_factory.start(extra_args=["-ttlSweepMs", "100"])
    client = ds.make_client(server.endpoint)
    name = "ttl_" + uid()
    create_indexed(client, name)
    client.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    gone = dict(item("ttl", 1, amount=1, status="expiring"), exp={"N": "1000"})  # long past
    kept = dict(item("ttl", 2, amount=2, status="expiring"), exp={"N": "99999999999"})
    client.put_item(TableName=name, Item=gone)
    client.put_item(TableName=name, Item=kept)
    ds.poll_until(lambda: [g["sk"]["N"] for g in status_query(client, name, "expiring")], lambda r: r == ["2"],
                  timeout=10, what="the expired item gone from the global index")
    got = query_all(client, name, "by_amount", "pk = :p", {":p": {"S": "ttl"}}, ConsistentRead=True)[0]
    assert [g["sk"]["N"] for g in got] == ["2"]


def test_consumed_capacity_counts_each_index_write(ddb):
    """ReturnConsumedCapacity on a table with indexes: the total holds the
    index writes DynamoDB counts (a put when the item enters an index or its
    projected values change, a delete when it leaves, both when the index key
    changes, nothing otherwise; each WriteUnits of the index entry), and
    INDEXES breaks it down. A Query of an index consumes the index's units."""
    name = "cap_" + uid()
    ddb.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=defs(("pk", "S"), ("sk", "S"), ("x", "S"), ("y", "S")),
        KeySchema=keys("pk", "sk"),
        LocalSecondaryIndexes=[{"IndexName": "by_y", "KeySchema": keys("pk", "y"),
                                "Projection": {"ProjectionType": "KEYS_ONLY"}}],
        GlobalSecondaryIndexes=[{"IndexName": "by_x", "KeySchema": keys("x"),
                                 "Projection": {"ProjectionType": "ALL"}}])
    key = {"pk": {"S": "p"}, "sk": {"S": "s"}}
    item = dict(key, x={"S": "x1"}, y={"S": "y1"}, pad={"S": "a" * 1500})  # ~1.5 KB: 2 units; keys only: 1

    def consumed(resp):
        return resp["ConsumedCapacity"]

    def share(table, gsi=None, lsi=None):
        out = {"TableName": name, "CapacityUnits": table + sum((gsi or {}).values()) + sum((lsi or {}).values()),
               "Table": {"CapacityUnits": table}}
        if gsi:
            out["GlobalSecondaryIndexes"] = {k: {"CapacityUnits": v} for k, v in gsi.items()}
        if lsi:
            out["LocalSecondaryIndexes"] = {k: {"CapacityUnits": v} for k, v in lsi.items()}
        return out

    # A new item enters both indexes.
    assert consumed(ddb.put_item(TableName=name, Item=item, ReturnConsumedCapacity="INDEXES")) == \
        share(2.0, {"by_x": 2.0}, {"by_y": 1.0})
    # A value only the global index projects changes: one write there.
    assert consumed(ddb.update_item(TableName=name, Key=key, UpdateExpression="SET note = :n",
                                    ExpressionAttributeValues={":n": {"S": "hi"}},
                                    ReturnConsumedCapacity="INDEXES")) == share(2.0, {"by_x": 2.0})
    # The global index's key changes: its old entry deleted, the new one put.
    assert consumed(ddb.update_item(TableName=name, Key=key, UpdateExpression="SET x = :x",
                                    ExpressionAttributeValues={":x": {"S": "x2"}},
                                    ReturnConsumedCapacity="INDEXES")) == share(2.0, {"by_x": 4.0})
    # TOTAL is the same sum, without the breakdown.
    assert consumed(ddb.update_item(TableName=name, Key=key, UpdateExpression="SET y = :y",
                                    ExpressionAttributeValues={":y": {"S": "y2"}},
                                    ReturnConsumedCapacity="TOTAL")) == {"TableName": name, "CapacityUnits": 6.0}
    # A Query of an index: the index's units, none of the table's (once the
    # global index has the item: it is filled asynchronously).
    resp = ds.poll_until(lambda: ddb.query(TableName=name, IndexName="by_x", KeyConditionExpression="x = :x",
                                           ExpressionAttributeValues={":x": {"S": "x2"}},
                                           ReturnConsumedCapacity="INDEXES"),
                         lambda r: r["Count"] == 1, what="propagation")
    assert consumed(resp) == {"TableName": name, "CapacityUnits": 0.5, "Table": {"CapacityUnits": 0.0},
                              "GlobalSecondaryIndexes": {"by_x": {"CapacityUnits": 0.5}}}
    # The item leaves both indexes.
    assert consumed(ddb.delete_item(TableName=name, Key=key, ReturnConsumedCapacity="INDEXES")) == \
        share(2.0, {"by_x": 2.0}, {"by_y": 1.0})
    # An item in no index, before or after: the table's units only.
    bare = {"pk": {"S": "p"}, "sk": {"S": "bare"}}
    assert consumed(ddb.put_item(TableName=name, Item=bare, ReturnConsumedCapacity="INDEXES")) == share(1.0)
    # BatchWriteItem: the same shares, per table.
    resp = ddb.batch_write_item(RequestItems={name: [{"PutRequest": {"Item": item}},
                                                     {"DeleteRequest": {"Key": bare}}]},
                                ReturnConsumedCapacity="INDEXES")
    assert resp["ConsumedCapacity"] == [share(3.0, {"by_x": 2.0}, {"by_y": 1.0})]
    ddb.delete_table(TableName=name)
