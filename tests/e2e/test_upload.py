"""UploadCertificate, CheckCertificateExist and CheckCertificateChain through the official SDK."""

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.ssl.v20191205 import models

import material
from conftest import SIGN_METHODS, upload


def code_of(fn):
    with pytest.raises(TencentCloudSDKException) as e:
        fn()
    return e.value.code


@pytest.mark.parametrize("sign_method", SIGN_METHODS)
@pytest.mark.parametrize("req_method", ["POST", "GET"])
def test_upload_with_typed_model_every_signing_method(alice, fresh_chain, sign_method, req_method):
    c = alice.client(sign_method, req_method)
    req = models.UploadCertificateRequest()
    req.CertificatePublicKey = fresh_chain.fullchain
    req.CertificatePrivateKey = fresh_chain.key
    req.Alias = f"typed {sign_method}"
    req.ProjectId = 42
    tag = models.Tags()
    tag.TagKey, tag.TagValue = "team", "edge"
    req.Tags = [tag]
    resp = c.UploadCertificate(req)
    assert len(resp.CertificateId) == 8 and resp.RepeatCertId == ""
    info = c.call_json("DescribeCertificate", {"CertificateId": resp.CertificateId})["Response"]
    assert info["Alias"] == f"typed {sign_method}"
    assert info["ProjectId"] == "42"
    assert info["Tags"] == [{"TagKey": "team", "TagValue": "edge"}]
    assert info["Status"] == 1 and info["From"] == "upload" and info["CertificateType"] == "SVR"


@pytest.mark.parametrize("kind,variant", [("rsa", "pkcs8"), ("rsa", "pkcs1"), ("ec", "pkcs8"), ("ec", "sec1")])
def test_key_formats(alice, workdir, kind, variant):
    chain = material.make_chain(f"{workdir}/certs/fmt-{kind}-{variant}", kind, cn=f"{kind}-{variant}.example.test", sans=(f"{kind}-{variant}.example.test",))
    key = chain.key if variant == "pkcs8" else material.key_variant(chain, variant)
    marker = {"pkcs8": "BEGIN PRIVATE KEY", "pkcs1": "BEGIN RSA PRIVATE KEY", "sec1": "BEGIN EC PRIVATE KEY"}[variant]
    assert marker in key
    r = upload(alice.client(), chain, key)
    detail = alice.client().call_json("DescribeCertificateDetail", {"CertificateId": r["CertificateId"]})["Response"]
    assert detail["EncryptAlgorithm"] == ("RSA 2048" if kind == "rsa" else "ECC 256")
    # The stored key is the same key, whatever format it came in.
    with open(f"{chain.dir}/returned.key", "w") as f:
        f.write(detail["CertificatePrivateKey"])
    assert material.pubkey_of_key(chain.dir, "returned.key") == material.pubkey_of_cert(chain.dir, "leaf.crt")


@pytest.mark.parametrize("variant", ["pkcs8-enc", "legacy-enc"])
def test_encrypted_keys_need_key_password(alice, workdir, variant):
    chain = material.make_chain(f"{workdir}/certs/enc-{variant}", "rsa", cn=f"{variant}.example.test", sans=(f"{variant}.example.test",))
    key = material.key_variant(chain, variant, password="pw-123")
    assert "ENCRYPTED" in key
    c = alice.client()
    assert code_of(lambda: upload(c, chain, key)) == "InvalidParameter.WithDetailReason"
    assert code_of(lambda: upload(c, chain, key, KeyPassword="wrong")) == "InvalidParameter.WithDetailReason"
    r = upload(c, chain, key, KeyPassword="pw-123")
    listing = c.call_json("DescribeCertificates", {"CertIds": [r["CertificateId"]]})["Response"]
    assert listing["Certificates"][0]["KeyPasswordCustomFlag"] is True


def test_ca_certificate_without_key(alice, rsa_chain):
    c = alice.client()
    r = c.call_json("UploadCertificate", {"CertificatePublicKey": rsa_chain.root, "CertificateType": "CA", "Alias": "root"})["Response"]
    info = c.call_json("DescribeCertificate", {"CertificateId": r["CertificateId"]})["Response"]
    assert info["CertificateType"] == "CA"
    assert info["CACommonNames"] == ["E2E rsa Root"]
    assert info["CAEncryptAlgorithms"] == ["RSA"]
    assert len(info["CAEndTimes"]) == 1
    assert info["Deployable"] is False
    # A leaf is not a CA certificate.
    assert code_of(lambda: c.call_json("UploadCertificate", {"CertificatePublicKey": rsa_chain.leaf, "CertificateType": "CA"})) \
        == "FailedOperation.CertificateCaError"


def test_duplicates_and_check_exist(alice, bob, fresh_chain):
    c = alice.client()
    assert c.call_json("CheckCertificateExist", {"CertificatePublicKey": fresh_chain.fullchain})["Response"]["RepeatCertId"] == ""
    first = upload(c, fresh_chain)["CertificateId"]
    # Repeatable defaults to true: a second copy gets a new ID.
    second = upload(c, fresh_chain)["CertificateId"]
    assert second != first
    dup = upload(c, fresh_chain, Repeatable=False)
    assert dup["CertificateId"] == dup["RepeatCertId"] == first
    assert c.call_json("CheckCertificateExist", {"CertificatePublicKey": fresh_chain.leaf})["Response"]["RepeatCertId"] == first
    # Another account does not see it.
    assert bob.client().call_json("CheckCertificateExist", {"CertificatePublicKey": fresh_chain.leaf})["Response"]["RepeatCertId"] == ""


