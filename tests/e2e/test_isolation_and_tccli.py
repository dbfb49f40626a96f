"""Account isolation, and tccli as users run it."""

import json

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from conftest import upload


def test_other_accounts_see_nothing(alice, bob, rsa_chain):
    a = alice.client()
    b = bob.client()
    cid = upload(a, rsa_chain, Alias="alice-private")["CertificateId"]
    for action, params in [
        ("DescribeCertificate", {"CertificateId": cid}),
        ("DescribeCertificateDetail", {"CertificateId": cid}),
        ("DownloadCertificate", {"CertificateId": cid}),
        ("DescribeDownloadCertificateUrl", {"CertificateId": cid, "ServiceType": "nginx"}),
        ("ModifyCertificateAlias", {"CertificateId": cid, "Alias": "pwned"}),
        ("DeleteCertificate", {"CertificateId": cid}),
        ("ModifyCertificatesExpiringNotificationSwitch", {"CertificateIds": [cid], "SwitchStatus": 1}),
    ]:
        with pytest.raises(TencentCloudSDKException) as e:
            b.call_json(action, params)
        assert e.value.code == "FailedOperation.CertificateNotFound", action
    r = b.call_json("ModifyCertificateProject", {"CertificateIdList": [cid], "ProjectId": 5})["Response"]
    assert r["SuccessCertificates"] == [] and r["FailCertificates"] == [cid]
    r = b.call_json("DeleteCertificates", {"CertificateIds": [cid]})["Response"]
    assert r["Success"] == []
    listing = b.call_json("DescribeCertificates", {"Limit": 1000, "CertIds": [cid]})["Response"]
    assert listing["TotalCount"] == 0
    assert all(c["OwnerUin"] == bob.uin for c in b.call_json("DescribeCertificates", {"Limit": 1000})["Response"]["Certificates"])
    # Nothing changed for alice.
    info = a.call_json("DescribeCertificate", {"CertificateId": cid})["Response"]
    assert info["Alias"] == "alice-private" and info["ProjectId"] == "0"


def test_tccli_round_trip(alice, fresh_chain):
    rc, out = alice.tccli("UploadCertificate", "--CertificatePublicKey", fresh_chain.fullchain,
                          "--CertificatePrivateKey", fresh_chain.key, "--Alias", "from-tccli", "--ProjectId", "3")
    assert rc == 0, out
    cid = json.loads(out)["CertificateId"]
    rc, out = alice.tccli("DescribeCertificates", "--CertIds", json.dumps([cid]))
    assert rc == 0, out
    listing = json.loads(out)
    assert listing["TotalCount"] == 1 and listing["Certificates"][0]["Alias"] == "from-tccli"
    rc, out = alice.tccli("DescribeCertificateDetail", "--CertificateId", cid)
    assert rc == 0 and json.loads(out)["ProjectId"] == "3", out
    rc, out = alice.tccli("DeleteCertificate", "--CertificateId", cid)
    assert rc == 0 and json.loads(out)["DeleteResult"] is True, out
    rc, out = alice.tccli("DescribeCertificateDetail", "--CertificateId", cid)
    assert "FailedOperation.CertificateNotFound" in out, out
