"""Encrypted private keys cannot exhaust the server: costs above the bounds are refused before
deriving, and allowed-but-expensive derivations run off the async threads, so /healthz, CRL and
OCSP stay fast meanwhile."""

import base64
import os
import subprocess
import threading
import time
import urllib.request

from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.ssl.v20191205 import ssl_client

import material
from conftest import upload

PBES2 = "2a864886f70d01050d"
PBKDF2 = "2a864886f70d01050c"
SCRYPT = "2b06010401da47040b"
HMAC_SHA256 = "2a864886f70d0209"
AES256_CBC = "60864801650304012a"


def tlv(tag, body):
    n = len(body)
    if n < 0x80:
        head = bytes([n])
    else:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        head = bytes([0x80 | len(raw)]) + raw
    return bytes([tag]) + head + body


def seq(*parts):
    return tlv(0x30, b"".join(parts))


def oid(hexstr):
    return tlv(0x06, bytes.fromhex(hexstr))


def integer(v):
    raw = v.to_bytes(v.bit_length() // 8 + 1, "big")
    return tlv(0x02, raw)


def encrypted_key(kdf):
    """An EncryptedPrivateKeyInfo whose KDF is `kdf` (junk ciphertext: it must never be reached)."""
    cipher = seq(oid(AES256_CBC), tlv(0x04, bytes(16)))
    der = seq(seq(oid(PBES2), seq(kdf, cipher)), tlv(0x04, bytes(64)))
    b64 = base64.encodebytes(der).decode()
    return f"-----BEGIN ENCRYPTED PRIVATE KEY-----\n{b64}-----END ENCRYPTED PRIVATE KEY-----\n"


def pbkdf2_key(iterations):
    prf = seq(oid(HMAC_SHA256), tlv(0x05, b""))
    return encrypted_key(seq(oid(PBKDF2), seq(tlv(0x04, bytes(16)), integer(iterations), prf)))


def scrypt_key(log_n, r=8, p=1):
    return encrypted_key(seq(oid(SCRYPT), seq(tlv(0x04, bytes(16)), integer(1 << log_n), integer(r), integer(p))))


def client(account, timeout):
    hp = HttpProfile(endpoint=f"{account.server.host}:{account.server.port}", protocol="http", reqTimeout=timeout)
    return ssl_client.SslClient(credential.Credential(account.secret_id, account.secret_key), "ap-guangzhou", ClientProfile(httpProfile=hp))


def fetch(url, data=None, headers=None):
    req = urllib.request.Request(url, data=data, headers=headers or {})
    started = time.monotonic()
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status == 200
        r.read()
    return time.monotonic() - started


def test_costs_above_the_bounds_are_refused_at_once(alice, server, fresh_chain):
    c = client(alice, 20)
    for key in (pbkdf2_key(4_000_000_000), pbkdf2_key(1_000_001), scrypt_key(40), scrypt_key(21), scrypt_key(14, r=64),
                scrypt_key(14, p=64)):
        started = time.monotonic()
        try:
            upload(c, fresh_chain, key, KeyPassword="pw")
            raise AssertionError("an over-cost key was accepted")
        except TencentCloudSDKException as e:
            assert e.code == "InvalidParameter.WithDetailReason", e
            assert "cost refused" in e.message, e.message
        assert time.monotonic() - started < 2, "refusal must not derive anything"
    # The server is still up and answering.
    assert fetch(server.url + "/healthz") < 1


def ocsp_request(workdir, server):
    """An OCSP request for a random serial under certhub's ECDSA intermediate (answered `unknown`, signed each time)."""
    d = os.path.join(workdir, "kdf-ocsp")
    os.makedirs(d, exist_ok=True)
    with urllib.request.urlopen(server.url + "/ca/ecdsa-p256.crt", timeout=10) as r:
        open(os.path.join(d, "int.der"), "wb").write(r.read())
    subprocess.run(["openssl", "x509", "-inform", "DER", "-in", "int.der", "-out", "int.pem"], cwd=d, check=True)
    subprocess.run(["openssl", "ocsp", "-issuer", "int.pem", "-serial", "0x5eed", "-no_nonce", "-reqout", "req.der"], cwd=d,
                   check=True, capture_output=True)
    return open(os.path.join(d, "req.der"), "rb").read()


def test_healthz_crl_ocsp_stay_fast_during_expensive_derivations(alice, server, workdir):
    chain = material.make_chain(os.path.join(workdir, "certs", "kdf-load"), "ec", cn="kdf.example.test", sans=("kdf.example.test",))
    # The most expensive PBKDF2 the bounds allow.
    material.openssl(chain.dir, "pkcs8", "-topk8", "-in", "leaf.key", "-v2", "aes-256-cbc", "-v2prf", "hmacWithSHA256",
                     "-iter", "1000000", "-passout", "pass:heavy", "-out", "heavy.key")
    heavy = material.read(os.path.join(chain.dir, "heavy.key"))
    req = ocsp_request(workdir, server)
    probes = {
        "healthz": lambda: fetch(server.url + "/healthz"),
        "crl": lambda: fetch(server.url + "/crl/ecdsa-p256.crl"),
        "ocsp": lambda: fetch(server.url + "/ocsp", req, {"Content-Type": "application/ocsp-request"}),
    }
    for probe in probes.values():
        probe()  # warm: first CRL/OCSP answers may be generated on demand

    results, errors = [], []

    def one_upload(n):
        # Each upload its own alias: identical requests in one second share a signature, and certhub
        # would answer the repeats from the first instead of deriving six keys.
        try:
            results.append(upload(client(alice, 300), chain, heavy, KeyPassword="heavy", Repeatable=True, Alias=f"kdf-{n}"))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    workers = [threading.Thread(target=one_upload, args=(n,)) for n in range(6)]
    started = time.monotonic()
    for w in workers:
        w.start()
    time.sleep(0.3)
    worst = {name: 0.0 for name in probes}
    rounds = 0
    while any(w.is_alive() for w in workers):
        for name, probe in probes.items():
            worst[name] = max(worst[name], probe())
        rounds += 1
        time.sleep(0.05)
    busy = time.monotonic() - started
    for w in workers:
        w.join()
    assert not errors, errors
    assert len(results) == 6
    print(f"6 uploads with PBKDF2 10^6 keys took {busy:.1f}s; {rounds} probe rounds; worst latency {worst}")
    for name, latency in worst.items():
        assert latency < 0.5, f"{name} took {latency:.2f}s while keys were being derived"
    assert rounds >= 3, "the uploads finished before the probes could overlap them"
