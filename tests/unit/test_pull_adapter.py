"""The one page loop every pull adapter shares (sync/adapter.py): a transaction per page with its
cursor, cancel between pages, pages counted, progress after each page. Real SQLite."""
from __future__ import annotations

import threading

import pytest

from checkin_app.domain.models import Batch, Event
from checkin_app.store import Store, sync_state
from checkin_app.store import connections as conns
from checkin_app.sync.adapter import PullAdapter, PullReport, Walk


class _Numbers(PullAdapter):
    """Three pages of one event each; the cursor is the page number, saved with the page."""

    def __init__(self, *args, fail_on: int | None = None, cancel_after: int | None = None, **kw):
        super().__init__(*args, **kw)
        self.fail_on, self.cancel_after, self.asked = fail_on, cancel_after, []

    def fetch(self, number: int) -> int:
        self.asked.append(number)
        return number

    def apply_page(self, conn, number: int, report: PullReport) -> int | None:
        self.apply_in(conn, Batch(events=[Event("planted", f"ev{number}", f"Night {number}")]), report)
        state = sync_state.load(conn, self.connection.id, "pages")
        state.cursor = str(number)
        sync_state.save(conn, state)
        if number == self.fail_on:
            raise RuntimeError("the page broke half way")
        if number == self.cancel_after:
            self.cancel.set()
        return number + 1 if number < 3 else None

    def pull(self, event_remote_ids=None) -> PullReport:
        report = PullReport()
        saved = sync_state.load(self.store.conn, self.connection.id, "pages").cursor
        self.walk(Walk("numbers", self.fetch, self.apply_page, first=int(saved) + 1 if saved else 1), report)
        return report


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path) as s:
        yield s


def _adapter(store, **kw) -> _Numbers:
    with store.transaction() as conn:
        connection = conns.by_name(conn, "n") if conns.all_connections(conn) else conns.add(conn, "n", "planted", None, {})
    seen = []
    made = _Numbers(store, connection, None, lambda what, done, total: seen.append((what, done)),
                    threading.Event(), **kw)
    made.seen = seen
    return made


def _events(store) -> list[str]:
    return [r[0] for r in store.conn.execute("SELECT remote_id FROM events ORDER BY remote_id")]


def test_every_page_is_read_counted_and_reported(store):
    adapter = _adapter(store)
    report = adapter.pull()
    assert adapter.asked == [1, 2, 3] and report.pages == 3
    assert _events(store) == ["ev1", "ev2", "ev3"]
    assert [what for what, _ in adapter.seen] == ["numbers"] * 3


def test_cancel_stops_between_pages_and_the_next_pull_resumes(store):
    adapter = _adapter(store, cancel_after=1)
    assert adapter.pull().pages == 1
    assert adapter.asked == [1] and _events(store) == ["ev1"]
    again = _adapter(store)
    again.pull()
    assert again.asked == [2, 3]  # resumed after the last page kept, no gap, nothing read twice


def test_a_page_that_fails_leaves_nothing_of_itself(store):
    adapter = _adapter(store, fail_on=2)
    with pytest.raises(RuntimeError):
        adapter.pull()
    assert _events(store) == ["ev1"]  # page 2's event and cursor rolled back together
    assert sync_state.load(store.conn, adapter.connection.id, "pages").cursor == "1"


def test_an_adapter_that_takes_nothing_back_says_so(store):
    from checkin_app.errors import CheckinError

    with pytest.raises(CheckinError, match="takes nothing back"):
        _adapter(store).push(None)
