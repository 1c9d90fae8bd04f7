"""A full disk and a read-only file system: clear errors, and every acknowledged scan survives.

Runs the store on a real 2 MB tmpfs inside a private user+mount namespace (`unshare -rm`), so
no root and no mocks are needed; SQLite meets a genuinely full and then read-only disk.
"""
import json
import os
import shutil
import subprocess
import sys

import pytest

from checkin_app.store import Store
from tests.paths import ROOT


def _namespaces_available() -> bool:
    if shutil.which("unshare") is None:
        return False
    return subprocess.run(["unshare", "-rm", "true"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _namespaces_available() and not os.environ.get("CI"),
                    reason="needs unprivileged user namespaces (unshare -rm); CI always has them")
def test_full_disk_then_read_only(tmp_path):
    mount = tmp_path / "tiny"
    mount.mkdir()
    script = (f"mount -t tmpfs -o size=2m tmpfs {mount} && "
              f"{sys.executable} -m tests.helpers.hostile_disk {mount}; rc=$?; "
              f"cp -a {mount}/door {tmp_path}/copy; exit $rc")
    proc = subprocess.run(["unshare", "-rm", "sh", "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout)
    assert result["full_error"] and "disk is full" in result["full_error"]
    assert result["readonly_error"] and "read-only" in result["readonly_error"]
    assert len(result["acked"]) > 10
    with Store(tmp_path / "copy") as store:
        c = store.conn
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        admitted = {r[0] for r in c.execute("SELECT code FROM journal WHERE verdict = 'admitted'")}
        checked_in = {r[0] for r in c.execute("SELECT code FROM tickets WHERE checked_in_at IS NOT NULL")}
        assert set(result["acked"]) <= admitted and admitted == checked_in
