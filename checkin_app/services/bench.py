"""`checkin-app bench`: the store's figures on a generated 1,000,000-ticket door.

Everything runs through the real code paths (`apply_batch`, `CheckinService.scan`, the search
functions) on a real SQLite file with the production pragmas. The LIKE baseline runs in the
same process on the same data, so the FTS/LIKE ratio holds on a noisy machine even when
absolute times do not.
"""
from __future__ import annotations

import os
import random
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterator

from checkin_app.domain.models import Batch, Event, Ticket, TicketStatus
from checkin_app.services.checkin import CheckinService
from checkin_app.store import Store
from checkin_app.store.search import like_search, search
from checkin_app.store.tickets import apply_batch, ticket_ids_for_code

_FIRST = ("Ada Alan Amira Ben Carla Chen Dara Elif Emma Farah Grace Hugo Ines Ivan Jana Joao Kai Lena Liam Maya Mateo "
          "Nadia Noah Olga Omar Priya Quinn Rosa Sami Sofia Tariq Uma Vera Wen Yara Zoe").split()
_LAST = ("Abbott Adeyemi Almeida Baker Berg Costa Dubois Eriksen Fischer Garcia Haddad Ito Jansen Kowalski Larsen "
         "Moreau Nakamura Novak Okafor Olsen Patel Quintero Rossi Schmidt Silva Tanaka Ueda Vasquez Weber Wong "
         "Yilmaz Zhang").split()
_DOMAINS = ("example.com", "mail.test", "post.example", "inbox.test")
_CODE_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _percentiles(samples_s: list[float]) -> tuple[float, float]:
    ordered = sorted(samples_s)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]
    return p50 * 1000, p99 * 1000


def bench_events(n_events: int) -> list[Event]:
    return [Event("tickettailor", f"ev_bench_{i}", f"Bench night {i + 1}", starts_at=f"2026-12-0{i % 9 + 1}T19:00:00+00:00")
            for i in range(n_events)]


def generate(n_tickets: int, n_events: int, seed: int = 7, chunk_size: int = 50_000) -> Iterator[list[Ticket]]:
    """Tickets in chunks, generated lazily (a million objects at once would dominate peak memory).

    Realistic names and emails, case-sensitive codes, one ticket in ~200 void.
    """
    rng = random.Random(seed)
    events = bench_events(n_events)
    chunk = []
    for i in range(n_tickets):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        code = "".join(rng.choice(_CODE_ALPHABET) for _ in range(7)) + _base(i)
        chunk.append(Ticket(
            provider="tickettailor", remote_id=f"it_b{i}", event_remote_id=events[i % n_events].remote_id, code=code,
            holder_name=f"{first} {last}", email=f"{first.lower()}.{last.lower()}{i % 997}@{rng.choice(_DOMAINS)}",
            ticket_type=rng.choice(("General Admission", "VIP", "Early Bird")), order_ref=f"or_b{i // 3}",
            status=TicketStatus.VOID if i % 199 == 3 else TicketStatus.VALID,
        ))
        if len(chunk) == chunk_size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _base(i: int) -> str:
    """A short unique suffix, so random prefixes never collide within an event."""
    out = ""
    while True:
        i, r = divmod(i, len(_CODE_ALPHABET))
        out += _CODE_ALPHABET[r]
        if i == 0:
            return out


