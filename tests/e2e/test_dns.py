"""DNS and DNS_AUTO validation against a real BIND 9, CAA, order management, reissue, and nginx + curl."""

import base64
import io
import os
import subprocess
import time
import zipfile

import pytest

from bind import ZONE, Bind
from conftest import BIN, Account, Server, code_of, free_port, upload, wait_status


@pytest.fixture(scope="module")
def bind(workdir):
    b = Bind(workdir)
    yield b
    b.stop()


@pytest.fixture(scope="module")
def dns_server(workdir, bind):
    data = os.path.join(workdir, "dns-data")
    os.makedirs(data)
    s = Server(data, extra=("--dcv-resolver", bind.addr, "--dns-update-server", bind.addr, "--dns-update-zone", ZONE),
               env={"CERTHUB_DNS_UPDATE_KEY": bind.key})
    yield s
    assert s.stop() == 0


def describe(c, cid):
    return c.call_json("DescribeCertificate", {"CertificateId": cid})["Response"]


def check(c, cid):
    return c.call_json("CheckCertificateDomainVerification", {"CertificateId": cid})["Response"]["VerificationResults"]


def apply(c, domain, method="DNS", **extra):
    return c.call_json("ApplyCertificate", {"DvAuthMethod": method, "DomainName": domain, **extra})["Response"]["CertificateId"]


def publish_txt(bind, dv):
    bind.nsupdate(f'update add {dv["DvAuthKey"]}.{dv["DvAuthDomain"]}. 5 TXT "{dv["DvAuthValue"]}"')


def fetch(server, c, cid, workdir, tag, family):
    """Downloads the certificate, unpacks it and returns (directory, nginx folder, root PEM path)."""
    d = os.path.join(workdir, f"dl-{tag}")
    os.makedirs(d)
    content = base64.b64decode(c.call_json("DownloadCertificate", {"CertificateId": cid})["Response"]["Content"])
    zipfile.ZipFile(io.BytesIO(content)).extractall(d)
    root = subprocess.run([BIN, "ca", "export", "--data-dir", server.data_dir, "--family", family, "--root-only"],
                          capture_output=True, text=True, check=True).stdout
    root_path = os.path.join(d, "root.pem")
    with open(root_path, "w") as f:
        f.write(root)
    return d, root_path


def test_manual_dns_reports_then_issues(dns_server, bind, workdir):
    c = Account(dns_server, "dns-user").client()
    domain = f"manual.{ZONE}"
    cid = apply(c, domain, CsrEncryptAlgo="ECC", CsrKeyParameter="prime256v1")
    info = describe(c, cid)
    dv = info["DvAuthDetail"]
    assert (info["Status"], info["VerifyType"]) == (0, "DNS")
    assert (dv["DvAuthKey"], dv["DvAuthKeySubDomain"], dv["DvAuths"][0]["DvAuthVerifyType"]) == ("_dnsauth", "_dnsauth", "TXT")
    [r] = check(c, cid)
    assert (r["Domain"], r["VerifyType"], r["LocalCheck"], r["CaCheck"], r["Issued"]) == (domain, "DNS", -1, -1, False)
    assert "txt record not found" in r["LocalCheckFailReason"]
    publish_txt(bind, {**dv, "DvAuthValue": "wrong-value"})
    [r] = check(c, cid)
    assert (r["LocalCheck"], r["CheckValue"]) == (-2, ["wrong-value"]), r
    assert describe(c, cid)["Status"] == 0
    publish_txt(bind, dv)
    [r] = check(c, cid)
    assert (r["LocalCheck"], r["CaCheck"]) == (1, 2), r
    info = wait_status(c, cid, 1)
    assert info["Status"] == 1, info
    [r] = check(c, cid)
    assert r["Issued"] is True
    d, root = fetch(dns_server, c, cid, workdir, "manual", "ecdsa")
    n = f"{domain}_apache"
    v = subprocess.run(["openssl", "verify", "-CAfile", root, "-untrusted", f"{n}/root_bundle.crt", "-purpose", "sslserver", f"{n}/{domain}.crt"],
                       cwd=d, capture_output=True, text=True)
    assert v.returncode == 0, v.stdout + v.stderr


