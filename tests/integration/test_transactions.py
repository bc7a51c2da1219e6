"""TransactWriteItems and TransactGetItems through boto3 and raw HTTP: Put,
Update, Delete and ConditionCheck across two tables, all or nothing;
TransactionCanceledException with CancellationReasons in action order (and
the Item with ReturnValuesOnConditionCheckFailure); DynamoDB's validation
errors, each of which writes nothing; ClientRequestToken idempotency;
TransactionConflictException for a plain write that meets a transaction;
ConsumedCapacity; and the money-transfer test: 8 writers move money between
100 accounts while readers check with TransactGetItems that the total never
changes and no balance is negative."""

import json
import random
import threading
import time
import uuid

import pytest
from botocore.exceptions import ClientError

import ddb_support as ds


def transfer(table, source, target, amount):
    """A money transfer: `amount` (a decimal string) from `source` to `target`,
    refused when the source would go below zero."""
    return [
        {"Update": {"TableName": table, "Key": source, "UpdateExpression": "SET balance = balance - :a",
                    "ConditionExpression": "balance >= :a", "ExpressionAttributeValues": {":a": {"N": amount}}}},
        {"Update": {"TableName": table, "Key": target, "UpdateExpression": "SET balance = balance + :a",
                    "ExpressionAttributeValues": {":a": {"N": amount}}}}]


def uid():
    return uuid.uuid4().hex[:12]


@pytest.fixture(scope="module")
def tables(module_server):
    """(hash table: pk S, range table: pk S + sk N)."""
    client = ds.make_client(module_server.endpoint)
    names = ("txn_h_" + uid(), "txn_r_" + uid())
    ds.create_table(client, names[0], range_key=None)
    ds.create_table(client, names[1])
    return names


@pytest.fixture(scope="module")
def raw_client(module_server):
    """A client that sends what it is given (no client-side validation), once."""
    return ds.make_client(module_server.endpoint, validate=False, max_attempts=1)


def hk(pk):
    return {"pk": {"S": pk}}


def rk(pk, sk):
    return {"pk": {"S": pk}, "sk": {"N": str(sk)}}


def get(client, table, key):
    return client.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")


def cancel_reasons(fn, **kwargs):
    try:
        fn(**kwargs)
    except ClientError as e:
        assert e.response["Error"]["Code"] == "TransactionCanceledException", e.response
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        return e.response["Error"]["Message"], e.response["CancellationReasons"]
    raise AssertionError("expected TransactionCanceledException")


# ---------------------------------------------------------------- happy paths

def test_put_update_delete_check_across_tables(ddb, tables):
    ht, rt = tables
    p = uid()
    ddb.put_item(TableName=ht, Item=dict(hk(p + "del"), v={"S": "gone soon"}))
    ddb.put_item(TableName=rt, Item=dict(rk(p, 1), n={"N": "10"}))
    ddb.put_item(TableName=ht, Item=dict(hk(p + "check"), ok={"BOOL": True}))
    resp = ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": ht, "Item": dict(hk(p + "new"), v={"S": "x"}),
                 "ConditionExpression": "attribute_not_exists(pk)"}},
        {"Update": {"TableName": rt, "Key": rk(p, 1), "UpdateExpression": "SET n = n + :d",
                    "ConditionExpression": "n >= :min",
                    "ExpressionAttributeValues": {":d": {"N": "5"}, ":min": {"N": "10"}}}},
        {"Delete": {"TableName": ht, "Key": hk(p + "del")}},
        {"ConditionCheck": {"TableName": ht, "Key": hk(p + "check"), "ConditionExpression": "#o = :t",
                            "ExpressionAttributeNames": {"#o": "ok"},
                            "ExpressionAttributeValues": {":t": {"BOOL": True}}}},
    ])
    assert {k: v for k, v in resp.items() if k != "ResponseMetadata"} == {}
    assert get(ddb, ht, hk(p + "new")) == dict(hk(p + "new"), v={"S": "x"})
    assert get(ddb, rt, rk(p, 1)) == dict(rk(p, 1), n={"N": "15"})
    assert get(ddb, ht, hk(p + "del")) is None
    assert get(ddb, ht, hk(p + "check")) == dict(hk(p + "check"), ok={"BOOL": True})


