"""Fixtures: a real `certhub serve` on a free port, accounts and keys made with
the real CLI, official-SDK clients for each signing method, tccli, and test
certificates made with openssl."""

import contextlib
import functools
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from tencentcloud.common import credential  # noqa: E402
from tencentcloud.common.profile.client_profile import ClientProfile  # noqa: E402
from tencentcloud.common.profile.http_profile import HttpProfile  # noqa: E402
from tencentcloud.ssl.v20191205 import ssl_client  # noqa: E402

import material  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("CERTHUB_BIN", os.path.join(ROOT, "target", "debug", "certhub"))
SIGN_METHODS = ["TC3-HMAC-SHA256", "HmacSHA1", "HmacSHA256"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def http_root(root):
    """A web server on loopback serving `root`: what FILE validation fetches. Yields (root, port)."""
    os.makedirs(root, exist_ok=True)
    port = free_port()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(_QuietHandler, directory=root))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield root, port
    finally:
        httpd.shutdown()


def publish_file(web, path, key, value):
    """Publishes a FILE validation record (`path` + `key` containing `value`) under an `http_root`."""
    d = os.path.join(web[0], path.strip("/"))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, key), "w") as f:
        f.write(value + "\n")


class Server:
    def __init__(self, data_dir, multiplier="0", extra=(), env=None, log_path=None, port=None):
        if not os.path.exists(BIN):
            pytest.exit(f"certhub binary not found at {BIN}; build it with `cargo build -p certhub`", returncode=1)
        self.data_dir = data_dir
        self.port = port or free_port()
        self.host = "127.0.0.1"
        self.url = f"http://{self.host}:{self.port}"
        self.log = open(log_path or os.path.join(data_dir, "serve.log"), "w")
        self.proc = subprocess.Popen(
            [BIN, "serve", "--listen", f"{self.host}:{self.port}", "--data-dir", data_dir,
             "--public-url", self.url, "--rate-limit-multiplier", multiplier, *extra],
            stdout=self.log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                if urllib.request.urlopen(self.url + "/healthz", timeout=1).status == 200:
                    return
            except OSError:
                time.sleep(0.1)
            if self.proc.poll() is not None:
                raise RuntimeError(f"certhub serve exited: {open(self.log.name).read()}")
        raise RuntimeError("certhub serve did not become ready")

    def cli(self, *args):
        r = subprocess.run([BIN, *args, "--data-dir", self.data_dir], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        return r.stdout

    def key(self, account):
        return json.loads(self.cli("key", "create", "--account", account, "--json"))

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=20)
        self.log.close()
        return code


_signed_until = {}
_signed_lock = threading.Lock()


class SpacedSslClient(ssl_client.SslClient):
    """The official client, made to follow certhub's rule that a signature serves one request.

    The SDK signs only content-type, host and the body with a one-second timestamp, so two calls
    with the same parameters within one second carry the same signature whatever their action:
    certhub answers the second as a replay of the first (or refuses it for another action).
    A second call with the same key and parameters therefore waits for the next second."""

    def call_json(self, action, params, *args, **kwargs):
        key = (self.credential.secretId, json.dumps(params, sort_keys=True))
        while True:
            with _signed_lock:
                if int(time.time()) > _signed_until.get(key, 0):
                    break
            time.sleep(0.05)
        try:
            return super().call_json(action, params, *args, **kwargs)
        finally:
            with _signed_lock:
                _signed_until[key] = int(time.time())


class Account:
    def __init__(self, server, name):
        self.server = server
        self.key = server.key(name)
        self.secret_id = self.key["SecretId"]
        self.secret_key = self.key["SecretKey"]
        self.uin = self.key["OwnerUin"]

    def client(self, sign_method="TC3-HMAC-SHA256", req_method="POST"):
        hp = HttpProfile(endpoint=f"{self.server.host}:{self.server.port}", protocol="http", reqMethod=req_method)
        cp = ClientProfile(signMethod=sign_method, httpProfile=hp)
        return SpacedSslClient(credential.Credential(self.secret_id, self.secret_key), "ap-guangzhou", cp)

    def tccli(self, action, *args):
        # tccli signs like the SDK (one-second timestamp, action unsigned): like SpacedSslClient,
        # a call waits for the next second after this key's previous one, so no two share a signature.
        while True:
            with _signed_lock:
                if int(time.time()) > _signed_until.get((self.secret_id, "tccli"), 0):
                    break
            time.sleep(0.05)
        tccli = os.path.join(os.path.dirname(sys.executable), "tccli")
        r = subprocess.run(
            [tccli, "ssl", action, "--secretId", self.secret_id, "--secretKey", self.secret_key,
             "--region", "ap-guangzhou", "--endpoint", self.server.url, *args],
            capture_output=True, text=True, env={**os.environ, "HOME": self.server.data_dir})
        with _signed_lock:
            _signed_until[(self.secret_id, "tccli")] = int(time.time())
        return r.returncode, r.stdout + r.stderr


@pytest.fixture(scope="session")
def workdir():
    d = tempfile.mkdtemp(prefix="certhub-e2e-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def server(workdir):
    data = os.path.join(workdir, "data")
    os.makedirs(data)
    s = Server(data)
    yield s
    assert s.stop() == 0, "certhub serve must exit 0 on SIGTERM"


@pytest.fixture(scope="session")
def alice(server):
    return Account(server, "alice")


@pytest.fixture(scope="session")
def bob(server):
    return Account(server, "bob")


@pytest.fixture(scope="session")
def rsa_chain(workdir):
    return material.make_chain(os.path.join(workdir, "certs"), "rsa")


@pytest.fixture(scope="session")
def ec_chain(workdir):
    return material.make_chain(os.path.join(workdir, "certs"), "ec", cn="ec.example.test", sans=("ec.example.test", "*.ec.example.test"))


@pytest.fixture
def fresh_chain(workdir, request):
    """A chain of its own for tests that need unique content."""
    name = request.node.name.replace("[", "-").replace("]", "").lower()[:40]
    return material.make_chain(os.path.join(workdir, "certs", name), "ec", cn=f"{name}.example.test", sans=(f"{name}.example.test",))


def upload(client, chain, key=None, **extra):
    params = {"CertificatePublicKey": chain.leaf + chain.intermediate + chain.root,
              "CertificatePrivateKey": key if key is not None else chain.key}
    params.update(extra)
    return client.call_json("UploadCertificate", params)["Response"]


def code_of(fn):
    """The Tencent error code `fn` fails with (it must fail)."""
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
    with pytest.raises(TencentCloudSDKException) as e:
        fn()
    return e.value.code


def wait_status(c, cid, want, seconds=60):
    """Polls DescribeCertificate (nudging with CompleteCertificate) until the status is `want` or time runs out."""
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
    deadline = time.time() + seconds
    while True:
        info = c.call_json("DescribeCertificate", {"CertificateId": cid})["Response"]
        if info["Status"] == want or time.time() > deadline:
            return info
        try:
            c.call_json("CompleteCertificate", {"CertificateId": cid})
        except TencentCloudSDKException:
            pass
        time.sleep(0.5)
