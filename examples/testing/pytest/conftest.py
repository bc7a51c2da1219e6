"""A pytest setup for an application's tests against ddb-local (docs/testing.md).

One ddb-local per test session: started on a free port, seeded from
../seed (tables and items), snapshotted once; every test starts from that
snapshot (an autouse fixture restores it, in a few milliseconds).
The binary is $DDB_LOCAL, or `ddb-local` on the PATH.
"""

import json
import os
import re
import shutil
import subprocess
import urllib.request

import boto3
import pytest

SEED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "seed")
READY_TIMEOUT_S = 10


def _admin(endpoint, path, body):
    req = urllib.request.Request(endpoint + path, data=json.dumps(body).encode(), method="POST")
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


@pytest.fixture(scope="session")
def ddb_endpoint():
    binary = os.environ.get("DDB_LOCAL") or shutil.which("ddb-local")
    assert binary, "set DDB_LOCAL or put ddb-local on the PATH"
    # -port 0: a free port, read back from the ready line. -sharedDb: one
    # namespace whatever credentials the application uses.
    proc = subprocess.Popen([binary, "-inMemory", "-sharedDb", "-port", "0", "-seed", SEED],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    try:
        line = proc.stdout.readline().decode()  # "ddb-local listening on http://127.0.0.1:PORT"
        match = re.match(r"ddb-local listening on (http://\S+)", line)
        if not match:
            proc.kill()
            pytest.fail("ddb-local did not start (exit %s): %s" % (proc.wait(READY_TIMEOUT_S),
                                                                   proc.stderr.read().decode()))
        endpoint = match.group(1)
        _admin(endpoint, "/admin/snapshot", {"name": "seeded"})
        yield endpoint
    finally:
        proc.terminate()
        proc.wait(timeout=READY_TIMEOUT_S)


@pytest.fixture(autouse=True)
def fresh_db(ddb_endpoint):
    """Every test starts from the seeded state, whatever the one before did."""
    _admin(ddb_endpoint, "/admin/restore", {"name": "seeded"})


@pytest.fixture
def dynamodb(ddb_endpoint):
    return boto3.resource("dynamodb", endpoint_url=ddb_endpoint, region_name="us-east-1",
                          aws_access_key_id="test", aws_secret_access_key="test")
