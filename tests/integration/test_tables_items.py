"""Tables and items through boto3: the 1,000-item scenario across a restart,
ListTables paging, namespacing by access key and region (and -sharedDb),
DynamoDB's validation errors (exact type and message, and that a rejected
request changes nothing), exact round trips of every attribute type, and
number edge cases."""

import random
import time
import uuid

import pytest

import ddb_support as ds


def uid():
    return uuid.uuid4().hex[:12]


# ---------------------------------------------------------------- the scenario

N_ITEMS = 1000
SCAN_LIMIT = 37


def scenario_item(i, rng):
    """Item i: hash S + range N, with a rotating mix of attribute types.
    Numbers are written in DynamoDB's canonical form so they read back as-is."""
    kinds = (str(i), "-%d" % i, "%d.25" % i, str(i * 10 ** 20))
    item = {
        "pk": {"S": "user#%02d" % (i % 40)},
        "sk": {"N": kinds[i % 4]},
        "idx": {"N": str(i)},
        "name": {"S": "item-%d-ünïcödé-✓-日本" % i},
    }
    k = i % 10
    if k == 0:
        item["empty"] = {"S": ""}
        item["flag"] = {"BOOL": True}
    elif k == 1:
        item["pi"] = {"N": "3.14159"}
        item["neg"] = {"N": "-0.001"}
    elif k == 2:
        item["bin"] = {"B": bytes(range(256))}
    elif k == 3:
        item["nothing"] = {"NULL": True}
        item["flag"] = {"BOOL": False}
    elif k == 4:
        item["map"] = {"M": {"a": {"S": "x%d" % i}, "b": {"L": [{"N": str(i)}, {"S": "y"}, {"M": {}}]},
                             "c": {"BOOL": True}, "d": {"M": {"e": {"NULL": True}}}}}
    elif k == 5:
        item["list"] = {"L": [{"S": "s"}, {"N": "-7"}, {"B": b"\x00\x01"}, {"NULL": True}, {"L": []}, {"M": {}}]}
    elif k == 6:
        item["ss"] = {"SS": ["a", "b%d" % i, "ç"]}
    elif k == 7:
        item["ns"] = {"NS": ["1", "-2.5", str(i), "1000000000000000000000000000000000000"]}
    elif k == 8:
        item["bs"] = {"BS": [b"\x00", b"\x01\x02", bytes([i % 256, 255])]}
    else:
        item["text"] = {"S": "x" * 3000}
    if i % 100 == 0:
        item["blob"] = {"B": bytes(rng.getrandbits(8) for _ in range(20000))}
    return item


def key(item):
    return {"pk": item["pk"], "sk": item["sk"]}


def key_tuple(k):
    return (k["pk"]["S"], k["sk"]["N"])


def check_scan_pages(client, table, expected, limit, consistent=True):
    """Scans page by page with Limit; every expected item exactly once, and
    DynamoDB's paging shape: Count, ScannedCount, LastEvaluatedKey."""
    seen = {}
    start = None
    max_pages = len(expected) // limit + 3
    for page in range(max_pages):
        args = {"TableName": table, "Limit": limit, "ConsistentRead": consistent}
        if start is not None:
            args["ExclusiveStartKey"] = start
        resp = ds.no_retries(client.scan(**args))
        items = resp["Items"]
        assert resp["Count"] == len(items)
        assert resp["ScannedCount"] == len(items)
        assert len(items) <= limit
        for it in items:
            kt = key_tuple(it)
            assert kt not in seen, "item %r returned twice (page %d)" % (kt, page)
            seen[kt] = it
        start = resp.get("LastEvaluatedKey")
        if start is None:
            break
        # A page that stops early (no filter, far below 1 MB) stops at Limit,
        # and its LastEvaluatedKey is exactly the key of its last item.
        assert len(items) == limit, "page %d has %d items and a LastEvaluatedKey" % (page, len(items))
        assert set(start) == {"pk", "sk"}
        assert set(start["pk"]) == {"S"} and set(start["sk"]) == {"N"}
        assert start == key(items[-1])
    else:
        raise AssertionError("scan did not finish within %d pages" % max_pages)
    assert set(seen) == set(expected), "Limit=%d ConsistentRead=%s: missing %r, unexpected %r" % (
        limit, consistent, sorted(set(expected) - set(seen))[:5], sorted(set(seen) - set(expected))[:5])
    for kt, it in seen.items():
        assert ds.norm_item(it) == ds.norm_item(expected[kt]), kt
    return page + 1


