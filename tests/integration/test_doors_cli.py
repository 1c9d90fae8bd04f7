"""Pairing doors from the command line: create, show (QR + text), join; the key never lands on disk."""
import json

from checkin_app.cli.doors import _key_from_image
from checkin_app.sync import door_auth
from tests.integration.test_doors_cluster import cli


def files_text(data_dir) -> bytes:
    return b"".join(p.read_bytes() for p in data_dir.rglob("*") if p.is_file())


def test_create_pair_and_join_a_venue(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    assert json.loads(cli(first, "doors", "status", "--json").stdout)["paired"] is False
    made = cli(first, "doors", "create-venue", "--name", "North door", "--key-env", "VENUE_KEY", "--json")
    assert made.returncode == 0, made.stderr
    doc = json.loads(made.stdout)
    key_text = doc["key_text"]
    assert door_auth.venue_id(door_auth.parse_key(key_text)) == doc["venue_id"] and doc["door"] == "North door"

    env = {"VENUE_KEY": key_text}
    png, svg = tmp_path / "key.png", tmp_path / "key.svg"
    shown = cli(first, "doors", "pair", "--qr", str(png), env=env)
    assert shown.returncode == 0 and key_text in shown.stdout
    assert png.read_bytes().startswith(b"\x89PNG")
    assert cli(first, "doors", "pair", "--qr", str(svg), env=env).returncode == 0 and b"<svg" in svg.read_bytes()
    terminal = cli(first, "doors", "pair", env=env)
    assert "█" in terminal.stdout or "▀" in terminal.stdout  # the QR code drawn in the terminal

    typo = key_text[:10] + ("A" if key_text[10] != "A" else "B") + key_text[11:]
    bad = cli(second, "doors", "join", typo, "--name", "South door")
    assert bad.returncode == 2 and "typo" in bad.stderr and "Traceback" not in bad.stderr
    no_keyring = cli(second, "doors", "join", key_text)
    assert no_keyring.returncode == 2 and "environment variable" in no_keyring.stderr
    joined = cli(second, "doors", "join", "--key-env", "VENUE_KEY", "--name", "South door", "--json", env=env)
    assert json.loads(joined.stdout) == {"venue_id": doc["venue_id"], "door": "South door"}
    # Scanning the QR code gives the same key (here from the PNG `doors pair` wrote).
    assert door_auth.parse_key(_key_from_image(str(png))) == door_auth.parse_key(key_text)
    third = tmp_path / "third"
    scanned = cli(third, "doors", "join", "--from-image", str(png), "--key-env", "VENUE_KEY", "--json", env=env)
    assert json.loads(scanned.stdout)["venue_id"] == doc["venue_id"], scanned.stderr
    blank = tmp_path / "blank.png"
    blank.write_bytes(png.read_bytes()[:60])
    assert "cannot read an image" in cli(third, "doors", "join", "--from-image", str(blank)).stderr

    status = json.loads(cli(second, "doors", "status", "--json", env=env).stdout)
    assert status["paired"] and status["venue_id"] == doc["venue_id"] and status["door"] == "South door"
    for data_dir in (first, second):  # the key is in the environment, never in the data dir or its logs
        assert key_text.encode() not in files_text(data_dir)
        assert door_auth.parse_key(key_text).hex().encode() not in files_text(data_dir)


def test_serving_without_the_key_is_a_clear_error(tmp_path):
    door = tmp_path / "door"
    unpaired = cli(door, "doors", "serve", "--port", "0")
    assert unpaired.returncode == 2 and "not paired" in unpaired.stderr
    key_text = door_auth.key_text(door_auth.new_key())
    cli(door, "doors", "join", "--key-env", "VENUE_KEY", env={"VENUE_KEY": key_text})
    missing = cli(door, "doors", "serve", "--port", "0", env={"VENUE_KEY": ""})
    assert missing.returncode == 2 and "VENUE_KEY" in missing.stderr
