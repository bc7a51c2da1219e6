"""Global secondary indexes with multi-attribute (composite) keys through
boto3: up to 4 HASH and 4 RANGE attributes in a GSI's KeySchema (all HASH
first), CreateTable and UpdateTable validation, DescribeTable, Query rules
(equality on every hash attribute; sort conditions left to right, only the
last an inequality), each attribute's own type and order, FilterExpression
refusing the index's key attributes, sparse rows, paging with
ExclusiveStartKey both ways, and a backfill by UpdateTable."""

import uuid

import pytest

import ddb_support as ds


def uid():
    return uuid.uuid4().hex[:10]


def defs(*pairs):
    return [{"AttributeName": n, "AttributeType": t} for n, t in pairs]


def gsi_keys(hashes, ranges=()):
    return ([{"AttributeName": n, "KeyType": "HASH"} for n in hashes] +
            [{"AttributeName": n, "KeyType": "RANGE"} for n in ranges])


# Table: pk S. Index "multi": HASH (h1 S, h2 N), RANGE (r1 S, r2 N, r3 B).
TYPES = {"h1": "S", "h2": "N", "r1": "S", "r2": "N", "r3": "B"}


@pytest.fixture(scope="module")
def table(ddb):
    name = "mak_" + uid()
    ddb.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=defs(("pk", "S"), *TYPES.items()),
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[{"IndexName": "multi", "KeySchema": gsi_keys(["h1", "h2"], ["r1", "r2", "r3"]),
                                 "Projection": {"ProjectionType": "ALL"}}])
    ds.wait_active(ddb, name)
    # 2 partitions x r1 in {a, b} x r2 in {-5, 2, 10} x r3 in {00, 01 ff}.
    for h2 in (1, 2):
        for r1 in ("a", "b"):
            for r2 in (-5, 2, 10):
                for r3 in (b"\x00", b"\x01\xff"):
                    it = {"pk": {"S": "%d%s%d%s" % (h2, r1, r2, r3.hex())}, "h1": {"S": "g"},
                          "h2": {"N": str(h2)}, "r1": {"S": r1}, "r2": {"N": str(r2)}, "r3": {"B": r3}, "v": {"N": "1"}}
                    ddb.put_item(TableName=name, Item=it)
    return name


def av(values):
    """ExpressionAttributeValues: a str stands for an S value."""
    return {k: {"S": v} if isinstance(v, str) else v for k, v in values.items()}


def q(client, table, cond, values, forward=True, limit=None, **kw):
    """Every page of a Query of the index; returns (items, pages)."""
    args = dict(TableName=table, IndexName="multi", KeyConditionExpression=cond, ScanIndexForward=forward,
                ExpressionAttributeValues=av(values), **kw)
    if limit:
        args["Limit"] = limit

    def check_page(resp):
        assert set(resp["LastEvaluatedKey"]) == {"pk", "h1", "h2", "r1", "r2", "r3"}

    return ds.query_pages(client, max_pages=199, check_page=check_page, **args)


def keys_of(items):
    return [(i["r1"]["S"], int(i["r2"]["N"]), bytes(i["r3"]["B"])) for i in items]


G1 = {":h1": "g", ":h2": {"N": "1"}}
HASH = "h1 = :h1 AND h2 = :h2"


def all_rows(r1s=("a", "b"), r2s=(-5, 2, 10)):
    return [(a, b, c) for a in r1s for b in r2s for c in (b"\x00", b"\x01\xff")]


def test_describe_table_lists_every_key_attribute(ddb, table):
    (gsi,) = ddb.describe_table(TableName=table)["Table"]["GlobalSecondaryIndexes"]
    assert gsi["KeySchema"] == gsi_keys(["h1", "h2"], ["r1", "r2", "r3"])
    assert gsi["IndexStatus"] == "ACTIVE"


def test_query_order_by_each_attribute_and_type(ddb, table):
    got = q(ddb, table, HASH, G1)[0]
    assert keys_of(got) == all_rows()
    assert keys_of(q(ddb, table, HASH, G1, forward=False)[0]) == all_rows()[::-1]
    assert all(i["h2"]["N"] == "1" for i in got)


