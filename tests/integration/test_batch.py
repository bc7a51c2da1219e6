"""BatchWriteItem and BatchGetItem through boto3 and raw HTTP: puts, deletes
and reads across two tables, the 25-request and 100-key limits, duplicate
keys, DynamoDB's validation errors (exact type and message, and that a
rejected batch writes nothing), AttributesToGet, ConsumedCapacity, the
always-present UnprocessedItems / UnprocessedKeys, and the 16 MB response
limit that hands keys back in UnprocessedKeys."""

import json
import uuid

import boto3
import pytest

import ddb_support as ds


def uid():
    return uuid.uuid4().hex[:12]


@pytest.fixture(scope="module")
def tables(module_server):
    """(range table: pk S + sk N, hash table: pk S, binary-hash table: pk B)."""
    client = ds.make_client(module_server.endpoint)
    names = ("batch_r_" + uid(), "batch_h_" + uid(), "batch_b_" + uid())
    ds.create_table(client, names[0])
    ds.create_table(client, names[1], range_key=None)
    ds.create_table(client, names[2], hash_key=("pk", "B"), range_key=None)
    return names


@pytest.fixture
def raw(ddb_raw_params):
    return ddb_raw_params


def rkey(pk, sk):
    return {"pk": {"S": pk}, "sk": {"N": str(sk)}}


def hkey(pk):
    return {"pk": {"S": pk}}


def put(item):
    return {"PutRequest": {"Item": item}}


def delete(key):
    return {"DeleteRequest": {"Key": key}}


def get(client, table, key):
    return client.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")


def sorted_items(items):
    return sorted((ds.norm_item(i) for i in items), key=lambda i: json.dumps(i, sort_keys=True, default=repr))


def assert_absent(client, table, keys):
    for k in keys:
        assert get(client, table, k) is None, "%r was written by a rejected batch" % (k,)


def body_of(resp):
    return {k: v for k, v in resp.items() if k != "ResponseMetadata"}


def raw_error(port, op, payload, type_name, message):
    resp = ds.raw_call(port, op, payload)
    assert resp.status == 400, resp
    assert ds.error_type(resp) == type_name, resp
    assert resp.json().get("message") == message, resp


def compact(value):
    return json.dumps(value, separators=(",", ":"))


# ---------------------------------------------------------------- happy paths

def test_write_then_read_across_two_tables(ddb, tables):
    rt, ht, _ = tables
    p = uid()
    r_items = [dict(rkey(p, i), v={"S": "r%d" % i}, n={"N": str(i)}) for i in range(5)]
    h_items = [dict(hkey(p + str(i)), v={"SS": ["a", "b%d" % i]}) for i in range(4)]
    resp = ds.no_retries(ddb.batch_write_item(RequestItems={
        rt: [put(i) for i in r_items], ht: [put(i) for i in h_items]}))
    assert body_of(resp) == {"UnprocessedItems": {}}
    for it in r_items:
        assert get(ddb, rt, rkey(p, it["sk"]["N"])) == it
    for it in h_items:
        assert ds.norm_item(get(ddb, ht, {"pk": it["pk"]})) == ds.norm_item(it)

    # Missing keys are left out; a table whose keys all miss answers [].
    resp = ds.no_retries(ddb.batch_get_item(RequestItems={
        rt: {"Keys": [rkey(p, i) for i in range(7)], "ConsistentRead": True},
        ht: {"Keys": [{"pk": it["pk"]} for it in h_items] + [hkey(p + "missing")], "ConsistentRead": True},
    }))
    assert set(resp) == {"Responses", "UnprocessedKeys", "ResponseMetadata"}
    assert resp["UnprocessedKeys"] == {}
    assert set(resp["Responses"]) == {rt, ht}
    assert sorted_items(resp["Responses"][rt]) == sorted_items(r_items)
    assert sorted_items(resp["Responses"][ht]) == sorted_items(h_items)
    resp = ddb.batch_get_item(RequestItems={ht: {"Keys": [hkey(p + "none")]}})
    assert resp["Responses"] == {ht: []} and resp["UnprocessedKeys"] == {}

    # Eventually consistent reads see them within a moment too.
    ds.poll_until(lambda: ddb.batch_get_item(RequestItems={rt: {"Keys": [rkey(p, i) for i in range(5)]}}),
                  lambda r: sorted_items(r["Responses"][rt]) == sorted_items(r_items),
                  what="eventually consistent BatchGetItem sees the batch")


