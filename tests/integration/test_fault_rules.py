"""Deterministic fault rules (/admin/faults): boto3's own retry logic meets
DynamoDB's error shapes, and BatchWriteItem's UnprocessedItems.

boto3 is used with its default retry mode here (legacy: 10 attempts for
DynamoDB, exponential backoff from 50 ms), unless a test says otherwise.
"""


import boto3
import botocore.config
import pytest
from botocore.exceptions import ClientError

import ddb_support as ds
from ddb_support import admin

NS = ds.DUMMY_ACCESS_KEY + "_" + ds.REGION

PTEE_MESSAGE = ("The level of configured provisioned throughput for the table was exceeded. "
                "Consider increasing your provisioning level with the UpdateTable API.")


def add_rule(port, **rule):
    status, body = admin(port, "POST", "/admin/faults", rule)
    assert status == 200, body
    return body["id"]


def rules(port):
    status, body = admin(port, "GET", "/admin/faults")
    assert status == 200
    return body["rules"]


def default_client(endpoint, **config):
    """A client with boto3's defaults (no retry configuration of ours)."""
    return boto3.session.Session().client(
        "dynamodb", endpoint_url=endpoint, region_name=ds.REGION,
        aws_access_key_id=ds.DUMMY_ACCESS_KEY, aws_secret_access_key=ds.DUMMY_SECRET_KEY,
        config=botocore.config.Config(**config) if config else None)


