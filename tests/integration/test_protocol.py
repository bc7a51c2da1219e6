"""The HTTP face of ddb-local, spoken to with raw HTTP (http.client):
health check, headers (x-amzn-RequestId, x-amz-crc32), protocol errors,
command-line flags and exit codes, start-up time, signals, files written,
CORS, and 64 concurrent keep-alive connections."""

import base64
import http.client
import json
import os
import re
import signal
import socket
import time
import uuid
import zlib

import pytest

import ddb_support as ds


def _assert_error(resp, status, type_name, message=None):
    assert resp.status == status, resp
    assert ds.error_type(resp) == type_name, resp
    if message is not None:
        assert resp.json().get("message", resp.json().get("Message")) == message, resp
    assert ds.crc32_ok(resp), "x-amz-crc32 %r does not match the body" % resp.header("x-amz-crc32")
    assert resp.header("x-amzn-requestid"), resp


# ---------------------------------------------------------------- health & headers

def test_health_check(module_server):
    status, body = ds.http_get(module_server.port)
    print("GET / ->", status, body[:200])
    assert status == 200


def test_success_response_headers_and_crc32(module_server):
    resp = ds.raw_call(module_server.port, "ListTables", {})
    assert resp.status == 200, resp
    assert resp.header("content-type") == ds.AMZ_JSON
    assert resp.header("x-amzn-requestid")
    assert ds.crc32_ok(resp), resp
    assert resp.header("content-length") == str(len(resp.body))
    body = resp.json()
    assert isinstance(body.get("TableNames"), list)


def test_request_ids_are_unique(module_server):
    ids = set()
    for _ in range(5):
        resp = ds.raw_call(module_server.port, "ListTables", {})
        assert resp.status == 200, resp
        ids.add(resp.header("x-amzn-requestid"))
    errors = ds.raw_call(module_server.port, "DescribeTable", {"TableName": "no_such_table_" + uuid.uuid4().hex})
    ids.add(errors.header("x-amzn-requestid"))
    assert len(ids) == 6 and None not in ids and "" not in ids


def test_crc32_of_large_item_and_of_errors(module_server, ddb):
    table = "crc_" + uuid.uuid4().hex[:12]
    ds.create_table(ddb, table, range_key=None)
    blob = os.urandom(150 * 1024)
    text = "ü€𝄞" * 20000  # multi-byte UTF-8, escaped or not by the server's JSON writer
    ddb.put_item(TableName=table, Item={"pk": {"S": "big"}, "b": {"B": blob}, "t": {"S": text}})
    resp = ds.raw_call(module_server.port, "GetItem",
                       {"TableName": table, "Key": {"pk": {"S": "big"}}, "ConsistentRead": True})
    assert resp.status == 200, resp
    assert ds.crc32_ok(resp)
    assert resp.header("content-length") == str(len(resp.body))
    item = resp.json()["Item"]
    assert item["t"] == {"S": text}
    assert base64.b64decode(item["b"]["B"]) == blob

    missing = ds.raw_call(module_server.port, "GetItem",
                          {"TableName": table + "_missing", "Key": {"pk": {"S": "x"}}})
    _assert_error(missing, 400, "ResourceNotFoundException", "Requested resource not found")
    assert missing.header("content-type") == ds.AMZ_JSON
    ddb.delete_table(TableName=table)


def test_content_type_application_json_is_accepted(module_server):
    # DynamoDB accepts application/json as well and answers in kind.
    resp = ds.raw_call(module_server.port, "ListTables", {}, content_type="application/json")
    assert resp.status == 200, resp
    assert isinstance(resp.json()["TableNames"], list)
    assert ds.crc32_ok(resp)


def test_content_type_is_matched_without_regard_to_case(module_server):
    # A media type's name is case-insensitive (RFC 9110); a charset is ignored.
    for ct in ("Application/X-Amz-Json-1.0", "APPLICATION/JSON; charset=utf-8"):
        resp = ds.raw_call(module_server.port, "ListTables", {}, content_type=ct)
        assert resp.status == 200, (ct, resp)
        assert isinstance(resp.json()["TableNames"], list)


# ---------------------------------------------------------------- protocol errors

def test_unknown_operation(module_server):
    resp = ds.raw_call(module_server.port, "NoSuchOperation", {})
    _assert_error(resp, 400, "UnknownOperationException")