def test_mixed_puts_and_deletes(ddb, tables):
    rt, ht, _ = tables
    p = uid()
    ddb.put_item(TableName=rt, Item=dict(rkey(p, 1), old={"S": "x"}))
    ddb.put_item(TableName=ht, Item=dict(hkey(p), old={"S": "y"}))
    resp = ddb.batch_write_item(RequestItems={
        rt: [put(dict(rkey(p, 1), new={"N": "1"})), put(rkey(p, 2)), delete(rkey(p, 3))],
        ht: [delete(hkey(p)), put(dict(hkey(p + "b"), l={"L": [{"NULL": True}]}))],
    })
    assert body_of(resp) == {"UnprocessedItems": {}}
    # A put replaces the whole item; deleting a missing item is not an error.
    assert get(ddb, rt, rkey(p, 1)) == dict(rkey(p, 1), new={"N": "1"})
    assert get(ddb, rt, rkey(p, 2)) == rkey(p, 2)
    assert get(ddb, rt, rkey(p, 3)) is None
    assert get(ddb, ht, hkey(p)) is None
    assert get(ddb, ht, hkey(p + "b")) == dict(hkey(p + "b"), l={"L": [{"NULL": True}]})
    # The same key in two tables is not a duplicate.
    ddb.batch_write_item(RequestItems={rt: [delete(rkey(p, 1))], ht: [put(dict(hkey(p), z={"BOOL": True}))]})
    assert get(ddb, rt, rkey(p, 1)) is None
    assert get(ddb, ht, hkey(p)) == dict(hkey(p), z={"BOOL": True})


def test_boto3_batch_writer(module_server, tables):
    rt = tables[0]
    resource = boto3.resource("dynamodb", endpoint_url=module_server.endpoint, region_name=ds.REGION,
                              aws_access_key_id=ds.DUMMY_ACCESS_KEY, aws_secret_access_key=ds.DUMMY_SECRET_KEY)
    table = resource.Table(rt)
    p = uid()
    try:
        with table.batch_writer() as batch:
            for i in range(60):  # sent 25 at a time
                batch.put_item(Item={"pk": p, "sk": i, "v": "x" * i})
        with table.batch_writer() as batch:
            for i in range(0, 60, 2):
                batch.delete_item(Key={"pk": p, "sk": i})
    finally:
        resource.meta.client.close()
    got = ds.scan_all(ds.make_client(module_server.endpoint), rt)
    assert sorted(int(i["sk"]["N"]) for i in got if i["pk"]["S"] == p) == list(range(1, 60, 2))


def test_attributes_to_get(ddb, tables):
    rt, ht, _ = tables
    p = uid()
    items = [dict(rkey(p, 1), a={"S": "a1"}, b={"N": "1"}, c={"S": "c1"}),
             dict(rkey(p, 2), a={"S": "a2"}),
             dict(rkey(p, 3), c={"S": "c3"})]
    ddb.batch_write_item(RequestItems={rt: [put(i) for i in items]})
    resp = ddb.batch_get_item(RequestItems={
        rt: {"Keys": [rkey(p, i) for i in (1, 2, 3, 4)], "AttributesToGet": ["a", "b", "sk"], "ConsistentRead": True},
        ht: {"Keys": [hkey(p)], "AttributesToGet": ["zz"]},
    })
    # An item with none of the attributes still answers, as {}.
    assert sorted_items(resp["Responses"][rt]) == sorted_items([
        {"a": {"S": "a1"}, "b": {"N": "1"}, "sk": {"N": "1"}}, {"a": {"S": "a2"}, "sk": {"N": "2"}}, {"sk": {"N": "3"}}])
    assert resp["Responses"][ht] == [] and resp["UnprocessedKeys"] == {}