def test_cancellation_reasons_in_order_and_nothing_written(ddb, tables):
    ht, rt = tables
    p = uid()
    ddb.put_item(TableName=ht, Item=dict(hk(p + "a"), v={"N": "1"}))
    ddb.put_item(TableName=ht, Item=dict(hk(p + "c"), v={"N": "3"}))
    message, reasons = cancel_reasons(ddb.transact_write_items, TransactItems=[
        {"Put": {"TableName": ht, "Item": dict(hk(p + "new"), v={"N": "9"})}},
        {"Update": {"TableName": ht, "Key": hk(p + "a"), "UpdateExpression": "SET v = :x",
                    "ConditionExpression": "v = :two", "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    "ExpressionAttributeValues": {":x": {"N": "7"}, ":two": {"N": "2"}}}},
        {"Delete": {"TableName": rt, "Key": rk(p, 1)}},
        {"ConditionCheck": {"TableName": ht, "Key": hk(p + "c"), "ConditionExpression": "attribute_not_exists(v)"}},
    ])
    assert message == ("Transaction cancelled, please refer cancellation reasons for specific reasons "
                       "[None, ConditionalCheckFailed, None, ConditionalCheckFailed]")
    assert reasons == [
        {"Code": "None"},
        {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed",
         "Item": dict(hk(p + "a"), v={"N": "1"})},
        {"Code": "None"},
        {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"},
    ]
    assert get(ddb, ht, hk(p + "new")) is None
    assert get(ddb, ht, hk(p + "a")) == dict(hk(p + "a"), v={"N": "1"})
    # Nothing stays locked: plain writes of the same items go through.
    ddb.put_item(TableName=ht, Item=dict(hk(p + "a"), v={"N": "5"}))
    ddb.put_item(TableName=ht, Item=dict(hk(p + "new"), v={"N": "5"}))


def test_key_mismatch_is_a_validation_error_reason(raw_client, tables):
    ht, _ = tables
    p = uid()
    message, reasons = cancel_reasons(raw_client.transact_write_items, TransactItems=[
        {"Put": {"TableName": ht, "Item": {"pk": {"S": p}}}},
        {"Put": {"TableName": ht, "Item": {"pk": {"N": "7"}}}},
        {"Put": {"TableName": ht, "Item": {"pk": {"N": "8"}}}},
    ])
    assert message.endswith("[None, ValidationError, None]")
    assert reasons[0] == {"Code": "None"} and reasons[2] == {"Code": "None"}
    assert reasons[1] == {"Code": "ValidationError", "Message":
                          "One or more parameter values were invalid: Type mismatch for key pk expected: S "
                          "actual: N"}
    assert get(raw_client, ht, hk(p)) is None


def test_update_of_a_key_attribute_is_a_validation_error_reason(raw_client, tables):
    ht, _ = tables
    _, reasons = cancel_reasons(raw_client.transact_write_items, TransactItems=[
        {"Update": {"TableName": ht, "Key": hk(uid()), "UpdateExpression": "SET pk = :v",
                    "ExpressionAttributeValues": {":v": {"S": "x"}}}}])
    assert reasons == [{"Code": "ValidationError", "Message": "One or more parameter values were invalid: "
                        "Cannot update attribute pk. This attribute is part of the key"}]


def test_consumed_capacity(ddb, tables):
    ht, rt = tables
    p = uid()
    big = "x" * 1500  # two 1 KB units
    resp = ddb.transact_write_items(ReturnConsumedCapacity="TOTAL", TransactItems=[
        {"Put": {"TableName": ht, "Item": dict(hk(p), v={"S": big})}},
        {"Put": {"TableName": rt, "Item": rk(p, 1)}},
        {"ConditionCheck": {"TableName": rt, "Key": rk(p, 2), "ConditionExpression": "attribute_not_exists(pk)"}},
    ])
    # Transactions name the kind of their units, as DynamoDB does for them
    # alone (a plain write gives CapacityUnits only).
    assert sorted(resp["ConsumedCapacity"], key=lambda c: c["TableName"] != ht) == [
        {"TableName": ht, "CapacityUnits": 4.0, "WriteCapacityUnits": 4.0},
        {"TableName": rt, "CapacityUnits": 4.0, "WriteCapacityUnits": 4.0}]
    resp = ddb.transact_get_items(ReturnConsumedCapacity="TOTAL", TransactItems=[
        {"Get": {"TableName": ht, "Key": hk(p)}}, {"Get": {"TableName": rt, "Key": rk(p, 1)}},
        {"Get": {"TableName": rt, "Key": rk(p, 3)}}])
    assert sorted(resp["ConsumedCapacity"], key=lambda c: c["TableName"] != ht) == [
        {"TableName": ht, "CapacityUnits": 2.0, "ReadCapacityUnits": 2.0},
        {"TableName": rt, "CapacityUnits": 4.0, "ReadCapacityUnits": 4.0}]
    resp = ddb.transact_get_items(ReturnConsumedCapacity="INDEXES", TransactItems=[
        {"Get": {"TableName": ht, "Key": hk(p)}}])
    assert resp["ConsumedCapacity"] == [{"TableName": ht, "CapacityUnits": 2.0, "ReadCapacityUnits": 2.0,
                                         "Table": {"CapacityUnits": 2.0, "ReadCapacityUnits": 2.0}}]
    assert "WriteCapacityUnits" not in ddb.put_item(TableName=ht, Item=hk(p),
                                                    ReturnConsumedCapacity="TOTAL")["ConsumedCapacity"]


def test_consumed_capacity_of_index_writes(ddb):
    # The transactional double applies to the table's share alone: each
    # index write costs what it costs outside a transaction.
    name = "txn_gsi_" + uid()
    ds.create_table(ddb, name, range_key=None, global_index=("by_g", ("g", "S")))
    resp = ddb.transact_write_items(ReturnConsumedCapacity="INDEXES", TransactItems=[
        {"Put": {"TableName": name, "Item": {"pk": {"S": "a"}, "g": {"S": "x"}}}},
        {"Put": {"TableName": name, "Item": {"pk": {"S": "b"}}}}])  # not in the index
    assert resp["ConsumedCapacity"] == [{
        "TableName": name, "CapacityUnits": 5.0, "WriteCapacityUnits": 5.0,
        "Table": {"CapacityUnits": 4.0, "WriteCapacityUnits": 4.0},
        "GlobalSecondaryIndexes": {"by_g": {"CapacityUnits": 1.0, "WriteCapacityUnits": 1.0}}}]
    # The index key changes: the old entry is deleted and a new one put.
    resp = ddb.transact_write_items(ReturnConsumedCapacity="TOTAL", TransactItems=[
        {"Update": {"TableName": name, "Key": {"pk": {"S": "a"}}, "UpdateExpression": "SET g = :g",
                    "ExpressionAttributeValues": {":g": {"S": "y"}}}}])
    assert resp["ConsumedCapacity"] == [{"TableName": name, "CapacityUnits": 4.0, "WriteCapacityUnits": 4.0}]
    ddb.delete_table(TableName=name)


def test_transact_get_items(ddb, tables):
    ht, rt = tables
    p = uid()
    ddb.put_item(TableName=ht, Item=dict(hk(p), a={"S": "1"}, b={"M": {"c": {"N": "2"}, "d": {"N": "3"}}}))
    ddb.put_item(TableName=rt, Item=dict(rk(p, 5), z={"BOOL": False}))
    resp = ddb.transact_get_items(TransactItems=[
        {"Get": {"TableName": ht, "Key": hk(p), "ProjectionExpression": "#b.c, a",
                 "ExpressionAttributeNames": {"#b": "b"}}},
        {"Get": {"TableName": rt, "Key": rk(p, 6)}},
        {"Get": {"TableName": rt, "Key": rk(p, 5)}},
    ])
    assert resp["Responses"] == [
        {"Item": {"a": {"S": "1"}, "b": {"M": {"c": {"N": "2"}}}}},
        {},
        {"Item": dict(rk(p, 5), z={"BOOL": False})},
    ]
    assert "ConsumedCapacity" not in resp


# ---------------------------------------------------------------- validation

def write_error(client, code, message, **kwargs):
    return ds.assert_error(client.transact_write_items, code, message, **kwargs)


def test_write_validation(raw_client, tables):
    ht, rt = tables
    p = uid()
    put = {"Put": {"TableName": ht, "Item": hk(p)}}
    v = "ValidationException"
    write_error(raw_client, v, "1 validation error detected: Value '[]' at 'transactItems' failed to satisfy "
                "constraint: Member must have length greater than or equal to 1", TransactItems=[])
    msg = write_error(raw_client, v, None, TransactItems=[{"Put": {"TableName": ht, "Item": hk(p + str(i))}}
                                                          for i in range(101)])
    assert msg.startswith("1 validation error detected: Value ") and msg.endswith(
        "at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to 100")
    write_error(raw_client, v, "Transaction request cannot include multiple operations on one item",
                TransactItems=[put, {"ConditionCheck": {"TableName": ht, "Key": hk(p),
                                                         "ConditionExpression": "attribute_exists(pk)"}}])
    write_error(raw_client, v, "TransactItems can only contain one of Check, Put, Update or Delete",
                TransactItems=[{"Put": put["Put"], "Delete": {"TableName": ht, "Key": hk(p)}}])
    write_error(raw_client, v, "TransactItems can only contain one of Check, Put, Update or Delete",
                TransactItems=[{}])
    write_error(raw_client, v, "1 validation error detected: Value null at "
                "'transactItems.1.member.conditionCheck.conditionExpression' failed to satisfy constraint: "
                "Member must not be null", TransactItems=[{"ConditionCheck": {"TableName": ht, "Key": hk(p)}}])
    write_error(raw_client, v, "2 validation errors detected: Value null at 'transactItems.2.member.update.key' "
                "failed to satisfy constraint: Member must not be null; Value 'dog' at "
                "'transactItems.2.member.update.returnValuesOnConditionCheckFailure' failed to satisfy constraint: "
                "Member must satisfy enum value set: [ALL_OLD, NONE]",
                TransactItems=[put, {"Update": {"TableName": ht, "UpdateExpression": "SET a = :a",
                                                "ReturnValuesOnConditionCheckFailure": "dog",
                                                "ExpressionAttributeValues": {":a": {"S": "x"}}}}])
    token = "t" * 37
    write_error(raw_client, v, "1 validation error detected: Value '%s' at 'clientRequestToken' failed to "
                "satisfy constraint: Member must have length less than or equal to 36" % token,
                TransactItems=[put], ClientRequestToken=token)
    write_error(raw_client, v, "Value provided in ExpressionAttributeNames unused in expressions: keys: {#x}",
                TransactItems=[{"Put": dict(put["Put"], ConditionExpression="attribute_exists(pk)",
                                            ExpressionAttributeNames={"#x": "x"})}])
    write_error(raw_client, "ResourceNotFoundException", "Requested resource not found",
                TransactItems=[put, {"Put": {"TableName": "no_such_" + uid(), "Item": hk(p)}}])
    big = "x" * 300000
    write_error(raw_client, v, "Transaction request size cannot exceed 4 MB",
                TransactItems=[{"Put": {"TableName": rt, "Item": dict(rk(p, i), v={"S": big})}}
                               for i in range(15)])
    # Updates count their values: the same payload as Updates.
    write_error(raw_client, v, "Transaction request size cannot exceed 4 MB",
                TransactItems=[{"Update": {"TableName": rt, "Key": rk(p, i), "UpdateExpression": "SET v = :v",
                                           "ExpressionAttributeValues": {":v": {"S": big}}}}
                               for i in range(15)])
    # None of them wrote anything.
    assert get(raw_client, ht, hk(p)) is None
    assert raw_client.scan(TableName=rt, ConsistentRead=True, FilterExpression="pk = :p",
                           ExpressionAttributeValues={":p": {"S": p}})["Count"] == 0


def test_the_4_mb_limit_is_on_the_request_not_on_the_items_it_names(raw_client, tables):
    # As DynamoDB: Deletes of 4.5 MB of items in one small request are
    # allowed (ScyllaDB's test_transact_write_items_delete_5MB, which passes
    # on DynamoDB, shows the same).
    _, rt = tables
    p = uid()
    big = "x" * 300000
    for i in range(15):
        raw_client.put_item(TableName=rt, Item=dict(rk(p, i), v={"S": big}))
    raw_client.transact_write_items(TransactItems=[{"Delete": {"TableName": rt, "Key": rk(p, i)}}
                                                   for i in range(15)])
    assert raw_client.scan(TableName=rt, ConsistentRead=True, FilterExpression="pk = :p",
                           ExpressionAttributeValues={":p": {"S": p}})["Count"] == 0


def test_get_validation(raw_client, tables):
    ht, _ = tables
    p = uid()
    v = "ValidationException"

    def err(message, **kwargs):
        return ds.assert_error(raw_client.transact_get_items, v, message, **kwargs)

    err("1 validation error detected: Value '[]' at 'transactItems' failed to satisfy constraint: Member must "
        "have length greater than or equal to 1", TransactItems=[])
    err("1 validation error detected: Value null at 'transactItems.1.member.get' failed to satisfy constraint: "
        "Member must not be null", TransactItems=[{}])
    err("Transaction request cannot include multiple operations on one item",
        TransactItems=[{"Get": {"TableName": ht, "Key": hk(p)}}, {"Get": {"TableName": ht, "Key": hk(p)}}])
    msg = err(None, TransactItems=[{"Get": {"TableName": ht, "Key": hk(p + str(i))}} for i in range(101)])
    assert msg.endswith("Member must have length less than or equal to 100")
    _, reasons = cancel_reasons(raw_client.transact_get_items,
                                TransactItems=[{"Get": {"TableName": ht, "Key": {"pk": {"N": "1"}}}}])
    assert reasons[0]["Code"] == "ValidationError"


# ---------------------------------------------------------------- idempotency

def test_client_request_token_idempotency(ddb, tables):
    ht, _ = tables
    p = uid()
    token = uuid.uuid4().hex
    items = [{"Update": {"TableName": ht, "Key": hk(p), "UpdateExpression": "ADD n :one",
                         "ExpressionAttributeValues": {":one": {"N": "1"}}}}]
    first = ddb.transact_write_items(TransactItems=items, ClientRequestToken=token)
    again = ddb.transact_write_items(TransactItems=items, ClientRequestToken=token)
    assert {k: v for k, v in first.items() if k != "ResponseMetadata"} == \
        {k: v for k, v in again.items() if k != "ResponseMetadata"}
    assert get(ddb, ht, hk(p)) == dict(hk(p), n={"N": "1"})  # applied once
    # A repeat reads the items again instead of writing them: transactional
    # read units (of the size the write was charged on), in the kind of
    # capacity the repeat asks for.
    again = ddb.transact_write_items(TransactItems=items, ClientRequestToken=token, ReturnConsumedCapacity="INDEXES")
    assert again["ConsumedCapacity"] == [{"TableName": ht, "CapacityUnits": 2.0, "ReadCapacityUnits": 2.0,
                                          "Table": {"CapacityUnits": 2.0, "ReadCapacityUnits": 2.0}}]
    big = [{"Put": {"TableName": ht, "Item": dict(hk(p + "big"), v={"S": "x" * 5000})}}]  # 5 KB
    big_token = uuid.uuid4().hex
    first = ddb.transact_write_items(TransactItems=big, ClientRequestToken=big_token, ReturnConsumedCapacity="TOTAL")
    assert first["ConsumedCapacity"] == [{"TableName": ht, "CapacityUnits": 10.0, "WriteCapacityUnits": 10.0}]
    again = ddb.transact_write_items(TransactItems=big, ClientRequestToken=big_token, ReturnConsumedCapacity="TOTAL")
    assert again["ConsumedCapacity"] == [{"TableName": ht, "CapacityUnits": 4.0, "ReadCapacityUnits": 4.0}]
    assert get(ddb, ht, hk(p)) == dict(hk(p), n={"N": "1"})
    changed = [{"Update": dict(items[0]["Update"], UpdateExpression="ADD n :one, m :one")}]
    ds.assert_error(ddb.transact_write_items, "IdempotentParameterMismatchException", None,
                    TransactItems=changed, ClientRequestToken=token)
    assert get(ddb, ht, hk(p)) == dict(hk(p), n={"N": "1"})
    # A new token is a new request.
    ddb.transact_write_items(TransactItems=items, ClientRequestToken=uuid.uuid4().hex)
    assert get(ddb, ht, hk(p)) == dict(hk(p), n={"N": "2"})


# ---------------------------------------------------------------- conflicts

def test_plain_writes_and_transactions_conflict(module_server, tables):
    """Writers hammer two items with transactions while another thread puts
    one of them: within a bounded time both kinds of conflict show up, and
    every outcome is either fully applied or not at all."""
    ht, _ = tables
    p = uid()
    a, b = hk(p + "a"), hk(p + "b")
    ddb = ds.make_client(module_server.endpoint, max_attempts=1, pool=8)
    ddb.put_item(TableName=ht, Item=dict(a, n={"N": "0"}))
    ddb.put_item(TableName=ht, Item=dict(b, n={"N": "0"}))
    seen = {"put_conflict": 0, "txn_conflict": 0, "committed": 0}
    lock = threading.Lock()
    deadline = time.monotonic() + 10

    def enough():
        with lock:
            return seen["put_conflict"] > 0 and seen["txn_conflict"] > 0

    def txn_writer():
        for _ in range(2000):
            if time.monotonic() > deadline or enough():
                return
            try:
                ddb.transact_write_items(TransactItems=[
                    {"Update": {"TableName": ht, "Key": k, "UpdateExpression": "ADD n :one",
                                "ExpressionAttributeValues": {":one": {"N": "1"}}}} for k in (a, b)])
                with lock:
                    seen["committed"] += 1
            except ClientError as e:
                assert e.response["Error"]["Code"] == "TransactionCanceledException", e.response
                codes = {r["Code"] for r in e.response["CancellationReasons"]}
                assert codes <= {"None", "TransactionConflict"}, codes
                with lock:
                    seen["txn_conflict"] += 1

    def plain_writer():
        for _ in range(5000):
            if time.monotonic() > deadline or enough():
                return
            try:
                ddb.update_item(TableName=ht, Key=a, UpdateExpression="ADD m :one",
                                ExpressionAttributeValues={":one": {"N": "1"}})
            except ClientError as e:
                assert e.response["Error"]["Code"] == "TransactionConflictException", e.response
                assert e.response["Error"]["Message"] == "Transaction is ongoing for the item"
                with lock:
                    seen["put_conflict"] += 1

    threads = [threading.Thread(target=txn_writer) for _ in range(4)] + [threading.Thread(target=plain_writer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen["put_conflict"] > 0 and seen["txn_conflict"] > 0, seen
    # Every committed transaction added one to both items, nothing else did
    # (the writers stop once both conflicts were seen, which can come before
    # any transaction committed: then neither item has n).
    na, nb = (int((get(ddb, ht, k) or {}).get("n", {"N": "0"})["N"]) for k in (a, b))
    assert na == nb == seen["committed"], (na, nb, seen)


# ---------------------------------------------------------------- money

ACCOUNTS = 100
START = 100


def test_money_transfers_keep_the_total(module_server, tables):
    ht, _ = tables
    prefix = "acct-" + uid() + "-"
    keys = [hk(prefix + "%03d" % i) for i in range(ACCOUNTS)]
    setup = ds.make_client(module_server.endpoint)
    for k in keys:
        setup.put_item(TableName=ht, Item=dict(k, balance={"N": str(START)}))
    total = ACCOUNTS * START
    stats = {"moved": 0, "refused": 0, "conflicts": 0, "reads": 0, "read_conflicts": 0}
    errors = []
    lock = threading.Lock()
    stop_at = time.monotonic() + 4.0

    def writer(seed):
        client = ds.make_client(module_server.endpoint, max_attempts=1)
        rnd = random.Random(seed)
        for _ in range(400):
            if time.monotonic() > stop_at:
                return
            i, j = rnd.sample(range(ACCOUNTS), 2)
            amount = str(rnd.randint(1, 60))
            try:
                client.transact_write_items(TransactItems=transfer(ht, keys[i], keys[j], amount))
                with lock:
                    stats["moved"] += 1
            except ClientError as e:
                code = e.response["Error"]["Code"]
                if code == "ServiceUnavailable":  # a retryable answer under load; nothing written
                    continue
                if code != "TransactionCanceledException":
                    errors.append(e.response)
                    return
                codes = [r["Code"] for r in e.response["CancellationReasons"]]
                with lock:
                    if "TransactionConflict" in codes:
                        stats["conflicts"] += 1
                    elif codes == ["ConditionalCheckFailed", "None"]:
                        stats["refused"] += 1
                    else:
                        errors.append(codes)

    def reader():
        client = ds.make_client(module_server.endpoint, max_attempts=1)
        for _ in range(400):
            if time.monotonic() > stop_at:
                return
            try:
                resp = client.transact_get_items(
                    TransactItems=[{"Get": {"TableName": ht, "Key": k}} for k in keys])
            except ClientError as e:
                if e.response["Error"]["Code"] not in ("TransactionCanceledException", "ServiceUnavailable"):
                    errors.append(e.response)
                    return
                with lock:
                    stats["read_conflicts"] += 1
                continue
            balances = [int(r["Item"]["balance"]["N"]) for r in resp["Responses"]]
            with lock:
                stats["reads"] += 1
                if sum(balances) != total or min(balances) < 0:
                    errors.append(("bad read", sum(balances), min(balances)))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    threads += [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:5]
    assert stats["moved"] > 50, stats
    assert stats["reads"] > 5, stats
    final = [int(get(setup, ht, k)["balance"]["N"]) for k in keys]
    assert sum(final) == total and min(final) >= 0, stats


def admin(port, path, body):
    resp = ds.raw_request(port, "POST", path, body=json.dumps(body).encode(),
                          headers={"Content-Type": "application/json"})
    assert resp.status == 200, resp


def test_transfers_survive_a_leader_power_off(server_factory):
    """Money moves while the AZ whose nodes lead the partitions is powered off and
    on again: calls may fail (500/503) while the groups fail over, but no
    transaction is half applied — every read, and the final state once the
    recovery sweep has finished what the coordinators left, has the total."""
    server = server_factory.start(in_memory=True)
    setup = ds.make_client(server.endpoint)
    ds.create_table(setup, "bank", range_key=None)
    accounts = 20
    keys = [hk("a%02d" % i) for i in range(accounts)]
    for k in keys:
        setup.put_item(TableName="bank", Item=dict(k, balance={"N": str(START)}))
    total = accounts * START
    stats = {"moved": 0, "reads": 0}
    errors = []
    lock = threading.Lock()
    stop_at = time.monotonic() + 4.0

    def writer(seed):
        client = ds.make_client(server.endpoint, max_attempts=1, read_timeout=15)
        rnd = random.Random(seed)
        for _ in range(3000):
            if time.monotonic() > stop_at:
                return
            i, j = rnd.sample(range(accounts), 2)
            amount = str(rnd.randint(1, 40))
            try:
                client.transact_write_items(TransactItems=transfer("bank", keys[i], keys[j], amount))
                with lock:
                    stats["moved"] += 1
            except ClientError as e:
                code = e.response["Error"]["Code"]
                if code not in ("TransactionCanceledException", "InternalServerError", "ServiceUnavailable"):
                    errors.append(e.response)
                    return
                with lock:
                    stats[code] = stats.get(code, 0) + 1

    def reader():
        client = ds.make_client(server.endpoint, max_attempts=1, read_timeout=15)
        for _ in range(3000):
            if time.monotonic() > stop_at:
                return
            try:
                resp = client.transact_get_items(TransactItems=[{"Get": {"TableName": "bank", "Key": k}} for k in keys])
            except ClientError:
                continue
            balances = [int(r["Item"]["balance"]["N"]) for r in resp["Responses"]]
            with lock:
                stats["reads"] += 1
                if sum(balances) != total or min(balances) < 0:
                    errors.append(("bad read", sum(balances), min(balances)))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)] + [threading.Thread(target=reader)]
    for t in threads:
        t.start()
    time.sleep(1.0)  # let transfers run before the fault (pacing, not synchronisation)
    admin(server.port, "/admin/power-off", {"target": "az-a"})
    time.sleep(1.5)
    admin(server.port, "/admin/power-on", {"target": "az-a"})
    for t in threads:
        t.join()
    assert not errors, errors[:5]
    assert stats["moved"] > 10 and stats["reads"] > 0, stats

    # Once the sweep has resolved every lock, plain writes go through and
    # the total is whole.
    def settled():
        try:
            resp = setup.transact_get_items(TransactItems=[{"Get": {"TableName": "bank", "Key": k}} for k in keys])
        except ClientError:
            return None
        return [int(r["Item"]["balance"]["N"]) for r in resp["Responses"]]

    final = ds.poll_until(settled, lambda b: b is not None, timeout=10.0, what="locks resolved")
    assert sum(final) == total and min(final) >= 0, (final, stats)
