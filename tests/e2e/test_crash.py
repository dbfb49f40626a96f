"""SIGKILL during a burst of uploads, revocations and validations (official SDK, concurrent threads): after a
restart on the same data directory every acknowledged write is there, and every job (pending validations,
revocations waiting for their record) finishes within a bounded time without any client nudging it."""

import os
import subprocess
import threading
import time
import urllib.parse
import urllib.request

import pytest

import material
from conftest import Account, Server, http_root, publish_file, upload, wait_status

# How long jobs may take to finish after the restart: a job the killed process had leased waits out its
# lease (45 s) before the new process takes it.
JOBS_BOUND = 100


@pytest.fixture(scope="module")
def web(workdir):
    with http_root(os.path.join(workdir, "crash-web")) as w:
        yield w


def publish_order(c, web, cid):
    dv = c.call_json("DescribeCertificate", {"CertificateId": cid})["Response"]["DvAuthDetail"]
    publish_file(web, dv["DvAuthPath"], dv["DvAuthKey"], dv["DvAuthValue"])


def issued(acct, web, domain):
    c = acct.client()
    cid = c.call_json("ApplyCertificate", {"DvAuthMethod": "FILE", "DomainName": domain,
                                           "CsrEncryptAlgo": "ECC", "CsrKeyParameter": "prime256v1"})["Response"]["CertificateId"]
    publish_order(c, web, cid)
    assert wait_status(c, cid, 1)["Status"] == 1
    return cid


class Burst:
    """Threads writing through the SDK until stopped; only what the server acknowledged is recorded."""

    def __init__(self, acct, web, chain, to_revoke):
        self.acct, self.web, self.chain, self.to_revoke = acct, web, chain, list(to_revoke)
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.uploads, self.applies, self.revokes = [], [], []
        self.sent = 0
        self.threads = [threading.Thread(target=self._guard, args=(f,), daemon=True)
                        for f in (self._upload, self._upload, self._apply, self._revoke)]

    def _guard(self, work):
        # Failures once the server is gone are expected: nothing unacknowledged is checked.
        while not self.stop.is_set():
            try:
                if not work():
                    return
            except Exception:  # noqa: BLE001
                time.sleep(0.05)

    def _upload(self):
        with self.lock:
            self.sent += 1
            n = self.sent
        # A distinct alias makes each request distinct (an identical one would be answered as a replay).
        cid = upload(self.acct.client(), self.chain, Repeatable=True, Alias=f"burst-{n}")["CertificateId"]
        with self.lock:
            self.uploads.append(cid)
        return True

    def _apply(self):
        with self.lock:
            n = len(self.applies)
        if n >= 20:
            return False
        c = self.acct.client()
        cid = c.call_json("ApplyCertificate", {"DvAuthMethod": "FILE", "DomainName": f"burst{n}.crash{os.getpid()}.test",
                                               "CsrEncryptAlgo": "ECC", "CsrKeyParameter": "prime256v1"})["Response"]["CertificateId"]
        with self.lock:
            self.applies.append(cid)
        publish_order(c, self.web, cid)
        return True

    def _revoke(self):
        if not self.to_revoke:
            return False
        cid = self.to_revoke[0]
        auths = self.acct.client().call_json("RevokeCertificate", {"CertificateId": cid, "Reason": "keyCompromise"})["Response"]
        a = auths["RevokeDomainValidateAuths"][0]
        with self.lock:
            self.revokes.append(cid)
        self.to_revoke.pop(0)
        publish_file(self.web, a["DomainValidateAuthPath"], a["DomainValidateAuthKey"], a["DomainValidateAuthValue"])
        time.sleep(0.1)
        return True


