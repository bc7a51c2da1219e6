"""UpdateTable, tags, time to live and DescribeLimits through boto3."""

import time

import pytest

import ddb_support as ds


def test_update_table_billing_and_throughput(module_server):
    c = ds.make_client(module_server.endpoint)
    ds.create_table(c, "upd_t", provisioned=True)
    d = c.describe_table(TableName="upd_t")["Table"]
    rcu, wcu = d["ProvisionedThroughput"]["ReadCapacityUnits"], d["ProvisionedThroughput"]["WriteCapacityUnits"]
    got = c.update_table(TableName="upd_t", ProvisionedThroughput={"ReadCapacityUnits": rcu + 1,
                                                                    "WriteCapacityUnits": wcu})
    assert got["TableDescription"]["ProvisionedThroughput"]["ReadCapacityUnits"] == rcu + 1
    assert c.describe_table(TableName="upd_t")["Table"]["ProvisionedThroughput"]["ReadCapacityUnits"] == rcu + 1
    ds.assert_error(c.update_table, "ValidationException", None, TableName="upd_t",
                    ProvisionedThroughput={"ReadCapacityUnits": rcu + 1, "WriteCapacityUnits": wcu})
    c.update_table(TableName="upd_t", BillingMode="PAY_PER_REQUEST")
    d = c.describe_table(TableName="upd_t")["Table"]
    assert d["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    # Items survive a settings change.
    c.put_item(TableName="upd_t", Item={"pk": {"S": "a"}, "sk": {"N": "1"}})
    assert "Item" in c.get_item(TableName="upd_t", Key={"pk": {"S": "a"}, "sk": {"N": "1"}}, ConsistentRead=True)
    ds.assert_error(c.update_table, "ResourceNotFoundException",
                    "Requested resource not found: Table: nope_t not found", TableName="nope_t",
                    BillingMode="PAY_PER_REQUEST")
    c.delete_table(TableName="upd_t")


def test_tags(module_server):
    c = ds.make_client(module_server.endpoint)
    ds.create_table(c, "tag_t")
    arn = c.describe_table(TableName="tag_t")["Table"]["TableArn"]
    assert c.list_tags_of_resource(ResourceArn=arn)["Tags"] == []
    c.tag_resource(ResourceArn=arn, Tags=[{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "1"}])
    c.tag_resource(ResourceArn=arn, Tags=[{"Key": "a", "Value": "one"}])
    assert c.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "a", "Value": "one"},
                                                                 {"Key": "b", "Value": "2"}]
    c.untag_resource(ResourceArn=arn, TagKeys=["a"])
    assert c.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "b", "Value": "2"}]
    # Both answer with an empty body, as DynamoDB does.
    for op, payload in (("TagResource", {"ResourceArn": arn, "Tags": [{"Key": "c", "Value": "3"}]}),
                        ("UntagResource", {"ResourceArn": arn, "TagKeys": ["c"]})):
        resp = ds.raw_call(module_server.port, op, payload)
        assert resp.status == 200 and resp.body == b"", resp
        assert resp.header("x-amz-crc32") == "0"
    assert c.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "b", "Value": "2"}]
    missing = arn.rsplit("/", 1)[0] + "/nope_t"
    ds.assert_error(c.list_tags_of_resource, "ResourceNotFoundException",
                    "Requested resource not found: ResourcArn: %s not found" % missing, ResourceArn=missing)
    c.delete_table(TableName="tag_t")


def test_tags_of_an_index_arn_are_refused(module_server):
    # An index's ARN names no taggable resource (DynamoDB's message, as
    # Alternator's test_tag_lsi_gsi quotes it from AWS).
    c = ds.make_client(module_server.endpoint)
    ds.create_table(c, "tag_ix", range_key=None, global_index=("by_g", ("g", "S")))
    index_arn = c.describe_table(TableName="tag_ix")["Table"]["GlobalSecondaryIndexes"][0]["IndexArn"]
    assert index_arn.endswith(":table/tag_ix/index/by_g")
    msg = ("One or more parameter values were invalid: Invalid resource arn provided, only table or stream "
           "is accepted. Provided resource arn: " + index_arn)
    ds.assert_error(c.list_tags_of_resource, "ValidationException", msg, ResourceArn=index_arn)
    ds.assert_error(c.tag_resource, "ValidationException", msg, ResourceArn=index_arn,
                    Tags=[{"Key": "a", "Value": "1"}])
    ds.assert_error(c.untag_resource, "ValidationException", msg, ResourceArn=index_arn, TagKeys=["a"])
    table_arn = c.describe_table(TableName="tag_ix")["Table"]["TableArn"]
    assert c.list_tags_of_resource(ResourceArn=table_arn)["Tags"] == []
    c.delete_table(TableName="tag_ix")