def test_return_consumed_capacity(ddb, tables):
    rt, ht, _ = tables
    p = uid()
    resp = ddb.batch_write_item(RequestItems={
        rt: [put(dict(rkey(p, 1), big={"S": "x" * 1500})), put(rkey(p, 2))],
        ht: [delete(hkey(p))]}, ReturnConsumedCapacity="TOTAL")
    assert resp["UnprocessedItems"] == {}
    assert sorted(resp["ConsumedCapacity"], key=lambda c: c["TableName"]) == sorted(
        [{"TableName": rt, "CapacityUnits": 3.0}, {"TableName": ht, "CapacityUnits": 1.0}],
        key=lambda c: c["TableName"])
    resp = ddb.batch_write_item(RequestItems={rt: [put(rkey(p, 3))]}, ReturnConsumedCapacity="INDEXES",
                                ReturnItemCollectionMetrics="SIZE")
    assert resp["ConsumedCapacity"] == [{"TableName": rt, "CapacityUnits": 1.0, "Table": {"CapacityUnits": 1.0}}]
    assert "ItemCollectionMetrics" not in resp  # no local secondary indexes
    assert "ConsumedCapacity" not in ddb.batch_write_item(RequestItems={rt: [put(rkey(p, 4))]},
                                                          ReturnConsumedCapacity="NONE")

    # Reads: a key counts 1 unit (4 KB), halved when eventually consistent; a miss counts too.
    resp = ddb.batch_get_item(RequestItems={
        rt: {"Keys": [rkey(p, 1), rkey(p, 2), rkey(p, 9)], "ConsistentRead": True},
        ht: {"Keys": [hkey(p)]}}, ReturnConsumedCapacity="TOTAL")
    assert sorted(resp["ConsumedCapacity"], key=lambda c: c["TableName"]) == sorted(
        [{"TableName": rt, "CapacityUnits": 3.0}, {"TableName": ht, "CapacityUnits": 0.5}],
        key=lambda c: c["TableName"])


def test_unprocessed_members_are_present_and_empty(module_server, tables):
    rt = tables[0]
    p = uid()
    resp = ds.raw_call(module_server.port, "BatchWriteItem", {"RequestItems": {rt: [put(rkey(p, 1))]}})
    assert resp.status == 200 and resp.json() == {"UnprocessedItems": {}}, resp
    resp = ds.raw_call(module_server.port, "BatchGetItem",
                       {"RequestItems": {rt: {"Keys": [rkey(p, 1)], "ConsistentRead": True}}})
    assert resp.status == 200 and resp.json() == {"Responses": {rt: [rkey(p, 1)]}, "UnprocessedKeys": {}}, resp


# ---------------------------------------------------------------- limits

def test_25_write_requests(ddb, raw, module_server, tables):
    rt, ht, _ = tables
    p = uid()
    ddb.batch_write_item(RequestItems={rt: [put(rkey(p, i)) for i in range(15)],
                                       ht: [put(hkey(p + str(i))) for i in range(10)]})
    assert len([i for i in ds.scan_all(ddb, rt) if i["pk"]["S"] == p]) == 15

    q = uid()
    requests = [put(rkey(q, i)) if i % 2 else delete(rkey(q, i)) for i in range(26)]
    echo = "{%s=[%s]}" % (rt, ", ".join(compact(r) for r in requests))
    raw_error(module_server.port, "BatchWriteItem", {"RequestItems": {rt: requests}}, "ValidationException",
              "1 validation error detected: Value '%s' at 'requestItems' failed to satisfy constraint: "
              "Map value must satisfy constraint: [Member must have length less than or equal to 25, "
              "Member must have length greater than or equal to 1]" % echo)
    ds.assert_error(raw.batch_write_item, "ValidationException",
                    "Too many items requested for the BatchWriteItem call",
                    RequestItems={rt: [put(rkey(q, i)) for i in range(13)],
                                  ht: [put(hkey(q + str(i))) for i in range(13)]})
    assert_absent(ddb, rt, [rkey(q, i) for i in range(26)])
    assert_absent(ddb, ht, [hkey(q + str(i)) for i in range(13)])