def check_scan_pages_eventually(client, table, expected, limit, timeout=3.0):
    """check_scan_pages with eventually consistent reads: a replica may lag
    for a moment, so the whole paged scan is retried until `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check_scan_pages(client, table, expected, limit, consistent=False)
        except AssertionError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.05)


def test_scenario_1000_items_across_restart(server_factory, tmp_path):
    db = tmp_path / "db"
    db.mkdir()
    server = server_factory.start(db_path=db)
    client = ds.make_client(server.endpoint)
    table = "scenario"

    # Create (hash S + range N) and describe.
    desc = ds.create_table(client, table)
    assert desc["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"},
                                 {"AttributeName": "sk", "KeyType": "RANGE"}]
    assert desc["TableArn"].endswith(":table/" + table)
    created_at = desc["CreationDateTime"]
    assert table in client.list_tables()["TableNames"]

    # Put 1,000 items of varied attribute types.
    rng = random.Random(1234)
    items = [scenario_item(i, rng) for i in range(N_ITEMS)]
    expected = {key_tuple(it): it for it in items}
    assert len(expected) == N_ITEMS
    t0 = time.monotonic()
    for it in items:
        resp = ds.no_retries(client.put_item(TableName=table, Item=it))
        assert "Attributes" not in resp
    print("1000 PutItem: %.2f s" % (time.monotonic() - t0))

    # Read each back: strongly consistent, then eventually consistent.
    t0 = time.monotonic()
    for it in items:
        got = ds.no_retries(client.get_item(TableName=table, Key=key(it), ConsistentRead=True))
        assert ds.norm_item(got.get("Item")) == ds.norm_item(it), key(it)
    for it in items:
        ds.eventually_get(client, table, key(it), it)
    print("2000 GetItem: %.2f s" % (time.monotonic() - t0))

    # Scan page by page, strongly and eventually consistent.
    pages = check_scan_pages(client, table, expected, SCAN_LIMIT)
    print("scan with Limit=%d: %d pages" % (SCAN_LIMIT, pages))
    check_scan_pages_eventually(client, table, expected, SCAN_LIMIT)

    # Delete some (every 7th).
    deleted = set()
    for i, it in enumerate(items):
        if i % 7 != 3:
            continue
        resp = ds.no_retries(client.delete_item(TableName=table, Key=key(it)))
        assert "Attributes" not in resp
        deleted.add(key_tuple(it))
    # Deleting what is not there is not an error.
    resp = client.delete_item(TableName=table, Key={"pk": {"S": "user#00"}, "sk": {"N": "-999999"}})
    assert "Attributes" not in resp
    remaining = {k: v for k, v in expected.items() if k not in deleted}
    assert len(deleted) == 143 and len(remaining) == 857

    def check_all(c):
        for it in items:
            got = c.get_item(TableName=table, Key=key(it), ConsistentRead=True).get("Item")
            if key_tuple(it) in deleted:
                assert got is None, "deleted item %r is back" % (key(it),)
            else:
                assert ds.norm_item(got) == ds.norm_item(it), key(it)

    check_all(client)
    for it in items[3:200:7]:  # deleted ones, read eventually consistently
        ds.eventually_get(client, table, key(it), None)
    check_scan_pages(client, table, remaining, 100)

    # Restart on the same -dbPath: everything is still there, deleted ones are not.
    server_factory.restart(server)
    client = ds.make_client(server.endpoint)
    desc = client.describe_table(TableName=table)["Table"]
    assert desc["TableStatus"] == "ACTIVE"
    assert desc["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"},
                                 {"AttributeName": "sk", "KeyType": "RANGE"}]
    assert desc["CreationDateTime"] == created_at
    check_all(client)
    check_scan_pages(client, table, remaining, SCAN_LIMIT)
    check_scan_pages_eventually(client, table, remaining, 250)

    # Delete the table; it is gone, and stays gone across a restart.
    resp = client.delete_table(TableName=table)
    assert resp["TableDescription"]["TableName"] == table
    ds.wait_deleted(client, table)
    assert table not in client.list_tables()["TableNames"]
    ds.assert_error(client.get_item, "ResourceNotFoundException", "Requested resource not found",
                    TableName=table, Key=key(items[0]))
    server_factory.restart(server)
    client = ds.make_client(server.endpoint)
    assert table not in client.list_tables()["TableNames"]
    ds.assert_error(client.describe_table, "ResourceNotFoundException",
                    "Requested resource not found: Table: %s not found" % table, TableName=table)


# ---------------------------------------------------------------- ListTables

def test_list_tables_paging(module_server):
    # A fresh access key is a fresh namespace: it sees only these tables.
    client = ds.make_client(module_server.endpoint, access_key="AKIDLIST" + uid().upper())
    names = ["lt-x", "lt.x", "lt0x", "lt_x", "ltax", "lta", "ltzz", "lt9"]
    for name in random.Random(7).sample(names, len(names)):
        client.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    for name in names:
        ds.wait_active(client, name)
    ordered = sorted(names)

    resp = client.list_tables()
    assert resp["TableNames"] == ordered
    assert "LastEvaluatedTableName" not in resp

    collected, start = [], None
    for _ in range(len(names) + 2):
        args = {"Limit": 3}
        if start is not None:
            args["ExclusiveStartTableName"] = start
        resp = client.list_tables(**args)
        page = resp["TableNames"]
        assert len(page) <= 3
        collected += page
        start = resp.get("LastEvaluatedTableName")
        if start is None:
            break
        assert page and start == page[-1]
    else:
        raise AssertionError("ListTables paging did not end")
    assert collected == ordered

    # The first two pages are full and say where they stopped.
    first = client.list_tables(Limit=3)
    assert first["TableNames"] == ordered[:3] and first["LastEvaluatedTableName"] == ordered[2]
    second = client.list_tables(Limit=3, ExclusiveStartTableName=ordered[2])
    assert second["TableNames"] == ordered[3:6] and second["LastEvaluatedTableName"] == ordered[5]

    # ExclusiveStartTableName need not name an existing table.
    assert client.list_tables(ExclusiveStartTableName="lt0")["TableNames"] == [n for n in ordered if n > "lt0"]
    last = client.list_tables(ExclusiveStartTableName=ordered[-1])
    assert last["TableNames"] == [] and "LastEvaluatedTableName" not in last

    raw = ds.make_client(module_server.endpoint, validate=False)
    ds.assert_error(raw.list_tables, "ValidationException",
                    "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: "
                    "Member must have value greater than or equal to 1", Limit=0)
    ds.assert_error(raw.list_tables, "ValidationException",
                    "1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: "
                    "Member must have value less than or equal to 100", Limit=101)
    for name in names:
        client.delete_table(TableName=name)
    for name in names:
        ds.wait_deleted(client, name)
    assert client.list_tables()["TableNames"] == []


# ---------------------------------------------------------------- namespacing

def test_tables_are_namespaced_by_access_key_and_region(module_server):
    ep = module_server.endpoint
    key_a, key_b = "AKIDNSA" + uid().upper(), "AKIDNSB" + uid().upper()
    a = ds.make_client(ep, access_key=key_a)
    b = ds.make_client(ep, access_key=key_b)
    a_west = ds.make_client(ep, access_key=key_a, region="us-west-2")
    name = "ns_table"
    ds.create_table(a, name)
    item = {"pk": {"S": "k"}, "sk": {"N": "1"}, "owner": {"S": "A"}}
    a.put_item(TableName=name, Item=item)

    for other in (b, a_west):
        assert name not in other.list_tables()["TableNames"]
        ds.assert_error(other.describe_table, "ResourceNotFoundException",
                        "Requested resource not found: Table: %s not found" % name, TableName=name)
        ds.assert_error(other.get_item, "ResourceNotFoundException", "Requested resource not found",
                        TableName=name, Key=key(item))
        ds.assert_error(other.put_item, "ResourceNotFoundException", "Requested resource not found",
                        TableName=name, Item=item)

    # B may create its own table of the same name; A's is untouched.
    ds.create_table(b, name, range_key=None)
    b.put_item(TableName=name, Item={"pk": {"S": "k"}, "owner": {"S": "B"}})
    assert a.describe_table(TableName=name)["Table"]["KeySchema"][1]["AttributeName"] == "sk"
    assert len(b.describe_table(TableName=name)["Table"]["KeySchema"]) == 1
    assert ds.norm_item(a.get_item(TableName=name, Key=key(item), ConsistentRead=True)["Item"]) == item
    assert b.get_item(TableName=name, Key={"pk": {"S": "k"}}, ConsistentRead=True)["Item"]["owner"] == {"S": "B"}
    assert [it["owner"] for it in ds.scan_all(a, name)] == [{"S": "A"}]

    b.delete_table(TableName=name)
    ds.wait_deleted(b, name)
    assert ds.norm_item(a.get_item(TableName=name, Key=key(item), ConsistentRead=True)["Item"]) == item
    a.delete_table(TableName=name)
    ds.wait_deleted(a, name)


def test_shared_db_shares_tables_across_keys_and_regions(server_factory):
    server = server_factory.start(shared_db=True)
    a = ds.make_client(server.endpoint, access_key="AKIDSHAREDA")
    b = ds.make_client(server.endpoint, access_key="AKIDSHAREDB")
    b_west = ds.make_client(server.endpoint, access_key="AKIDSHAREDB", region="eu-west-1")
    ds.create_table(a, "shared_table")
    item = {"pk": {"S": "k"}, "sk": {"N": "1"}, "v": {"S": "from A"}}
    a.put_item(TableName="shared_table", Item=item)
    for other in (b, b_west):
        assert "shared_table" in other.list_tables()["TableNames"]
        assert ds.norm_item(other.get_item(TableName="shared_table", Key=key(item),
                                           ConsistentRead=True)["Item"]) == item
    ds.assert_error(b.create_table, "ResourceInUseException", "Table already exists: shared_table",
                    TableName="shared_table", BillingMode="PAY_PER_REQUEST",
                    AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                    KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    b_west.delete_table(TableName="shared_table")
    ds.wait_deleted(a, "shared_table")


# ---------------------------------------------------------------- validation errors

BASE = {"pk": {"S": "base"}, "sk": {"N": "1"}, "v": {"S": "original"}}
RANGE_SCHEMA = [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]


@pytest.fixture(scope="module")
def vtable(module_server):
    """A hash S + range N table holding exactly BASE."""
    client = ds.make_client(module_server.endpoint)
    name = "val_" + uid()
    ds.create_table(client, name)
    client.put_item(TableName=name, Item=BASE)
    return name


@pytest.fixture
def raw(module_server):
    return ds.make_client(module_server.endpoint, validate=False)


def assert_vtable_unchanged(client, name):
    """The table still has its schema and holds exactly BASE. On a failure the
    baseline is restored first, so that one bug fails one test only."""
    desc = client.describe_table(TableName=name)["Table"]
    base_now = client.get_item(TableName=name, Key=key(BASE), ConsistentRead=True).get("Item")
    try:
        assert desc["KeySchema"] == RANGE_SCHEMA
        assert sorted((a["AttributeName"], a["AttributeType"]) for a in desc["AttributeDefinitions"]) == \
            [("pk", "S"), ("sk", "N")]
        assert desc["TableStatus"] == "ACTIVE"
        assert base_now == BASE
        ds.poll_until(lambda: [ds.norm_item(i) for i in ds.scan_all(client, name)],
                      lambda items: items == [BASE], what="table holds exactly the baseline item")
    except AssertionError:
        for it in ds.scan_all(client, name):
            client.delete_item(TableName=name, Key=key(it))
        client.put_item(TableName=name, Item=BASE)
        raise


TYPE_MISMATCH = "One or more parameter values were invalid: Type mismatch for key %s expected: %s actual: %s"
MISSING_KEY = "One or more parameter values were invalid: Missing the key %s in the item"


@pytest.mark.parametrize("item,message", [
    ({"pk": {"N": "1"}, "sk": {"N": "1"}, "v": {"S": "changed"}}, TYPE_MISMATCH % ("pk", "S", "N")),
    ({"pk": {"B": b"base"}, "sk": {"N": "1"}, "v": {"S": "changed"}}, TYPE_MISMATCH % ("pk", "S", "B")),
    ({"pk": {"S": "base"}, "sk": {"S": "1"}, "v": {"S": "changed"}}, TYPE_MISMATCH % ("sk", "N", "S")),
    ({"pk": {"SS": ["base"]}, "sk": {"N": "1"}}, TYPE_MISMATCH % ("pk", "S", "SS")),
    ({"sk": {"N": "1"}, "v": {"S": "changed"}}, MISSING_KEY % "pk"),
    ({"pk": {"S": "base"}, "v": {"S": "changed"}}, MISSING_KEY % "sk"),
    ({"pk": {"S": "base"}, "sk": {"N": "1"}, "v": {"S": "changed"}, "e": {"SS": []}},
     "One or more parameter values were invalid: An string set  may not be empty"),
    ({"pk": {"S": "base"}, "sk": {"N": "1"}, "v": {"S": "changed"}, "e": {"NS": []}},
     "One or more parameter values were invalid: An number set  may not be empty"),
    ({"pk": {"S": "base"}, "sk": {"N": "1"}, "v": {"S": "changed"}, "e": {"BS": []}},
     "One or more parameter values were invalid: Binary sets should not be empty"),
    ({"pk": {"S": "base"}, "sk": {"N": "1"}, "m": {"M": {"deep": {"SS": []}}}},
     "One or more parameter values were invalid: An string set  may not be empty"),
], ids=["pk-N", "pk-B", "sk-S", "pk-SS", "no-pk", "no-sk", "empty-SS", "empty-NS", "empty-BS", "nested-empty-SS"])
def test_put_item_validation(raw, vtable, item, message):
    ds.assert_error(raw.put_item, "ValidationException", message, TableName=vtable, Item=item)
    assert_vtable_unchanged(raw, vtable)


BAD_KEYS = [
    {"pk": {"S": "base"}},
    {"sk": {"N": "1"}},
    {"pk": {"S": "base"}, "sk": {"N": "1"}, "v": {"S": "original"}},
    {"pk": {"N": "1"}, "sk": {"N": "1"}},
    {"pk": {"S": "base"}, "sk": {"S": "1"}},
    {},
]
BAD_KEY_IDS = ["no-sk", "no-pk", "extra-attr", "pk-N", "sk-S", "empty"]


@pytest.mark.parametrize("bad_key", BAD_KEYS, ids=BAD_KEY_IDS)
@pytest.mark.parametrize("consistent", [True, False], ids=["consistent", "eventual"])
def test_get_item_key_schema_mismatch(raw, vtable, bad_key, consistent):
    ds.assert_error(raw.get_item, "ValidationException", "The provided key element does not match the schema",
                    TableName=vtable, Key=bad_key, ConsistentRead=consistent)


@pytest.mark.parametrize("bad_key", BAD_KEYS, ids=BAD_KEY_IDS)
def test_delete_item_key_schema_mismatch(raw, vtable, bad_key):
    ds.assert_error(raw.delete_item, "ValidationException", "The provided key element does not match the schema",
                    TableName=vtable, Key=bad_key)
    assert_vtable_unchanged(raw, vtable)


MAX_ITEM = 400 * 1024


def test_item_size_limit_is_exactly_400_kb(module_server, raw):
    client = ds.make_client(module_server.endpoint)
    name = "size_" + uid()
    ds.create_table(client, name, range_key=None)
    # Item size = UTF-8 lengths of attribute names + values: here exactly 400 KB.
    fill = MAX_ITEM - len("pk") - len("big") - len("d")
    at_limit = {"pk": {"S": "big"}, "d": {"S": "a" * fill}}
    client.put_item(TableName=name, Item=at_limit)
    assert client.get_item(TableName=name, Key={"pk": {"S": "big"}}, ConsistentRead=True)["Item"] == at_limit

    over = {"pk": {"S": "big"}, "d": {"S": "b" * (fill + 1)}}
    ds.assert_error(raw.put_item, "ValidationException", "Item size has exceeded the maximum allowed size",
                    TableName=name, Item=over)
    assert client.get_item(TableName=name, Key={"pk": {"S": "big"}}, ConsistentRead=True)["Item"] == at_limit

    # Multi-byte characters count by their UTF-8 length (é is 2 bytes).
    over_utf8 = {"pk": {"S": "new"}, "d": {"S": "é" * (fill // 2 + 1)}}
    ds.assert_error(raw.put_item, "ValidationException", "Item size has exceeded the maximum allowed size",
                    TableName=name, Item=over_utf8)
    way_over = {"pk": {"S": "new"}, "d": {"B": b"\x00" * (MAX_ITEM + 100000)}}
    ds.assert_error(raw.put_item, "ValidationException", "Item size has exceeded the maximum allowed size",
                    TableName=name, Item=way_over)
    assert "Item" not in client.get_item(TableName=name, Key={"pk": {"S": "new"}}, ConsistentRead=True)
    assert [i["pk"] for i in ds.scan_all(client, name)] == [{"S": "big"}]
    client.delete_table(TableName=name)


def test_table_not_found(module_server, raw):
    name = "missing_" + uid()
    msg = "Requested resource not found"
    k = {"pk": {"S": "a"}, "sk": {"N": "1"}}
    ds.assert_error(raw.put_item, "ResourceNotFoundException", msg, TableName=name, Item=k)
    ds.assert_error(raw.get_item, "ResourceNotFoundException", msg, TableName=name, Key=k)
    ds.assert_error(raw.get_item, "ResourceNotFoundException", msg, TableName=name, Key=k, ConsistentRead=True)
    ds.assert_error(raw.delete_item, "ResourceNotFoundException", msg, TableName=name, Key=k)
    ds.assert_error(raw.scan, "ResourceNotFoundException", msg, TableName=name)
    ds.assert_error(raw.describe_table, "ResourceNotFoundException",
                    "Requested resource not found: Table: %s not found" % name, TableName=name)
    ds.assert_error(raw.delete_table, "ResourceNotFoundException",
                    "Requested resource not found: Table: %s not found" % name, TableName=name)
    assert name not in ds.make_client(module_server.endpoint).list_tables(Limit=100)["TableNames"]


def test_create_existing_table(raw, vtable):
    ds.assert_error(raw.create_table, "ResourceInUseException", "Table already exists: %s" % vtable,
                    TableName=vtable, BillingMode="PAY_PER_REQUEST",
                    AttributeDefinitions=[{"AttributeName": "other", "AttributeType": "N"}],
                    KeySchema=[{"AttributeName": "other", "KeyType": "HASH"}])
    assert_vtable_unchanged(raw, vtable)


LENGTH_MSG = ("1 validation error detected: Value '%s' at 'tableName' failed to satisfy constraint: "
              "Member must have length greater than or equal to 3")
PATTERN_MSG = ("1 validation error detected: Value '%s' at 'tableName' failed to satisfy constraint: "
               "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
TOO_LONG_MSG = ("1 validation error detected: Value '%s' at 'tableName' failed to satisfy constraint: "
                "Member must have length less than or equal to 255")


@pytest.mark.parametrize("name,message", [
    ("a", LENGTH_MSG % "a"),
    ("ab", LENGTH_MSG % "ab"),
    ("bad name!", PATTERN_MSG % "bad name!"),
    ("x" * 256, TOO_LONG_MSG % ("x" * 256)),
], ids=["len1", "len2", "pattern", "len256"])
def test_invalid_table_name(module_server, raw, name, message):
    before = raw.list_tables(Limit=100)["TableNames"]
    ds.assert_error(raw.create_table, "ValidationException", message,
                    TableName=name, BillingMode="PAY_PER_REQUEST",
                    AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                    KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    ds.assert_error(raw.describe_table, "ValidationException", message, TableName=name)
    ds.assert_error(raw.get_item, "ValidationException", message, TableName=name, Key={"pk": {"S": "a"}})
    ds.assert_error(raw.put_item, "ValidationException", message, TableName=name, Item={"pk": {"S": "a"}})
    ds.assert_error(raw.delete_table, "ValidationException", message, TableName=name)
    assert raw.list_tables(Limit=100)["TableNames"] == before


# ---------------------------------------------------------------- item basics

def test_item_basics(module_server):
    client = ds.make_client(module_server.endpoint)
    name = "basics_" + uid()
    ds.create_table(client, name)
    k = {"pk": {"S": "p"}, "sk": {"N": "7"}}
    assert "Item" not in client.get_item(TableName=name, Key=k, ConsistentRead=True)
    assert "Item" not in client.get_item(TableName=name, Key=k)

    first = dict(k, a={"S": "one"}, c={"N": "1"})
    resp = client.put_item(TableName=name, Item=first)
    assert "Attributes" not in resp
    assert client.get_item(TableName=name, Key=k, ConsistentRead=True)["Item"] == first
    # PutItem replaces the whole item.
    second = dict(k, b={"S": "two"})
    resp = client.put_item(TableName=name, Item=second)
    assert "Attributes" not in resp
    assert client.get_item(TableName=name, Key=k, ConsistentRead=True)["Item"] == second
    ds.eventually_get(client, name, k, second)
    # Same hash key, other range key: a different item.
    other = {"pk": {"S": "p"}, "sk": {"N": "8"}, "b": {"S": "three"}}
    client.put_item(TableName=name, Item=other)
    assert client.get_item(TableName=name, Key=k, ConsistentRead=True)["Item"] == second
    resp = client.delete_item(TableName=name, Key=k)
    assert "Attributes" not in resp
    assert "Item" not in client.get_item(TableName=name, Key=k, ConsistentRead=True)
    ds.eventually_get(client, name, k, None)
    assert [ds.norm_item(i) for i in ds.scan_all(client, name)] == [other]
    # Deleting a missing item succeeds and changes nothing.
    client.delete_item(TableName=name, Key=k)
    assert [ds.norm_item(i) for i in ds.scan_all(client, name)] == [other]
    client.delete_table(TableName=name)


def test_return_values_all_old(module_server):
    client = ds.make_client(module_server.endpoint)
    name = "retval_" + uid()
    ds.create_table(client, name)
    k = {"pk": {"S": "p"}, "sk": {"N": "1"}}
    first = dict(k, a={"S": "one"}, s={"SS": ["x", "y"]})
    second = dict(k, b={"N": "2"})
    resp = client.put_item(TableName=name, Item=first, ReturnValues="ALL_OLD")
    assert "Attributes" not in resp  # nothing was there
    resp = client.put_item(TableName=name, Item=second, ReturnValues="ALL_OLD")
    assert ds.norm_item(resp["Attributes"]) == ds.norm_item(first)
    resp = client.put_item(TableName=name, Item=second, ReturnValues="NONE")
    assert "Attributes" not in resp
    resp = client.delete_item(TableName=name, Key=k, ReturnValues="ALL_OLD")
    assert resp["Attributes"] == second
    resp = client.delete_item(TableName=name, Key=k, ReturnValues="ALL_OLD")
    assert "Attributes" not in resp
    assert "Item" not in client.get_item(TableName=name, Key=k, ConsistentRead=True)
    client.delete_table(TableName=name)


def test_scan_empty_table_and_limit_validation(module_server, raw):
    client = ds.make_client(module_server.endpoint)
    name = "scan_" + uid()
    ds.create_table(client, name)
    resp = client.scan(TableName=name)
    assert resp["Items"] == [] and resp["Count"] == 0 and "LastEvaluatedKey" not in resp
    ds.assert_error(raw.scan, "ValidationException",
                    "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: "
                    "Member must have value greater than or equal to 1", TableName=name, Limit=0)
    # Exactly Limit items left: every page is full; the walk still ends.
    for i in range(6):
        client.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {"N": str(i)}})
    expected = {("p", str(i)): {"pk": {"S": "p"}, "sk": {"N": str(i)}} for i in range(6)}
    for limit in (1, 3, 6, 7):
        check_scan_pages(client, name, expected, limit)
    for limit in (1, 3, 6, 7):
        check_scan_pages_eventually(client, name, expected, limit)
    client.delete_table(TableName=name)


# ---------------------------------------------------------------- attribute types

def test_all_attribute_types_round_trip(module_server):
    client = ds.make_client(module_server.endpoint)
    name = "types_" + uid()
    ds.create_table(client, name, range_key=None)
    deep = {"S": "bottom"}
    for level in range(20):  # 20 levels of nesting (DynamoDB allows 32)
        deep = {"M": {"level%d" % level: deep, "n": {"N": str(level)}}} if level % 2 else {"L": [{"N": str(level)}, deep]}
    item = {
        "pk": {"S": "types"},
        "s": {"S": "plain"},
        "s_empty": {"S": ""},
        "s_unicode": {"S": "日本語 – ünïcödé – emoji 😀 – 𝄞"},
        "s_escapes": {"S": "quote\" backslash\\ slash/ tab\t newline\n cr\r bell\x07 nul\x00 end"},
        "s_long": {"S": "long " * 20000},
        "n_int": {"N": "42"},
        "n_neg": {"N": "-0.5"},
        "n_big": {"N": "12345678901234567890123456789012345678"},
        "b": {"B": bytes(range(256))},
        "b_empty": {"B": b""},
        "b_zeros": {"B": b"\x00" * 100},
        "bool_t": {"BOOL": True},
        "bool_f": {"BOOL": False},
        "null": {"NULL": True},
        "ss": {"SS": ["a", "b", "", "日本", "A"]},
        "ns": {"NS": ["1", "-1", "0.5", "1000", "12345678901234567890123456789012345678"]},
        "bs": {"BS": [b"\x00", b"\xff\xfe", b"", b"abc"]},
        "l_empty": {"L": []},
        "m_empty": {"M": {}},
        "l": {"L": [{"S": "x"}, {"N": "1"}, {"B": b"\x01"}, {"BOOL": False}, {"NULL": True},
                    {"SS": ["s"]}, {"NS": ["2"]}, {"BS": [b"\x02"]}, {"L": [{"L": []}]}, {"M": {"k": {"S": "v"}}},
                    {"S": "x"}]},
        "m": {"M": {"s": {"S": "x"}, "n": {"N": "-3"}, "b": {"B": b"\x03"}, "bool": {"BOOL": True},
                    "null": {"NULL": True}, "ss": {"SS": ["q", "r"]}, "ns": {"NS": ["4", "5"]},
                    "bs": {"BS": [b"\x04"]}, "l": {"L": [{"M": {}}]}, "m": {"M": {"m": {"M": {"x": {"S": "nested"}}}}},
                    "with space and ünï": {"S": "odd key"}}},
        "deep": deep,
        "attribute name with spaces, ünïcödé and !@#$%^&*()": {"S": "odd name"},
        "n" * 255: {"S": "long attribute name"},
    }
    client.put_item(TableName=name, Item=item)
    got = client.get_item(TableName=name, Key={"pk": {"S": "types"}}, ConsistentRead=True)["Item"]
    assert ds.norm_item(got) == ds.norm_item(item)
    ds.eventually_get(client, name, {"pk": {"S": "types"}}, item)
    scanned = ds.scan_all(client, name)
    assert [ds.norm_item(i) for i in scanned] == [ds.norm_item(item)]

    # U+0000 is an ordinary character, in values and in keys.
    nul_item = {"pk": {"S": "types\x00"}, "v": {"S": "\x00"}, "a\x00b": {"S": "nul in name"}}
    client.put_item(TableName=name, Item=nul_item)
    assert client.get_item(TableName=name, Key={"pk": {"S": "types\x00"}}, ConsistentRead=True)["Item"] == nul_item
    got = client.get_item(TableName=name, Key={"pk": {"S": "types"}}, ConsistentRead=True)["Item"]
    assert ds.norm_item(got) == ds.norm_item(item)
    assert len(ds.scan_all(client, name)) == 2

    # Binary and string key values round-trip as keys too.
    bname = "btypes_" + uid()
    ds.create_table(client, bname, hash_key=("k", "B"), range_key=("r", "S"))
    bitem = {"k": {"B": bytes(range(255, -1, -1))}, "r": {"S": "日本 😀"}, "v": {"N": "1"}}
    client.put_item(TableName=bname, Item=bitem)
    assert client.get_item(TableName=bname, Key={"k": bitem["k"], "r": bitem["r"]},
                           ConsistentRead=True)["Item"] == bitem
    client.delete_table(TableName=name)
    client.delete_table(TableName=bname)


# ---------------------------------------------------------------- numbers

CANONICAL = [
    ("12345678901234567890123456789012345678", "12345678901234567890123456789012345678"),
    ("-12345678901234567890123456789012345678", "-12345678901234567890123456789012345678"),
    ("1.50", "1.5"),
    ("-1.50", "-1.5"),
    ("0.10", "0.1"),
    ("100", "100"),
    ("1e2", "100"),
    ("1E+125", "1" + "0" * 125),
    ("0", "0"),
    ("0.000", "0"),
    ("1234567890123456789012345678901234567800000", "1234567890123456789012345678901234567800000"),
    ("0000012345678901234567890123456789012345678", "12345678901234567890123456789012345678"),
    ("-00001.23456789012345678901234567890123456780000", "-1.2345678901234567890123456789012345678"),
    ("0009.99999999999999999999999999999999999990000e125", "9" * 38 + "0" * 88),
    ("-0009.99999999999999999999999999999999999990000e125", "-" + "9" * 38 + "0" * 88),
    ("0001.000e-130", "0." + "0" * 129 + "1"),
    ("-0001.000e-130", "-0." + "0" * 129 + "1"),
    ("0.00000000000000000000000000000000000012345678901234567890123456789012345678",
     "0.00000000000000000000000000000000000012345678901234567890123456789012345678"),
]


def test_numbers_read_back_canonical(module_server):
    client = ds.make_client(module_server.endpoint)
    name = "num_" + uid()
    ds.create_table(client, name)
    item = {"pk": {"S": "n"}, "sk": {"N": "1"}}
    want = dict(item)
    for i, (given, canon) in enumerate(CANONICAL):
        item["n%02d" % i] = {"N": given}
        want["n%02d" % i] = {"N": canon}
    item["ns"] = {"NS": ["1.50", "2", "-0.10"]}
    want["ns"] = {"NS": ["1.5", "2", "-0.1"]}
    item["l"] = {"L": [{"N": "1.50"}, {"M": {"x": {"N": "1E+2"}}}]}
    want["l"] = {"L": [{"N": "1.5"}, {"M": {"x": {"N": "100"}}}]}
    client.put_item(TableName=name, Item=item)
    got = client.get_item(TableName=name, Key={"pk": {"S": "n"}, "sk": {"N": "1"}}, ConsistentRead=True)["Item"]
    assert ds.norm_item(got) == ds.norm_item(want)
    assert ds.norm_item(ds.scan_all(client, name)[0]) == ds.norm_item(want)
    client.delete_table(TableName=name)


def test_number_keys_compare_by_value(module_server):
    client = ds.make_client(module_server.endpoint)
    name = "numkey_" + uid()
    ds.create_table(client, name)
    big = "12345678901234567890123456789012345678"
    client.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {"N": big}, "v": {"S": "big"}})
    got = client.get_item(TableName=name, Key={"pk": {"S": "p"}, "sk": {"N": big}}, ConsistentRead=True)["Item"]
    assert got["sk"] == {"N": big} and got["v"] == {"S": "big"}
    # One less in the last digit is another key.
    other = big[:-1] + "7"
    assert "Item" not in client.get_item(TableName=name, Key={"pk": {"S": "p"}, "sk": {"N": other}},
                                         ConsistentRead=True)

    client.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {"N": "1.50"}, "v": {"S": "one and a half"}})
    for spelled in ("1.5", "1.50", "01.5000", "15e-1", "0.15E1"):
        got = client.get_item(TableName=name, Key={"pk": {"S": "p"}, "sk": {"N": spelled}}, ConsistentRead=True)
        assert got["Item"] == {"pk": {"S": "p"}, "sk": {"N": "1.5"}, "v": {"S": "one and a half"}}, spelled
    # Writing the same number spelled differently overwrites the same item.
    client.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {"N": "15E-1"}, "v": {"S": "replaced"}})
    items = ds.poll_until(lambda: ds.scan_all(client, name), lambda its: len(its) == 2 and
                          {"S": "replaced"} in [i["v"] for i in its], what="scan shows the overwrite")
    assert sorted(i["sk"]["N"] for i in items) == sorted(["1.5", big])

    client.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {"N": "1E+125"}})
    assert client.get_item(TableName=name, Key={"pk": {"S": "p"}, "sk": {"N": "1" + "0" * 125}},
                           ConsistentRead=True)["Item"]["sk"] == {"N": "1" + "0" * 125}
    client.put_item(TableName=name, Item={"pk": {"S": "p"}, "sk": {"N": "-1e-130"}})
    assert client.get_item(TableName=name, Key={"pk": {"S": "p"}, "sk": {"N": "-0.1E-129"}},
                           ConsistentRead=True)["Item"]["sk"] == {"N": "-0." + "0" * 129 + "1"}
    client.delete_table(TableName=name)


OVERFLOW = "Number overflow. Attempting to store a number with magnitude larger than supported range"
UNDERFLOW = "Number underflow. Attempting to store a number with magnitude smaller than supported range"
TOO_PRECISE = "Attempting to store more than 38 significant digits in a Number"


@pytest.mark.parametrize("value,message", [
    ("123456789012345678901234567890123456789", TOO_PRECISE),
    ("-1.23456789012345678901234567890123456789", TOO_PRECISE),
    ("1e126", OVERFLOW),
    ("-1e126", OVERFLOW),
    ("1e-131", UNDERFLOW),
    ("-1e-131", UNDERFLOW),
    ("abc", "The parameter cannot be converted to a numeric value: abc"),
    ("NaN", "The parameter cannot be converted to a numeric value: NaN"),
], ids=["39-digits", "39-digits-fraction", "overflow", "neg-overflow", "underflow", "neg-underflow",
        "text", "nan"])
@pytest.mark.parametrize("where", ["attribute", "key"])
def test_invalid_numbers_are_rejected(raw, vtable, value, message, where):
    if where == "attribute":
        item = {"pk": {"S": "base"}, "sk": {"N": "1"}, "v": {"S": "changed"}, "n": {"N": value}}
    else:
        item = {"pk": {"S": "base"}, "sk": {"N": value}, "v": {"S": "changed"}}
    ds.assert_error(raw.put_item, "ValidationException", message, TableName=vtable, Item=item)
    assert_vtable_unchanged(raw, vtable)