@pytest.fixture
def table(module_server, request):
    """A fresh hash-only table for one test; every rule is removed afterwards."""
    name = "fault_" + request.node.name[5:40].replace("[", "_").replace("]", "")
    client = ds.make_client(module_server.endpoint)
    client.create_table(TableName=name, AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST")
    ds.wait_active(client, name)
    yield name
    admin(module_server.port, "DELETE", "/admin/faults")
    client.delete_table(TableName=name)


def test_batch_writer_finishes_despite_unprocessed_items_twice(module_server, table):
    port = module_server.port
    add_rule(port, fault="UnprocessedItems", table=table, count=2)
    resource = boto3.session.Session().resource(
        "dynamodb", endpoint_url=module_server.endpoint, region_name=ds.REGION,
        aws_access_key_id=ds.DUMMY_ACCESS_KEY, aws_secret_access_key=ds.DUMMY_SECRET_KEY)
    calls = []
    resource.meta.client.meta.events.register(
        "after-call.dynamodb.BatchWriteItem",
        lambda parsed, **_: calls.append(len(parsed.get("UnprocessedItems", {}).get(table, []))))
    with resource.Table(table).batch_writer() as batch:
        for i in range(60):
            batch.put_item(Item={"pk": "item-%02d" % i, "n": i})
    # Two answers held items back (half of 25, rounded up), then the writer
    # sent them again until every item was written.
    assert calls[:2] == [13, 13] and all(c == 0 for c in calls[2:]), calls
    assert rules(port) == []
    items = ds.scan_all(ds.make_client(module_server.endpoint), table)
    assert sorted(it["pk"]["S"] for it in items) == ["item-%02d" % i for i in range(60)]


def test_unprocessed_items_are_the_last_ones_and_not_written(module_server, table):
    port = module_server.port
    add_rule(port, fault="UnprocessedItems", table=table, count=1, items=2)
    client = ds.make_client(module_server.endpoint)
    puts = [{"PutRequest": {"Item": {"pk": {"S": "k%d" % i}}}} for i in range(5)]
    resp = client.batch_write_item(RequestItems={table: puts})
    assert resp["UnprocessedItems"] == {table: puts[3:]}
    assert sorted(it["pk"]["S"] for it in ds.scan_all(client, table)) == ["k0", "k1", "k2"]
    # Every item held back: DynamoDB answers the whole call with a throttle.
    add_rule(port, fault="UnprocessedItems", table=table, count=1)
    resp = ds.raw_call(port, "BatchWriteItem",
                       {"RequestItems": {table: [{"PutRequest": {"Item": {"pk": {"S": "solo"}}}}]}})
    assert resp.status == 400
    assert resp.json() == {"__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                           "message": PTEE_MESSAGE}
    assert client.get_item(TableName=table, Key={"pk": {"S": "solo"}}, ConsistentRead=True).get("Item") is None


def test_unprocessed_keys_are_the_last_ones(module_server, table):
    port = module_server.port
    client = ds.make_client(module_server.endpoint)
    for i in range(5):
        client.put_item(TableName=table, Item={"pk": {"S": "k%d" % i}})
    add_rule(port, fault="UnprocessedKeys", table=table, count=2, items=2)
    keys = [{"pk": {"S": "k%d" % i}} for i in range(5)]
    resp = client.batch_get_item(RequestItems={table: {"Keys": keys, "ConsistentRead": True}})
    assert sorted(it["pk"]["S"] for it in resp["Responses"][table]) == ["k0", "k1", "k2"]
    assert resp["UnprocessedKeys"] == {table: {"Keys": keys[3:], "ConsistentRead": True}}
    # The application's loop sends the unprocessed keys again: the second call
    # holds both back (nothing read: DynamoDB's throttle), the third reads them.
    again = ds.raw_call(port, "BatchGetItem", {"RequestItems": resp["UnprocessedKeys"]})
    assert again.status == 400
    assert again.json()["__type"] == "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException"
    resp = client.batch_get_item(RequestItems=resp["UnprocessedKeys"])
    assert sorted(it["pk"]["S"] for it in resp["Responses"][table]) == ["k3", "k4"]
    assert resp["UnprocessedKeys"] == {}


def test_default_retries_absorb_throttles(module_server, table):
    port = module_server.port
    client = default_client(module_server.endpoint)
    add_rule(port, fault="ProvisionedThroughputExceededException", table=table, operations="write", count=3)
    resp = client.put_item(TableName=table, Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    assert resp["ResponseMetadata"]["RetryAttempts"] == 3
    add_rule(port, fault="ThrottlingException", table=table, operations="read", count=2)
    resp = client.get_item(TableName=table, Key={"pk": {"S": "a"}})
    assert resp["ResponseMetadata"]["RetryAttempts"] == 2
    assert resp["Item"]["v"] == {"N": "1"}
    add_rule(port, fault="InternalServerError", table=table, operations="UpdateItem", count=2)
    resp = client.update_item(TableName=table, Key={"pk": {"S": "a"}}, UpdateExpression="ADD v :one",
                              ExpressionAttributeValues={":one": {"N": "1"}}, ReturnValues="UPDATED_NEW")
    # The two failed attempts changed nothing: the update ran once.
    assert resp["ResponseMetadata"]["RetryAttempts"] == 2
    assert resp["Attributes"]["v"] == {"N": "2"}
    assert rules(port) == []


def test_throttles_beyond_the_retry_budget_surface(module_server, table):
    port = module_server.port
    rule = add_rule(port, fault="ProvisionedThroughputExceededException", table=table, count=5)
    # Legacy mode with 2 retries: 3 attempts, then the error reaches the caller.
    client = default_client(module_server.endpoint, retries={"max_attempts": 2, "mode": "legacy"})
    with pytest.raises(ClientError) as e:
        client.put_item(TableName=table, Item={"pk": {"S": "b"}})
    err = e.value.response
    assert err["Error"]["Code"] == "ProvisionedThroughputExceededException"
    assert err["Error"]["Message"] == PTEE_MESSAGE
    assert err["ResponseMetadata"]["RetryAttempts"] == 2
    assert [(r["id"], r["remaining"], r["fired"]) for r in rules(port)] == [(rule, 2, 3)]
    assert client.get_item(TableName=table, Key={"pk": {"S": "b"}}, ConsistentRead=True).get("Item") is None


@pytest.mark.parametrize("fault,full_type,status,message", [
    ("ProvisionedThroughputExceededException",
     "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException", 400, PTEE_MESSAGE),
    ("ThrottlingException", "com.amazon.coral.availability#ThrottlingException", 400,
     "Rate of requests exceeds the allowed throughput."),
    ("RequestLimitExceeded", "com.amazonaws.dynamodb.v20120810#RequestLimitExceeded", 400,
     "Throughput exceeds the current throughput limit for your account. Please contact AWS Support at "
     "https://aws.amazon.com/support request a limit increase"),
    ("InternalServerError", "com.amazonaws.dynamodb.v20120810#InternalServerError", 500, "Internal server error"),
    ("TransactionConflictException", "com.amazonaws.dynamodb.v20120810#TransactionConflictException", 400,
     "Transaction is ongoing for the item"),
])
def test_error_shapes(module_server, table, fault, full_type, status, message):
    port = module_server.port
    add_rule(port, fault=fault, table=table, count=1)
    payload = {"TableName": table, "Item": {"pk": {"S": "x"}}}
    resp = ds.raw_call(port, "PutItem", payload)
    assert resp.status == status
    assert resp.json() == {"__type": full_type, "message": message}
    assert ds.crc32_ok(resp)
    assert ds.raw_call(port, "PutItem", payload).status == 200


def test_key_filter_and_namespace(module_server, table):
    port = module_server.port
    add_rule(port, fault="TransactionConflictException", table=table, key={"pk": {"S": "hot"}}, count=2,
             namespace=NS)
    client = default_client(module_server.endpoint, retries={"max_attempts": 0, "mode": "legacy"})
    client.put_item(TableName=table, Item={"pk": {"S": "cold"}})
    ds.assert_error(client.put_item, "TransactionConflictException", "Transaction is ongoing for the item",
                    TableName=table, Item={"pk": {"S": "hot"}})
    ds.assert_error(client.delete_item, "TransactionConflictException", TableName=table, Key={"pk": {"S": "hot"}})
    # Spent: the third write of the key goes through.
    client.put_item(TableName=table, Item={"pk": {"S": "hot"}})
    # Another namespace is not affected by a rule that names one.
    add_rule(port, fault="ThrottlingException", table=table, namespace="someone_else", count=1)
    client.put_item(TableName=table, Item={"pk": {"S": "cold"}})
    assert [r["namespace"] for r in rules(port)] == ["someone_else"]


def test_transactions_meet_write_and_read_rules(module_server, table):
    port = module_server.port
    client = default_client(module_server.endpoint, retries={"max_attempts": 0, "mode": "legacy"})
    # A write rule on one key catches a transaction with an action on that key.
    add_rule(port, fault="TransactionConflictException", table=table, key={"pk": {"S": "tx"}}, count=1)
    actions = [{"Put": {"TableName": table, "Item": {"pk": {"S": "other"}}}},
               {"Update": {"TableName": table, "Key": {"pk": {"S": "tx"}}, "UpdateExpression": "SET v = :v",
                           "ExpressionAttributeValues": {":v": {"N": "1"}}}}]
    ds.assert_error(client.transact_write_items, "TransactionConflictException", TransactItems=actions)
    assert "Item" not in client.get_item(TableName=table, Key={"pk": {"S": "other"}}, ConsistentRead=True)
    client.transact_write_items(TransactItems=actions)  # the rule is spent
    add_rule(port, fault="ProvisionedThroughputExceededException", table=table, operations="read", count=1)
    gets = [{"Get": {"TableName": table, "Key": {"pk": {"S": "tx"}}}}]
    ds.assert_error(client.transact_get_items, "ProvisionedThroughputExceededException", TransactItems=gets)
    assert client.transact_get_items(TransactItems=gets)["Responses"][0]["Item"]["v"] == {"N": "1"}


def test_rules_end_after_a_time_and_can_be_removed(module_server, table):
    port = module_server.port
    client = default_client(module_server.endpoint, retries={"max_attempts": 0, "mode": "legacy"})
    timed = add_rule(port, fault="RequestLimitExceeded", table=table, durationMs=300)
    ds.assert_error(client.put_item, "RequestLimitExceeded", TableName=table, Item={"pk": {"S": "t"}})
    listed = rules(port)
    assert listed[0]["id"] == timed and listed[0]["remaining"] is None and 0 < listed[0]["expiresInMs"] <= 300
    ds.poll_until(lambda: rules(port), lambda r: r == [], timeout=5.0, what="the timed rule to expire")
    client.put_item(TableName=table, Item={"pk": {"S": "t"}})

    kept = add_rule(port, fault="ThrottlingException", table=table, count=100)
    status, body = admin(port, "DELETE", "/admin/faults/%d" % kept)
    assert (status, body) == (200, {"removed": 1})
    assert admin(port, "DELETE", "/admin/faults/%d" % kept)[0] == 404
    client.put_item(TableName=table, Item={"pk": {"S": "t"}})
    add_rule(port, fault="ThrottlingException", count=1)
    add_rule(port, fault="ThrottlingException", count=1)
    assert admin(port, "DELETE", "/admin/faults") == (200, {"removed": 2})


def test_invalid_rules_are_refused(module_server):
    port = module_server.port
    for body, fragment in [
        ({"fault": "SlowDown", "count": 1}, '"fault" is one of'),
        ({"fault": "ThrottlingException"}, '"count", "durationMs" or both'),
        ({"fault": "ThrottlingException", "count": -1}, '"count" is from 1'),
        ({"fault": "UnprocessedItems", "count": 1, "items": 101}, '"items" is from 1 to 100'),
        ({"fault": "ThrottlingException", "count": 1, "table": 5}, "are strings"),
    ]:
        status, answer = admin(port, "POST", "/admin/faults", body)
        assert status == 400 and fragment in answer["error"], (body, answer)
    assert admin(port, "POST", "/admin/faults", None)[0] == 400
    assert rules(port) == []