@pytest.mark.parametrize("cond, values, expected", [
    ("r1 = :r1", {":r1": "b"}, all_rows(r1s=("b",))),
    ("r1 = :r1 AND r2 = :r2", {":r1": "a", ":r2": {"N": "2"}}, all_rows(r1s=("a",), r2s=(2,))),
    ("r2 = :r2 AND r1 = :r1", {":r1": "a", ":r2": {"N": "10"}}, all_rows(r1s=("a",), r2s=(10,))),
    ("r1 = :r1 AND r2 < :r2", {":r1": "a", ":r2": {"N": "2"}}, all_rows(r1s=("a",), r2s=(-5,))),
    ("r1 = :r1 AND r2 <= :r2", {":r1": "a", ":r2": {"N": "2"}}, all_rows(r1s=("a",), r2s=(-5, 2))),
    ("r1 = :r1 AND r2 > :r2", {":r1": "b", ":r2": {"N": "-5"}}, all_rows(r1s=("b",), r2s=(2, 10))),
    ("r1 = :r1 AND r2 >= :r2", {":r1": "b", ":r2": {"N": "2"}}, all_rows(r1s=("b",), r2s=(2, 10))),
    ("r1 = :r1 AND r2 BETWEEN :lo AND :hi", {":r1": "a", ":lo": {"N": "-5"}, ":hi": {"N": "2"}},
     all_rows(r1s=("a",), r2s=(-5, 2))),
    ("r1 > :r1", {":r1": "a"}, all_rows(r1s=("b",))),
    ("r1 <= :r1", {":r1": "a"}, all_rows(r1s=("a",))),
    ("begins_with(r1, :r1)", {":r1": "b"}, all_rows(r1s=("b",))),
    ("r1 = :r1 AND r2 = :r2 AND r3 = :r3", {":r1": "a", ":r2": {"N": "2"}, ":r3": {"B": b"\x00"}}, [("a", 2, b"\x00")]),
    ("r1 = :r1 AND r2 = :r2 AND r3 > :r3", {":r1": "a", ":r2": {"N": "2"}, ":r3": {"B": b"\x00"}},
     [("a", 2, b"\x01\xff")]),
    ("r1 = :r1 AND r2 = :r2 AND begins_with(r3, :r3)", {":r1": "b", ":r2": {"N": "-5"}, ":r3": {"B": b"\x01"}},
     [("b", -5, b"\x01\xff")]),
])
def test_sort_conditions_left_to_right(ddb, table, cond, values, expected):
    got = q(ddb, table, HASH + " AND " + cond, dict(G1, **values))[0]
    assert keys_of(got) == expected
    got = q(ddb, table, HASH + " AND " + cond, dict(G1, **values), forward=False, limit=2)[0]
    assert keys_of(got) == expected[::-1]


@pytest.mark.parametrize("limit", [1, 3, 5])
def test_paging_both_ways_exactly_once(ddb, table, limit):
    items, pages = q(ddb, table, HASH, G1, limit=limit)
    assert keys_of(items) == all_rows() and pages >= 12 // limit
    items, _ = q(ddb, table, HASH + " AND r1 = :r1 AND r2 >= :r2", dict(G1, **{":r1": "b", ":r2": {"N": "2"}}),
                 forward=False, limit=limit)
    assert keys_of(items) == all_rows(r1s=("b",), r2s=(2, 10))[::-1]


def test_hash_attributes_all_by_equality(ddb, table):
    other = q(ddb, table, HASH, {":h1": "g", ":h2": {"N": "2"}})[0]
    assert len(other) == 12 and all(i["h2"]["N"] == "2" for i in other)
    assert q(ddb, table, HASH, {":h1": "G", ":h2": {"N": "1"}})[0] == []
    msg = ds.assert_error(ddb.query, "ValidationException", TableName=table, IndexName="multi",
                          KeyConditionExpression="h1 = :h1", ExpressionAttributeValues={":h1": {"S": "g"}})
    assert "HASH" in msg and "equality" in msg and "h2" in msg
    msg = ds.assert_error(ddb.query, "ValidationException", TableName=table, IndexName="multi",
                          KeyConditionExpression="h1 = :h1 AND h2 > :h2",
                          ExpressionAttributeValues={":h1": {"S": "g"}, ":h2": {"N": "0"}})
    assert "HASH" in msg and "equality" in msg
    ds.assert_error(ddb.query, "ValidationException",
                    "One or more parameter values were invalid: Condition parameter type does not match schema type",
                    TableName=table, IndexName="multi", KeyConditionExpression=HASH,
                    ExpressionAttributeValues={":h1": {"S": "g"}, ":h2": {"S": "1"}})


