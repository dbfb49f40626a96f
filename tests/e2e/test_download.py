"""DownloadCertificate and DescribeDownloadCertificateUrl, checked with openssl and keytool."""

import base64
import io
import os
import subprocess
import urllib.error
import urllib.request
import zipfile

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

import material
from conftest import upload

N = "www.example.test"
LAYOUT = {
    "nginx": [f"{N}_nginx/{N}_bundle.crt", f"{N}_nginx/{N}_bundle.pem", f"{N}_nginx/{N}.key"],
    "apache": [f"{N}_apache/root_bundle.crt", f"{N}_apache/{N}.crt", f"{N}_apache/{N}.key"],
    "tomcat": [f"{N}_tomcat/{N}.jks", f"{N}_tomcat/keystorePass.txt"],
    "jks": [f"{N}_jks/{N}.jks", f"{N}_jks/keystorePass.txt"],
    "iis": [f"{N}_iis/{N}.pfx", f"{N}_iis/keystorePass.txt"],
    "other": [f"{N}_other/{N}.pem", f"{N}_other/{N}_chain.pem", f"{N}_other/{N}.key"],
    "root": [f"{N}_root/root_bundle.crt"],
}


def unpack(data, dest):
    z = zipfile.ZipFile(io.BytesIO(data))
    z.extractall(dest)
    return sorted(z.namelist())


def run(*args, cwd):
    return subprocess.run(list(args), cwd=cwd, capture_output=True, text=True)


def check_files(kind, d, chain):
    """Each format checked by an independent tool."""
    cert_pub = material.pubkey_of_cert(chain.dir, "leaf.crt")
    if kind == "nginx":
        bundle = open(f"{d}/{N}_nginx/{N}_bundle.crt").read()
        assert bundle.count("BEGIN CERTIFICATE") == 3 and bundle.startswith(chain.leaf.strip()[:64])
        assert material.pubkey_of_key(d, f"{N}_nginx/{N}.key") == cert_pub
    elif kind == "apache":
        r = run("openssl", "verify", "-CAfile", chain.path("root.crt"), "-untrusted", f"{N}_apache/root_bundle.crt", f"{N}_apache/{N}.crt", cwd=d)
        assert r.returncode == 0, r.stdout + r.stderr
        assert material.pubkey_of_key(d, f"{N}_apache/{N}.key") == cert_pub
    elif kind in ("tomcat", "jks"):
        pw = open(f"{d}/{N}_{kind}/keystorePass.txt").read()
        r = run("keytool", "-list", "-v", "-keystore", f"{N}_{kind}/{N}.jks", "-storepass", pw, cwd=d)
        assert r.returncode == 0 and "PrivateKeyEntry" in r.stdout and "Certificate chain length: 3" in r.stdout, r.stdout + r.stderr
    elif kind == "iis":
        pw = open(f"{d}/{N}_iis/keystorePass.txt").read()
        r = run("openssl", "pkcs12", "-in", f"{N}_iis/{N}.pfx", "-passin", f"pass:{pw}", "-nodes", "-out", "iis.pem", cwd=d)
        assert r.returncode == 0, r.stderr
        text = open(f"{d}/iis.pem").read()
        assert text.count("BEGIN CERTIFICATE") == 3 and "BEGIN PRIVATE KEY" in text
        assert material.pubkey_of_key(d, "iis.pem") == cert_pub
    elif kind == "other":
        r = run("openssl", "verify", "-CAfile", chain.path("root.crt"), "-untrusted", f"{N}_other/{N}_chain.pem", f"{N}_other/{N}.pem", cwd=d)
        assert r.returncode == 0, r.stdout + r.stderr
    elif kind == "root":
        assert open(f"{d}/{N}_root/root_bundle.crt").read().strip() == chain.root.strip()


@pytest.fixture(scope="module")
def uploaded(alice, rsa_chain):
    return upload(alice.client(), rsa_chain)["CertificateId"]


def test_download_certificate_has_every_format(alice, uploaded, rsa_chain, workdir):
    r = alice.client("HmacSHA1").call_json("DownloadCertificate", {"CertificateId": uploaded})["Response"]
    assert r["ContentType"] == "application/zip"
    d = os.path.join(workdir, "dl-all")
    names = unpack(base64.b64decode(r["Content"]), d)
    for kind, files in LAYOUT.items():
        for f in files:
            assert f in names, f
        check_files(kind, d, rsa_chain)


@pytest.mark.parametrize("kind", list(LAYOUT))
def test_download_url_per_service_type(alice, uploaded, rsa_chain, workdir, kind):
    r = alice.client().call_json("DescribeDownloadCertificateUrl", {"CertificateId": uploaded, "ServiceType": kind})["Response"]
    assert r["DownloadFilename"] == f"{N}_{kind}.zip"
    url = r["DownloadCertificateUrl"]
    assert url.startswith(alice.server.url + "/download/")
    resp = urllib.request.urlopen(url)
    assert resp.headers["Content-Type"] == "application/zip"
    d = os.path.join(workdir, f"dl-{kind}")
    assert unpack(resp.read(), d) == sorted(LAYOUT[kind])
    check_files(kind, d, rsa_chain)


def test_download_url_refuses_tampering(alice, bob, uploaded):
    url = alice.client().call_json("DescribeDownloadCertificateUrl", {"CertificateId": uploaded, "ServiceType": "nginx"})["Response"]["DownloadCertificateUrl"]
    base, query = url.split("?")
    variants = [
        url[:-4] + ("0000" if not url.endswith("0000") else "1111"),
        base.replace("/nginx", "/iis") + "?" + query,
        base.replace(alice.uin, bob.uin) + "?" + query,
        url.replace("expires=", "expires=9"),
        base,
    ]
    for v in variants:
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(v)
        assert e.value.code in (403, 404), v
    with pytest.raises(TencentCloudSDKException) as e:
        alice.client().call_json("DescribeDownloadCertificateUrl", {"CertificateId": uploaded, "ServiceType": "zip"})
    assert e.value.code == "FailedOperation.CertificateDownloadServiceTypeNotSupport"
    with pytest.raises(TencentCloudSDKException) as e:
        alice.client().call_json("DescribeDownloadCertificateUrl", {"CertificateId": uploaded})
    assert e.value.code == "MissingParameter"


def test_ca_certificate_downloads_without_key(alice, ec_chain, workdir):
    cid = alice.client().call_json("UploadCertificate", {"CertificatePublicKey": ec_chain.root, "CertificateType": "CA"})["Response"]["CertificateId"]
    r = alice.client().call_json("DownloadCertificate", {"CertificateId": cid})["Response"]
    names = unpack(base64.b64decode(r["Content"]), os.path.join(workdir, "dl-ca"))
    assert not any(n.endswith(".key") or n.endswith(".pfx") for n in names)
    jks = [n for n in names if n.endswith(".jks")]
    assert jks
    d = os.path.join(workdir, "dl-ca")
    pw = open(os.path.join(d, os.path.dirname(jks[0]), "keystorePass.txt")).read()
    out = run("keytool", "-list", "-keystore", jks[0], "-storepass", pw, cwd=d)
    assert out.returncode == 0 and "trustedCertEntry" in out.stdout, out.stdout + out.stderr
