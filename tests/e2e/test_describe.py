"""DescribeCertificate, DescribeCertificateDetail and DescribeCertificates: fields, types, filters, paging."""

import hashlib
import re
import ssl

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.ssl.v20191205 import models

import material
from conftest import upload

TIME = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


@pytest.fixture(scope="module")
def listed(server, workdir):
    """A fresh account with 12 certificates of known shapes."""
    from conftest import Account
    acct = Account(server, "lister")
    c = acct.client()
    ids = []
    for i in range(12):
        ch = material.make_chain(f"{workdir}/certs/list-{i}", "ec" if i % 2 else "rsa", cn=f"host{i}.list.test",
                                 sans=(f"host{i}.list.test",), days=10 if i == 3 else 40 + i)
        extra = {"Alias": f"alias-{i}", "ProjectId": 7 if i < 4 else 0}
        if i % 3 == 0:
            extra["Tags"] = [{"TagKey": "tier", "TagValue": "gold"}]
        ids.append(upload(c, ch, **extra)["CertificateId"])
    return acct, ids


def test_describe_certificate_fields_and_types(alice, rsa_chain):
    c = alice.client()
    cid = upload(c, rsa_chain, Alias="desc")["CertificateId"]
    req = models.DescribeCertificateRequest()
    req.CertificateId = cid
    r = c.DescribeCertificate(req)
    assert r.CertificateId == cid and r.OwnerUin == alice.uin and r.ProjectId == "0"
    assert r.Domain == "www.example.test"
    assert r.SubjectAltName == ["www.example.test", "example.test"]
    assert r.Status == 1 and r.StatusName == "已颁发"
    assert r.From == "upload" and r.PackageType is None
    assert TIME.match(r.CertBeginTime) and TIME.match(r.CertEndTime) and TIME.match(r.InsertTime)
    assert r.CertificateExtra.SMCert == 0 and r.CertificateExtra.DomainNumber == "2"
    assert r.Deployable is True and r.IsWildcard is False
    raw = c.call_json("DescribeCertificate", {"CertificateId": cid})["Response"]
    assert isinstance(raw["Status"], int) and isinstance(raw["ProjectId"], str)
    assert raw["OrderId"] is None and raw["DvAuthDetail"] is None


def test_describe_certificate_detail(alice, ec_chain):
    c = alice.client("HmacSHA256")
    cid = upload(alice.client(), ec_chain)["CertificateId"]
    req = models.DescribeCertificateDetailRequest()
    req.CertificateId = cid
    r = c.DescribeCertificateDetail(req)
    leaf_der = ssl.PEM_cert_to_DER_cert(ec_chain.leaf)
    assert r.CertFingerprint == hashlib.sha1(leaf_der).hexdigest().upper()
    assert r.SubjectAltName == ["*.ec.example.test"], "Detail's SubjectAltName excludes the main domain"
    assert r.Domain == "ec.example.test" and r.IsWildcard is True and r.DomainType == 4
    assert r.CertificatePublicKey.count("BEGIN CERTIFICATE") == 3
    assert "BEGIN PRIVATE KEY" in r.CertificatePrivateKey
    assert r.RootCert.Standard.strip() == ec_chain.root.strip()
    assert [x.Subject for x in r.CertChainInfo] == ["ec.example.test", "E2E ec Intermediate", "E2E ec Root"]
    assert r.EncryptAlgorithm == "ECC 256"


def test_unknown_certificate(alice):
    for action in ["DescribeCertificate", "DescribeCertificateDetail", "DownloadCertificate"]:
        with pytest.raises(TencentCloudSDKException) as e:
            alice.client().call_json(action, {"CertificateId": "zzzzzzzz"})
        assert e.value.code == "FailedOperation.CertificateNotFound", action


def test_list_paging_and_total(listed):
    acct, ids = listed
    c = acct.client()
    r = c.call_json("DescribeCertificates", {})["Response"]
    assert r["TotalCount"] == 12 and len(r["Certificates"]) == 10, "default Limit is 10"
    assert [x["CertificateId"] for x in r["Certificates"]] == list(reversed(ids))[:10], "newest first"
    seen = []
    for off in range(0, 12, 5):
        page = c.call_json("DescribeCertificates", {"Offset": off, "Limit": 5})["Response"]
        assert page["TotalCount"] == 12
        seen += [x["CertificateId"] for x in page["Certificates"]]
    assert sorted(seen) == sorted(ids)
    big = c.call_json("DescribeCertificates", {"Limit": 1001})["Response"]
    assert len(big["Certificates"]) == 12
    typed = models.DescribeCertificatesRequest()
    typed.Limit, typed.Offset = 3, 11
    r = c.DescribeCertificates(typed)
    assert r.TotalCount == 12 and len(r.Certificates) == 1


def test_list_filters(listed):
    acct, ids = listed
    c = acct.client()
    q = lambda **p: c.call_json("DescribeCertificates", {"Limit": 100, **p})["Response"]  # noqa: E731
    assert q(ProjectId=7)["TotalCount"] == 4
    assert q(SearchKey="HOST1")["TotalCount"] == 3, "host1, host10, host11, case-insensitive"
    assert q(SearchKey="alias-5")["Certificates"][0]["CertificateId"] == ids[5]
    assert q(SearchKey=ids[2])["Certificates"][0]["CertificateId"] == ids[2]
    assert q(Tags=[{"TagKey": "tier", "TagValue": "gold"}])["TotalCount"] == 4
    assert q(CertIds=[ids[0], ids[1], "nope1234"])["TotalCount"] == 2
    assert q(CertificateType="SVR")["TotalCount"] == 12 and q(CertificateType="CA")["TotalCount"] == 0
    assert q(CertificateStatus=[1])["TotalCount"] == 12 and q(CertificateStatus=[0, 10])["TotalCount"] == 0
    assert q(FilterSource="upload")["TotalCount"] == 12 and q(FilterSource="buy")["TotalCount"] == 0
    assert q(Deployable=1)["TotalCount"] == 12
    expiring = q(FilterExpiring=1)
    assert expiring["TotalCount"] == 1 and expiring["Certificates"][0]["CertificateId"] == ids[3]
    assert expiring["Certificates"][0]["IsExpiring"] is True
    asc = [x["CertificateId"] for x in q(ExpirationSort="ASC")["Certificates"]]
    desc = [x["CertificateId"] for x in q(ExpirationSort="DESC")["Certificates"]]
    assert asc[0] == ids[3] and desc == list(reversed(asc))
    item = q(CertIds=[ids[1]])["Certificates"][0]
    assert item["IsSM"] is False and item["EncryptAlgorithm"] == "ECC" and item["IsIgnore"] is False
    assert item["SupportDownloadType"]["NGINX"] is True and item["SupportDownloadType"]["IIS"] is True
    for bad in [{"ExpirationSort": "UP"}, {"CertificateType": "X"}, {"FilterSource": "x"}, {"Offset": -1}, {"CertificateStatus": [99]}]:
        with pytest.raises(TencentCloudSDKException) as e:
            q(**bad)
        assert e.value.code == "InvalidParameterValue", bad
    with pytest.raises(TencentCloudSDKException) as e:
        q(Limit="abc")
    assert e.value.code == "InvalidParameter"
    with pytest.raises(TencentCloudSDKException) as e:
        q(Bogus=1)
    assert e.value.code == "UnknownParameter"
