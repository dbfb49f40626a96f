"""Revocation through the Tencent, Huawei SCM and DigiCert doors, seen by CRL and OCSP through openssl."""

import base64
import concurrent.futures
import json
import os
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.sdk_request import SdkRequest
from huaweicloudsdkcore.signer.signer import Signer

from conftest import Account, Server, code_of, http_root, publish_file, wait_status


@pytest.fixture(scope="module")
def web(workdir):
    with http_root(os.path.join(workdir, "revoke-web")) as w:
        yield w


@pytest.fixture(scope="module")
def srv(workdir, web):
    data = os.path.join(workdir, "revoke-data")
    os.makedirs(data)
    s = Server(data, extra=("--dcv-http-port", str(web[1]), "--dcv-connect-to", "127.0.0.1"))
    yield s
    assert s.stop() == 0


@pytest.fixture(scope="module")
def acct(srv):
    return Account(srv, "revoker")


def issue(acct, web, domain, workdir):
    """A free certificate issued after FILE validation; its leaf, intermediate and root written to files."""
    c = acct.client()
    cid = c.call_json("ApplyCertificate", {"DvAuthMethod": "FILE", "DomainName": domain,
                                           "CsrEncryptAlgo": "ECC", "CsrKeyParameter": "prime256v1"})["Response"]["CertificateId"]
    dv = c.call_json("DescribeCertificate", {"CertificateId": cid})["Response"]["DvAuthDetail"]
    publish_file(web, dv["DvAuthPath"], dv["DvAuthKey"], dv["DvAuthValue"])
    info = wait_status(c, cid, 1, seconds=60)
    assert info["Status"] == 1, info
    pem = c.call_json("DescribeCertificateDetail", {"CertificateId": cid})["Response"]["CertificatePublicKey"]
    blocks = ["-----BEGIN CERTIFICATE-----" + b for b in pem.split("-----BEGIN CERTIFICATE-----")[1:]]
    d = os.path.join(workdir, "revoke-certs", cid)
    os.makedirs(d, exist_ok=True)
    for name, block in zip(["leaf.pem", "int.pem", "root.pem"], blocks):
        with open(os.path.join(d, name), "w") as f:
            f.write(block.strip() + "\n")
    return cid, d