def test_dns_auto_publishes_and_removes_its_record(dns_server, bind):
    c = Account(dns_server, "auto-user").client()
    domain = f"auto.{ZONE}"
    cid = apply(c, domain, "DNS_AUTO", DeleteDnsAutoRecord=True, CsrEncryptAlgo="ECC", CsrKeyParameter="prime256v1")
    dv = describe(c, cid)["DvAuthDetail"]
    info = wait_status(c, cid, 1)
    assert info["Status"] == 1, info
    # BIND's own log shows the signed update adding, then deleting, the record.
    named_log = open(os.path.join(bind.dir, "named.log")).read()
    assert f"adding an RR at '_dnsauth.{domain}' TXT" in named_log, named_log[-3000:]
    assert f"deleting an RR at _dnsauth.{domain} TXT" in named_log or f"deleting an RR at '_dnsauth.{domain}' TXT" in named_log, named_log[-3000:]
    assert dv["DvAuthValue"] and len(dv["DvAuthValue"]) == 64
    assert bind.dig(f"_dnsauth.{domain}", "TXT") == [], "DeleteDnsAutoRecord removed it"
    kinds = [x["Type"] for x in c.call_json("DescribeCertificateOperateLogs", {})["Response"]["OperateLogs"]]
    assert "dns_auto" in kinds and "issued" in kinds
    # Outside the configured zone DNS_AUTO is refused at once.
    assert code_of(lambda: apply(c, "www.elsewhere.test", "DNS_AUTO")) == "FailedOperation.InvalidParam"


def test_dns_auto_with_a_wrong_tsig_key_stays_pending(workdir, bind):
    data = os.path.join(workdir, "badkey-data")
    os.makedirs(data)
    bad = "hmac-sha256:certhub-key:" + base64.b64encode(b"w" * 32).decode()
    s = Server(data, extra=("--dcv-resolver", bind.addr, "--dns-update-server", bind.addr, "--dns-update-zone", ZONE),
               env={"CERTHUB_DNS_UPDATE_KEY": bad})
    try:
        c = Account(s, "badkey").client()
        cid = apply(c, f"badkey.{ZONE}", "DNS_AUTO", CsrEncryptAlgo="ECC", CsrKeyParameter="prime256v1")
        c.call_json("CompleteCertificate", {"CertificateId": cid})
        time.sleep(1)
        assert describe(c, cid)["Status"] == 0
        assert bind.dig(f"_dnsauth.badkey.{ZONE}", "TXT") == []
        log = open(os.path.join(data, "serve.log")).read()
        assert bad.split(":")[2] not in log, "the TSIG secret never reaches the log"
    finally:
        assert s.stop() == 0


def test_caa_forbids_until_it_names_certhub(dns_server, bind):
    c = Account(dns_server, "caa-user").client()
    domain = f"caa.{ZONE}"
    bind.nsupdate(f'update add {domain}. 5 CAA 0 issue "letsencrypt.org"')
    cid = apply(c, domain, CsrEncryptAlgo="ECC", CsrKeyParameter="prime256v1")
    publish_txt(bind, describe(c, cid)["DvAuthDetail"])
    [r] = check(c, cid)
    assert (r["LocalCheck"], r["CaCheck"]) == (1, -1) and "CAA" in r["LocalCheckFailReason"], r
    c.call_json("CompleteCertificate", {"CertificateId": cid})
    assert describe(c, cid)["Status"] == 0
    bind.nsupdate(f'update add {domain}. 5 CAA 0 issue "certhub"')
    assert wait_status(c, cid, 1)["Status"] == 1