@pytest.mark.parametrize("cond, values", [
    ("r2 = :r2", {":r2": {"N": "2"}}),                                     # skips r1
    ("r1 = :r1 AND r3 = :r3", {":r1": "a", ":r3": {"B": b"\x00"}}),          # skips r2
    ("r1 > :r1 AND r2 = :r2", {":r1": "a", ":r2": {"N": "2"}}),              # inequality not last
    ("r1 = :r1 AND r2 < :r2 AND r3 = :r3", {":r1": "a", ":r2": {"N": "2"}, ":r3": {"B": b"\x00"}}),
    ("begins_with(r1, :r1) AND r2 = :r2", {":r1": "a", ":r2": {"N": "2"}}),
])
def test_sort_conditions_rejected(ddb, table, cond, values):
    msg = ds.assert_error(ddb.query, "ValidationException", TableName=table, IndexName="multi",
                          KeyConditionExpression=HASH + " AND " + cond, ExpressionAttributeValues=av(dict(G1, **values)))
    assert "RANGE" in msg and "equality" in msg


def test_filter_may_not_use_index_keys(ddb, table):
    for attr in ("h2", "r1", "r3"):
        ds.assert_error(ddb.query, "ValidationException",
                        "Filter Expression can only contain non-primary key attributes: Primary key attribute: " + attr,
                        TableName=table, IndexName="multi", KeyConditionExpression=HASH,
                        FilterExpression="attribute_exists(%s)" % attr,
                        ExpressionAttributeValues={":h1": {"S": "g"}, ":h2": {"N": "1"}})
    # The base table's key is not a key of the index: filtering on it is fine.
    got = q(ddb, table, HASH, dict(G1, **{":p": "1a"}), FilterExpression="begins_with(pk, :p)")[0]
    assert keys_of(got) == all_rows(r1s=("a",))


def test_sparse_rows_and_updates(ddb, table):
    full = {"pk": {"S": "sp"}, "h1": {"S": "sparse"}, "h2": {"N": "7"}, "r1": {"S": "x"}, "r2": {"N": "1"},
            "r3": {"B": b"z"}}
    values = {":h1": {"S": "sparse"}, ":h2": {"N": "7"}}

    def rows():  # a client reads its own writes through a global index
        return ddb.query(TableName=table, IndexName="multi", KeyConditionExpression=HASH,
                         ExpressionAttributeValues=values)["Items"]

    for missing in ("h2", "r3"):
        ddb.put_item(TableName=table, Item={k: v for k, v in full.items() if k != missing})
        assert rows() == []
    ddb.put_item(TableName=table, Item=full)
    assert [r["pk"]["S"] for r in rows()] == ["sp"]
    # Changing one sort attribute moves the row; removing one drops it.
    ddb.update_item(TableName=table, Key={"pk": {"S": "sp"}}, UpdateExpression="SET r2 = :v",
                    ExpressionAttributeValues={":v": {"N": "9"}})
    assert [r["r2"]["N"] for r in rows()] == ["9"]
    ddb.update_item(TableName=table, Key={"pk": {"S": "sp"}}, UpdateExpression="REMOVE r1")
    assert rows() == []
    ddb.put_item(TableName=table, Item=full)
    ddb.delete_item(TableName=table, Key={"pk": {"S": "sp"}})
    assert rows() == []


def test_writes_check_each_attribute_type(ddb, table):
    bad = {"pk": {"S": "bad"}, "h1": {"S": "g"}, "h2": {"S": "not a number"}}
    ds.assert_error(ddb.put_item, "ValidationException",
                    "One or more parameter values were invalid: Type mismatch for Index Key h2 Expected: N Actual: S "
                    "IndexName: multi", TableName=table, Item=bad)
    msg = ds.assert_error(ddb.put_item, "ValidationException", TableName=table,
                          Item={"pk": {"S": "bad"}, "r1": {"S": ""}})
    assert "empty" in msg
    assert "Item" not in ddb.get_item(TableName=table, Key={"pk": {"S": "bad"}})


