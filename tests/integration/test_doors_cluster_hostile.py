"""Item 2 of issue 14 end to end: real `doors serve` processes on loopback, one of them holding a
malformed row (an orphan `undo` whose payload is not an object, as an older door stored it). The
others keep it aside with its reason, link the orphans of its ticket when it arrives, and go on
replicating: the next check-in at the first door is refused as a second use everywhere."""
import json

from checkin_app.domain.models import Batch
from checkin_app.store.tickets import apply_batch
from tests.factories import NIGHT_ONE, ticket
from tests.helpers.doors import DoorCluster, poll
from tests.integration.test_doors_cluster import CODES, cli, scan
from checkin_app.domain.rules import VerdictKind

OLD_ROWS = [  # (seq, op, verdict, code, payload): rows from a door whose data dir predates the checks
    (1, "undo", None, "LATE1", '["undoes_nonce"]'),
    (2, "scan", "admitted", CODES[1], "{}"),
    (3, "scan", "admitted", "LATE1", "{}"),
]


def test_a_malformed_orphan_row_does_not_stop_replication_at_any_door(tmp_path):
    venue = DoorCluster(tmp_path, n=3, codes=CODES)
    with venue.store(0).transaction() as conn:
        for seq, op, verdict, code, payload in OLD_ROWS:
            conn.execute("INSERT INTO journal (device_id, seq, op, verdict, provider, event_remote_id, ticket_remote_id,"
                         " code, door, payload, at, nonce) VALUES ('dev-old', ?, ?, ?, 'tickettailor', 'ev_1', ?, ?,"
                         " 'Door Old', ?, ?, ?)",
                         (seq, op, verdict, f"it_{code}", code, payload, f"2026-11-24T20:00:0{seq}.000+00:00",
                          f"old-{seq}"))
    try:
        venue.start_all()
        for i in (1, 2):
            poll(lambda i=i: venue.ticket(i, CODES[1])["checked_in_door"] == "Door Old")
        for i in (1, 2):  # the ticket of the orphans arrives: linking them must not hurt
            with venue.store(i).transaction() as conn:
                apply_batch(conn, Batch(events=[NIGHT_ONE], tickets=[ticket("LATE1")]))
        for i in (1, 2):
            poll(lambda i=i: venue.ticket(i, "LATE1")["checked_in_door"] == "Door Old", timeout=30)
        assert scan(venue, 0, CODES[2]).kind is VerdictKind.ADMITTED
        for i in (1, 2):
            poll(lambda i=i: venue.ticket(i, CODES[2])["checked_in_door"] == "Door A")
            assert scan(venue, i, CODES[2]).kind is VerdictKind.ALREADY_CHECKED_IN
        status = json.loads(cli(venue.dirs[1], "doors", "status", "--json", env=venue.env).stdout)
        assert [(q["device_id"], q["seq"], q["reason"]) for q in status["quarantined"]] == \
            [("dev-old", 1, "payload ['undoes_nonce'] is not an object")]
        assert all(d["restarts"] == 0 for d in status["doors"])
    finally:
        venue.stop()
    for i in (1, 2):
        assert "Traceback" not in (venue.dirs[i] / "stderr.txt").read_text()
