"""ddb-local's admin API: the cluster snapshot, power faults, and reset
(every table, one namespace, or one table's items)."""


import ddb_support as ds
from ddb_support import admin


def test_cluster_snapshot_and_power(module_server):
    port = module_server.port
    client = ds.make_client(module_server.endpoint)
    ds.create_table(client, "snap_t")
    status, snap = admin(port, "GET", "/admin/cluster")
    assert status == 200
    assert len(snap["nodes"]) == 6
    assert sorted({n["az"] for n in snap["nodes"]}) == ["az-a", "az-b", "az-c"]
    table = [t for t in snap["tables"] if t["name"].endswith("/snap_t")][0]
    assert table["partitions"] and all(len(p["members"]) == 3 for p in table["partitions"])
    assert len(snap["memds"]) == 3 and len(snap["routers"]) == 2

    assert admin(port, "POST", "/admin/power-off", {"target": "az-c"}) == (200, {})
    client.put_item(TableName="snap_t", Item={"pk": {"S": "a"}, "sk": {"N": "1"}})
    _, snap = admin(port, "GET", "/admin/cluster")
    down = sorted(n["name"] for n in snap["nodes"] if not n["up"])
    assert down == ["az-c-node-1", "az-c-node-2"]
    assert admin(port, "POST", "/admin/power-on", {"target": "az-c"}) == (200, {})
    status, body = admin(port, "POST", "/admin/power-off", {"target": "az-q"})
    assert status == 404 and "az-q" in body["error"]
    status, body = admin(port, "POST", "/admin/power-off", {})
    assert status == 400
    client.delete_table(TableName="snap_t")


def test_reset_table_namespace_and_everything(server_factory):
    server = server_factory.start(in_memory=True)
    port = server.port
    a = ds.make_client(server.endpoint, access_key="ka")
    b = ds.make_client(server.endpoint, access_key="kb")
    for client in (a, b):
        ds.create_table(client, "tab1")
        ds.create_table(client, "tab2")
        for i in range(30):
            client.put_item(TableName="tab1", Item={"pk": {"S": "p%d" % (i % 4)}, "sk": {"N": str(i)}})

    # One table's items, the table stays (and takes writes again).
    assert admin(port, "POST", "/admin/reset", {"namespace": "ka_us-east-1", "table": "tab1"}) == (200, {"truncated": 1})
    assert ds.scan_all(a, "tab1") == []
    assert len(ds.scan_all(b, "tab1")) == 30
    a.put_item(TableName="tab1", Item={"pk": {"S": "new"}, "sk": {"N": "1"}})
    assert len(ds.scan_all(a, "tab1")) == 1
    status, _ = admin(port, "POST", "/admin/reset", {"namespace": "ka_us-east-1", "table": "nope"})
    assert status == 404

    # One namespace.
    assert admin(port, "POST", "/admin/reset", {"namespace": "ka_us-east-1"}) == (200, {"deleted": 2})
    assert a.list_tables()["TableNames"] == []
    assert b.list_tables()["TableNames"] == ["tab1", "tab2"]

    # Everything.
    assert admin(port, "POST", "/admin/reset", {}) == (200, {"deleted": 2})
    assert b.list_tables()["TableNames"] == []