def test_cancel_and_resubmit(dns_server, bind, rsa_chain):
    c = Account(dns_server, "orders").client()
    cid = apply(c, f"orders.{ZONE}", CsrEncryptAlgo="ECC", CsrKeyParameter="prime256v1")
    first = describe(c, cid)["DvAuthDetail"]["DvAuthValue"]
    assert c.call_json("CancelAuditCertificate", {"CertificateId": cid})["Response"]["Result"] is True
    assert describe(c, cid)["Status"] == 7
    assert code_of(lambda: c.call_json("CancelAuditCertificate", {"CertificateId": cid})) == "FailedOperation.CertificateNotFoundOrCantCancel"
    assert code_of(lambda: check(c, cid)) == "FailedOperation.CertificateStatusNotAllowVerify"
    assert c.call_json("ModifyCertificateResubmit", {"CertificateId": cid})["Response"]["CertificateId"] == cid
    info = describe(c, cid)
    assert info["Status"] == 0 and info["DvAuthDetail"]["DvAuthValue"] != first
    assert c.call_json("CancelCertificateOrder", {"CertificateId": cid})["Response"]["CertificateId"] == cid
    assert describe(c, cid)["Status"] == 7
    assert code_of(lambda: c.call_json("ModifyCertificateResubmit", {"CertificateId": cid})) == "FailedOperation.CertificateStatusNotAllowResubmit"
    assert code_of(lambda: c.call_json("CancelCertificateOrder", {"CertificateId": cid})) == "FailedOperation.InvalidCertificateStatusCode"
    assert code_of(lambda: c.call_json("CancelCertificateOrder", {"CertificateId": "nope1234"})) == "FailedOperation.CertificateNotFound"
    uploaded = upload(c, rsa_chain)["CertificateId"]
    assert code_of(lambda: c.call_json("CancelAuditCertificate", {"CertificateId": uploaded})) == "FailedOperation.CertificateNotFoundOrCantCancel"
    assert code_of(lambda: check(c, uploaded)) == "FailedOperation.CertificateStatusNotAllowVerify"
    assert code_of(lambda: c.call_json("ReplaceCertificate", {"CertificateId": uploaded, "ValidType": "DNS"})) == "FailedOperation.InvalidCertificateSource"
    kinds = [x["Type"] for x in c.call_json("DescribeCertificateOperateLogs", {})["Response"]["OperateLogs"]]
    assert {"cancel_audit", "resubmit", "cancel"} <= set(kinds)
    # Another account sees none of it.
    other = Account(dns_server, "orders-other").client()
    assert code_of(lambda: other.call_json("CancelCertificateOrder", {"CertificateId": cid})) == "FailedOperation.CertificateNotFound"
    assert code_of(lambda: check(other, cid)) == "FailedOperation.CertificateNotFound"


