"""Progress people can see (issue 19, item 3): a bar with counts and rate on a terminal, plain lines
when stderr is not a terminal, nothing with `--json` (stdout stays one JSON document).

Real parts: the Ticket Tailor simulator over loopback, `checkin-app` in a subprocess, a real
pseudo-terminal (the `pty` module) as its stderr, as a person's terminal would be.
"""
import fcntl
import json
import os
import pty
import re
import struct
import subprocess
import sys
import termios
import threading

import pytest

from checkin_app.sandbox.tickettailor import TicketTailorSandbox
from tests.helpers.webhooks import RELAY_TOKEN, TICKETOR_TOKEN, TICKETSOLVE_TOKEN
from tests.paths import REAL_TT, ROOT

KEY = "sk_sandbox_progress_1"
ENV = {**os.environ, "TT_KEY": KEY, "TERM": "xterm", "CHECKIN_TICKETOR_TOKEN": TICKETOR_TOKEN,
       "CHECKIN_TICKETSOLVE_TOKEN": TICKETSOLVE_TOKEN, "CHECKIN_RELAY_TOKEN": RELAY_TOKEN}
# tqdm's bar without a total: "box: ev_1 issued_tickets: 350 tickets [00:00, 1234.56 tickets/s]"
BAR = re.compile(r"(\d+) tickets \[\d\d:\d\d(?::\d\d)?, +([\d.]+|\?) tickets/s\]")


def cli(data_dir, *args, timeout=120):
    return subprocess.run([sys.executable, "-m", "checkin_app", "--data-dir", str(data_dir), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout, env=ENV)


class Terminal:
    """A pseudo-terminal for a child's stderr; `text` is everything written to it.

    Args:
        columns: its width; 0 leaves it unsized (0x0), as `script` and some CI runners do.
    """

    def __init__(self, columns: int = 100):
        self.master, self.slave = pty.openpty()
        if columns:
            fcntl.ioctl(self.slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, columns, 0, 0))
        self.chunks: list[bytes] = []
        self._reader = threading.Thread(target=self._read, daemon=True)

    def start(self, argv: list[str]) -> subprocess.Popen:
        proc = subprocess.Popen(argv, cwd=ROOT, env=ENV, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=self.slave, text=True)
        os.close(self.slave)  # the child holds it now: EOF on the master when the child ends
        self._reader.start()
        return proc

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:  # EIO: the child closed its end
                break
            if not data:
                break
            self.chunks.append(data)

    def text(self) -> str:
        self._reader.join(timeout=30)
        os.close(self.master)
        return b"".join(self.chunks).decode("utf-8", "replace")


def run_on_terminal(data_dir, *args) -> tuple[subprocess.CompletedProcess, str]:
    term = Terminal()
    proc = term.start([sys.executable, "-m", "checkin_app", "--data-dir", str(data_dir), *args])
    out, _ = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, None), term.text()


@pytest.fixture
def connected(tmp_path):
    """A data dir connected to a Ticket Tailor simulator with one event of 350 tickets (4 pages)."""
    with TicketTailorSandbox(KEY, seed=5) as sandbox:
        sandbox.seed_event("Progress night", 350)
        data = tmp_path / "door"
        assert cli(data, "connect", "tickettailor", "box", "--base-url", sandbox.base_url,
                   "--api-key-env", "TT_KEY").returncode == 0
        yield data


def test_sync_on_a_terminal_shows_a_bar_with_counts_and_rate(connected):
    proc, screen = run_on_terminal(connected, "sync")
    assert proc.returncode == 0, screen
    assert "\r" in screen  # redrawn in place: a bar, not a scroll of lines
    counts = [int(n) for n, _rate in BAR.findall(screen)]
    assert counts and max(counts) == 350, screen  # the bar ends at every ticket pulled
    assert "box:" in screen
    assert "pulled 1 events, 350 tickets" in proc.stdout  # the result stays on stdout, the bar on stderr
    assert "tickets/s" not in proc.stdout