def ocsp(srv, d):
    r = subprocess.run(["openssl", "ocsp", "-issuer", "int.pem", "-cert", "leaf.pem", "-url", srv.url + "/ocsp",
                        "-CAfile", "root.pem", "-no_nonce", "-resp_text"], cwd=d, capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert "Response verify OK" in r.stderr, r.stderr
    return r.stdout


def crl_check(srv, d):
    """Fetches the CRL named in the leaf, verifies its signature, and runs `openssl verify -crl_check`."""
    text = subprocess.run(["openssl", "x509", "-in", "leaf.pem", "-noout", "-ext", "crlDistributionPoints"],
                          cwd=d, capture_output=True, text=True).stdout
    url = [w[len("URI:"):] for w in text.split() if w.startswith("URI:")][0]
    assert url.startswith(srv.url + "/crl/"), url
    with urllib.request.urlopen(url, timeout=10) as r:
        assert r.headers["Content-Type"] == "application/pkix-crl"
        der = r.read()
    with open(os.path.join(d, "crl.der"), "wb") as f:
        f.write(der)
    subprocess.run(["openssl", "crl", "-inform", "DER", "-in", "crl.der", "-out", "crl.pem"], cwd=d, check=True)
    chk = subprocess.run(["openssl", "crl", "-in", "crl.pem", "-CAfile", "int.pem", "-noout"], cwd=d, capture_output=True, text=True)
    assert chk.returncode == 0 and "verify OK" in chk.stderr, chk.stderr
    listing = subprocess.run(["openssl", "crl", "-in", "crl.pem", "-noout", "-text"], cwd=d, capture_output=True, text=True).stdout
    v = subprocess.run(["openssl", "verify", "-crl_check", "-CRLfile", "crl.pem", "-CAfile", "root.pem", "-untrusted", "int.pem",
                        "leaf.pem"], cwd=d, capture_output=True, text=True)
    return listing, v.returncode == 0, v.stdout + v.stderr


def serial_of(d):
    out = subprocess.run(["openssl", "x509", "-in", "leaf.pem", "-noout", "-serial"], cwd=d, capture_output=True, text=True).stdout
    return out.strip().split("=")[1].upper()


def revoked_logs(c, cid):
    logs = c.call_json("DescribeCertificateOperateLogs", {"Limit": 1000})["Response"]["OperateLogs"]
    return [x for x in logs if x["CertId"] == cid and x["Type"] == "revoked"]


def test_tencent_revocation_with_domain_validation(srv, acct, web, workdir):
    cid, d = issue(acct, web, "tencent.revoke.test", workdir)
    assert ": good" in ocsp(srv, d)
    listing, ok, out = crl_check(srv, d)
    assert ok, out
    c = acct.client()
    auths = c.call_json("RevokeCertificate", {"CertificateId": cid, "Reason": "keyCompromise"})["Response"]["RevokeDomainValidateAuths"]
    assert len(auths) == 1 and auths[0]["DomainValidateAuthDomain"] == "tencent.revoke.test", auths
    a = auths[0]
    assert a["DomainValidateAuthPath"] == "/.well-known/pki-validation/" and a["DomainValidateAuthKey"] and a["DomainValidateAuthValue"]
    info = c.call_json("DescribeCertificate", {"CertificateId": cid})["Response"]
    assert info["Status"] == 9, info
    assert info["DvRevokeAuthDetail"][0]["DvAuthValue"] == a["DomainValidateAuthValue"]
    # Still valid while the revocation waits for its validation.
    assert ": good" in ocsp(srv, d)
    assert code_of(lambda: c.call_json("RevokeCertificate", {"CertificateId": cid})) == "FailedOperation.InvalidCertificateStatusCode"
    publish_file(web, a["DomainValidateAuthPath"], a["DomainValidateAuthKey"], a["DomainValidateAuthValue"])
    deadline = time.time() + 60
    while time.time() < deadline:
        if c.call_json("DescribeCertificate", {"CertificateId": cid})["Response"]["Status"] == 10:
            break
        time.sleep(0.5)
    assert c.call_json("DescribeCertificate", {"CertificateId": cid})["Response"]["Status"] == 10
    text = ocsp(srv, d)
    assert ": revoked" in text and "Reason: keyCompromise" in text, text
    listing, ok, out = crl_check(srv, d)
    assert not ok and "certificate revoked" in out, out
    assert serial_of(d) in listing.upper().replace(":", "") and "Key Compromise" in listing, listing
    logs = revoked_logs(c, cid)
    assert len(logs) == 1 and "tencent" in logs[0]["Action"] and "keyCompromise" in logs[0]["Action"], logs
    listed = c.call_json("DescribeCertificates", {"CertIds": [cid]})["Response"]["Certificates"][0]
    assert listed["Status"] == 10 and listed["CertRevokedTime"], listed


def test_tencent_revoke_errors(srv, acct, workdir, rsa_chain):
    c = acct.client()
    assert code_of(lambda: c.call_json("RevokeCertificate", {"CertificateId": "nope1234"})) == "FailedOperation.CertificateNotFound"
    assert code_of(lambda: c.call_json("RevokeCertificate", {})) == "MissingParameter"
    uploaded = c.call_json("UploadCertificate", {"CertificatePublicKey": rsa_chain.leaf + rsa_chain.intermediate,
                                                 "CertificatePrivateKey": rsa_chain.key})["Response"]["CertificateId"]
    assert code_of(lambda: c.call_json("RevokeCertificate", {"CertificateId": uploaded})) == "FailedOperation.InvalidCertificateSource"
    pending = c.call_json("ApplyCertificate", {"DvAuthMethod": "FILE", "DomainName": "pending.revoke.test",
                                               "CsrEncryptAlgo": "ECC", "CsrKeyParameter": "prime256v1"})["Response"]["CertificateId"]
    assert code_of(lambda: c.call_json("RevokeCertificate", {"CertificateId": pending})) == "FailedOperation.InvalidCertificateStatusCode"
    # Another account cannot see the certificate at all.
    other = Account(srv, "stranger").client()
    assert code_of(lambda: other.call_json("RevokeCertificate", {"CertificateId": pending})) == "FailedOperation.CertificateNotFound"
    # UploadRevokeLetter: size and type checked; a DV certificate needs no letter.
    pdf = b"%PDF-1.4\n" + b"0" * 2048
    assert code_of(lambda: c.call_json("UploadRevokeLetter", {"CertificateId": pending, "RevokeLetter": base64.b64encode(pdf).decode()})) \
        == "FailedOperation.UploadConfirmCertificateNotSupportDV"
    small = base64.b64encode(b"%PDF-1.4\n").decode()
    assert code_of(lambda: c.call_json("UploadRevokeLetter", {"CertificateId": pending, "RevokeLetter": small})) \
        == "FailedOperation.ConfirmLetterTooSmall"
    exe = base64.b64encode(b"MZ" + b"\x00" * 4096).decode()
    assert code_of(lambda: c.call_json("UploadRevokeLetter", {"CertificateId": pending, "RevokeLetter": exe})) \
        == "FailedOperation.InvalidFileType"
    big = base64.b64encode(b"%PDF-" + b"0" * (1_500 * 1024)).decode()
    assert code_of(lambda: c.call_json("UploadRevokeLetter", {"CertificateId": pending, "RevokeLetter": big})) \
        == "FailedOperation.ConfirmLetterTooLarge"
    assert code_of(lambda: c.call_json("UploadRevokeLetter", {"CertificateId": pending, "RevokeLetter": "%%%"})) \
        == "FailedOperation.InvalidFileType"


def huawei_revoke(srv, ak, sk, cid, body, project="0f51a9e00c80f40f2f3cc00be3572e74", tamper=None):
    """Signs with huaweicloudsdkcore's own Signer, then sends the signed request as the SDK would."""
    raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    req = SdkRequest(method="POST", schema="http", host=f"{srv.host}:{srv.port}",
                     resource_path=f"/v2/{project}/scm/cert/{cid}/revoke", query_params=[],
                     header_params={"Content-Type": "application/json;charset=UTF-8"}, body=raw)
    req = Signer(BasicCredentials(ak, sk, project)).sign(req)
    headers = dict(req.header_params)
    if tamper:
        tamper(headers)
    http_req = urllib.request.Request(srv.url + req.uri, data=req.body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(http_req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_huawei_scm_revocation(srv, acct, web, workdir):
    hw = json.loads(srv.cli("key", "create", "--account", "revoker", "--kind", "huawei", "--json"))
    ak, sk = hw["SecretId"], hw["SecretKey"]
    cid, d = issue(acct, web, "huawei.revoke.test", workdir)
    # Hostile first: each leaves the certificate valid.
    assert huawei_revoke(srv, ak, "wrong-secret", cid, {"reason": "x"})[0] == 401
    status, body = huawei_revoke(srv, ak, sk, cid, {"reason": "x"}, tamper=lambda h: h.update({"X-Sdk-Date": "20200101T000000Z"}))
    assert status == 401 and body["error_code"].startswith("SCM."), body
    tencent = acct.key["SecretId"]
    assert huawei_revoke(srv, tencent, acct.key["SecretKey"], cid, {"reason": "x"})[0] == 401, "a Tencent key does not open this door"
    status, body = huawei_revoke(srv, ak, sk, cid, {"reason": "r" * 64})
    assert status == 400 and body["error_code"] == "SCM.0001", body
    assert huawei_revoke(srv, ak, sk, cid, {})[0] == 400, "reason is required"
    assert huawei_revoke(srv, ak, sk, cid, b"\xff\xfe garbage")[0] == 400
    status, body = huawei_revoke(srv, ak, sk, "nope1234", {"reason": "x"})
    assert status == 404 and body["error_code"] == "SCM.0003", body
    assert ": good" in ocsp(srv, d)
    # A serial this CA never issued is `unknown`, not `good`.
    r = subprocess.run(["openssl", "ocsp", "-issuer", "int.pem", "-serial", "0x1234567890abcdef", "-url", srv.url + "/ocsp",
                        "-CAfile", "root.pem", "-no_nonce"], cwd=d, capture_output=True, text=True, timeout=30)
    assert ": unknown" in r.stdout and "Response verify OK" in r.stderr, r.stdout + r.stderr
    # The vendor document's own example, trailing comma included, revokes.
    status, body = huawei_revoke(srv, ak, sk, cid, '{\n    "reason": "证书信息填写错误",\n}'.encode())
    assert (status, body) == (200, {"message": "success"}), body
    status, body = huawei_revoke(srv, ak, sk, cid, {"reason": "again"})
    assert status == 400 and body["error_code"] == "SCM.0004", body
    c = acct.client()
    assert c.call_json("DescribeCertificate", {"CertificateId": cid})["Response"]["Status"] == 10
    assert ": revoked" in ocsp(srv, d)
    listing, ok, out = crl_check(srv, d)
    assert not ok and "certificate revoked" in out, out
    logs = revoked_logs(c, cid)
    assert len(logs) == 1 and "huawei-scm" in logs[0]["Action"] and "证书信息填写错误" in logs[0]["Action"], logs
    # RFC 6960 GET: the request base64- and URL-encoded in the path gets the same signed answer.
    subprocess.run(["openssl", "ocsp", "-issuer", "int.pem", "-cert", "leaf.pem", "-no_nonce", "-reqout", "req.der"], cwd=d, check=True,
                   capture_output=True)
    encoded = urllib.parse.quote(base64.b64encode(open(os.path.join(d, "req.der"), "rb").read()).decode(), safe="")
    with urllib.request.urlopen(f"{srv.url}/ocsp/{encoded}", timeout=10) as r:
        assert r.headers["Content-Type"] == "application/ocsp-response" and "max-age=" in r.headers["Cache-Control"]
        open(os.path.join(d, "resp.der"), "wb").write(r.read())
    text = subprocess.run(["openssl", "ocsp", "-respin", "resp.der", "-issuer", "int.pem", "-cert", "leaf.pem", "-CAfile", "root.pem",
                           "-no_nonce"], cwd=d, capture_output=True, text=True)
    assert ": revoked" in text.stdout and "Response verify OK" in text.stderr, text.stdout + text.stderr


def digicert(srv, method, path, key, body=None):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["X-DC-DEVKEY"] = key
    req = urllib.request.Request(srv.url + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            raw = r.read()
            return r.status, (json.loads(raw) if raw else None)
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_digicert_revocation_needs_approval(srv, acct, web, workdir):
    user = json.loads(srv.cli("key", "create", "--account", "revoker", "--kind", "digicert", "--json"))["ApiKey"]
    admin = json.loads(srv.cli("key", "create", "--account", "revoker", "--kind", "digicert", "--admin", "--json"))["ApiKey"]
    cid, d = issue(acct, web, "digicert.revoke.test", workdir)
    path = f"/services/v2/certificate/{cid}/revoke"
    # Exactly as seed 004's cURL example sends it.
    status, req = digicert(srv, "PUT", path, user, {"comments": "I no longer need this cert."})
    assert status == 201, req
    assert req["type"] == "revoke" and req["status"] == "pending" and req["comments"] == "I no longer need this cert."
    assert isinstance(req["id"], int) and req["date"].endswith("+00:00") and len(req["date"]) == 25, req
    assert set(req["requester"]) >= {"id", "first_name", "last_name", "email"}
    status, got = digicert(srv, "GET", f"/services/v2/request/{req['id']}", user)
    assert status == 200 and got["status"] == "pending"
    # One pending request per certificate: a second one, even sent at the same time, is refused.
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        dups = list(pool.map(lambda _: digicert(srv, "PUT", path, user, {"comments": "again"}), range(4)))
    assert all(st == 400 and e["errors"][0]["code"] == "duplicate_request" for st, e in dups), dups
    # Not yet revoked: only approval revokes, and only an administrator approves.
    assert acct.client().call_json("DescribeCertificate", {"CertificateId": cid})["Response"]["Status"] == 1
    assert ": good" in ocsp(srv, d)
    status, err = digicert(srv, "PUT", f"/services/v2/request/{req['id']}/status", user, {"status": "approved"})
    assert status == 403 and err["errors"][0]["code"], err
    assert digicert(srv, "PUT", f"/services/v2/request/{req['id']}/status", admin, {"status": "maybe"})[0] == 400
    listed = json.loads(srv.cli("request", "list", "--status", "pending", "--json"))
    assert any(r["Id"] == req["id"] for r in listed), listed
    status, _ = digicert(srv, "PUT", f"/services/v2/request/{req['id']}/status", admin,
                         {"status": "approved", "processor_comment": "ok"})
    assert status == 204
    assert digicert(srv, "GET", f"/services/v2/request/{req['id']}", user)[1]["status"] == "approved"
    assert acct.client().call_json("DescribeCertificate", {"CertificateId": cid})["Response"]["Status"] == 10
    assert ": revoked" in ocsp(srv, d)
    listing, ok, out = crl_check(srv, d)
    assert not ok and "certificate revoked" in out, out
    logs = revoked_logs(acct.client(), cid)
    assert len(logs) == 1 and "digicert" in logs[0]["Action"], logs
    # Deciding twice, a second request on a revoked certificate, and hostile input.
    assert digicert(srv, "PUT", f"/services/v2/request/{req['id']}/status", admin, {"status": "rejected"})[0] == 400
    assert digicert(srv, "PUT", path, user, {"comments": "again"})[0] == 400
    assert digicert(srv, "PUT", path, None, {})[0] == 401
    assert digicert(srv, "PUT", path, "DCK" + "x" * 60, {})[0] == 401
    assert digicert(srv, "PUT", path, acct.key["SecretId"] + acct.key["SecretKey"], {})[0] == 401
    assert digicert(srv, "PUT", path, user, b"{not json")[0] == 400
    assert digicert(srv, "PUT", "/services/v2/certificate/nope1234/revoke", user, {})[0] == 404
    assert digicert(srv, "GET", "/services/v2/request/999999", user)[0] == 404
    assert digicert(srv, "GET", "/services/v2/request/abc", user)[0] == 404


def test_digicert_rejection_and_cli_approval(srv, acct, web, workdir):
    user = json.loads(srv.cli("key", "create", "--account", "revoker", "--kind", "digicert", "--json"))["ApiKey"]
    cid, d = issue(acct, web, "cli.revoke.test", workdir)
    path = f"/services/v2/certificate/{cid}/revoke"
    first = digicert(srv, "PUT", path, user, {"comments": "rotate"})[1]
    out = srv.cli("request", "reject", str(first["id"]), "--comment", "not now")
    assert "rejected" in out
    assert acct.client().call_json("DescribeCertificate", {"CertificateId": cid})["Response"]["Status"] == 1
    second = digicert(srv, "PUT", path, user, {"comments": "superseded"})[1]
    # The CLI is another process: the server learns of the revocation from the store within seconds.
    out = srv.cli("request", "approve", str(second["id"]))
    assert "approved" in out
    assert acct.client().call_json("DescribeCertificate", {"CertificateId": cid})["Response"]["Status"] == 10
    deadline = time.time() + 20
    text = ""
    while time.time() < deadline:
        text = ocsp(srv, d)
        if ": revoked" in text:
            break
        time.sleep(1)
    assert ": revoked" in text and "Reason: superseded" in text, text


def test_digicert_refuses_a_certificate_with_a_pending_reissue(srv, acct, web, workdir):
    user = json.loads(srv.cli("key", "create", "--account", "revoker", "--kind", "digicert", "--json"))["ApiKey"]
    c = acct.client()
    cid = c.call_json("ApplyCertificate", {"DvAuthMethod": "FILE", "DomainName": "reissue.revoke.test"})["Response"]["CertificateId"]
    dv = c.call_json("DescribeCertificate", {"CertificateId": cid})["Response"]["DvAuthDetail"]
    publish_file(web, dv["DvAuthPath"], dv["DvAuthKey"], dv["DvAuthValue"])
    assert wait_status(c, cid, 1, seconds=60)["Status"] == 1
    c.call_json("ReplaceCertificate", {"CertificateId": cid, "ValidType": "FILE"})
    assert c.call_json("DescribeCertificate", {"CertificateId": cid})["Response"]["Status"] == 11
    status, err = digicert(srv, "PUT", f"/services/v2/certificate/{cid}/revoke", user, {})
    assert status == 400 and err["errors"][0]["code"] == "pending_reissue", err


def test_ocsp_and_crl_endpoints_take_hostile_input(srv):
    malformed = bytes([0x30, 0x03, 0x0a, 0x01, 0x01])
    for body in [b"", b"\x30", b"garbage" * 100, b"\x30\x84\xff\xff\xff\xff", os.urandom(4096)]:
        req = urllib.request.Request(srv.url + "/ocsp", data=body, method="POST", headers={"Content-Type": "application/ocsp-request"})
        with urllib.request.urlopen(req, timeout=10) as r:
            assert r.status == 200 and r.read() == malformed
    with urllib.request.urlopen(srv.url + "/ocsp/%%%not-base64", timeout=10) as r:
        assert r.read() == malformed
    big = urllib.request.Request(srv.url + "/ocsp", data=b"\x30" * 100_000, method="POST")
    with urllib.request.urlopen(big, timeout=10) as r:
        assert r.read() == malformed
    for path in ["/crl/nope.crl", "/crl/ecdsa-p256", "/crl/..%2f..%2fetc.crl"]:
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(srv.url + path, timeout=10)
        assert e.value.code == 404
    # The intermediates' CRL (signed by the root) exists and is current.
    with urllib.request.urlopen(srv.url + "/crl/ecdsa-p256-root.crl", timeout=10) as r:
        assert r.status == 200 and r.read()[:1] == b"\x30"


def test_deleting_a_revoked_certificate_keeps_it_revoked(workdir, web):
    """Revoke, delete the certificate, let another revocation regenerate the CRL, restart: the first serial is
    still in the CRL and OCSP (no cached answer left after the restart) still says revoked."""
    data = os.path.join(workdir, "revoke-kept-data")
    os.makedirs(data)
    extra = ("--dcv-http-port", str(web[1]), "--dcv-connect-to", "127.0.0.1")
    s = Server(data, extra=extra)
    try:
        acct = Account(s, "kept")
        hw = json.loads(s.cli("key", "create", "--account", "kept", "--kind", "huawei", "--json"))
        cid, d = issue(acct, web, "deleted.kept.revoke.test", workdir)
        other, _ = issue(acct, web, "other.kept.revoke.test", workdir)
        assert huawei_revoke(s, hw["SecretId"], hw["SecretKey"], cid, {"reason": "keyCompromise"})[0] == 200
        c = acct.client()
        assert c.call_json("DeleteCertificate", {"CertificateId": cid})["Response"]["DeleteResult"] is True
        assert code_of(lambda: c.call_json("DescribeCertificate", {"CertificateId": cid})) == "FailedOperation.CertificateNotFound"
        # The next CRL (made by another revocation) still lists the deleted certificate's serial.
        assert huawei_revoke(s, hw["SecretId"], hw["SecretKey"], other, {"reason": "superseded"})[0] == 200
        assert s.stop() == 0
        # The same port: the CRL URL inside the certificate names it.
        s = Server(data, extra=extra, port=s.port)
        listing, ok, out = crl_check(s, d)
        assert serial_of(d) in listing.upper().replace(":", "") and "Key Compromise" in listing, listing
        assert not ok and "certificate revoked" in out, out
        text = ocsp(s, d)
        assert ": revoked" in text and "Reason: keyCompromise" in text, text
    finally:
        if s.proc.poll() is None:
            s.stop()
