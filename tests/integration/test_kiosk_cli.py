"""`checkin-app kiosk`: refused before any window when it could never be left, or its list is unknown
(the kiosk itself, with real keys, is tests/realx/test_kiosk.py)."""
from tests.factories import seeded_store
from tests.helpers.cli import run_cli


def test_kiosk_without_a_supervisor_pin_is_refused_with_the_way_forward(tmp_path):
    seeded_store(tmp_path / "door").close()
    result = run_cli(tmp_path / "door", "kiosk", check=2)
    assert "choose a supervisor PIN first" in result.stderr and "Traceback" not in result.stderr


def test_kiosk_on_a_list_this_door_does_not_have_is_refused(tmp_path):
    seeded_store(tmp_path / "door").close()
    result = run_cli(tmp_path / "door", "kiosk", "--list", "Balcony", check=2)
    assert "no check-in list 'Balcony'" in result.stderr