def test_tags_of_a_resource_arn_without_the_arn_prefix_are_refused(module_server):
    # DynamoDB checks the prefix first: Alternator's test_tag_resource_incorrect,
    # run against AWS, expects "ARNs must start with 'arn:'"; the whole message
    # is as ExtendDB words it after checking it against DynamoDB. An ARN that
    # has the prefix but names no DynamoDB table gets the TableArn message.
    c = ds.make_client(module_server.endpoint)
    for bad in ("I_do_not_exist", " ", "table/tag_none"):
        msg = "One or more parameter values were invalid: ARNs must start with 'arn:': " + bad
        ds.assert_error(c.list_tags_of_resource, "ValidationException", msg, ResourceArn=bad)
        ds.assert_error(c.tag_resource, "ValidationException", msg, ResourceArn=bad,
                        Tags=[{"Key": "a", "Value": "1"}])
        ds.assert_error(c.untag_resource, "ValidationException", msg, ResourceArn=bad, TagKeys=["a"])
    raw = ds.make_client(module_server.endpoint, validate=False)
    for bad, constraint in (("", "greater than or equal to 1"), ("arn:" + "x" * 1280, "less than or equal to 1283")):
        ds.assert_error(raw.list_tags_of_resource, "ValidationException",
                        "1 validation error detected: Value '%s' at 'resourceArn' failed to satisfy constraint: "
                        "Member must have length %s" % (bad, constraint), ResourceArn=bad)
    longest = "arn:" + "x" * 1279  # 1283 characters: past the length check
    ds.assert_error(raw.list_tags_of_resource, "ValidationException",
                    "Invalid TableArn: Invalid ResourceArn provided as input " + longest, ResourceArn=longest)
    bad = "arn:not/a/good/format"
    ds.assert_error(c.tag_resource, "ValidationException",
                    "Invalid TableArn: Invalid ResourceArn provided as input " + bad, ResourceArn=bad,
                    Tags=[{"Key": "a", "Value": "1"}])


