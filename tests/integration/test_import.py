"""`checkin-app import`: the reference examples and the real recorded pages import, scan right, and
bad files are refused with one clear line while the store stays as it was."""
import json
import subprocess
import sys

import pytest

from tests.paths import REAL_TT, REFERENCE, ROOT


def cli(data_dir, *args):
    return subprocess.run([sys.executable, "-m", "checkin_app", "--data-dir", str(data_dir), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def verdict(data_dir, code):
    return json.loads(cli(data_dir, "scan", code, "--json").stdout)["verdict"]


def ticket_count(data_dir):
    out = cli(data_dir, "export", "--format", "json").stdout
    return json.loads(out)["count"]


@pytest.mark.parametrize("files, expected", [
    (["ticketsolve-order-created.json"], {"UQE2BK7L1G": "admitted", "53KIRV9QM4": "admitted", "PR:BG3IXCQIRV": "not_admission"}),
    (["ticketor-new-ticket-sale.json"], {"9971217295658": "admitted"}),
    (["ticketor-new-invoice-with-details.json"], {"278592011": "admitted"}),
])
def test_reference_examples_import_and_scan(tmp_path, files, expected):
    proc = cli(tmp_path, "import", *[str(REFERENCE / f) for f in files])
    assert proc.returncode == 0, proc.stderr
    for code, want in expected.items():
        assert verdict(tmp_path, code) == want
    assert verdict(tmp_path, next(iter(expected))) in ("already_checked_in", "not_admission")


def test_real_ticket_tailor_pages_and_webhook(tmp_path):
    files = [REAL_TT / "events-0-events.json", REAL_TT / "orders-1-orders.json", REAL_TT / "webhook-order-created.body.json"]
    doc = json.loads(cli(tmp_path, "import", *map(str, files), "--json").stdout)
    assert [r["tickets"] for r in doc["imported"]] == [0, 9, 1]
    assert verdict(tmp_path, "R59xesv") == "admitted"
    assert verdict(tmp_path, "r59xesv") == "unknown"  # barcodes are case-sensitive
    assert verdict(tmp_path, "aH5YpPP") == "admitted"
    people = json.loads(cli(tmp_path, "search", "griffiths", "--json").stdout)["results"]
    assert people[0]["code"] == "R59xesv" and people[0]["email"] == "test111@test111.com"
    exported = json.loads(cli(tmp_path, "export", "--format", "json").stdout)["tickets"]
    masked = next(t for t in exported if t["code"] == "aH5YpPP")
    assert masked["holder_name"] is None and masked["email"] is None  # "****" is unknown, never a name
    events = {e["remote_id"]: e["name"] for e in json.loads(cli(tmp_path, "events", "--json").stdout)["events"]}
    assert events["ev_5943073"] == "Asteroid City"


def test_reimport_is_idempotent_and_keeps_checkins(tmp_path):
    file = str(REFERENCE / "ticketsolve-order-created.json")
    cli(tmp_path, "import", file)
    verdict(tmp_path, "UQE2BK7L1G")
    doc = json.loads(cli(tmp_path, "import", file, "--json").stdout)
    assert doc["imported"][0]["new_tickets"] == 0
    assert ticket_count(tmp_path) == 3
    assert verdict(tmp_path, "UQE2BK7L1G") == "already_checked_in"


@pytest.mark.parametrize("content, message", [
    ('{"object": "order", "id": "or_1", "issued_tickets": [{"id": "it_1", "barc', "malformed JSON"),
    ("", "empty"),
    ('{"hello": "world"}', "unknown payload shape"),
    ('{"Id": 1, "Barcode": "123", "Status": "sold"}', "unknown payload shape (keys: Barcode, Id, Status)"),
    ("\x00\x01\x02binary", "binary"),
    ('{"object": "issued_ticket", "id": "it_9", "event_id": "ev_1", "barcode": "' + "A" * 10_000 + '"}', "10000-character"),
    ('{"object": "issued_ticket", "id": "it_9", "event_id": "ev_1", "barcode": "ab\\u0007c"}', "control characters"),
    ('{"object": "issued_ticket", "id": "it_9", "event_id": "ev_1", "barcode": ["x"]}', "not text"),
])
def test_bad_files_get_one_clear_line_and_change_nothing(tmp_path, content, message):
    cli(tmp_path, "import", str(REFERENCE / "ticketor-new-ticket-sale.json"))
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    proc = cli(tmp_path, "import", str(bad))
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and len(lines[0]) < 300, proc.stderr
    assert ticket_count(tmp_path) == 1


def test_a_bad_record_rejects_the_whole_ndjson_file(tmp_path):
    good = json.loads((REAL_TT / "webhook-order-created.body.json").read_text())
    nd = tmp_path / "deliveries.ndjson"
    nd.write_text(json.dumps(good) + "\n" + '{"broken": \n')
    proc = cli(tmp_path, "import", str(nd))
    assert proc.returncode == 2 and "line 2" in proc.stderr
    assert ticket_count(tmp_path) == 0


def test_sql_and_markup_in_names_are_just_text(tmp_path):
    payload = {"object": "issued_ticket", "id": "it_5", "event_id": "ev_1", "barcode": "Zz9",
               "full_name": "Robert'); DROP TABLE tickets;-- <b>Bobby</b>", "status": "valid", "checked_in": "false"}
    f = tmp_path / "x.json"
    f.write_text(json.dumps(payload))
    assert cli(tmp_path, "import", str(f)).returncode == 0
    hits = json.loads(cli(tmp_path, "search", "Robert", "--json").stdout)["results"]
    assert hits[0]["holder_name"].startswith("Robert'); DROP TABLE")


def test_csv_import(tmp_path):
    f = tmp_path / "guests.csv"
    f.write_text("code,event,name,email,ticket_type\nCSV1,gala,Ada Byron,ada@example.com,VIP\nCSV2,gala,,,GA\n")
    assert cli(tmp_path, "import", str(f)).returncode == 0
    assert verdict(tmp_path, "CSV1") == "admitted"
    bad = tmp_path / "bad.csv"
    bad.write_text("name,email\nx,y\n")
    assert "needs 'code'" in cli(tmp_path, "import", str(bad)).stderr


def test_tsv_import(tmp_path):
    f = tmp_path / "guests.tsv"
    f.write_text("code\tevent\tname\temail\nTSV1\tgala\tByron, Ada\tada@example.com\nTSV2\tgala\tJo Smith\t\n")
    doc = json.loads(cli(tmp_path, "import", str(f), "--json").stdout)
    assert doc["imported"][0]["tickets"] == 2
    assert verdict(tmp_path, "TSV1") == "admitted"
    people = json.loads(cli(tmp_path, "search", "Byron", "--json").stdout)["results"]
    assert people[0]["code"] == "TSV1" and people[0]["holder_name"] == "Byron, Ada"


def test_semicolon_csv_from_a_spreadsheet_import(tmp_path):
    """Excel writes ';'-separated CSV where the decimal mark is a comma; the dialect is sniffed."""
    f = tmp_path / "export.csv"
    f.write_bytes("\ufeffcode;event;name;status\nSEMI1;gala;Müller, Jörg;valid\nSEMI2;gala;Ada;cancelled\n".encode())
    assert cli(tmp_path, "import", str(f)).returncode == 0
    assert verdict(tmp_path, "SEMI1") == "admitted"
    assert verdict(tmp_path, "SEMI2") == "void"
    people = json.loads(cli(tmp_path, "search", "Müller", "--json").stdout)["results"]
    assert people[0]["holder_name"] == "Müller, Jörg"


def test_delimited_rows_with_more_cells_than_the_header_reject_the_file(tmp_path):
    f = tmp_path / "guests.tsv"
    f.write_text("code\tevent\nOK1\tgala\nBAD\tgala\textra\n")
    proc = cli(tmp_path, "import", str(f))
    assert proc.returncode == 2 and "row 2 has more cells than the header" in proc.stderr
    assert ticket_count(tmp_path) == 0


def test_a_text_file_that_is_no_table_gets_one_bounded_line(tmp_path):
    f = tmp_path / "notes.txt"
    f.write_text(" ".join(f"word{i}" for i in range(5000)) + "\nsecond line\n")
    proc = cli(tmp_path, "import", str(f))
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1 and "needs 'code'" in lines[0] and len(lines[0]) < 400, proc.stderr


def _big_csv(path, n):
    rows = [f"K{i:06d}q,gala,Guest{i} Surname{i % 97},guest{i}@example.com" for i in range(n)]
    path.write_text("code,event,name,email\n" + "\n".join(rows) + "\n")


def _counts(data_dir):
    from checkin_app.store import Store

    with Store(data_dir) as store:
        c = store.conn
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # rank 1: the search index is compared with the tickets table row by row (external content).
        c.execute("INSERT INTO tickets_fts (tickets_fts, rank) VALUES ('integrity-check', 1)")
        return (c.execute("SELECT COUNT(*) FROM tickets").fetchone()[0],
                c.execute("SELECT COUNT(*) FROM tickets_fts WHERE tickets_fts MATCH 'example'").fetchone()[0])


def test_an_import_killed_mid_file_leaves_all_or_nothing_and_search_finds_every_ticket(tmp_path):
    import os
    import signal
    import time

    n = 60_000
    data, big = tmp_path / "door", tmp_path / "guests.csv"
    _big_csv(big, n)
    cli(data, "events")  # the data dir exists before the import starts writing
    wal = data / "checkin.sqlite3-wal"
    start = wal.stat().st_size if wal.exists() else 0
    child = subprocess.Popen([sys.executable, "-m", "checkin_app", "--data-dir", str(data), "import", str(big)],
                             cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Kill it once its transaction has started writing (the WAL grows), before it can commit.
    deadline = time.monotonic() + 60
    while child.poll() is None and time.monotonic() < deadline and (wal.stat().st_size if wal.exists() else 0) <= start + 65536:
        time.sleep(0.005)  # polling a file another process writes: there is no signal to wait on
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL  # killed while writing, not after it finished
    tickets, found = _counts(data)
    assert (tickets, found) in ((0, 0), (n, n)), (tickets, found)
    assert cli(data, "import", str(big)).returncode == 0
    assert _counts(data) == (n, n)
    hit = json.loads(cli(data, "search", "Guest59999", "--json").stdout)["results"]
    assert [r["code"] for r in hit] == ["K059999q"]
