"""-seed PATH: tables (CreateTable requests) and items (DynamoDB JSON lines)
loaded at start; idempotent on restart with -dbPath; errors naming the file
and line with exit code 3; progress for big files; the ready line on stdout;
POST /admin/import with the same loader."""

import gzip
import http.client
import json
import os
import re
import time

import ddb_support as ds

USERS = {"TableName": "Users", "BillingMode": "PAY_PER_REQUEST",
         "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
         "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}]}
ORDERS = {"TableName": "Orders", "BillingMode": "PAY_PER_REQUEST",
          "AttributeDefinitions": [{"AttributeName": "user", "AttributeType": "S"},
                                   {"AttributeName": "n", "AttributeType": "N"}],
          "KeySchema": [{"AttributeName": "user", "KeyType": "HASH"}, {"AttributeName": "n", "KeyType": "RANGE"}]}


def write_lines(path, items):
    with open(path, "w") as f:
        for item in items:
            f.write(json.dumps({"Item": item}) + "\n")


def seed_folder(tmp_path, users=3, pad=0):
    folder = tmp_path / "seed"
    folder.mkdir()
    (folder / "tables.json").write_text(json.dumps([USERS, ORDERS]))
    extra = {"pad": {"S": "x" * pad}} if pad else {}
    write_lines(folder / "Users.jsonl",
                [dict({"id": {"S": "u%d" % i}, "age": {"N": str(20 + i)}}, **extra) for i in range(users)])
    write_lines(folder / "Orders.jsonl", [{"user": {"S": "u1"}, "n": {"N": "1"}, "total": {"N": "9.5"}}])
    (folder / "README.txt").write_text("not a seed file: skipped\n")
    return folder


def ready_line(server):
    with open(server._stdout_path) as f:
        return f.read()


def test_seed_folder_with_the_ready_line(server_factory, tmp_path):
    folder = seed_folder(tmp_path)
    server = server_factory.start(extra_args=["-seed", str(folder)])
    assert ready_line(server) == "ddb-local listening on http://127.0.0.1:%d\n" % server.port
    client = ds.make_client(server.endpoint, access_key="local")
    assert sorted(client.list_tables()["TableNames"]) == ["Orders", "Users"]
    users = ds.scan_all(client, "Users")
    assert sorted((u["id"]["S"], u["age"]["N"]) for u in users) == [("u0", "20"), ("u1", "21"), ("u2", "22")]
    order = client.get_item(TableName="Orders", Key={"user": {"S": "u1"}, "n": {"N": "1"}})["Item"]
    assert order["total"] == {"N": "9.5"}
    # Another namespace does not see the seeded tables.
    assert ds.make_client(server.endpoint, access_key="other").list_tables()["TableNames"] == []
    assert "2 tables created" in server.stderr_text()


def test_items_wait_for_a_table_defined_in_a_later_tables_file(server_factory, tmp_path):
    # Item files start loading while the tables are still being created, each
    # once its own table exists: Users.jsonl and Zed.jsonl sort before both
    # tables files, and Zed is defined only in the last one. Three starts,
    # since which file waits for how long varies from start to start.
    folder = tmp_path / "seed"
    folder.mkdir()
    (folder / "a_tables.json").write_text(json.dumps(USERS))
    (folder / "z_tables.json").write_text(json.dumps([ORDERS, dict(USERS, TableName="Zed")]))
    write_lines(folder / "Users.jsonl", [{"id": {"S": "u%d" % i}} for i in range(30)])
    write_lines(folder / "Zed.jsonl", [{"id": {"S": "z%d" % i}} for i in range(40)])
    for _ in range(3):
        server = server_factory.start(extra_args=["-seed", str(folder)])
        client = ds.make_client(server.endpoint, access_key="local")
        assert sorted(client.list_tables()["TableNames"]) == ["Orders", "Users", "Zed"]
        assert len(ds.scan_all(client, "Users")) == 30
        assert len(ds.scan_all(client, "Zed")) == 40
        assert "3 tables created, 0 kept, 70 items from 2 files" in server.stderr_text()
        assert server.stop() == 0


def test_seed_gzip_export_files(server_factory, tmp_path):
    # DynamoDB's export to S3 writes gzip'd JSON lines (*.json.gz).
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "tables.json").write_text(json.dumps(USERS))
    with gzip.open(folder / "Users.abc123.json.gz", "wt") as f:
        for i in range(30):
            f.write(json.dumps({"Item": {"id": {"S": "g%d" % i}}}) + "\n")
    server = server_factory.start(extra_args=["-seed", str(folder)])
    client = ds.make_client(server.endpoint, access_key="local")
    assert client.scan(TableName="Users", Select="COUNT")["Count"] == 30