def test_bad_content_gets_documented_codes(alice, rsa_chain, ec_chain):
    c = alice.client()
    leaf = rsa_chain.leaf
    cases = {
        "garbage": "not a certificate",
        "truncated": leaf[: len(leaf) // 2],
        "binary": "-----BEGIN CERTIFICATE-----\n\x00\x01\x02\xff\n-----END CERTIFICATE-----",
        "corrupt": leaf.replace("MII", "AAA", 1),
    }
    for name, text in cases.items():
        got = code_of(lambda: c.call_json("UploadCertificate", {"CertificatePublicKey": text, "CertificatePrivateKey": rsa_chain.key}))
        assert got == "FailedOperation.CertificateParseError", name
    assert code_of(lambda: upload(c, rsa_chain, rsa_chain.other_key)) == "FailedOperation.CertificateMismatch"
    assert code_of(lambda: upload(c, rsa_chain, ec_chain.key)) == "FailedOperation.CertificateMismatch"
    assert code_of(lambda: upload(c, rsa_chain, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----")) \
        == "FailedOperation.CertificateParseError"
    assert code_of(lambda: c.call_json("UploadCertificate", {"CertificatePublicKey": leaf})) == "MissingParameter"
    assert code_of(lambda: c.call_json("UploadCertificate", {})) == "MissingParameter"
    assert code_of(lambda: c.call_json("UploadCertificate", {"CertificatePublicKey": rsa_chain.leaf + ec_chain.intermediate,
                                                              "CertificatePrivateKey": rsa_chain.key})) \
        == "FailedOperation.CertificateChainError"
    assert code_of(lambda: c.call_json("UploadCertificate", {"CertificatePublicKey": leaf, "CertificatePrivateKey": rsa_chain.key,
                                                              "CertificateType": "XYZ"})) == "InvalidParameterValue"
    assert code_of(lambda: c.call_json("UploadCertificate", {"CertificatePublicKey": leaf, "CertificatePrivateKey": rsa_chain.key,
                                                              "ProjectId": "abc"})) == "InvalidParameter"


def test_check_certificate_chain(alice, rsa_chain):
    c = alice.client()
    r = c.call_json("CheckCertificateChain", {"CertificateChain": rsa_chain.fullchain})["Response"]
    assert r["IsValid"] is True and r["IsTrustedCA"] is False
    assert r["Chains"] == ["www.example.test", "E2E rsa Intermediate", "E2E rsa Root"]
    # Order does not matter.
    r = c.call_json("CheckCertificateChain", {"CertificateChain": rsa_chain.root + rsa_chain.leaf + rsa_chain.intermediate})["Response"]
    assert r["IsValid"] is True and r["Chains"][0] == "www.example.test"
    # The missing intermediate is named.
    r = c.call_json("CheckCertificateChain", {"CertificateChain": rsa_chain.leaf})["Response"]
    assert r["IsValid"] is False
    assert r["Chains"] == ["www.example.test", "missing: E2E rsa Intermediate"]
    assert code_of(lambda: c.call_json("CheckCertificateChain", {"CertificateChain": "junk"})) == "FailedOperation.CertificateInvalid"


def test_sm2_certificate(alice, workdir):
    d = f"{workdir}/certs/sm2"
    import os
    os.makedirs(d, exist_ok=True)
    material.openssl(d, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:SM2", "-out", "sm2.key")
    material.openssl(d, "req", "-x509", "-new", "-key", "sm2.key", "-sm3", "-sigopt", "distid:1234567812345678",
                     "-subj", "/CN=sm2.example.test", "-addext", "subjectAltName=DNS:sm2.example.test", "-days", "30", "-out", "sm2.crt")
    c = alice.client()
    cid = c.call_json("UploadCertificate", {"CertificatePublicKey": material.read(f"{d}/sm2.crt"),
                                            "CertificatePrivateKey": material.read(f"{d}/sm2.key")})["Response"]["CertificateId"]
    item = c.call_json("DescribeCertificates", {"CertIds": [cid]})["Response"]["Certificates"][0]
    assert item["IsSM"] is True and item["EncryptAlgorithm"] == "SM2" and item["CertificateExtra"]["SMCert"] == 1
    assert c.call_json("DescribeCertificates", {"IsSM": 1, "CertIds": [cid]})["Response"]["TotalCount"] == 1
    other = material.make_chain(f"{workdir}/certs/sm2-other", "ec", cn="x.example.test", sans=("x.example.test",))
    with pytest.raises(TencentCloudSDKException) as e:
        c.call_json("UploadCertificate", {"CertificatePublicKey": material.read(f"{d}/sm2.crt"), "CertificatePrivateKey": other.key})
    assert e.value.code == "FailedOperation.CertificateMismatch"
    r = c.call_json("DownloadCertificate", {"CertificateId": cid})["Response"]
    assert r["ContentType"] == "application/zip" and len(r["Content"]) > 100