def test_time_to_live(module_server):
    c = ds.make_client(module_server.endpoint)
    ds.create_table(c, "ttl_t")
    assert c.describe_time_to_live(TableName="ttl_t")["TimeToLiveDescription"] == {"TimeToLiveStatus": "DISABLED"}
    got = c.update_time_to_live(TableName="ttl_t", TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    assert got["TimeToLiveSpecification"] == {"Enabled": True, "AttributeName": "exp"}
    assert c.describe_time_to_live(TableName="ttl_t")["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED", "AttributeName": "exp"}
    ds.assert_error(c.update_time_to_live, "ValidationException", "TimeToLive is already enabled",
                    TableName="ttl_t", TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    c.update_time_to_live(TableName="ttl_t", TimeToLiveSpecification={"Enabled": False, "AttributeName": "exp"})
    assert c.describe_time_to_live(TableName="ttl_t")["TimeToLiveDescription"]["TimeToLiveStatus"] == "DISABLED"
    c.delete_table(TableName="ttl_t")


def test_describe_limits(module_server):
    c = ds.make_client(module_server.endpoint)
    got = c.describe_limits()
    assert got["TableMaxReadCapacityUnits"] == 40000 and got["AccountMaxWriteCapacityUnits"] == 80000


def test_time_to_live_deletes_expired_items(server_factory):
    server = server_factory.start(in_memory=True, extra_args=["-ttlSweepMs", "100"])
    c = ds.make_client(server.endpoint)
    ds.create_table(c, "ttl_x")
    now = int(time.time())
    items = {
        "past": {"N": str(now - 60)},
        "future": {"N": str(now + 3600)},
        "text": {"S": str(now - 60)},  # not a Number: never expires
    }
    for name, exp in items.items():
        c.put_item(TableName="ttl_x", Item={"pk": {"S": name}, "sk": {"N": "1"}, "exp": exp})
    c.put_item(TableName="ttl_x", Item={"pk": {"S": "none"}, "sk": {"N": "1"}})
    # Nothing expires before TTL is enabled on the attribute.
    time.sleep(0.3)
    assert len(ds.scan_all(c, "ttl_x")) == 4
    c.update_time_to_live(TableName="ttl_x", TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    left = ds.poll_until(lambda: sorted(i["pk"]["S"] for i in ds.scan_all(c, "ttl_x")),
                         lambda names: "past" not in names, timeout=10.0, what="the expired item to go")
    assert left == ["future", "none", "text"]


def test_describe_endpoints_names_the_address_reached(module_server):
    c = ds.make_client(module_server.endpoint)
    endpoints = c.describe_endpoints()["Endpoints"]
    assert endpoints == [{"Address": "127.0.0.1:%d" % module_server.port, "CachePeriodInMinutes": 1440}]


def test_tags_at_creation_and_their_limits(module_server):
    c = ds.make_client(module_server.endpoint)
    c.create_table(TableName="tag_c", BillingMode="PAY_PER_REQUEST",
                   KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                   AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                   Tags=[{"Key": "team", "Value": "data"}, {"Key": "env", "Value": "ci"}])
    arn = c.describe_table(TableName="tag_c")["Table"]["TableArn"]
    assert c.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "env", "Value": "ci"},
                                                                 {"Key": "team", "Value": "data"}]
    c.tag_resource(ResourceArn=arn, Tags=[{"Key": "א" * 128, "Value": "v" * 256}])
    raw = ds.make_client(module_server.endpoint, validate=False)
    for bad in ([{"Key": "hi!", "Value": "x"}], [{"Key": "x" * 129, "Value": "x"}], [{"Key": "dog"}]):
        ds.assert_error(raw.tag_resource, "ValidationException", None, ResourceArn=arn, Tags=bad)
    ds.assert_error(raw.create_table, "ValidationException", None, TableName="tag_d", BillingMode="PAY_PER_REQUEST",
                    KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                    AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                    Tags=[{"Key": str(i), "Value": "v"} for i in range(51)])
    c.delete_table(TableName="tag_c")


def test_untag_keys_are_1_to_128_characters(module_server):
    # TagKeys members are TagKeyString (1 to 128 characters, as a Unicode
    # character count): checked with the request's shape, before the ARN.
    c = ds.make_client(module_server.endpoint)
    raw = ds.make_client(module_server.endpoint, validate=False)
    ds.create_table(c, "untag_k", range_key=None)
    arn = c.describe_table(TableName="untag_k")["Table"]["TableArn"]
    c.tag_resource(ResourceArn=arn, Tags=[{"Key": "א" * 128, "Value": "v"}, {"Key": "a", "Value": "1"}])
    constraint = ("failed to satisfy constraint: Member must satisfy constraint: [Member must have length less "
                  "than or equal to 128, Member must have length greater than or equal to 1]")
    long_key = "x" * 129
    for target in (arn, arn.rsplit("/", 1)[0] + "/nope_t", "not-an-arn"):
        ds.assert_error(raw.untag_resource, "ValidationException",
                        "1 validation error detected: Value '[a, %s]' at 'tagKeys' %s" % (long_key, constraint),
                        ResourceArn=target, TagKeys=["a", long_key])
    ds.assert_error(raw.untag_resource, "ValidationException",
                    "1 validation error detected: Value '[]' at 'tagKeys' %s" % constraint,
                    ResourceArn=arn, TagKeys=[""])
    # Nothing was removed by the refused calls; a 128-character key is fine.
    assert len(c.list_tags_of_resource(ResourceArn=arn)["Tags"]) == 2
    c.untag_resource(ResourceArn=arn, TagKeys=["א" * 128])
    assert c.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "a", "Value": "1"}]
    c.delete_table(TableName="untag_k")


