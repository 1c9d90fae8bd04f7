"""`doors` commands facing hostile inputs: a decompression-bomb picture of the key, and what
`doors status` / `doors conflicts` show after other doors served rows that could not be applied."""
import json
import struct
import zlib

from checkin_app.domain.clock import utc_now
from checkin_app.providers.registry import pushes
from checkin_app.services.checkin import CheckinService
from checkin_app.store import Store, replica
from checkin_app.store import peers
from checkin_app.sync import door_auth
from tests.factories import seeded_store
from tests.integration.test_doors_cluster import cli


def bomb_png(path, side: int = 20_000) -> None:
    """A 1-bit PNG of side x side pixels, all black: ~50 KB on disk, hundreds of MB decoded."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + b"\x00" * (side // 8)
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0))
                     + chunk(b"IDAT", data) + chunk(b"IEND", b""))


def test_a_picture_too_large_to_decode_is_refused_from_its_header(tmp_path):
    bomb = tmp_path / "key.png"
    bomb_png(bomb)
    assert bomb.stat().st_size < 100_000
    out = cli(tmp_path / "door", "doors", "join", "--from-image", str(bomb), "--key-env", "VENUE_KEY",
              env={"VENUE_KEY": ""}, timeout=60)
    assert out.returncode == 2, out.stderr
    assert "20000 x 20000 pixels" in out.stderr and "megapixels" in out.stderr and "Traceback" not in out.stderr
    not_an_image = tmp_path / "key.gif"
    not_an_image.write_bytes(b"GIF89a" + b"\x00" * 100)
    out = cli(tmp_path / "door", "doors", "join", "--from-image", str(not_an_image))
    assert out.returncode == 2 and "not a PNG or JPEG" in out.stderr


def test_doors_status_and_conflicts_show_quarantined_rows_alarms_and_restarts(tmp_path):
    a, b = seeded_store(tmp_path / "a"), seeded_store(tmp_path / "b")
    key_text = door_auth.key_text(door_auth.new_key())
    env = {"VENUE_KEY": key_text}
    assert cli(tmp_path / "b", "doors", "join", "--key-env", "VENUE_KEY", "--name", "Door B", env=env).returncode == 0
    CheckinService(a, door="Door A").scan("al4R5")
    real = replica.rows_after(a.conn, {})
    bad = dict(real[0], seq=2, nonce="n2", payload=["undoes_nonce"], op="undo")
    forged = dict(real[0], op="void", verdict=None, nonce="f" * 32)
    with b.transaction() as conn:
        replica.apply_rows(conn, real + [bad], own_device=b.device_id, pushes=pushes, now=utc_now(),
                           source="http://door-a:8722")
        replica.apply_rows(conn, [forged], own_device=b.device_id, pushes=pushes, now=utc_now(),
                           source="http://forger:8722")
        peers.record_contact(conn, "http://door-a:8722", device_id=a.device_id, door="Door A", behind=0, ahead=0,
                             rows=1, now=utc_now())
        peers.record_crash(conn, "http://door-a:8722", "RuntimeError: boom; restarted", utc_now())
        peers.record_error(conn, "http://fake-mdns:8722", "answered without the venue's signature", utc_now(), "mdns")
    a.close()
    b.close()

    doc = json.loads(cli(tmp_path / "b", "doors", "status", "--json", env=env).stdout)
    assert doc["quarantined_count"] == 2
    assert {q["reason"] for q in doc["quarantined"]} == {
        "payload ['undoes_nonce'] is not an object", f"another version of {real[0]['device_id']} #1 is already held here"}
    assert [(x["held"]["op"], x["other"]["op"], x["other_from"]) for x in doc["alarms"]] == \
        [("scan", "void", "http://forger:8722")]
    assert [(d["url"], d["restarts"]) for d in doc["doors"]] == [("http://door-a:8722", 1)]  # no fake door

    text = cli(tmp_path / "b", "doors", "status", env=env).stdout
    assert "ALARM: two versions of row" in text and "http://forger:8722" in text
    assert "2 row(s) from other doors quarantined (not applied)" in text and "is not an object" in text
    assert "pull worker restarted 1 time(s)" in text and "fake-mdns" not in text
    conflicts = cli(tmp_path / "b", "doors", "conflicts", env=env).stdout
    assert "forged_row" in conflicts and "held scan admitted al4R5" in conflicts and "other void al4R5" in conflicts
    with Store(tmp_path / "b") as store:
        assert store.conn.execute("SELECT status FROM tickets WHERE code = 'al4R5'").fetchone()[0] == "valid"
