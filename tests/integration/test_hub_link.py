"""A door's hub link against a real nats-server (started by the app's HubServer): what a key
holder or a stranger can put on the hub changes nothing, and peers stay on standby while the hub
carries the rows."""
import asyncio
import shutil

import nats
import pytest

from checkin_app.services import doors as doors_service
from checkin_app.services.checkin import CheckinService
from checkin_app.services.hub import hub_server
from checkin_app.store import Store, replica
from checkin_app.sync import door_auth, hub_wire, peer_sync
from checkin_app.sync.hub_link import HubLink, ensure_stream, open_consumer
from checkin_app.sync.peer_server import DoorApp
from checkin_app.sync.peer_sync import DoorReplicator
from checkin_app.webhooks.server import BackgroundServer
from tests.factories import seeded_store
from tests.helpers.poll import poll

KEY_ENV = "CHECKIN_TEST_HUB_KEY"


@pytest.fixture
def venue(tmp_path, monkeypatch):
    key = door_auth.new_key()
    monkeypatch.setenv(KEY_ENV, door_auth.key_text(key))
    for name in ("hub", "a", "b"):
        with seeded_store(tmp_path / name) as store:
            doors_service.join_venue(store, None, name, KEY_ENV)
    server = hub_server(tmp_path / "hub", host="127.0.0.1", port=0).start()
    yield key, server
    server.stop()


def publish(url, seed, subject, body, headers, stream):
    async def go():
        nc = await nats.connect(url, nkeys_seed_str=seed, allow_reconnect=False, max_reconnect_attempts=0)
        try:
            js = nc.jetstream()
            await ensure_stream(js, hub_wire.HubNames(stream))
            await js.publish(subject, body, headers=headers)
        finally:
            await nc.close()
    asyncio.run(go())


def test_rows_not_sealed_for_their_place_are_refused_and_the_rest_apply(venue, tmp_path):
    key, server = venue
    with Store(tmp_path / "a") as store_a:
        CheckinService(store_a, door="Door A").scan("al4R5")
        CheckinService(store_a, door="Door A").scan("R59xesv")
        first, second = replica.rows_after(store_a.conn, {})
    names = hub_wire.HubNames(door_auth.venue_id(key))
    seed = hub_wire.nkey_seed(key)
    body, headers = hub_wire.seal_row(key, first)
    # A key holder moving a sealed row to another row id (a replay under another name).
    publish(server.url, seed, names.subject(first["device_id"]), body,
            {**headers, hub_wire.H_MSG_ID: f"{first['device_id']}:7", hub_wire.H_SEQ: "7"}, names.venue_id)
    # A row sealed with another venue's key, and bytes that are no seal at all.
    other, _ = hub_wire.seal_row(door_auth.new_key(), first)
    publish(server.url, seed, names.subject(first["device_id"]), other,
            {**headers, hub_wire.H_MSG_ID: f"{first['device_id']}:99"}, names.venue_id)
    publish(server.url, seed, names.subject("x"), b"\x02" + b"junk" * 20, {hub_wire.H_MSG_ID: "x:1"}, names.venue_id)
    # (each with its own Nats-Msg-Id: the hub drops a second message with an id it has)
    # The real rows, as door A's link would publish them.
    for row in (first, second):
        body, headers = hub_wire.seal_row(key, row)
        publish(server.url, seed, names.subject(row["device_id"]), body, headers, names.venue_id)
    link = HubLink(tmp_path / "b", key, server.url).start()
    try:
        store_b = Store(tmp_path / "b")
        poll(lambda: store_b.conn.execute("SELECT COUNT(*) FROM journal").fetchone()[0] == 2)
        poll(lambda: link.rejected == 3)
        assert store_b.conn.execute("SELECT checked_in_door FROM tickets WHERE code = 'R59xesv'").fetchone()[0] == "Door A"
    finally:
        link.stop()
    hub = doors_service.status(store_b).hub
    assert hub["rejected"] == 3
    store_b.close()


def test_a_stranger_without_the_venue_key_cannot_use_the_hub(venue):
    _, server = venue

    async def go():
        await nats.connect(server.url, nkeys_seed_str=hub_wire.nkey_seed(door_auth.new_key()), allow_reconnect=False,
                           max_reconnect_attempts=0, connect_timeout=2)
    with pytest.raises(nats.errors.Error, match="Authorization Violation"):
        asyncio.run(go())

    async def anonymous():
        await nats.connect(server.url, allow_reconnect=False, max_reconnect_attempts=0, connect_timeout=2)
    with pytest.raises(nats.errors.Error, match="Authorization Violation"):
        asyncio.run(anonymous())


class Counting:
    """An ASGI wrapper that counts the door server's requests by path."""

    def __init__(self, app):
        self.app = app
        self.paths: list[str] = []

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            self.paths.append(scope["path"])
        await self.app(scope, receive, send)

    def count(self, end: str) -> int:
        return sum(1 for p in list(self.paths) if p.endswith(end))


