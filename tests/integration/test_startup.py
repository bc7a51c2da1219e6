"""What the start-up work changed, seen from outside: TableId is still a
random version-4 UUID (now from getrandom(2)); a -dbPath restart, after a
clean stop and after kill -9, opens the files without rebuilding their schema
and keeps every table and acknowledged item. (-seed data at the first answer:
test_seed.py.)"""

import re
import signal
import sqlite3

import ddb_support as ds

UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def test_table_ids_are_distinct_v4_uuids(ddb):
    ids = set()
    for i in range(3):
        name = "startup-uuid-%d" % i
        resp = ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
        table_id = resp["TableDescription"]["TableId"]
        assert UUID4.match(table_id), table_id
        assert ddb.describe_table(TableName=name)["Table"]["TableId"] == table_id
        ids.add(table_id)
    assert len(ids) == 3


def schema_versions(db_path):
    """(user_version, schema_version) of each SQLite file of a stopped server."""
    out = {}
    for f in sorted(db_path.glob("*.sqlite")):
        con = sqlite3.connect(str(f))
        try:
            out[f.name] = (con.execute("PRAGMA user_version").fetchone()[0],
                           con.execute("PRAGMA schema_version").fetchone()[0])
        finally:
            con.close()
    return out


def test_restart_keeps_tables_items_and_schema(server_factory, tmp_path):
    db = tmp_path / "db"
    server = server_factory.start(db_path=db)
    c = ds.make_client(server.endpoint)
    ds.create_table(c, "kept")
    for i in range(20):
        c.put_item(TableName="kept", Item={"pk": {"S": "k%d" % i}, "sk": {"N": str(i)}})
    assert server.stop() == 0
    before = schema_versions(db)
    assert len(before) == 7  # meta.sqlite and six node files
    # node_schema::kVersion and meta_schema::kVersion (cluster/schemas.h)
    assert all(user_version == (1 if name == "meta.sqlite" else 2)
               for name, (user_version, _) in before.items()), before

    server.start()
    c = ds.make_client(server.endpoint)
    assert c.list_tables()["TableNames"] == ["kept"]
    assert len(ds.scan_all(c, "kept")) == 20
    c.put_item(TableName="kept", Item={"pk": {"S": "after"}, "sk": {"N": "1"}})
    # kill -9: the acknowledged put is in the WAL, and the next start finds it.
    server.kill()
    assert server.proc.returncode == -signal.SIGKILL
    server.stop_reported = True  # killed on purpose: no SIGTERM check at teardown

    again = server_factory.start(db_path=db)
    c = ds.make_client(again.endpoint)
    items = ds.scan_all(c, "kept")
    assert len(items) == 21
    assert {"pk": {"S": "after"}, "sk": {"N": "1"}} in items
    assert again.stop() == 0
    # Opening a current file ran no DDL: the schema cookies did not move.
    assert schema_versions(db) == before


def test_a_second_server_on_the_same_db_path_exits_1(server_factory, tmp_path):
    """A -dbPath is held by the server using it (a lock on the folder, and
    SQLite's exclusive locking on its files): a second one on the same
    folder stops with exit code 1 and says why, instead of sharing the
    files; the first goes on."""
    db = tmp_path / "db"
    server = server_factory.start(db_path=db)
    c = ds.make_client(server.endpoint)
    ds.create_table(c, "held")
    c.put_item(TableName="held", Item={"pk": {"S": "a"}, "sk": {"N": "1"}})
    rc, out, err = ds.run_binary(["-dbPath", str(db), "-port", "0"])
    assert rc == 1, err
    assert out == ""  # never ready
    assert "cannot open %s: it is in use by another process" % db in err, err
    assert len(ds.scan_all(c, "held")) == 1
    c.put_item(TableName="held", Item={"pk": {"S": "b"}, "sk": {"N": "2"}})
    assert len(ds.scan_all(c, "held")) == 2
