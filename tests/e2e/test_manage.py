"""Modify, delete, batch delete with tasks, and the operation log."""

import time

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.ssl.v20191205 import models

import material
from conftest import Account, upload


@pytest.fixture(scope="module")
def acct(server):
    return Account(server, "manager")


def make(acct, workdir, n, tag):
    ids = []
    for i in range(n):
        ch = material.make_chain(f"{workdir}/certs/{tag}-{i}", "ec", cn=f"{tag}{i}.manage.test", sans=(f"{tag}{i}.manage.test",))
        ids.append(upload(acct.client(), ch)["CertificateId"])
    return ids


def err(fn):
    with pytest.raises(TencentCloudSDKException) as e:
        fn()
    return e.value.code


def test_modify_alias_project_and_notification(acct, workdir):
    c = acct.client()
    a, b = make(acct, workdir, 2, "mod")
    req = models.ModifyCertificateAliasRequest()
    req.CertificateId, req.Alias = a, "renamed"
    assert c.ModifyCertificateAlias(req).CertificateId == a
    assert c.call_json("DescribeCertificate", {"CertificateId": a})["Response"]["Alias"] == "renamed"
    assert err(lambda: c.call_json("ModifyCertificateAlias", {"CertificateId": "nope1234", "Alias": "x"})) == "FailedOperation.CertificateNotFound"
    r = c.call_json("ModifyCertificateProject", {"CertificateIdList": [a, b, "nope1234"], "ProjectId": 99})["Response"]
    assert sorted(r["SuccessCertificates"]) == sorted([a, b]) and r["FailCertificates"] == ["nope1234"]
    assert c.call_json("DescribeCertificates", {"ProjectId": 99})["Response"]["TotalCount"] == 2
    assert err(lambda: c.call_json("ModifyCertificateProject", {"CertificateIdList": [a]})) == "MissingParameter"
    r = c.call_json("ModifyCertificatesExpiringNotificationSwitch", {"CertificateIds": [a], "SwitchStatus": 1})["Response"]
    assert r["CertificateIds"] == [a]
    items = {x["CertificateId"]: x for x in c.call_json("DescribeCertificates", {"CertIds": [a, b]})["Response"]["Certificates"]}
    assert items[a]["IsIgnore"] is True and items[b]["IsIgnore"] is False
    c.call_json("ModifyCertificatesExpiringNotificationSwitch", {"CertificateIds": [a], "SwitchStatus": 0})
    assert c.call_json("DescribeCertificates", {"CertIds": [a]})["Response"]["Certificates"][0]["IsIgnore"] is False
    assert err(lambda: c.call_json("ModifyCertificatesExpiringNotificationSwitch", {"CertificateIds": [a] * 51, "SwitchStatus": 1})) \
        == "InvalidParameter.CertificatesNumberExceeded"
    assert err(lambda: c.call_json("ModifyCertificatesExpiringNotificationSwitch", {"CertificateIds": [a], "SwitchStatus": 2})) \
        == "InvalidParameterValue"


def test_delete_one_and_many(acct, workdir):
    c = acct.client("HmacSHA1")
    ids = make(acct, workdir, 5, "del")
    req = models.DeleteCertificateRequest()
    req.CertificateId = ids[0]
    assert c.DeleteCertificate(req).DeleteResult is True
    assert err(lambda: c.call_json("DescribeCertificate", {"CertificateId": ids[0]})) == "FailedOperation.CertificateNotFound"
    assert err(lambda: c.call_json("DeleteCertificate", {"CertificateId": ids[0]})) == "FailedOperation.CertificateNotFound"
    r = c.call_json("DeleteCertificates", {"CertificateIds": [ids[1], ids[2], "nope1234"]})["Response"]
    assert sorted(r["Success"]) == sorted(ids[1:3])
    assert r["Fail"] == [{"CertId": "nope1234", "Msg": "证书不存在"}] and r["CertTaskIds"] == []
    # Asynchronous deletion, polled to completion.
    r = c.call_json("DeleteCertificates", {"CertificateIds": [ids[3]], "IsSync": True})["Response"]
    assert r["Success"] == [] and [t["CertId"] for t in r["CertTaskIds"]] == [ids[3]]
    task = r["CertTaskIds"][0]["TaskId"]
    r = c.call_json("DeleteCertificate", {"CertificateId": ids[4], "IsCheckResource": True})["Response"]
    assert r["DeleteResult"] is False and r["TaskId"]
    tasks = [task, r["TaskId"]]
    deadline = time.time() + 20
    while True:
        res = c.call_json("DescribeDeleteCertificatesTaskResult", {"TaskIds": tasks})["Response"]["DeleteTaskResult"]
        if all(t["Status"] != 0 for t in res) or time.time() > deadline:
            break
        time.sleep(0.3)
    assert [t["Status"] for t in res] == [1, 1], res
    assert res[0]["Domains"] == ["del3.manage.test"] and isinstance(res[0]["CacheTime"], str)
    assert err(lambda: c.call_json("DescribeCertificate", {"CertificateId": ids[4]})) == "FailedOperation.CertificateNotFound"
    assert err(lambda: c.call_json("DeleteCertificates", {"CertificateIds": ["x"] * 101})) \
        == "FailedOperation.CertificateSyncTaskCertificateIdCountInvalid"


def test_operation_log_records_every_change(server, workdir):
    acct = Account(server, "auditor")
    c = acct.client()
    (cid,) = make(acct, workdir, 1, "log")
    c.call_json("ModifyCertificateAlias", {"CertificateId": cid, "Alias": "a"})
    c.call_json("ModifyCertificateProject", {"CertificateIdList": [cid], "ProjectId": 3})
    c.call_json("DownloadCertificate", {"CertificateId": cid})
    c.call_json("DeleteCertificate", {"CertificateId": cid})
    r = c.call_json("DescribeCertificateOperateLogs", {"Limit": 100})["Response"]
    kinds = [x["Type"] for x in r["OperateLogs"]]
    assert kinds == ["delete", "download", "changeProject", "updateAlias", "upload"], kinds
    assert r["AllTotal"] == 5 and r["TotalCount"] == 5
    assert all(x["CertId"] == cid and x["Uin"] == acct.uin for x in r["OperateLogs"])
    page = c.call_json("DescribeCertificateOperateLogs", {"Limit": 2, "Offset": 1})["Response"]
    assert page["AllTotal"] == 5 and page["TotalCount"] == 2 and page["OperateLogs"][0]["Type"] == "download"
    old = c.call_json("DescribeCertificateOperateLogs", {"StartTime": "2020-01-01 00:00:00", "EndTime": "2020-01-02 00:00:00"})["Response"]
    assert old["AllTotal"] == 0
    assert err(lambda: c.call_json("DescribeCertificateOperateLogs", {"StartTime": "yesterday"})) == "InvalidParameterValue"
