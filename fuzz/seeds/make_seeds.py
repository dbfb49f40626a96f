"""Makes the committed seed corpus of the fuzz targets from real inputs: keys, certificates,
CSRs and OCSP requests made by openssl, and requests signed by the official Tencent Cloud
Python SDK and huaweicloudsdkcore, captured off a loopback socket byte for byte.

Run from the repository root with the e2e venv: .venv/bin/python fuzz/seeds/make_seeds.py
Every request is signed with the secret in fuzz/src/lib.rs (SECRET), so the targets reach
the accepting branch of verification."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading

SECRET = "fuzz-secret-key-0123456789abcdef"
PASSWORD = b"fuzzpw"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)))


def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def ossl(*args, cwd):
    return subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True).stdout


def read(cwd, name):
    with open(os.path.join(cwd, name), "rb") as f:
        return f.read()


def pki_seeds(w):
    # A three-level chain: root -> intermediate -> leaf (EC P-256 leaf, RSA CAs).
    ossl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "root.key", "-out", "root.pem", "-days", "3650",
         "-subj", "/CN=Fuzz Root", "-addext", "basicConstraints=critical,CA:TRUE", cwd=w)
    ossl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "int.key", "-out", "int.csr", "-subj", "/CN=Fuzz Intermediate", cwd=w)
    with open(os.path.join(w, "ca.ext"), "w") as f:
        f.write("basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n")
    ossl("x509", "-req", "-in", "int.csr", "-CA", "root.pem", "-CAkey", "root.key", "-CAcreateserial", "-out", "int.pem",
         "-days", "1825", "-extfile", "ca.ext", cwd=w)
    ossl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "leaf-sec1.key", cwd=w)
    ossl("req", "-new", "-key", "leaf-sec1.key", "-out", "leaf.csr", "-subj", "/CN=fuzz.example.com",
         "-addext", "subjectAltName=DNS:fuzz.example.com,DNS:*.fuzz.example.com,IP:127.0.0.1", cwd=w)
    with open(os.path.join(w, "leaf.ext"), "w") as f:
        f.write("subjectAltName=DNS:fuzz.example.com,DNS:*.fuzz.example.com,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    ossl("x509", "-req", "-in", "leaf.csr", "-CA", "int.pem", "-CAkey", "int.key", "-CAcreateserial", "-out", "leaf.pem",
         "-days", "90", "-extfile", "leaf.ext", cwd=w)
    root, inter, leaf = read(w, "root.pem"), read(w, "int.pem"), read(w, "leaf.pem")
    der = {n: ossl("x509", "-in", f"{n}.pem", "-outform", "DER", cwd=w) for n in ("root", "int", "leaf")}
    put("pem_chain", "text-fullchain", b"\x00" + leaf + inter + root)
    put("pem_chain", "text-leaf-crlf", b"\x00" + leaf.replace(b"\n", b"\r\n"))
    put("pem_chain", "text-out-of-order", b"\x00" + root + b"junk between\n" + leaf + inter)
    put("pem_chain", "der-chain", b"\x01" + der["leaf"] + der["int"] + der["root"])
    put("pem_chain", "der-root", b"\x01" + der["root"])
    put("pem_chain", "csr-ec-pem", b"\x02" + read(w, "leaf.csr"))
    put("pem_chain", "csr-rsa-der", b"\x02" + ossl("req", "-in", "int.csr", "-outform", "DER", cwd=w))

    # Private keys: [mode, password length, password, payload]; mode 0 is text, 1..4 DER under a label.
    def key(name, mode, payload, password=b""):
        put("private_key", name, bytes([mode, len(password)]) + password + payload)

    def der_of(pem_bytes):
        lines = [l for l in pem_bytes.decode().splitlines() if l and not l.startswith("-----") and ":" not in l]
        import base64
        return base64.b64decode("".join(lines))

    ossl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "rsa.pk8", cwd=w)
    ossl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out", "p384.pk8", cwd=w)
    ossl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521", "-out", "p521.pk8", cwd=w)
    ossl("genpkey", "-algorithm", "SM2", "-out", "sm2.pk8", cwd=w)
    rsa, p384 = read(w, "rsa.pk8"), read(w, "p384.pk8")
    key("text-rsa-pkcs8", 0, rsa)
    key("text-p256-sec1", 0, read(w, "leaf-sec1.key"))
    key("text-p521-pkcs8", 0, read(w, "p521.pk8"))
    key("text-sm2-pkcs8", 0, read(w, "sm2.pk8"))
    key("text-rsa-pkcs1", 0, ossl("pkey", "-in", "rsa.pk8", "-traditional", cwd=w))
    key("der-p384-pkcs8", 2, der_of(p384))
    key("der-rsa-pkcs1", 3, der_of(ossl("pkey", "-in", "rsa.pk8", "-traditional", cwd=w)))
    key("der-p256-sec1", 4, der_of(read(w, "leaf-sec1.key")))
    pw = "pass:" + PASSWORD.decode()
    # Encrypted PKCS#8 (PBES2) with small KDF costs, so each run stays fast; the fuzzer mutates the costs.
    for name, src, extra in [
        ("pbkdf2-aes256", "p384.pk8", ["-v2", "aes-256-cbc", "-iter", "1"]),
        ("pbkdf2-aes128-sha1", "leaf-sec1.key", ["-v2", "aes-128-cbc", "-v2prf", "hmacWithSHA1", "-iter", "3"]),
        ("pbkdf2-des3", "sm2.pk8", ["-v2", "des3", "-iter", "2"]),
        ("scrypt", "p384.pk8", ["-scrypt", "-scrypt_N", "16", "-scrypt_r", "1", "-scrypt_p", "1"]),
    ]:
        enc = ossl("pkcs8", "-topk8", "-in", src, "-passout", pw, *extra, cwd=w)
        key(f"text-enc-{name}", 0, enc, PASSWORD)
        key(f"der-enc-{name}", 1, der_of(enc), PASSWORD)
    key("text-enc-no-password", 0, ossl("pkcs8", "-topk8", "-in", "p384.pk8", "-passout", pw, "-v2", "aes-256-cbc", "-iter", "1", cwd=w))
    # OpenSSL's legacy PEM encryption (Proc-Type / DEK-Info), the cipher in the text headers.
    for cipher in ("aes128", "aes256", "des3"):
        legacy = ossl("pkey", "-in", "p384.pk8", "-traditional", f"-{cipher}", "-passout", pw, cwd=w)
        key(f"text-legacy-{cipher}", 0, legacy, PASSWORD)
    key("text-legacy-wrong-password", 0, ossl("pkey", "-in", "rsa.pk8", "-traditional", "-aes128", "-passout", pw, cwd=w), b"nope")

    # OCSP requests as openssl ocsp sends them (SHA-1 and SHA-256 CertIDs, with and without a nonce).
    ossl("ocsp", "-issuer", "int.pem", "-cert", "leaf.pem", "-reqout", "req1.der", "-no_nonce", cwd=w)
    ossl("ocsp", "-issuer", "int.pem", "-cert", "leaf.pem", "-serial", "0x1234567890", "-reqout", "req2.der", cwd=w)
    ossl("ocsp", "-issuer", "int.pem", "-sha256", "-cert", "leaf.pem", "-reqout", "req3.der", cwd=w)
    ossl("ocsp", "-issuer", "root.pem", "-cert", "int.pem", "-signer", "leaf.pem", "-signkey", "leaf-sec1.key",
         "-reqout", "req4.der", cwd=w)
    for i, name in enumerate(["sha1-no-nonce", "sha1-two-nonce", "sha256", "signed"], 1):
        put("ocsp_request", name, read(w, f"req{i}.der"))
    return leaf + inter, read(w, "leaf-sec1.key")


class Capture:
    """A loopback HTTP server that records each request byte for byte and answers like the API."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.requests = []
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            conn, _ = self.sock.accept()
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    data += conn.recv(65536)
                head, _, body = data.partition(b"\r\n\r\n")
                length = next((int(l.split(b":")[1]) for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")), 0)
                while len(body) < length:
                    body += conn.recv(65536)
                self.requests.append(head + b"\r\n\r\n" + body)
                reply = b'{"Response": {"RequestId": "fuzz-seed"}}'
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                             b"Content-Length: %d\r\n\r\n%s" % (len(reply), reply))

    def last(self):
        return self.requests[-1]


def tencent_seeds(cap, chain, key):
    from tencentcloud.common import credential
    from tencentcloud.common.common_client import CommonClient
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile

    def client(sign_method, req_method):
        hp = HttpProfile(protocol="http", endpoint=f"127.0.0.1:{cap.port}", reqMethod=req_method)
        cp = ClientProfile(signMethod=sign_method, httpProfile=hp)
        return CommonClient("ssl", "2019-12-05", credential.Credential("AKIDfuzzseed", SECRET), "ap-guangzhou", profile=cp)

    upload = {"CertificatePublicKey": chain.decode(), "CertificatePrivateKey": key.decode(), "Alias": "seed",
              "Tags": [{"TagKey": "env", "TagValue": "fuzz"}]}
    describe = {"Limit": 10, "SearchKey": "fuzz.example.com", "CertIds": ["abc", "def"], "CertificateStatus": [1, 2]}
    for sign_method, req_method, name in [("TC3-HMAC-SHA256", "POST", "post-json"), ("TC3-HMAC-SHA256", "GET", "get")]:
        client(sign_method, req_method).call_json("DescribeCertificates", describe)
        put("tc3_sign", f"describe-{name}", cap.last())
    client("TC3-HMAC-SHA256", "POST").call_json("UploadCertificate", upload)
    put("tc3_sign", "upload-post-json", cap.last())
    client("TC3-HMAC-SHA256", "POST").call_json("UploadCertificate", {k: v for k, v in upload.items() if k != "Tags"},
                                                options={"IsMultipart": True})
    put("tc3_sign", "upload-multipart", cap.last())
    put("multipart", "upload-sdk", cap.last())
    client("TC3-HMAC-SHA256", "POST").call_json("DescribeCertificate", {"CertificateId": "x"}, options={"IsMultipart": True})
    put("multipart", "describe-sdk", cap.last())
    for sign_method in ("HmacSHA1", "HmacSHA256"):
        for req_method in ("GET", "POST"):
            client(sign_method, req_method).call_json("DescribeCertificates", describe)
            put("v1_sign", f"describe-{sign_method}-{req_method}", cap.last())
    client("HmacSHA256", "POST").call_json("UploadCertificate", upload)
    put("v1_sign", "upload-HmacSHA256-POST", cap.last())


def huawei_seeds():
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.sdk_request import SdkRequest
    from huaweicloudsdkcore.signer.signer import Signer

    for name, body, query in [("revoke", b'{"reason": "key compromise"}', []),
                              ("revoke-query-unicode", '{"reason": "密钥泄露",}'.encode(), [("b", "2"), ("a", "x y")])]:
        req = SdkRequest(method="POST", schema="http", host="127.0.0.1:8080",
                         resource_path="/v2/0f51a9e00c80f40f2f3cc00be3572e74/scm/cert/scs1234/revoke", query_params=query,
                         header_params={"Content-Type": "application/json;charset=UTF-8"}, body=body)
        req = Signer(BasicCredentials("HWAKFUZZSEED", SECRET, "0f51a9e00c80f40f2f3cc00be3572e74")).sign(req)
        head = f"POST {req.uri} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in req.header_params.items())
        put("huawei_sign", name, head.encode() + f"Content-Length: {len(req.body)}\r\n\r\n".encode() + req.body)


def main():
    for d in os.listdir(OUT):
        if os.path.isdir(os.path.join(OUT, d)):
            shutil.rmtree(os.path.join(OUT, d))
    with tempfile.TemporaryDirectory() as w:
        chain, key = pki_seeds(w)
    tencent_seeds(Capture(), chain, key)
    huawei_seeds()
    for d in sorted(os.listdir(OUT)):
        if os.path.isdir(os.path.join(OUT, d)):
            print(d, len(os.listdir(os.path.join(OUT, d))), file=sys.stderr)


if __name__ == "__main__":
    main()
