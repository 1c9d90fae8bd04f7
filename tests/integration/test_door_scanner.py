"""The door's symbology set comes from what it has cached (real SQLite store)."""
from checkin_app.scanning import formats as fmt
from checkin_app.scanning.synth import ticket_frame
from checkin_app.services.scanner import door_pipeline, door_symbologies
from checkin_app.store import Store
from checkin_app.store import connections as conns
from tests.factories import seeded_store


def test_empty_door_decodes_every_ticket_symbology(tmp_path):
    with Store(tmp_path / "door") as store:
        assert door_symbologies(store) == fmt.ALL


def test_tickettailor_door_decodes_qr_and_code128_only(tmp_path):
    store = seeded_store(tmp_path / "door")
    try:
        assert door_symbologies(store) == {fmt.QR, fmt.CODE128}
        pipeline = door_pipeline(store, repeat_window_s=1.0)
        assert pipeline.symbologies == {fmt.QR, fmt.CODE128} and pipeline.confirmer.repeat_window_s == 1.0
        assert [s.code for s in pipeline.process(ticket_frame("al4R5", fmt.CODE128), 0.0).scans] == ["al4R5"]
        conns.add(store.conn, "resale", "ticketevolution", None, {})
        assert fmt.PDF417 in door_symbologies(store) and fmt.EAN_UPC not in door_symbologies(store)
    finally:
        store.close()
