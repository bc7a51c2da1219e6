"""Fixtures for the ddb-local integration tests.

The binary under test is $DDB_LOCAL (default /work/main/ddb-local). Each
server runs on a free port of 127.0.0.1, is awaited with a bounded poll of
GET /, and is stopped with SIGTERM at teardown, which must exit with code 0.
"""

import os
import signal

import pytest

import ddb_support as ds

# Hermetic AWS settings for boto3 in this process: no profile or config
# files of the machine, no proxy between the tests and 127.0.0.1.
for _var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB",
             "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE",
             "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
    os.environ.pop(_var, None)
os.environ["AWS_CONFIG_FILE"] = "/dev/null"
os.environ["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null"
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"


def pytest_sessionfinish(session, exitstatus):
    # "No tests collected" (exit code 5) must never pass for a result: if a
    # filter or a broken collection selects nothing, that is a failure.
    if exitstatus == 5:
        session.exitstatus = 1


@pytest.fixture(scope="session")
def ddb_binary():
    path = ds.binary_path()
    assert os.path.isfile(path) and os.access(path, os.X_OK), \
        "ddb-local binary not found or not executable at %r (set DDB_LOCAL)" % path
    return path


class ServerFactory:
    """Starts servers for one test (or module); stops them all at teardown
    with SIGTERM and checks each exits with code 0."""

    def __init__(self, base_dir):
        self.base_dir = base_dir
        self.servers = []
        self._n = 0

    def _dir(self, name):
        self._n += 1
        path = os.path.join(str(self.base_dir), "%s-%d" % (name, self._n))
        os.makedirs(path, exist_ok=True)
        return path

    def start(self, in_memory=True, db_path=None, extra_args=(), cwd=None, port=None,
              shared_db=False, wait=True):
        """Starts ddb-local with -port N and -inMemory (default) or -dbPath."""
        server = ds.Server([], cwd or self._dir("cwd"), self._dir("logs"), port=port)
        args = ["-port", str(server.port)]
        if db_path is not None:
            args += ["-dbPath", str(db_path)]
        elif in_memory:
            args += ["-inMemory"]
        if shared_db:
            args += ["-sharedDb"]
        args += list(extra_args)
        server.args = args
        self.servers.append(server)
        return server.start(wait=wait)

    def start_args(self, build_args, cwd=None):
        """Starts ddb-local with the command line build_args(port) (no defaults added)."""
        server = ds.Server([], cwd or self._dir("cwd"), self._dir("logs"))
        server.args = list(build_args(server.port))
        self.servers.append(server)
        return server.start()

    def restart(self, server):
        """SIGTERM (exit code 0 required), then the same command line again
        (same port, same -dbPath)."""
        rc = server.stop()
        assert rc == 0, "ddb-local exited with %r on SIGTERM; stderr:\n%s" % (rc, server.stderr_text())
        server.start()
        return server

    def stop_all(self):
        failures = []
        for server in self.servers:
            if server.proc is None or server.stop_reported:
                continue
            try:
                rc = server.stop(signal.SIGTERM)
            except AssertionError as e:
                failures.append(str(e))
                continue
            if rc != 0:
                failures.append("ddb-local on port %d exited with code %r (expected 0 after SIGTERM); "
                                "stderr:\n%s" % (server.port, rc, server.stderr_text()))
        self.servers = []
        assert not failures, "\n".join(failures)


@pytest.fixture
def server_factory(ddb_binary, tmp_path):
    factory = ServerFactory(tmp_path)
    try:
        yield factory
    finally:
        factory.stop_all()


@pytest.fixture(scope="module")
def module_server(ddb_binary, tmp_path_factory):
    """One -inMemory server shared by the tests of a module."""
    factory = ServerFactory(tmp_path_factory.mktemp("module-server"))
    try:
        yield factory.start(in_memory=True)
    finally:
        factory.stop_all()


@pytest.fixture(scope="module")
def endpoint(module_server):
    return module_server.endpoint


@pytest.fixture(scope="session")
def client_factory():
    """make(endpoint, access_key=..., region=..., validate=True, ...) -> boto3 client."""
    return ds.make_client


@pytest.fixture(scope="module")
def ddb(module_server):
    return ds.make_client(module_server.endpoint)


@pytest.fixture(scope="module")
def ddb_raw_params(module_server):
    """A client that sends requests as given (no client-side validation), so
    that the server's own validation is what answers."""
    return ds.make_client(module_server.endpoint, validate=False)
