"""Shared helpers for the ddb-local integration tests.

Starts and stops the real binary, talks to it with boto3 and with raw,
SigV4-signed HTTP requests, and compares DynamoDB items.

Every wait in here is a bounded poll: it has a deadline and fails loudly when
the deadline passes. All traffic goes to 127.0.0.1.
"""

import http.client
import json
import os
import signal
import socket
import subprocess
import threading
import time
import weakref
import zlib

import boto3
import botocore.config
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

HOST = "127.0.0.1"
DEFAULT_BINARY = "/work/main/ddb-local"
READY_TIMEOUT_S = 10.0   # the binary must answer GET / within this
STOP_TIMEOUT_S = 10.0    # and exit after SIGTERM/SIGINT within this
TARGET_PREFIX = "DynamoDB_20120810."
AMZ_JSON = "application/x-amz-json-1.0"

DUMMY_ACCESS_KEY = "AKIDDDBLOCALTEST"
DUMMY_SECRET_KEY = "dummy-secret-key"
REGION = "us-east-1"


def binary_path():
    return os.environ.get("DDB_LOCAL") or DEFAULT_BINARY


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def http_get(port, path="/", timeout=2.0):
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


class Server:
    """One running ddb-local process."""

    def __init__(self, args, cwd, log_dir, port=None, env=None):
        self.port = port if port is not None else free_port()
        self.args = list(args)
        self.cwd = str(cwd)
        self.log_dir = str(log_dir)
        self.env = env
        self.proc = None
        self.stopped_rc = None
        self.stop_reported = False  # a failed stop was already reported by a test
        self.ready_seconds = None
        os.makedirs(self.log_dir, exist_ok=True)
        self._stdout_path = os.path.join(self.log_dir, "server-%d.stdout" % self.port)
        self._stderr_path = os.path.join(self.log_dir, "server-%d.stderr" % self.port)

    @property
    def endpoint(self):
        return "http://%s:%d" % (HOST, self.port)

    def command(self):
        return [binary_path()] + self.args

    def start(self, wait=True):
        out = open(self._stdout_path, "ab")
        err = open(self._stderr_path, "ab")
        try:
            t0 = time.monotonic()
            self.proc = subprocess.Popen(
                self.command(), cwd=self.cwd, stdout=out, stderr=err,
                stdin=subprocess.DEVNULL, env=self.env, start_new_session=True)
        finally:
            out.close()
            err.close()
        self.stopped_rc = None
        if wait:
            self.wait_ready(t0)
        return self

    def wait_ready(self, t0=None):
        """Polls GET / until it answers 200; bounded by READY_TIMEOUT_S."""
        if t0 is None:
            t0 = time.monotonic()
        deadline = t0 + READY_TIMEOUT_S
        last_error = None
        while True:
            rc = self.proc.poll()
            if rc is not None:
                raise AssertionError(
                    "ddb-local exited with code %s before it was ready; command %r; stderr:\n%s"
                    % (rc, self.command(), self.stderr_text()))
            try:
                status, _ = http_get(self.port, timeout=0.5)
                if status == 200:
                    self.ready_seconds = time.monotonic() - t0
                    return self.ready_seconds
                last_error = "GET / answered HTTP %d" % status
            except (OSError, http.client.HTTPException) as e:
                last_error = repr(e)
            if time.monotonic() > deadline:
                self.kill()
                raise AssertionError(
                    "ddb-local not ready within %.0f s (last: %s); stderr:\n%s"
                    % (READY_TIMEOUT_S, last_error, self.stderr_text()))
            time.sleep(0.005)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=STOP_TIMEOUT_S, close_clients_first=True):
        """Sends sig and waits for the exit; returns the exit code.

        Fails (after killing the process) if it does not exit in time."""
        if self.proc is None:
            return None
        if self.proc.poll() is not None:
            if self.stopped_rc is None:
                self.stopped_rc = self.proc.returncode
            return self.proc.returncode
        if close_clients_first:
            close_clients(self.endpoint)
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            threads = self.thread_states()
            self.kill()
            self.stop_reported = True
            raise AssertionError(
                "ddb-local did not exit within %.0f s of signal %d; its threads (name, state, kernel wait):\n%s\n"
                "stderr:\n%s" % (timeout, sig, threads, self.stderr_text())) from None
        self.stopped_rc = rc
        return rc

    def thread_states(self):
        """One line per thread of the running server: its name, its state and
        the kernel function it waits in, from /proc (for a server that hangs)."""
        lines = []
        task_dir = "/proc/%d/task" % self.proc.pid
        try:
            tids = sorted(os.listdir(task_dir), key=int)
        except OSError as e:
            return "(%s)" % e
        for tid in tids:
            fields = []
            for name in ("comm", "wchan"):
                try:
                    with open(os.path.join(task_dir, tid, name)) as f:
                        fields.append(f.read().strip() or "-")
                except OSError:
                    fields.append("?")
            try:
                with open(os.path.join(task_dir, tid, "stat")) as f:
                    state = f.read().rsplit(")", 1)[1].split()[0]
            except (OSError, IndexError):
                state = "?"
            lines.append("  %s %s %s %s" % (tid, fields[0], state, fields[1]))
        return "\n".join(lines)

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass

    def stderr_text(self, limit=4000):
        try:
            with open(self._stderr_path, "rb") as f:
                data = f.read()
        except OSError:
            return ""
        return data[-limit:].decode("utf-8", "replace")