def test_unknown_target_prefix(module_server):
    resp = ds.raw_call(module_server.port, "ListTables", {}, target="NotDynamoDB_20120810.ListTables")
    _assert_error(resp, 400, "UnknownOperationException")


@pytest.mark.parametrize("body", [
    b"{", b"not json", b'{"TableName": }', b'{"Limit": 5,}', b"{'Limit': 5}", b'{"Limit": 5}}', b"",
], ids=["open-brace", "text", "missing-value", "trailing-comma", "single-quotes", "extra-brace", "empty"])
def test_malformed_json_is_serialization_exception(module_server, body):
    resp = ds.raw_call(module_server.port, "ListTables", body)
    _assert_error(resp, 400, "SerializationException")


def test_strings_that_are_not_utf8_are_serialization_exception(module_server, ddb):
    # What is accepted is stored and sent back: an invalid byte in an item
    # would make every later GetItem and Scan of it an answer that is not
    # JSON, and one in a table name an error message that is not.
    name = "utf8_" + uuid.uuid4().hex[:12]
    ds.create_table(ddb, name, range_key=None)
    for body in (b'{"TableName":"%s","Item":{"pk":{"S":"a"},"s":{"S":"x\xffy"}}}' % name.encode(),
                 b'{"TableName":"%s","Item":{"pk":{"S":"a"},"x\xed\xa0\x80":{"N":"1"}}}' % name.encode(),
                 b'{"TableName":"%s","Item":{"pk":{"S":"a\xc3"}}}' % name.encode()):
        resp = ds.raw_call(module_server.port, "PutItem", body)
        _assert_error(resp, 400, "SerializationException")
        assert "message" not in resp.json() or not resp.json()["message"], resp
    assert ddb.scan(TableName=name)["Count"] == 0
    resp = ds.raw_call(module_server.port, "DescribeTable", b'{"TableName":"t\xffx"}')
    _assert_error(resp, 400, "SerializationException")
    ddb.delete_table(TableName=name)


@pytest.mark.parametrize("op,payload", [
    ("ListTables", {"Limit": "abc"}),
    ("ListTables", {"Limit": True}),
    ("DescribeTable", {"TableName": True}),
    ("DescribeTable", {"TableName": ["abc"]}),
    ("ListTables", []),
], ids=["limit-string", "limit-bool", "name-bool", "name-list", "top-level-list"])
def test_json_of_wrong_types_is_serialization_exception(module_server, op, payload):
    resp = ds.raw_call(module_server.port, op, payload)
    _assert_error(resp, 400, "SerializationException")


def test_missing_authentication_token(module_server):
    resp = ds.raw_call(module_server.port, "ListTables", {}, sign=False)
    _assert_error(resp, 400, "MissingAuthenticationTokenException", "Request is missing Authentication Token")


