"""A full disk loses nothing that was acknowledged, and writing resumes once space is back.

The data directory sits on a small tmpfs that a filler file nearly fills. Uploads go on until the
database reports the disk full; every upload answered with a CertificateId must still be there after a
restart, every failure must be an error envelope (never a success), and once the filler is deleted new
uploads succeed without restarting the server.
"""

import os
import subprocess

import pytest
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from conftest import Account, Server, upload


@pytest.fixture
def tiny_fs(workdir):
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mnt = os.path.join(workdir, "tinyfs")
    os.makedirs(mnt, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mnt], check=True)
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", mnt], check=False)


def fill(mnt, leave):
    """Writes a filler file that leaves about `leave` bytes free; returns its path."""
    st = os.statvfs(mnt)
    path = os.path.join(mnt, "filler")
    with open(path, "wb") as f:
        f.write(b"\xa5" * max(0, st.f_bavail * st.f_frsize - leave))
    return path


def upload_until_full(client, chain):
    acked, failures = [], []
    for _ in range(400):
        try:
            acked.append(upload(client, chain)["CertificateId"])
        except TencentCloudSDKException as e:
            failures.append(e.code)
            if len(failures) >= 6:
                break
    return acked, failures


def test_full_disk_loses_nothing_acknowledged(workdir, tiny_fs, ec_chain):
    data = os.path.join(tiny_fs, "data")
    os.makedirs(data)
    log = os.path.join(workdir, "full-disk-serve.log")
    server = Server(data, log_path=log)
    try:
        account = Account(server, "disk")
        client = account.client()
        filler = fill(tiny_fs, 192 * 1024)
        acked, failures = upload_until_full(client, ec_chain)
        assert failures, "the disk never filled up"
        assert acked, "nothing was stored before the disk filled up"
        assert set(failures) <= {"InternalError", "FailedOperation"}, failures

        # Every acknowledged upload survives a restart.
        assert server.stop() == 0
        server = Server(data, log_path=log + ".2")
        account.server = server
        client = account.client()
        lost = [cid for cid in acked if not exists(client, cid)]
        assert not lost, f"{len(lost)} of {len(acked)} acknowledged uploads were lost: {lost}"

        # Space is back: writing resumes on this server, no restart.
        more, failures = upload_until_full(client, ec_chain)
        assert failures, "the disk is still full after the restart"
        os.remove(filler)
        for _ in range(3):
            more.append(upload(client, ec_chain)["CertificateId"])
            assert exists(client, more[-1]), "an acknowledged upload is not readable"

        # And what was acknowledged since the restart is durable too.
        assert server.stop() == 0
        server = Server(data, log_path=log + ".3")
        account.server = server
        client = account.client()
        lost = [cid for cid in acked + more if not exists(client, cid)]
        assert not lost, f"{len(lost)} acknowledged uploads were lost: {lost}"
    finally:
        if server.proc.poll() is None:
            server.stop()


def exists(client, cid):
    try:
        return client.call_json("DescribeCertificate", {"CertificateId": cid})["Response"]["CertificateId"] == cid
    except TencentCloudSDKException as e:
        assert e.code == "FailedOperation.CertificateNotFound", e.code
        return False
