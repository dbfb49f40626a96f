"""Test certificates and keys made at test time with the openssl CLI."""

import os
import subprocess
from dataclasses import dataclass


def openssl(cwd, *args, check=True):
    r = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True)
    if check and r.returncode != 0:
        raise AssertionError(f"openssl {args} failed: {r.stderr}")
    return r


def read(path):
    with open(path) as f:
        return f.read()


@dataclass
class Chain:
    """root -> intermediate -> leaf, as PEM text, with files in `dir`."""

    dir: str
    kind: str
    root: str
    intermediate: str
    leaf: str
    key: str  # PKCS#8 PEM
    other_key: str

    @property
    def fullchain(self):
        return self.leaf + self.intermediate + self.root

    def path(self, name):
        return os.path.join(self.dir, name)


def make_chain(base, kind, cn="www.example.test", sans=("www.example.test", "example.test"), days=30):
    d = os.path.join(base, f"{kind}-{cn.replace('*', '_')}")
    os.makedirs(d, exist_ok=True)
    keygen = {
        "rsa": ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
        "ec": ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
    }[kind]
    for k in ("root", "int", "leaf", "other"):
        openssl(d, *keygen, "-out", f"{k}.key")
    with open(os.path.join(d, "ca.ext"), "w") as f:
        f.write("basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n")
    with open(os.path.join(d, "leaf.ext"), "w") as f:
        san = ",".join(f"DNS:{s}" for s in sans)
        f.write(f"basicConstraints=CA:FALSE\nsubjectAltName={san}\nextendedKeyUsage=serverAuth\n")
    openssl(d, "req", "-x509", "-new", "-key", "root.key", "-subj", f"/CN=E2E {kind} Root", "-days", "60",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", "root.crt")
    openssl(d, "req", "-new", "-key", "int.key", "-subj", f"/CN=E2E {kind} Intermediate", "-out", "int.csr")
    openssl(d, "x509", "-req", "-in", "int.csr", "-CA", "root.crt", "-CAkey", "root.key", "-CAcreateserial",
            "-days", "60", "-extfile", "ca.ext", "-out", "int.crt")
    openssl(d, "req", "-new", "-key", "leaf.key", "-subj", f"/CN={cn}", "-out", "leaf.csr")
    openssl(d, "x509", "-req", "-in", "leaf.csr", "-CA", "int.crt", "-CAkey", "int.key", "-CAcreateserial",
            "-days", str(days), "-extfile", "leaf.ext", "-out", "leaf.crt")
    return Chain(d, kind, read(f"{d}/root.crt"), read(f"{d}/int.crt"), read(f"{d}/leaf.crt"),
                 read(f"{d}/leaf.key"), read(f"{d}/other.key"))


def key_variant(chain, variant, password="s3cret-pass"):
    """The leaf key in another encoding: pkcs1, sec1, pkcs8-enc, legacy-enc."""
    d = chain.dir
    out = f"leaf.{variant}.key"
    if variant == "pkcs1":
        openssl(d, "rsa", "-in", "leaf.key", "-traditional", "-out", out)
    elif variant == "sec1":
        openssl(d, "ec", "-in", "leaf.key", "-out", out)
    elif variant == "pkcs8-enc":
        openssl(d, "pkcs8", "-topk8", "-in", "leaf.key", "-v2", "aes-256-cbc", "-passout", f"pass:{password}", "-out", out)
    elif variant == "legacy-enc":
        alg = "rsa" if chain.kind == "rsa" else "ec"
        extra = ["-traditional"] if alg == "rsa" else []
        openssl(d, alg, "-in", "leaf.key", *extra, "-aes256", "-passout", f"pass:{password}", "-out", out)
    else:
        raise ValueError(variant)
    return read(os.path.join(d, out))


def pubkey_of_cert(cwd, cert_path):
    return openssl(cwd, "x509", "-in", cert_path, "-pubkey", "-noout").stdout.strip()


def pubkey_of_key(cwd, key_path, password=None):
    args = ["pkey", "-in", key_path, "-pubout"]
    if password:
        args += ["-passin", f"pass:{password}"]
    return openssl(cwd, *args).stdout.strip()
