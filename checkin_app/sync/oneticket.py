"""1Ticket connections: pull purchases (for an event date or name), then each purchase's seats.

Incremental by purchase: a purchase's seats are fetched again when the purchase changed (its
status, disclosures, `rotating_barcodes`, `datelastseen`, `haspdf` or items) or had no barcodes yet.
Seats can change without the purchase changing (a seat pending -> live, a seat voided), so on the
event day the seats of every purchase of an event this door admits are read again as well, each at
most once per `seat_reread_every_s` (default 60 s) and at most `seat_rereads_per_sync` (default 50)
per sync, least recently read first. A sync therefore costs 1 request (purchases; plus the
disclosure table once an hour), plus one `getpdf` per new or changed purchase, plus on the event day
at most one `getpdf` per admitted purchase per minute (capped at 50 per sync).

Each purchase is applied in one transaction with the fingerprint that marks it done, so an
interrupted sync resumes cleanly. A purchase that cannot be mapped (no event, a seat list 1Ticket
refuses) is set aside with its reason; the other purchases still arrive.
"""
from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from checkin_app import secrets
from checkin_app.domain.models import Event, SetAside
from checkin_app.errors import PayloadError, ProviderError
from checkin_app.providers import oneticket
from checkin_app.providers.oneticket_api import DEFAULT_HEADER, OneTicketClient
from checkin_app.store import Store, sync_state
from checkin_app.store import events as door_scope
from checkin_app.store.connections import Connection
from checkin_app.sync.policy import retry_policy
from checkin_app.sync.adapter import Progress, PullAdapter, PullReport

SCOPE = "purchases"
DISCLOSURES_SCOPE = "disclosures"
DISCLOSURES_EVERY = timedelta(hours=1)
READ_SCOPE = "seat_reads"  # when each purchase's seats were last read
FILTERS = ("eventdate", "eventname", "status")
REREAD_EVERY_S = 60.0
REREADS_PER_SYNC = 50
#: A show that starts late runs past midnight: its "event day" lasts this long after the start.
LATE_SHOW = timedelta(hours=12)


@dataclass(frozen=True)
class OneTicketSettings:
    """Attributes:
        filters: the purchases to pull ({"eventdate": "mm/dd/yyyy", "eventname": "...", "status": "Active"}).
        seat_reread_every_s, seat_rereads_per_sync: the event-day seat re-reads (module docstring).
    """

    filters: dict = field(default_factory=dict)
    seat_reread_every_s: float = REREAD_EVERY_S
    seat_rereads_per_sync: int = REREADS_PER_SYNC


def fingerprint(purchase: dict, disclosures: dict[int, str] | None = None) -> str:
    receipt = purchase.get("receipt") if isinstance(purchase.get("receipt"), dict) else {}
    key = [receipt.get("status"), purchase.get("datelastseen"), purchase.get("haspdf"), purchase.get("items"),
           purchase.get("disclosures"), purchase.get("rotating_barcodes"), sorted((disclosures or {}).items())]
    return hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:16]


def on_event_day(event: Event, now: datetime) -> bool:
    """True from the local start of the event's date until `LATE_SHOW` after it starts."""
    try:
        starts = datetime.fromisoformat(event.starts_at or "")
    except ValueError:
        return False
    if starts.tzinfo is not None:
        starts = starts.astimezone().replace(tzinfo=None)
    return starts.date() == now.date() or starts <= now <= starts + LATE_SHOW


