"""`bench`: measure the store (scan decisions, search, import) on generated tickets."""
from __future__ import annotations

import json

from checkin_app.cli.common import EXIT_OK, emit
from checkin_app.cli.progress import Progress
from checkin_app.cli.registry import arg, command


@command("bench", arg("--tickets", type=int, default=1_000_000), arg("--events", type=int, default=5),
         arg("--scans", type=int, default=5000),
         arg("--workdir", help="where to build the benchmark database (default: a temp dir)"),
         help="measure the store: scan decisions, search, import (1,000,000 tickets)", options=("json",))
def _bench(args) -> int:
    from checkin_app.services.bench import run_store_bench

    progress = Progress(args)
    imported = progress.counter("import", total=args.tickets)

    def counted(what: str, done: int, total: int | None) -> None:
        imported.update(done)
        if done == total:  # the bar ends before the next phase's line
            imported.close()

    report = run_store_bench(tickets=args.tickets, events=args.events, scans=args.scans, workdir=args.workdir,
                             progress=progress.note, counted=counted)
    emit(args, report, json.dumps(report, indent=2))
    return EXIT_OK
