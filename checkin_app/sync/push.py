"""Push the outbox: every pending act for one connection, oldest first.

libpretixsync's rule: a permanent refusal (4xx other than 408/429) is final and kept with the
provider's message for a supervisor; anything else is retried later with jittered backoff. The
provider adapter guards idempotency (it looks before re-sending an act whose outcome is unknown).
"""
from __future__ import annotations

import logging
import random
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Protocol

from checkin_app.log import scrub
from checkin_app.domain.clock import utc_now
from checkin_app.errors import CheckinError, ProviderError
from checkin_app.store import Store
from checkin_app.store import journal, outbox
from checkin_app.store.replica import PUSHED
from checkin_app.store.outbox import OutboxItem

log = logging.getLogger(__name__)

RETRY_BASE_S = 5.0
RETRY_CAP_S = 300.0


class Pusher(Protocol):
    def push(self, item: OutboxItem) -> str | None:
        """Send one act upstream; return the provider's reference (e.g. the check-in id).

        Raises:
            ProviderError: with `permanent` telling whether a retry could help.
        """


@dataclass
class PushReport:
    sent: int = 0
    failed: int = 0
    deferred: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.deferred == 0


def retry_delay(attempts: int, rng: random.Random | None = None) -> float:
    """Full-jitter exponential backoff: random in [0, min(cap, base * 2**attempts)]."""
    rng = rng or random
    return rng.uniform(0, min(RETRY_CAP_S, RETRY_BASE_S * (2 ** min(attempts, 16))))


def push_pending(store: Store, connection_id: int, pusher: Pusher, cancel: threading.Event | None = None,
                 batch: int = 100) -> PushReport:
    """Push every due outbox row of a connection. Stops early (deferring the rest) when cancelled."""
    report = PushReport()
    while not (cancel and cancel.is_set()):
        items = outbox.pending(store.conn, connection_id, utc_now(), limit=batch)
        if not items:
            break
        for item in items:
            if cancel and cancel.is_set():
                break
            _push_one(store, pusher, item, report)
        if report.deferred:
            break  # the provider is struggling: leave the rest for the next round, in order
    report.deferred = max(report.deferred, outbox.pending_count(store.conn, connection_id))
    return report


def _push_one(store: Store, pusher: Pusher, item: OutboxItem, report: PushReport) -> None:
    jid, cid = item.journal.id, item.connection_id
    try:
        ref = pusher.push(item)
    except ProviderError as exc:
        with store.transaction() as conn:
            if exc.permanent:
                outbox.mark_failed(conn, jid, cid, scrub(str(exc)))
                report.failed += 1
            else:
                when = datetime.now(timezone.utc) + timedelta(seconds=retry_delay(item.attempts))
                outbox.mark_retry(conn, jid, cid, scrub(str(exc)), when.isoformat(timespec="milliseconds"))
                report.deferred += 1
        report.errors.append(f"{item.journal.op} {item.journal.code}: {exc}")
        log.warning("push of journal %s (%s) %s: %s", jid, item.journal.op,
                    "failed for good" if exc.permanent else "deferred", exc)
        return
    except CheckinError as exc:  # local data problem (e.g. no ticket type for a walk-up): final
        with store.transaction() as conn:
            outbox.mark_failed(conn, jid, cid, scrub(str(exc)))
        report.failed += 1
        report.errors.append(f"{item.journal.op} {item.journal.code}: {exc}")
        return
    with store.transaction() as conn:
        outbox.mark_done(conn, jid, cid, ref)
        # Replicated to the other doors of the venue: their outbox rows for this act close too,
        # so the act reaches the provider once whichever door was online.
        journal.append(conn, device_id=store.device_id, op=PUSHED, at=utc_now(), code=item.journal.code,
                       payload={"act": item.journal.nonce, "remote_ref": ref})
    report.sent += 1
