"""Authentication, the common error codes, and hostile requests on the wire."""

import json
import os
import subprocess
import time

import pytest
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile

import signing
from conftest import BIN, SIGN_METHODS, Account, Server, SpacedSslClient


def code_of(fn):
    with pytest.raises(TencentCloudSDKException) as e:
        fn()
    return e.value.code


def client_with(server, sid, skey, sign_method="TC3-HMAC-SHA256"):
    hp = HttpProfile(endpoint=f"{server.host}:{server.port}", protocol="http")
    return SpacedSslClient(credential.Credential(sid, skey), "ap-guangzhou", ClientProfile(signMethod=sign_method, httpProfile=hp))


@pytest.mark.parametrize("sign_method", SIGN_METHODS)
def test_credentials(server, alice, sign_method):
    call = lambda c: c.call_json("DescribeCertificates", {})  # noqa: E731
    assert call(client_with(server, alice.secret_id, alice.secret_key, sign_method))["Response"]["TotalCount"] >= 0
    assert code_of(lambda: call(client_with(server, alice.secret_id, "x" * 32, sign_method))) == "AuthFailure.SignatureFailure"
    assert code_of(lambda: call(client_with(server, "AKID" + "0" * 32, alice.secret_key, sign_method))) == "AuthFailure.SecretIdNotFound"


def test_disabled_key(server):
    acct = Account(server, "disabled-user")
    c = acct.client()
    c.call_json("DescribeCertificates", {})
    server.cli("key", "disable", acct.secret_id)
    assert code_of(lambda: c.call_json("DescribeCertificates", {})) == "AuthFailure.SecretIdNotFound"
    server.cli("key", "enable", acct.secret_id)
    assert c.call_json("DescribeCertificates", {})["Response"]["TotalCount"] == 0


def test_common_errors_through_the_sdk(alice):
    c = alice.client()
    assert code_of(lambda: c.call_json("NoSuchAction", {})) == "InvalidAction"
    assert code_of(lambda: c.call_json("DescribeCertificate", {})) == "MissingParameter"
    assert code_of(lambda: c.call_json("DescribeCertificates", {"Limit": "abc"})) == "InvalidParameter"
    assert code_of(lambda: c.call_json("DescribeHostCdnInstanceList", {})) == "UnsupportedOperation"
    assert code_of(lambda: c.call_json("DeployCertificateInstance", {"CertificateId": "abc", "InstanceIdList": ["x"]})) == "UnsupportedOperation"


def sdk_error(r):
    status, headers, body = r
    assert status == 200, (status, body)
    assert headers.get("content-type") == "application/json", headers
    assert isinstance(body, dict) and "Response" in body, body
    assert len(body["Response"]["RequestId"]) == 36
    return body["Response"].get("Error", {}).get("Code")


def test_raw_tc3_errors(server, alice):
    h, p, sid, sk = server.host, server.port, alice.secret_id, alice.secret_key
    ok = signing.tc3_request(h, p, sid, sk, "DescribeCertificates", {"Limit": 1})
    assert sdk_error(ok) is None
    assert sdk_error(signing.tc3_request(h, p, sid, sk, "DescribeCertificates", {}, ts=int(time.time()) - 600)) == "AuthFailure.SignatureExpire"
    assert sdk_error(signing.tc3_request(h, p, sid, sk, "DescribeCertificates", {}, version="2017-03-12")) == "NoSuchVersion"
    assert sdk_error(signing.tc3_request(h, p, sid, sk, "DescribeCertificates", {"Limit": 1}, tamper=lambda b: b.replace(b"1", b"2"))) \
        == "AuthFailure.SignatureFailure"
    assert sdk_error(signing.tc3_request(h, p, sid, sk, "DescribeCertificates", {}, headers={"Authorization": "TC3-HMAC-SHA256 garbage"})) \
        == "AuthFailure.InvalidAuthorization"
    assert sdk_error(signing.tc3_request(h, p, sid, sk, "DescribeCertificates", {}, headers={"X-TC-Token": "sts-token"})) \
        == "AuthFailure.TokenFailure"
    big = b'{"SearchKey": "' + b"a" * (10 * 1024 * 1024) + b'"}'
    assert sdk_error(signing.tc3_request(h, p, sid, sk, "DescribeCertificates", big)) == "RequestSizeLimitExceeded"
    for body, want in [(b'{"Limit": 1', "InvalidParameter"), (b"\xff\xfe\x00binary", "InvalidParameter"),
                       (b"[]", "InvalidParameter"), (b'{"Limit": {"a": 1}}', "InvalidParameter")]:
        assert sdk_error(signing.tc3_request(h, p, sid, sk, "DescribeCertificates", body)) == want, body
    # An empty body is an empty parameter set.
    assert sdk_error(signing.tc3_request(h, p, sid, sk, "DescribeCertificates", b"")) is None


