"""ApplyCertificate with FILE validation, issued by certhub's own CA, verified with openssl."""

import base64
import io
import os
import subprocess
import zipfile

import pytest
from tencentcloud.ssl.v20191205 import models

from conftest import BIN, Account, Server, code_of, http_root, publish_file, upload, wait_status


@pytest.fixture(scope="module")
def webroot(workdir):
    with http_root(os.path.join(workdir, "webroot")) as web:
        yield web


@pytest.fixture(scope="module")
def dcv_server(workdir, webroot):
    data = os.path.join(workdir, "dcv-data")
    os.makedirs(data)
    cfg = os.path.join(workdir, "dcv.toml")
    with open(cfg, "w") as f:
        # Short enough for the deadline test, long enough for the checks made while an order is pending.
        f.write("dcv_window_seconds = 20\n")
    s = Server(data, extra=("--dcv-http-port", str(webroot[1]), "--dcv-connect-to", "127.0.0.1", "--config", cfg))
    yield s
    assert s.stop() == 0


def publish(webroot, dv):
    publish_file(webroot, dv["DvAuthPath"], dv["DvAuthKey"], dv["DvAuthValue"])


def assert_validity_months(c, cid, months):
    """ValidityPeriod is the product's term in months, pending or issued, in all three describing actions."""
    assert c.call_json("DescribeCertificate", {"CertificateId": cid})["Response"]["ValidityPeriod"] == months
    assert c.call_json("DescribeCertificateDetail", {"CertificateId": cid})["Response"]["ValidityPeriod"] == months
    listed = c.call_json("DescribeCertificates", {"CertIds": [cid]})["Response"]["Certificates"]
    assert [x["ValidityPeriod"] for x in listed] == [months]


