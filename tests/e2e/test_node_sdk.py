"""The official Tencent Cloud Node.js SDK (tencentcloud-sdk-nodejs, installed by scripts/test.sh into
tests/e2e/node/node_modules) with each of its signing methods and request methods. It names the TC3
credential scope's service after the endpoint's first label (`127` for 127.0.0.1:PORT, `localhost:PORT`
for localhost:PORT), which certhub accepts besides `ssl`, and nothing else."""

import json
import os
import shutil
import subprocess

import pytest

import signing
from conftest import Account

NODE_DIR = os.path.join(os.path.dirname(__file__), "node")
SCRIPT = os.path.join(NODE_DIR, "sdk.js")
COMBINATIONS = [("TC3-HMAC-SHA256", "POST"), ("TC3-HMAC-SHA256", "GET"), ("HmacSHA256", "POST"), ("HmacSHA256", "GET"),
                ("HmacSHA1", "POST"), ("HmacSHA1", "GET")]


def node_sdk(payload):
    node = shutil.which("node")
    assert node, "node is not installed; run scripts/test.sh"
    assert os.path.isdir(os.path.join(NODE_DIR, "node_modules", "tencentcloud-sdk-nodejs")), \
        "tencentcloud-sdk-nodejs is not installed; run scripts/test.sh"
    r = subprocess.run([node, SCRIPT], input=json.dumps(payload), capture_output=True, text=True, timeout=120, cwd=NODE_DIR)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
@pytest.mark.parametrize("sign_method,req_method", COMBINATIONS)
def test_node_sdk_success_and_error_envelopes(server, fresh_chain, host, sign_method, req_method):
    acct = Account(server, f"node-{sign_method}-{req_method}-{host}".lower())
    upload = None
    if req_method == "POST":
        # A certificate with its key is too long for a GET query string.
        upload = {"CertificatePublicKey": fresh_chain.leaf + fresh_chain.intermediate + fresh_chain.root,
                  "CertificatePrivateKey": fresh_chain.key, "Alias": "from-node", "Repeatable": True}
    out = node_sdk({"endpoint": f"{host}:{server.port}", "secretId": acct.secret_id, "secretKey": acct.secret_key,
                    "signMethod": sign_method, "reqMethod": req_method, "upload": upload})
    assert "ok" in out["list"], out["list"]
    assert out["list"]["ok"]["TotalCount"] == 0 and len(out["list"]["ok"]["RequestId"]) == 36
    if upload:
        assert "ok" in out["upload"], out["upload"]
        cid = out["upload"]["ok"]["CertificateId"]
        assert out["describe"]["ok"]["CertificateId"] == cid and out["describe"]["ok"]["Alias"] == "from-node"
    err = out["missing"]["error"]
    assert err["name"] == "TencentCloudSDKHttpException", err
    assert err["code"] == "FailedOperation.CertificateNotFound" and len(err["requestId"]) == 36, err


def test_only_ssl_or_the_first_host_label_names_the_service(server, alice):
    h, p = server.host, server.port

    def code(service):
        payload, headers = signing.tc3_prepare(h, p, alice.secret_id, alice.secret_key, "DescribeCertificates", {"Limit": 1},
                                               service=service)
        status, _, body = signing.raw(h, p, "POST", "/", payload, headers)
        assert status == 200, body
        return body["Response"].get("Error", {}).get("Code")

    assert code("ssl") is None
    assert code("127") is None, "the Node.js SDK's scope for 127.0.0.1:PORT"
    for wrong in ["cvm", "0", "127.0.0.1", f"127.0.0.1:{p}", "ssl2", "SSL"]:
        assert code(wrong) == "AuthFailure.SignatureFailure", wrong
