"""Qt-free services the GUI relies on: typed-key connections, manual sync with progress and cancel,
live stats, and the demo box office, against the Ticket Tailor simulator over loopback."""
import threading
from datetime import datetime, timedelta, timezone

import pytest

from checkin_app.demo import Demo
from checkin_app.errors import ConfigError
from checkin_app.sandbox.tickettailor import TicketTailorSandbox
from checkin_app.services import stats, syncing
from checkin_app.services.checkin import CheckinService
from checkin_app.services.connections import Credentials, check, connect_at, overview
from checkin_app.store import Store
from tests.factories import seeded_store

KEY = "sk_sandbox_services_1"


@pytest.fixture
def sandbox():
    with TicketTailorSandbox(KEY, seed=9) as sb:
        sb.seed_event("Night", 450)
        yield sb


def test_typed_key_is_checked_against_the_provider(sandbox):
    assert check("tickettailor", sandbox.base_url, Credentials(), api_key=KEY)
    with pytest.raises(ConfigError, match="needs an API key"):
        check("tickettailor", sandbox.base_url, Credentials())


def test_typed_key_goes_to_the_keyring_or_is_refused(sandbox, tmp_path):
    with pytest.raises(ConfigError, match="keyring"):  # tests run with a keyring that refuses everything
        connect_at(tmp_path / "d", "tickettailor", "box", sandbox.base_url, Credentials(), api_key=KEY)
    with Store(tmp_path / "d") as store:
        assert overview(store) == []


def test_sync_now_reports_progress_and_stops_when_cancelled(sandbox, tmp_path, monkeypatch):
    monkeypatch.setenv("TT_SVC", KEY)
    connect_at(tmp_path / "d", "tickettailor", "box", sandbox.base_url, Credentials(api_key_env="TT_SVC"))
    cancel, seen = threading.Event(), []

    def progress(what, n):
        seen.append((what, n))
        cancel.set()

    report = syncing.sync_now(tmp_path / "d", cancel=cancel, progress=progress)[0]
    assert seen[0][0].startswith("box: ") and report.cancelled and not report.complete
    report = syncing.sync_now(tmp_path / "d")[0]
    assert report.complete
    with Store(tmp_path / "d") as store:
        assert store.conn.execute("SELECT COUNT(*) FROM tickets").fetchone()[0] == 450
        assert overview(store)[0]["last_error"] is None and overview(store)[0]["last_success_at"]


def test_sync_now_without_connections_says_so(tmp_path):
    with pytest.raises(ConfigError, match="no connections"):
        syncing.sync_now(tmp_path / "empty")


def test_live_stats_bucket_arrivals_per_door(tmp_path):
    store = seeded_store(tmp_path / "d")
    CheckinService(store, door="North").scan("al4R5")
    CheckinService(store, door="South").scan("R59xesv")
    later = datetime.now(timezone.utc) + timedelta(minutes=20)
    live = stats.live(store, 15, now=later)
    assert live["bucket_minutes"] == 15 and len(live["arrivals"]) == 25
    assert sum(b["total"] for b in live["arrivals"]) == 2 and live["rate_per_minute"] == 0.0
    assert {d["door"] for d in live["per_door"]} == {"North", "South"}
    assert live["no_shows"] == live["counters"]["expected"] - 2
    store.close()


def test_demo_box_office_syncs_and_offers_codes_of_every_kind():
    demo = Demo()
    try:
        data = demo.start()
        report = demo.sync()
        assert report.complete and report.pull.tickets > 3000
        codes = demo.door_codes(8)
        with Store(data) as store:
            verdicts = [CheckinService(store).scan(c).kind.value for c in codes]
        assert verdicts[:3] == ["admitted"] * 3
        assert verdicts[3] == "already_checked_in" and verdicts[6] == "void"
        assert demo.door_codes(8, skip=8)[0] not in codes
    finally:
        demo.stop()
    assert not data.exists()
