"""Check-in list figures (issue 17): a scan decided on a list of 5+ rules at 1,000,000 tickets and
1,000,000 journal rows, against the disk's fsync floor and a scan with no list, in the same run.

    .venv/bin/python -m scripts.bench.lists [--tickets 1000000] [--journal 1000000] [--scans 2000]
                                            [--workdir DIR [--reuse]] [--inline-checkpoints] [--json]

The door is built through the real code: tickets by `apply_batch` (the generator of
`checkin-app bench`), the list by `services.lists.define` (a `list_defined` journal row). The
journal history is written in bulk (an `executemany` of rows shaped exactly as `CheckinService`
writes them: entries and exits on the list from three doors over the last three days, ~2.5 rows
per touched ticket), then every touched ticket's stays are replayed by the store's own
`checkin_lists.recompute`, as replication does. Scanning a million rows one durable commit at a
time would take hours and measure the same commit as below.

Measured, interleaved so both see the same load:
- scan on the list: `CheckinService.scan(code, lists=[...])`, each a durable commit (synchronous=FULL);
- scan with no list: `CheckinService.scan(code)` on other codes of the same door;
- the fsync floor: append 8 KB and fsync on the same disk, one beside each pair of scans, and the
  commit-sized floor: append what one scan's commit writes to the WAL (its pages, measured on 40
  warm-up scans) and fdatasync, as SQLite does;
- decision only (no journal row, no commit): the same scans through `scan(..., at=now)`;
- rule evaluation alone: `domain.checkin_lists.evaluate` on loaded movements;
- occupancy query: `services.lists.occupancy` (every list, every area) and the scan's own area count.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from checkin_app.domain import checkin_lists as domain
from checkin_app.domain.models import Batch
from checkin_app.domain.rules import Mode
from checkin_app.services import lists
from checkin_app.services.bench import _percentiles, bench_events, generate
from checkin_app.services.checkin import CheckinService
from checkin_app.store import Store
from checkin_app.store import checkin_lists as store_lists
from checkin_app.store.tickets import apply_batch, state_by_id

LIST = "Bench"
DEVICES = ("benchdoor1", "benchdoor2", "benchdoor3")


def build(data_dir: Path, n_tickets: int, n_rows: int, say) -> dict:
    events = bench_events(5)
    out: dict = {}
    with Store(data_dir) as store:
        t0 = time.perf_counter()
        for i, chunk in enumerate(generate(n_tickets, len(events))):
            with store.transaction() as conn:
                apply_batch(conn, Batch(events=events if i == 0 else [], tickets=chunk))
        out["import_s"] = round(time.perf_counter() - t0, 1)
        say(f"imported {n_tickets:,} tickets in {out['import_s']} s")
        # Five rules and then some: ticket types, a window, 3 entries a day, a 1-minute gap,
        # re-entry after exit, exit-all-at 03:00, capacity with a warning level.
        lists.define(store, lists.ListSpec(
            LIST, [e.remote_id for e in events], ticket_types=["General Admission", "VIP"],
            valid_from="2026-01-01T00:00:00+00:00", valid_until="2027-12-31T00:00:00+00:00", entries="daily",
            per_day=3, min_gap=1, reentry=True, exit_all_at="03:00", capacity=n_tickets, warning=n_tickets - 10))
        lst = lists.get(store, LIST)
        t0 = time.perf_counter()
        touched = _fill_journal(store, lst, n_rows, n_tickets)
        out["journal_fill_s"] = round(time.perf_counter() - t0, 1)
        say(f"wrote {n_rows:,} journal rows in {out['journal_fill_s']} s; replaying stays of {len(touched):,} tickets")
        t0 = time.perf_counter()
        for start in range(0, len(touched), 20_000):
            with store.transaction() as conn:
                for ticket_id in touched[start:start + 20_000]:
                    store_lists.recompute(conn, ticket_id)
        out["stays_replay_s"] = round(time.perf_counter() - t0, 1)
        store.db.checkpoint()
        out["journal_rows"] = store.conn.execute("SELECT COUNT(*) FROM journal").fetchone()[0]
        out["tickets_with_history"] = len(touched)
    return out


def _fill_journal(store: Store, lst: domain.CheckinList, n_rows: int, n_tickets: int) -> list[int]:
    """`n_rows` entries and exits on the list, ~2.5 per ticket, over the 72 hours before now."""
    rng = random.Random(5)
    now = datetime.now(timezone.utc)
    per_ticket = 2.5
    n_touched = min(n_tickets, max(1, int(n_rows / per_ticket)))
    conn = store.conn
    refs = conn.execute("SELECT t.id, t.code, t.provider, t.remote_id, e.remote_id FROM tickets t"
                        " JOIN events e ON e.id = t.event_id WHERE t.id <= ? ORDER BY t.id", (n_touched,)).fetchall()
    seqs = dict.fromkeys(DEVICES, 0)
    rows, touched = [], []
    for k in range(n_rows):
        ticket_id, code, provider, remote_id, event_remote_id = refs[k % len(refs)]
        round_ = k // len(refs)  # the ticket's n-th movement: entries and exits alternate
        if round_ == 0:
            touched.append(ticket_id)
        at = now - timedelta(minutes=5 + rng.random() * 72 * 60) if round_ == 0 else None
        rows.append((ticket_id, code, provider, remote_id, event_remote_id, round_, at))
    # A ticket's movements in time order: each later one a few minutes to hours after the one before.
    last: dict[int, datetime] = {}
    batch = []
    for ticket_id, code, provider, remote_id, event_remote_id, round_, at in rows:
        at = at if at is not None else min(now - timedelta(minutes=2), last[ticket_id] + timedelta(minutes=rng.randint(3, 300)))
        last[ticket_id] = at
        device = DEVICES[rng.randrange(len(DEVICES))]
        seqs[device] += 1
        entry = round_ % 2 == 0
        when = at.isoformat(timespec="milliseconds")
        if entry:
            leaves = domain.leaves_at(lst, at, timezone.utc)  # the bench events start at +00:00
            payload = {"message": "Welcome", "mode": "entry", "list": LIST, "area": LIST, "counted": True,
                       "leaves_at": leaves.isoformat(timespec="milliseconds") if leaves else None}
        else:
            payload = {"message": "Exit", "mode": "exit", "list": LIST, "area": LIST}
        batch.append((device, seqs[device], "scan" if entry else "exit", "admitted" if entry else "exited", ticket_id,
                      provider, event_remote_id, remote_id, code, device, json.dumps(payload, separators=(",", ":")),
                      when, uuid.uuid4().hex))
        if len(batch) == 50_000:
            _insert(store, batch)
            batch = []
    if batch:
        _insert(store, batch)
    return touched


def _insert(store: Store, batch: list[tuple]) -> None:
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO journal (device_id, seq, op, verdict, ticket_id, provider, event_remote_id, ticket_remote_id,"
            " code, door, payload, at, nonce) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", batch)


def measure(data_dir: Path, n_scans: int, n_tickets: int, touched: int, say, inline_checkpoints: bool = False) -> dict:
    rng = random.Random(17)
    out: dict = {"checkpoints": "inline (SQLite's automatic)" if inline_checkpoints else "background"}
    # The door's connection as `App` opens it; --inline-checkpoints: the baseline before issue 17's fix.
    with Store(data_dir, background_checkpoints=not inline_checkpoints) as store:
        step = max(1, n_tickets // (4 * n_scans + 4000))  # codes spread over the whole door
        codes = [r[0] for r in store.conn.execute("SELECT code FROM tickets WHERE id % ? = 1 ORDER BY id", (step,))]
        history = [c for c in codes[: max(1, len(codes) * touched // n_tickets)]]
        fresh = codes[len(history):]
        rng.shuffle(history)
        rng.shuffle(fresh)
        # Half the scans are tickets with history on the list (re-entries, too-soon, limits), half first entries.
        pool = [c for pair in zip(history, fresh) for c in pair]
        if len(pool) < 2 * n_scans + 1000:
            raise SystemExit(f"not enough distinct codes ({len(pool)}) for {n_scans} scans of each kind")
        on_list, no_list = pool[:n_scans], pool[n_scans:2 * n_scans]
        door = CheckinService(store, door="Bench door")
        now = datetime.now(timezone.utc).isoformat(timespec="milliseconds")
        say("decision only (no journal row): list and no list")
        sim_list, sim_none = [], []
        for a, b in zip(pool[2 * n_scans:2 * n_scans + 500], on_list[:500]):
            t0 = time.perf_counter()
            door.scan(a, lists=[LIST], at=now)
            sim_list.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            door.scan(b, lists=[], at=now)
            sim_none.append(time.perf_counter() - t0)
        # What one scan's commit writes: the WAL grows by whole frames (page + 24-byte header) and
        # SQLite syncs it with fdatasync; the build left no WAL, so its size counts them.
        page = store.conn.execute("PRAGMA page_size").fetchone()[0]
        wal = data_dir / "checkin.sqlite3-wal"
        warm = pool[2 * n_scans + 500:2 * n_scans + 540]
        size0 = wal.stat().st_size if wal.exists() else 0
        for code in warm:
            door.scan(code, lists=[LIST])
        frames = max(1, round((wal.stat().st_size - max(size0, 32)) / (page + 24) / len(warm)))
        out["wal_pages_per_scan"] = frames
        say(f"{n_scans} durable scans on the list, {n_scans} with no list and 2 x {n_scans} fsyncs, interleaved")
        with_list, without, floor, commit_floor, verdicts = [], [], [], [], {}
        block, commit_block = os.urandom(8192), os.urandom(frames * (page + 24))
        fd = os.open(data_dir / "fsync-floor.bin", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        wal_fd = os.open(data_dir / "fsync-floor-commit.bin", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            for a, b in zip(on_list, no_list):
                t0 = time.perf_counter()
                v = door.scan(a, lists=[LIST])
                with_list.append(time.perf_counter() - t0)
                verdicts[v.kind.value] = verdicts.get(v.kind.value, 0) + 1
                t0 = time.perf_counter()
                door.scan(b, lists=[])
                without.append(time.perf_counter() - t0)
                # The disk's own price for durability, beside each pair of scans so all three see the
                # same load: append 8 KB and fsync (as `checkin-app bench` measures its floor).
                t0 = time.perf_counter()
                os.write(fd, block)
                os.fsync(fd)
                floor.append(time.perf_counter() - t0)
                # The same with a commit's bytes and SQLite's own sync call.
                t0 = time.perf_counter()
                os.write(wal_fd, commit_block)
                os.fdatasync(wal_fd)
                commit_floor.append(time.perf_counter() - t0)
        finally:
            for f in (fd, wal_fd):
                os.close(f)
            for name in ("fsync-floor.bin", "fsync-floor-commit.bin"):
                (data_dir / name).unlink()
        checkpointer = store.checkpointer
        out.update({"checkpointer_folds": checkpointer.folds, "checkpointer_door_folds": checkpointer.writer_folds,
                    "wal_largest_pages": checkpointer.largest_wal_frames} if checkpointer else {})
        out.update(_figures("scan_list", with_list) | _figures("scan_no_list", without) | _figures("fsync_floor", floor)
                   | _figures("commit_floor", commit_floor)
                   | _figures("decision_list", sim_list) | _figures("decision_no_list", sim_none))
        out["scan_list_verdicts"] = verdicts
        say("rule evaluation alone")
        lst = lists.get(store, LIST)
        loaded = []
        for code in history[:2000]:
            (tid,) = store.conn.execute("SELECT id FROM tickets WHERE code = ?", (code,)).fetchone()
            loaded.append((state_by_id(store.conn, tid), store_lists.movements(store.conn, tid)))
        when = datetime.now(timezone.utc)
        inside = store_lists.area_inside(store.conn, lst.area, when)
        samples = []
        for _ in range(5):
            for ticket, moves in loaded:
                t0 = time.perf_counter()
                domain.evaluate(lst, ticket, moves, inside, when)
                samples.append(time.perf_counter() - t0)
        out.update(_figures("evaluate", samples))
        out["evaluate_movements_per_ticket"] = round(sum(len(m) for _, m in loaded) / max(1, len(loaded)), 2)
        say("occupancy queries")
        occ, area = [], []
        for _ in range(2000):
            t0 = time.perf_counter()
            rows = lists.occupancy(store)
            occ.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            store_lists.area_inside(store.conn, lst.area, datetime.now(timezone.utc))
            area.append(time.perf_counter() - t0)
        out.update(_figures("occupancy", occ) | _figures("area_count", area))
        out["inside_now"] = rows[0].inside
        # The same exit with the scans above: exit scans update stays too.
        t0 = time.perf_counter()
        for code in on_list[:200]:
            door.scan(code, lists=[LIST], mode=Mode.EXIT)
        out["exit_on_list_mean_ms"] = round((time.perf_counter() - t0) / 200 * 1000, 3)
    return out


def _figures(name: str, samples: list[float]) -> dict:
    p50, p99 = _percentiles(samples)
    return {f"{name}_p50_ms": round(p50, 3), f"{name}_p99_ms": round(p99, 3)}


def _built(base: Path, data_dir: Path, n_tickets: int, n_rows: int, reuse: bool, say) -> dict:
    """Build the door into `data_dir`; with `reuse`, build it once beside it and measure on a fresh copy.

    The scans journal rows and admit tickets, so a measured data dir is not reused as is: every run
    starts from the same untouched build (the same verdict mix, the same WAL, the same file sizes).
    """
    if not reuse:
        return build(data_dir, n_tickets, n_rows, say)
    pristine, info = base / "lists-bench-built", base / "lists-bench-built.json"
    wanted = {"tickets": n_tickets, "journal_rows_asked": n_rows}
    recorded = json.loads(info.read_text()) if info.exists() else {}
    if not pristine.exists() or {k: recorded.get(k) for k in wanted} != wanted:
        shutil.rmtree(pristine, ignore_errors=True)
        info.unlink(missing_ok=True)
        recorded = wanted | build(pristine, n_tickets, n_rows, say)
        info.write_text(json.dumps(recorded, indent=2))  # written last: a half-built door is rebuilt
    else:
        say(f"reusing the door built in {pristine}")
    shutil.copytree(pristine, data_dir)
    return {k: v for k, v in recorded.items() if k not in wanted}


def run(n_tickets: int, n_rows: int, n_scans: int, workdir: str | None, say, reuse: bool = False,
        inline_checkpoints: bool = False) -> dict:
    base = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="checkin-lists-bench-"))
    data_dir = base / "lists-bench-data"
    if data_dir.exists():
        shutil.rmtree(data_dir)
    report: dict = {"tickets": n_tickets, "journal_rows_asked": n_rows, "scans": n_scans, "cpus": os.cpu_count(),
                    "sqlite": sqlite3.sqlite_version, "load_average_start": [round(x, 2) for x in os.getloadavg()]}
    try:
        built = _built(base, data_dir, n_tickets, n_rows, reuse, say)
        report.update(built)
        report["load_average_measure"] = [round(x, 2) for x in os.getloadavg()]
        report.update(measure(data_dir, n_scans, n_tickets, built["tickets_with_history"], say, inline_checkpoints))
        report["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
        report["target_ms"] = round(1.0 + report["fsync_floor_p99_ms"], 3)
        report["scan_list_within_target"] = report["scan_list_p99_ms"] <= report["target_ms"]
    finally:
        if not workdir:
            shutil.rmtree(base, ignore_errors=True)
    return report


def markdown(r: dict) -> str:
    rows = [("scan on the list (durable commit)", "scan_list"), ("scan with no list (durable commit)", "scan_no_list"),
            ("fsync floor (8 KB append + fsync)", "fsync_floor"),
            ("commit-sized floor (one scan's WAL bytes + fdatasync)", "commit_floor"), ("decision on the list, no journal row", "decision_list"),
            ("decision with no list, no journal row", "decision_no_list"), ("rule evaluation alone", "evaluate"),
            ("occupancy query (every list and area)", "occupancy"), ("area count (what a scan reads)", "area_count")]
    lines = ["| figure | p50 ms | p99 ms |", "|---|---|---|"]
    lines += [f"| {label} | {r[key + '_p50_ms']:.3f} | {r[key + '_p99_ms']:.3f} |" for label, key in rows]
    lines.append("")
    lines.append(f"{r['tickets']:,} tickets, {r['journal_rows']:,} journal rows ({r['tickets_with_history']:,} tickets with"
                 f" history), {r['scans']} scans of each kind, {r['wal_pages_per_scan']} WAL pages per scan; target scan p99 <= 1 ms + fsync floor p99 ="
                 f" {r['target_ms']:.3f} ms: {'met' if r['scan_list_within_target'] else 'NOT met'}. Load average"
                 f" at start {r['load_average_start']}, while measuring {r['load_average_measure']}, at end"
                 f" {r['load_average_end']} ({r['cpus']} CPUs). WAL checkpoints: {r['checkpoints']}.")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--tickets", type=int, default=1_000_000)
    p.add_argument("--journal", type=int, default=1_000_000)
    p.add_argument("--scans", type=int, default=2000)
    p.add_argument("--workdir")
    p.add_argument("--json", action="store_true")
    p.add_argument("--reuse", action="store_true",
                   help="build the door once in --workdir and measure each run on a fresh copy of it")
    p.add_argument("--inline-checkpoints", action="store_true",
                   help="baseline: the door's connection checkpoints the WAL inside its commits (SQLite's default)")
    args = p.parse_args()
    if args.reuse and not args.workdir:
        p.error("--reuse needs --workdir (where the built door is kept)")
    say = (lambda _m: None) if args.json else (lambda m: print(f"[{time.strftime('%H:%M:%S')}] {m}", flush=True))
    report = run(args.tickets, args.journal, args.scans, args.workdir, say, reuse=args.reuse,
                 inline_checkpoints=args.inline_checkpoints)
    if args.workdir:  # the whole report beside the data, for the record
        Path(args.workdir, "lists-bench.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2) if args.json else markdown(report))


if __name__ == "__main__":
    main()