def test_cors_headers_only_with_an_origin(module_server):
    port = module_server.port
    plain = ds.raw_request(port, "OPTIONS", "/")
    assert not any(h.startswith("access-control-") for h in plain.headers)
    pre = ds.raw_request(port, "OPTIONS", "/", headers={"Origin": "http://example.com",
                                                         "Access-Control-Request-Method": "POST",
                                                         "Access-Control-Request-Headers": "x-amz-target"})
    assert pre.header("access-control-allow-origin") == "*"
    assert pre.header("access-control-allow-methods") == "POST"
    assert pre.header("access-control-allow-headers") == "x-amz-target"
    assert pre.header("access-control-max-age") is not None
    got = ds.raw_request(port, "GET", "/", headers={"Origin": "http://example.com"})
    assert got.header("access-control-allow-origin") == "*" and got.header("access-control-max-age") is None


def test_continuous_backups(module_server):
    c = ds.make_client(module_server.endpoint)
    ds.create_table(c, "pitr_t")
    arn = c.describe_table(TableName="pitr_t")["Table"]["TableArn"]
    got = c.describe_continuous_backups(TableName="pitr_t")["ContinuousBackupsDescription"]
    assert got == {"ContinuousBackupsStatus": "ENABLED",
                   "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "DISABLED"}}
    before = time.time()
    on = c.update_continuous_backups(TableName="pitr_t", PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": True})["ContinuousBackupsDescription"]
    pitr = on["PointInTimeRecoveryDescription"]
    assert on["ContinuousBackupsStatus"] == "ENABLED"
    assert pitr["PointInTimeRecoveryStatus"] == "ENABLED"
    earliest = pitr["EarliestRestorableDateTime"].timestamp()
    assert before - 1 <= earliest <= time.time() + 1
    assert pitr["LatestRestorableDateTime"].timestamp() >= earliest
    # RecoveryPeriodInDays (newer than Debian's botocore, so sent raw): 35 by
    # default, 1 to 35.
    resp = ds.raw_call(module_server.port, "DescribeContinuousBackups", {"TableName": "pitr_t"})
    assert resp.json()["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]["RecoveryPeriodInDays"] == 35
    resp = ds.raw_call(module_server.port, "UpdateContinuousBackups", {"TableName": "pitr_t",
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": 7}})
    assert resp.status == 200, resp
    assert resp.json()["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]["RecoveryPeriodInDays"] == 7
    resp = ds.raw_call(module_server.port, "UpdateContinuousBackups", {"TableName": "pitr_t",
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": 36}})
    assert resp.status == 400 and resp.json()["message"] == (
        "1 validation error detected: Value '36' at 'pointInTimeRecoverySpecification.recoveryPeriodInDays' "
        "failed to satisfy constraint: Member must have value less than or equal to 35"), resp
    # By ARN too; the setting stays until it is turned off.
    again = c.describe_continuous_backups(TableName=arn)["ContinuousBackupsDescription"]
    assert again["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    assert again["PointInTimeRecoveryDescription"]["EarliestRestorableDateTime"].timestamp() == earliest
    off = c.update_continuous_backups(TableName="pitr_t", PointInTimeRecoverySpecification={
        "PointInTimeRecoveryEnabled": False})["ContinuousBackupsDescription"]
    assert off["PointInTimeRecoveryDescription"] == {"PointInTimeRecoveryStatus": "DISABLED"}

    ds.assert_error(c.describe_continuous_backups, "TableNotFoundException", "Table not found: nope_pitr",
                    TableName="nope_pitr")
    ds.assert_error(c.update_continuous_backups, "TableNotFoundException", "Table not found: nope_pitr",
                    TableName="nope_pitr", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    raw = ds.make_client(module_server.endpoint, validate=False)
    ds.assert_error(raw.describe_continuous_backups, "ValidationException",
                    "1 validation error detected: Value null at 'tableName' failed to satisfy constraint: "
                    "Member must not be null")
    ds.assert_error(raw.update_continuous_backups, "ValidationException",
                    "1 validation error detected: Value null at 'pointInTimeRecoverySpecification' failed to "
                    "satisfy constraint: Member must not be null", TableName="pitr_t")
    assert c.describe_continuous_backups(TableName="pitr_t")["ContinuousBackupsDescription"][
        "PointInTimeRecoveryDescription"] == {"PointInTimeRecoveryStatus": "DISABLED"}
    c.delete_table(TableName="pitr_t")


def test_deletion_protection(module_server):
    # Debian's botocore (1.29) predates DeletionProtectionEnabled: raw calls.
    port = module_server.port
    c = ds.make_client(module_server.endpoint)
    schema = {"AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
              "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST"}
    resp = ds.raw_call(port, "CreateTable", dict(schema, TableName="prot_t", DeletionProtectionEnabled=True))
    assert resp.status == 200, resp
    assert resp.json()["TableDescription"]["DeletionProtectionEnabled"] is True
    described = lambda: ds.raw_call(port, "DescribeTable", {"TableName": "prot_t"}).json()["Table"]
    assert described()["DeletionProtectionEnabled"] is True
    protected = ("Resource cannot be deleted as it is currently protected against deletion. "
                 "Disable deletion protection first.")
    ds.assert_error(c.delete_table, "ValidationException", protected, TableName="prot_t")
    assert described()["TableStatus"] == "ACTIVE"
    # An unrelated update keeps it; UpdateTable with it alone turns it off.
    c.update_table(TableName="prot_t", BillingMode="PAY_PER_REQUEST")
    ds.assert_error(c.delete_table, "ValidationException", protected, TableName="prot_t")
    resp = ds.raw_call(port, "UpdateTable", {"TableName": "prot_t", "DeletionProtectionEnabled": False})
    assert resp.status == 200, resp
    assert resp.json()["TableDescription"]["DeletionProtectionEnabled"] is False
    c.delete_table(TableName="prot_t")
    resp = ds.raw_call(port, "CreateTable", dict(schema, TableName="prot_t", DeletionProtectionEnabled="yes"))
    assert resp.status == 400 and ds.error_type(resp) == "SerializationException", resp
    ds.assert_error(c.describe_table, "ResourceNotFoundException",
                    "Requested resource not found: Table: prot_t not found", TableName="prot_t")


def test_table_class_and_create_table_enums(module_server):
    c = ds.make_client(module_server.endpoint)
    ds.create_table(c, "class_t", range_key=None)
    assert "TableClassSummary" not in c.describe_table(TableName="class_t")["Table"]
    c.update_table(TableName="class_t", TableClass="STANDARD_INFREQUENT_ACCESS")
    got = c.describe_table(TableName="class_t")["Table"]
    assert got["TableClassSummary"]["TableClass"] == "STANDARD_INFREQUENT_ACCESS"
    ds.assert_error(c.update_table, "ValidationException",
                    "1 validation error detected: Value 'GLACIER' at 'tableClass' failed to satisfy constraint: "
                    "Member must satisfy enum value set: [STANDARD, STANDARD_INFREQUENT_ACCESS]",
                    TableName="class_t", TableClass="GLACIER")
    c.delete_table(TableName="class_t")
    base = dict(TableName="enum_t", AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST")
    for extra, message in (
            ({"TableClass": "GLACIER"},
             "Value 'GLACIER' at 'tableClass' failed to satisfy constraint: Member must satisfy enum value set: "
             "[STANDARD, STANDARD_INFREQUENT_ACCESS]"),
            ({"SSESpecification": {"Enabled": True, "SSEType": "XYZ"}},
             "Value 'XYZ' at 'sSESpecification.sSEType' failed to satisfy constraint: Member must satisfy enum "
             "value set: [AES256, KMS]"),
            ({"StreamSpecification": {"StreamEnabled": False, "StreamViewType": "BOGUS"}},
             "Value 'BOGUS' at 'streamSpecification.streamViewType' failed to satisfy constraint: Member must "
             "satisfy enum value set: [NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES, KEYS_ONLY]")):
        ds.assert_error(c.create_table, "ValidationException", "1 validation error detected: " + message,
                        **dict(base, **extra))
        ds.assert_error(c.describe_table, "ResourceNotFoundException",
                        "Requested resource not found: Table: enum_t not found", TableName="enum_t")
    got = c.create_table(**dict(base, TableClass="STANDARD", SSESpecification={"Enabled": True, "SSEType": "KMS"},
                                StreamSpecification={"StreamEnabled": False}))
    assert got["TableDescription"]["TableClassSummary"]["TableClass"] == "STANDARD"
    c.delete_table(TableName="enum_t")
