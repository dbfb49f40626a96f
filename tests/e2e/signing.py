"""A small, independent TC3 / v1 signer for raw-HTTP tests (not the SDK's code)."""

import base64
import hashlib
import hmac
import http.client
import json
import random
import time
import urllib.parse


def _h(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def tc3_prepare(host, port, secret_id, secret_key, action, body, ts=None, version="2019-12-05",
                content_type="application/json", headers=None, method="POST", service="ssl"):
    """A TC3-signed request, not sent: (payload, headers)."""
    ts = int(time.time()) if ts is None else ts
    payload = body if isinstance(body, bytes) else json.dumps(body).encode()
    date = time.strftime("%Y-%m-%d", time.gmtime(ts))
    host_hdr = f"{host}:{port}"
    canonical = "\n".join([
        method, "/", "", f"content-type:{content_type.lower()}\nhost:{host_hdr}\n", "content-type;host",
        hashlib.sha256(payload).hexdigest()])
    scope = f"{date}/{service}/tc3_request"
    sts = "\n".join(["TC3-HMAC-SHA256", str(ts), scope, hashlib.sha256(canonical.encode()).hexdigest()])
    k = _h(_h(_h(("TC3" + secret_key).encode(), date), service), "tc3_request")
    sig = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
    hdrs = {
        "Authorization": f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders=content-type;host, Signature={sig}",
        "Content-Type": content_type, "Host": host_hdr, "X-TC-Action": action,
        "X-TC-Version": version, "X-TC-Timestamp": str(ts),
    }
    hdrs.update(headers or {})
    return payload, hdrs


def tc3_request(host, port, secret_id, secret_key, action, body, ts=None, version="2019-12-05",
                content_type="application/json", headers=None, method="POST", tamper=None):
    """Sends a TC3-signed request; returns (status, headers, parsed JSON or raw bytes)."""
    payload, hdrs = tc3_prepare(host, port, secret_id, secret_key, action, body, ts, version, content_type, headers, method)
    if tamper:
        payload = tamper(payload)
    return raw(host, port, method, "/", payload, hdrs)


def v1_params(host_hdr, secret_id, secret_key, action, params, method="GET", sig_method="HmacSHA256", nonce=None):
    """v1 parameters with their Signature; a Nonce is single-use per key, so a random one unless given."""
    p = dict(params)
    p.update({"Action": action, "Version": "2019-12-05", "Timestamp": str(int(time.time())),
              "Nonce": str(nonce if nonce is not None else random.randint(1, 2**62)), "SecretId": secret_id,
              "SignatureMethod": sig_method})
    s = "&".join(f"{k}={p[k]}" for k in sorted(p))
    digest = hashlib.sha256 if sig_method == "HmacSHA256" else hashlib.sha1
    p["Signature"] = base64.b64encode(hmac.new(secret_key.encode(), f"{method}{host_hdr}/?{s}".encode(), digest).digest()).decode()
    return p


def raw(host, port, method, path, body, headers):
    c = http.client.HTTPConnection(host, port, timeout=30)
    c.request(method, path, body=body, headers=headers)
    r = c.getresponse()
    data = r.read()
    try:
        parsed = json.loads(data)
    except ValueError:
        parsed = data
    return r.status, {k.lower(): v for k, v in r.getheaders()}, parsed


def v1_get(host, port, secret_id, secret_key, action, params, sig_method="HmacSHA256"):
    p = v1_params(f"{host}:{port}", secret_id, secret_key, action, params, "GET", sig_method)
    return raw(host, port, "GET", "/?" + urllib.parse.urlencode(p), None, {"Host": f"{host}:{port}"})
