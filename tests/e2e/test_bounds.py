"""Bounded parameters: oversized lists, strings and out-of-range numbers get the documented
InvalidParameterValue through the official SDK (never InternalError), and a secret that failed
to parse is never repeated in the answer or the server log."""

import os

import pytest

from conftest import code_of, upload


def error_of(fn):
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
    with pytest.raises(TencentCloudSDKException) as e:
        fn()
    return e.value


@pytest.mark.parametrize("name,value", [
    ("SearchKey", "x" * 50_000),
    ("CertIds", [f"id{i:06d}" for i in range(40_000)]),
    ("Tags", [{"TagKey": f"k{i}", "TagValue": "v"} for i in range(1_500)]),
    ("CertificateStatus", [i % 16 for i in range(40_000)]),
    ("Tags", [{"TagKey": "k" * 5_000, "TagValue": "v"}]),
    ("ProjectId", -1),
    ("ProjectId", 2**32),
    ("Offset", -1),
    ("Limit", 2**40),
    ("IsSM", 7),
], ids=["SearchKey-50000", "CertIds-40000", "Tags-1500", "CertificateStatus-40000", "TagKey-5000", "ProjectId-neg",
        "ProjectId-2^32", "Offset-neg", "Limit-2^40", "IsSM-7"])
def test_describe_certificates_bounds(alice, name, value):
    c = alice.client()
    assert code_of(lambda: c.call_json("DescribeCertificates", {name: value})) == "InvalidParameterValue"
    # The same request within bounds still works.
    assert "Certificates" in c.call_json("DescribeCertificates", {"Limit": 1})["Response"]


@pytest.mark.parametrize("project", [-1, 2**32, "-7"])
def test_project_id_is_range_checked_on_every_action(alice, fresh_chain, project):
    c = alice.client()
    assert code_of(lambda: upload(c, fresh_chain, ProjectId=project)) == "InvalidParameterValue"
    assert code_of(lambda: c.call_json("ApplyCertificate", {"DvAuthMethod": "DNS", "DomainName": "bounds.example.test",
                                                            "ProjectId": project})) == "InvalidParameterValue"
    cid = upload(c, fresh_chain, ProjectId=4294967295)["CertificateId"]
    assert c.call_json("DescribeCertificate", {"CertificateId": cid})["Response"]["ProjectId"] == "4294967295"
    assert code_of(lambda: c.call_json("ModifyCertificateProject", {"CertificateIdList": [cid], "ProjectId": project})) \
        == "InvalidParameterValue"
    assert code_of(lambda: c.call_json("DescribeCertificateOperateLogs", {"Offset": -1})) == "InvalidParameterValue"


def test_other_lists_and_strings(alice, fresh_chain):
    c = alice.client()
    many_tags = [{"TagKey": f"k{i}", "TagValue": "v"} for i in range(51)]
    assert code_of(lambda: upload(c, fresh_chain, Tags=many_tags)) == "InvalidParameterValue"
    names = [f"n{i}.bounds.example.test" for i in range(101)]
    assert code_of(lambda: c.call_json("ApplyCertificate", {"DvAuthMethod": "DNS", "DomainName": "bounds.example.test",
                                                            "DnsNames": names})) == "InvalidParameterValue"
    assert code_of(lambda: upload(c, fresh_chain, KeyPassword="p" * 1025)) == "InvalidParameterValue"


def test_a_secret_that_fails_to_parse_is_never_echoed(alice, server, fresh_chain):
    c = alice.client()
    secret = 8_675_309_123
    for bad in (secret, [str(secret)], {"pw": str(secret)}):
        e = error_of(lambda: upload(c, fresh_chain, KeyPassword=bad))
        assert e.code == "InvalidParameter", e
        assert str(secret) not in e.message, e.message
    e = error_of(lambda: c.call_json("UploadCertificate", {"CertificatePublicKey": fresh_chain.fullchain,
                                                           "CertificatePrivateKey": secret}))
    assert e.code == "InvalidParameter" and str(secret) not in e.message, e.message
    log = open(os.path.join(server.data_dir, "serve.log")).read()
    assert str(secret) not in log