def test_100_keys(ddb, raw, tables):
    rt, ht, _ = tables
    p = uid()
    for start in range(0, 50, 25):
        ddb.batch_write_item(RequestItems={rt: [put(rkey(p, i)) for i in range(start, start + 25)]})
    resp = ddb.batch_get_item(RequestItems={rt: {"Keys": [rkey(p, i) for i in range(60)], "ConsistentRead": True},
                                            ht: {"Keys": [hkey(p + str(i)) for i in range(40)]}})
    assert len(resp["Responses"][rt]) == 50 and resp["Responses"][ht] == [] and resp["UnprocessedKeys"] == {}
    ds.assert_error(raw.batch_get_item, "ValidationException",
                    "1 validation error detected: Value at 'RequestItems.%s.member.Keys' failed to satisfy "
                    "constraint: Member must have length less than or equal to 100" % rt,
                    RequestItems={rt: {"Keys": [rkey(p, i) for i in range(101)]}})
    ds.assert_error(raw.batch_get_item, "ValidationException", "Too many items requested for the BatchGetItem call",
                    RequestItems={rt: {"Keys": [rkey(p, i) for i in range(60)]},
                                  ht: {"Keys": [hkey(p + str(i)) for i in range(41)]}})
    # The count is checked before the tables are looked up.
    ds.assert_error(raw.batch_get_item, "ValidationException", "Too many items requested for the BatchGetItem call",
                    RequestItems={"missing_" + uid(): {"Keys": [hkey(str(i)) for i in range(100)]},
                                  "missing_" + uid(): {"Keys": [hkey("x")]}})


def test_response_over_16_mb_hands_keys_back(ddb, tables):
    ht = tables[1]
    p = uid()
    fill = "z" * (399 * 1024)
    count = 45  # about 18 MB of items
    for start in range(0, count, 15):
        resp = ddb.batch_write_item(RequestItems={ht: [put({"pk": {"S": "%s-%02d" % (p, i)}, "d": {"S": fill}})
                                                       for i in range(start, min(count, start + 15))]})
        assert resp["UnprocessedItems"] == {}
    keys = [{"pk": {"S": "%s-%02d" % (p, i)}} for i in range(count)]
    resp = ddb.batch_get_item(RequestItems={ht: {"Keys": keys, "ConsistentRead": True}})
    first = resp["Responses"][ht]
    assert 30 < len(first) < count
    assert sum(len(i["d"]["S"]) for i in first) <= 16 * 1024 * 1024
    back = resp["UnprocessedKeys"]
    assert set(back) == {ht} and back[ht]["ConsistentRead"] is True
    assert len(back[ht]["Keys"]) == count - len(first)
    resp = ddb.batch_get_item(RequestItems=back)
    assert resp["UnprocessedKeys"] == {}
    got = sorted(i["pk"]["S"] for i in first + resp["Responses"][ht])
    assert got == sorted(k["pk"]["S"] for k in keys)
    for start in range(0, count, 25):
        ddb.batch_write_item(RequestItems={ht: [delete(k) for k in keys[start:start + 25]]})


# ---------------------------------------------------------------- duplicates

DUPLICATES = "Provided list of item keys contains duplicates"


def test_duplicate_keys_are_rejected(ddb, raw, tables):
    rt, ht, _ = tables
    p = uid()
    for requests in ([put(rkey(p, 1)), put(dict(rkey(p, 1), v={"S": "x"}))],
                     [put(rkey(p, 1)), delete(rkey(p, 1))],
                     [delete(rkey(p, 1)), put(rkey(p, 1))],
                     [delete(rkey(p, 1)), delete(rkey(p, 1))],
                     [put(rkey(p, 2)), put(rkey(p, 1)), put({"pk": {"S": p}, "sk": {"N": "1.000"}})]):
        ds.assert_error(raw.batch_write_item, "ValidationException", DUPLICATES,
                        RequestItems={rt: requests, ht: [put(hkey(p))]})
    assert_absent(ddb, rt, [rkey(p, 1), rkey(p, 2)])
    assert_absent(ddb, ht, [hkey(p)])
    # Same partition key, other sort key: not a duplicate.
    ddb.batch_write_item(RequestItems={rt: [put(rkey(p, 1)), put(rkey(p, 2)), put(rkey(p + "x", 1))]})

    ds.assert_error(raw.batch_get_item, "ValidationException", DUPLICATES,
                    RequestItems={ht: {"Keys": [hkey(p), hkey("other"), hkey(p)]}})
    ds.assert_error(raw.batch_get_item, "ValidationException", DUPLICATES,
                    RequestItems={rt: {"Keys": [rkey(p, 1), {"pk": {"S": p}, "sk": {"N": "10E-1"}}]}})
    resp = ddb.batch_get_item(RequestItems={rt: {"Keys": [rkey(p, 1), rkey(p, 2)], "ConsistentRead": True},
                                            ht: {"Keys": [hkey(p)]}})
    assert len(resp["Responses"][rt]) == 2