def crl_serials(srv, c, cid, d):
    """The serial of `cid`'s leaf and the serials its CA's current CRL lists (fetched from the restarted server)."""
    pem = c.call_json("DescribeCertificateDetail", {"CertificateId": cid})["Response"]["CertificatePublicKey"]
    leaf = "-----BEGIN CERTIFICATE-----" + pem.split("-----BEGIN CERTIFICATE-----")[1]
    path = os.path.join(d, f"{cid}.pem")
    with open(path, "w") as f:
        f.write(leaf.strip() + "\n")
    serial = subprocess.run(["openssl", "x509", "-in", path, "-noout", "-serial"], capture_output=True, text=True,
                            check=True).stdout.strip().split("=")[1].upper()
    points = subprocess.run(["openssl", "x509", "-in", path, "-noout", "-ext", "crlDistributionPoints"],
                            capture_output=True, text=True).stdout
    # The URL names the port of the killed process; the restarted one serves the same path.
    url = [w[len("URI:"):] for w in points.split() if w.startswith("URI:")][0]
    with urllib.request.urlopen(srv.url + urllib.parse.urlparse(url).path, timeout=10) as r:
        der = r.read()
    listing = subprocess.run(["openssl", "crl", "-inform", "DER", "-noout", "-text"], input=der, capture_output=True,
                             check=True).stdout.decode()
    listed = {line.split(":", 1)[1].strip().upper() for line in listing.splitlines() if "Serial Number:" in line}
    return serial, listed


def test_sigkill_during_a_burst_loses_nothing_acknowledged(workdir, web):
    data = os.path.join(workdir, "crash-data")
    os.makedirs(data)
    extra = ("--dcv-http-port", str(web[1]), "--dcv-connect-to", "127.0.0.1")
    srv = Server(data, extra=extra)
    acct = Account(srv, "crasher")
    chain = material.make_chain(os.path.join(workdir, "certs", "crash"), "ec", cn="crash.example.test",
                                sans=("crash.example.test",))
    to_revoke = [issued(acct, web, f"rev{i}.crash{os.getpid()}.test") for i in range(4)]

    burst = Burst(acct, web, chain, to_revoke)
    for t in burst.threads:
        t.start()
    deadline = time.time() + 20
    # Kill once every kind of write has been acknowledged at least once, with more in flight.
    while time.time() < deadline and not (burst.uploads and burst.applies and len(burst.revokes) >= 2):
        time.sleep(0.05)
    time.sleep(0.3)
    srv.proc.kill()
    srv.proc.wait(timeout=10)
    burst.stop.set()
    for t in burst.threads:
        t.join(timeout=30)
    srv.log.close()
    with burst.lock:
        uploads, applies, revokes = list(burst.uploads), list(burst.applies), list(burst.revokes)
    assert uploads and applies and revokes, (uploads, applies, revokes)
    print(f"acknowledged before SIGKILL: {len(uploads)} uploads, {len(applies)} orders, {len(revokes)} revocations")

    srv = Server(data, extra=extra)
    acct.server = srv
    c = acct.client()
    try:
        # Every acknowledged upload survived the kill.
        for cid in uploads:
            info = c.call_json("DescribeCertificate", {"CertificateId": cid})["Response"]
            assert info["CertificateId"] == cid and info["Status"] == 1, info
        # An order acknowledged just before the kill may not have had its record published yet.
        for cid in applies:
            publish_order(c, web, cid)
        # Every job finishes on its own: reads only, no CompleteCertificate nudging.
        want = {**{cid: 1 for cid in applies}, **{cid: 10 for cid in revokes}}
        end = time.time() + JOBS_BOUND
        status = {}
        while time.time() < end:
            status = {cid: c.call_json("DescribeCertificate", {"CertificateId": cid})["Response"]["Status"] for cid in want}
            if status == want:
                break
            time.sleep(1)
        assert status == want, f"not finished within {JOBS_BOUND} s: {status} (want {want})"
        # Every acknowledged revocation is published in its CA's CRL.
        d = os.path.join(workdir, "crash-certs")
        os.makedirs(d, exist_ok=True)
        for cid in revokes:
            listed = set()
            serial = None
            for _ in range(20):
                serial, listed = crl_serials(srv, c, cid, d)
                if serial in listed:
                    break
                time.sleep(0.5)
            assert serial in listed, f"{cid} ({serial}) is revoked but missing from the CRL {listed}"
    finally:
        assert srv.stop() == 0