def test_seed_namespace_and_shared_db(server_factory, tmp_path):
    folder = seed_folder(tmp_path)
    server = server_factory.start(extra_args=["-seed", str(folder), "-seedNamespace", "AKIDTEST_eu-west-1"])
    client = ds.make_client(server.endpoint, access_key="AKIDTEST", region="eu-west-1")
    assert sorted(client.list_tables()["TableNames"]) == ["Orders", "Users"]
    shared = server_factory.start(shared_db=True, extra_args=["-seed", str(folder / "tables.json")])
    anyone = ds.make_client(shared.endpoint, access_key="whoever")
    assert sorted(anyone.list_tables()["TableNames"]) == ["Orders", "Users"]
    assert ds.scan_all(anyone, "Users") == []  # a single .json file: tables only


def test_seed_is_idempotent_on_restart(server_factory, tmp_path):
    folder = seed_folder(tmp_path)
    data = tmp_path / "data"
    server = server_factory.start(db_path=data, extra_args=["-seed", str(folder)])
    client = ds.make_client(server.endpoint, access_key="local")
    # The tests change seeded data; a restart with the same seed keeps it.
    client.put_item(TableName="Users", Item={"id": {"S": "u0"}, "age": {"N": "99"}})
    client.delete_item(TableName="Users", Key={"id": {"S": "u2"}})
    server_factory.restart(server)
    client = ds.make_client(server.endpoint, access_key="local")
    assert sorted((u["id"]["S"], u["age"]["N"]) for u in ds.scan_all(client, "Users")) == [("u0", "99"), ("u1", "21")]
    assert "0 tables created, 2 kept, 0 items from 0 files (2 files unchanged" in server.stderr_text()
    # A changed file is loaded again.
    write_lines(folder / "Users.jsonl", [{"id": {"S": "u0"}, "age": {"N": "1"}}])
    server_factory.restart(server)
    client = ds.make_client(server.endpoint, access_key="local")
    assert sorted((u["id"]["S"], u["age"]["N"]) for u in ds.scan_all(client, "Users")) == [("u0", "1"), ("u1", "21")]


def test_progress_for_a_big_file(server_factory, tmp_path):
    folder = seed_folder(tmp_path, users=20001)
    server = server_factory.start(extra_args=["-seed", str(folder)])
    progress = re.findall(r"seed .*Users\.jsonl: (\d+) items", server.stderr_text())
    assert progress == ["10000", "20000"]
    client = ds.make_client(server.endpoint, access_key="local")
    assert client.scan(TableName="Users", Select="COUNT")["Count"] == 20001


def count_items(client, table):
    count, kwargs = 0, {"TableName": table, "Select": "COUNT"}
    for _ in range(100):
        page = client.scan(**kwargs)
        count += page["Count"]
        if "LastEvaluatedKey" not in page:
            return count
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    raise AssertionError("more than 100 pages")


def write_then_kill_and_restart(server, data, user_id):
    """Writes a user right away: it is answered only once the seed's files are
    on disk and the load's marker gone, and it survives a kill -9; the
    restart loads nothing again. Returns a client of the restarted server."""
    client = ds.make_client(server.endpoint, access_key="local")
    client.put_item(TableName="Users", Item={"id": {"S": user_id}})
    assert not (data / "load-in-progress").exists()
    assert (data / "meta.sqlite").exists() and (data / "seed-state").exists()
    server.kill()
    server.start()
    assert "0 tables created, 2 kept, 0 items from 0 files" in server.stderr_text()
    return ds.make_client(server.endpoint, access_key="local")


