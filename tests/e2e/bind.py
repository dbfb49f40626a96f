"""A BIND 9 authoritative server on a loopback port, for DNS and DNS_AUTO validation tests."""

import base64
import os
import secrets
import shutil
import subprocess
import time

from conftest import free_port

ZONE = "lab.test"
KEY_NAME = "certhub-key"


def named_binary():
    return shutil.which("named") or "/usr/sbin/named"


class Bind:
    def __init__(self, workdir):
        self.dir = os.path.join(workdir, "bind")
        os.makedirs(self.dir, exist_ok=True)
        self.port = free_port()
        self.secret = base64.b64encode(secrets.token_bytes(32)).decode()
        self.key = f"hmac-sha256:{KEY_NAME}:{self.secret}"
        with open(os.path.join(self.dir, f"{ZONE}.zone"), "w") as f:
            f.write(f"""$TTL 5
@ IN SOA ns.{ZONE}. admin.{ZONE}. 1 60 60 600 5
@ IN NS ns.{ZONE}.
ns IN A 127.0.0.1
* IN A 127.0.0.1
""")
        conf = os.path.join(self.dir, "named.conf")
        with open(conf, "w") as f:
            f.write(f"""options {{
    directory "{self.dir}";
    pid-file "{self.dir}/named.pid";
    listen-on port {self.port} {{ 127.0.0.1; }};
    listen-on-v6 {{ none; }};
    recursion no;
    dnssec-validation no;
    allow-query {{ any; }};
    notify no;
}};
controls {{ }};
key "{KEY_NAME}" {{ algorithm hmac-sha256; secret "{self.secret}"; }};
zone "{ZONE}" {{ type primary; file "{self.dir}/{ZONE}.zone"; allow-update {{ key "{KEY_NAME}"; }}; }};
""")
        self.log = open(os.path.join(self.dir, "named.log"), "w")
        self.proc = subprocess.Popen([named_binary(), "-g", "-c", conf, "-p", str(self.port)],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("named exited: " + open(os.path.join(self.dir, "named.log")).read()[-2000:])
            if self.dig("ns." + ZONE, "A") == ["127.0.0.1"]:
                return
            time.sleep(0.2)
        raise RuntimeError("named did not answer in time")

    @property
    def addr(self):
        return f"127.0.0.1:{self.port}"

    def dig(self, name, rtype):
        r = subprocess.run(["dig", "+short", "+time=1", "+tries=1", "-p", str(self.port), "@127.0.0.1", name, rtype],
                           capture_output=True, text=True)
        return [line.strip().strip('"') for line in r.stdout.splitlines() if line.strip()]

    def nsupdate(self, *commands):
        """Changes the zone as a user would, with nsupdate and the TSIG key."""
        script = f"server 127.0.0.1 {self.port}\nzone {ZONE}\n" + "\n".join(commands) + "\nsend\n"
        r = subprocess.run(["nsupdate", "-y", self.key], input=script, capture_output=True, text=True)
        assert r.returncode == 0, r.stdout + r.stderr

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