class OneTicketSync(PullAdapter):
    """Pull for one 1Ticket connection (1Ticket takes no check-ins back).

    Not a page walk: one request lists the purchases, then each purchase that changed (or is due a
    re-read) is one "page", its seats, applied in a transaction of its own with its fingerprint.

    Args:
        store, connection, client, progress, cancel: as for every `PullAdapter`. The connection's
        settings are `OneTicketSettings`.
        now: the local clock (tests pass their own).
    """

    takes_nothing_back = "1Ticket takes no check-ins back; they stay at the doors"
    Settings = OneTicketSettings
    settings: OneTicketSettings

    def __init__(self, store: Store, connection: Connection, client: OneTicketClient, progress: Progress | None = None,
                 cancel: threading.Event | None = None, now=datetime.now):
        super().__init__(store, connection, client, progress, cancel)
        self.now = now

    def pull(self, event_remote_ids: list[str] | None = None) -> PullReport:
        report = PullReport(pages=1)
        settings = self.settings
        filters = {k: v for k, v in settings.filters.items() if k in FILTERS and v}
        now = self.now()
        disclosures = self._disclosures(now)
        found = self.client.purchases(**filters)
        admitted = set(event_remote_ids) if event_remote_ids else self._admitted_events()
        marks = sync_state.load(self.store.conn, self.connection.id, SCOPE).data
        last_read = sync_state.load(self.store.conn, self.connection.id, READ_SCOPE).data
        stamp = now.isoformat(timespec="seconds")
        every = timedelta(seconds=settings.seat_reread_every_s)
        due: list[tuple[str, str, dict]] = []  # (last read, rid, purchase) of unchanged purchases due a re-read
        events: set[str] = set()
        for purchase in found:
            rid = str(purchase.get("rid"))
            try:
                event = oneticket.map_event(purchase)
            except PayloadError as exc:
                self.set_aside(report, SetAside(oneticket.PROVIDER, "purchase", rid, str(exc), purchase))
                continue
            if event_remote_ids and event.remote_id not in event_remote_ids:
                continue
            events.add(event.remote_id)
            if marks.get(rid) != fingerprint(purchase, disclosures):
                self._read_seats(report, rid, purchase, disclosures, stamp)
            elif on_event_day(event, now) and (admitted is None or event.remote_id in admitted):
                last = last_read.get(rid) or ""
                if not last or datetime.fromisoformat(last) + every <= now:
                    due.append((last, rid, purchase))
            if self.cancel.is_set():
                break
        cap = settings.seat_rereads_per_sync
        for _, rid, purchase in sorted(due, key=lambda d: d[0])[:cap]:  # least recently read first
            if self.cancel.is_set():
                break
            self._read_seats(report, rid, purchase, disclosures, stamp)
        report.events = len(events)
        return report

    def _disclosures(self, now: datetime) -> dict[int, str]:
        """The account's disclosure table, asked at most once an hour (it names a handful of ids and
        rarely changes); the documented one when 1Ticket will not give it (then an id it does not
        name never admits). Part of each purchase's fingerprint: when it changes, purchases are read
        again."""
        kept = sync_state.load(self.store.conn, self.connection.id, DISCLOSURES_SCOPE)
        if kept.cursor and datetime.fromisoformat(kept.cursor) + DISCLOSURES_EVERY > now and kept.data.get("table"):
            return {int(k): v for k, v in kept.data["table"].items()}
        try:
            table = self.client.disclosures()
        except PayloadError:
            return dict(oneticket.DOC_DISCLOSURES)
        except ProviderError as exc:
            if not exc.permanent:
                raise
            return dict(oneticket.DOC_DISCLOSURES)
        kept.cursor, kept.data = now.isoformat(timespec="seconds"), {"table": {str(k): v for k, v in table.items()}}
        with self.store.transaction() as conn:
            sync_state.save(conn, kept)
        return table

    def _admitted_events(self) -> set[str] | None:
        """The 1Ticket event ids this door admits (None: the door never chose, so every event)."""
        if door_scope.scope_mode(self.store.conn) == door_scope.ALL:
            return None
        return {r["remote_id"] for r in door_scope.admitted_events(self.store.conn) if r["provider"] == oneticket.PROVIDER}

    def _read_seats(self, report: PullReport, rid: str, purchase: dict, disclosures: dict[int, str], read_at: str) -> None:
        """Fetch and apply one purchase's seats, marking it done and when it was read, in one transaction."""
        try:
            batch = oneticket.map_purchase_seats(purchase, self.client.getpdf(rid), disclosures)
        except PayloadError as exc:
            self.set_aside(report, SetAside(oneticket.PROVIDER, "purchase", rid, str(exc), purchase))
            return
        except ProviderError as exc:
            if not exc.permanent:
                raise  # the network or 1Ticket is down: the whole sync retries later
            self.set_aside(report, SetAside(oneticket.PROVIDER, "purchase", rid, f"getpdf refused: {exc}", purchase))
            return
        finally:
            report.pages += 1
        with self.store.transaction() as conn:
            self.apply_in(conn, batch, report)
            if batch.tickets:  # no barcodes yet (not fulfilled): ask again next time
                state = sync_state.load(conn, self.connection.id, SCOPE)
                state.data[rid] = fingerprint(purchase, disclosures)
                sync_state.save(conn, state)
            state = sync_state.load(conn, self.connection.id, READ_SCOPE)
            state.data[rid] = read_at
            sync_state.save(conn, state)
        self.progress("1Ticket purchases", report.tickets, None)


def make_adapter(store: Store, connection: Connection, progress: Progress | None, cancel: threading.Event) -> OneTicketSync:
    token = secrets.resolve(connection.settings.get("token"), "1Ticket API token")
    client = OneTicketClient(connection.base_url, token, header_name=connection.settings.get("token_header") or DEFAULT_HEADER,
                             cancel=cancel, policy=retry_policy(connection))
    return OneTicketSync(store, connection, client, progress, cancel)