# ---------------------------------------------------------------- validation errors

MISMATCH = "The provided key element does not match the schema"
EMPTY_KEY = ("One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain "
             "an empty %s value. Key: pk")


@pytest.mark.parametrize("bad,message", [
    (put({"pk": {"N": "1"}, "sk": {"N": "1"}}), MISMATCH),
    (put({"pk": {"L": [{"S": "x"}]}, "sk": {"N": "1"}}), MISMATCH),
    (put({"pk": {"S": "p"}, "v": {"S": "no sort key"}}), MISMATCH),
    (put({"other": {"S": "x"}}), MISMATCH),
    (put({"pk": {"S": ""}, "sk": {"N": "1"}}), EMPTY_KEY % "string"),
    (put({"pk": {"S": "p"}, "sk": {"N": "1"}, "d": {"S": "x" * (400 * 1024)}}),
     "Item size has exceeded the maximum allowed size"),
    (put({"pk": {"S": "p"}, "sk": {"N": "1"}, "e": {"SS": []}}),
     "One or more parameter values were invalid: An string set  may not be empty"),
    (put({"pk": {"S": "p"}, "sk": {"N": "1"}, "": {"S": "x"}}),
     "One or more parameter values were invalid: Empty attribute name"),
    (delete({"pk": {"S": "p"}}), MISMATCH),
    (delete({"pk": {"S": "p"}, "sk": {"N": "1"}, "v": {"S": "x"}}), MISMATCH),
    (delete({"pk": {"S": "p"}, "sk": {"S": "1"}}), MISMATCH),
    (delete({"pk": {"S": ""}, "sk": {"N": "1"}}), EMPTY_KEY % "string"),
], ids=["put-pk-N", "put-pk-L", "put-no-sk", "put-no-key", "put-empty-pk", "put-too-big", "put-empty-set",
        "put-empty-name", "delete-no-sk", "delete-extra", "delete-sk-S", "delete-empty-pk"])
def test_invalid_write_request_writes_nothing(ddb, raw, tables, bad, message):
    rt, ht, _ = tables
    p = uid()
    ds.assert_error(raw.batch_write_item, "ValidationException", message,
                    RequestItems={ht: [put(hkey(p))], rt: [put(rkey(p, 1)), bad, put(rkey(p, 2))]})
    assert_absent(ddb, rt, [rkey(p, 1), rkey(p, 2)])
    assert_absent(ddb, ht, [hkey(p)])


def test_empty_binary_key(raw, tables):
    bt = tables[2]
    message = EMPTY_KEY % "binary"
    ds.assert_error(raw.batch_write_item, "ValidationException", message, RequestItems={bt: [put({"pk": {"B": b""}})]})
    ds.assert_error(raw.batch_write_item, "ValidationException", message, RequestItems={bt: [delete({"pk": {"B": b""}})]})
    ds.assert_error(raw.batch_get_item, "ValidationException", message, RequestItems={bt: {"Keys": [{"pk": {"B": b""}}]}})


@pytest.mark.parametrize("bad_key", [hkey("p"), dict(rkey("p", 1), v={"S": "x"}), {"pk": {"S": "p"}, "sk": {"S": "1"}}, {}],
                         ids=["no-sk", "extra", "sk-S", "empty"])
def test_batch_get_key_mismatch(raw, tables, bad_key):
    rt, ht, _ = tables
    ds.assert_error(raw.batch_get_item, "ValidationException", MISMATCH,
                    RequestItems={ht: {"Keys": [hkey("a")]}, rt: {"Keys": [rkey("p", 2), bad_key]}})


def test_missing_table(ddb, raw, tables):
    rt = tables[0]
    p = uid()
    missing = "missing_" + uid()
    ds.assert_error(raw.batch_write_item, "ResourceNotFoundException", "Requested resource not found",
                    RequestItems={rt: [put(rkey(p, 1))], missing: [put(hkey(p))]})
    assert_absent(ddb, rt, [rkey(p, 1)])
    ds.assert_error(raw.batch_get_item, "ResourceNotFoundException", "Requested resource not found",
                    RequestItems={rt: {"Keys": [rkey(p, 1)]}, missing: {"Keys": [hkey(p)]}})
    # The table is looked up before its keys are checked against a schema.
    ds.assert_error(raw.batch_write_item, "ResourceNotFoundException", "Requested resource not found",
                    RequestItems={missing: [put({"x": {"S": "y"}})]})