def run_binary(args, timeout=10.0, cwd=None):
    """Runs the binary to completion (for flags that make it exit).

    Returns (returncode, stdout, stderr). Fails if it is still running after
    `timeout` seconds (it is then killed)."""
    proc = subprocess.Popen([binary_path()] + list(args), cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate(timeout=5)
        raise AssertionError(
            "%r did not exit within %.0f s (it should have); stderr: %r"
            % (args, timeout, err[-2000:]))
    return proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


# ---------------------------------------------------------------- boto3

_session_lock = threading.Lock()
_session = None
_clients = {}  # endpoint -> weak set of clients made for it


def close_clients(endpoint):
    """Closes the connection pools of every client made for `endpoint`.

    Servers are stopped with no client connection left open, so that only the
    test written for it checks SIGTERM with idle keep-alive connections."""
    with _session_lock:
        clients = list(_clients.pop(endpoint, ()))
    for c in clients:
        c.close()


def _boto_session():
    global _session
    if _session is None:
        _session = boto3.session.Session(
            aws_access_key_id=DUMMY_ACCESS_KEY, aws_secret_access_key=DUMMY_SECRET_KEY,
            region_name=REGION)
    return _session


def make_client(endpoint, access_key=DUMMY_ACCESS_KEY, region=REGION,
                validate=True, max_attempts=2, pool=10, read_timeout=30):
    """A low-level DynamoDB client for `endpoint` with dummy credentials."""
    cfg = botocore.config.Config(
        region_name=region,
        retries={"max_attempts": max_attempts, "mode": "standard"},
        connect_timeout=5, read_timeout=read_timeout,
        max_pool_connections=pool,
        parameter_validation=validate)
    with _session_lock:  # Session.client is not thread-safe
        client = _boto_session().client(
            "dynamodb", endpoint_url=endpoint, region_name=region,
            aws_access_key_id=access_key, aws_secret_access_key=DUMMY_SECRET_KEY,
            config=cfg)
        _clients.setdefault(endpoint, weakref.WeakSet()).add(client)
        return client


def no_retries(resp):
    """Asserts the SDK did not need a retry to get `resp`; returns it."""
    attempts = resp["ResponseMetadata"].get("RetryAttempts", 0)
    assert attempts == 0, "request needed %d retries: %r" % (attempts, resp["ResponseMetadata"])
    return resp


def client_error(fn, *args, **kwargs):
    """Calls fn, which must fail with a ClientError; returns (code, message, status)."""
    try:
        resp = fn(*args, **kwargs)
    except ClientError as e:
        err = e.response.get("Error", {})
        return err.get("Code"), err.get("Message"), e.response["ResponseMetadata"]["HTTPStatusCode"]
    raise AssertionError("expected an error, got success: %r" % (resp,))


def assert_error(fn, code, message=None, status=400, **kwargs):
    got_code, got_message, got_status = client_error(fn, **kwargs)
    assert (got_code, got_status) == (code, status), \
        "expected %s/%d, got %s/%d: %r" % (code, status, got_code, got_status, got_message)
    if message is not None:
        assert got_message == message
    return got_message


def wait_active(client, table, timeout=20.0):
    deadline = time.monotonic() + timeout
    while True:
        desc = client.describe_table(TableName=table)["Table"]
        if desc["TableStatus"] == "ACTIVE":
            return desc
        assert time.monotonic() < deadline, \
            "table %s not ACTIVE within %.0f s: %s" % (table, timeout, desc["TableStatus"])
        time.sleep(0.05)


def wait_deleted(client, table, timeout=20.0):
    deadline = time.monotonic() + timeout
    while True:
        try:
            desc = client.describe_table(TableName=table)["Table"]
        except ClientError as e:
            assert e.response["Error"]["Code"] == "ResourceNotFoundException", e.response
            return
        assert time.monotonic() < deadline, \
            "table %s still exists %.0f s after DeleteTable: %s" % (table, timeout, desc["TableStatus"])
        time.sleep(0.05)


def create_table(client, name, hash_key=("pk", "S"), range_key=("sk", "N"), provisioned=False,
                 global_index=None):
    """global_index: (index name, (hash attribute, type)), projecting ALL."""
    attrs = [{"AttributeName": hash_key[0], "AttributeType": hash_key[1]}]
    schema = [{"AttributeName": hash_key[0], "KeyType": "HASH"}]
    if range_key is not None:
        attrs.append({"AttributeName": range_key[0], "AttributeType": range_key[1]})
        schema.append({"AttributeName": range_key[0], "KeyType": "RANGE"})
    kwargs = dict(TableName=name, AttributeDefinitions=attrs, KeySchema=schema)
    if global_index is not None:
        index_name, (attr, attr_type) = global_index
        attrs.append({"AttributeName": attr, "AttributeType": attr_type})
        kwargs["GlobalSecondaryIndexes"] = [{"IndexName": index_name,
                                             "KeySchema": [{"AttributeName": attr, "KeyType": "HASH"}],
                                             "Projection": {"ProjectionType": "ALL"}}]
    if provisioned:
        kwargs["ProvisionedThroughput"] = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
    else:
        kwargs["BillingMode"] = "PAY_PER_REQUEST"
    resp = client.create_table(**kwargs)
    desc = resp["TableDescription"]
    assert desc["TableName"] == name
    assert desc["KeySchema"] == schema
    assert sorted(desc["AttributeDefinitions"], key=lambda a: a["AttributeName"]) == \
        sorted(attrs, key=lambda a: a["AttributeName"])
    assert desc["TableStatus"] in ("CREATING", "ACTIVE")
    return wait_active(client, name)


def scan_all(client, table, limit=None, consistent=True, max_pages=10000, **kwargs):
    """All items of a table, following LastEvaluatedKey (bounded page count).

    Strongly consistent by default: a Scan, like a GetItem, may otherwise miss
    writes acknowledged a moment ago."""
    items, start = [], None
    for _ in range(max_pages):
        args = dict(TableName=table, ConsistentRead=consistent, **kwargs)
        if limit is not None:
            args["Limit"] = limit
        if start is not None:
            args["ExclusiveStartKey"] = start
        resp = client.scan(**args)
        items.extend(resp["Items"])
        start = resp.get("LastEvaluatedKey")
        if start is None:
            return items
    raise AssertionError("scan of %s did not end within %d pages" % (table, max_pages))


def query_pages(client, max_pages=1000, check_page=None, **args):
    """Every page of a Query with `args`, following LastEvaluatedKey (bounded
    page count); `check_page(resp)` sees each page that has one. Returns
    (items, pages)."""
    items = []
    for pages in range(1, max_pages + 1):
        resp = client.query(**args)
        items += resp["Items"]
        if "LastEvaluatedKey" not in resp:
            return items, pages
        if check_page is not None:
            check_page(resp)
        args["ExclusiveStartKey"] = resp["LastEvaluatedKey"]
    raise AssertionError("query did not end within %d pages" % max_pages)


# ---------------------------------------------------------------- items

def norm_av(av):
    """An AttributeValue with sets in a canonical order (DynamoDB sets are unordered)."""
    assert isinstance(av, dict) and len(av) == 1, "not an AttributeValue: %r" % (av,)
    (t, v), = av.items()
    if t in ("SS", "NS", "BS"):
        return {t: sorted(v)}
    if t == "M":
        return {"M": {k: norm_av(x) for k, x in v.items()}}
    if t == "L":
        return {"L": [norm_av(x) for x in v]}
    if t == "B" and isinstance(v, bytearray):
        return {"B": bytes(v)}
    return {t: v}


def norm_item(item):
    if item is None:
        return None
    return {k: norm_av(v) for k, v in item.items()}


def poll_until(fn, check, timeout=2.0, interval=0.01, what="condition"):
    """Calls fn() until check(result) holds; bounded by timeout. Returns the
    last result (the check is asserted by the caller's message)."""
    deadline = time.monotonic() + timeout
    while True:
        result = fn()
        if check(result):
            return result
        if time.monotonic() > deadline:
            raise AssertionError("%s did not hold within %.1f s; last result: %r"
                                 % (what, timeout, result))
        time.sleep(interval)


def eventually_get(client, table, key, expected, timeout=2.0):
    """An eventually consistent GetItem that must show `expected` (an item or
    None) within `timeout` (a replica may lag by milliseconds)."""
    want = norm_item(expected)
    return poll_until(
        lambda: norm_item(client.get_item(TableName=table, Key=key, ConsistentRead=False).get("Item")),
        lambda got: got == want, timeout=timeout,
        what="eventually consistent GetItem %r == expected" % (key,))


# ---------------------------------------------------------------- raw HTTP

class RawResponse:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lower-cased names
        self.body = body

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def header(self, name):
        return self.headers.get(name.lower())

    def __repr__(self):
        return "RawResponse(%d, %r, %r)" % (self.status, self.headers, self.body[:500])


def signed_headers(port, op, body, access_key=DUMMY_ACCESS_KEY, region=REGION,
                   content_type=AMZ_JSON, target=None):
    """SigV4-signed headers (as the AWS SDKs send them) for POST /."""
    headers = {
        "Host": "%s:%d" % (HOST, port),
        "Content-Type": content_type,
        "X-Amz-Target": target if target is not None else TARGET_PREFIX + op,
    }
    req = AWSRequest(method="POST", url="http://%s:%d/" % (HOST, port), data=body, headers=headers)
    SigV4Auth(Credentials(access_key, DUMMY_SECRET_KEY), "dynamodb", region).add_auth(req)
    return {k: v for k, v in req.headers.items()}


def to_body(payload):
    if isinstance(payload, (bytes, bytearray)):
        return bytes(payload)
    if isinstance(payload, str):
        return payload.encode("utf-8")
    return json.dumps(payload).encode("utf-8")


def raw_request(port, method, path="/", body=b"", headers=None, timeout=10.0):
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        return RawResponse(resp.status, {k.lower(): v for k, v in resp.getheaders()}, data)
    finally:
        conn.close()


def admin(port, method, path, body=None, timeout=10.0):
    """An admin API call (JSON in and out): (status, parsed body)."""
    resp = raw_request(port, method, path, body=json.dumps(body).encode() if body is not None else b"",
                       headers={"Content-Type": "application/json"}, timeout=timeout)
    return resp.status, resp.json()


def cluster_snapshot(port):
    """GET /admin/cluster, which must answer 200."""
    status, snap = admin(port, "GET", "/admin/cluster")
    assert status == 200, snap
    return snap


def raw_call(port, op, payload, sign=True, access_key=DUMMY_ACCESS_KEY, region=REGION,
             content_type=AMZ_JSON, target=None, extra_headers=None, timeout=10.0):
    """POST / with a DynamoDB JSON request; signed unless sign=False."""
    body = to_body(payload)
    if sign:
        headers = signed_headers(port, op, body, access_key, region, content_type, target)
    else:
        headers = {"Content-Type": content_type,
                   "X-Amz-Target": target if target is not None else TARGET_PREFIX + op}
    if extra_headers:
        headers.update(extra_headers)
    return raw_request(port, "POST", "/", body, headers, timeout)


def crc32_ok(resp):
    value = resp.header("x-amz-crc32")
    return value is not None and value.isdigit() and int(value) == zlib.crc32(resp.body)


def error_type(resp):
    """The part of __type after '#', e.g. 'ValidationException'."""
    data = resp.json()
    assert isinstance(data, dict) and "__type" in data, "not a DynamoDB error body: %r" % (resp.body,)
    t = data["__type"]
    assert "#" in t and t.split("#", 1)[0], "malformed __type %r" % (t,)
    return t.rsplit("#", 1)[1]