def test_a_seed_killed_while_it_loads_into_a_new_db_path_is_loaded_anew(server_factory, tmp_path):
    # Into a new -dbPath the seed is held in memory; a file that outgrows
    # 4 MB goes to disk early, with its journal still in memory, so a kill -9
    # meanwhile may leave it torn; the marker file made before it says so,
    # and the next start removes what the load made and loads the seed again.
    folder = seed_folder(tmp_path, users=20001, pad=500)
    data = tmp_path / "data"
    server = server_factory.start(db_path=data, extra_args=["-seed", str(folder)], wait=False)
    ds.poll_until(lambda: server.stderr_text(), lambda text: "Users.jsonl: 10000 items" in text,
                  what="the first progress line", timeout=60)
    server.kill()
    assert "seeded" not in server.stderr_text()
    assert (data / "load-in-progress").exists()
    server.start()
    assert "did not finish: its files were removed" in server.stderr_text()
    assert "2 tables created, 0 kept, 20002 items from 2 files" in server.stderr_text()
    client = ds.make_client(server.endpoint, access_key="local")
    assert count_items(client, "Users") == 20001
    assert count_items(client, "Orders") == 1
    client = write_then_kill_and_restart(server, data, "after")
    assert count_items(client, "Users") == 20002


def test_a_write_right_after_the_ready_line_waits_for_the_seed_files(server_factory, tmp_path):
    # Into a new -dbPath the seed is held in memory, reads are answered from
    # there, and its files are written after the ready line. A write sent at
    # once is answered only when they are on disk (the load's marker gone),
    # and it survives a kill -9.
    folder = seed_folder(tmp_path)
    data = tmp_path / "data"
    server = server_factory.start(db_path=data, extra_args=["-seed", str(folder)])
    client = write_then_kill_and_restart(server, data, "right after")
    assert count_items(client, "Users") == 4


def test_a_request_sent_while_the_seed_loads_is_answered_with_all_of_it(server_factory, tmp_path):
    # The port accepts connections from before the seed loads. A request sent
    # meanwhile waits, and is answered once the whole seed is in: neither
    # refused (a client polling the port would keep trying, on the cores the
    # seed needs) nor answered from part of it.
    folder = seed_folder(tmp_path, users=20001)
    server = server_factory.start(extra_args=["-seed", str(folder)], wait=False)
    deadline = time.monotonic() + 30
    while True:
        conn = http.client.HTTPConnection(ds.HOST, server.port, timeout=120)
        try:
            conn.connect()
            break
        except OSError:
            conn.close()
            assert server.running(), server.stderr_text()
            assert time.monotonic() < deadline, "the port never accepted a connection"
            time.sleep(0.001)
    try:
        assert "seeded" not in server.stderr_text()  # connected before the seed was in
        body = json.dumps({"TableName": "Users", "Select": "COUNT"}).encode()
        conn.request("POST", "/", body=body, headers=ds.signed_headers(server.port, "Scan", body, access_key="local"))
        resp = conn.getresponse()
        assert resp.status == 200
        assert json.loads(resp.read())["Count"] == 20001
    finally:
        conn.close()
    assert "seeded" in server.stderr_text()
    ds.poll_until(lambda: ready_line(server), lambda line: line.startswith("ddb-local listening on"),
                  what="the ready line")