def test_missing_authentication_token_changes_nothing(module_server, ddb):
    name = "noauth_" + uuid.uuid4().hex[:12]
    resp = ds.raw_call(module_server.port, "CreateTable", {
        "TableName": name, "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}, sign=False)
    _assert_error(resp, 400, "MissingAuthenticationTokenException", "Request is missing Authentication Token")
    ds.assert_error(ddb.describe_table, "ResourceNotFoundException",
                    "Requested resource not found: Table: %s not found" % name, TableName=name)


def test_unknown_content_type_is_an_error(module_server):
    resp = ds.raw_call(module_server.port, "ListTables", {}, content_type="text/plain")
    assert 400 <= resp.status < 500, resp
    ds.error_type(resp)  # a JSON body with a well-formed __type


# ---------------------------------------------------------------- flags & exit codes

def test_help_flag(ddb_binary):
    rc, out, err = ds.run_binary(["-help"])
    text = out + err
    print(text)
    assert rc == 0
    for flag in ("-port", "-dbPath", "-inMemory", "-sharedDb", "-cors"):
        assert flag in text, "%s missing from -help output" % flag


def test_version_flag(ddb_binary):
    rc, out, err = ds.run_binary(["--version"])
    print(out, err)
    assert rc == 0
    assert re.search(r"\d+\.\d+", out + err), "no version number in %r" % (out + err)


@pytest.mark.parametrize("args", [
    ["-bogusFlag"], ["--no-such-flag"], ["-inMemory", "-nope"],
], ids=["single-dash", "double-dash", "after-valid"])
def test_unknown_flag_exits_2(ddb_binary, args):
    rc, out, err = ds.run_binary(["-port", str(ds.free_port())] + args)
    print(rc, out, err)
    assert rc == 2
    assert err.strip(), "expected a message on stderr"


@pytest.mark.parametrize("args", [
    ["-port", "abc"], ["-port", "70000"], ["-port", "12ab"], ["-inMemory", "-port"],
    ["--port", "abc"], ["-inMemory", "-dbPath"],
], ids=["port-text", "port-range", "port-suffix", "port-missing", "dd-port-text", "dbpath-missing"])
def test_bad_flag_value_exits_2(ddb_binary, args):
    rc, out, err = ds.run_binary(args)
    print(rc, out, err)
    assert rc == 2
    assert err.strip(), "expected a message on stderr"


def test_double_dash_flags_and_host(server_factory):
    server = server_factory.start_args(lambda port: ["--port", str(port), "--host", "127.0.0.1", "-inMemory"])
    resp = ds.raw_call(server.port, "ListTables", {})
    assert resp.status == 200, resp


def test_port_in_use_fails_cleanly(ddb_binary, tmp_path):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind((ds.HOST, 0))
        busy.listen(8)
        port = busy.getsockname()[1]
        rc, out, err = ds.run_binary(["-port", str(port), "-inMemory"], cwd=str(tmp_path))
    print(rc, repr(err))
    assert rc > 0, "expected a non-zero exit code (not a signal), got %r" % rc
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1, "expected a one-line error on stderr, got %r" % err


@pytest.mark.parametrize("under_file", [True, False], ids=["path-under-regular-file", "path-is-regular-file"])
def test_unwritable_db_path_fails_cleanly(ddb_binary, tmp_path, under_file):
    regular = tmp_path / "regular-file"
    regular.write_text("not a directory\n")
    db_path = regular / "db" if under_file else regular
    rc, out, err = ds.run_binary(["-port", str(ds.free_port()), "-dbPath", str(db_path)], cwd=str(tmp_path))
    print(rc, repr(err))
    assert rc > 0, "expected a non-zero exit code (not a signal), got %r" % rc
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1, "expected a one-line error on stderr, got %r" % err
    assert regular.read_text() == "not a directory\n"


# ---------------------------------------------------------------- start, stop, files

@pytest.mark.parametrize("mode", ["inMemory", "dbPath"])
def test_ready_quickly(server_factory, tmp_path, mode):
    if mode == "inMemory":
        server = server_factory.start(in_memory=True)
    else:
        db = tmp_path / "fresh-db"
        db.mkdir()
        server = server_factory.start(db_path=db)
    print("%s: ready %.1f ms after Popen (target 100 ms)" % (mode, server.ready_seconds * 1000))
    assert server.ready_seconds < 1.0


def test_sigint_stops_with_exit_code_0(server_factory):
    server = server_factory.start()
    assert ds.raw_call(server.port, "ListTables", {}).status == 200
    assert server.stop(signal.SIGINT) == 0


def test_sigterm_with_idle_keepalive_connections(server_factory):
    server = server_factory.start()
    conns = [http.client.HTTPConnection(ds.HOST, server.port, timeout=10) for _ in range(8)]
    try:
        for c in conns:
            body = b"{}"
            c.request("POST", "/", body=body, headers=ds.signed_headers(server.port, "ListTables", body))
            r = c.getresponse()
            r.read()
            assert r.status == 200
        t0 = time.monotonic()
        rc = server.stop(signal.SIGTERM, close_clients_first=False)
        print("exit %.2f s after SIGTERM with 8 idle keep-alive connections" % (time.monotonic() - t0))
        assert rc == 0
    finally:
        for c in conns:
            c.close()


def _exercise(client, table):
    ds.create_table(client, table)
    for i in range(30):
        client.put_item(TableName=table, Item={"pk": {"S": "p%d" % (i % 3)}, "sk": {"N": str(i)},
                                               "v": {"S": "x" * 100}})
    assert len(ds.scan_all(client, table)) == 30
    client.delete_item(TableName=table, Key={"pk": {"S": "p0"}, "sk": {"N": "0"}})


def test_in_memory_writes_no_files(server_factory, tmp_path):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    server = server_factory.start(in_memory=True, cwd=str(cwd))
    _exercise(ds.make_client(server.endpoint), "mem_table")
    assert server.stop() == 0
    assert sorted(os.listdir(cwd)) == []


def test_db_path_writes_only_there(server_factory, tmp_path):
    cwd = tmp_path / "cwd"
    db = tmp_path / "db"
    cwd.mkdir()
    db.mkdir()
    server = server_factory.start(db_path=db, cwd=str(cwd))
    _exercise(ds.make_client(server.endpoint), "disk_table")
    assert server.stop() == 0
    assert sorted(os.listdir(cwd)) == []
    assert os.listdir(db), "-dbPath directory is empty after writes"


def test_cors(server_factory):
    origin = "http://allowed.example"
    server = server_factory.start(extra_args=["-cors", origin])
    pre = ds.raw_request(server.port, "OPTIONS", "/", b"", {
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type,x-amz-target,x-amz-date,authorization"})
    print(pre)
    assert 200 <= pre.status < 300, pre
    assert pre.header("access-control-allow-origin") in (origin, "*"), pre
    body = b"{}"
    headers = ds.signed_headers(server.port, "ListTables", body)
    headers["Origin"] = origin
    resp = ds.raw_request(server.port, "POST", "/", body, headers)
    assert resp.status == 200, resp
    assert resp.header("access-control-allow-origin") in (origin, "*"), resp


# ---------------------------------------------------------------- many connections

N_CONNECTIONS = 64
ROUND_DEADLINE_S = 8.0
CONNECT_DEADLINE_S = 10.0


def test_64_concurrent_keepalive_connections(module_server, ddb):
    port = module_server.port
    table = "ka_" + uuid.uuid4().hex[:12]
    ds.create_table(ddb, table, range_key=None)
    ddb.put_item(TableName=table, Item={"pk": {"S": "k"}, "v": {"S": "hello"}})

    def request_for(i, rnd):
        if (i + rnd) % 2:
            body = json.dumps({"TableName": table, "Key": {"pk": {"S": "k"}}, "ConsistentRead": True})
            return "GetItem", body.encode()
        return "ListTables", b"{}"

    conns = [http.client.HTTPConnection(ds.HOST, port, timeout=15) for _ in range(N_CONNECTIONS)]
    sockets = {}
    # At most 4 requests per connection: a server may legitimately close a
    # keep-alive connection after a few requests, but not after fewer.
    rounds = [
        list(range(N_CONNECTIONS)),                          # all
        [i for i in range(N_CONNECTIONS) if i % 2 == 0],     # odd ones idle
        list(range(N_CONNECTIONS - 1, -1, -1)),              # all, reverse order
        [i for i in range(N_CONNECTIONS) if i % 3 == 1],     # most idle
    ]
    try:
        t0 = time.monotonic()
        for c in conns:
            c.connect()
        connect_s = time.monotonic() - t0
        print("64 connections opened in %.3f s" % connect_s)
        assert connect_s < CONNECT_DEADLINE_S
        for rnd, active in enumerate(rounds):
            t0 = time.monotonic()
            ops = {}
            for i in active:  # send on every active connection before reading any answer
                op, body = request_for(i, rnd)
                ops[i] = op
                conns[i].request("POST", "/", body=body, headers=ds.signed_headers(port, op, body))
            round_deadline = t0 + ROUND_DEADLINE_S
            for n, i in enumerate(active):
                conns[i].sock.settimeout(max(0.05, round_deadline - time.monotonic()))
                try:
                    r = conns[i].getresponse()
                    data = r.read()
                except socket.timeout:
                    raise AssertionError("round %d: only %d of %d requests answered within %.0f s"
                                         % (rnd, n, len(active), ROUND_DEADLINE_S))
                assert r.status == 200, (i, r.status, data[:300])
                assert int(r.getheader("x-amz-crc32")) == zlib.crc32(data)
                parsed = json.loads(data)
                if ops[i] == "GetItem":
                    assert parsed["Item"]["v"] == {"S": "hello"}
                else:
                    assert table in parsed["TableNames"]
                assert not r.will_close, "server closed keep-alive connection %d in round %d" % (i, rnd)
                if i in sockets:
                    assert conns[i].sock is sockets[i], "connection %d was re-opened" % i
                sockets[i] = conns[i].sock
            elapsed = time.monotonic() - t0
            print("round %d: %d requests on %d connections answered in %.3f s"
                  % (rnd, len(active), N_CONNECTIONS, elapsed))
            assert elapsed < ROUND_DEADLINE_S, "round %d took %.1f s" % (rnd, elapsed)
            time.sleep(0.2)  # leave the connections idle between rounds (not waiting for anything)
    finally:
        for c in conns:
            c.close()
    ddb.delete_table(TableName=table)