def test_empty_and_missing_request_items(module_server, raw, tables):
    rt = tables[0]
    ds.assert_error(raw.batch_write_item, "ValidationException",
                    "The requestItems parameter is required for BatchWriteItem", RequestItems={})
    ds.assert_error(raw.batch_get_item, "ValidationException",
                    "1 validation error detected: Value at 'RequestItems' failed to satisfy constraint: "
                    "Member must have length greater than or equal to 1", RequestItems={})
    null = ("1 validation error detected: Value null at 'requestItems' failed to satisfy constraint: "
            "Member must not be null")
    raw_error(module_server.port, "BatchWriteItem", {}, "ValidationException", null)
    raw_error(module_server.port, "BatchGetItem", {"RequestItems": None}, "ValidationException", null)
    ds.assert_error(raw.batch_write_item, "ValidationException",
                    "1 validation error detected: Value '{%s=[]}' at 'requestItems' failed to satisfy constraint: "
                    "Map value must satisfy constraint: [Member must have length less than or equal to 25, "
                    "Member must have length greater than or equal to 1]" % rt, RequestItems={rt: []})
    ds.assert_error(raw.batch_get_item, "ValidationException",
                    "1 validation error detected: Value at 'RequestItems.%s.member.Keys' failed to satisfy "
                    "constraint: Member must have length greater than or equal to 1" % rt,
                    RequestItems={rt: {"Keys": []}})


def test_write_request_shape(module_server, ddb, raw, tables):
    rt = tables[0]
    p = uid()
    one = ("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the "
           "supported datatypes")
    ds.assert_error(raw.batch_write_item, "ValidationException", one, RequestItems={rt: [put(rkey(p, 1)), {}]})
    ds.assert_error(raw.batch_write_item, "ValidationException", one,
                    RequestItems={rt: [{"PutRequest": {"Item": rkey(p, 1)}, "DeleteRequest": {"Key": rkey(p, 2)}}]})
    ds.assert_error(raw.batch_write_item, "ValidationException",
                    "1 validation error detected: Value null at 'requestItems.%s.member.2.member.putRequest.item' "
                    "failed to satisfy constraint: Member must not be null" % rt,
                    RequestItems={rt: [put(rkey(p, 1)), {"PutRequest": {}}]})
    assert_absent(ddb, rt, [rkey(p, 1), rkey(p, 2)])


def test_enum_and_table_name_constraints(module_server, raw, tables):
    rt = tables[0]
    rcc = ("Value 'BOGUS' at 'returnConsumedCapacity' failed to satisfy constraint: "
           "Member must satisfy enum value set: [INDEXES, TOTAL, NONE]")
    ricm = ("Value 'BOGUS2' at 'returnItemCollectionMetrics' failed to satisfy constraint: "
            "Member must satisfy enum value set: [SIZE, NONE]")
    ds.assert_error(raw.batch_write_item, "ValidationException", "2 validation errors detected: %s; %s" % (rcc, ricm),
                    RequestItems={rt: [put(rkey("p", 1))]}, ReturnConsumedCapacity="BOGUS",
                    ReturnItemCollectionMetrics="BOGUS2")
    # BatchWriteItem reports the enum alone; BatchGetItem reports the table name with it.
    ds.assert_error(raw.batch_write_item, "ValidationException", "1 validation error detected: " + rcc,
                    RequestItems={"bad!name": [put(rkey("p", 1))]}, ReturnConsumedCapacity="BOGUS")
    keys_constraint = ("failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length "
                       "less than or equal to 255, Member must have length greater than or equal to 3, Member must "
                       "satisfy regular expression pattern: [a-zA-Z0-9_.-]+]")
    request_items = {"bad!name": {"Keys": [{"pk": {"S": "a"}}]}}
    ds.assert_error(raw.batch_get_item, "ValidationException",
                    "2 validation errors detected: Value '%s' at 'requestItems' %s; %s"
                    % (compact(request_items), keys_constraint, rcc),
                    RequestItems=request_items, ReturnConsumedCapacity="BOGUS")
    write_items = {"ab": [put(hkey("a"))]}
    ds.assert_error(raw.batch_write_item, "ValidationException",
                    "1 validation error detected: Value '{ab=[%s]}' at 'requestItems' %s"
                    % (compact(put(hkey("a"))), keys_constraint), RequestItems=write_items)


