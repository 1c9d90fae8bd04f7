"""What every provider's pull has in common: the page loop, cancel, a transaction per page, progress.

A pull adapter (one per provider, `providers/registry.py` names it) says only what differs: how to
ask for a page, how to map it, and what the next cursor is. `PullAdapter.walk` does the rest, as
libpretixsync's `BaseDownloadSyncAdapter` does for pretix: it stops between pages when `cancel` is
set, applies each page and its cursor in one transaction (so a sync killed half way resumes after
the last page it kept, with no gap), counts what arrived in the `PullReport`, and reports progress.

Adapters that take nothing back inherit `push`, which refuses with the provider's own sentence (the
push loop marks such acts failed with it; `registry.pushes` keeps them out of the outbox anyway).
"""
from __future__ import annotations

import dataclasses
import threading
import types
import typing
from dataclasses import dataclass
from typing import Any, Callable, Generic, TypeVar

from checkin_app.domain.models import Batch, SetAside
from checkin_app.errors import CheckinError, ConfigError
from checkin_app.store import Store
from checkin_app.store.connections import Connection
from checkin_app.store.outbox import OutboxItem
from checkin_app.store.tickets import apply_batch

Progress = Callable[[str, int, int | None], None]  # (what, done, total or None)

Page = TypeVar("Page")
Cursor = TypeVar("Cursor")
S = TypeVar("S")


@dataclass(frozen=True)
class NoSettings:
    """An adapter whose connection has no settings of its own beyond its fields and `retry`."""


def read_settings(kind: type[S], raw: dict) -> S:
    """A connection's settings as the adapter's typed settings (`ProviderSpec.settings`).

    Only the dataclass's own keys are read (a connection also keeps its fields and secrets'
    references); a value of the wrong type is refused with the key's name rather than surfacing
    later as a TypeError in the middle of a sync. An int is taken where a float is wanted, a list
    where a tuple is.

    Raises:
        ConfigError: a setting of the wrong type.
    """
    hints = typing.get_type_hints(kind)
    given: dict[str, Any] = {}
    for f in dataclasses.fields(kind):  # type: ignore[arg-type]
        if f.name not in raw or raw[f.name] is None:
            continue
        value, want = raw[f.name], hints[f.name]
        accepted = typing.get_origin(want) or want
        if accepted in (typing.Union, types.UnionType):
            accepted = tuple(typing.get_origin(a) or a for a in typing.get_args(want) if a is not type(None))
        ok = isinstance(value, accepted) and not (isinstance(value, bool) and bool not in _as_tuple(accepted))
        if not ok and float in _as_tuple(accepted) and isinstance(value, int) and not isinstance(value, bool):
            value, ok = float(value), True
        if not ok and tuple in _as_tuple(accepted) and isinstance(value, list):
            value, ok = tuple(value), True
        if ok and isinstance(value, tuple) and str in typing.get_args(want):
            ok = all(isinstance(v, str) for v in value)
        if not ok:
            raise ConfigError(f"connection setting {f.name!r} should be {_describe(accepted)}, not {value!r}")
        given[f.name] = value
    return kind(**given)


def _as_tuple(accepted) -> tuple:
    return accepted if isinstance(accepted, tuple) else (accepted,)


def _describe(accepted) -> str:
    return " or ".join(getattr(a, "__name__", str(a)) for a in _as_tuple(accepted))


@dataclass
class PullReport:
    events: int = 0
    tickets: int = 0
    checkins: int = 0
    pages: int = 0
    conflicts: int = 0
    checkins_cleared: int = 0  # upstream check-ins no longer listed upstream (deleted there)
    set_aside: int = 0  # records that could not be mapped, kept with the reason (the rest applied)


@dataclass(frozen=True)
class Walk(Generic[Page, Cursor]):
    """One list to read page by page.

    Attributes:
        what: the progress label ("1Ticket purchases").
        fetch: asks the provider for the page at a cursor (outside any transaction: it is the slow part).
        apply: writes one page inside the page's transaction, `apply(conn, page, report)`, and
            returns the next cursor, or None when the list is done. Saving the cursor belongs here,
            so a page and its cursor commit together.
        first: the cursor of the first page.
        progress: report progress after each page (the Ticket Tailor walks that are not a
            download of the list report nothing, as before).
    """

    what: str
    fetch: Callable[[Cursor], Page]
    apply: Callable[[Any, Page, PullReport], Cursor | None]
    first: Cursor | None = None
    progress: bool = True


class PullAdapter:
    """The base of every provider's sync adapter.

    Args:
        store: this thread's store.
        connection: the connection row.
        client: an authenticated client for the provider.
        progress: called as pages arrive, for progress bars.
        cancel: set to stop between pages (each kept page's cursor is saved, so nothing is lost).

    Subclasses set `takes_nothing_back` (the sentence an act that cannot be pushed fails with) or
    override `push`, set `Settings` (their typed connection settings, read once here), and
    implement `pull`.

    Raises:
        ConfigError: a connection setting of the wrong type.
    """

    takes_nothing_back = "this provider takes nothing back; acts stay at the doors"
    Settings: type = NoSettings

    def __init__(self, store: Store, connection: Connection, client: Any, progress: Progress | None = None,
                 cancel: threading.Event | None = None):
        self.store, self.connection, self.client = store, connection, client
        self.progress: Progress = progress or (lambda *_: None)
        self.cancel = cancel or threading.Event()
        self.settings = read_settings(self.Settings, connection.settings)

    def push(self, item: OutboxItem) -> str | None:
        raise CheckinError(self.takes_nothing_back)

    def pull(self, event_remote_ids: list[str] | None = None) -> PullReport:
        raise NotImplementedError

    # -- the page loop ------------------------------------------------------------------------

    def walk(self, walk: Walk, report: PullReport) -> bool:
        """Read one list to its end, a transaction per page. Returns False when cancelled first."""
        cursor = walk.first
        while not self.cancel.is_set():
            page = walk.fetch(cursor)
            report.pages += 1
            with self.store.transaction() as conn:
                cursor = walk.apply(conn, page, report)
            if walk.progress:
                self.progress(walk.what, report.tickets, None)
            if cursor is None:
                return True
        return False

    # -- applying what a page mapped to ------------------------------------------------------

    def apply_in(self, conn, batch: Batch, report: PullReport, *, count_tickets: bool = True) -> None:
        """Write a mapped page inside the caller's transaction and count it.

        `count_tickets` is False for a page that only refreshes tickets already counted (Ticket
        Tailor's orders carry names and order states, not tickets of their own).
        """
        result = apply_batch(conn, batch, self.connection.id)
        if count_tickets:
            report.tickets += len(batch.tickets)
        report.checkins += result.checkins
        report.conflicts += len(result.conflicts)
        report.set_aside += result.set_aside

    def apply(self, batch: Batch, report: PullReport, *, count_tickets: bool = True) -> None:
        """`apply_in` in a transaction of its own."""
        with self.store.transaction() as conn:
            self.apply_in(conn, batch, report, count_tickets=count_tickets)

    def set_aside(self, report: PullReport, record: SetAside) -> None:
        """Keep a record that could not be mapped, with its reason; the rest of the sync goes on."""
        self.apply(Batch(set_aside=[record]), report, count_tickets=False)