def test_exclusive_start_key_must_be_the_index_and_table_keys(ddb, table):
    first = ddb.query(TableName=table, IndexName="multi", KeyConditionExpression=HASH, Limit=1,
                      ExpressionAttributeValues={":h1": {"S": "g"}, ":h2": {"N": "1"}})
    start = first["LastEvaluatedKey"]
    for bad in ({k: v for k, v in start.items() if k != "r2"}, dict(start, v={"N": "1"})):
        ds.assert_error(ddb.query, "ValidationException",
                        "The provided starting key is invalid: The provided key element does not match the schema",
                        TableName=table, IndexName="multi", KeyConditionExpression=HASH, ExclusiveStartKey=bad,
                        ExpressionAttributeValues={":h1": {"S": "g"}, ":h2": {"N": "1"}})
    ds.assert_error(ddb.query, "ValidationException",
                    "The provided starting key is outside query boundaries based on provided conditions",
                    TableName=table, IndexName="multi", KeyConditionExpression=HASH, ExclusiveStartKey=start,
                    ExpressionAttributeValues={":h1": {"S": "g"}, ":h2": {"N": "2"}})


def bad_table(ddb_raw_params, key_schema, attrs=("a", "b", "c", "d", "e")):
    return ds.assert_error(ddb_raw_params.create_table, "ValidationException", TableName="bad_" + uid(),
                           BillingMode="PAY_PER_REQUEST", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                           AttributeDefinitions=defs(("pk", "S"), *[(a, "S") for a in attrs]),
                           GlobalSecondaryIndexes=[{"IndexName": "gsi", "KeySchema": key_schema,
                                                    "Projection": {"ProjectionType": "ALL"}}])


def test_create_table_validation(ddb_raw_params, ddb):
    before = ddb.list_tables()["TableNames"]
    assert "HASH" in bad_table(ddb_raw_params, gsi_keys(["a", "b", "c", "d", "e"]))
    assert "RANGE" in bad_table(ddb_raw_params, gsi_keys(["pk"], ["a", "b", "c", "d", "e"]))
    assert bad_table(ddb_raw_params, gsi_keys(["a"], ["b"]) + gsi_keys(["c"])) == \
        "Invalid KeySchema: All HASH key elements must precede all RANGE key elements for index: gsi"
    assert bad_table(ddb_raw_params, gsi_keys(["a", "a"])) == \
        "Invalid KeySchema: Two KeySchemaElements have the same name: a"
    assert bad_table(ddb_raw_params, gsi_keys(["a", "b"], ["a"])) == \
        "Invalid KeySchema: Two KeySchemaElements have the same name: a"
    assert bad_table(ddb_raw_params, gsi_keys(["a", "x"]), attrs=("a",)) == (
        "One or more parameter values were invalid: Some index key attributes are not defined in "
        "AttributeDefinitions. Keys: [a, x], AttributeDefinitions: [pk, a]")
    assert "length less than or equal to 8" in bad_table(ddb_raw_params, gsi_keys(["a", "b", "c", "d", "e"],
                                                                                  ["f", "g", "h", "i"]))
    # Base tables and local indexes keep one HASH and at most one RANGE.
    ds.assert_error(ddb_raw_params.create_table, "ValidationException",
                    "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type",
                    TableName="bad_" + uid(), BillingMode="PAY_PER_REQUEST",
                    KeySchema=gsi_keys(["pk", "a"]), AttributeDefinitions=defs(("pk", "S"), ("a", "S")))
    ds.assert_error(ddb_raw_params.create_table, "ValidationException",
                    "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type",
                    TableName="bad_" + uid(), BillingMode="PAY_PER_REQUEST",
                    KeySchema=gsi_keys(["pk"], ["sk"]), AttributeDefinitions=defs(("pk", "S"), ("sk", "S"), ("a", "S")),
                    LocalSecondaryIndexes=[{"IndexName": "lsi", "KeySchema": gsi_keys(["pk", "a"]),
                                            "Projection": {"ProjectionType": "ALL"}}])
    assert ddb.list_tables()["TableNames"] == before


def test_max_keys_and_base_keys_in_the_index(ddb):
    name = "mak8_" + uid()
    hashes, ranges = ["h1", "h2", "h3", "h4"], ["r1", "r2", "r3", "sk"]
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=defs(("pk", "S"), ("sk", "N"), *[(a, "S") for a in hashes + ranges[:3]]),
                     KeySchema=gsi_keys(["pk"], ["sk"]),
                     GlobalSecondaryIndexes=[{"IndexName": "multi", "KeySchema": gsi_keys(hashes, ranges),
                                              "Projection": {"ProjectionType": "KEYS_ONLY"}}])
    ds.wait_active(ddb, name)
    for sk in (3, 1, 2):
        it = {a: {"S": "v"} for a in hashes + ranges[:3]}
        it.update(pk={"S": "p%d" % sk}, sk={"N": str(sk)}, extra={"S": "not projected"})
        ddb.put_item(TableName=name, Item=it)
    values = {":%s" % a: {"S": "v"} for a in hashes + ranges[:3]}
    cond = " AND ".join("%s = :%s" % (a, a) for a in hashes + ranges[:3])
    got = ddb.query(TableName=name, IndexName="multi", KeyConditionExpression=cond + " AND sk > :sk",
                    ExpressionAttributeValues=dict(values, **{":sk": {"N": "1"}}))["Items"]
    assert [g["sk"]["N"] for g in got] == ["2", "3"] and all("extra" not in g for g in got)
    ddb.delete_table(TableName=name)