def test_bad_input_names_file_and_line(tmp_path):
    folder = seed_folder(tmp_path)
    users = folder / "Users.jsonl"
    cases = [
        ('{"Item": {"id": {"S": "a"}}}\n\n{"Item": {"id": {"N": "1"}}}\n',
         "Users.jsonl:3: ValidationException: One or more parameter values were invalid: Type mismatch for key "
         "id expected: S actual: N"),
        ('{"Item": {"id": {"S": "a"}}}\nnot json\n', "Users.jsonl:2: not a JSON object"),
        ('{"id": {"S": "a"}}\n', 'Users.jsonl:1: expected {"Item": {...}} (DynamoDB JSON)'),
        ('{"Item": {"id": {"S": "a"}, "n": {"N": "1e200"}}}\n',
         "Users.jsonl:1: ValidationException: Number overflow. Attempting to store a number with magnitude larger "
         "than supported range"),
    ]
    for text, message in cases:
        users.write_text(text)
        rc, out, err = ds.run_binary(["-inMemory", "-port", "0", "-seed", str(folder)])
        assert rc == 3, err
        assert out == ""  # never ready
        assert err.strip().endswith(message), err

    # Item files load several at once; the error reported is still that of
    # the first bad file in name order, every time.
    users.write_text("not json\n")
    (folder / "Orders.jsonl").write_text('{"Item": {"user": {"S": "u"}}}\n')
    for _ in range(3):
        rc, _, err = ds.run_binary(["-inMemory", "-port", "0", "-seed", str(folder)])
        assert rc == 3, err
        assert "Orders.jsonl:1: ValidationException" in err and "Users.jsonl" not in err, err
    (folder / "Orders.jsonl").write_text("")

    users.write_text("")
    (folder / "Nope.jsonl").write_text('{"Item": {"id": {"S": "a"}}}\n')
    rc, _, err = ds.run_binary(["-inMemory", "-port", "0", "-seed", str(folder)])
    assert rc == 3 and "Nope.jsonl: no table Nope" in err, err
    os.remove(folder / "Nope.jsonl")

    (folder / "tables.json").write_text(json.dumps([USERS, {"TableName": "x"}]))
    rc, _, err = ds.run_binary(["-inMemory", "-port", "0", "-seed", str(folder)])
    assert rc == 3 and "tables.json[1]: CreateTable: ValidationException" in err, err
    rc, _, err = ds.run_binary(["-inMemory", "-port", "0", "-seed", str(tmp_path / "missing")])
    assert rc == 3 and "no file or folder" in err, err
    rc, _, err = ds.run_binary(["-inMemory", "-port", "0", "-seedNamespace", "nounderscore"])
    assert rc == 2 and "invalid value for -seedNamespace" in err, err


def test_admin_import_uses_the_same_loader(module_server):
    port = module_server.port
    client = ds.make_client(module_server.endpoint)
    client.create_table(**{k: v for k, v in USERS.items() if k != "TableName"}, TableName="Imported")
    ns = ds.DUMMY_ACCESS_KEY + "_" + ds.REGION
    lines = "\n".join(json.dumps({"Item": {"id": {"S": "i%d" % i}}}) for i in range(30))

    def post(body):
        resp = ds.raw_request(port, "POST", "/admin/import", body=json.dumps(body).encode(),
                              headers={"Content-Type": "application/json"})
        return resp.status, resp.json()

    assert post({"namespace": ns, "table": "Imported", "lines": lines}) == (200, {"items": 30})
    assert client.scan(TableName="Imported", Select="COUNT")["Count"] == 30
    status, body = post({"namespace": ns, "table": "Imported", "lines": '{"Item": {}}', "firstLine": 41,
                         "source": "part2.jsonl"})
    assert status == 400
    assert body["error"].startswith("part2.jsonl:41: ValidationException: One or more parameter values were "
                                    "invalid: Missing the key id in the item")
    assert post({"namespace": ns, "lines": lines})[0] == 400
    client.delete_table(TableName="Imported")


def test_seed_on_a_db_path_in_use_fails_with_one_line(server_factory, tmp_path):
    # With -seed every node file opens at once; when another ddb-local holds
    # the -dbPath, all of them fail together, and one line says so.
    data = tmp_path / "data"
    server = server_factory.start(db_path=data)
    ds.create_table(ds.make_client(server.endpoint), "held")  # the node files exist and are held
    folder = seed_folder(tmp_path)
    for _ in range(5):  # the nodes race to report: before, 3 starts in 10 printed several lines
        rc, out, err = ds.run_binary(["-port", "0", "-dbPath", str(data), "-seed", str(folder)])
        lines = [l for l in err.splitlines() if l.strip()]
        assert rc == 1 and out == "", (rc, out, err)
        assert len(lines) == 1 and "in use by another process" in lines[0], err