def run_store_bench(tickets: int = 1_000_000, events: int = 5, scans: int = 5000, searches: int = 200,
                    workdir: str | None = None, progress: Callable[[str], None] | None = None,
                    counted: Callable[[str, int, int | None], None] | None = None) -> dict:
    """Build a store of `tickets` tickets and measure it. Returns the report (times in ms).

    Args:
        progress: told each phase, as a line of text.
        counted: told (what, done, total) as the import goes, for a progress bar.
    """
    say = progress or (lambda _msg: None)
    count = counted or (lambda _what, _done, _total: None)
    base = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="checkin-bench-"))
    data_dir = base / "bench-data"
    if data_dir.exists():
        shutil.rmtree(data_dir)
    # The machine's load when the run started: wall-clock rates fall with it, CPU-time rates much less.
    report: dict = {"tickets": tickets, "events": events, "machine_cpus": os.cpu_count(),
                    "load_average_1m": round(os.getloadavg()[0], 2)}
    try:
        say(f"importing {tickets:,} generated tickets across {events} events")
        evs = bench_events(events)
        sample_codes, sample_people, elapsed, cpu, loaded = [], [], 0.0, 0.0, 0
        with Store(data_dir) as store:
            for i, chunk in enumerate(generate(tickets, events)):
                sample_codes += [t.code for t in chunk[:: max(1, tickets // 20_000)]]
                if i == 0:
                    sample_people = [(t.holder_name, t.email, t.code, t.order_ref) for t in chunk[:2000]]
                started, cpu_started = time.perf_counter(), time.process_time()  # generating is not importing
                with store.transaction() as conn:
                    apply_batch(conn, Batch(events=evs if i == 0 else [], tickets=chunk))
                elapsed += time.perf_counter() - started
                cpu += time.process_time() - cpu_started
                loaded += len(chunk)
                count("import", loaded, tickets)
                del chunk
            report["import_s"] = round(elapsed, 2)
            report["import_tickets_per_s"] = round(tickets / elapsed)
            # This process's CPU time for the same import: what it costs when it has a core to itself.
            report["import_cpu_s"] = round(cpu, 2)
            report["import_tickets_per_cpu_s"] = round(tickets / max(cpu, 1e-9))
            report["import_target_tickets_per_cpu_s"] = IMPORT_TARGET_TICKETS_PER_CPU_S
            store.db.checkpoint()
            report.update(_bench_scans(store, sample_codes, scans, say))
            report.update(_bench_fsync_floor(data_dir, scans))
            report.update(_bench_search(store, sample_people, searches, say))
        db = data_dir / "checkin.sqlite3"
        report["db_size_mb"] = round(sum(p.stat().st_size for p in data_dir.glob("checkin.sqlite3*")) / 1e6, 1)
        report["db_bytes_per_ticket"] = round(db.stat().st_size / max(1, tickets))
        report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        report["search_target_p99_ms"] = SEARCH_TARGET_P99_MS
        # Both judged in CPU time, which holds up on a loaded machine (on 2 cores at load 20 a 4 ms
        # search took 37 ms of wall time); the wall-clock figures stand beside them.
        report["targets_met"] = {"import": report["import_tickets_per_cpu_s"] >= IMPORT_TARGET_TICKETS_PER_CPU_S,
                                 "search": report["search_cpu_p99_ms"] <= SEARCH_TARGET_P99_MS}
    finally:
        if not workdir:
            shutil.rmtree(base, ignore_errors=True)
    return report


def _bench_scans(store: Store, codes: list[str], n: int, say) -> dict:
    say(f"{n} scans, each a durable commit")
    rng = random.Random(11)
    service = CheckinService(store, door="Bench door")
    # A door's mix: mostly first admissions, some repeats (refused), some unknown codes.
    mix = []
    for i in range(n):
        r = rng.random()
        if r < 0.8:
            mix.append(codes[i % len(codes)])
        elif r < 0.95:
            mix.append(codes[rng.randrange(max(1, min(i, len(codes))))])
        else:
            mix.append(f"NOPE{i}")
    samples, verdicts = [], {}
    for code in mix:
        t0 = time.perf_counter()
        verdict = service.scan(code)
        samples.append(time.perf_counter() - t0)
        verdicts[verdict.kind.value] = verdicts.get(verdict.kind.value, 0) + 1
    p50, p99 = _percentiles(samples)
    # The same look-up and decision without the journal write and commit: what durability costs.
    lookup = []
    for code in mix[:2000]:
        t0 = time.perf_counter()
        ticket_ids_for_code(store.conn, code)
        lookup.append(time.perf_counter() - t0)
    l50, l99 = _percentiles(lookup)
    return {"scans": n, "scan_verdicts": verdicts, "scan_p50_ms": round(p50, 3), "scan_p99_ms": round(p99, 3),
            "code_lookup_p50_ms": round(l50, 4), "code_lookup_p99_ms": round(l99, 4)}


def _bench_fsync_floor(data_dir: Path, n: int) -> dict:
    """The disk's own price for durability, measured beside the scans: append 8 KB and fsync.

    A scan's p99 cannot beat this floor (its commit is one WAL append and one fsync), so the
    ratio scan/floor says how much the app adds on top of what the disk costs.
    """
    path = data_dir / "fsync-floor.bin"
    block = os.urandom(8192)
    samples = []
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for _ in range(n):
            t0 = time.perf_counter()
            os.write(fd, block)
            os.fsync(fd)
            samples.append(time.perf_counter() - t0)
    finally:
        os.close(fd)
        path.unlink()
    p50, p99 = _percentiles(samples)
    return {"fsync_floor_p50_ms": round(p50, 3), "fsync_floor_p99_ms": round(p99, 3)}


# Issue 19's targets, reported beside the figures they judge.
IMPORT_TARGET_TICKETS_PER_CPU_S = 50_000
SEARCH_TARGET_P99_MS = 20.0


def search_queries(people: list[tuple[str, str, str, str]], n: int) -> dict[str, list[str]]:
    """`n` queries of each kind a door types, from sampled (name, email, code, order ref) tuples."""
    rng = random.Random(13)
    picks = [people[rng.randrange(len(people))] for _ in range(n)]
    names = [p[0].split(" ", 1) for p in picks]
    return {
        "name_prefix": [f"{first} {last[:3]}" for first, last in names],
        # The middle of the local part and the domain start: "silva37@ex" style fragments.
        "email_fragment": [p[1].split(".", 1)[1][: p[1].split(".", 1)[1].index("@") + 3] for p in picks],
        # What else a supervisor types: four letters of a surname, a whole one, two letters, the start
        # of a code (case as printed), an order reference, a first name with a surname's initial.
        "name_prefix_4": [f"{first} {last[:4]}" for first, last in names],
        "surname": [last for _, last in names],
        "two_letters": [last[:2] for _, last in names],
        "code_start": [p[2][:4] for p in picks],
        "order_ref": [p[3] for p in picks],
        "name_initial": [f"{first} {last[:1]}" for first, last in names],
    }


def time_queries(fn: Callable[..., list], conn, queries: list[str]) -> dict:
    """Run each query once: wall p50/p99, CPU-time p99 (what a search costs with a core to itself,
    whatever the load), the share that found something, and the ids found (to compare indexes)."""
    samples, cpu_samples, found = [], [], []
    for q in queries:
        t0, c0 = time.perf_counter(), time.process_time()
        found.append([r["id"] for r in fn(conn, q, limit=20)])
        samples.append(time.perf_counter() - t0)
        cpu_samples.append(time.process_time() - c0)
    p50, p99 = _percentiles(samples)
    return {"p50_ms": round(p50, 3), "p99_ms": round(p99, 3), "cpu_p99_ms": round(_percentiles(cpu_samples)[1], 3),
            "hit_rate": round(sum(map(bool, found)) / len(queries), 3), "found": found}


def _bench_search(store: Store, people: list[tuple[str, str, str, str]], n: int, say) -> dict:
    say(f"{n} searches of each kind: FTS and LIKE by name prefix and by email fragment; FTS by what else a door types")
    out: dict = {"searches": n}
    # LIKE, the naive baseline, only for the first two kinds: it scans every ticket for each query.
    with_like = ("name_prefix", "email_fragment")
    kinds = search_queries(people, n)
    for label, queries in kinds.items():
        engines = (("fts", search), ("like", like_search)) if label in with_like else (("fts", search),)
        for engine, fn in engines:
            timed = time_queries(fn, store.conn, queries)
            for figure in ("p50_ms", "p99_ms", "cpu_p99_ms", "hit_rate"):
                out[f"search_{label}_{engine}_{figure}"] = timed[figure]
        if label in with_like:
            out[f"search_{label}_like_over_fts_p50"] = round(
                out[f"search_{label}_like_p50_ms"] / max(out[f"search_{label}_fts_p50_ms"], 1e-6), 1)
    # The worst kind is the figure the target judges (a single-letter word is the slow one today:
    # no prefix index covers one letter, so FTS5 merges every term that starts with it).
    out["search_p99_ms"] = max(out[f"search_{label}_fts_p99_ms"] for label in kinds)
    out["search_cpu_p99_ms"] = max(out[f"search_{label}_fts_cpu_p99_ms"] for label in kinds)
    return out