@pytest.mark.parametrize("algo", ["ECC", "RSA"])
def test_apply_file_validate_issue_download(dcv_server, webroot, workdir, algo):
    acct = Account(dcv_server, f"applicant-{algo}")
    c = acct.client()
    domain = f"www.{algo.lower()}.dcv.test"
    req = models.ApplyCertificateRequest()
    req.DvAuthMethod, req.DomainName, req.Alias = "FILE", domain, "free"
    if algo == "ECC":
        req.CsrEncryptAlgo, req.CsrKeyParameter = "ECC", "prime256v1"
    cid = c.ApplyCertificate(req).CertificateId
    info = c.call_json("DescribeCertificate", {"CertificateId": cid})["Response"]
    assert (info["Status"], info["StatusMsg"], info["VerifyType"], info["PackageType"]) == (0, "PENDING-DCV", "FILE", "83")
    assert_validity_months(c, cid, "3")
    dv = info["DvAuthDetail"]
    assert dv["DvAuthDomain"] == domain and dv["DvAuthPath"] == "/.well-known/pki-validation/"
    assert dv["DvAuths"][0]["DvAuthVerifyType"] == "FILE" and len(dv["DvAuthValue"]) > 20
    # Not published yet: stays pending.
    c.call_json("CompleteCertificate", {"CertificateId": cid})
    assert c.call_json("DescribeCertificate", {"CertificateId": cid})["Response"]["Status"] == 0
    assert code_of(lambda: c.call_json("DownloadCertificate", {"CertificateId": cid})) == "FailedOperation.InvalidCertificateStatusCode"
    publish(webroot, dv)
    info = wait_status(c, cid, 1)
    assert info["Status"] == 1, info
    assert info["CertEndTime"] and info["SubjectAltName"] == [domain]
    assert_validity_months(c, cid, "3")
    # The background check issued it first: a client that publishes, then completes, still gets success.
    assert c.call_json("CompleteCertificate", {"CertificateId": cid})["Response"]["CertificateId"] == cid
    # The issued chain verifies against certhub's root, and the generated key matches.
    family = "ecdsa" if algo == "ECC" else "rsa"
    root = subprocess.run([BIN, "ca", "export", "--data-dir", dcv_server.data_dir, "--family", family, "--root-only"],
                          capture_output=True, text=True, check=True).stdout
    d = os.path.join(workdir, f"issued-{algo}")
    os.makedirs(d)
    with open(os.path.join(d, "root.pem"), "w") as f:
        f.write(root)
    content = base64.b64decode(c.call_json("DownloadCertificate", {"CertificateId": cid})["Response"]["Content"])
    zipfile.ZipFile(io.BytesIO(content)).extractall(d)
    n = f"{domain}_apache"
    r = subprocess.run(["openssl", "verify", "-CAfile", "root.pem", "-untrusted", f"{n}/root_bundle.crt", "-purpose", "sslserver",
                        f"{n}/{domain}.crt"], cwd=d, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    text = subprocess.run(["openssl", "x509", "-in", f"{n}/{domain}.crt", "-noout", "-text"], cwd=d, capture_output=True, text=True).stdout
    assert f"OCSP - URI:{dcv_server.url}/ocsp" in text and f"URI:{dcv_server.url}/crl/" in text
    pub_cert = subprocess.run(["openssl", "x509", "-in", f"{n}/{domain}.crt", "-pubkey", "-noout"], cwd=d, capture_output=True, text=True).stdout
    pub_key = subprocess.run(["openssl", "pkey", "-in", f"{n}/{domain}.key", "-pubout"], cwd=d, capture_output=True, text=True).stdout
    assert pub_cert.strip() == pub_key.strip() and pub_cert
    kinds = [x["Type"] for x in c.call_json("DescribeCertificateOperateLogs", {})["Response"]["OperateLogs"]]
    assert "apply" in kinds and "issued" in kinds


def test_unvalidated_order_fails_at_the_deadline(dcv_server):
    c = Account(dcv_server, "late").client()
    cid = c.call_json("ApplyCertificate", {"DvAuthMethod": "FILE", "DomainName": "late.dcv.test",
                                           "CsrEncryptAlgo": "ECC", "CsrKeyParameter": "prime256v1"})["Response"]["CertificateId"]
    info = wait_status(c, cid, 2, seconds=40)
    assert info["Status"] == 2 and "超时" in info["StatusMsg"], info


def test_wrong_content_stays_pending(dcv_server, webroot):
    c = Account(dcv_server, "wrong").client()
    cid = c.call_json("ApplyCertificate", {"DvAuthMethod": "FILE", "DomainName": "wrong.dcv.test",
                                           "CsrEncryptAlgo": "ECC", "CsrKeyParameter": "prime256v1"})["Response"]["CertificateId"]
    dv = c.call_json("DescribeCertificate", {"CertificateId": cid})["Response"]["DvAuthDetail"]
    publish(webroot, {**dv, "DvAuthValue": "not-the-value"})
    c.call_json("CompleteCertificate", {"CertificateId": cid})
    assert c.call_json("DescribeCertificate", {"CertificateId": cid})["Response"]["Status"] == 0


def test_apply_rejects_bad_input(dcv_server, rsa_chain):
    c = Account(dcv_server, "picky").client()
    apply = lambda **p: c.call_json("ApplyCertificate", {"DvAuthMethod": "FILE", "DomainName": "ok.dcv.test", **p})  # noqa: E731
    for domain in ["1.2.3.4", "*.wild.dcv.test", "bad_domain.test", "nodot", "a" * 70 + ".test", "-x.test"]:
        assert code_of(lambda: apply(DomainName=domain)) == "InvalidParameterValue", domain
    assert code_of(lambda: apply(DvAuthMethod="EMAIL")) == "InvalidParameterValue"
    assert code_of(lambda: apply(DvAuthMethod="DNS_AUTO")) == "FailedOperation.InvalidParam", "no zone configured"
    assert code_of(lambda: apply(PackageType="84")) == "InvalidParameterValue"
    assert code_of(lambda: apply(ValidityPeriod="12")) == "InvalidParameterValue"
    assert code_of(lambda: apply(CsrEncryptAlgo="ECC")) == "MissingParameter"
    assert code_of(lambda: apply(CsrEncryptAlgo="RSA", CsrKeyParameter="4096")) == "InvalidParameterValue"
    assert code_of(lambda: apply(ContactEmail="not-an-email")) == "InvalidParameterValue.CertificateEmailParseInvalid"
    assert code_of(lambda: apply(DeleteDnsAutoRecord=True)) == "InvalidParameterValue"
    assert code_of(lambda: apply(DnsNames=["www.ok.dcv.test"])) == "InvalidParameterValue"
    assert code_of(lambda: c.call_json("ApplyCertificate", {"DomainName": "ok.dcv.test"})) == "MissingParameter"
    uploaded = upload(c, rsa_chain)["CertificateId"]
    assert code_of(lambda: c.call_json("CompleteCertificate", {"CertificateId": uploaded})) == "FailedOperation.CertificateNotFoundOrAudited"
    assert code_of(lambda: c.call_json("CompleteCertificate", {"CertificateId": "nope1234"})) == "FailedOperation.CertificateNotFoundOrAudited"


def test_free_quotas_per_main_domain_and_per_account(dcv_server):
    c = Account(dcv_server, "quota").client()

    def apply(domain):
        return c.call_json("ApplyCertificate", {"DvAuthMethod": "FILE", "DomainName": domain,
                                                "CsrEncryptAlgo": "ECC", "CsrKeyParameter": "prime256v1"})

    # Twenty free certificates under one main domain (sub-domains count towards it), then the cap.
    for i in range(20):
        apply(f"h{i}.quota-one.com.cn" if i % 2 else f"h{i}.deep.quota-one.com.cn")
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
    with pytest.raises(TencentCloudSDKException) as e:
        apply("another.quota-one.com.cn")
    assert e.value.code == "FailedOperation.MainDomainCertificateCountLimit", e.value
    assert "quota-one.com.cn" in e.value.message and "20" in e.value.message, e.value.message
    # Other main domains are still open, up to the account's fifty.
    for i in range(30):
        apply(f"www.quota-{i}.test")
    assert code_of(lambda: apply("www.one-too-many.test")) == "FailedOperation.ExceedsFreeLimit"
    total = c.call_json("DescribeCertificates", {"Limit": 100})["Response"]["TotalCount"]
    assert total == 50


def test_validation_job_survives_a_restart(workdir, webroot):
    """The pending order's job lives in the database: a restarted server picks it up and issues, unprompted."""
    import time
    data = os.path.join(workdir, "restart-data")
    os.makedirs(data)
    extra = ("--dcv-http-port", str(webroot[1]), "--dcv-connect-to", "127.0.0.1")
    s = Server(data, extra=extra)
    acct = Account(s, "restarter")
    cid = acct.client().call_json("ApplyCertificate", {"DvAuthMethod": "FILE", "DomainName": "restart.dcv.test",
                                                       "CsrEncryptAlgo": "ECC", "CsrKeyParameter": "prime256v1"})["Response"]["CertificateId"]
    dv = acct.client().call_json("DescribeCertificate", {"CertificateId": cid})["Response"]["DvAuthDetail"]
    time.sleep(1.5)  # the first attempt runs and finds nothing
    assert s.stop() == 0
    publish(webroot, dv)
    s2 = Server(data, extra=extra)
    try:
        acct.server = s2  # same account and key, now on the restarted server
        client = acct.client()
        deadline = time.time() + 60
        status = None
        while time.time() < deadline:
            # Only reads here: no CompleteCertificate nudge, the resumed job must do the work.
            status = client.call_json("DescribeCertificate", {"CertificateId": cid})["Response"]["Status"]
            if status == 1:
                break
            time.sleep(0.5)
        assert status == 1, f"order still in status {status} after restart"
    finally:
        assert s2.stop() == 0