def test_peers_on_standby_are_asked_their_heads_and_pulled_only_for_what_they_hold_more(venue, tmp_path, monkeypatch):
    key, _ = venue
    monkeypatch.setattr(peer_sync, "STANDBY_CHECK_S", 0.1)
    store_a = Store(tmp_path / "a")
    CheckinService(store_a, door="Door A").scan("al4R5")
    app = DoorApp(tmp_path / "a", key, "Door A")
    counted = Counting(app.app)
    server = BackgroundServer(counted)
    server.start()
    replicator = DoorReplicator(tmp_path / "b", key, long_poll_s=0.2)
    replicator.set_standby(True)  # as a door runner does while its hub link is up
    store_b = Store(tmp_path / "b")
    try:
        replicator.add_peer(f"http://127.0.0.1:{server.port}")
        held = lambda code: store_b.conn.execute(  # noqa: E731
            "SELECT checked_in_door FROM tickets WHERE code = ?", (code,)).fetchone()[0]
        poll(lambda: held("al4R5") == "Door A")  # the peer held a row b lacked: pulled on standby
        pulls, hellos = counted.count("/journal"), counted.count("/hello")
        poll(lambda: counted.count("/hello") >= hellos + 5)
        assert counted.count("/journal") == pulls  # nothing new: heads only, no pull, no long-poll
        assert doors_service.status(store_b).doors[0]["connected"]  # still shown reachable
        CheckinService(store_a, door="Door A").scan("R59xesv")
        poll(lambda: held("R59xesv") == "Door A")  # a door off the hub still gets its rows through
        replicator.set_standby(False)  # the hub went down: long-polls again
        pulls = counted.count("/journal")
        poll(lambda: counted.count("/journal") >= pulls + 3)
    finally:
        replicator.stop()
        server.stop()
        app.close()
        store_a.close()
        store_b.close()


def test_rows_the_hub_sent_to_a_link_that_died_before_applying_them_come_again(venue, tmp_path):
    """The hub delivered two rows to door b's consumer and b's link died before applying them (a
    crash, a cable): acknowledging b's next row (AckPolicy.ALL) would acknowledge them unread. The
    link makes b's consumer again from b's own read mark, so they come again."""
    key, server = venue
    rows = []
    for name, code in (("x", "al4R5"), ("y", "R59xesv")):
        with seeded_store(tmp_path / name) as store:
            CheckinService(store, door=f"Door {name}").scan(code)
            rows += replica.rows_after(store.conn, {})
    names = hub_wire.HubNames(door_auth.venue_id(key))
    with Store(tmp_path / "b") as store_b:
        device_b = store_b.device_id

    async def delivered_but_never_applied():
        nc = await nats.connect(server.url, nkeys_seed_str=hub_wire.nkey_seed(key), allow_reconnect=False,
                                max_reconnect_attempts=0)
        try:
            js = nc.jetstream()
            await ensure_stream(js, names)
            body, headers = hub_wire.seal_row(key, rows[0])
            await js.publish(names.subject(rows[0]["device_id"]), body, headers=headers)
            sub = await open_consumer(js, names, device_b, 0)
            assert len(await sub.fetch(10, timeout=5)) == 1  # delivered to b's consumer, never acknowledged
            body, headers = hub_wire.seal_row(key, rows[1])
            await js.publish(names.subject(rows[1]["device_id"]), body, headers=headers)
        finally:
            await nc.close()
    asyncio.run(delivered_but_never_applied())
    link = HubLink(tmp_path / "b", key, server.url).start()
    store_b = Store(tmp_path / "b")
    try:
        poll(lambda: store_b.conn.execute("SELECT COUNT(*) FROM journal").fetchone()[0] == 2, timeout=10)
    finally:
        link.stop()
        store_b.close()


def test_a_hub_whose_store_was_lost_is_refilled_by_the_doors(venue, tmp_path):
    """The hub box's disk was wiped (or a new box replaced it): the doors' journals are the source
    of truth, so door a publishes its rows again and a door that never had them gets them."""
    key, server = venue
    store_a = Store(tmp_path / "a")
    CheckinService(store_a, door="Door A").scan("al4R5")
    link_a = HubLink(tmp_path / "a", key, server.url).start()
    store_b = Store(tmp_path / "b")
    try:
        poll(lambda: link_a.published == 1)
        server.stop()
        shutil.rmtree(server.store_dir)
        server.start()  # same port, empty store
        CheckinService(store_a, door="Door A").scan("R59xesv")
        link_b = HubLink(tmp_path / "b", key, server.url).start()
        try:
            poll(lambda: store_b.conn.execute("SELECT COUNT(*) FROM journal").fetchone()[0] == 2, timeout=20)
        finally:
            link_b.stop()
    finally:
        link_a.stop()
        store_a.close()
        store_b.close()