def test_update_table_adds_a_multi_attribute_index_with_backfill(ddb, ddb_raw_params):
    name = "makupd_" + uid()
    ds.create_table(ddb, name, hash_key=("pk", "S"), range_key=None)
    for i in range(40):
        it = {"pk": {"S": "k%d" % i}, "a": {"S": "t%d" % (i % 2)}, "b": {"N": str(i % 4)}}
        if i % 5:
            it["c"] = {"N": str(i)}
        ddb.put_item(TableName=name, Item=it)
    msg = ds.assert_error(ddb_raw_params.update_table, "ValidationException", TableName=name,
                          AttributeDefinitions=defs(("a", "S"), ("b", "N"), ("c", "N")),
                          GlobalSecondaryIndexUpdates=[{"Create": {
                              "IndexName": "abc", "KeySchema": gsi_keys(["a"], ["c"]) + gsi_keys(["b"]),
                              "Projection": {"ProjectionType": "ALL"}}}])
    assert "precede" in msg
    ddb.update_table(TableName=name, AttributeDefinitions=defs(("a", "S"), ("b", "N"), ("c", "N")),
                     GlobalSecondaryIndexUpdates=[{"Create": {
                         "IndexName": "abc", "KeySchema": gsi_keys(["a", "b"], ["c"]),
                         "Projection": {"ProjectionType": "ALL"}}}])
    ds.poll_until(lambda: ddb.describe_table(TableName=name)["Table"]["GlobalSecondaryIndexes"][0]["IndexStatus"],
                  lambda s: s == "ACTIVE", timeout=30, what="index ACTIVE")
    (gsi,) = ddb.describe_table(TableName=name)["Table"]["GlobalSecondaryIndexes"]
    assert gsi["KeySchema"] == gsi_keys(["a", "b"], ["c"])
    got = ddb.query(TableName=name, IndexName="abc", KeyConditionExpression="a = :a AND b = :b",
                    ExpressionAttributeValues={":a": {"S": "t1"}, ":b": {"N": "3"}})["Items"]
    assert [int(g["c"]["N"]) for g in got] == [i for i in range(40) if i % 2 == 1 and i % 4 == 3 and i % 5]
    ddb.delete_table(TableName=name)


def test_multi_attribute_index_survives_a_restart(server_factory, tmp_path):
    server = server_factory.start(in_memory=False, db_path=tmp_path / "data")
    client = ds.make_client(server.endpoint)
    name = "makrst_" + uid()
    client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                        AttributeDefinitions=defs(("pk", "S"), ("a", "S"), ("b", "S"), ("c", "N")),
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                        GlobalSecondaryIndexes=[{"IndexName": "ab_c", "KeySchema": gsi_keys(["a", "b"], ["c"]),
                                                 "Projection": {"ProjectionType": "ALL"}}])
    ds.wait_active(client, name)
    for i in range(5):
        client.put_item(TableName=name, Item={"pk": {"S": "k%d" % i}, "a": {"S": "x"}, "b": {"S": "y"},
                                              "c": {"N": str(10 - i)}})
    server = server_factory.restart(server)
    client = ds.make_client(server.endpoint)
    (gsi,) = client.describe_table(TableName=name)["Table"]["GlobalSecondaryIndexes"]
    assert gsi["KeySchema"] == gsi_keys(["a", "b"], ["c"])
    got = client.query(TableName=name, IndexName="ab_c", KeyConditionExpression="a = :a AND b = :b AND c < :c",
                       ExpressionAttributeValues={":a": {"S": "x"}, ":b": {"S": "y"}, ":c": {"N": "9"}})["Items"]
    assert [g["c"]["N"] for g in got] == ["6", "7", "8"]
