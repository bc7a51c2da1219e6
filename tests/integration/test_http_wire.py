"""HTTP/1.1 as ddb-local's own server speaks it (src/http_wire.cc), on raw
sockets: pipelined requests, a request that arrives in pieces, chunked
bodies, Expect: 100-continue, HEAD, HTTP/1.0, Connection: close, an
oversized body (413) and bytes that are not HTTP (400); and DynamoDB's
content codings (src/http_coding.h): compressed requests, compressed answers."""

import gzip
import json
import socket
import uuid
import zlib

import ddb_support as ds


def _request_bytes(port, op, payload, extra_headers=None, body_override=None, chunked=False, trailer=b""):
    body = json.dumps(payload).encode()
    headers = ds.signed_headers(port, op, body)
    headers.update(extra_headers or {})
    if chunked:
        headers["Transfer-Encoding"] = "chunked"
        sent = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 5]), body[i:i + 5]) for i in range(0, len(body), 5))
        sent += b"0\r\n" + trailer + b"\r\n"
    else:
        headers["Content-Length"] = str(len(body))
        sent = body if body_override is None else body_override
    head = "POST / HTTP/1.1\r\n" + "".join("%s: %s\r\n" % kv for kv in headers.items()) + "\r\n"
    return head.encode() + sent


class _Reader:
    """Reads whole responses (status, headers, Content-Length body) off one socket."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError("connection closed")
        self.buf += data

    def closed(self):
        """True when the server closed the connection (nothing more arrives)."""
        try:
            return self.sock.recv(1) == b""
        except ConnectionResetError:
            return True

    def response(self, head_only=False):
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        headers = {}
        for line in lines[1:]:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
        length = 0 if head_only else int(headers.get("content-length", "0"))
        while len(self.buf) < length:
            self._fill()
        body, self.buf = self.buf[:length], self.buf[length:]
        return status, headers, body


def _connect(port):
    sock = socket.create_connection((ds.HOST, port), timeout=10)
    return sock, _Reader(sock)


def _assert_list_tables(status, headers, body):
    assert status == 200, (status, body[:300])
    assert int(headers["x-amz-crc32"]) == zlib.crc32(body)
    assert isinstance(json.loads(body)["TableNames"], list)


def test_pipelined_requests_are_answered_in_order(module_server):
    port = module_server.port
    sock, reader = _connect(port)
    with sock:
        sock.sendall(_request_bytes(port, "ListTables", {}) +
                     _request_bytes(port, "DescribeTable", {"TableName": "no_such_table_pipelined"}) +
                     _request_bytes(port, "ListTables", {"Limit": 1}))
        _assert_list_tables(*reader.response())
        status, _, body = reader.response()
        assert status == 400 and json.loads(body)["__type"].endswith("ResourceNotFoundException"), body
        _assert_list_tables(*reader.response())


def test_request_in_pieces(module_server):
    port = module_server.port
    data = _request_bytes(port, "ListTables", {})
    sock, reader = _connect(port)
    with sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for i in range(0, len(data), 7):  # headers and body split at odd places
            sock.sendall(data[i:i + 7])
        _assert_list_tables(*reader.response())


def test_chunked_body(module_server):
    port = module_server.port
    sock, reader = _connect(port)
    with sock:
        sock.sendall(_request_bytes(port, "ListTables", {"Limit": 3}, chunked=True))
        _assert_list_tables(*reader.response())
        # The connection stays usable after a chunked request.
        sock.sendall(_request_bytes(port, "ListTables", {}))
        _assert_list_tables(*reader.response())
        # A trailer does not replace a header.
        sock.sendall(_request_bytes(port, "ListTables", {}, chunked=True,
                                    trailer=b"X-Amz-Target: DynamoDB_20120810.DescribeLimits\r\n"))
        _assert_list_tables(*reader.response())


def test_expect_100_continue(module_server):
    port = module_server.port
    whole = _request_bytes(port, "ListTables", {}, {"Expect": "100-continue"})
    head, body = whole.split(b"\r\n\r\n", 1)
    sock, reader = _connect(port)
    with sock:
        sock.sendall(head + b"\r\n\r\n")
        status, _, interim = reader.response(head_only=True)
        assert status == 100 and interim == b""
        sock.sendall(body)
        _assert_list_tables(*reader.response())


def test_head_of_health_check_has_no_body(module_server):
    port = module_server.port
    sock, reader = _connect(port)
    with sock:
        sock.sendall(b"HEAD / HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n")
        status, headers, _ = reader.response(head_only=True)
        assert status == 200 and headers["content-length"] == str(len(b"healthy: h"))
        status, _, body = reader.response()
        assert status == 200 and body == b"healthy: h"


def test_http10_and_connection_close_end_the_connection(module_server):
    port = module_server.port
    for request in (b"GET / HTTP/1.0\r\n\r\n", b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"):
        sock, reader = _connect(port)
        with sock:
            sock.sendall(request)
            status, headers, body = reader.response()
            assert status == 200 and body.startswith(b"healthy: "), body
            assert headers.get("connection") == "close", headers
            assert reader.closed()
    # An HTTP/1.0 client that asks to keep the connection keeps it.
    sock, reader = _connect(port)
    with sock:
        sock.sendall(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        status, headers, _ = reader.response()
        assert status == 200 and headers.get("connection") == "keep-alive", headers
        sock.sendall(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        assert reader.response()[0] == 200


def test_body_over_16_mb_is_413_before_it_is_sent(module_server):
    port = module_server.port
    sock, reader = _connect(port)
    with sock:
        headers = ds.signed_headers(port, "ListTables", b"{}")
        headers["Content-Length"] = str(16 * 1024 * 1024 + 1)
        sock.sendall(("POST / HTTP/1.1\r\n" + "".join("%s: %s\r\n" % kv for kv in headers.items()) +
                      "\r\n").encode() + b"{")
        status, headers, _ = reader.response()
        assert status == 413, status
        assert headers.get("connection") == "close"
        assert reader.closed()
    # The server still answers.
    assert ds.raw_call(port, "ListTables", {}).status == 200


def test_body_over_16_mb_sent_whole_still_gets_its_413(module_server):
    # A client that sends the whole body before it reads (as the SDKs do
    # without Expect: 100-continue) reads the 413, not a reset: the server
    # reads and drops the rest before it closes.
    port = module_server.port
    body = b"{" + b" " * (16 * 1024 * 1024) + b"}"
    headers = ds.signed_headers(port, "ListTables", body)
    headers["Content-Length"] = str(len(body))
    head = ("POST / HTTP/1.1\r\n" + "".join("%s: %s\r\n" % kv for kv in headers.items()) + "\r\n").encode()
    sock, reader = _connect(port)
    with sock:
        sock.sendall(head + body)
        status, headers, _ = reader.response()
        assert status == 413, status
        assert headers.get("connection") == "close"


def test_not_http_is_400_and_closed(module_server):
    port = module_server.port
    for garbage in (b"HELLO THERE\r\n\r\n", b"POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
                    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"):  # the start of a TLS hello
        sock, reader = _connect(port)
        with sock:
            sock.sendall(garbage)
            status, headers, _ = reader.response()
            assert status == 400, (garbage, status)
            assert headers.get("connection") == "close"
            assert reader.closed()


def test_unknown_paths_and_methods_are_404(module_server):
    port = module_server.port
    for method, path in (("GET", "/nope"), ("PUT", "/"), ("DELETE", "/"), ("POST", "/ui/")):
        resp = ds.raw_request(port, method, path)
        assert resp.status == 404, (method, path, resp)
    resp = ds.raw_request(port, "GET", "/ui")
    assert resp.status == 302 and resp.header("location") == "/ui/", resp
    resp = ds.raw_request(port, "GET", "/ui/?x=1")
    assert resp.status == 200 and b"<html" in resp.body.lower(), resp


def _put_raw(port, table, item, coding, compress):
    body = json.dumps({"TableName": table, "Item": item}).encode()
    sent = compress(body)
    headers = ds.signed_headers(port, "PutItem", sent)
    headers["Content-Encoding"] = coding
    return ds.raw_request(port, "POST", "/", sent, headers)


def test_compressed_requests_are_decoded_and_bad_ones_change_nothing(module_server, ddb):
    port = module_server.port
    table = "coded_" + uuid.uuid4().hex[:12]
    ds.create_table(ddb, table, range_key=None)
    big = "x" * 10000
    for coding, compress in (("gzip", gzip.compress), ("deflate", zlib.compress),
                             ("gzip", lambda b: gzip.compress(b[:10]) + gzip.compress(b[10:]))):
        resp = _put_raw(port, table, {"pk": {"S": coding}, "v": {"S": big}}, coding, compress)
        assert resp.status == 200, resp
        got = ddb.get_item(TableName=table, Key={"pk": {"S": coding}}, ConsistentRead=True)["Item"]
        assert got["v"]["S"] == big
    for coding, compress in (("garbage", lambda b: b), ("gzip", lambda b: b),
                             ("gzip", lambda b: gzip.compress(b)[:-1]), ("deflate", lambda b: b"")):
        resp = _put_raw(port, table, {"pk": {"S": "bad"}}, coding, compress)
        assert resp.status == 500, (coding, resp)
        assert resp.json()["__type"].endswith("InternalServerError"), resp
    assert "Item" not in ddb.get_item(TableName=table, Key={"pk": {"S": "bad"}}, ConsistentRead=True)
    ddb.delete_table(TableName=table)


def test_answers_over_4_kb_are_compressed_as_accepted(module_server, ddb):
    port = module_server.port
    table = "zipped_" + uuid.uuid4().hex[:12]
    ds.create_table(ddb, table, range_key=None)
    ddb.put_item(TableName=table, Item={"pk": {"S": "big"}, "a": {"S": "x" * 3000}, "b": {"S": "y" * 3000}})

    def get(accept, projection="a, b"):
        body = json.dumps({"TableName": table, "Key": {"pk": {"S": "big"}}, "ConsistentRead": True,
                           "ProjectionExpression": projection}).encode()
        headers = ds.signed_headers(port, "GetItem", body)
        if accept is not None:
            headers["Accept-Encoding"] = accept
        resp = ds.raw_request(port, "POST", "/", body, headers)
        assert resp.status == 200, resp
        # The CRC is of the bytes sent, compressed or not (as DynamoDB's).
        assert int(resp.header("x-amz-crc32")) == zlib.crc32(resp.body)
        return resp

    for accept, coding, decompress in (("gzip", "gzip", gzip.decompress), ("deflate", "deflate", zlib.decompress),
                                       ("br, deflate;q=0.5, *", "gzip", gzip.decompress)):
        resp = get(accept)
        assert resp.header("content-encoding") == coding, (accept, resp.headers)
        assert len(resp.body) < 1000
        assert json.loads(decompress(resp.body))["Item"]["b"] == {"S": "y" * 3000}
    for accept in (None, "identity", "br", "gzip;q=0"):
        resp = get(accept)
        assert resp.header("content-encoding") is None, (accept, resp.headers)
        assert resp.json()["Item"]["a"] == {"S": "x" * 3000}
    small = get("gzip", projection="a")  # 3 KB: under DynamoDB's 4 KB threshold
    assert small.header("content-encoding") is None
    assert small.json()["Item"]["a"] == {"S": "x" * 3000}
    ddb.delete_table(TableName=table)


def test_request_line_or_headers_over_16_kb_are_400(module_server):
    # DynamoDB's limits on the head of a request.
    port = module_server.port
    body = b"{}"
    headers = ds.signed_headers(port, "ListTables", body)
    headers.update({"Header1": "x" * 4000, "Header2": "y" * 4000})
    assert ds.raw_request(port, "POST", "/", body, headers).status == 200
    headers.update({"Header1": "x" * 8192, "Header2": "y" * 8192})
    resp = ds.raw_request(port, "POST", "/", body, headers)
    assert resp.status == 400, resp
    headers = ds.signed_headers(port, "ListTables", body)
    assert ds.raw_request(port, "POST", "/" + "x" * 100, body, headers).status == 404
    assert ds.raw_request(port, "POST", "/" + "x" * 17000, body, headers).status == 400
    assert ds.raw_call(port, "ListTables", {}).status == 200
