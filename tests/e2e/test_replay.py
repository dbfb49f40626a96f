"""A captured request cannot be turned into another one: a signature is bound to the request it was
first used with (action, version, region, body), the identical request again gets the first answer
without running twice, a v1 Nonce is single-use, and the Huawei door hashes the body it received."""

import hashlib
import hmac
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

import signing
from conftest import Account, upload


def send(server, payload, headers):
    status, _, body = signing.raw(server.host, server.port, "POST", "/", payload, headers)
    assert status == 200 and isinstance(body, dict), (status, body)
    return body["Response"]


def capture(server, acct, action, body, **kw):
    return signing.tc3_prepare(server.host, server.port, acct.secret_id, acct.secret_key, action, body, **kw)


def test_a_captured_read_cannot_become_another_action(server, fresh_chain):
    acct = Account(server, "replay-swap")
    cid = upload(acct.client(), fresh_chain)["CertificateId"]
    payload, headers = capture(server, acct, "DescribeCertificate", {"CertificateId": cid})
    first = send(server, payload, headers)
    assert first["CertificateId"] == cid and "Error" not in first, first
    # Each swap keeps the signature valid for the old server (only content-type and host are signed).
    for swap in [{"X-TC-Action": "DescribeCertificateDetail"}, {"X-TC-Action": "RevokeCertificate"},
                 {"X-TC-Action": "DeleteCertificate"}, {"X-TC-Region": "ap-beijing"}, {"X-TC-Language": "en-US"}]:
        r = send(server, payload, {**headers, **swap})
        assert r.get("Error", {}).get("Code") == "AuthFailure.SignatureFailure", (swap, r)
        assert "CertificatePrivateKey" not in r and r["RequestId"] != first["RequestId"]
    # The identical request is answered as the first time: same RequestId, same body.
    assert send(server, payload, headers) == first
    # A second later: within the same second the SDK would sign these very bytes for another action.
    time.sleep(1.1)
    info = acct.client().call_json("DescribeCertificateDetail", {"CertificateId": cid})["Response"]
    assert info["Status"] == 1, "the certificate was neither revoked nor deleted"