def nginx_serves(workdir, tag, cert, key, root, domain):
    d = os.path.join(workdir, f"nginx-{tag}")
    os.makedirs(os.path.join(d, "logs"), exist_ok=True)
    port = free_port()
    with open(os.path.join(d, "nginx.conf"), "w") as f:
        f.write(f"""daemon off;
pid {d}/nginx.pid;
error_log {d}/logs/error.log;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {d}/body; proxy_temp_path {d}/proxy; fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi;
    server {{
        listen 127.0.0.1:{port} ssl;
        server_name {domain};
        ssl_certificate {cert};
        ssl_certificate_key {key};
        location / {{ return 200 "served by nginx\\n"; }}
    }}
}}
""")
    proc = subprocess.Popen(["nginx", "-p", d, "-c", os.path.join(d, "nginx.conf")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        out = None
        for _ in range(50):
            r = subprocess.run(["curl", "-sS", "--cacert", root, "--resolve", f"{domain}:{port}:127.0.0.1", f"https://{domain}:{port}/"],
                               capture_output=True, text=True)
            out = r
            if r.returncode == 0:
                break
            time.sleep(0.1)
        return out
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_issue_serve_with_nginx_then_reissue(dns_server, bind, workdir):
    c = Account(dns_server, "reissuer").client()
    domain = f"www.{ZONE}"
    cid = apply(c, domain, CsrKeyPassword="chosen-pass-1")
    publish_txt(bind, describe(c, cid)["DvAuthDetail"])
    assert wait_status(c, cid, 1)["Status"] == 1
    d, root = fetch(dns_server, c, cid, workdir, "nginx", "rsa")
    n = f"{domain}_nginx"
    r = nginx_serves(workdir, "first", f"{d}/{n}/{domain}_bundle.crt", f"{d}/{n}/{domain}.key", root, domain)
    assert r.returncode == 0 and r.stdout == "served by nginx\n", r.stderr
    # The password chosen at application protects the PFX and JKS.
    pw = open(f"{d}/{domain}_iis/keystorePass.txt").read().strip()
    assert pw == "chosen-pass-1"
    p12 = subprocess.run(["openssl", "pkcs12", "-in", f"{d}/{domain}_iis/{domain}.pfx", "-passin", f"pass:{pw}", "-nokeys", "-noout"],
                         capture_output=True, text=True)
    assert p12.returncode == 0, p12.stderr

    # Reissue: hostile choices first.
    replace = lambda **p: c.call_json("ReplaceCertificate", {"CertificateId": cid, "ValidType": "DNS", **p})["Response"]  # noqa: E731
    assert code_of(lambda: replace(CsrType="Online", CertCSREncryptAlgo="ECC", CertCSRKeyParameter="prime256v1")) == "InvalidParameter.RenewAlgorithmInvalid"
    other_csr = subprocess.run(["openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "/dev/null", "-subj", "/CN=evil.example"],
                               capture_output=True, text=True, check=True).stdout
    assert code_of(lambda: replace(CsrType="Upload", CsrContent=other_csr)) == "InvalidParameter.RenewCsrInvalid"
    assert code_of(lambda: replace(CsrType="Upload", CsrContent="-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----")) == "InvalidParameter.RenewCsrInvalid"
    assert code_of(lambda: replace(CsrType="Upload")) == "MissingParameter"
    assert code_of(lambda: replace(CsrType="Sideways")) == "InvalidParameter.RenewGenCsrMethodInvalid"
    assert code_of(lambda: replace(ValidType="EMAIL")) == "InvalidParameterValue"
    assert describe(c, cid)["Status"] == 1, "refused reissues leave the original alone"

    new = replace(CsrType="Online", Reason="key rotation")["CertificateId"]
    assert new != cid
    old = describe(c, cid)
    assert old["Status"] == 11 and old["CertificateExtra"]["ReplacedFor"] == new
    assert code_of(lambda: replace()) == "FailedOperation.OrderAlreadyReplaced"
    # The original stays valid and downloadable while the reissue is pending.
    c.call_json("DownloadCertificate", {"CertificateId": cid})
    info = describe(c, new)
    assert info["Status"] == 0 and info["CertificateExtra"]["ReplacedBy"] == cid
    publish_txt(bind, info["DvAuthDetail"])
    info = wait_status(c, new, 1)
    assert info["Status"] == 1, info
    old = describe(c, cid)
    assert old["Status"] == 1 and old["CertificateExtra"]["ReplacedFor"] == new
    assert code_of(lambda: replace()) == "FailedOperation.OrderAlreadyReplaced", "free certificates reissue once"
    d2, root = fetch(dns_server, c, new, workdir, "reissued", "rsa")
    r = nginx_serves(workdir, "reissued", f"{d2}/{n}/{domain}_bundle.crt", f"{d2}/{n}/{domain}.key", root, domain)
    assert r.returncode == 0 and r.stdout == "served by nginx\n", r.stderr
    key_old = open(f"{d}/{n}/{domain}.key").read()
    key_new = open(f"{d2}/{n}/{domain}.key").read()
    assert key_old != key_new, "Online generated a new key"
    kinds = [x["Type"] for x in c.call_json("DescribeCertificateOperateLogs", {})["Response"]["OperateLogs"]]
    assert kinds.count("replace") >= 2