@pytest.mark.parametrize("op,payload,message", [
    ("BatchWriteItem", {"RequestItems": []}, "START_ARRAY cannot be converted to Map"),
    ("BatchWriteItem", {"RequestItems": {"abc": {}}}, "START_OBJECT cannot be converted to List"),
    ("BatchWriteItem", {"RequestItems": {"abc": ["x"]}}, "VALUE_STRING cannot be converted to WriteRequest"),
    ("BatchWriteItem", {"RequestItems": {"abc": [{"PutRequest": []}]}}, "START_ARRAY cannot be converted to PutRequest"),
    ("BatchWriteItem", {"RequestItems": {"abc": [{"DeleteRequest": {"Key": 5}}]}},
     "NUMBER_VALUE cannot be converted to Map"),
    ("BatchWriteItem", {"RequestItems": {"abc": [put({"a": {"S": 5}})]}}, "NUMBER_VALUE cannot be converted to String"),
    ("BatchWriteItem", {"RequestItems": {"abc": [put({"a": {"S": "x"}})]}, "ReturnConsumedCapacity": 1},
     "NUMBER_VALUE cannot be converted to String"),
    ("BatchGetItem", {"RequestItems": "abc"}, "VALUE_STRING cannot be converted to Map"),
    ("BatchGetItem", {"RequestItems": {"abc": []}}, "START_ARRAY cannot be converted to KeysAndAttributes"),
    ("BatchGetItem", {"RequestItems": {"abc": {"Keys": {}}}}, "START_OBJECT cannot be converted to List"),
    ("BatchGetItem", {"RequestItems": {"abc": {"Keys": [hkey("a")], "ConsistentRead": "yes"}}},
     "VALUE_STRING cannot be converted to Boolean"),
    ("BatchGetItem", {"RequestItems": {"abc": {"Keys": [hkey("a")], "AttributesToGet": [1]}}},
     "NUMBER_VALUE cannot be converted to String"),
], ids=["bw-items-list", "bw-list-object", "bw-request-string", "bw-put-list", "bw-key-number", "bw-S-number",
        "bw-rcc-number", "bg-items-string", "bg-table-list", "bg-keys-object", "bg-consistent-string",
        "bg-atg-number"])
def test_wrong_json_types(module_server, op, payload, message):
    raw_error(module_server.port, op, payload, "SerializationException", message)


def test_a_serialization_error_wins_over_an_earlier_invalid_item(module_server, tables):
    rt = tables[0]
    raw_error(module_server.port, "BatchWriteItem",
              {"RequestItems": {rt: [put({"pk": {"N": "abc"}}), put({"pk": {"S": 5}})]}},
              "SerializationException", "NUMBER_VALUE cannot be converted to String")


def test_batch_get_parameters(raw, tables):
    rt = tables[0]
    ds.assert_error(raw.batch_get_item, "ValidationException",
                    "One or more parameter values were invalid: Duplicate value in attribute name: a",
                    RequestItems={rt: {"Keys": [rkey("p", 1)], "AttributesToGet": ["a", "b", "a"]}})
    # ProjectionExpression works as in GetItem, nested paths included.
    raw.put_item(TableName=rt, Item=dict(rkey("p", 1), a={"M": {"x": {"S": "1"}, "y": {"S": "2"}}}, b={"S": "b"}))
    got = raw.batch_get_item(RequestItems={rt: {"Keys": [rkey("p", 1)], "ProjectionExpression": "#a.x",
                                                "ExpressionAttributeNames": {"#a": "a"}}})
    assert got["Responses"][rt] == [{"a": {"M": {"x": {"S": "1"}}}}]
    ds.assert_error(raw.batch_get_item, "ValidationException",
                    "Value provided in ExpressionAttributeNames unused in expressions: keys: {#a}",
                    RequestItems={rt: {"Keys": [rkey("p", 1)], "ProjectionExpression": "a",
                                       "ExpressionAttributeNames": {"#a": "a"}}})
