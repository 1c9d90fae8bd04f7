"""The venue hub's names, credentials and sealed rows (sync/hub_wire.py), its server config, the
hub address a user types, and how `doors status` words the hub link."""
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from checkin_app.errors import ConfigError
from checkin_app.services import hub_status
from checkin_app.services.hub import hub_url
from checkin_app.store import Store, hub_state
from checkin_app.sync import door_auth, hub_server, hub_wire

KEY = door_auth.new_key()
ROW = {"device_id": "dev-1", "seq": 3, "op": "scan", "verdict": "admitted", "provider": "tickettailor",
       "event_remote_id": "ev1", "ticket_remote_id": "t1", "code": "al4R5", "door": "North", "payload": {},
       "at": "2026-11-30T19:00:00.000+00:00", "nonce": "ab" * 16}


def test_credentials_come_from_the_venue_key_and_the_config_holds_only_the_public_half(tmp_path):
    seed, public = hub_wire.nkey_seed(KEY), hub_wire.nkey_public(KEY)
    assert seed.startswith("SU") and public.startswith("U") and seed == hub_wire.nkey_seed(KEY)
    assert hub_wire.nkey_seed(door_auth.new_key()) != seed  # another venue, another identity
    conf = hub_server.config_text(KEY, "0.0.0.0", 4222, tmp_path / "js")
    assert public in conf and seed not in conf and door_auth.key_text(KEY) not in conf
    assert "max_payload: 65536" in conf and str(tmp_path / "js") in conf and "http" not in conf


def test_the_config_file_is_created_private(tmp_path):
    path = tmp_path / "nats.conf"
    hub_server._write_private(path, "listen: x")
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_a_sealed_row_opens_only_with_the_key_for_the_place_it_names():
    names = hub_wire.HubNames(door_auth.venue_id(KEY))
    body, headers = hub_wire.seal_row(KEY, ROW)
    assert b"al4R5" not in body and b"North" not in body  # the hub sees no code, no door
    assert hub_wire.open_row(KEY, names.subject("dev-1"), body, headers) == ROW
    with pytest.raises(hub_wire.HubMessageError, match="not sealed with the venue key"):
        hub_wire.open_row(door_auth.new_key(), names.subject("dev-1"), body, headers)
    with pytest.raises(hub_wire.HubMessageError, match="not sealed with the venue key"):  # replayed as row 4
        hub_wire.open_row(KEY, names.subject("dev-1"), body, {**headers, hub_wire.H_MSG_ID: "dev-1:4"})
    with pytest.raises(hub_wire.HubMessageError, match="another door's subject"):
        hub_wire.open_row(KEY, names.subject("dev-2"), body, headers)
    with pytest.raises(hub_wire.HubMessageError, match="without a row id"):
        hub_wire.open_row(KEY, names.subject("dev-1"), body, {})
    with pytest.raises(hub_wire.HubMessageError, match="bytes"):
        hub_wire.open_row(KEY, names.subject("dev-1"), b"x" * (hub_wire.MAX_MESSAGE_BYTES + 1), headers)


def test_device_ids_nats_cannot_carry_in_a_subject_token_are_hashed():
    names = hub_wire.HubNames("0123456789abcdef")
    assert names.subject("dev_1-A") == "checkin.0123456789abcdef.rows.dev_1-A"
    odd = names.subject("laptop.local:2")
    assert odd.count(".") == 3 and ":" not in odd and odd != names.subject("laptop.local:3")
    assert names.consumer("laptop.local:2").startswith("door_") and "." not in names.consumer("laptop.local:2")


@pytest.mark.parametrize("typed, url", [("192.168.1.5", "nats://192.168.1.5:4222"), ("hub.local:4300", "nats://hub.local:4300"),
                                        (" nats://10.0.0.2:4222 ", "nats://10.0.0.2:4222"), ("[::1]:5000", "nats://[::1]:5000")])
def test_a_typed_hub_address(typed, url):
    assert hub_url(typed) == url


@pytest.mark.parametrize("typed", ["", "http://hub:4222", "nats://user:pw@hub:4222", "hub:99999", "nats://hub:4222/x"])
def test_a_typo_in_the_hub_address_is_refused_in_one_line(typed):
    with pytest.raises(ConfigError, match="not a hub address"):
        hub_url(typed)


def test_doors_status_words_the_hub_link(tmp_path: Path):
    now = datetime(2026, 11, 30, 19, 0, tzinfo=timezone.utc)
    with Store(tmp_path) as store:
        assert hub_status.status(store, now) is None  # never used a hub: nothing shown
        up = {"url": "nats://hub:4222", "connected": True, "since": (now - timedelta(minutes=5)).isoformat(),
              "down_since": None, "last_contact_at": now.isoformat(), "behind": 3, "unpublished": 0,
              "last_error": None, "written_at": (now - timedelta(seconds=1)).isoformat()}
        with store.transaction() as conn:
            hub_state.save(conn, up)
        hub = hub_status.status(store, now)
        assert hub["state"] == "connected" and "connected since" in hub_status.describe(hub)
        assert "behind 3 rows, all rows sent" in hub_status.describe(hub)
        down = {**up, "connected": False, "down_since": now.isoformat(), "last_error": "connection refused"}
        with store.transaction() as conn:
            hub_state.save(conn, down)
        line = hub_status.describe(hub_status.status(store, now))
        assert "DOWN since" in line and "connection refused" in line and "directly" in line
        # The door that wrote it is gone: its last word is not shown as live.
        assert hub_status.status(store, now + timedelta(minutes=1))["state"] == "not running"


def test_the_read_mark_belongs_to_one_stream(tmp_path):
    with Store(tmp_path) as store:
        with store.transaction() as conn:
            hub_state.save_mark(conn, "2026-11-30 08:00", 41)
        assert hub_state.load_mark(store.conn, "2026-11-30 08:00") == 41
        assert hub_state.load_mark(store.conn, "2026-11-30 09:00") == 0  # a wiped hub's new stream: from its start


def test_the_packaged_apps_own_nats_server_is_found_first(tmp_path, monkeypatch):
    """The bundle keeps nats-server in its contents folder (sys._MEIPASS), not next to its
    executable (packaging/checkin_app.spec); the app must find that one."""
    import os
    import sys

    name = "nats-server.exe" if os.name == "nt" else "nats-server"
    (tmp_path / name).write_bytes(b"")
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert hub_server.server_binary() == str(tmp_path / name)