def test_raw_requests_without_signatures(server):
    h, p = server.host, server.port
    assert sdk_error(signing.raw(h, p, "PUT", "/", b"{}", {"Content-Type": "application/json"})) == "UnsupportedProtocol"
    assert sdk_error(signing.raw(h, p, "DELETE", "/", None, {})) == "UnsupportedProtocol"
    assert sdk_error(signing.raw(h, p, "POST", "/", b"{}", {"Content-Type": "application/json"})) == "AuthFailure.InvalidAuthorization"
    assert sdk_error(signing.raw(h, p, "POST", "/", b"hello", {"Content-Type": "text/plain"})) == "AuthFailure.InvalidAuthorization"
    assert sdk_error(signing.raw(h, p, "GET", "/", None, {})) == "MissingParameter"
    assert sdk_error(signing.raw(h, p, "GET", "/?Action=DescribeCertificates&Version=2019-12-05", None, {})) == "MissingParameter"
    assert sdk_error(signing.raw(h, p, "GET", "/?Action=Nope&Version=2019-12-05", None, {})) == "InvalidAction"
    assert sdk_error(signing.raw(h, p, "GET", "/?" + "A=" + "b" * 40000, None, {})) == "RequestSizeLimitExceeded"
    assert sdk_error(signing.raw(h, p, "POST", "/", b"%%%&&&=", {"Content-Type": "application/x-www-form-urlencoded"})) == "InvalidParameter"
    assert sdk_error(signing.raw(h, p, "POST", "/", b"x" * (1024 * 1024 + 10), {"Content-Type": "application/x-www-form-urlencoded"})) \
        == "RequestSizeLimitExceeded"


def test_v1_get_with_flattened_params(server, alice):
    for method in ["HmacSHA1", "HmacSHA256"]:
        r = signing.v1_get(server.host, server.port, alice.secret_id, alice.secret_key, "DescribeCertificates",
                           {"Limit": "2", "CertificateStatus.0": "1", "Tags.0.TagKey": "none", "Tags.0.TagValue": "none"}, method)
        assert sdk_error(r) is None
        assert r[2]["Response"]["TotalCount"] == 0
        bad = signing.v1_params(f"{server.host}:{server.port}", alice.secret_id, "wrong-key", "DescribeCertificates", {}, "GET", method)
        import urllib.parse
        assert sdk_error(signing.raw(server.host, server.port, "GET", "/?" + urllib.parse.urlencode(bad), None, {})) \
            == "AuthFailure.SignatureFailure"


def test_rate_limit(workdir):
    data = os.path.join(workdir, "ratelimited")
    os.makedirs(data)
    s = Server(data, multiplier="1")
    try:
        acct = Account(s, "busy")
        c = acct.client()
        codes = []
        for i in range(25):
            try:
                # Distinct parameters: the same ones within a second would be one signature, answered once.
                c.call_json("DescribeCertificates", {"Limit": 10 + i})
                codes.append(None)
            except TencentCloudSDKException as e:
                codes.append(e.code)
        assert codes.count("RequestLimitExceeded") > 0, codes
        assert codes[:5] == [None] * 5
        assert set(codes) <= {None, "RequestLimitExceeded"}
        # Another action has its own budget.
        assert c.call_json("DescribeCertificateOperateLogs", {})["Response"]["AllTotal"] == 0
        time.sleep(1.2)
        c.call_json("DescribeCertificates", {})
    finally:
        assert s.stop() == 0


def test_metrics_count_actions_and_codes(server, alice):
    import urllib.request
    alice.client().call_json("DescribeCertificates", {})
    text = urllib.request.urlopen(server.url + "/metrics").read().decode()
    assert 'certhub_tencent_requests_total{action="DescribeCertificates",code="ok"}' in text
    assert "certhub_tencent_request_duration_seconds" in text


def test_keys_are_not_stored_or_logged_in_clear(server, alice, rsa_chain):
    alice.client().call_json("UploadCertificate", {"CertificatePublicKey": rsa_chain.fullchain, "CertificatePrivateKey": rsa_chain.key})
    body = "".join(rsa_chain.key.splitlines()[1:-1])[:48]
    for name in os.listdir(server.data_dir):
        data = open(os.path.join(server.data_dir, name), "rb").read()
        assert body.encode() not in data, f"private key material found in {name}"
        assert alice.secret_key.encode() not in data, f"SecretKey found in {name}"


def test_multipart_and_optional_headers(server, alice, fresh_chain):
    h, p, sid, sk = server.host, server.port, alice.secret_id, alice.secret_key
    boundary = "certhubBoundary58731222010402"
    fields = {"CertificatePublicKey": fresh_chain.fullchain, "CertificatePrivateKey": fresh_chain.key,
              "Alias": "multipart", "Tags.0.TagKey": "via", "Tags.0.TagValue": "multipart"}
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()
    ) + f"--{boundary}--\r\n".encode()
    r = signing.tc3_request(h, p, sid, sk, "UploadCertificate", body, content_type=f"multipart/form-data; boundary={boundary}",
                            headers={"X-TC-Language": "en-US", "X-TC-Region": "ap-guangzhou", "X-TC-RequestClient": "e2e"})
    assert sdk_error(r) is None, r
    cid = r[2]["Response"]["CertificateId"]
    info = alice.client().call_json("DescribeCertificate", {"CertificateId": cid})["Response"]
    assert info["Alias"] == "multipart" and info["Tags"] == [{"TagKey": "via", "TagValue": "multipart"}]
    broken = signing.tc3_request(h, p, sid, sk, "DescribeCertificates", b"--x\r\nnonsense",
                                 content_type=f"multipart/form-data; boundary={boundary}")
    assert sdk_error(broken) == "InvalidRequest"
