"""The door's WAL is folded into the database file off the scan path (issue 17, scan p99).

With SQLite's automatic checkpoint, every ~100th scan's COMMIT copied ~1,000 WAL pages into the
database file and fsynced it; the door's connection now leaves that to `store.checkpointer`.
Real parts: the door as `App` opens it, real SQLite files, `checkin-app` in a subprocess.
"""
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from checkin_app.app import App
from checkin_app.domain.models import Batch
from checkin_app.services.bench import bench_events, generate
from checkin_app.store import Store
from checkin_app.store.db import DB_NAME
from checkin_app.store.tickets import apply_batch
from tests.paths import ROOT

_WAL_HEADER, _FRAME_HEADER = 32, 24


def _door(data_dir: Path, n: int) -> list[str]:
    """A data dir with `n` tickets of one event; their codes."""
    with Store(data_dir) as store:
        for chunk in generate(n, 1):
            with store.transaction() as conn:
                apply_batch(conn, Batch(events=bench_events(1), tickets=chunk))
        return [r[0] for r in store.conn.execute("SELECT code FROM tickets WHERE status = 'valid' ORDER BY id")]


def _wal_frames(data_dir: Path, page_size: int) -> int:
    """Pages the WAL file has room for (its size only grows until a restart trims it)."""
    wal = data_dir / f"{DB_NAME}-wal"
    size = wal.stat().st_size if wal.exists() else 0
    return max(0, size - _WAL_HEADER) // (page_size + _FRAME_HEADER)


def _stamp(path: Path) -> tuple[int, int]:
    # Not read through a file handle: closing one would drop this process's SQLite locks on the file.
    st = path.stat()
    return st.st_mtime_ns, st.st_size


def _wait_until(check, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the checkpointer did not get there in time"
        time.sleep(0.01)


def test_no_scan_folds_the_wal_into_the_database_file(tmp_path):
    codes = _door(tmp_path, 1600)
    db_file = tmp_path / DB_NAME
    with App(tmp_path) as app:
        page_size = app.store.conn.execute("PRAGMA page_size").fetchone()[0]
        checkpointer = app.store.checkpointer
        checkpointer.every, checkpointer.idle_s = 10**9, 3600.0  # held off: whatever folds now, a scan folded
        before = _stamp(db_file)
        for code in codes[:1500]:
            app.checkin.scan(code)
        # Well past SQLite's own automatic checkpoint (1,000 pages), which ran inside a scan's COMMIT.
        assert _wal_frames(tmp_path, page_size) > 3000
        assert _stamp(db_file) == before, "a scan copied pages into the database file"
        assert checkpointer.folds == 0
        checkpointer.every = 1  # the next commit wakes it
        app.checkin.scan(codes[1500])
        _wait_until(lambda: checkpointer.folds >= 1)
        assert _stamp(db_file) != before  # folded, on the checkpointer's thread
        assert checkpointer.error is None
    assert not [t for t in threading.enumerate() if t.name.startswith("checkpointer:")]  # closed with the door
    with Store(tmp_path) as store:
        assert store.conn.execute("SELECT COUNT(*) FROM journal WHERE op = 'scan'").fetchone()[0] == 1501


def test_the_wal_stays_bounded_across_5000_scans(tmp_path):
    """Scans back to back outpace a PASSIVE fold; past `max_frames` the tail is folded with the writers held."""
    codes = _door(tmp_path, 5100)[:5000]
    with App(tmp_path) as app:
        page_size = app.store.conn.execute("PRAGMA page_size").fetchone()[0]
        checkpointer = app.store.checkpointer
        checkpointer.every, checkpointer.max_frames = 100, 2000
        largest = 0
        for code in codes:
            app.checkin.scan(code)
            largest = max(largest, _wal_frames(tmp_path, page_size))
        appended = app.store.conn.execute("SELECT COUNT(*) FROM journal").fetchone()[0]
        assert appended >= 5000
        assert checkpointer.error is None and checkpointer.folds >= 10
    # Unfolded, 5,000 scans take ~8 pages each (40,000); the WAL never held more than twice the cap.
    assert largest <= 2 * 2000, largest


def test_an_idle_doors_wal_is_restarted_by_the_checkpointer_not_by_its_next_scan(tmp_path):
    """A WAL restart writes and fsyncs a new header; at an idle door the checkpointer pays it."""
    codes = _door(tmp_path, 100)
    with App(tmp_path) as app:
        checkpointer = app.store.checkpointer
        checkpointer.idle_s = 0.5
        for code in codes[:20]:
            app.checkin.scan(code)
        _wait_until(lambda: checkpointer.restarts >= 1)
        # The WAL's salts (header bytes 16-23) change when, and only when, a writer restarts it.
        fd = os.open(tmp_path / f"{DB_NAME}-wal", os.O_RDONLY)
        try:
            salts = os.pread(fd, 8, 16)
            assert app.checkin.scan(codes[20]).passing
            assert os.pread(fd, 8, 16) == salts, "the scan restarted the WAL (and fsynced its header) itself"
        finally:
            os.close(fd)
        assert checkpointer.error is None


def test_the_cli_scans_beside_an_open_door(tmp_path):
    """`checkin-app scan` in another process (with a checkpointer of its own) beside the open door: each sees the other's scans."""
    codes = _door(tmp_path, 400)
    with App(tmp_path) as app:
        for code in codes[:300]:
            app.checkin.scan(code)

        def cli(code: str) -> dict:
            done = subprocess.run([sys.executable, "-m", "checkin_app", "--data-dir", str(tmp_path), "scan", code,
                                   "--json"], cwd=ROOT, capture_output=True, text=True, timeout=120,
                                  env={**os.environ})
            assert done.returncode in (0, 1), done.stderr
            return json.loads(done.stdout)

        assert cli(codes[0])["verdict"] == "already_checked_in"  # the door's scan, seen from the CLI
        assert cli(codes[350])["verdict"] == "admitted"
        assert app.checkin.scan(codes[350]).kind.value == "already_checked_in"  # the CLI's, seen by the door