def test_a_swapped_upload_is_refused_and_a_replayed_upload_runs_once(server, fresh_chain):
    acct = Account(server, "replay-upload")
    params = {"CertificatePublicKey": fresh_chain.leaf + fresh_chain.intermediate + fresh_chain.root,
              "CertificatePrivateKey": fresh_chain.key, "Alias": "replayed-once", "Repeatable": True}
    payload, headers = capture(server, acct, "UploadCertificate", params)
    answers = []
    # Concurrent identical requests: one runs, the others wait for its answer.
    threads = [threading.Thread(target=lambda: answers.append(send(server, payload, headers))) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    answers.append(send(server, payload, headers))
    assert len(answers) == 7 and all(a == answers[0] for a in answers), answers
    assert "CertificateId" in answers[0], answers[0]
    listed = acct.client().call_json("DescribeCertificates", {"SearchKey": "replayed-once"})["Response"]
    assert listed["TotalCount"] == 1, listed
    # The same signature as another write is refused.
    r = send(server, payload, {**headers, "X-TC-Action": "CheckCertificateChain"})
    assert r["Error"]["Code"] == "AuthFailure.SignatureFailure", r


def test_sdk_requests_still_work_back_to_back(server, fresh_chain):
    """Each SDK call signs anew: distinct writes in a row all run."""
    acct = Account(server, "replay-sdk")
    c = acct.client()
    ids = {upload(c, fresh_chain, Repeatable=True, Alias=f"sdk-{i}")["CertificateId"] for i in range(3)}
    assert len(ids) == 3


def test_v1_nonce_is_single_use(server):
    acct = Account(server, "replay-v1")
    host_hdr = f"{server.host}:{server.port}"

    def get(p):
        status, _, body = signing.raw(server.host, server.port, "GET", "/?" + urllib.parse.urlencode(p), None, {"Host": host_hdr})
        assert status == 200, body
        return body["Response"]

    p = signing.v1_params(host_hdr, acct.secret_id, acct.secret_key, "DescribeCertificates", {"Limit": "2"}, nonce=77)
    first = get(p)
    assert "Error" not in first, first
    assert get(p) == first, "the identical v1 request gets the first answer"
    for other in [{"Limit": "3"}, {}]:
        q = signing.v1_params(host_hdr, acct.secret_id, acct.secret_key, "DescribeCertificates", other, nonce=77)
        assert get(q)["Error"]["Code"] == "AuthFailure.SignatureFailure", other
    q = signing.v1_params(host_hdr, acct.secret_id, acct.secret_key, "DescribeCertificates", {"Limit": "3"}, sig_method="HmacSHA1", nonce=77)
    assert get(q)["Error"]["Code"] == "AuthFailure.SignatureFailure"
    # Another key may use the same nonce; and a fresh nonce works.
    other = Account(server, "replay-v1-other")
    assert "Error" not in get(signing.v1_params(host_hdr, other.secret_id, other.secret_key, "DescribeCertificates", {}, nonce=77))
    assert "Error" not in get(signing.v1_params(host_hdr, acct.secret_id, acct.secret_key, "DescribeCertificates", {"Limit": "3"}))


def huawei(server, headers, body, path="/v2/0f51a9e00c80f40f2f3cc00be3572e74/scm/cert/nope1234/revoke"):
    req = urllib.request.Request(server.url + path, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def huawei_sign(ak, sk, host, path, body, signed, extra=None):
    """A hand-made SDK-HMAC-SHA256 signature over exactly the headers in `signed`."""
    date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    headers = {"Content-Type": "application/json", "Host": host, "X-Sdk-Date": date, **(extra or {})}
    lower = {k.lower(): v for k, v in headers.items()}
    canonical_headers = "".join(f"{n}:{lower[n].strip()}\n" for n in signed)
    payload_hash = lower.get("x-sdk-content-sha256") or hashlib.sha256(body).hexdigest()
    canonical = "\n".join(["POST", path + "/", "", canonical_headers, ";".join(signed), payload_hash])
    sts = "\n".join(["SDK-HMAC-SHA256", date, hashlib.sha256(canonical.encode()).hexdigest()])
    sig = hmac.new(sk.encode(), sts.encode(), hashlib.sha256).hexdigest()
    headers["Authorization"] = f"SDK-HMAC-SHA256 Access={ak}, SignedHeaders={';'.join(signed)}, Signature={sig}"
    return headers


def test_huawei_door_hashes_the_received_body_and_needs_a_signed_host(server):
    hw = json.loads(server.cli("key", "create", "--account", "replay-hw", "--kind", "huawei", "--json"))
    ak, sk = hw["SecretId"], hw["SecretKey"]
    host = f"{server.host}:{server.port}"
    path = "/v2/0f51a9e00c80f40f2f3cc00be3572e74/scm/cert/nope1234/revoke"
    body = json.dumps({"reason": "x"}).encode()
    # Control: properly signed, the request reaches the door (unknown certificate: 404).
    ok = huawei_sign(ak, sk, host, path, body, ["content-type", "host", "x-sdk-date"])
    assert huawei(server, ok, body)[0] == 404
    # The SDK's UNSIGNED-PAYLOAD opt-out, even signed, would let any body ride on the signature.
    sdk = SdkRequest(method="POST", schema="http", host=host, resource_path=path, query_params=[],
                     header_params={"Content-Type": "application/json", "X-Sdk-Content-Sha256": "UNSIGNED-PAYLOAD"}, body=body)
    sdk = Signer(BasicCredentials(ak, sk, "0f51a9e00c80f40f2f3cc00be3572e74")).sign(sdk)
    status, r = huawei(server, dict(sdk.header_params), json.dumps({"reason": "anything"}).encode())
    assert status == 401 and r["error_code"] == "SCM.0002", r
    # A content hash header that is not signed cannot stand in for the body either.
    claimed = huawei_sign(ak, sk, host, path, body, ["content-type", "host", "x-sdk-date"],
                          extra={"X-Sdk-Content-Sha256": hashlib.sha256(b"{}").hexdigest()})
    assert huawei(server, claimed, body)[0] == 401
    # Host must be signed.
    no_host = huawei_sign(ak, sk, host, path, body, ["content-type", "x-sdk-date"])
    status, r = huawei(server, no_host, body)
    assert status == 401 and r["error_code"] == "SCM.0002", r


def test_two_nodes_on_one_postgresql_share_the_binding(workdir, fresh_chain):
    """Two certhub nodes on one PostgreSQL database: a signature used on one is bound on the other."""
    import os
    import random
    import subprocess

    from conftest import BIN, Server

    base = os.environ.get("CERTHUB_TEST_PG_URL", "postgres://postgres@127.0.0.1:5432/test")
    db = f"certhub_e2e_nodes_{random.randrange(10**9)}"
    subprocess.run(["psql", base, "-q", "-c", f"CREATE DATABASE {db}"], check=True, capture_output=True)
    url = base.rsplit("/", 1)[0] + "/" + db
    master = {"CERTHUB_MASTER_KEY": "ab" * 32}
    dirs = [os.path.join(workdir, f"node-{i}") for i in range(2)]
    for d in dirs:
        os.makedirs(d)
    nodes = [Server(d, extra=("--database-url", url), env=master) for d in dirs]
    try:
        r = subprocess.run([BIN, "key", "create", "--account", "nodes", "--json", "--data-dir", dirs[0], "--database-url", url],
                           capture_output=True, text=True, env={**os.environ, **master})
        assert r.returncode == 0, r.stderr
        key = json.loads(r.stdout)

        class Acct:
            secret_id, secret_key = key["SecretId"], key["SecretKey"]

        a, b = nodes
        # Signed for node a's Host; the Host header travels with the captured request.
        payload, headers = capture(a, Acct, "DescribeCertificates", {"Limit": 3})
        first = send(a, payload, headers)
        assert "Error" not in first, first
        assert send(b, payload, headers) == first, "the other node answers with the first answer"
        r = send(b, payload, {**headers, "X-TC-Action": "DescribeCertificateOperateLogs"})
        assert r["Error"]["Code"] == "AuthFailure.SignatureFailure", r
        # One upload, sent to both nodes at once, creates one certificate.
        params = {"CertificatePublicKey": fresh_chain.leaf + fresh_chain.intermediate + fresh_chain.root,
                  "CertificatePrivateKey": fresh_chain.key, "Alias": "two-nodes", "Repeatable": True}
        payload, headers = capture(a, Acct, "UploadCertificate", params)
        answers = []
        threads = [threading.Thread(target=lambda n=n: answers.append(send(n, payload, headers))) for n in [a, b, a, b]]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(answers) == 4 and all(x == answers[0] for x in answers) and "CertificateId" in answers[0], answers
        payload, headers = capture(a, Acct, "DescribeCertificates", {"SearchKey": "two-nodes"})
        assert send(b, payload, headers)["TotalCount"] == 1
    finally:
        for n in nodes:
            n.stop()
        subprocess.run(["psql", base, "-q", "-c", f"DROP DATABASE {db} WITH (FORCE)"], capture_output=True)
