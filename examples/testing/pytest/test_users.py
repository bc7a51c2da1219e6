"""An application's tests in the style docs/testing.md shows: each one may
change the data freely; the next still finds the seeded state."""

from decimal import Decimal

import pytest
from boto3.dynamodb.conditions import Key


def spend(dynamodb, user_id, amount):
    """The application code under test: spends credits, never below zero."""
    dynamodb.Table("Users").update_item(
        Key={"id": user_id}, UpdateExpression="SET credits = credits - :a",
        ConditionExpression="credits >= :a", ExpressionAttributeValues={":a": amount})


def test_seeded_users(dynamodb):
    users = dynamodb.Table("Users").scan()["Items"]
    assert sorted(u["id"] for u in users) == ["alice", "bob", "carol"]


def test_spend_and_refuse(dynamodb):
    spend(dynamodb, "alice", 4)
    assert dynamodb.Table("Users").get_item(Key={"id": "alice"})["Item"]["credits"] == Decimal(6)
    with pytest.raises(dynamodb.meta.client.exceptions.ConditionalCheckFailedException):
        spend(dynamodb, "bob", 1)


def test_delete_everything(dynamodb):
    table = dynamodb.Table("Orders")
    with table.batch_writer() as batch:
        for order in table.scan()["Items"]:
            batch.delete_item(Key={"userId": order["userId"], "orderId": order["orderId"]})
    assert table.scan()["Count"] == 0


@pytest.mark.parametrize("n", range(100))
def test_each_starts_from_the_seed(dynamodb, n):
    # 100 tests that each change the data; none sees another's change.
    users = dynamodb.Table("Users")
    assert users.get_item(Key={"id": "alice"})["Item"]["credits"] == Decimal(10)
    spend(dynamodb, "alice", 10)
    users.put_item(Item={"id": "temp-%d" % n})
    orders = dynamodb.Table("Orders").query(KeyConditionExpression=Key("userId").eq("alice"))["Items"]
    assert [o["orderId"] for o in orders] == [1, 2]
    assert users.scan(Select="COUNT")["Count"] == 4
