"""An acknowledged scan survives kill -9, and a killed process never leaves half a scan."""
import os
import random
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from checkin_app.domain.models import Batch
from checkin_app.store import Store
from checkin_app.store.tickets import apply_batch
from tests.factories import NIGHT_ONE, ticket
from tests.paths import ROOT


def _seed(data_dir: Path, n: int) -> list[str]:
    codes = [f"K{i:05d}x" for i in range(n)]
    with Store(data_dir) as store, store.transaction() as conn:
        apply_batch(conn, Batch(events=[NIGHT_ONE], tickets=[ticket(c) for c in codes]))
    return codes


def _storm_until_killed(data_dir: Path, codes_file: Path, kill_after: int) -> list[tuple[int, str, str]]:
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.helpers.scan_storm", str(data_dir), str(codes_file)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )
    acked = []
    try:
        for line in child.stdout:
            _, n, code, verdict = line.split()
            acked.append((int(n), code, verdict))
            if len(acked) >= kill_after:
                os.kill(child.pid, signal.SIGKILL)
                break
    finally:
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    return acked


def test_acknowledged_scans_survive_kill9_and_state_matches_journal(tmp_path):
    data_dir = tmp_path / "door"
    codes = _seed(data_dir, 300)
    codes_file = tmp_path / "codes.txt"
    codes_file.write_text("\n".join(codes))
    rng = random.Random(5)
    all_acked = []
    for _round in range(3):  # kill at three random moments; each run continues the same journal
        all_acked += _storm_until_killed(data_dir, codes_file, kill_after=rng.randrange(50, 400))

    with Store(data_dir) as store:
        c = store.conn
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        journal = c.execute("SELECT code, verdict FROM journal ORDER BY id").fetchall()
        # Every acknowledged scan is in the journal with the verdict that was shown.
        assert Counter((code, v) for _, code, v in all_acked) - Counter((r["code"], r["verdict"]) for r in journal) == Counter()
        # At most one scan per killed run committed without being acknowledged.
        assert len(all_acked) <= len(journal) <= len(all_acked) + 3
        # Derived state agrees with the journal: checked in exactly when an admission was journalled.
        admitted = {r["code"] for r in journal if r["verdict"] == "admitted"}
        checked_in = {r[0] for r in c.execute("SELECT code FROM tickets WHERE checked_in_at IS NOT NULL")}
        assert admitted == checked_in
        # Each ticket was admitted once; every later scan of it was refused.
        assert Counter(r["code"] for r in journal if r["verdict"] == "admitted").most_common(1)[0][1] == 1
        seqs = [r[0] for r in c.execute("SELECT seq FROM journal ORDER BY id")]
        assert seqs == list(range(1, len(seqs) + 1))
