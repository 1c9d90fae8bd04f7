"""Ticket Tailor says `checked_in: "true"` (tests/fixtures/provider-docs/tickettailor-api-v1.txt:428)
on a ticket with no readable time: the door refuses a second entry. Before, no time meant no
check-in, and the ticket admitted."""
import json
import subprocess
import sys

from checkin_app.providers import tickettailor


def issued(**kw):
    return {"object": "issued_ticket", "id": "it_1", "barcode": "aB3dE", "event_id": "ev_1", "status": "valid",
            "checked_in": "true", **kw}


def test_the_checked_in_flag_keeps_its_time_when_there_is_one():
    assert tickettailor.map_issued_ticket(issued(updated_at=1764529200)).checked_in_at.startswith("2025-11-30T19:00")


def test_a_checked_in_flag_without_any_time_still_refuses_entry(tmp_path):
    page = tmp_path / "issued.json"
    page.write_text(json.dumps({"data": [issued()], "links": {"next": None, "previous": None}}))

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "checkin_app", "--data-dir", str(tmp_path / "d"), *args],
                              capture_output=True, text=True, timeout=120)

    imported = cli("import", str(page))
    assert imported.returncode == 0, imported.stderr
    scan = cli("scan", "aB3dE", "--json")
    assert json.loads(scan.stdout)["verdict"] == "already_checked_in", scan.stdout + scan.stderr