def test_sync_piped_shows_plain_lines(connected):
    proc = cli(connected, "sync")
    assert proc.returncode == 0, proc.stderr
    assert "\r" not in proc.stderr and "\x1b" not in proc.stderr  # no bar drawing when piped
    final = re.search(r"^  box: .*: 350 tickets in [\d.]+ s \([\d,]+ tickets/s\)$", proc.stderr, re.M)
    assert final, proc.stderr
    assert "tickets/s" not in proc.stdout


def test_sync_json_prints_one_document_and_no_progress_even_on_a_terminal(connected):
    proc, screen = run_on_terminal(connected, "sync", "--json")
    assert proc.returncode == 0, screen
    doc = json.loads(proc.stdout)  # the whole of stdout is one JSON document
    assert doc["complete"] and doc["connections"][0]["pull"]["tickets"] == 350
    assert "tickets" not in screen and "\r" not in screen, screen
    piped = cli(connected, "sync", "--json")
    assert json.loads(piped.stdout)["complete"]
    assert piped.stderr == ""
    # The same terminal without --json does get the bar: it is --json that keeps the terminal quiet.
    _, drawn = run_on_terminal(connected, "sync")
    assert BAR.search(drawn), drawn


def test_bench_counts_the_import_on_a_terminal_and_in_lines(tmp_path):
    args = ("bench", "--tickets", "3000", "--events", "2", "--scans", "20", "--workdir", str(tmp_path / "b"))
    proc, screen = run_on_terminal(tmp_path / "d", *args)
    assert proc.returncode == 0, screen
    assert re.search(r"3000/3000 \[", screen), screen  # tqdm with a total: "n/total [elapsed<left, rate]"
    assert "importing 3,000 generated tickets" in screen
    json.loads(proc.stdout)  # the report
    piped = cli(tmp_path / "d", *args)
    assert re.search(r"^  import: 3,000/3,000 tickets in [\d.]+ s", piped.stderr, re.M), piped.stderr
    quiet = cli(tmp_path / "d", *args, "--json")
    assert quiet.stderr == "" and json.loads(quiet.stdout)["tickets"] == 3000


def test_import_and_decode_of_many_files_count_files(tmp_path):
    files = [str(REAL_TT / "events-0-events.json"), str(REAL_TT / "orders-1-orders.json")]
    proc, screen = run_on_terminal(tmp_path, "import", *files)
    assert proc.returncode == 0, screen
    assert re.search(r"2/2 \[", screen) and "files/s" in screen, screen
    piped = cli(tmp_path, "import", *files)
    assert re.search(r"^  import .*: 2/2 files in [\d.]+ s", piped.stderr, re.M), piped.stderr

    photos = sorted(str(p) for p in (ROOT / "tests/fixtures/real-photos/code128-1").glob("*.png"))[:2]
    decoded = cli(tmp_path, "decode", *photos)
    assert re.search(r"^  decode: 2/2 files in [\d.]+ s", decoded.stderr, re.M), decoded.stderr
    quiet = cli(tmp_path, "decode", *photos, "--json")
    assert quiet.stderr == "" and len(json.loads(quiet.stdout)["files"]) == 2


def test_webhooks_serve_start_up_shows_its_steps_on_a_terminal(tmp_path):
    term = Terminal(columns=0)  # unsized: tqdm alone would draw nothing there
    proc = term.start([sys.executable, "-m", "checkin_app", "--data-dir", str(tmp_path), "webhooks", "serve",
                       "--port", "0"])
    try:
        first = proc.stdout.readline()  # printed once it listens
        assert first.startswith("webhook receiver on 127.0.0.1:"), first
    finally:
        proc.terminate()
        proc.wait(15)
        proc.stdout.close()
    screen = term.text()
    assert re.search(r"webhooks serve: listening: .*3/3 \[", screen), screen
